"""What an automation knows about the deal it fires on, and how actions use it.

One context (a nested dict of plain values) feeds three consumers, so they can
never disagree about what `{opportunity.value}` means:

- templates in notes, tasks, appointments and emails (`render`), checked when
  the automation is saved (`check_template`) — an unknown field is a
  validation error then, never a surprise at run time;
- the JSON body of webhooks (`payload`);
- the `JTEK_*` environment variables of command actions (`environment`).

Templates use `{group.field}`; `{{` and `}}` are literal braces. Formatting
specs (`{x:>10}`) and conversions (`{x!r}`) are refused: templates are text for
people, not Python.
"""

from __future__ import annotations

import string
from typing import Any

from sqlalchemy.orm import Session

from jtek_tui.domain import clock
from jtek_tui.domain.errors import ValidationError
from jtek_tui.domain.formatting import iso_utc, money
from jtek_tui.models import Contact, Opportunity, Pipeline, Stage, TeamMember

#: Every template field, with what it holds (shown in docs and the UI's picker).
FIELDS: dict[str, str] = {
    "contact.id": "contact number",
    "contact.first_name": "contact's first name",
    "contact.last_name": "contact's last name",
    "contact.name": "contact's full name",
    "contact.email": "contact's email address",
    "contact.phone": "contact's phone number",
    "contact.company": "contact's company",
    "opportunity.id": "deal number",
    "opportunity.name": "deal name",
    "opportunity.value": "deal value, formatted ($750,000)",
    "opportunity.value_cents": "deal value in cents (75000000)",
    "opportunity.currency": "currency code",
    "opportunity.expected_close": "expected close date (YYYY-MM-DD)",
    "opportunity.status": "open, won or lost",
    "opportunity.source": "lead source",
    "opportunity.lost_reason": "why it was lost",
    "stage.id": "current stage number",
    "stage.name": "current stage",
    "previous_stage.id": "stage it came from (empty when created)",
    "previous_stage.name": "stage it came from (empty when created)",
    "pipeline.id": "pipeline number",
    "pipeline.name": "pipeline",
    "member.name": "assigned team member",
    "member.email": "assigned team member's email",
    "member.login": "assigned team member's login",
    "actor.name": "who made the change",
    "actor.login": "login of who made the change",
    "automation.id": "automation number",
    "automation.name": "automation name",
    "trigger": "what fired it: stage_changed_to, status_changed_to, opportunity_created or "
    "stale_in_stage",
    "today": "today's date (YYYY-MM-DD, local)",
    "now": "current local time (YYYY-MM-DD HH:MM)",
}

_FORMATTER = string.Formatter()


def check_template(template: str, what: str, field: str) -> str:
    """`template` if every `{field}` is known; else a ValidationError naming the bad one."""
    if not isinstance(template, str):
        raise ValidationError(f"{what} must be text.", field)
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError:
        raise ValidationError(
            f"{what} has an unmatched brace; write {{{{ or }}}} for a literal brace.", field
        ) from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not name:
            raise ValidationError(
                f"{what} has empty braces {{}}; name a field like {{contact.first_name}}.", field
            )
        if name not in FIELDS:
            close = [k for k in FIELDS if k.split(".")[-1] == name.split(".")[-1]]
            hint = f" Did you mean {{{close[0]}}}?" if close else " See `jtek automation fields`."
            raise ValidationError(f"{what} uses an unknown field {{{name}}}.{hint}", field)
        if spec or conversion:
            raise ValidationError(f"{what}: write {{{name}}} without a format (':' or '!').", field)
    return template


def flatten(ctx: dict[str, Any]) -> dict[str, Any]:
    """{"contact": {"name": "Ann"}, "today": "…"} -> {"contact.name": "Ann", "today": "…"}."""
    out: dict[str, Any] = {}
    for key, value in ctx.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                out[f"{key}.{sub}"] = inner
        else:
            out[key] = value
    return out


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def render(template: str, ctx: dict[str, Any]) -> str:
    """Fill a (checked) template from a context; missing values become empty text."""
    flat = flatten(ctx)
    out: list[str] = []
    for literal, name, _, _ in _FORMATTER.parse(template):
        out.append(literal)
        if name is not None:
            if name not in FIELDS:  # saved before a field was retired: say so, don't guess
                raise ValueError(f"the template uses an unknown field {{{name}}}")
            out.append(_text(flat.get(name)))
    return "".join(out)


def build_context(
    s: Session,
    opportunity_id: int,
    *,
    trigger: str,
    automation_id: int | None = None,
    automation_name: str = "",
    previous_stage_id: int | None = None,
) -> dict[str, Any]:
    """The deal as it is now in this session (after any earlier actions)."""
    db = s.info["db"]
    opp = s.get(Opportunity, opportunity_id)
    if opp is None:
        raise ValueError(f"opportunity #{opportunity_id} no longer exists")
    contact = s.get(Contact, opp.contact_id)
    stage = s.get(Stage, opp.stage_id)
    pipeline = s.get(Pipeline, opp.pipeline_id)
    previous = s.get(Stage, previous_stage_id) if previous_stage_id else None
    member = s.get(TeamMember, opp.assignee_id) if opp.assignee_id else None
    actor = s.get(TeamMember, db.actor_id) if db.actor_id else None
    now = clock.now()
    return {
        "contact": {
            "id": contact.id,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "company": contact.company,
        },
        "opportunity": {
            "id": opp.id,
            "name": opp.name,
            "value": money(opp.value_cents) if opp.value_cents is not None else "",
            "value_cents": opp.value_cents,
            "currency": opp.currency,
            "expected_close": opp.expected_close.isoformat() if opp.expected_close else None,
            "status": opp.status,
            "source": opp.source,
            "lost_reason": opp.lost_reason,
        },
        "stage": {"id": stage.id, "name": stage.name},
        "previous_stage": {
            "id": previous.id if previous else None,
            "name": previous.name if previous else None,
        },
        "pipeline": {"id": pipeline.id, "name": pipeline.name},
        "member": {
            "name": member.name if member else None,
            "email": member.email if member else None,
            "login": member.login if member else None,
        },
        "actor": {"name": actor.name if actor else None, "login": db.actor_login},
        "automation": {"id": automation_id, "name": automation_name},
        "trigger": trigger,
        "today": clock.today().isoformat(),
        "now": now.astimezone().strftime("%Y-%m-%d %H:%M"),
    }


def payload(ctx: dict[str, Any]) -> dict[str, Any]:
    """The JSON body a webhook receives: the context plus when it was sent."""
    body = {k: (dict(v) if isinstance(v, dict) else v) for k, v in ctx.items()}
    body["sent_at"] = iso_utc(clock.now())
    return body


#: Short names kept alongside the systematic ones because scripts reach for them first.
ENV_ALIASES = {
    "JTEK_STAGE": "stage.name",
    "JTEK_VALUE_CENTS": "opportunity.value_cents",
    "JTEK_PIPELINE": "pipeline.name",
}


def env_name(field: str) -> str:
    return "JTEK_" + field.upper().replace(".", "_")


def environment(ctx: dict[str, Any], *, db_url: str | None = None) -> dict[str, str]:
    """`JTEK_*` variables for a command action: every field, plus a few short aliases."""
    flat = flatten(ctx)
    env = {env_name(k): _text(v) for k, v in flat.items()}
    for alias, field in ENV_ALIASES.items():
        env[alias] = _text(flat.get(field))
    if db_url:
        env["JTEK_DB"] = db_url
    return env
