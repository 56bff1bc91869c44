"""Command palette (ctrl+p): every board action, pipelines, and finding deals and contacts."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from jtek_tui.domain import contacts as C
from jtek_tui.domain import opportunities as O
from jtek_tui.domain import pipelines as P
from jtek_tui.domain.errors import JtekError
from jtek_tui.ui.messages import OpenContact, OpenOpportunity
from jtek_tui.ui.text import clean


class JtekCommands(Provider):
    def _static(self) -> list[tuple[str, object, str]]:
        app = self.app
        commands: list[tuple[str, object, str]] = [
            ("New opportunity", partial(app.board_action, "new_opportunity"), "Open the opportunity form"),
            ("Filter the board", partial(app.board_action, "filter"), "Words, @member, #tag, closing:month, overdue, value>100k"),
            ("Clear the board filter", partial(app.board_action, "clear_filter"), "Show every open deal"),
            ("Toggle closed deals", partial(app.board_action, "toggle_closed"), "Won and lost deals instead of the board"),
            ("Undo the last move", partial(app.board_action, "undo"), "Move the last moved card back"),
            ("Switch pipeline…", partial(app.board_action, "switch_pipeline"), "Pick another pipeline"),
            ("Show keys", app.action_help, "Every key binding"),
        ]
        for section_id, title in app.section_titles():
            commands.append((f"Go to {title}", partial(app.action_section, section_id), f"Show {title}"))
        for pipeline in P.list_pipelines(app.db):
            commands.append((f"Switch pipeline: {clean(pipeline.name)}",
                             partial(app.board_action, "show_pipeline_by_id", pipeline.id), "Show this pipeline"))
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._static():
            yield DiscoveryHit(name, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._static():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)  # type: ignore[arg-type]
        if len(query.strip()) < 2:
            return
        try:
            deals = O.list_opportunities(self.app.db, status=None, text=query.split(), limit=8, order="created")
            people = C.search_contacts(self.app.db, query, limit=6)
        except JtekError:
            return
        for row in deals:
            label = f"Open deal: {clean(row.name)} ({clean(row.stage)})"
            yield Hit(0.5, label, partial(self.app.post_message, OpenOpportunity(row.id)), help=clean(row.contact))
        for person in people:
            label = f"Open contact: {clean(person.name)}"
            yield Hit(0.45, label, partial(self.app.post_message, OpenContact(person.id)),
                      help=clean(person.email or ""))
