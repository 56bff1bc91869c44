"""Automations as TOML files, so a team can keep them in version control.

The file names stages, pipelines and members (never database ids), so it can
be loaded into another database. Importing is all or nothing: every entry is
checked, and one bad entry leaves the database untouched. An entry whose name
matches an existing automation (case-insensitively) replaces it; the others
are added. Whoever imports becomes the owner, so command actions in a shared
file only ever run in the importer's own jtek.

    jtek_automations = 1

    [[automation]]
    name = "Qualified follow-up"
    enabled = true
    trigger = { kind = "stage_changed_to", stage = "Qualified", from_stage = "Contacted" }
    filters = { pipeline = "Sales Pipeline", assignee = "alice", tag = "vip", min_value = "$250,000" }

    [[automation.actions]]
    type = "create_task"
    template = "Call {contact.first_name} about {opportunity.name}"
    days = 2
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

import tomli_w
from sqlalchemy import func, select

from jtek_tui.db import Database
from jtek_tui.domain.automation_triggers import Filters, TriggerSpec
from jtek_tui.domain.automations import (
    AutomationInvalid,
    AutomationSpec,
    automation_spec,
    create_automation,
    list_automations,
    update_automation,
    validate_automation,
)
from jtek_tui.domain.errors import ValidationError
from jtek_tui.domain.formatting import money
from jtek_tui.domain.parsing import parse_money
from jtek_tui.models import Automation

FORMAT_VERSION = 1
_HEADER = (
    "# Jtek automations. Load with `jtek automation import FILE`; see docs/automations.md.\n"
    "# Entries are matched by name: importing replaces same-named automations.\n\n"
)
_ENTRY_KEYS = {"name", "enabled", "trigger", "filters", "actions"}
_TRIGGER_KEYS = {"kind", "stage", "from_stage", "status", "days"}
_FILTER_KEYS = {"pipeline", "assignee", "tag", "min_value", "min_value_cents"}


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and v != ""}


def spec_to_toml_table(spec: AutomationSpec) -> dict[str, Any]:
    t, f = spec.trigger, spec.filters
    entry: dict[str, Any] = {"name": spec.name, "enabled": spec.enabled}
    entry["trigger"] = _drop_none(
        {
            "kind": t.kind,
            "stage": t.stage,
            "from_stage": t.from_stage,
            "status": t.status,
            "days": t.days,
        }
    )
    filters = _drop_none(
        {
            "pipeline": f.pipeline,
            "assignee": f.assignee,
            "tag": f.tag,
            "min_value": money(f.min_value_cents) if f.min_value_cents is not None else None,
        }
    )
    if filters:
        entry["filters"] = filters
    entry["actions"] = [_drop_none(a) for a in spec.actions]
    return entry


def export_toml(db: Database, refs: list[str | int] | None = None) -> str:
    """These automations (default: all, in firing order) as a TOML document."""
    specs = (
        [automation_spec(db, ref) for ref in refs]
        if refs
        else [row.spec for row in list_automations(db)]
    )
    document = {
        "jtek_automations": FORMAT_VERSION,
        "automation": [spec_to_toml_table(s) for s in specs],
    }
    return _HEADER + tomli_w.dumps(document, multiline_strings=True)


def _table(value: Any, what: str, keys: set[str], where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError(f"{where}: {what} must be a table.", what)
    unknown = sorted(set(value) - keys)
    if unknown:
        raise ValidationError(
            f"{where}: {what} has no key {unknown[0]!r} (allowed: {', '.join(sorted(keys))}).", what
        )
    return value


def _entry_spec(entry: Any, number: int) -> AutomationSpec:
    where = f"automation {number}"
    if not isinstance(entry, dict):
        raise ValidationError(f"{where} must be a table.", "automation")
    if isinstance(entry.get("name"), str) and entry["name"].strip():
        where = f"automation {entry['name']!r}"
    _table(entry, "automation", _ENTRY_KEYS, where)
    raw_trigger = entry.get("trigger")
    if isinstance(raw_trigger, str):  # `trigger = "opportunity_created"` needs nothing else
        raw_trigger = {"kind": raw_trigger}
    trigger = _table(raw_trigger, "trigger", _TRIGGER_KEYS, where)
    filters = _table(entry.get("filters"), "filters", _FILTER_KEYS, where)
    min_value = filters.get("min_value_cents")
    if filters.get("min_value") not in (None, ""):
        try:
            min_value = parse_money(str(filters["min_value"]), field="filters")
        except ValidationError as error:
            raise ValidationError(f"{where}: {error}", "filters") from None
    actions = entry.get("actions", [])
    if not isinstance(actions, list):
        raise ValidationError(
            f"{where}: actions must be a list of tables ([[automation.actions]]).", "actions"
        )
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValidationError(f"{where}: enabled must be true or false.", "enabled")
    name = entry.get("name")
    return AutomationSpec(
        name=name if isinstance(name, str) else "",
        trigger=TriggerSpec(
            trigger.get("kind", ""),
            trigger.get("stage"),
            trigger.get("from_stage"),
            trigger.get("status"),
            trigger.get("days"),
        ),
        filters=Filters(
            filters.get("pipeline"), filters.get("assignee"), filters.get("tag"), min_value
        ),
        actions=actions,
        enabled=enabled,
    )


def parse_toml(text: str) -> list[AutomationSpec]:
    """The automations in a TOML document (structure only; `import_toml` checks the rest)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValidationError(f"The file is not valid TOML: {error}.", "file") from None
    version = data.get("jtek_automations", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise ValidationError(
            f"This file is automation format {version!r}; this jtek reads format 1.", "file"
        )
    entries = data.get("automation", [])
    if not isinstance(entries, list):
        raise ValidationError("Write each automation as an [[automation]] table.", "file")
    specs = [_entry_spec(e, i) for i, e in enumerate(entries, 1)]
    seen: set[str] = set()
    for spec in specs:
        key = " ".join(spec.name.lower().split())
        if key and key in seen:
            raise ValidationError(f"The file has two automations called {spec.name!r}.", "name")
        seen.add(key)
    return specs


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    dry_run: bool = False

    def to_json(self) -> dict:
        return {"created": self.created, "updated": self.updated, "dry_run": self.dry_run}


def _existing_id(db: Database, name: str) -> int | None:
    with db.read() as s:
        return s.scalar(
            select(Automation.id).where(
                func.lower(Automation.name) == " ".join(name.lower().split())
            )
        )


def import_toml(db: Database, text: str, *, dry_run: bool = False) -> ImportReport:
    """Add or replace the automations in `text`, all in one transaction (or none)."""
    specs = parse_toml(text)
    report = ImportReport(dry_run=dry_run)
    if dry_run:
        for spec in specs:
            existing = _existing_id(db, spec.name)
            errors = validate_automation(db, spec, exclude=existing)
            if errors:
                raise _located(spec, AutomationInvalid(errors))
            (report.updated if existing else report.created).append(spec.name)
        return report
    with db.write():
        for spec in specs:
            existing = _existing_id(db, spec.name)
            try:
                if existing:
                    update_automation(db, existing, spec)
                else:
                    create_automation(db, spec)
            except AutomationInvalid as error:
                raise _located(spec, error) from None
            (report.updated if existing else report.created).append(spec.name)
    return report


def _located(spec: AutomationSpec, error: AutomationInvalid) -> AutomationInvalid:
    """Prefix every message with the automation it belongs to (a file holds many)."""
    where = f"Automation {spec.name!r}" if spec.name.strip() else "An automation without a name"
    located = [
        type(e)(f"{where}: {e}", e.index)
        if hasattr(e, "index")
        else ValidationError(f"{where}: {e}", e.field)
        for e in error.errors
    ]
    return AutomationInvalid(located)
