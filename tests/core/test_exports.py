"""Exports: the filtered list to CSV, never overwriting, cancellable, audited."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from gongzhi.core.errors import DomainError
from gongzhi.core.models.audit import AuditLog
from gongzhi.core.services import exports
from gongzhi.core.services.requests import RequestFilter
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
        from gongzhi.core.services.people import get_person

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


# Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): the fields of a service and
# of a service request, as the specification lists them
GEOREPORT_SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
GEOREPORT_REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}


def test_open311_documents_have_georeport_fields_and_no_personal_numbers(db, actor, tmp_path, capsys):
    import json
    from datetime import datetime

    from gongzhi.core.cli import main
    from gongzhi.core.services.open311 import export_open311
    from tests.core.helpers import move

    w = build_world(db, actor)
    open_one = new_request(db, actor, w, title="路灯不亮", description="联系电话13812345678，身份证120113198001011234")
    done = new_request(db, actor, w, title="垃圾堆积", place_id=w.compounds[1].id)
    move(db, actor, done.id, "accepted", "in_progress", "resolved")
    target = tmp_path / "requests.json"
    with db.session() as s:
        result = export_open311(s, actor=actor, path=target, lang="en")
    assert (result.requests, result.services_path.name) == (2, "requests.services.json")
    requests = json.loads(target.read_text(encoding="utf-8"))
    services = json.loads(result.services_path.read_text(encoding="utf-8"))
    assert all(set(r) == GEOREPORT_REQUEST_FIELDS for r in requests)
    assert services and all(set(s) == GEOREPORT_SERVICE_FIELDS for s in services)
    assert {s["service_code"] for s in services} >= {"lighting"}
    by_ref = {r["service_request_id"]: r for r in requests}
    first, second = by_ref[open_one.ref], by_ref[done.ref]
    assert (first["status"], second["status"]) == ("open", "closed")
    assert (first["status_notes"], second["status_notes"]) == ("submitted", "resolved")
    assert first["service_code"] == "lighting" and first["service_name"] == "street lighting"
    assert "13812345678" not in first["description"] and "138****5678" in first["description"]
    assert "120113198001011234" not in first["description"] and "120***********1234" in first["description"]
    assert first["address"] == "青源街道 / 盛康社区 / 盛康园" and first["address_id"] == str(w.compounds[0].id)
    assert datetime.fromisoformat(first["requested_datetime"]).utcoffset().total_seconds() == 8 * 3600
    assert first["lat"] is None and first["media_url"] is None
    assert "张晓明" not in target.read_text(encoding="utf-8")  # no reporter
    # never overwritten, from the CLI too: refused in words, nothing written
    before = count_rows(db)
    code = main(["--db", db.url, "request", "export", "-o", str(target)])
    _out, err = capsys.readouterr()
    assert code == 1 and "已存在" in err
    assert count_rows(db) == before
    code = main(["--db", db.url, "--lang", "en", "request", "export", "-o", str(tmp_path / "open.json"),
                 "--status", "resolved"])
    out, _err = capsys.readouterr()
    assert code == 0 and "exported 1 requests as Open311" in out
    assert [r["service_request_id"] for r in json.loads((tmp_path / "open.json").read_text())] == [done.ref]


def test_the_overdue_list_and_the_three_rates_as_word_documents(db, actor, tmp_path, capsys, monkeypatch):
    from datetime import timedelta

    from docx import Document

    from gongzhi.core.cli import main
    from gongzhi.core.models.types import utcnow

    w = build_world(db, actor)
    late = new_request(db, actor, w, title="楼道灯坏了", at=utcnow() - timedelta(days=30))
    new_request(db, actor, w, title="刚登记的", place_id=w.compounds[1].id)
    target = tmp_path / "overdue.docx"
    with db.session() as s:
        result = exports.export_requests(s, actor=actor, path=target, flt=RequestFilter(overdue=True))
    assert result.rows == 1
    doc = Document(str(target))
    assert doc.paragraphs[0].text == "超期诉求清单"
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["编号", "状态", "类别", "标题", "地点", "社区", "登记时间",
                                                     "办理时限", "超期"]
    assert [[c.text for c in r.cells][:4] for r in table.rows[1:]] == [[late.ref, "已登记", "照明设施", "楼道灯坏了"]]
    assert table.rows[1].cells[-1].text == "是"
    # a list too long for Word: refused before anything is written
    monkeypatch.setattr(exports, "DOCX_LIMIT", 1)
    with db.session() as s, pytest.raises(DomainError) as caught:
        exports.export_requests(s, actor=actor, path=tmp_path / "all.docx")
    assert caught.value.code == "export.too_long_for_word" and not (tmp_path / "all.docx").exists()

    rates = tmp_path / "rates.docx"
    code = main(["--db", db.url, "stats", "rates", "--docx", str(rates)])
    out, err = capsys.readouterr()
    assert code == 0, err
    doc = Document(str(rates))
    assert doc.paragraphs[0].text == "三率统计"
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert rows[0] == ["分组", "受理", "响应率", "解决率", "满意率", "综合"]
    assert {r[0] for r in rows[1:]} == {"盛康社区", "荣雅社区"}
    code = main(["--db", db.url, "stats", "rates", "--docx", str(rates)])  # never overwritten
    _out, err = capsys.readouterr()
    assert code == 1 and "已存在" in err


def _text_of(path) -> str:
    """Every cell of a .csv, .xlsx or .docx export, as one text."""
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        return "\n".join(str(c) for row in load_workbook(path).active.iter_rows(values_only=True) for c in row)
    if path.suffix == ".docx":
        from docx import Document

        return "\n".join(c.text for t in Document(str(path)).tables for row in t.rows for c in row.cells)
    return path.read_text(encoding="utf-8-sig")


def test_no_personal_data_in_an_export_made_by_a_viewer(db, actor, tmp_path, capsys):
    """Issue 15: the reporter's name, and phone or ID numbers typed into a title, reach an
    export only for a role that may export personal data and when asked for."""
    from gongzhi.core.cli import main
    from gongzhi.core.services import operators as op_svc

    w = build_world(db, actor)
    new_request(db, actor, w, title="13812345678 来电：路灯不亮", reporter_id=w.people["zhang"].id)
    # the CLI (here the local operator, a street administrator) strips it unless --personal
    assert main(["--db", db.url, "request", "export", "-o", str(tmp_path / "cli.csv")]) == 0
    assert "张晓明" not in (tmp_path / "cli.csv").read_text(encoding="utf-8-sig")
    assert main(["--db", db.url, "request", "export", "--personal", "-o", str(tmp_path / "cli-full.csv")]) == 0
    assert "张晓明" in (tmp_path / "cli-full.csv").read_text(encoding="utf-8-sig")
    capsys.readouterr()
    with db.session() as s:
        op_svc.create_operator(s, actor=actor, login="view", display_name="只读", password="password 123")
        op_svc.grant_role(s, actor=actor, login="view", role="viewer", place_id=w.street.id)
        viewer = op_svc.actor_of(s, op_svc.get_operator(s, "view"))

    def exported(who, name, **kw) -> str:
        with db.session() as s:
            exports.export_requests(s, actor=who, path=tmp_path / name, **kw)
        return (tmp_path / name).read_text(encoding="utf-8-sig")

    for name in ("viewer.csv", "viewer.xlsx", "viewer.docx"):
        with db.session() as s:
            exports.export_requests(s, actor=viewer, path=tmp_path / name)
        text = _text_of(tmp_path / name)
        assert "张晓明" not in text and "13812345678" not in text, name
        assert "138****5678 来电：路灯不亮" in text, name
        assert "（已隐去）" in text or name.endswith(".docx"), name  # the printable table has no reporter column
    with db.session() as s, pytest.raises(DomainError) as info:  # asking for it does not help
        exports.export_requests(s, actor=viewer, path=tmp_path / "asked.csv", personal=True)
    assert info.value.code == "permission.denied" and not (tmp_path / "asked.csv").exists()
    assert "张晓明" not in exported(actor, "admin-stripped.csv", personal=False)
    full = exported(actor, "admin.csv", personal=True)  # a street administrator who asks
    assert "张晓明" in full and "13812345678" in full
