"""导入数据 / The import screen (issue 17, points 2, 4 and 6): a ticket export or a register
through the same engine as ``gongzhi import`` (core.importing), step by step.

1. **What and which file**: requests, residents, places or organisations (only those the
   operator's role may create); the file's path (→ takes the suggested completion of an
   existing folder or .csv/.xlsx/.xls file; Enter reads it); for requests the profile
   (shipped ones and the site's saved ones; the one that fits the header best is chosen).
2. **Mapping**: each column of the file, an example value and the field it feeds. For
   requests the clerk changes a column's field (the list under the table) and saves the
   mapping as a named profile (ctrl+g), which the profile list then offers. Registers are
   read by their header names (no profiles for registers yet): the mapping is shown only.
3. **Check** (ctrl+r): the engine's dry run in a worker, with a progress bar (rows/s and the
   time left) that Escape cancels. The report lists every bad cell (row, column, value,
   reason in the user's language) and the notices; the review list holds each address that
   was matched only approximately (``import.address_approximate``): ``y`` confirms it,
   ``n`` rejects it, ``A`` confirms them all. A rejected match makes its row a bad row
   (``import.address_rejected``): the all-or-nothing import then refuses the file, and the
   valid-rows-only import leaves the row out and writes it to the rejected workbook.
4. **Import** (ctrl+s): all rows in one transaction or none — or, by ticking "valid rows
   only", the valid ones, the rejected rows written to ``<file>.rejected.xlsx`` beside the
   input as the CLI does. It needs a check of the same file and mapping first and every
   approximate address decided. Escape cancels while it runs and the one transaction
   leaves nothing written. Every imported row is audited by the engine.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.suggester import Suggester
from textual.widgets import (
    Button,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    TabbedContent,
    TabPane,
)

from gongzhi.core.errors import DomainError
from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, _
from gongzhi.tui.widgets.base import translate_bindings
from gongzhi.tui.widgets.columns import Column, FittedTable
from gongzhi.tui.widgets.pickers import Choice, ChoicePicker, Picker
from gongzhi.tui.widgets.toggle import Toggle

# what may be imported: (kind, title, the permission the engine's services need)
KINDS: tuple[tuple[str, str, str], ...] = (
    ("requests", N_("Requests (ticket export)"), "request.create"),
    ("people", N_("Residents (register)"), "person.create"),
    ("places", N_("Places (register)"), "place.manage"),
    ("orgs", N_("Organisations (list)"), "org.manage"),
)

# the fields each kind fills, with their titles (the engine's field names)
FIELD_TITLES: dict[str, str] = {
    "ticket_number": N_("Ticket number"),
    "received_at": N_("Received at"),
    "channel": N_("Channel"),
    "category": N_("Category"),
    "title": N_("Title"),
    "content": N_("Content"),
    "address": N_("Address"),
    "reporter_phone": N_("Reporter's phone"),
    "status": N_("Status"),
    "reply": N_("Reply"),
    "name": N_("Name"),
    "gender": N_("Gender"),
    "birth": N_("Birth year or date"),
    "phone": N_("Phone"),
    "id_number": N_("ID number"),
    "notes": N_("Notes"),
    "community": N_("Community"),
    "compound": N_("Compound"),
    "building": N_("Building"),
    "micro_grid": N_("Micro-grid"),
    "household": N_("Household"),
    "kind": N_("Kind"),
    "place": N_("Place"),
}
# a field whose title differs by what is imported
KIND_FIELD_TITLES: dict[tuple[str, str], str] = {("orgs", "name"): N_("Organisation name")}
NOT_IMPORTED = "-"


def field_title(kind: str, fld: str) -> str:
    return _(KIND_FIELD_TITLES.get((kind, fld)) or FIELD_TITLES[fld])


MAPPING_COLUMNS = (
    Column("column", N_("File column"), 16, min_width=8),
    Column("example", N_("Example"), 24, min_width=10, flex=True, importance=2),
    Column("field", N_("Imported as"), 18, min_width=10),
)
REPORT_COLUMNS = (
    Column("row", N_("Row"), 5),
    Column("column", N_("Column"), 10, min_width=6),
    Column("value", N_("Value"), 18, min_width=8, importance=2),
    Column("reason", N_("Reason"), 30, min_width=16, flex=True),
)
REVIEW_COLUMNS = (
    Column("row", N_("Row"), 5),
    Column("address", N_("Address as written"), 24, min_width=10, flex=True),
    Column("place", N_("Place chosen"), 24, min_width=10, flex=True),
    Column("decision", N_("Decision"), 10),
)
APPROXIMATE = "import.address_approximate"
# how the file was read (core.importing.reading.Table.encoding), as people name it
ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GBK/GB18030", "excel": "Excel"}
UPDATE_SECONDS = 0.1  # the progress shown at most this often


class ImportCancelled(Exception):
    """Raised inside the engine's loop when the clerk cancels: the import's one
    transaction rolls back and nothing is written."""


# -- pieces that hold no widget --------------------------------------------------------


def complete_path(value: str) -> str | None:
    """The first existing folder (``…/``) or table file whose name continues what was
    typed, as the whole new value (``None``: nothing to suggest)."""
    from gongzhi.core.importing.reading import SUFFIXES

    if not value:
        return None
    if value == "~":
        return "~/"
    path = Path(value).expanduser()
    folder, stem = (path, "") if value.endswith(os.sep) else (path.parent, path.name)
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError:
        return None
    for entry in entries:
        if not entry.name.startswith(stem) or (entry.name.startswith(".") and not stem.startswith(".")):
            continue
        try:
            if entry.is_dir():
                name = entry.name + os.sep
            elif entry.suffix.lower() in SUFFIXES:
                name = entry.name
            else:
                continue
        except OSError:
            continue
        if name != stem:
            return value[: len(value) - len(stem)] + name
    return None


class PathSuggester(Suggester):
    """Suggests existing folders and .csv/.xlsx/.xls files as the path is typed."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return complete_path(value)


