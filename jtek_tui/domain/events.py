"""Domain events: what just happened to a deal, for automations and live refresh.

Handlers run synchronously inside the transaction that raised the event, so
their quick effects commit (or roll back) together with the action. Slow work
(commands, webhooks, email) must be queued with `jtek_tui.db.after_commit`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class OpportunityCreated:
    opportunity_id: int
    stage_id: int
    depth: int = 0


@dataclass(frozen=True)
class StageChanged:
    opportunity_id: int
    from_stage_id: int | None
    to_stage_id: int
    from_status: str
    to_status: str
    #: How many automation hops led here (0 = a person did it); bounds chains.
    depth: int = 0


Event = OpportunityCreated | StageChanged
Handler = Callable[[Session, Event], None]

_handlers: list[Handler] = []


def subscribe(handler: Handler) -> Handler:
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def unsubscribe(handler: Handler) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


def emit(session: Session, event: Event) -> None:
    session.info.setdefault("events", []).append(event)
    for handler in list(_handlers):
        handler(session, event)
