"""The Reports filters: what they are, the line that always shows them, and the
pickers `p`, `m` and `t` open."""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual.content import Content
from textual.widgets.option_list import Option

from jtek_tui.domain.reports import PERIODS, period_preset
from jtek_tui.ui.screens.pickers import Picker
from jtek_tui.ui.text import clean
from jtek_tui.ui.widgets.report_charts import period_name, period_span
from jtek_tui.ui.widgets.report_table import NOTE

DEFAULT_PERIOD = "this-month"
PERIOD_KEYS = list(PERIODS)
#: Picker answer meaning "all pipelines" / "everyone" (ids start at 1).
ALL = 0


@dataclass(frozen=True)
class Choice:
    """The filters the person chose. Ids select; names are only for display
    (they come back with each dashboard, so a rename shows on the next read)."""

    pipeline_id: int | None = None
    pipeline: str | None = None
    member_id: int | None = None
    member: str | None = None
    period: str = DEFAULT_PERIOD

    @property
    def key(self) -> tuple[int | None, int | None, str]:
        """What the figures depend on (names excluded)."""
        return self.pipeline_id, self.member_id, self.period

    def step_period(self, delta: int) -> Choice:
        index = PERIOD_KEYS.index(self.period) if self.period in PERIOD_KEYS else 0
        return replace(self, period=PERIOD_KEYS[(index + delta) % len(PERIOD_KEYS)])

    @property
    def is_default(self) -> bool:
        return self.pipeline_id is None and self.member_id is None and self.period == DEFAULT_PERIOD

    def summary(self) -> str:
        """"Buyers · Sam Rivera · this month": the header's scope."""
        parts = [clean(self.pipeline) if self.pipeline_id else "All pipelines"]
        if self.member_id:
            parts.append(clean(self.member))
        parts.append(period_name(self.period).lower())
        return " · ".join(parts)


def filter_line(choice: Choice, width: int, *, loading: bool = False) -> Content:
    """`Pipeline All pipelines · Member Everyone · Period This month (Dec 1–31, 2026)`,
    without the labels when that does not fit; "updating…" at the right while
    the figures are being read."""
    first, last = period_preset(choice.period)
    values = [clean(choice.pipeline) if choice.pipeline_id else "All pipelines",
              clean(choice.member) if choice.member_id else "Everyone",
              f"{period_name(choice.period)} ({period_span(first, last)})"]
    status = Content.styled("updating…", f"italic {NOTE}") if loading else Content("")
    room = width - status.cell_length - (2 if loading else 0)
    sep = Content.styled(" · ", NOTE)
    line = sep.join(Content.assemble((label, NOTE), (value, "bold"))
                    for label, value in zip(("Pipeline ", "Member ", "Period "), values, strict=True))
    if line.cell_length > room:
        line = sep.join(Content.styled(value, "bold") for value in values)
    line = line.truncate(max(0, room), ellipsis=True)
    if not loading:
        return line
    return Content.assemble(line, " " * max(2, width - line.cell_length - status.cell_length), status)


class ScopePicker(Picker):
    """"All …" first, then the choices (archived pipelines, inactive members
    marked); answers an id, ALL, or None when cancelled."""

    def __init__(self, title: str, everything: str, items: list[tuple[int, str, bool]], current: int | None,
                 *, retired: str) -> None:
        options = [Option(Content.assemble("● " if current is None else "  ", everything), id=str(ALL))]
        for item_id, name, is_retired in items:
            options.append(Option(Content.assemble("● " if item_id == current else "  ", clean(name),
                                                   (f" ({retired})" if is_retired else "", "dim")), id=str(item_id)))
        highlighted = next((i + 1 for i, (item_id, _, _) in enumerate(items) if item_id == current), 0)
        super().__init__(title, options, highlighted=highlighted)


class PeriodPicker(Picker):
    """The named periods with their dates; answers the index in PERIOD_KEYS."""

    def __init__(self, current: str) -> None:
        options = []
        names = max(len(period_name(key)) for key in PERIOD_KEYS)
        for index, key in enumerate(PERIOD_KEYS):
            first, last = period_preset(key)
            options.append(Option(Content.assemble("● " if key == current else "  ",
                                                   (period_name(key).ljust(names), "bold"),
                                                   (f"  {period_span(first, last)}", "dim")), id=str(index)))
        highlighted = PERIOD_KEYS.index(current) if current in PERIOD_KEYS else 0
        super().__init__("Period for won/lost, time in stage, funnel and team", options, highlighted=highlighted)