class WatchedRows(list):
    """A table's rows that call ``tick(n)`` as the engine goes through them: the dry run
    shows its progress and stops (``tick`` raises) when cancelled, without the engine
    knowing about either."""

    def __init__(self, rows: list, tick: Callable[[int], None]) -> None:
        super().__init__(rows)
        self._tick = tick

    def __iter__(self):
        for n, row in enumerate(super().__iter__(), start=1):
            self._tick(n)
            yield row


def list_profiles() -> list[tuple[str, str]]:
    """(name, label in the current language) of every profile, shipped and the site's."""
    from gongzhi.core.importing import profiles as profile_mod

    out = []
    for name in profile_mod.available():
        try:
            loaded = profile_mod.load_profile(name)
        except DomainError:
            continue  # a broken site profile is not offered (the CLI names its error)
        out.append((name, loaded.label_en if i18n.language() == "en" else loaded.label_zh))
    return out


def register_mapping(kind: str, header: list[str]) -> dict[str, int]:
    """Field → column index as the register importers find them (by header name)."""
    from gongzhi.core.importing.people import COLUMNS
    from gongzhi.core.importing.registers import ORG_COLUMNS, PLACE_LEVELS

    wanted: dict[str, tuple[str, ...]]
    if kind == "people":
        wanted = COLUMNS
    elif kind == "places":
        wanted = {level.value: names for level, names in PLACE_LEVELS}
    else:
        wanted = ORG_COLUMNS
    lowered = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for fld, names in wanted.items():
        for name in names:
            exact = name in header
            if exact or (kind != "people" and name.lower() in lowered):
                found[fld] = header.index(name) if exact else lowered.index(name.lower())
                break
    return found


def fields_of(kind: str) -> tuple[str, ...]:
    from gongzhi.core.importing.people import COLUMNS
    from gongzhi.core.importing.profiles import FIELDS
    from gongzhi.core.importing.registers import ORG_COLUMNS, PLACE_LEVELS

    if kind == "requests":
        return FIELDS
    if kind == "people":
        return tuple(COLUMNS)
    if kind == "places":
        return tuple(level.value for level, _names in PLACE_LEVELS)
    return tuple(ORG_COLUMNS)


def mapped_profile(base: Any, header: list[str], mapping: dict[str, int]) -> Any:
    """``base`` with the clerk's mapping: each field names its chosen column first; the
    base's other header names stay only when this file has no column of that name."""
    present = set(header)
    columns: dict[str, list[str]] = {}
    for fld in fields_of("requests"):
        names = [header[mapping[fld]]] if fld in mapping else []
        names += [n for n in base.columns.get(fld, []) if n not in present]
        if names:
            columns[fld] = names
    return replace(base, columns=columns)


def rate_line(phase: str, done: int, total: int, started: float) -> str:
    """``检查 1200/3000 行 · 850 行/秒 · 约剩 2 秒``."""
    elapsed = max(time.monotonic() - started, 1e-6)
    rate = done / elapsed
    text = _("{phase} {done}/{total} rows").format(phase=phase, done=done, total=total)
    if done and elapsed > 0.05:
        text += " · " + _("{rate} rows/s").format(rate=f"{rate:.0f}")
        if total > done:
            text += " · " + _("about {seconds} s left").format(seconds=f"{(total - done) / rate:.0f}")
    return text


