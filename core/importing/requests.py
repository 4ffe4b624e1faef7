"""Importing ticket exports as requests: a dry run that finds every bad cell, and a
commit that writes all rows in one transaction (or, by explicit choice, the valid
rows only, the rejected ones written to a workbook beside the input).

Rows become requests through :func:`gongzhi.core.services.requests.create_request` and
change status through :func:`gongzhi.core.services.requests.transition`, each inside a
savepoint of the one import transaction, so the timeline and the audit log are
exactly those of requests logged by hand. A ticket already imported (same channel
and number, unique since migration 0008) adds nothing; a new status walks the
lifecycle to it. Every imported row is audited with the file's name and sha256.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select, tuple_
from sqlmodel import Session

from gongzhi.core import events
from gongzhi.core.db import Database
from gongzhi.core.errors import DomainError
from gongzhi.core.importing.addresses import AddressMatcher, Match
from gongzhi.core.importing.profiles import REQUIRED, Profile
from gongzhi.core.importing.reading import Table
from gongzhi.core.importing.values import compact, parse_datetime, parse_phone, parse_ticket_number
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request, RequestCategory, RequestEvent
from gongzhi.core.models.vocab import TRANSITIONS, Channel, PlaceKind, Status
from gongzhi.core.services import requests as svc
from gongzhi.core.services.base import Actor, audit

TITLE_MAX = 200
TITLE_FROM_CONTENT = 30  # a title cut from the content when the export has none
# statuses an import never walks through: a dispatch names organisations, a duplicate its original
_NOT_WALKED = frozenset({Status.dispatched, Status.duplicate})
REPLY_MAX = 2000  # a timeline note holds at most this much
# a reply arriving with one of these as the last step is that step's result (its public note)
_RESULT_STATUSES = frozenset({Status.resolved, Status.answered})


def reply_as_result(p: Planned) -> bool:
    """Whether the row's reply is the public note of its last step (the step resolves or
    answers the request) rather than a note of its own after the steps."""
    return bool(p.reply) and bool(p.path) and p.path[-1] in _RESULT_STATUSES


@dataclass
class RowIssue:
    """One bad (or noteworthy) cell: row as numbered in the file, the column's header."""

    row: int
    column: str
    value: str
    error: DomainError

    def reason(self, lang: str = "zh") -> str:
        return self.error.message(lang)


@dataclass
class Planned:
    row: int
    ticket: str
    channel: str
    received_at: datetime
    category_id: int
    title: str
    description: str
    place_id: int
    reporter_id: int | None
    path: list[Status]  # the transitions to walk, in order
    existing_id: int | None = None
    # the export's reply (答复内容, 处置结果), when it is not on the request's timeline yet:
    # the public note of the last step when that step resolves or answers the request,
    # otherwise a note on the timeline after the steps (:func:`reply_as_result`)
    reply: str = ""


@dataclass
class ImportReport:
    file: Path
    sha256: str
    encoding: str
    rows: int
    planned: list[Planned] = field(default_factory=list)
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    written: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_file: Path | None = None
    cancelled: bool = False  # the import was cancelled: nothing was written

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})


@cache
def _status_walk(start: Status, target: Status) -> tuple[Status, ...] | None:
    walk = _find_status_path(start, target)
    return None if walk is None else tuple(walk)


def status_path(start: Status, target: Status) -> list[Status] | None:
    """The shortest walk of legal transitions from ``start`` to ``target`` (``[]`` when
    equal), never through a dispatch or a duplicate; ``None`` when there is none."""
    walk = _status_walk(start, target)
    return None if walk is None else list(walk)


def _find_status_path(start: Status, target: Status) -> list[Status] | None:
    """The shortest walk of legal transitions from ``start`` to ``target`` (``[]`` when
    equal), never through a dispatch or a duplicate; ``None`` when there is none."""
    if start == target:
        return []
    seen, queue = {start}, deque([(start, [])])
    while queue:
        here, walk = queue.popleft()
        for nxt in sorted(TRANSITIONS[here]):
            if nxt in seen or nxt in _NOT_WALKED:
                continue
            if nxt == target:
                return [*walk, nxt]
            seen.add(nxt)
            queue.append((nxt, [*walk, nxt]))
    return None


