"""Small modal choosers: a stage, a pipeline, a lost reason."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from jtek_tui.domain.opportunities import OppRow
from jtek_tui.domain.pipelines import StageInfo
from jtek_tui.ui.text import clean, cut


class Picker(ModalScreen[int | None]):
    """A titled list; enter picks, escape cancels (returns None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, options: list[Option], highlighted: int | None = None) -> None:
        super().__init__(classes="picker")
        self.title_text = title
        self.options = options
        self.highlighted = highlighted

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content(self.title_text), classes="dialog-title")
            yield OptionList(*self.options, id="choices")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        if self.highlighted is not None:
            choices.highlighted = self.highlighted
        choices.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id) if event.option.id else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class StagePicker(Picker):
    """Every stage of the deal's pipeline, open ones first, then won and lost."""

    def __init__(self, stages: list[StageInfo], row: OppRow) -> None:
        options = []
        for st in stages:
            mark = "●" if st.id == row.stage_id else " "
            suffix = {"won": "  (close as won)", "lost": "  (close as lost)"}.get(st.kind, "")
            options.append(Option(Content.assemble(f"{mark} ", clean(st.name), (suffix, "dim")),
                                  id=str(st.id), disabled=st.id == row.stage_id))
        current = next((i for i, st in enumerate(stages) if st.id == row.stage_id), 0)
        nxt = min(current + 1, len(stages) - 1)
        super().__init__(f"Move “{cut(clean(row.name), 40)}” to…", options, highlighted=nxt)


class PipelinePicker(Picker):
    def __init__(self, pipelines: list, current_id: int | None) -> None:
        options = [
            Option(Content.assemble("● " if p.id == current_id else "  ", clean(p.name)), id=str(p.id))
            for p in pipelines
        ]
        current = next((i for i, p in enumerate(pipelines) if p.id == current_id), 0)
        super().__init__("Switch pipeline", options, highlighted=current)


class LostReasonScreen(ModalScreen[str | None]):
    """Why was it lost? Type a reason or pick one used before."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("down", "to_list", show=False)]

    def __init__(self, deal_name: str, reasons: list[str]) -> None:
        super().__init__(classes="picker")
        self.deal_name = deal_name
        self.reasons = reasons

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content.assemble("Close “", cut(clean(self.deal_name), 40), "” as lost"),
                        classes="dialog-title")
            yield Input(placeholder="Why was it lost?", id="reason")
            yield Label("", id="reason-error", classes="field-error")
            yield Label(Content.styled("Used before (↓ to pick):" if self.reasons else "", "dim"))
            yield OptionList(*[Option(Content(clean(r)), id=str(i)) for i, r in enumerate(self.reasons)],
                             id="reasons")

    def on_mount(self) -> None:
        self.query_one("#reasons").display = bool(self.reasons)
        self.query_one("#reason-error").display = False
        self.query_one(Input).focus()

    @on(Input.Changed, "#reason")
    def _narrow(self, event: Input.Changed) -> None:
        words = event.value.lower().split()
        matches = [(i, r) for i, r in enumerate(self.reasons) if all(w in r.lower() for w in words)]
        options = self.query_one("#reasons", OptionList)
        options.clear_options()
        options.add_options([Option(Content(clean(r)), id=str(i)) for i, r in matches])
        options.display = bool(matches)

    @on(Input.Submitted, "#reason")
    def _typed(self, event: Input.Submitted) -> None:
        reason = " ".join(event.value.split())
        if not reason:
            error = self.query_one("#reason-error", Label)
            error.update("Say why the deal was lost (or pick a reason below).")
            error.display = True
            return
        self.dismiss(reason)

    @on(OptionList.OptionSelected, "#reasons")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.reasons[int(event.option.id or 0)])

    def action_to_list(self) -> None:
        options = self.query_one("#reasons", OptionList)
        if options.display and self.query_one(Input).has_focus:
            options.focus()
            options.highlighted = 0

    def action_cancel(self) -> None:
        self.dismiss(None)
