"""A believable real-estate team's database, for trying Jtek and for screenshots.

Built through the domain functions (back-dated with `at=`), so demo histories
are exactly what real use produces. Seeded, so every build is the same relative
to "now".
"""

from __future__ import annotations

import os
import random
from datetime import timedelta
from pathlib import Path

from jtek_tui.domain import clock
from jtek_tui.domain import contacts as C
from jtek_tui.domain import members as M
from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.bootstrap import open_database

BUYER_STAGES = [("New Inquiry", 5, 5), ("Consultation", 15, 10), ("Pre-Approved", 30, 21),
                ("Showing", 45, 14), ("Offer Made", 65, 7), ("Under Contract", 85, 30)]
SELLER_STAGES = [("New Listing Lead", 5, 7), ("Listing Appointment", 20, 10), ("Listing Signed", 40, 14),
                 ("On Market", 55, 45), ("Offer Received", 75, 7), ("Under Contract", 90, 30)]

FIRST = ["Maria", "James", "Aisha", "Chen", "Olivia", "Diego", "Priya", "Liam", "Fatima", "Noah",
         "Sofia", "Hiroshi", "Emma", "Kwame", "Isabella", "Mateo", "Grace", "Omar", "Hannah", "Lucas",
         "Zoe", "Ravi", "Chloe", "Ethan", "Amara", "Jonas", "Lena", "Marcus", "Yuki", "Daniel",
         "Nora", "Samuel", "Leila", "Victor", "Ingrid", "Tomás", "Bea", "Felix", "Rosa", "Arjun"]
LAST = ["Johnson", "Okafor", "Nguyen", "Schmidt", "García", "Kowalski", "Haddad", "Brennan", "Silva",
        "Tanaka", "Moreau", "Petrov", "Adeyemi", "Larsen", "Rossi", "Chen", "Murphy", "Iyer", "Dubois",
        "Novak", "Fischer", "Ramos", "O'Neil", "Sato", "Mensah", "Walsh", "Cohen", "Lindqvist", "Costa",
        "Park", "Hughes", "Ali", "Bianchi", "Kim", "Jensen", "Ortiz", "Weber", "Baker", "Singh", "Reyes"]
STREETS = ["Maple Ave", "Harbor View", "Elm St", "Oak Ridge Dr", "Lakeshore Blvd", "Cedar Ln",
           "Willow Ct", "Sunset Terrace", "Pine St", "Birch Rd", "Riverside Dr", "Hillcrest Way"]
TAGS = ["buyer", "seller", "first-time", "investor", "referral", "relocation", "vip", "downsizing"]
SOURCES = ["Zillow", "Referral", "Open house", "Website", "Instagram", "Sign call", "Past client"]
LOST_REASONS = ["Went with another agent", "Financing fell through", "Priced out", "Bought elsewhere",
                "Decided not to sell", "Inspection issues"]
NOTES = [
    "Wants 3 bed / 2 bath near good schools.",
    "Pre-approval letter received; budget firm.",
    "Prefers showings after 5pm. Has a dog — needs a yard.",
    "Motivated: relocating for work in March.",
    "Asked for comps from the last 6 months.",
    "Open to light renovation if price is right.",
    "Spouse is the decision maker; schedule both for next visit.",
    "",
    "",
]
TEAM = [("Sam Rivera", "sam"), ("Priya Patel", "priya")]


def build_demo(path: Path, *, seed: int = 7, login: str | None = None) -> Path:
    """Create the demo database at `path` (replacing it atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    db = open_database(str(tmp), login=login, seed=False)
    try:
        _populate(db, random.Random(seed))
    finally:
        db.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(tmp, path)
    return path


def _populate(db, rnd: random.Random) -> None:
    now = clock.now()
    me = db.actor_id
    team = [me] + [M.add_member(db, name, login=login).id for name, login in TEAM]
    buyers = P.create_pipeline(db, "Buyers", BUYER_STAGES)
    sellers = P.create_pipeline(db, "Sellers", SELLER_STAGES)

    contacts = []
    for i in range(40):
        first, last = FIRST[i], LAST[(i * 7) % len(LAST)]
        tags = rnd.sample(TAGS[2:], k=rnd.choice([0, 1, 1, 2]))
        c = C.create_contact(
            db, f"{first} {last}",
            email=f"{first.lower()}.{last.lower().replace(chr(39), '')}@example.com".replace("í", "i")
            .replace("á", "a").replace("é", "e"),
            phone=f"555{rnd.randint(1000000, 9999999)}",
            source=rnd.choice(SOURCES), tags=tags,
        )
        contacts.append(c)

    for n in range(62):
        pipe = buyers if n % 3 else sellers
        stages = P.list_stages(db, pipe.id)
        open_stages = [s for s in stages if s.is_open]
        won = next(s for s in stages if s.kind == "won")
        lost = next(s for s in stages if s.kind == "lost")
        person = contacts[n % len(contacts)] if n < 40 else contacts[rnd.randrange(len(contacts))]
        C.tag_contact(db, person.id, "buyer" if pipe is buyers else "seller")
        street = f"{rnd.randint(12, 998)} {rnd.choice(STREETS)}"
        name = f"{person.name} — {street}"
        price = rnd.choice([285, 340, 415, 480, 525, 610, 750, 890, 1150, 1400]) * 1000
        value = None if n % 17 == 5 else price * 100
        created = now - timedelta(days=rnd.randint(4, 150), hours=rnd.randint(0, 23))
        db.actor_id = rnd.choice(team)
        o = O.create_opportunity(
            db, contact=person.id, name=name, pipeline=pipe.id, stage=open_stages[0].id,
            value_cents=value, assignee=rnd.choice(team), notes=rnd.choice(NOTES),
            source=rnd.choice(SOURCES), at=created,
        )
        # Walk it forward through the stages over its lifetime.
        fate = rnd.random()
        final_index = rnd.randint(0, len(open_stages) - 1)
        t = created
        for stage in open_stages[1: final_index + 1]:
            t = t + timedelta(days=rnd.uniform(0.5, 12), hours=rnd.randint(0, 8))
            if t >= now - timedelta(hours=2):
                break
            db.actor_id = rnd.choice(team)
            O.move_opportunity(db, o.id, stage.id, at=t)
        closing = t + timedelta(days=rnd.uniform(1, 10))
        if fate < 0.16 and closing < now:
            O.move_opportunity(db, o.id, won.id, at=closing)
        elif fate < 0.28 and closing < now:
            O.move_opportunity(db, o.id, lost.id, lost_reason=rnd.choice(LOST_REASONS), at=closing)
        # Expected close: some overdue, some this month, the rest ahead.
        today = clock.today()
        roll = rnd.random()
        if roll < 0.18:
            close = today - timedelta(days=rnd.randint(1, 25))
        elif roll < 0.45:
            close = today.replace(day=min(28, max(today.day, rnd.randint(1, 28))))
        elif roll < 0.9:
            close = today + timedelta(days=rnd.randint(20, 120))
        else:
            close = None
        O.update_opportunity(db, o.id, expected_close=close)
    db.actor_id = me
