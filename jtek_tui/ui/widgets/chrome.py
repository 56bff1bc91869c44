"""The frame around the sections: the one-line header and the sidebar."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static


class AppHeader(Widget):
    """`Jtek › Opportunities · Buyers · 34 open deals · $18,120,000        alice`

    Renders itself (`render()` + `refresh()`): it changes on every move and a
    `Static.update` would re-layout the screen each time.
    """

    def __init__(self) -> None:
        super().__init__(id="app-header")
        self.section = ""
        self.summary = ""
        self.who = ""
        self.readonly = False

    def show(self, *, section: str | None = None, summary: str | None = None, who: str | None = None,
             readonly: bool | None = None) -> None:
        if section is not None:
            self.section = section
        if summary is not None:
            self.summary = summary
        if who is not None:
            self.who = who
        if readonly is not None:
            self.readonly = readonly
        self.refresh()

    def render(self) -> Content:
        left = Content.assemble(("◆ Jtek", "bold"), "  ", (self.section, "bold"))
        if self.summary:
            left = Content.assemble(left, "  ", self.summary)
        right = Content.assemble(("READ-ONLY  ", "bold reverse") if self.readonly else "", self.who)
        width = self.size.width or 80
        room = max(0, width - right.cell_length - 2)
        if left.cell_length > room:
            left = left.truncate(room, ellipsis=True)
        return Content.assemble(left, " " * max(1, width - left.cell_length - right.cell_length - 1), right)


class SidebarItem(Static):
    def __init__(self, key: str, section_id: str, title: str) -> None:
        super().__init__(markup=False, classes="sidebar-item", id=f"nav-{section_id}")
        self.key = key
        self.section_id = section_id
        self.title = title

    def on_mount(self) -> None:
        self.update(Content.assemble((self.key, "bold"), " ", Content(self.title)))

    def on_click(self, event: events.Click) -> None:
        self.post_message(Sidebar.Selected(self.section_id))


class Sidebar(Vertical):
    """The four areas, with their number keys. Not focusable: 1-4 jump."""

    class Selected(Message):
        def __init__(self, section_id: str) -> None:
            super().__init__()
            self.section_id = section_id

    def __init__(self, items: list[tuple[str, str]]) -> None:
        super().__init__(id="sidebar")
        self.items = items

    def compose(self) -> ComposeResult:
        for number, (section_id, title) in enumerate(self.items, start=1):
            yield SidebarItem(str(number), section_id, title)

    def select(self, section_id: str) -> None:
        for item in self.query(SidebarItem):
            item.set_class(item.section_id == section_id, "-active")
