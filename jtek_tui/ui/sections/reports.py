"""The Reports screen (`3`): a dashboard of the pipeline's health.

One `reports.dashboard()` call reads every figure from one snapshot, so the
panels always agree. It takes 0.1–0.2 s on 100k deals, so it runs in a thread
worker, never on a key press: a key changes the filters and asks for a read;
reads asked for while one runs collapse into one more read when it finishes.
Live refresh (`reload()`, once a second when the data changed) asks for a read
after a short pause, so a burst of changes costs one query. Panels keep their
widgets between reads: focus, list cursors (by deal id) and scroll stay put.

Layout: a grid of titled panels in three columns (wide), two, or one
(80 columns: scrolling; tab / shift+tab go from panel to panel).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from jtek_tui.db import Database
from jtek_tui.domain import members as M
from jtek_tui.domain import pipelines as P
from jtek_tui.domain import reports as R
from jtek_tui.domain.errors import JtekError, NotFoundError, ValidationError
from jtek_tui.domain.formatting import money, money_short
from jtek_tui.domain.preferences import load_prefs, save_prefs
from jtek_tui.ui.messages import SummaryChanged
from jtek_tui.ui.sections.base import Section
from jtek_tui.ui.widgets import report_charts as charts
from jtek_tui.ui.widgets.report_filters import (
    ALL,
    DEFAULT_PERIOD,
    PERIOD_KEYS,
    Choice,
    PeriodPicker,
    ScopePicker,
    filter_line,
)
from jtek_tui.ui.widgets.report_panel import Chart, DealRows, Drawn, ReportGrid, ReportPanel

#: Live refresh waits this long for more changes before reading.
RELOAD_DELAY = 0.3
#: "updating…" shows only when a read takes longer than this (no flicker).
UPDATING_DELAY = 0.3
#: Deal list rows on screen before the list scrolls.
LIST_ROWS = 8
#: Section widths (cells) from which the grid has two and three columns.
TWO_COLUMNS, THREE_COLUMNS = 130, 165

#: (panel id, title, classes). Order = reading and tab order; in three columns:
#: pipeline | forecast, closing | overdue, won-lost | time | funnel, team.
PANELS = [
    ("pipeline", "Pipeline value", ""),
    ("forecast", "Forecast", ""),
    ("closing", "Closing this month", "-list"),
    ("overdue", "Overdue", "-list"),
    ("won-lost", "Won vs lost", "-third"),
    ("stage-time", "Time in stage", "-third"),
    ("funnel", "Funnel", "-third"),
    ("team", "Team", "-full"),
]


class ReportsSection(Section):
    SECTION_ID = "reports"
    TITLE = "Reports"

    BINDINGS = [
        Binding("p", "pick_pipeline", "Pipeline", tooltip="Report on one pipeline, or all"),
        Binding("m", "pick_member", "Member", tooltip="Report on one team member's deals, or everyone's"),
        Binding("t", "pick_period", "Period", tooltip="Choose the period (this month, last quarter, …)"),
        Binding("left_square_bracket", "step_period(-1)", "Prev period", key_display="[", show=False,
                tooltip="Previous period in the list"),
        Binding("right_square_bracket", "step_period(1)", "Next period", key_display="]",
                tooltip="Next period in the list"),
        Binding("tab", "focus_panel(1)", "Next panel", show=False, tooltip="Next panel"),
        Binding("shift+tab", "focus_panel(-1)", "Prev panel", show=False, tooltip="Previous panel"),
        Binding("escape", "reset", "Reset", show=False,
                tooltip="Reset the filters: all pipelines, everyone, this month"),
    ]

    def __init__(self) -> None:
        super().__init__(id=self.SECTION_ID)
        self.choice = Choice()
        self.data: R.Dashboard | None = None
        self.updating = False  # "updating…" is showing
        self._reading = False  # a worker is reading
        self._read_again = False  # another read was asked for meanwhile
        self._shown = False  # first shown: reads start then, not at app start
        self._reload_timer: Timer | None = None
        self._updating_timer: Timer | None = None
        self._last_focused: str | None = None

    def help_groups(self) -> list[tuple[str, list[type]]]:
        return [("Reports", [type(self)]), ("Deal lists (closing, overdue)", [DealRows])]

    # -- layout ------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Drawn(id="report-filters")
        yield Drawn(id="report-kpi")
        scroll = VerticalScroll(id="report-scroll")
        scroll.can_focus = False  # panels take focus; arrows still scroll it (ancestor bindings)
        with scroll, ReportGrid(id="report-grid"):
            for panel_id, title, classes in PANELS:
                if panel_id in ("closing", "overdue"):
                    body: Widget = DealRows(
                        overdue=panel_id == "overdue", id=f"list-{panel_id}",
                        empty="No open deals close this month." if panel_id == "closing" else "Nothing is overdue.")
                else:
                    body = Chart(id=f"chart-{panel_id}")
                yield ReportPanel(title, body, id=f"panel-{panel_id}", classes=classes)

    def on_mount(self) -> None:
        prefs = load_prefs(self.db)
        period = prefs.get("reports.period") or DEFAULT_PERIOD
        self.choice = Choice(pipeline_id=_int(prefs.get("reports.pipeline")),
                             member_id=_int(prefs.get("reports.member")),
                             period=period if period in PERIOD_KEYS else DEFAULT_PERIOD)
        self.show_filters()
        for panel in self.query(ReportPanel):
            if isinstance(panel.body, Chart):
                panel.body.show(lambda _width: Content.styled("Reading…", "italic $text-muted"))

    def on_resize(self) -> None:
        width = self.size.width
        columns = 3 if width >= THREE_COLUMNS else 2 if width >= TWO_COLUMNS else 1
        for n in (1, 2, 3):
            self.set_class(n == columns, f"-cols-{n}")

    def panel(self, panel_id: str) -> ReportPanel:
        return self.query_one(f"#panel-{panel_id}", ReportPanel)

    def chart(self, panel_id: str) -> Chart:
        return self.query_one(f"#chart-{panel_id}", Chart)

    def deal_list(self, panel_id: str) -> DealRows:
        return self.query_one(f"#list-{panel_id}", DealRows)

    def focusables(self) -> list[Widget]:
        return [panel.body for panel in self.query(ReportPanel)]

    # -- reading -------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """A read is running or waiting (tests wait for this to settle)."""
        return self._reading or self._reload_timer is not None

    def reload(self) -> None:
        """The database changed: read again shortly (a burst of changes, one read)."""
        if not self._shown:
            return
        if self._reload_timer is not None:
            self._reload_timer.stop()
        self._reload_timer = self.set_timer(RELOAD_DELAY, self._reload_now)

    def _reload_now(self) -> None:
        self._reload_timer = None
        self.request()

    def request(self) -> None:
        """Read the dashboard for the current filters in a thread."""
        self._shown = True
        if self._reading:
            self._read_again = True
            return
        self._reading, self._read_again = True, False
        if self._updating_timer is None:
            self._updating_timer = self.set_timer(UPDATING_DELAY, partial(self._set_updating, True))
        self.run_worker(partial(_read, self.db, self.choice.key), thread=True, group="reports",
                        exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "reports" or event.state not in (
                WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        event.stop()
        self._reading = False
        if event.state == WorkerState.SUCCESS:
            key, result = event.worker.result
            if isinstance(result, JtekError):
                self._failed(key, result)
            elif key == self.choice.key:
                self.apply(result)
            else:
                self._read_again = True  # the filters changed while it ran
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            from jtek_tui.logfile import log_exception

            where = log_exception(event.worker.error)
            self.notify(f"The reports could not be read (details in {where}).", severity="error")
        if self._read_again:
            self.request()
        else:
            self._set_updating(False)

    def _failed(self, key: tuple, error: JtekError) -> None:
        """A pipeline or member chosen earlier is gone, or the database is busy."""
        if key != self.choice.key:
            self._read_again = True
            return
        if isinstance(error, NotFoundError | ValidationError):
            self.notify(f"{error} Showing all pipelines, everyone, this month.", severity="warning")
            self.set_choice(Choice())
            return
        self.notify(str(error), severity="error")

    def _set_updating(self, loading: bool) -> None:
        if self._updating_timer is not None:
            self._updating_timer.stop()
            self._updating_timer = None
        if loading and not self._reading:
            return
        if loading != self.updating:
            self.updating = loading
            self.show_filters()

    # -- showing ------------------------------------------------------------------------
    def apply(self, d: R.Dashboard) -> None:
        """Show a fresh dashboard; widgets stay, so focus and cursors stay."""
        self.data = d
        self.choice = replace(self.choice, pipeline=d.summary.pipeline, member=d.summary.member)
        self.show_filters()
        self.query_one("#report-kpi", Drawn).show(partial(charts.kpi_line, d.summary))
        period = charts.period_name(self.choice.period).lower()
        pv = d.pipeline
        self.panel("pipeline").set_title(
            f"Pipeline value · {charts.plural(pv.deals, 'open deal')} · {money(pv.value_cents)} "
            f"· weighted {money(pv.weighted_cents)}")
        self.chart("pipeline").show(partial(charts.pipeline_chart, pv))
        self.panel("forecast").set_title(
            f"Forecast · {len(d.forecast.months)} months · {money(d.forecast.forecast_cents)}")
        self.chart("forecast").show(partial(charts.forecast_chart, d.forecast))
        for panel_id, deals, title in (("closing", d.closing, "Closing this month"), ("overdue", d.overdue, "Overdue")):
            rows = self.deal_list(panel_id)
            rows.set_rows(deals.rows)
            rows.styles.height = min(max(1, len(deals.rows)), LIST_ROWS) + 1
            mark = f"{charts.LATE_MARK} " if panel_id == "overdue" and deals.deals else ""
            self.panel(panel_id).set_title(
                f"{mark}{title} · {charts.plural(deals.deals, 'deal')} · {money(deals.value_cents)}",
                f"first {len(deals.rows):,} of {deals.deals:,}" if deals.truncated else None)
        self.panel("won-lost").set_title(f"Won vs lost · {period}")
        self.chart("won-lost").show(partial(charts.won_lost_chart, d.won_lost))
        self.panel("stage-time").set_title(f"Time in stage · {period}")
        self.chart("stage-time").show(partial(charts.stage_time_chart, d.stage_times))
        self.panel("funnel").set_title(f"Funnel · deals created {period}")
        self.chart("funnel").show(partial(charts.funnel_chart, d.funnel))
        self.panel("team").set_title(f"Team · open now, won and lost {period}")
        self.chart("team").show(partial(charts.team_chart, d.members))
        self.post_message(SummaryChanged(self.SECTION_ID, self.summary()))

    def show_filters(self) -> None:
        self.query_one("#report-filters", Drawn).show(partial(filter_line, self.choice, loading=self.updating))

    def summary(self) -> str:
        """"Buyers · this month · $4.1m open"."""
        text = self.choice.summary()
        if self.data is not None:
            text += f" · {money_short(self.data.summary.open_value_cents)} open"
        return text

    # -- focus ---------------------------------------------------------------------------
    def focus_default(self) -> None:
        """Shown (or back from a deal): the panel focused before, fresh figures."""
        widgets = self.focusables()
        target = next((w for w in widgets if w.id == self._last_focused), widgets[0] if widgets else None)
        if target is not None:
            target.focus()
        self.request()

    def on_descendant_focus(self, event) -> None:
        if event.widget in self.focusables():
            self._last_focused = event.widget.id

    def action_focus_panel(self, delta: int) -> None:
        widgets = self.focusables()
        focused = self.screen.focused
        index = widgets.index(focused) if focused in widgets else -delta if delta > 0 else 0
        target = widgets[(index + delta) % len(widgets)]
        # set_focus is immediate (widget.focus() is deferred: a quick second tab would be lost);
        # the whole panel, title first, comes into view, not only its body.
        self.screen.set_focus(target, scroll_visible=False)
        if target.parent is not None:
            self.query_one("#report-scroll").scroll_to_widget(target.parent, animate=False, top=True)

    # -- filters ---------------------------------------------------------------------------
    def set_choice(self, choice: Choice) -> None:
        """New filters: show them at once, read the figures in the background."""
        self.choice = choice
        self.show_filters()
        self.post_message(SummaryChanged(self.SECTION_ID, self.choice.summary()))
        self.request()

    def action_pick_pipeline(self) -> None:
        pipelines = P.list_pipelines(self.db, include_archived=True)
        items = [(p.id, p.name, bool(p.archived)) for p in pipelines]
        names = {p.id: p.name for p in pipelines}

        def chosen(answer: int | None) -> None:
            if answer is None:
                return
            pipeline_id = None if answer == ALL else answer
            self.set_choice(replace(self.choice, pipeline_id=pipeline_id, pipeline=names.get(pipeline_id)))

        self.app.push_screen(ScopePicker("Report on pipeline", "All pipelines", items, self.choice.pipeline_id,
                                         retired="archived"), chosen)

    def action_pick_member(self) -> None:
        members = M.list_members(self.db, include_inactive=True)
        items = [(m.id, m.name, not m.active) for m in members]
        names = {m.id: m.name for m in members}

        def chosen(answer: int | None) -> None:
            if answer is None:
                return
            member_id = None if answer == ALL else answer
            self.set_choice(replace(self.choice, member_id=member_id, member=names.get(member_id)))

        self.app.push_screen(ScopePicker("Report on deals assigned to", "Everyone", items, self.choice.member_id,
                                         retired="inactive"), chosen)

    def action_pick_period(self) -> None:
        def chosen(answer: int | None) -> None:
            if answer is not None:
                self.set_choice(replace(self.choice, period=PERIOD_KEYS[answer]))

        self.app.push_screen(PeriodPicker(self.choice.period), chosen)

    def action_step_period(self, delta: int) -> None:
        self.set_choice(self.choice.step_period(delta))

    def action_reset(self) -> None:
        if not self.choice.is_default:
            self.set_choice(Choice())

    def remember(self) -> None:
        try:
            save_prefs(self.db, {"reports.pipeline": self.choice.pipeline_id,
                                 "reports.member": self.choice.member_id,
                                 "reports.period": self.choice.period})
        except JtekError:
            pass  # busy or read-only: forgetting the filters is harmless


def _read(db: Database, key: tuple[int | None, int | None, str]) -> tuple[tuple, R.Dashboard | JtekError]:
    """In the worker thread: the whole dashboard for these filters, from one snapshot."""
    pipeline_id, member_id, period = key
    try:
        first, last = R.period_preset(period)
        return key, R.dashboard(db, R.ReportFilters(pipeline_id, member_id, first, last))
    except JtekError as error:
        return key, error


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
