"""Command-palette provider: core and plugin commands titled "area: action".

Typing matches a command's title the way Textual does (fuzzy), and also by pinyin:
initials or full pinyin of the title (前往：诉求 ← "qwsq", "sq", "suqiu"), so a clerk
never has to switch the input method. A request number or a few characters of a
title (``000123``, ``QY-2026-000123``, ``楼道灯``) offers "open request …" for the
latest matching requests, looked up off the UI thread.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual.command import Hit, Hits, Provider

from gongzhi.tui import i18n
from gongzhi.tui.i18n import _

_NOT_KEY = re.compile(r"[^a-z0-9|]")
REQUEST_HITS = 5


def pinyin_score(title: str, query: str) -> float:
    """How well ``query`` spells ``title`` in pinyin: 1 for a prefix of the initials or
    full pinyin, 0.6 for a part of them, 0 for no match (or a query that is not pinyin)."""
    from gongzhi.core.pinyin import normalise_query, place_search_keys

    q = _NOT_KEY.sub("", normalise_query(query))
    if not q or not q.isascii():
        return 0.0
    keys = _NOT_KEY.sub("", place_search_keys(title))
    if not keys:
        return 0.0
    if f"|{q}" in keys:
        return 1.0
    return 0.6 if q in keys else 0.0


def find_requests(db, query: str, limit: int = REQUEST_HITS, actor=None) -> list[tuple[int, str, str]]:
    """(id, ref, title) of the latest requests whose ref ends with / contains ``query`` or
    whose title contains it (runs in a thread); with an ``actor``, of its places only."""
    from sqlalchemy import or_, select

    from gongzhi.core.errors import DomainError
    from gongzhi.core.models.requests import Request
    from gongzhi.core.models.types import utcnow
    from gongzhi.core.services.requests import scoped_conditions

    text = query.strip()
    if len(text) < 2:
        return []
    like = f"%{text.replace('%', '').replace('_', '')}%"
    with db.read_session() as s:
        try:
            scope = scoped_conditions(s, None, actor, now=utcnow())
        except DomainError:  # a role that reads no requests: no hits
            return []
        rows = s.execute(
            select(Request.id, Request.ref, Request.title)
            .where(or_(Request.ref.ilike(like), Request.title.like(like)), *scope)
            .order_by(Request.id.desc())
            .limit(limit)
        ).all()
    return [tuple(r) for r in rows]


class GongzhiCommands(Provider):
    """Go to a section, create or open a request, switch language — and what plugins register."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        out: list[tuple[str, Callable[[], object], str]] = []
        for s in app.sections:  # type: ignore[attr-defined]
            out.append((_("Go to: {section}").format(section=s.label()), partial(app.show_section, s.key),
                        _("Open this section")))
        may = getattr(app, "may", lambda permission: True)
        if may("request.create"):
            out.append((_("Requests: new request"), app.action_new_request, _("Log a new request")))  # type: ignore[attr-defined]
        if getattr(app, "may_import", lambda: False)():
            out.append((_("Import: import data"), app.open_import,  # type: ignore[attr-defined]
                        _("Ticket exports and registers from .csv/.xlsx/.xls, checked before they are written")))
        if may("audit.read"):
            out.append((_("Audit: audit log"), self._open_audit, _("Who did what, when (street admin)")))
        out.append((_("Settings: switch language"), app.action_toggle_language, "中文 / English"))  # type: ignore[attr-defined]
        host = app.host  # type: ignore[attr-defined]
        if host is not None:
            for c in host.collect("register_palette_commands"):
                english = i18n.language() == "en"
                title = c.args[0] if english and c.args else c.key
                action = c.args[1] if len(c.args) > 1 else None
                help_text = c.kwargs.get("help_en" if english else "help_zh") or c.plugin
                out.append((title, partial(self._run_plugin_action, action), help_text))
        return out

    def _run_plugin_action(self, action: object) -> None:
        if callable(action):
            action(self.app)
        elif isinstance(action, str) and action.startswith("show_section:"):
            self.app.show_section("plugin:" + action.split(":", 1)[1])  # type: ignore[attr-defined]

    def _open_audit(self) -> None:
        from gongzhi.tui.screens.audit import AuditScreen

        self.app.push_screen(AuditScreen())

    def _open_request(self, request_id: int) -> None:
        from gongzhi.tui.screens.request_detail import RequestDetailScreen

        self.app.push_screen(RequestDetailScreen(request_id))

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield Hit(1.0, title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = max(matcher.match(title), pinyin_score(title, query))
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
        db = getattr(self.app, "db", None)
        if db is None:
            return
        for request_id, ref, title in await asyncio.to_thread(find_requests, db, query, REQUEST_HITS,
                                                                   getattr(self.app, "actor", None)):
            text = _("Requests: open {ref} {title}").format(ref=ref, title=title)
            yield Hit(0.9, Text(text), partial(self._open_request, request_id), help=_("Open this request"))
