"""SQLModel tables. Plain data: the rules live in `jtek_tui.domain`.

Conventions
- Money is integer cents (`*_cents`); SQLite would store Numeric as REAL.
- Every timestamp is an aware UTC `datetime`, stored as naive UTC by `UTCDateTime`
  so SQLite (which has no time zones) and other databases agree.
- Calendar days with no time of day (expected close) are `date`s.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


#: SQLAlchemy's own SQLite DATETIME text format, kept so existing rows compare correctly.
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as naive UTC; hand back aware UTC datetimes.

    On SQLite the text is parsed with `datetime.fromisoformat` (C speed) instead
    of SQLAlchemy's regex: the board reads thousands of timestamps per load.
    """

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Any) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is required")
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive.strftime(SQLITE_DATETIME) if dialect.name == "sqlite" else naive

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


def _ts(nullable: bool = False, **kw: Any) -> Any:
    if nullable:
        return Field(default=None, sa_type=UTCDateTime, nullable=True, **kw)
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, **kw)


class TeamMember(SQLModel, table=True):
    __tablename__ = "team_member"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    email: Optional[str] = None
    login: Optional[str] = Field(default=None, unique=True)
    active: bool = True
    created_at: datetime = _ts()

    @property
    def initials(self) -> str:
        from jtek_tui.domain.formatting import initials

        return initials(self.name) or "?"


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    __table_args__ = (
        sa.Index("ix_contact_name", "last_name", "first_name"),
        sa.Index("ix_contact_email", "email"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    first_name: str = ""
    last_name: str = ""
    email: Optional[str] = None
    phone: Optional[str] = None
    company: Optional[str] = None
    source: Optional[str] = None
    created_at: datetime = _ts()
    updated_at: datetime = _ts()

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


class Tag(SQLModel, table=True):
    __tablename__ = "tag"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    key: str = Field(unique=True)  # lower-cased name: tags are case-insensitive


class ContactTag(SQLModel, table=True):
    __tablename__ = "contact_tag"

    contact_id: int = Field(foreign_key="contact.id", primary_key=True, ondelete="CASCADE")
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True, ondelete="CASCADE")


class Pipeline(SQLModel, table=True):
    __tablename__ = "pipeline"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    position: int = 0
    archived: bool = False


class Stage(SQLModel, table=True):
    __tablename__ = "stage"
    __table_args__ = (sa.Index("ix_stage_pipeline_position", "pipeline_id", "position"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    pipeline_id: int = Field(foreign_key="pipeline.id", ondelete="CASCADE")
    name: str
    position: int = 0
    kind: str = "open"  # open | won | lost
    probability: int = 0  # 0..100, for weighted pipeline value
    rot_days: Optional[int] = None  # a card idle longer than this is "rotting"


class Opportunity(SQLModel, table=True):
    __tablename__ = "opportunity"
    __table_args__ = (
        sa.Index("ix_opp_board", "pipeline_id", "status", "stage_id", "position"),
        sa.Index("ix_opp_expected_close", "expected_close"),
        sa.Index("ix_opp_assignee", "assignee_id"),
        sa.Index("ix_opp_contact", "contact_id"),
        sa.Index("ix_opp_status_closed", "status", "closed_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    contact_id: int = Field(foreign_key="contact.id")
    pipeline_id: int = Field(foreign_key="pipeline.id")
    stage_id: int = Field(foreign_key="stage.id")
    status: str = "open"  # open | won | lost, follows the stage kind
    value_cents: Optional[int] = Field(default=None, sa_type=sa.BigInteger)
    currency: str = "USD"
    expected_close: Optional[date] = None
    assignee_id: Optional[int] = Field(default=None, foreign_key="team_member.id")
    notes: str = ""
    source: Optional[str] = None
    lost_reason: Optional[str] = None
    position: int = 0
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    updated_by_id: Optional[int] = Field(default=None, foreign_key="team_member.id")
    stage_entered_at: datetime = _ts()
    closed_at: Optional[datetime] = _ts(nullable=True)
    version: int = 1


class StageChange(SQLModel, table=True):
    __tablename__ = "stage_change"
    __table_args__ = (
        sa.Index("ix_stage_change_opp", "opportunity_id", "changed_at"),
        sa.Index("ix_stage_change_to", "to_stage_id", "changed_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    opportunity_id: int = Field(foreign_key="opportunity.id", ondelete="CASCADE")
    from_stage_id: Optional[int] = Field(default=None, foreign_key="stage.id")
    to_stage_id: int = Field(foreign_key="stage.id")
    changed_at: datetime = _ts()
    changed_by_id: Optional[int] = Field(default=None, foreign_key="team_member.id")
    reason: Optional[str] = None  # the lost reason, for a move into a lost stage


class Activity(SQLModel, table=True):
    __tablename__ = "activity"
    __table_args__ = (sa.Index("ix_activity_contact", "contact_id", "created_at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE")
    opportunity_id: Optional[int] = Field(default=None, foreign_key="opportunity.id")
    kind: str = "note"  # note | call | email | sms | meeting | task | system
    body: str = ""
    due_at: Optional[datetime] = _ts(nullable=True)
    done_at: Optional[datetime] = _ts(nullable=True)
    author_id: Optional[int] = Field(default=None, foreign_key="team_member.id")
    created_at: datetime = _ts()


class Appointment(SQLModel, table=True):
    __tablename__ = "appointment"
    __table_args__ = (
        sa.Index("ix_appointment_contact", "contact_id", "starts_at"),
        sa.Index("ix_appointment_owner", "owner_id", "starts_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", ondelete="CASCADE")
    opportunity_id: Optional[int] = Field(default=None, foreign_key="opportunity.id")
    owner_id: Optional[int] = Field(default=None, foreign_key="team_member.id")
    title: str
    starts_at: datetime = _ts()
    ends_at: datetime = _ts()
    location: str = ""
    notes: str = ""
    status: str = "scheduled"  # scheduled | done | cancelled
    created_at: datetime = _ts()


class Automation(SQLModel, table=True):
    __tablename__ = "automation"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    enabled: bool = True
    trigger: str  # stage_changed_to | status_changed_to | opportunity_created | stale_in_stage
    pipeline_id: Optional[int] = Field(default=None, foreign_key="pipeline.id")
    stage_id: Optional[int] = Field(default=None, foreign_key="stage.id")
    status: Optional[str] = None
    params: dict = Field(default_factory=dict, sa_type=sa.JSON)
    actions: list = Field(default_factory=list, sa_type=sa.JSON)
    owner_login: Optional[str] = None  # command actions only run for this OS user
    position: int = 0
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class AutomationRun(SQLModel, table=True):
    __tablename__ = "automation_run"
    __table_args__ = (
        sa.Index("ix_automation_run_automation", "automation_id", "started_at"),
        sa.Index("ix_automation_run_opp", "opportunity_id"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    automation_id: int = Field(foreign_key="automation.id", ondelete="CASCADE")
    opportunity_id: Optional[int] = Field(default=None, foreign_key="opportunity.id")
    started_at: datetime = _ts()
    finished_at: Optional[datetime] = _ts(nullable=True)
    outcome: str = "ok"  # ok | error | skipped
    detail: str = ""


class UserState(SQLModel, table=True):
    """Per-member UI memory (last pipeline, column, card): survives restarts."""

    __tablename__ = "user_state"

    member_id: int = Field(foreign_key="team_member.id", primary_key=True, ondelete="CASCADE")
    key: str = Field(primary_key=True)
    value: str = ""
