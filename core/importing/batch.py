"""New tickets written in batches: the rows, checks, timeline, audit and events of
:func:`gongzhi.core.services.requests.create_request`, :func:`~gongzhi.core.services.requests.transition`
and :func:`~gongzhi.core.services.requests.add_note`, at bulk speed (issue 17).

Going through the services costs about 21 ms a row on SQLite (an ORM unit of work, a
savepoint, a ref-counter upsert and an FTS5 trigger per row). Here, inside the import's
one transaction:

1. every new ticket is checked in Python with the services' own checks, in their order
   (:func:`gongzhi.core.services.base.fact_time`, ``choice``, ``require_text``, ``check_chars``,
   the category, place, reporter and lead organisation looked up once per id, the
   permission asked once per place and permission), so a row the services would refuse
   is refused with the same error; the ticket numbers are looked up again inside the
   transaction (a ticket imported meanwhile is ``request.duplicate_external_id``);
2. ref numbers come from the same counter (``ref_counter``), one upsert per year
   taking as many numbers as that year's tickets, handed out in file order — the
   numbers the services would have given;
3. the request rows, their timeline events (``created``, one ``transition`` per step,
   the reply's ``note``) and their audit records (``request.create``,
   ``request.transition`` with the snapshots before and after, ``request.note``,
   ``request.import`` with the file's name and sha256) are built as the services build
   them and written by the demo's bulk writer (:class:`gongzhi.core.demo.bulk.Inserter`: one
   converter per table, ``executemany`` on SQLite, ``COPY`` on PostgreSQL — ``INSERT``
   for a table under row-level security, which ``COPY`` does not support — and the hash
   chains of the timeline and the audit log linked as the ORM links them);
4. SQLite's search index is filled once for the new requests inside the transaction
   (:func:`gongzhi.core.demo.requests_bulk.search_index_filled_after`); PostgreSQL computes its
   search column itself; ``community_id`` is written from the place (the triggers of
   migration 0004 check it on both databases);
5. the events the services fire (``request_created``, ``request_status_changed``) are
   fired, in the same order, once the transaction has committed.

Ids: on SQLite the next free ids (writers are serialised by ``BEGIN IMMEDIATE``); on
PostgreSQL from the tables' own sequences (``nextval``), so concurrent writers never
collide. Tickets already imported (a new status, a new reply) go through the services
row by row, each in a savepoint, as before. A register's new residents are written the
same way (:func:`commit_people_batched`). ``tests/core/test_import_batch.py`` checks
that both paths leave the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from gongzhi.core import events
from gongzhi.core.db import Database
from gongzhi.core.demo.bulk import Inserter
from gongzhi.core.demo.requests_bulk import EVENT_COLUMNS, search_index_filled_after
from gongzhi.core.errors import DomainError
from gongzhi.core.importing.checks import Checks
from gongzhi.core.importing.reading import Table
from gongzhi.core.importing.requests import (
    ImportReport,
    Planned,
    RowIssue,
    _Abandon,
    _Cancelled,
    _write_row,
    check_rejected_writable,
    commit_with_rejected,
    import_record,
    reply_as_result,
)
from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import RefCounter, Request, RequestEvent
from gongzhi.core.models.types import local, utcnow
from gongzhi.core.models.vocab import TRANSITIONS, Channel, Priority, RequestType, Status
from gongzhi.core.services import requests as svc
from gongzhi.core.services.base import (
    Actor,
    check_chars,
    fact_time,
    optional_text,
    require_text,
)
from gongzhi.core.services.categories import sla_hours

CHUNK = 2000  # new tickets built and written at a time (progress and cancel between chunks)
_REQUEST_FIELDS = tuple(Request.model_fields)  # the order snapshot() gives
_EVENT_FIELDS = tuple(RequestEvent.model_fields)
_AUDIT_COLUMNS = ("id", "at", "actor", "action", "entity", "entity_id", "before", "after")
_ID = EVENT_COLUMNS.index("id")
assert (*EVENT_COLUMNS, "hash") == _EVENT_FIELDS  # an event list, its hash appended, reads as the model
# the statuses whose transition needs ``request.close`` (as in the services)
_CLOSING = svc._CLOSING


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def _check_new(c: Checks, p: Planned, kind: str, note: str) -> dict[str, Any]:
    """What :func:`create_request` (then each ``transition`` and the reply's ``add_note``)
    would check for this row, in their order; the values they would write."""
    at = fact_time(p.received_at)
    channel = c.choice(Channel, p.channel, "channel")
    type_ = c.choice(RequestType, kind, "type")
    priority = c.choice(Priority, "normal", "priority")
    title = require_text(p.title, "title", max_len=200)
    description = check_chars((p.description or "").strip(), "description")
    if len(description) > svc.DESCRIPTION_MAX:
        raise DomainError("request.description_too_long", max=svc.DESCRIPTION_MAX, length=len(description))
    category = c.category(p.category_id)
    place = c.place(p.place_id)
    c.allowed("request.create", place.id)
    if p.reporter_id is not None:
        c.person(p.reporter_id)
    lead = category.default_department_id
    if lead is not None:
        c.organisation(lead)
    external = optional_text(p.ticket, "external_id", max_len=60) or None
    created_note = c.note(note)
    result = reply_as_result(p)
    notes = []
    status = Status.submitted
    for i, step in enumerate(p.path, start=1):
        to = c.choice(Status, step.value, "status")
        c.allowed("request.close" if to in _CLOSING else "request.update", place.id)
        if to == Status.dispatched and to in TRANSITIONS[status]:
            raise DomainError("request.dispatch_required")
        if to not in TRANSITIONS[status]:  # never: the walk is legal by construction
            raise DomainError("request.illegal_transition", ref=p.ticket, from_status=status.value,
                              to_status=to.value, from_label=status.label("zh"), to_label=to.label("zh"),
                              from_label_en=status.label("en"), to_label_en=to.label("en"))
        notes.append(c.note(p.reply if result and i == len(p.path) else note))
        status = to
    reply_note = ""
    if p.reply and not result:
        c.allowed("request.update", place.id)
        reply_note = c.note(p.reply)
        if not reply_note:
            raise DomainError("input.required", field="public_note")
    return {"at": at, "channel": channel.value, "type": type_.value, "priority": priority.value, "title": title,
            "description": description, "category": category, "place": place, "lead": lead,
            "external": external, "created_note": created_note, "notes": notes, "reply_note": reply_note}


def _ids(ins: Inserter, table, n: int) -> list[int]:
    """``n`` new ids for ``table``: the next free ones on SQLite (the write lock is held),
    from the table's sequence on PostgreSQL."""
    if n == 0:
        return []
    if ins.dialect.name == "postgresql":
        rows = ins.session.execute(text(
            "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"), {"t": table.name, "n": n})
        return sorted(rows.scalars())
    return list(ins.take_ids(table, n))


def _take_refs(session: Session, years: list[int], prefix: str) -> list[str]:
    """Ref numbers for tickets of these years (in this order), from ``ref_counter``: one
    upsert per year, the numbers the services' ``next_ref`` would have given one by one."""
    counts: dict[int, int] = {}
    for y in years:
        counts[y] = counts.get(y, 0) + 1
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    nxt: dict[int, int] = {}
    for year, n in counts.items():
        stmt = (insert(RefCounter).values(prefix=prefix, year=year, last=n)
                .on_conflict_do_update(index_elements=["prefix", "year"], set_={"last": RefCounter.last + n})
                .returning(RefCounter.last))
        nxt[year] = session.execute(stmt).scalar_one() - n + 1
    refs = []
    for y in years:
        refs.append(f"{prefix}-{y}-{nxt[y]:06d}")
        nxt[y] += 1
    return refs


def commit_batched(db: Database, table: Table, report: ImportReport, actor: Actor, note: str, kind: str, *,
                   valid_only: bool = False, progress: Callable[[int, int], None] | None = None,
                   cancel: Callable[[], bool] | None = None) -> ImportReport:
    """Write the planned rows of ``report`` in one transaction: new tickets in batches,
    known ones through the services (see the module's doc). Same contract as
    :func:`gongzhi.core.importing.requests.run_import`."""
    return _in_one_transaction(
        db, table, report, valid_only, progress, cancel,
        lambda bulk, failed: _write_new(bulk, actor, table, report, note, kind, failed, valid_only, progress,
                                        cancel),
        lambda session, p: _write_row(session, actor, p, table, report, note, kind))


def _in_one_transaction(db: Database, table: Table, report: ImportReport, valid_only: bool,
                        progress: Callable[[int, int], None] | None, cancel: Callable[[], bool] | None,
                        write_new: Callable[[Session, list[RowIssue]], int],
                        write_known: Callable[[Session, Any], None]) -> ImportReport:
    """``write_new(session, failed)`` writes the new rows in batches (returning how many rows
    it has done); then ``write_known(session, planned)`` each known row in its savepoint."""
    if report.errors and not valid_only:
        return report
    if valid_only:
        check_rejected_writable(table)
    total = len(report.planned)
    try:
        with events.held(), db.write_engine.connect() as conn:
            outer = conn.begin()
            # the new tickets through a session of their own, whose savepoint is released before
            # the known tickets' rows open theirs (as in run_import, the services' session
            # begins inside each row's savepoint)
            bulk = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
            session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
            try:
                failed: list[RowIssue] = []
                try:
                    done = write_new(bulk, failed)
                    bulk.commit()
                finally:
                    bulk.close()
                for p in report.planned:
                    if p.existing_id is None:
                        continue
                    row = conn.begin_nested()
                    try:
                        with events.held():
                            write_known(session, p)
                            session.flush()
                            row.commit()
                    except DomainError as exc:
                        row.rollback()
                        session.expire_all()
                        failed.append(RowIssue(p.row, "", "", exc))
                    done += 1
                    if progress is not None:
                        progress(done, total)
                    if cancel is not None and cancel():
                        raise _Cancelled
                report.errors.extend(sorted(failed, key=lambda e: e.row))
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


def _write_new(session: Session, actor: Actor, table: Table, report: ImportReport, note: str, kind: str,
               failed: list[RowIssue], valid_only: bool, progress: Callable[[int, int], None] | None,
               cancel: Callable[[], bool] | None) -> int:
    """Check, then write, the rows of new tickets; returns how many rows are done."""
    new = [p for p in report.planned if p.existing_id is None]
    checks = Checks(session, actor)
    checks.preload("place", Place, (p.place_id for p in new))
    checks.preload("person", Person, (p.reporter_id for p in new))
    good: list[tuple[Planned, dict[str, Any]]] = []
    for p in new:
        try:
            good.append((p, _check_new(checks, p, kind, note)))
        except DomainError as exc:
            failed.append(RowIssue(p.row, "", "", exc))
    # a ticket imported since the dry run (another import, a clerk): refused as the service refuses it
    keys = [(p.channel, v["external"]) for p, v in good if v["external"] is not None]
    known: dict[tuple[str, str], str] = {}
    for i in range(0, len(keys), 500):
        stmt = select(Request.channel, Request.external_id, Request.ref).where(
            tuple_(Request.channel, Request.external_id).in_(keys[i:i + 500]))
        for ch, ext, ref in session.execute(stmt):
            known[(ch, ext)] = ref
    if known:
        kept = []
        for p, v in good:
            ref = known.get((p.channel, v["external"]))
            if ref is None:
                kept.append((p, v))
            else:
                failed.append(RowIssue(p.row, "", "", DomainError(
                    "request.duplicate_external_id", external_id=v["external"], ref=ref)))
        good = kept
    done = len(new) - len(good)
    if failed and not valid_only:
        return done  # nothing to write: the import is abandoned
    if not good:
        return done

    ins = Inserter(session)
    refs = _take_refs(session, [local(v["at"]).year for _, v in good], svc.DEFAULT_REF_PREFIX)
    file_record = {"file": table.path.name}
    with search_index_filled_after(ins):
        for start in range(0, len(good), CHUNK):
            chunk = good[start:start + CHUNK]
            _write_chunk(ins, actor, table, chunk, refs[start:start + CHUNK], file_record)
            done += len(chunk)
            report.created += len(chunk)
            if progress is not None:
                progress(done, len(report.planned))
            if cancel is not None and cancel():
                raise _Cancelled
    return done


def _write_chunk(ins: Inserter, actor: Actor, table: Table, chunk: list[tuple[Planned, dict[str, Any]]],
                 refs: list[str], file_record: dict[str, Any]) -> None:
    name = actor.name
    request_ids = _ids(ins, Request.__table__, len(chunk))
    requests: list[dict[str, Any]] = []
    evs: list[list] = []
    # per row: its request's snapshots (after create, before/after each step) and its events' positions
    plans: list[tuple[Planned, dict, list[tuple[dict, dict]], list[int], int | None]] = []
    fired: list[tuple[str, dict[str, Any]]] = []
    now = utcnow()  # the time of the steps and audit records of this chunk (the services' "now")
    for (p, v), rid, ref in zip(chunk, request_ids, refs, strict=True):
        at, category, place = v["at"], v["category"], v["place"]
        row = {
            "id": rid, "ref": ref, "channel": v["channel"], "external_id": v["external"], "type": v["type"],
            "category_id": category.id, "title": v["title"], "description": v["description"],
            "place_id": place.id, "community_id": place.community_id, "reporter_id": p.reporter_id,
            "anonymous": False, "priority": v["priority"], "status": Status.submitted.value,
            "lead_org_id": v["lead"], "duplicate_of_id": None, "created_at": at, "created_by": name,
            "due_at": at + timedelta(hours=sla_hours(category, Priority(v["priority"]))),
            "first_response_at": None, "resolved_at": None, "closed_at": None, "updated_at": at,
        }
        snap = {k: _iso(row[k]) for k in _REQUEST_FIELDS}
        created = snap
        positions = [len(evs)]
        evs.append([0, rid, at, name, "created", None, None, v["created_note"], "",
                    {"channel": v["channel"], "external_id": v["external"]}])
        fired.append((events.REQUEST_CREATED, {"request_id": rid, "actor": name}))
        steps: list[tuple[dict, dict]] = []
        now_iso = now.isoformat()
        for step, step_note in zip(p.path, v["notes"], strict=True):
            current = row["status"]
            before = snap
            row["status"] = step.value
            row["updated_at"] = now
            changes = {"status": step.value, "updated_at": now_iso}
            if current == Status.submitted.value and row["first_response_at"] is None:
                row["first_response_at"] = now
                changes["first_response_at"] = now_iso
            if step in (Status.resolved, Status.answered):
                row["resolved_at"] = now
                changes["resolved_at"] = now_iso
            elif step == Status.closed:
                row["closed_at"] = now
                changes["closed_at"] = now_iso
            elif step == Status.in_progress and current in (Status.resolved.value, Status.closed.value):
                row["resolved_at"] = row["closed_at"] = None
                changes["resolved_at"] = changes["closed_at"] = None
            snap = {**before, **changes}
            steps.append((before, snap))
            positions.append(len(evs))
            evs.append([0, rid, now, name, "transition", current, step.value, step_note, "", None])
            fired.append((events.REQUEST_STATUS_CHANGED, {"request_id": rid, "from_status": current,
                                                          "to_status": step.value, "actor": name}))
        note_at = None
        if v["reply_note"]:
            note_at = len(evs)
            evs.append([0, rid, now, name, "note", None, None, v["reply_note"], "", {"source": "import", **file_record}])
        requests.append(row)
        plans.append((p, created, steps, positions, note_at))

    for ev, eid in zip(evs, _ids(ins, RequestEvent.__table__, len(evs)), strict=True):
        ev[_ID] = eid
    ins.insert(Request.__table__, requests)
    ins.insert(RequestEvent.__table__, evs, columns=EVENT_COLUMNS)  # appends each event's hash

    audits: list[dict[str, Any]] = []
    for p, created, steps, _positions, note_at in plans:
        rid = created["id"]
        audits.append({"at": now, "actor": name, "action": "request.create", "entity": "request", "entity_id": rid,
                       "before": None, "after": created | {"attachments": []}})
        for before, after in steps:
            audits.append({"at": now, "actor": name, "action": "request.transition", "entity": "request",
                           "entity_id": rid, "before": before, "after": after})
        if note_at is not None:
            ev = evs[note_at]
            snap = {k: _iso(x) for k, x in zip(_EVENT_FIELDS, ev, strict=True)}
            audits.append({"at": now, "actor": name, "action": "request.note", "entity": "request_event",
                           "entity_id": ev[_ID], "before": None, "after": snap})
        audits.append({"at": now, "actor": name, "action": "request.import", "entity": "request", "entity_id": rid,
                       "before": None, "after": import_record(table, p)})
    for row, aid in zip(audits, _ids(ins, AuditLog.__table__, len(audits)), strict=True):
        row["id"] = aid
    ins.insert(AuditLog.__table__, [{k: r[k] for k in _AUDIT_COLUMNS} for r in audits])
    events.fire_all(fired)


# -- residents (core.importing.people) ---------------------------------------------------------


def commit_people_batched(db: Database, table: Table, report: ImportReport, actor: Actor, *,
                          valid_only: bool = False, progress: Callable[[int, int], None] | None = None,
                          cancel: Callable[[], bool] | None = None) -> ImportReport:
    """The register's new residents in batches, with :func:`gongzhi.core.services.people.create_person`'s
    checks (in its order), rows and audit record (``person.create``, personal numbers
    masked; ``person.import`` with the file's name and sha256); people already registered
    are ``unchanged``. Same contract as :func:`gongzhi.core.importing.requests.run_import`."""

    def known(_session: Session, _p) -> None:
        report.unchanged += 1

    return _in_one_transaction(
        db, table, report, valid_only, progress, cancel,
        lambda bulk, failed: _write_new_people(bulk, actor, table, report, failed, valid_only, progress, cancel),
        known)


def _write_new_people(session: Session, actor: Actor, table: Table, report: ImportReport,
                      failed: list[RowIssue], valid_only: bool, progress: Callable[[int, int], None] | None,
                      cancel: Callable[[], bool] | None) -> int:
    from gongzhi.core.models.vocab import Gender
    from gongzhi.core.pinyin import search_keys
    from gongzhi.core.services import people as people_svc
    from gongzhi.core.validation import normalise_id_number, normalise_phone

    new = [p for p in report.planned if p.existing_id is None]
    checks = Checks(session, actor)
    checks.preload("place", Place, (p.household_id for p in new))
    # ID numbers registered meanwhile: refused as the service refuses them
    taken: dict[str, str] = {}
    numbers = sorted({p.id_number for p in new if p.id_number})
    for i in range(0, len(numbers), 500):
        for number, name in session.execute(select(Person.id_number, Person.name).where(
                Person.id_number.in_(numbers[i:i + 500]))):
            taken[number] = name
    good: list[tuple[Any, Person]] = []
    now = utcnow()
    for p in new:
        try:
            checks.allowed("person.create", p.household_id)
            name = require_text(p.name, "name", max_len=50)
            phone = normalise_phone(p.phone)
            id_number = normalise_id_number(p.id_number)
            if id_number is not None and id_number in taken:
                raise DomainError("person.duplicate_id_number", name=taken[id_number])
            gender = checks.choice(Gender, p.gender, "gender").value
            birth = people_svc._birth_year(p.birth_year)
            household = None
            if p.household_id is not None:
                place = checks.place(p.household_id)
                if place.kind != "household":
                    raise DomainError("person.household_required")
                household = place.id
            notes = optional_text(p.notes, "notes", max_len=2000)
        except DomainError as exc:
            failed.append(RowIssue(p.row, "", "", exc))
            continue
        good.append((p, Person(name=name, gender=gender, birth_year=birth, phone=phone,
                               phone_tail=phone[-4:] if phone else None, id_number=id_number,
                               household_id=household, notes=notes, search_keys=search_keys(name),
                               created_at=now, updated_at=now)))
    done = len(new) - len(good)
    if (failed and not valid_only) or not good:
        return done
    ins = Inserter(session)
    columns = tuple(c.name for c in Person.__table__.columns)
    for start in range(0, len(good), CHUNK):
        chunk = good[start:start + CHUNK]
        people = []
        for (_p, person), pid in zip(chunk, _ids(ins, Person.__table__, len(chunk)), strict=True):
            person.id = pid
            people.append({c: getattr(person, c) for c in columns})
        ins.insert(Person.__table__, people)
        audits = []
        for p, person in chunk:
            audits.append({"at": now, "actor": actor.name, "action": "person.create", "entity": "person",
                           "entity_id": person.id, "before": None,
                           "after": people_svc._audit_view(person) | {"care_tags": []}})
            audits.append({"at": now, "actor": actor.name, "action": "person.import", "entity": "person",
                           "entity_id": person.id, "before": None,
                           "after": {"file": table.path.name, "sha256": table.sha256, "row": p.row}})
        for row, aid in zip(audits, _ids(ins, AuditLog.__table__, len(audits)), strict=True):
            row["id"] = aid
        ins.insert(AuditLog.__table__, [{k: r[k] for k in _AUDIT_COLUMNS} for r in audits])
        done += len(chunk)
        report.created += len(chunk)
        if progress is not None:
            progress(done, len(report.planned))
        if cancel is not None and cancel():
            raise _Cancelled
    return done
