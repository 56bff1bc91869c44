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

from jtek_tui.domain import activities as A
from jtek_tui.domain import appointments as AP
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

# The conversation history: (kind, text) an agent would log along a deal.
FIRST_TOUCH = [
    ("call", "Intro call: looking to move within 3 months, budget around {price}."),
    ("email", "Replied to their inquiry with 5 listings that match."),
    ("meeting", "Met at the open house on {street}; signed in and asked for a follow-up."),
    ("sms", "Texted to confirm the best time to talk."),
]
ALONG_THE_WAY = [
    ("call", "Left voicemail about the new listing on {street}."),
    ("call", "Talked through financing; sending two lender contacts."),
    ("email", "Sent comps from the last 6 months for {street}."),
    ("email", "Sent the disclosure packet and HOA documents."),
    ("sms", "Texted the lockbox code for Saturday."),
    ("note", "Prefers email during work hours; calls after 6pm are fine."),
    ("note", "School district matters most; flexible on square footage."),
    ("note", "Needs to sell the current home first — contingency likely."),
    ("meeting", "Coffee to walk through the offer process and timelines."),
]
TASKS = ["Send updated comps", "Follow up on the pre-approval letter", "Schedule a second showing",
         "Call about the inspection report", "Send a thank-you card", "Prepare the CMA",
         "Confirm the appraisal date", "Check in after the weekend showings"]
BUYER_MEETINGS = ["Showing: {street}", "Buyer consultation", "Second showing: {street}", "Final walkthrough"]
SELLER_MEETINGS = ["Listing presentation", "Photo shoot at {street}", "Open house at {street}", "Pricing review"]
LOCATIONS = ["{street}", "Office — 200 Main St", "Coffee Corner, Elm St", "Phone"]


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

    history = random.Random(rnd.random())  # the conversation history draws from its own stream
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
            at=now - timedelta(days=history.randint(160, 200), hours=history.randint(0, 23)),
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
    _conversations(db, history, team, now)
    db.actor_id = me
    _automations(db)


def _automations(db) -> None:
    """Two everyday workflows, added last so the back-dated history above did
    not fire them: moving a card in the demo shows them at work."""
    from jtek_tui.domain import automations as A
    from jtek_tui.domain.automation_triggers import Filters, TriggerSpec

    A.create_automation(db, A.AutomationSpec(
        name="Offer made: follow up in 2 days",
        trigger=TriggerSpec("stage_changed_to", stage="Offer Made"),
        filters=Filters(pipeline="Buyers"),
        actions=[
            {"type": "add_tag", "tag": "offer-out"},
            {"type": "create_task", "template": "Call {contact.first_name} about the offer on {opportunity.name}",
             "days": 2},
        ],
    ))
    A.create_automation(db, A.AutomationSpec(
        name="Won: thank-you card",
        trigger=TriggerSpec("status_changed_to", status="won"),
        actions=[
            {"type": "add_tag", "tag": "past-client"},
            {"type": "log_note", "template": "Closed {opportunity.name} for {opportunity.value}: "
                                             "send {contact.first_name} a thank-you card."},
        ],
    ))


def _conversations(db, rnd: random.Random, team: list[int], now) -> None:
    """Calls, notes, tasks and appointments along each deal's life, back-dated."""
    booked = 0
    for deal in O.list_opportunities(db, status=None, order="created"):
        street = deal.name.split(" — ")[-1]
        price = f"${(deal.value_cents or 45_000_000) // 100_000}k"
        words = {"street": street, "price": price}
        end = deal.closed_at or now
        span = max((end - deal.created_at).total_seconds(), 3600)

        def when(fraction: float, deal=deal, span=span):  # bound now: called within this iteration
            return min(deal.created_at + timedelta(seconds=span * fraction), now - timedelta(minutes=5))

        db.actor_id = deal.assignee_id or rnd.choice(team)
        kind, text = rnd.choice(FIRST_TOUCH)
        A.log_activity(db, deal.contact_id, kind, text.format(**words), opportunity=deal.id,
                       at=when(rnd.uniform(0.0, 0.05)))
        for _ in range(rnd.randint(1, 4)):
            kind, text = rnd.choice(ALONG_THE_WAY)
            A.log_activity(db, deal.contact_id, kind, text.format(**words), opportunity=deal.id,
                           at=when(rnd.uniform(0.1, 0.95)))
        if rnd.random() < 0.55:
            if deal.status == "open" and rnd.random() < 0.6:  # on the agent's list now, a few overdue
                created = now - timedelta(days=rnd.randint(1, 10), hours=rnd.randint(0, 8))
                due = now + timedelta(days=rnd.randint(-3, 7), hours=rnd.randint(0, 6))
                A.log_activity(db, deal.contact_id, "task", rnd.choice(TASKS), opportunity=deal.id,
                               due_at=due, at=created)
            else:  # an earlier one, ticked off before it was due
                created = when(rnd.uniform(0.3, 0.8))
                due = created + timedelta(days=rnd.randint(1, 6))
                task = A.log_activity(db, deal.contact_id, "task", rnd.choice(TASKS), opportunity=deal.id,
                                      due_at=due, at=created)
                done_at = created + (due - created) * rnd.uniform(0.2, 0.9)
                if done_at < now - timedelta(hours=1):
                    A.set_task_done(db, task.activity_id, at=done_at)
        meetings = SELLER_MEETINGS if deal.pipeline == "Sellers" else BUYER_MEETINGS
        # A past appointment, held (or now and then cancelled).
        if rnd.random() < 0.7:
            start = _on_the_hour(when(rnd.uniform(0.2, 0.8)), rnd)
            if start < now - timedelta(hours=2):
                made = AP.add_appointment(
                    db, deal.contact_id, title=rnd.choice(meetings).format(**words), starts_at=start,
                    duration=timedelta(minutes=rnd.choice([30, 45, 60, 90])), opportunity=deal.id,
                    location=rnd.choice(LOCATIONS).format(**words), at=start - timedelta(days=rnd.randint(1, 5)),
                ).appointment
                if rnd.random() < 0.15:
                    AP.cancel_appointment(db, made.id, at=start - timedelta(hours=rnd.randint(3, 20)))
                else:
                    AP.mark_appointment_done(db, made.id, at=made.ends_at + timedelta(minutes=rnd.randint(5, 90)))
        # Open deals: something on the calendar in the next two weeks.
        if deal.status == "open" and rnd.random() < 0.6:
            start = _on_the_hour(now + timedelta(days=rnd.randint(0, 13), hours=rnd.randint(1, 30)), rnd)
            if start < now + timedelta(hours=1):
                start += timedelta(days=1)
            AP.add_appointment(
                db, deal.contact_id, title=rnd.choice(meetings).format(**words), starts_at=start,
                duration=timedelta(minutes=rnd.choice([30, 60, 60, 90])), opportunity=deal.id,
                location=rnd.choice(LOCATIONS).format(**words),
                notes="Bring the comps printout." if booked % 4 == 0 else "",
                at=now - timedelta(days=rnd.randint(0, 6), hours=rnd.randint(1, 8)),
            )
            booked += 1


def _on_the_hour(moment, rnd: random.Random):
    """Appointments start at business hours in local time: 9:00 to 17:30, on the half hour."""
    local = moment.astimezone()
    local = local.replace(hour=rnd.randint(9, 17), minute=rnd.choice([0, 30]), second=0, microsecond=0)
    return local.astimezone(moment.tzinfo)
