"""Exports: the filtered list to CSV, never overwriting, cancellable, audited."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.models.audit import AuditLog
from core.services import exports
from core.services.requests import RequestFilter
from tests.core.helpers import build_world, count_rows, new_request


def _rows(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_export_writes_the_filtered_requests_and_is_audited(db, actor, tmp_path):
    w = build_world(db, actor)
    a = new_request(db, actor, w, title="东门小门太窄")
    new_request(db, actor, w, title="垃圾堆积")
    target = tmp_path / "out.csv"
    with db.session() as s:
        result = exports.export_requests(s, actor=actor, path=target, flt=RequestFilter(text="小门"))
    assert (result.rows, result.total, result.cancelled) == (1, 1, False)
    rows = _rows(target)
    assert rows[0][:3] == ["编号", "状态", "渠道"]
    assert [r[0] for r in rows[1:]] == [a.ref]
    assert rows[1][1] == "已登记" and rows[1][6] == "东门小门太窄"
    with db.read_session() as s:
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "request.export"))
    assert entry.after["rows"] == 1 and entry.after["path"] == str(target)


def test_english_headers_and_no_personal_numbers(db, actor, tmp_path):
    w = build_world(db, actor)
    new_request(db, actor, w, reporter_id=w.people["zhang"].id)
    target = tmp_path / "en.csv"
    with db.session() as s:
        exports.export_requests(s, actor=actor, path=target, lang="en")
    text = target.read_text(encoding="utf-8-sig")
    assert text.startswith("ref,status,channel")
    with db.read_session() as s:
        from core.services.people import get_person

        phone = get_person(s, w.people["zhang"].id).phone
    assert phone and phone not in text and phone[-4:] not in text


def test_an_existing_file_is_never_overwritten(db, actor, tmp_path):
    w = build_world(db, actor)
    new_request(db, actor, w)
    target = tmp_path / "keep.csv"
    target.write_text("mine", encoding="utf-8")
    before = count_rows(db)
    with db.session() as s, pytest.raises(DomainError) as exc:
        exports.export_requests(s, actor=actor, path=target)
    assert exc.value.code == "export.exists" and "不会覆盖" in exc.value.message("zh")
    assert target.read_text(encoding="utf-8") == "mine"
    assert count_rows(db) == before
    with db.session() as s, pytest.raises(DomainError) as exc:
        exports.export_requests(s, actor=actor, path=tmp_path / "missing" / "x.csv")
    assert exc.value.code == "export.no_folder"


def test_a_cancelled_export_leaves_no_file(db, actor, tmp_path, monkeypatch):
    w = build_world(db, actor)
    for i in range(5):
        new_request(db, actor, w, title=f"诉求{i}")
    monkeypatch.setattr(exports, "BATCH", 2)
    seen = []
    target = tmp_path / "never.csv"
    before = count_rows(db)
    with db.session() as s:
        result = exports.export_requests(
            s, actor=actor, path=target, progress=lambda done, total: seen.append((done, total)),
            cancelled=lambda: len(seen) >= 1,
        )
    assert result.cancelled and result.path is None
    assert seen == [(2, 5)]
    assert not target.exists() and not list(tmp_path.glob(".never.csv*"))
    assert count_rows(db) == before  # nothing audited for an export that did not happen


def test_xlsx_export_has_a_frozen_header_widths_and_the_filtered_rows(db, actor, tmp_path):
    from openpyxl import load_workbook

    w = build_world(db, actor)
    a = new_request(db, actor, w, title="东门小门太窄", reporter_id=w.people["zhang"].id)
    new_request(db, actor, w, title="垃圾堆积")
    target = tmp_path / "out.xlsx"
    (tmp_path / "keep.xlsx").write_bytes(b"mine")
    with db.session() as s:
        result = exports.export_requests(s, actor=actor, path=target, flt=RequestFilter(text="小门"))
        with pytest.raises(DomainError) as info:
            exports.export_requests(s, actor=actor, path=tmp_path / "keep.xlsx")
    assert info.value.code == "export.exists" and (tmp_path / "keep.xlsx").read_bytes() == b"mine"
    assert result.rows == 1
    ws = load_workbook(target).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "状态", "渠道")
    assert [r[0] for r in rows[1:]] == [a.ref]
    assert rows[1][6] == "东门小门太窄" and rows[1][9] == "张晓明"
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["G"].width == 36
    assert not list(tmp_path.glob(".*.part"))
