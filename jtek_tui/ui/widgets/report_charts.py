"""What each Reports panel draws: `(report, width) -> Content`, pure functions.

They take the domain's report dataclasses (`jtek_tui.domain.reports`) and lay
them out as aligned tables with block-character bars (`report_table`). Being
plain functions of (data, width), they redraw on resize without a query and
are deterministic for snapshots. Money is written in full (`$1,250,000`) when
the columns fit, else short (`$1.3m`): the exact totals are in the CLI and the
panels' titles.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from rich.cells import cell_len
from textual.content import Content

from jtek_tui.domain import reports as R
from jtek_tui.domain.formatting import DASH, days, initials, money, money_short, percent
from jtek_tui.ui.text import clean, fit
from jtek_tui.ui.widgets.report_table import GROUP, NOTE, TOTAL, Bar, Col, Row, Table, share

Money = Callable[[int | None], str]
WON_MARK, LOST_MARK, LATE_MARK = "✓", "✗", "⚠"


def count(n: int) -> str:
    """`30,000`: counts get thousands separators like money does."""
    return f"{n:,}"


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def fitted(build: Callable[[Money], tuple[list[Col], list[Row]]], width: int, *, max_drops: int = 0,
           **layout: int) -> Table:
    """The table with money in full (`$1,250,000`) when that keeps the bar at
    a readable length, names readable, and drops at most `max_drops` optional columns, else
    with short money (`$1.3m`), which keeps more columns in a narrow panel."""
    full = Table(*build(money), width, **{"min_bar": 10, **layout})
    has_bar = any(c.bar for c in full.cols)
    if (full.bar_width or not has_bar) and full.dropped <= max_drops and not full.squeezed:
        return full
    return Table(*build(money_short), width, **layout)


def _grouped(items: list, pipeline_of: Callable, rows_of: Callable[[object], Row]) -> list[Row]:
    """Rows with a heading per pipeline when more than one pipeline is shown."""
    several = len({pipeline_of(x) for x in items}) > 1
    rows: list[Row] = []
    current = None
    for item in items:
        if several and pipeline_of(item) != current:
            current = pipeline_of(item)
            rows.append(Row(text=clean(current), style=GROUP))
        row = rows_of(item)
        if several:
            row.cells = ["  " + row.cells[0], *row.cells[1:]]
        rows.append(row)
    return rows


def note(text: str) -> Row:
    return Row(text=text, style=NOTE)


def empty(text: str) -> Content:
    return Content.styled(text, f"italic {NOTE}")


# -- pipeline value ---------------------------------------------------------------------

def pipeline_chart(r: R.PipelineValue, width: int) -> Content:
    if not r.stages:
        return empty("No open stages.")
    top = max((st.value_cents for st in r.stages), default=0)

    def build(m: Money) -> Table:
        cols = [Col("Stage", shrink=True), Col("Prob", right=True, drop=2), Col("Deals", right=True),
                Col("Open value", right=True), Col("Weighted", right=True), Col("", bar=True)]
        rows = _grouped(r.stages, lambda st: st.pipeline, lambda st: Row([
            clean(st.stage), f"{st.probability}%", count(st.deals), m(st.value_cents), m(st.weighted_cents),
            Bar(share(st.value_cents, top), share(st.weighted_cents, top)),
        ]))
        rows.append(Row(["Total", "", count(r.deals), m(r.value_cents), m(r.weighted_cents), ""], TOTAL))
        return cols, rows

    # Exact money and whole stage names matter more than the probability column.
    table = fitted(build, width, max_drops=1, comfortable=24)
    lines = [table.render()]
    if table.bar_width and top:
        lines.append(Content.assemble(("█", "$accent"), (" weighted  ", NOTE), ("░", NOTE),
                                      (" rest of the open value", NOTE)))
    if r.deals_without_value:
        lines.append(Content.styled(f"{plural(r.deals_without_value, 'open deal')} without a value (counted as $0)",
                                    NOTE))
    return Content("\n").join(lines)


# -- forecast ----------------------------------------------------------------------------

def forecast_chart(r: R.Forecast, width: int) -> Content:
    top = max((m.forecast_cents for m in r.months), default=0)

    def build(m: Money) -> Table:
        cols = [Col("Month"), Col("Deals", right=True, drop=3), Col("Open value", right=True, drop=2),
                Col("Weighted", right=True), Col("Won", right=True), Col("Forecast", right=True),
                Col("", bar=True)]
        rows = [Row([b.month.strftime("%b %Y") if b.month else b.label, count(b.open_deals), m(b.open_value_cents),
                     m(b.weighted_cents), m(b.won_value_cents), m(b.forecast_cents),
                     Bar(share(b.forecast_cents, top))]) for b in r.months]
        rows.append(Row(["Total", count(sum(b.open_deals for b in r.months)),
                         m(sum(b.open_value_cents for b in r.months)), m(sum(b.weighted_cents for b in r.months)),
                         m(sum(b.won_value_cents for b in r.months)), m(r.forecast_cents), ""], TOTAL))
        outside = [(f"{LATE_MARK} Earlier", r.earlier), ("Later", r.later), ("No date", r.undated)]
        outside = [(label, b) for label, b in outside if b.open_deals]
        if outside:
            rows.append(note("Open deals outside these months:"))
            rows += [Row([label, count(b.open_deals), m(b.open_value_cents), m(b.weighted_cents), "", "", ""], NOTE)
                     for label, b in outside]
        return cols, rows

    return fitted(build, width).render()


# -- won vs lost ---------------------------------------------------------------------------

def won_lost_chart(r: R.WonLost, width: int) -> Content:
    closed = r.won_deals + r.lost_deals
    if not closed:
        return empty("Nothing was won or lost in this period.")
    top = max(r.won_value_cents, r.lost_value_cents)
    side = width >= 96 and bool(r.reasons)
    left_width = min(width, 48) if side else width

    def outcome(m: Money) -> tuple[list[Col], list[Row]]:
        rows = [Row([f"{WON_MARK} Won", count(r.won_deals), m(r.won_value_cents), Bar(share(r.won_value_cents, top))]),
                Row([f"{LOST_MARK} Lost", count(r.lost_deals), m(r.lost_value_cents),
                     Bar(share(r.lost_value_cents, top))])]
        return [Col("Outcome"), Col("Deals", right=True), Col("Value", right=True), Col("", bar=True)], rows

    left = Content("\n").join([
        fitted(outcome, left_width, max_bar=20).render(),
        Content.assemble(("Win rate ", "bold"), (percent(r.win_rate), "bold"),
                         (f"  ({count(r.won_deals)} of {plural(closed, 'deal')} closed)", NOTE)),
    ])
    if not r.reasons:
        return left
    right_width = width - left_width - 3 if side else width

    def reasons(m: Money) -> tuple[list[Col], list[Row]]:
        most = max(x.deals for x in r.reasons)  # bars relative to the commonest reason: easier to compare
        rows = [Row([clean(x.reason) if x.reason else "(no reason given)", count(x.deals), m(x.value_cents),
                     Bar(share(x.deals, most))]) for x in r.reasons]
        return [Col("Lost reason", shrink=True), Col("Deals", right=True), Col("Value", right=True, drop=1),
                Col("", bar=True)], rows

    right = fitted(reasons, right_width, max_bar=16).render()
    if not side:
        return Content("\n").join([left, Content(""), right])
    return side_by_side(left, right, left_width, 3)


def side_by_side(left: Content, right: Content, left_width: int, gap: int) -> Content:
    a, b = left.split("\n"), right.split("\n")
    lines = []
    for i in range(max(len(a), len(b))):
        la = a[i] if i < len(a) else Content("")
        lb = b[i] if i < len(b) else Content("")
        lines.append(Content.assemble(la.truncate(left_width, pad=True), " " * gap, lb).rstrip())
    return Content("\n").join(lines)


# -- time in stage ---------------------------------------------------------------------------

def stage_time_chart(r: R.StageTimes, width: int) -> Content:
    if not r.stages:
        return empty("No open stages.")
    if not any(st.stays for st in r.stages):
        return empty("No time in stage to report for this period.")
    top = max((st.avg_days or 0 for st in r.stages), default=0)
    cols = [Col("Stage", shrink=True), Col("Stays", right=True, drop=2), Col("Current", right=True, drop=3),
            Col("Average", right=True), Col("Median", right=True), Col("", bar=True)]
    rows = _grouped(r.stages, lambda st: st.pipeline, lambda st: Row([
        clean(st.stage), count(st.stays), count(st.ongoing), days(st.avg_days), days(st.median_days),
        Bar(share(st.avg_days or 0, top)),
    ]))
    return Table(cols, rows, width).render()


# -- funnel -------------------------------------------------------------------------------------

def funnel_chart(r: R.Funnel, width: int) -> Content:
    if not r.pipelines:
        return empty("No pipelines.")
    if not any(p.deals for p in r.pipelines):
        return empty("No deals were created in this period.")
    cols = [Col("Stage", shrink=True), Col("Reached", right=True), Col("To next", right=True), Col("", bar=True)]
    rows: list[Row] = []
    for p in r.pipelines:
        cohort = (f"{plural(p.deals, 'new deal')}: {count(p.open)} open · {count(p.won)} won · {count(p.lost)} lost"
                  if p.deals else "no new deals")
        name = clean(p.pipeline)
        if cell_len(name) + 2 + len(cohort) <= width:
            rows.append(Row(text=Content.assemble((name, GROUP), (f"  {cohort}", NOTE))))
        else:  # too long for one line: the cohort goes under the name
            rows += [Row(text=name, style=GROUP), note(f"  {cohort}")]
        if not p.deals:
            continue
        for st in p.steps:
            name = f"{WON_MARK} {clean(st.stage)}" if st.kind == "won" else clean(st.stage)
            rows.append(Row(["  " + name, count(st.reached), percent(st.conversion, dash=""), Bar(st.of_first)]))
    return Table(cols, rows, width).render()


# -- team -----------------------------------------------------------------------------------------

def team_chart(r: R.MemberReport, width: int) -> Content:
    if not r.members:
        return empty("No team members.")

    def build(m: Money) -> Table:
        cols = [Col("Member", shrink=True), Col("Open", right=True, drop=3), Col("Open value", right=True),
                Col("Weighted", right=True, drop=2), Col("Won", right=True, drop=4), Col("Won value", right=True),
                Col("Lost", right=True, drop=5), Col("Win rate", right=True)]
        rows = [Row([clean(x.member) if x.member else "(unassigned)", count(x.open_deals), m(x.open_value_cents),
                     m(x.weighted_cents), count(x.won_deals), m(x.won_value_cents), count(x.lost_deals),
                     percent(x.win_rate)]) for x in r.members]
        return cols, rows

    return fitted(build, width).render()


# -- headline figures ------------------------------------------------------------------------------

def kpi_line(s: R.Summary, width: int) -> Content:
    """The headline figures, one line when it fits (money in full, else short),
    wrapped between figures otherwise."""

    def items(m: Money, compact: bool = False) -> list[Content]:
        late = (f"{LATE_MARK} Overdue ", "bold $warning") if s.overdue_deals else ("Overdue ", NOTE)
        closing = "Closing " if compact else "Closing this month "
        return [
            Content.assemble(("Open ", NOTE), (f"{count(s.open_deals)} · {m(s.open_value_cents)}", "bold")),
            Content.assemble(("Weighted ", NOTE), (m(s.weighted_cents), "bold")),
            Content.assemble((closing, NOTE), (f"{count(s.closing_deals)} · {m(s.closing_value_cents)}", "bold")),
            Content.assemble(late, (f"{count(s.overdue_deals)} · {m(s.overdue_value_cents)}", "bold")),
            Content.assemble((f"{WON_MARK} Won ", NOTE), (f"{count(s.won_deals)} · {m(s.won_value_cents)}", "bold")),
            Content.assemble((f"{LOST_MARK} Lost ", NOTE), (f"{count(s.lost_deals)} · {m(s.lost_value_cents)}", "bold")),
            Content.assemble(("Win rate ", NOTE), (percent(s.win_rate), "bold")),
        ]

    sep = "   "
    for m in (money, money_short):
        line = items(m)
        if sum(c.cell_length for c in line) + len(sep) * (len(line) - 1) <= width:
            return Content(sep).join(line)
    return wrap_items(items(money_short, compact=True), width, "  ")


def wrap_items(items: list[Content], width: int, sep: str) -> Content:
    lines: list[list[Content]] = [[]]
    used = 0
    for item in items:
        extra = item.cell_length + (len(sep) if lines[-1] else 0)
        if lines[-1] and used + extra > width:
            lines.append([])
            used, extra = 0, item.cell_length
        lines[-1].append(item)
        used += extra
    return Content("\n").join(Content(sep).join(line) for line in lines)


# -- the deal lists -----------------------------------------------------------------------------------

#: Widest useful name, contact and owner columns (wider only spreads a row out).
DEAL_CAPS = (40, 24, 14)


def deal_columns(width: int, overdue: bool, natural: tuple[int, int, int] = DEAL_CAPS) -> dict[str, int]:
    """Column widths for a deal list row: close date, days late (overdue list),
    name, contact, value, owner. `natural` is the widest name, contact and
    owner in the list: columns are no wider than that, and when the row is
    tight the deal name keeps the most room, the owner shrinks to initials and
    then the contact goes."""
    fixed = {"close": 10, "late": 4 if overdue else 0, "value": 12}
    columns = 6 if overdue else 5
    flex = max(0, width - sum(fixed.values()) - (columns - 1))
    name_w, contact_w, owner_w = (max(label, min(n, cap)) for label, n, cap in
                                  zip((4, 7, 5), natural, DEAL_CAPS, strict=True))
    if name_w + contact_w + owner_w <= flex:
        return {**fixed, "name": name_w, "contact": contact_w, "owner": owner_w}
    if flex >= 36:
        owner = min(owner_w, max(5, flex // 5))
        contact = min(contact_w, (flex - owner) * 2 // 5)
        return {**fixed, "name": flex - owner - contact, "contact": contact, "owner": owner}
    owner = 3  # initials
    return {**fixed, "name": max(0, flex - owner + 1), "contact": 0, "owner": owner}


def deal_header(width: int, overdue: bool, natural: tuple[int, int, int] = DEAL_CAPS) -> list[tuple[str, str]]:
    w = deal_columns(width, overdue, natural)
    return [(_deal_line(w, "Close", "Late", "Deal", "Contact", "Value", "Owner" if w["owner"] >= 5 else ""), "")]


def deal_natural(rows: list[R.DealLine]) -> tuple[int, int, int]:
    """The widest name, contact and owner among `rows` (a report list: <= 100)."""
    return (max((cell_len(clean(r.name)) for r in rows), default=0),
            max((cell_len(clean(r.contact)) for r in rows), default=0),
            max((cell_len(clean(r.owner or "")) for r in rows), default=0))


def deal_cells(row: R.DealLine, width: int, overdue: bool,
               natural: tuple[int, int, int] = DEAL_CAPS) -> list[tuple[str, str]]:
    """A deal list row as RowList cells (plain strings: names stay literal)."""
    w = deal_columns(width, overdue, natural)
    owner = DASH
    if row.owner:
        owner = clean(row.owner) if w["owner"] >= 5 else initials(row.owner)
    close = row.expected_close.isoformat() if row.expected_close else DASH
    text = _deal_line(w, close, f"{row.days_overdue}d", clean(row.name), clean(row.contact),
                      money(row.value_cents), owner)
    if not overdue:
        return [(text, "")]
    # days late in the warning colour too (the column heading says what it is)
    start = w["close"] + 1
    end = start + w["late"]
    return [(text[:start], ""), (text[start:end], "rows--bad"), (text[end:], "")]


def _deal_line(w: dict[str, int], close: str, late: str, name: str, contact: str, value: str, owner: str) -> str:
    parts = [fit(close, w["close"])]
    if w["late"]:
        parts.append(late.rjust(w["late"]))
    parts.append(fit(name, w["name"]))
    if w["contact"]:
        parts.append(fit(contact, w["contact"]))
    parts += [value.rjust(w["value"]), fit(owner, w["owner"])]
    return " ".join(parts)


# -- filters -----------------------------------------------------------------------------------------

def period_name(key: str) -> str:
    """"last-30-days" -> "Last 30 days"."""
    return key.replace("-", " ").capitalize()


def period_span(first: date, last: date) -> str:
    """"Dec 1–31, 2026", "Oct 1 – Dec 31, 2026", "Dec 5, 2025 – Dec 4, 2026"."""
    if first.year == last.year and first.month == last.month:
        return f"{first:%b} {first.day}–{last.day}, {first.year}"
    if first.year == last.year:
        return f"{first:%b} {first.day} – {last:%b} {last.day}, {first.year}"
    return f"{first:%b} {first.day}, {first.year} – {last:%b} {last.day}, {last.year}"
