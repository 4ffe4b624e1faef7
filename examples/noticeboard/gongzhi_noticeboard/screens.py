"""The plugin's TUI section: the latest notices in a table."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header


class NoticeBoardScreen(Screen):
    """公示栏 / notice board."""

    def __init__(self, db) -> None:
        super().__init__()
        self.db = db

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="notices")
        yield Footer()

    def on_mount(self) -> None:
        from gongzhi_noticeboard.services import list_notices

        table = self.query_one(DataTable)
        table.add_columns("编号 id", "标题 title", "张贴人 posted by")
        with self.db.read_session() as s:
            for n in list_notices(s):
                table.add_row(str(n.id), n.title, n.posted_by)