def _place_index(session: Session) -> dict[str, set[int]]:
    """Every way an address may name a place exactly: the names of its chain from any
    level down to it, joined without spaces (with and without the micro-grid)."""
    rows = session.execute(select(Place.id, Place.name, Place.kind, Place.path)).all()
    names = {pid: (name, kind) for pid, name, kind, _ in rows}
    index: dict[str, set[int]] = {}
    for pid, _name, _kind, path in rows:
        chain = [int(x) for x in path.strip("/").split("/") if x] or [pid]
        for with_grid in (True, False):
            parts = [names[i][0] for i in chain
                     if i in names and (with_grid or names[i][1] != PlaceKind.micro_grid or i == pid)]
            for start in range(len(parts)):
                index.setdefault(compact("".join(parts[start:])), set()).add(pid)
    return index


def plan_requests(session: Session, table: Table, profile: Profile, actor: Actor | None = None, *,
                  progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Check every row against the database; writes nothing.

    Besides the file's own checks, the services' checks run here, read-only, each refusal
    tied to its column and value: a received time in the future or before 2000
    (``fact_time``), control characters in the title, content or reply (``check_chars``),
    and, given the ``actor``, the permissions the services would ask on the place
    (``request.create``, ``request.update``/``request.close`` for each step and the reply).
    So the dry run lists what the commit would refuse. ``progress(done, total)`` is
    called every 500 rows and at the end."""
    from gongzhi.core.importing.checks import Checks
    from gongzhi.core.services.base import check_chars, fact_time

    report = ImportReport(file=table.path, sha256=table.sha256, encoding=table.encoding, rows=len(table.rows))
    cols = profile.locate(table.header)
    missing = [profile.columns.get(f, [f])[0] for f in REQUIRED if f not in cols]
    if "content" not in cols and "title" not in cols:
        missing.append(profile.columns.get("content", ["content"])[0])
    if missing:
        raise DomainError("import.missing_columns", columns="、".join(missing))
    header = table.header

    cats: dict[str, int] = {}
    for cat in session.scalars(select(RequestCategory).where(RequestCategory.active)):
        cats[cat.code] = cats[compact(cat.name_zh)] = cat.id
    places = _place_index(session)
    addresses = AddressMatcher(session, places)
    place_names = dict(session.execute(select(Place.id, Place.name)).all())

    def cell(cells: list[str], fld: str) -> str:
        i = cols.get(fld)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    # the whole file's tickets, phones: looked up at once
    seen: dict[tuple[str, str], int] = {}
    parsed: list[tuple[int, list[str], list[RowIssue], dict]] = []
    for rowno, cells in table.rows:
        issues: list[RowIssue] = []
        values: dict = {}

        def bad(fld: str, exc: DomainError, raw: str) -> None:
            issues.append(RowIssue(rowno, header[cols[fld]] if fld in cols else fld, raw, exc))  # noqa: B023

        raw = cell(cells, "ticket_number")
        try:
            values["ticket"] = parse_ticket_number(raw)
        except DomainError as exc:
            bad("ticket_number", exc, raw)
        channel = profile.channel
        if "channel" in cols and cell(cells, "channel"):
            raw = cell(cells, "channel")
            channel = profile.channels.get(raw, raw)
            if channel not in Channel.__members__:
                bad("channel", DomainError("import.unknown_channel"), raw)
        values["channel"] = channel
        if "ticket" in values:
            key = (channel, values["ticket"])
            if key in seen:
                bad("ticket_number", DomainError("import.duplicate_ticket", first=seen[key]), raw)
            else:
                seen[key] = rowno
        raw = cell(cells, "received_at")
        try:
            values["received_at"] = fact_time(parse_datetime(raw), "received_at")
        except DomainError as exc:
            bad("received_at", exc, raw)
        raw = cell(cells, "category")
        code = profile.categories.get(raw, raw)
        if not raw:
            bad("category", DomainError("import.required"), raw)
        elif code in cats or compact(code) in cats:
            values["category_id"] = cats.get(code) or cats[compact(code)]
        else:
            bad("category", DomainError("import.unknown_category"), raw)
        content = cell(cells, "content")
        title = cell(cells, "title")
        title_field = "title"
        if not title:
            title_field = "content"
            title = content.splitlines()[0][:TITLE_FROM_CONTENT] if content else ""
        if not title:
            bad("content" if "content" in cols else "title", DomainError("import.required"), "")
        elif len(title) > TITLE_MAX:
            bad("title", DomainError("import.too_long", max=TITLE_MAX, length=len(title)), title)
        else:
            try:
                check_chars(title, "title")
            except DomainError as exc:
                if title_field == "title":
                    bad("title", exc, title)
                elif not _has_bad_chars(content):  # else said once, of the content, below
                    bad("content", exc, content)
        if content:
            try:
                check_chars(content, "description")
            except DomainError as exc:
                bad("content", exc, content)
        values["title"] = title
        if len(content) > svc.DESCRIPTION_MAX:
            report.warnings.append(RowIssue(rowno, header[cols["content"]], content[:20] + "…", DomainError(
                "import.content_truncated", length=len(content), max=svc.DESCRIPTION_MAX,
                rest=len(content) - svc.DESCRIPTION_MAX)))
            content = content[:svc.DESCRIPTION_MAX]
        values["description"] = content
        raw = cell(cells, "address")
        found = addresses.match(raw) if raw else set()
        if isinstance(found, Match):  # read approximately: used, and listed for review
            values["place_id"] = found.place_id
            report.warnings.append(RowIssue(rowno, header[cols["address"]], raw, DomainError(
                "import.address_approximate", place=addresses.path_text(found.place_id))))
        elif not raw:
            bad("address", DomainError("import.required"), raw)
        elif not found:
            bad("address", DomainError("import.address_not_found"), raw)
        elif len(found) > 1:
            bad("address", DomainError("import.address_ambiguous",
                                       places="、".join(sorted(place_names[i] for i in found))), raw)
        else:
            values["place_id"] = next(iter(found))
        raw = values["status_raw"] = cell(cells, "status")
        if raw:
            target = profile.statuses.get(raw, raw)
            if target in Status.__members__:
                values["status"] = Status(target)
            else:
                bad("status", DomainError("import.unknown_status"), raw)
        raw = values["reply"] = cell(cells, "reply")
        if len(raw) > REPLY_MAX:
            bad("reply", DomainError("import.too_long", max=REPLY_MAX, length=len(raw)), raw[:20] + "…")
        elif raw:
            try:
                check_chars(raw, "public_note")
            except DomainError as exc:
                bad("reply", exc, raw)
        values["phone"] = parse_phone(cell(cells, "reporter_phone"))
        values["phone_raw"] = cell(cells, "reporter_phone")
        parsed.append((rowno, cells, issues, values))
        if progress is not None and len(parsed) % 500 == 0:
            progress(len(parsed), len(table.rows))

    keys = [(v["channel"], v["ticket"]) for _, _, issues, v in parsed if "ticket" in v]
    existing: dict[tuple[str, str], tuple[int, str, str, int]] = {}
    for i in range(0, len(keys), 500):
        chunk = keys[i:i + 500]
        stmt = select(Request.channel, Request.external_id, Request.id, Request.status, Request.ref,
                      Request.place_id).where(tuple_(Request.channel, Request.external_id).in_(chunk))
        for ch, ext, rid, status, ref, place in session.execute(stmt):
            existing[(ch, ext)] = (rid, status, ref, place)
    checks = Checks(session, actor) if actor is not None else None
    # what the timelines of the known tickets with a reply already say: a reply already
    # there (as a note or a step's note) is not added again
    said: dict[int, set[str]] = {}
    replied = sorted({existing[(v["channel"], v["ticket"])][0] for *_, v in parsed
                      if v["reply"] and (v["channel"], v.get("ticket")) in existing})
    for i in range(0, len(replied), 500):
        for rid, note in session.execute(select(RequestEvent.request_id, RequestEvent.public_note).where(
                RequestEvent.request_id.in_(replied[i:i + 500]), RequestEvent.public_note != "")):
            said.setdefault(rid, set()).add(note)
    phones = sorted({v["phone"] for *_, v in parsed if v["phone"]})
    people: dict[str, list[int]] = {}
    for i in range(0, len(phones), 500):
        for pid, phone in session.execute(select(Person.id, Person.phone).where(Person.phone.in_(phones[i:i + 500]))):
            people.setdefault(phone, []).append(pid)

    for rowno, cells, issues, v in parsed:
        known = existing.get((v["channel"], v.get("ticket")))
        start = Status(known[1]) if known else Status.submitted
        target = v.get("status")
        path: list[Status] = []
        if target is not None:
            walk = status_path(start, target)
            if walk is None:
                col = header[cols["status"]]
                issues.append(RowIssue(rowno, col, v["status_raw"], DomainError(
                    "import.no_path", ref=known[2] if known else v.get("ticket", ""),
                    from_label=start.label("zh"), from_label_en=start.label("en"),
                    to_label=target.label("zh"), to_label_en=target.label("en"))))
            else:
                path = walk
        reporter = None
        if v["phone"] and known is None:
            ids = people.get(v["phone"], [])
            if len(ids) == 1:
                reporter = ids[0]
            else:
                report.warnings.append(RowIssue(rowno, header[cols["reporter_phone"]], v["phone_raw"],
                                                DomainError("import.reporter_not_found")))
        reply = v["reply"]
        if known and reply in said.get(known[0], ()):
            reply = ""
        place_id = known[3] if known else v.get("place_id")
        if checks is not None and place_id is not None:
            # the permissions the services ask on the place, each tied to the cell that needs it
            def denied(fld: str, permission: str, raw: str) -> None:
                try:
                    checks.allowed(permission, place_id)  # noqa: B023
                except DomainError as exc:
                    issues.append(RowIssue(rowno, header[cols[fld]] if fld in cols else fld, raw, exc))  # noqa: B023

            if known is None:
                denied("address", "request.create", cell(cells, "address"))
            if path:
                needs = {"request.close" if step in svc._CLOSING else "request.update" for step in path}
                for permission in sorted(needs, reverse=True):  # update before close, as a walk asks
                    denied("status", permission, v["status_raw"])
            if reply and not (path and path[-1] in _RESULT_STATUSES):
                denied("reply", "request.update", reply)
        if issues:
            report.errors.extend(issues)
            continue
        report.planned.append(Planned(
            row=rowno, ticket=v["ticket"], channel=v["channel"], received_at=v["received_at"],
            category_id=v["category_id"], title=v["title"], description=v["description"],
            place_id=v["place_id"], reporter_id=reporter, path=path,
            existing_id=known[0] if known else None, reply=reply))
    if progress is not None:
        progress(len(table.rows), len(table.rows))
    return report


def _has_bad_chars(text: str) -> bool:
    from gongzhi.core.services.base import check_chars

    try:
        check_chars(text, "description")
    except DomainError:
        return True
    return False


def dry_run(db: Database, table: Table, profile: Profile, actor: Actor | None = None, *,
            confirm_approximate: bool = False, progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """The commit's checks, writing nothing: the report :func:`commit` would refuse or write
    (with the same ``actor`` and ``confirm_approximate``)."""
    from gongzhi.core.importing.review import settle

    with db.read_session() as s:
        return settle(plan_requests(s, table, profile, actor, progress=progress),
                      confirm_approximate=confirm_approximate)


def import_note(table: Table) -> str:
    """The public note of the steps an import walks."""
    return f"导入 {table.path.name} / imported from {table.path.name}"


def commit(db: Database, table: Table, profile: Profile, actor: Actor, *, valid_only: bool = False,
           progress: Callable[[int, int], None] | None = None, cancel: Callable[[], bool] | None = None,
           rejected: dict[int, tuple[str, str, DomainError]] | None = None, batched: bool = True,
           confirm_approximate: bool = False, places: dict[int, int] | None = None,
           planning: Callable[[int, int], None] | None = None) -> ImportReport:
    """Write the file's requests in one transaction. With errors, nothing is written
    unless ``valid_only``: then the valid rows are, and the rejected ones go to a
    workbook beside the input (:func:`write_rejected`). ``rejected``: rows the clerk
    refused on review (:func:`gongzhi.core.importing.review.reject_rows`), bad rows like the others.

    New tickets are written in batches (:mod:`gongzhi.core.importing.batch`: the same rows,
    checks, timeline, audit and events as :func:`gongzhi.core.services.requests.create_request`
    and :func:`~gongzhi.core.services.requests.transition` give, at bulk speed); tickets already
    imported are updated through the services, row by row. ``batched=False`` writes every
    row through the services. ``progress(done, total)`` is called after each batch (each
    known ticket); ``cancel()`` is asked at the same points: when it returns true the
    transaction is rolled back and the report says ``cancelled``.

    An address matched only approximately is written only with ``confirm_approximate``
    (else its row is bad: ``import.address_unconfirmed``); ``places`` (row → place id)
    re-points rows to the place the clerk chose (:func:`gongzhi.core.importing.review.settle`).
    ``planning(done, total)`` reports the checking of the rows before the transaction."""
    from gongzhi.core.importing.review import settle

    with db.read_session() as s:
        report = settle(plan_requests(s, table, profile, actor, progress=planning), rejected=rejected,
                        places=places, confirm_approximate=confirm_approximate)
    note = import_note(table)
    if batched:
        from gongzhi.core.importing.batch import commit_batched

        return commit_batched(db, table, report, actor, note, profile.type, valid_only=valid_only,
                              progress=progress, cancel=cancel)
    return run_import(db, table, report, valid_only,
                      lambda session, p: _write_row(session, actor, p, table, report, note, profile.type),
                      progress=progress, cancel=cancel)


class _Abandon(Exception):
    """Leaves the import transaction without committing (an all-or-nothing failure)."""


class _Cancelled(Exception):
    """Leaves the import transaction without committing: the user cancelled."""


def run_import(db: Database, table: Table, report: Any, valid_only: bool,
               write_row: Callable[[Session, Any], None],
               progress: Callable[[int, int], None] | None = None,
               cancel: Callable[[], bool] | None = None) -> Any:
    """Call ``write_row(session, planned)`` for each planned row of ``report``, all in
    one transaction on one connection: the services' own commits are savepoints of it
    (``join_transaction_mode="create_savepoint"``) and the events they fire wait until
    it commits. Any error and nothing is written, unless ``valid_only``: then the rows
    that failed join the rejected ones in the workbook beside the input.
    ``progress(done, total)`` is called after each row; when ``cancel()`` returns true
    (asked after each row) nothing is written and ``report.cancelled`` is set."""
    if report.errors and not valid_only:
        return report
    if valid_only:
        check_rejected_writable(table)
    try:
        with events.held(), db.write_engine.connect() as conn:
            outer = conn.begin()
            session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
            try:
                for done, p in enumerate(report.planned, start=1):
                    row = conn.begin_nested()  # a row is whole or absent, whatever its services committed
                    try:
                        with events.held():  # a row rolled back fires nothing
                            write_row(session, p)
                            session.flush()
                            row.commit()
                    except DomainError as exc:
                        row.rollback()
                        session.expire_all()
                        report.errors.append(RowIssue(p.row, "", "", exc))
                    if progress is not None:
                        progress(done, len(report.planned))
                    if cancel is not None and cancel():
                        raise _Cancelled
                if report.errors and not valid_only:
                    raise _Abandon
                session.commit()
                commit_with_rejected(outer, table, report)
            except BaseException:
                session.close()
                if outer.is_active:
                    outer.rollback()
                raise
            session.close()
    except _Abandon:
        report.created = report.updated = report.unchanged = 0
        return report
    except _Cancelled:
        report.created = report.updated = report.unchanged = 0
        report.cancelled = True
        return report
    report.written = True
    return report


def check_rejected_writable(table: Table) -> None:
    """Refuse a valid-rows-only import before its transaction when the rejected rows'
    workbook could not be written beside the input (else the rows would be committed and
    the rejected ones lost)."""
    import tempfile

    folder = table.path.parent
    try:  # a file made and removed: the folder's rights, a read-only disk, an immutable folder, root or not
        with tempfile.TemporaryFile(dir=folder, prefix=".gongzhi-probe-"):
            pass
    except OSError:
        raise DomainError("import.rejected_not_writable", path=str(folder)) from None


def commit_with_rejected(outer: Any, table: Table, report: Any) -> None:
    """Commit the import's transaction, the rejected rows' workbook written first: a
    workbook that cannot be written rolls the import back (nothing is lost); a commit
    that fails removes the workbook."""
    if report.errors:
        try:
            report.error_file = write_rejected(table, report)
        except OSError as exc:
            raise DomainError("import.rejected_not_writable", path=str(table.path.parent)) from exc
    try:
        outer.commit()
    except BaseException:
        if report.error_file is not None:
            report.error_file.unlink(missing_ok=True)
            report.error_file = None
        raise


def _write_row(session: Session, actor: Actor, p: Planned, table: Table, report: ImportReport, note: str,
               kind: str) -> None:
    if p.existing_id is not None and not p.path and not p.reply:
        report.unchanged += 1
        return
    if p.existing_id is None:
        request = svc.create_request(
            session, actor=actor, channel=p.channel, type=kind, category_id=p.category_id,
            title=p.title, place_id=p.place_id, description=p.description, reporter_id=p.reporter_id,
            external_id=p.ticket, at=p.received_at, public_note=note)
        rid, action = request.id, "request.import"
    else:
        rid, action = p.existing_id, "request.import_update"
    result = reply_as_result(p)
    for i, step in enumerate(p.path, start=1):
        svc.transition(session, actor=actor, request_id=rid, to_status=step.value,
                       public_note=p.reply if result and i == len(p.path) else note)
    if p.reply and not result:
        svc.add_note(session, actor=actor, request_id=rid, public_note=p.reply, source="import",
                     data={"file": table.path.name})
    audit(session, actor, action, "request", rid, None, import_record(table, p))
    session.commit()  # the row's savepoint
    if p.existing_id is None:
        report.created += 1
    else:
        report.updated += 1


def import_record(table: Table, p: Planned) -> dict[str, Any]:
    """What the audit keeps of an imported row (``request.import``, ``request.import_update``)."""
    return {"file": table.path.name, "sha256": table.sha256, "row": p.row, "channel": p.channel,
            "ticket": p.ticket, "statuses": [s.value for s in p.path], "reply": bool(p.reply)}


def free_path(path: Path) -> Path:
    """``path``, or ``stem-2.suffix``, ``stem-3.suffix`` …: the first that does not exist."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def write_rejected(table: Table, report: ImportReport) -> Path:
    """The rejected rows as they were, with row, column and reason (zh and en) first,
    in ``<input>.rejected.xlsx`` beside the input (never overwriting a file)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def shown(value: Any) -> Any:  # a control character a worksheet cannot hold, written as \x07
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value) if isinstance(value, str) \
            else value

    wb = Workbook()
    ws = wb.active
    ws.title = "rejected"
    ws.append(["行号 / row", "列 / column", "原因 / reason", "reason (en)", *table.header])
    ws.freeze_panes = "A2"
    cells = dict(table.rows)
    by_row: dict[int, list[RowIssue]] = {}
    for issue in report.errors:
        by_row.setdefault(issue.row, []).append(issue)
    for row in sorted(by_row):
        issues = by_row[row]
        ws.append([shown(v) for v in (row, "；".join(i.column for i in issues if i.column),
                   "；".join(i.reason("zh") for i in issues), "; ".join(i.reason("en") for i in issues),
                   *cells.get(row, []))])
    while True:
        target = free_path(table.path.with_name(f"{table.path.stem}.rejected.xlsx"))
        try:
            with open(target, "xb") as fh:  # exclusive: a file appearing meanwhile is never overwritten
                wb.save(fh)
            return target
        except FileExistsError:
            continue