class ReviewTable(FittedTable):
    """The review list: each approximately matched address, confirmed or rejected here."""

    BINDINGS = [
        Binding("y", "decide(True)", N_("Confirm"), id="import.confirm"),
        Binding("n", "decide(False)", N_("Reject"), id="import.reject"),
        Binding("A", "confirm_all", N_("Confirm all"), id="import.confirm_all"),
        Binding("p", "repoint", N_("Choose place"), id="import.repoint"),
    ]

    def on_mount(self) -> None:
        translate_bindings(self)

    def action_decide(self, confirmed: bool) -> None:
        if self.row_count:
            self.screen.decide(self.cursor_row, confirmed)  # type: ignore[attr-defined]

    def action_confirm_all(self) -> None:
        self.screen.confirm_all()  # type: ignore[attr-defined]

    def action_repoint(self) -> None:
        if self.row_count:
            self.screen.repoint(self.cursor_row)  # type: ignore[attr-defined]


class RepointScreen(ModalScreen["tuple[int, str] | None"]):
    """The place a row's address means, chosen by the clerk (a household for a resident)."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="import.repoint_cancel")]

    def __init__(self, address: str, kinds: tuple[str, ...]) -> None:
        super().__init__()
        self.address, self.kinds = address, kinds

    def compose(self) -> ComposeResult:
        from gongzhi.tui.widgets.pickers import PlacePicker

        with Vertical(classes="form", id="repoint-form"):
            yield Label(_("The place this address means"), classes="panel-title")
            yield Label(self.address, classes="status-line", markup=False)
            yield PlacePicker(placeholder=_("name or pinyin initials of a compound, building …"), kinds=self.kinds,
                              id="repoint-place")

    def on_mount(self) -> None:
        translate_bindings(self)
        self.query_one("#repoint-place").focus()

    @on(Picker.Changed, "#repoint-place")
    def _chosen(self, event: Picker.Changed) -> None:
        if event.value is not None:
            self.dismiss((event.value, event.text))

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- the screen -------------------------------------------------------------------------


class ImportScreen(Screen[bool]):
    """Choose, map, check, review, import; dismissed with whether anything was written."""

    DEFAULT_CSS = """
    ImportScreen #import-choose { height: auto; padding: 0 1; }
    ImportScreen #import-kind { width: 32; }
    ImportScreen #import-path { width: 1fr; }
    ImportScreen #import-profile { width: 30; }
    ImportScreen #import-tabs { height: 1fr; }
    ImportScreen TabPane { padding: 0; }
    ImportScreen FittedTable { height: 1fr; }
    ImportScreen #import-map-edit { height: auto; }
    ImportScreen #import-field { width: 28; }
    ImportScreen #import-profile-name { width: 1fr; }
    ImportScreen #import-progress { padding: 0 1; }
    ImportScreen #import-actions { height: auto; padding: 0 1; }
    ImportScreen #import-actions Button { min-width: 10; margin-left: 1; }
    ImportScreen #import-valid-only { width: 1fr; }
    ImportScreen #import-profile-name { min-width: 20; }
    """

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="import.close"),
        Binding("ctrl+r", "dry_run", N_("Check"), id="import.dry_run", priority=True),
        Binding("ctrl+s", "commit", N_("Import"), id="import.commit", priority=True),
        Binding("ctrl+g", "save_profile", N_("Save profile"), id="import.save_profile", priority=True),
    ]

    def __init__(self, kind: str | None = None, path: str | Path | None = None) -> None:
        super().__init__()
        self.kind = kind or "requests"
        self.path_text = str(path) if path else ""
        self.table: Any = None  # core.importing.reading.Table of the file read
        self.base_profile: Any = None  # the profile chosen (requests)
        self.profiles: list[tuple[str, str]] = []  # (name, label) of every profile
        self.mapping: dict[str, int] = {}  # field → column index
        self.report: Any = None  # the dry run's ImportReport
        self.checked: tuple | None = None  # what the dry run was of (see _current_key)
        self.review: list[Any] = []  # the approximate-address notices (RowIssue)
        self.decisions: dict[int, bool] = {}  # row → confirmed (True) or rejected (False)
        self.repointed: dict[int, int] = {}  # row → the place the clerk chose instead (confirmed)
        self.chosen_names: dict[int, str] = {}  # row → that place's name, as the picker showed it
        self.result: Any = None  # the last commit's report
        self.written = False
        self.message = ""  # the last outcome said in the status line
        self._cancel = threading.Event()
        self._busy = False
        self.profile_by_clerk = False  # the clerk picked the profile: a file read keeps it

    # -- layout --------------------------------------------------------------------

    def kinds(self) -> list[tuple[str, str]]:
        may = getattr(self.app, "may", lambda permission: True)
        return [(_(title), kind) for kind, title, permission in KINDS if may(permission)]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            with Horizontal(id="import-choose"):
                kinds = self.kinds()
                if kinds and self.kind not in [k for _t, k in kinds]:
                    self.kind = kinds[0][1]
                yield Select(kinds, value=self.kind if kinds else Select.NULL, allow_blank=not kinds,
                             id="import-kind")
                yield Input(self.path_text, placeholder=_("File: .csv, .xlsx or .xls (→ completes, Enter reads)"),
                            suggester=PathSuggester(), id="import-path")
                yield ChoicePicker(placeholder=_("Profile"), id="import-profile")
            yield Label("", id="import-file-line", classes="status-line")
            with TabbedContent(id="import-tabs"):
                with TabPane(_("Mapping"), id="tab-mapping"):
                    yield FittedTable(MAPPING_COLUMNS, id="import-mapping", cursor_type="row", zebra_stripes=True)
                    with Horizontal(id="import-map-edit"):
                        yield Select([], prompt=_("Imported as"), id="import-field")
                        yield Input(placeholder=_("Save the mapping as profile …"), id="import-profile-name")
                        yield Button(_("Save profile"), id="import-save-profile")
                with TabPane(_("Report"), id="tab-report"):
                    yield FittedTable(REPORT_COLUMNS, id="import-report", cursor_type="row", zebra_stripes=True)
                with TabPane(_("Review"), id="tab-review"):
                    yield ReviewTable(REVIEW_COLUMNS, id="import-review", cursor_type="row", zebra_stripes=True)
            yield ProgressBar(id="import-progress", show_eta=False)
            yield Label("", id="import-progress-line", classes="status-line")
            with Horizontal(id="import-actions"):
                yield Toggle(_("Rows to import"), False, off_text=_("all or none"),
                             on_text=_("the valid ones only, the others to a workbook beside the file"),
                             id="import-valid-only")
                yield Button(_("Check"), id="import-check")
                yield Button(_("Import"), id="import-commit", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        translate_bindings(self)
        self.render_state()
        self.query_one("#import-path", Input).focus()
        if self.path_text:
            self.read_file()
        else:
            self._run_simple(list_profiles, self._profiles_listed)

    def _profiles_listed(self, profiles: list[tuple[str, str]]) -> None:
        if not self.profiles:
            self.profiles = profiles
            self._show_profiles()

    async def refresh_language(self) -> None:
        """F2: the screen again in the other language, its state kept."""
        translate_bindings(self)
        self.path_text = self.query_one("#import-path", Input).value
        valid_only = self.query_one("#import-valid-only", Toggle).value
        tab = self.query_one("#import-tabs", TabbedContent).active
        await self.recompose()
        self.query_one("#import-valid-only", Toggle).value = valid_only
        self.query_one("#import-tabs", TabbedContent).active = tab
        self.render_state()

    # -- showing the state ---------------------------------------------------------

    def render_state(self) -> None:
        self._show_profiles()
        self._show_file_line()
        self._show_mapping()
        self._show_report()
        self._show_review()
        self._say(self.message)

    def _say(self, text: str) -> None:
        self.message = text
        self.query_one("#import-progress-line", Label).update(Text(text))

    def _show_profiles(self) -> None:
        picker = self.query_one("#import-profile", ChoicePicker)
        picker.display = self.kind == "requests"
        picker.set_choices([Choice(name, label or name, code=name) for name, label in self.profiles])
        if self.base_profile is not None and picker.value != self.base_profile.name:
            picker.choose(self.base_profile.name)

    def _show_file_line(self) -> None:
        line = self.query_one("#import-file-line", Label)
        if self.table is None:
            line.update(_("Choose what to import and the file."))
            return
        text = _("{file}: {rows} rows, {encoding}").format(
            file=self.table.path.name, rows=len(self.table.rows), encoding=ENCODINGS.get(self.table.encoding, ""))
        missing = self.missing_fields()
        if missing:
            text += " · " + _("not mapped yet: {fields}").format(fields="、".join(field_title(self.kind, f) for f in missing))
        elif self.kind != "requests":
            text += " · " + _("register columns are found by their header names")
        line.update(Text(text))

    def _show_mapping(self) -> None:
        table = self.query_one("#import-mapping", FittedTable)
        field_select = self.query_one("#import-field", Select)
        editable = self.kind == "requests" and self.table is not None
        self.query_one("#import-map-edit").display = self.kind == "requests"
        if self.table is None:
            table.set_rows([])
            return
        by_column = {i: f for f, i in self.mapping.items()}
        first = self.table.rows[0][1] if self.table.rows else []
        rows = []
        for i, name in enumerate(self.table.header):
            fld = by_column.get(i)
            rows.append(({"column": name, "example": first[i] if i < len(first) else "",
                          "field": field_title(self.kind, fld) if fld else _("not imported")}, str(i)))
        table.set_rows(rows)
        options = [(field_title(self.kind, f), f) for f in fields_of(self.kind)] + [(_("not imported"), NOT_IMPORTED)]
        with field_select.prevent(Select.Changed):
            field_select.set_options(options)
        field_select.disabled = not editable
        self._sync_field_select()

    def _sync_field_select(self) -> None:
        if self.table is None or self.kind != "requests":
            return
        table = self.query_one("#import-mapping", FittedTable)
        column = table.cursor_row
        by_column = {i: f for f, i in self.mapping.items()}
        field_select = self.query_one("#import-field", Select)
        with field_select.prevent(Select.Changed):
            field_select.value = by_column.get(column, NOT_IMPORTED)

    def _report_rows(self) -> list[tuple[dict[str, Any], str | None]]:
        lang = i18n.language()
        rows: list[tuple[dict[str, Any], str | None]] = []
        report = self.result if self.result is not None else self.report
        if report is None:
            return rows
        issues = [(e, False) for e in report.errors]
        if self.result is None:
            issues += [(e, False) for e in self.rejected_issues()]
        issues += [(w, True) for w in report.warnings if w.error.code != APPROXIMATE]
        issues.sort(key=lambda pair: (pair[0].row, pair[1]))
        for n, (issue, notice) in enumerate(issues):
            reason = issue.reason(lang)
            if notice:
                reason = _("notice: {reason}").format(reason=reason)
            rows.append(({"row": str(issue.row), "column": issue.column, "value": issue.value.replace("\n", " "),
                          "reason": reason}, str(n)))
        return rows

    def _show_report(self) -> None:
        self.query_one("#import-report", FittedTable).set_rows(self._report_rows())

    def _show_review(self) -> None:
        rows = []
        for issue in self.review:
            decision = self.decisions.get(issue.row)
            word = _("to review") if decision is None else _("confirmed") if decision else _("rejected")
            place = issue.error.params.get("place", "")
            if issue.row in self.repointed:
                place, word = self.chosen_names.get(issue.row, ""), _("place chosen")
            rows.append(({"row": str(issue.row), "address": issue.value,
                          "place": place, "decision": word}, str(issue.row)))
        table = self.query_one("#import-review", ReviewTable)
        row = table.cursor_row
        table.set_rows(rows)
        if rows and row:
            table.move_cursor(row=min(row, len(rows) - 1))
        tabs = self.query_one("#import-tabs", TabbedContent)
        pending = sum(1 for issue in self.review if issue.row not in self.decisions)
        review_title = _("Review ({count})").format(count=pending) if pending else _("Review")
        tabs.get_tab("tab-review").label = review_title  # type: ignore[assignment]
        report_count = len({r["row"] for r, _k in self._report_rows()}) if self.report is not None else 0
        tabs.get_tab("tab-report").label = (  # type: ignore[assignment]
            _("Report ({count})").format(count=report_count) if report_count else _("Report"))

    # -- step 1: what, which file, which profile -------------------------------------

    @on(Select.Changed, "#import-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        if event.value is Select.NULL or event.value == self.kind:
            return
        self.kind = str(event.value)
        self._forget_check()
        if self.table is not None:
            self.read_file()
        else:
            self.render_state()

    @on(Input.Submitted, "#import-path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.read_file()

    def read_file(self) -> None:
        """Read the file named in the path box (a worker), then map its columns."""
        if self._busy:
            return
        raw = self.query_one("#import-path", Input).value.strip()
        if not raw:
            self.app.notify(_("Name the file to import first."), severity="warning")
            return
        path, kind = Path(raw).expanduser(), self.kind
        wanted = self.base_profile.name if self.base_profile is not None else None
        keep = self.profile_by_clerk and wanted is not None
        lang = i18n.language()

        def job() -> tuple:
            from gongzhi.core.importing import profiles as profile_mod
            from gongzhi.core.importing.reading import read_table

            table = read_table(path)
            profiles = list_profiles()
            base, notice = None, ""
            if kind == "requests" and keep:
                base = profile_mod.load_profile(str(wanted))
            elif kind == "requests":
                try:
                    base = profile_mod.guess_profile(table.header)
                except DomainError as exc:
                    # the command line's words name --profile; here the picker is the way
                    notice = (_("No import profile fits this file's header: choose one under Import profile "
                                "and map the columns below.") if exc.code == "import.no_profile_fits"
                              else exc.message(lang))
                    base = profile_mod.load_profile(wanted or profiles[0][0]) if profiles else None
            return table, profiles, base, notice

        def done(result: tuple) -> None:
            table, profiles, base, notice = result
            self.table, self.profiles, self.base_profile = table, profiles, base
            self._remap()
            self.render_state()
            self._say(notice or _("Read {rows} rows. Check the mapping, then check the file (ctrl+r).").format(
                rows=len(table.rows)))
            self.query_one("#import-mapping", FittedTable).focus()

        self._run_simple(job, done)

    def _remap(self) -> None:
        self._forget_check()
        if self.table is None:
            self.mapping = {}
        elif self.kind == "requests":
            self.mapping = self.base_profile.locate(self.table.header) if self.base_profile is not None else {}
        else:
            self.mapping = register_mapping(self.kind, self.table.header)

    @on(ChoicePicker.Changed, "#import-profile")
    def _profile_chosen(self, event: ChoicePicker.Changed) -> None:
        event.stop()
        name = event.value
        if name is None or (self.base_profile is not None and self.base_profile.name == name):
            return
        from gongzhi.core.importing.profiles import load_profile

        try:
            self.base_profile = load_profile(str(name))
        except DomainError as exc:
            self.app.notify(exc.message(i18n.language()), severity="error")
            return
        self.profile_by_clerk = True
        self._remap()
        self.render_state()

    def missing_fields(self) -> list[str]:
        if self.table is None:
            return []
        if self.kind == "requests":
            from gongzhi.core.importing.profiles import REQUIRED

            missing = [f for f in REQUIRED if f not in self.mapping]
            if "content" not in self.mapping and "title" not in self.mapping:
                missing.append("content")
            return missing
        required = {"people": ("name",), "places": ("community",), "orgs": ("name", "kind")}[self.kind]
        return [f for f in required if f not in self.mapping]

    # -- step 2: the mapping ---------------------------------------------------------

    @on(FittedTable.RowHighlighted, "#import-mapping")
    def _column_highlighted(self, event: FittedTable.RowHighlighted) -> None:
        self._sync_field_select()

    @on(Select.Changed, "#import-field")
    def _field_changed(self, event: Select.Changed) -> None:
        if self.table is None or self.kind != "requests" or event.value is Select.NULL:
            return
        column = self.query_one("#import-mapping", FittedTable).cursor_row
        self.set_mapping(column, None if event.value == NOT_IMPORTED else str(event.value))

    def set_mapping(self, column: int, fld: str | None) -> None:
        """The file's column ``column`` feeds ``fld`` (None: not imported); a field takes one column."""
        mapping = {f: i for f, i in self.mapping.items() if i != column}
        if fld is not None:
            mapping[fld] = column
        if mapping == self.mapping:
            return
        self.mapping = mapping
        self._forget_check()
        self._show_mapping()
        self._show_file_line()
        self.query_one("#import-mapping", FittedTable).move_cursor(row=column)

    def current_profile(self) -> Any:
        if self.kind != "requests" or self.base_profile is None or self.table is None:
            return None
        return mapped_profile(self.base_profile, self.table.header, self.mapping)

    @on(Button.Pressed, "#import-save-profile")
    @on(Input.Submitted, "#import-profile-name")
    def action_save_profile(self) -> None:
        if self.kind != "requests" or self.current_profile() is None:
            self.app.notify(_("Only a ticket export's mapping is saved as a profile."), severity="warning")
            return
        box = self.query_one("#import-profile-name", Input)
        name = box.value.strip()
        if not name:
            self.query_one("#import-tabs", TabbedContent).active = "tab-mapping"
            box.focus()
            self.app.notify(_("Name the profile first."), severity="warning")
            return
        from gongzhi.core.importing.profiles import available, load_profile, save_profile

        profile = replace(self.current_profile(), label_zh=name, label_en=name)
        try:
            path = save_profile(profile, name)
            self.base_profile = load_profile(name)
        except DomainError as exc:
            self._say(exc.message(i18n.language()))
            self.app.notify(exc.message(i18n.language()), severity="error")
            return
        self.profiles = [(n, n if n == name else label) for n, label in self.profiles if n in available()]
        if name not in [n for n, _l in self.profiles]:
            self.profiles.append((name, name))
        self._show_profiles()
        self._say(_("Profile {name} saved to {path}").format(name=name, path=path))
        self.app.notify(_("Profile {name} saved").format(name=name))

    # -- step 3: the check (dry run) and the review ---------------------------------

    def _current_key(self) -> tuple:
        profile = self.current_profile()
        columns = tuple(sorted((f, tuple(n)) for f, n in profile.columns.items())) if profile else ()
        return (self.kind, str(self.table.path) if self.table else "", self.table.sha256 if self.table else "",
                profile.name if profile else "", columns)

    def _forget_check(self) -> None:
        self.report, self.checked, self.review, self.decisions, self.result = None, None, [], {}, None
        self.repointed, self.chosen_names = {}, {}

    @on(Button.Pressed, "#import-check")
    def action_dry_run(self) -> None:
        if self._busy or not self._ready():
            return
        db, actor, kind, profile = self.app.db, self.app.actor, self.kind, self.current_profile()
        key = self._current_key()

        def job(table: Any) -> Any:
            from gongzhi.core.importing import people, registers
            from gongzhi.core.importing import requests as tickets

            # approximate matches stay notices here: the review list decides each of them
            if kind == "requests":
                return tickets.dry_run(db, table, profile, actor, confirm_approximate=True)
            if kind == "people":
                return people.dry_run(db, table, actor, confirm_approximate=True)
            return getattr(registers, f"dry_run_{kind}")(db, table)

        def done(report: Any) -> None:
            self._forget_check()
            self.report, self.checked = report, key
            self.review = [w for w in report.warnings if w.error.code == APPROXIMATE]
            self.render_state()
            self._say(self._summary(report))
            tabs = self.query_one("#import-tabs", TabbedContent)
            if self.review:
                tabs.active = "tab-review"
                self.query_one("#import-review", ReviewTable).focus()
            else:
                tabs.active = "tab-report"
                self.query_one("#import-report", FittedTable).focus()

        self._run_import(job, done, _("Checking"), writes=False)

    def _summary(self, report: Any) -> str:
        bad = len(set(report.bad_rows) | {r for r, ok in self.decisions.items() if not ok})
        valid = len(report.planned) - sum(1 for r, ok in self.decisions.items() if not ok)
        text = _("{rows} rows: {valid} valid, {bad} with errors").format(rows=report.rows, valid=valid, bad=bad)
        pending = sum(1 for issue in self.review if issue.row not in self.decisions)
        if pending:
            text += " · " + _("addresses to review: {count}").format(count=pending)
        return text + " · " + _("nothing was written")

    def rejected_issues(self) -> list[Any]:
        from gongzhi.core.importing.requests import RowIssue

        return [RowIssue(issue.row, issue.column, issue.value,
                         DomainError("import.address_rejected", place=issue.error.params.get("place", "")))
                for issue in self.review if self.decisions.get(issue.row) is False]

    def decide(self, index: int, confirmed: bool) -> None:
        if not 0 <= index < len(self.review) or self.result is not None:
            return
        self.decisions[self.review[index].row] = confirmed
        self._show_review()
        self._show_report()
        table = self.query_one("#import-review", ReviewTable)
        table.move_cursor(row=min(index + 1, len(self.review) - 1))
        if self.report is not None:
            self._say(self._summary(self.report))

    def repoint(self, index: int) -> None:
        """Point the row at a place the clerk picks (confirmed with it)."""
        if not 0 <= index < len(self.review) or self.result is not None:
            return
        issue = self.review[index]

        def chosen(picked: tuple[int, str] | None) -> None:
            if picked is None:
                return
            self.repointed[issue.row] = picked[0]
            self.chosen_names[issue.row] = picked[1]
            self.decide(index, True)

        kinds = ("household",) if self.kind == "people" else ()
        self.app.push_screen(RepointScreen(issue.value, kinds), chosen)

    def confirm_all(self) -> None:
        if self.result is not None:
            return
        for issue in self.review:
            self.decisions.setdefault(issue.row, True)
        self._show_review()
        if self.report is not None:
            self._say(self._summary(self.report))

    # -- step 4: the import --------------------------------------------------------

    @on(Button.Pressed, "#import-commit")
    def action_commit(self) -> None:
        if self._busy or not self._ready():
            return
        if self.report is None or self.checked != self._current_key():
            self.app.notify(_("Check the file first (ctrl+r)."), severity="warning")
            return
        if self.result is not None:
            self.app.notify(_("This file was imported; read it again to import it again."), severity="warning")
            return
        pending = [issue for issue in self.review if issue.row not in self.decisions]
        if pending:
            self.query_one("#import-tabs", TabbedContent).active = "tab-review"
            self.query_one("#import-review", ReviewTable).focus()
            self.app.notify(_("{count} addresses to review first: y confirms, n rejects.").format(
                count=len(pending)), severity="warning")
            return
        valid_only = self.query_one("#import-valid-only", Toggle).value
        rejected = {i.row: (i.column, i.value, i.error) for i in self.rejected_issues()}
        if (self.report.errors or rejected) and not valid_only:
            self.query_one("#import-tabs", TabbedContent).active = "tab-report"
            self._say(_("{count} rows have errors; nothing was written. Switch the rows to import to the "
                        "valid ones only (Space) to import the others.").format(count=len(set(self.report.bad_rows) | set(rejected))))
            self.app.notify(self.message, severity="warning")
            return
        db, actor, kind, profile = self.app.db, self.app.actor, self.kind, self.current_profile()
        places = dict(self.repointed)

        def job(table: Any, progress: Callable[[int, int], None]) -> Any:
            from gongzhi.core.importing import people, registers
            from gongzhi.core.importing import requests as tickets

            # every approximate match was decided on review: confirmed, rejected or re-pointed
            if kind == "requests":
                return tickets.commit(db, table, profile, actor, valid_only=valid_only, progress=progress,
                                      rejected=rejected, places=places, confirm_approximate=True)
            if kind == "people":
                return people.commit(db, table, actor, valid_only=valid_only, progress=progress, rejected=rejected,
                                     places=places, confirm_approximate=True)
            return getattr(registers, f"commit_{kind}")(db, table, actor, valid_only=valid_only, progress=progress)

        def done(report: Any) -> None:
            self.result = report
            self.written = self.written or report.written
            self.render_state()
            if report.written:
                text = _("Imported: {created} created, {updated} updated, {unchanged} unchanged").format(
                    created=report.created, updated=report.updated, unchanged=report.unchanged)
                if report.error_file:
                    text += " · " + _("rejected rows written to {path}").format(path=report.error_file)
                self.app.notify(text)
            else:
                text = _("{count} rows have errors; nothing was written.").format(count=len(report.bad_rows))
                self.query_one("#import-tabs", TabbedContent).active = "tab-report"
                self.app.notify(text, severity="error")
            self._say(text)

        self._run_import(job, done, _("Checking"), writes=True)

    def _ready(self) -> bool:
        if self.table is None:
            self.read_file()  # the path box was filled but not read yet
            if self.table is None:
                return False
        missing = self.missing_fields()
        if missing:
            self.query_one("#import-tabs", TabbedContent).active = "tab-mapping"
            self.app.notify(_("Map these fields first: {fields}").format(
                fields="、".join(field_title(self.kind, f) for f in missing)), severity="warning")
            return False
        return True

    # -- workers ---------------------------------------------------------------------

    def _run_simple(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        app = self.app
        lang = i18n.language()

        def run() -> None:
            try:
                result = job()
            except DomainError as exc:
                app.call_from_thread(self._failed, exc.message(lang))
                return
            app.call_from_thread(self._deliver, done, result)

        self.run_worker(run, thread=True, exclusive=True, group="import-read")

    def _run_import(self, job: Callable[..., Any], done: Callable[[Any], None], phase: str, *, writes: bool) -> None:
        """``job`` in a thread with progress and a cancel: the checking phase ticks as the
        engine reads the rows, the writing phase by the engine's own progress callback."""
        app, table, cancel = self.app, self.table, self._cancel
        cancel.clear()
        self._busy = True
        self._set_buttons()
        lang = i18n.language()
        total = len(table.rows)
        state = {"phase": phase, "started": time.monotonic(), "shown": 0.0}
        writing = _("Writing")

        def show(name: str, n: int, of: int, force: bool = False) -> None:
            now = time.monotonic()
            if force or now - state["shown"] >= UPDATE_SECONDS or n == of:
                state["shown"] = now
                app.call_from_thread(self._progress, name, n, of, state["started"])

        def tick(n: int) -> None:
            if state["phase"] == writing:
                return  # the engine reads the rows again for the rejected workbook: written by then
            if cancel.is_set():
                raise ImportCancelled
            show(state["phase"], n, total)

        def progress(n: int, of: int) -> None:
            if cancel.is_set():
                raise ImportCancelled  # inside the engine's transaction: it rolls back
            if state["phase"] != writing:
                state.update(phase=writing, started=time.monotonic())
                show(writing, n, of, force=True)
            else:
                show(writing, n, of)

        watched = replace(table, rows=WatchedRows(table.rows, tick))

        def run() -> None:
            outcome: tuple[str, Any]
            try:
                result = job(watched, progress) if writes else job(watched)
                outcome = ("done", result)
            except ImportCancelled:
                outcome = ("cancelled", None)
            except DomainError as exc:
                outcome = ("error", exc.message(lang))
            except Exception as exc:  # noqa: BLE001 - say it, keep the app alive
                outcome = ("error", _("Unexpected error: {detail}").format(detail=exc))
            with contextlib.suppress(RuntimeError):  # the app has gone meanwhile
                app.call_from_thread(self._finished, outcome, done)

        self.query_one("#import-progress", ProgressBar).update(total=total, progress=0)
        self._say(_("{phase} …").format(phase=phase))
        self.run_worker(run, thread=True, exclusive=True, group="import")

    def _progress(self, phase: str, done: int, total: int, started: float) -> None:
        if not self.is_attached:
            return
        self.query_one("#import-progress", ProgressBar).update(total=total, progress=done)
        self._say(rate_line(phase, done, total, started))

    def _finished(self, outcome: tuple[str, Any], done: Callable[[Any], None]) -> None:
        self._busy = False
        if not self.is_attached:
            return
        self._set_buttons()
        what, value = outcome
        if what == "done":
            done(value)
        elif what == "cancelled":
            self.query_one("#import-progress", ProgressBar).update(progress=0)
            self._say(_("Cancelled; nothing was written"))
            self.app.notify(self.message, severity="warning")
        else:
            self._failed(value)

    def _deliver(self, done: Callable[[Any], None], result: Any) -> None:
        if self.is_attached:
            done(result)

    def _failed(self, message: str) -> None:
        if not self.is_attached:
            return
        self._say(message)
        self.app.notify(message, severity="error")

    def _set_buttons(self) -> None:
        for button in self.query("#import-actions Button"):
            button.disabled = self._busy

    def action_cancel(self) -> None:
        """Escape: cancel the work running (nothing is written), else close the screen."""
        if self._busy:
            self._cancel.set()
            self._say(_("Cancelling …"))
            return
        self.dismiss(self.written)

    def on_unmount(self) -> None:
        self._cancel.set()
