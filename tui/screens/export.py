"""Export the request list as it is filtered: long work with progress that can be cancelled."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, ProgressBar
from textual.worker import Worker, WorkerState, get_current_worker

from gongzhi.core.errors import DomainError
from gongzhi.core.services.exports import ExportResult, export_requests
from gongzhi.core.services.requests import RequestFilter
from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, _
from gongzhi.tui.widgets.base import translate_bindings
from gongzhi.tui.widgets.toggle import Toggle


def default_path() -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return Path.home() / _("requests-{stamp}.csv").format(stamp=stamp)


class ExportScreen(ModalScreen[Path | None]):
    """Choose a file, watch the progress, cancel at any time (no file is left then)."""

    BINDINGS = [
        Binding("ctrl+s", "start", N_("Export"), id="export.start", priority=True),
        Binding("escape", "cancel", N_("Cancel"), id="export.cancel"),
    ]

    def __init__(self, flt: RequestFilter) -> None:
        super().__init__()
        self.flt = flt
        self.worker: Worker | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="export-form"):
            yield Label(_("Export requests (CSV, opens in Excel)"), classes="panel-title")
            yield Label(_("The file's ending picks the form: .csv, .xlsx, .docx (to print) or .json (Open311)"),
                        classes="status-line")
            yield Label(_("File"), classes="field-label")
            yield Input(str(default_path()), id="export-path")
            # personal data (reporters' names, numbers in the text) only on purpose, and
            # only offered to who may export it (export.personal); off by default
            personal = Toggle(_("Personal data"), False, on_text=_("included (names and numbers as recorded)"),
                              off_text=_("left out (names withheld, numbers masked)"), id="export-personal")
            personal.display = self.app.may("export.personal")
            yield personal
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Label("", id="export-status", classes="status-line")
            yield Label("", id="export-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Export"), id="export-start", variant="primary")
                yield Button(_("Cancel"), id="export-cancel")
        yield Footer()

    def on_mount(self) -> None:
        translate_bindings(self)
        self.query_one("#export-path", Input).focus()

    @on(Input.Submitted, "#export-path")  # Enter in the file box exports, as ctrl+s does
    def _path_entered(self) -> None:
        self.start()

    def action_start(self) -> None:
        self.start()

    @on(Button.Pressed, "#export-start")
    def start(self) -> None:
        if self.worker is not None and self.worker.is_running:
            return
        path = Path(self.query_one("#export-path", Input).value.strip()).expanduser()
        self.query_one("#export-error", Label).update("")
        self.query_one("#export-start", Button).disabled = True
        db, actor, flt, lang, app = self.app.db, self.app.actor, self.flt, i18n.language(), self.app
        toggle = self.query_one("#export-personal", Toggle)
        personal = bool(toggle.display and toggle.value)

        def job() -> ExportResult | str:
            worker = get_current_worker()

            def progress(done: int, total: int) -> None:
                app.call_from_thread(self._progress, done, total)

            try:
                with db.session() as s:
                    if path.suffix.lower() == ".json":  # Open311 GeoReport v2 (core.services.open311)
                        from gongzhi.core.services.open311 import export_open311

                        done = export_open311(s, actor=actor, path=path, flt=flt, lang=lang)
                        return ExportResult(path=done.requests_path, rows=done.requests, total=done.requests)
                    return export_requests(s, actor=actor, path=path, flt=flt, lang=lang, progress=progress,
                                           cancelled=lambda: worker.is_cancelled, personal=personal)
            except DomainError as exc:
                return exc.message(lang)

        self.worker = self.run_worker(job, thread=True, exclusive=True, group="export")

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#export-progress", ProgressBar).update(total=total, progress=done)
        self.query_one("#export-status", Label).update(_("{done} of {total} rows").format(done=done, total=total))

    @on(Worker.StateChanged)
    def _finished(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker:
            return
        if event.state == WorkerState.SUCCESS:
            result = event.worker.result
            if isinstance(result, str):
                self.query_one("#export-error", Label).update(result)
                self.query_one("#export-start", Button).disabled = False
            elif result.cancelled:
                self.dismiss(None)
            else:
                self.app.notify(_("Exported {rows} requests to {path}").format(rows=result.rows, path=result.path))
                self.dismiss(result.path)
        elif event.state == WorkerState.CANCELLED:
            self.query_one("#export-status", Label).update(_("Cancelled; no file was written"))
            self.dismiss(None)

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        if self.worker is not None and self.worker.is_running:
            self.worker.cancel()  # the export stops at its next batch and removes its file
        else:
            self.dismiss(None)
