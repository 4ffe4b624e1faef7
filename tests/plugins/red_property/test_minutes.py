"""The minutes of a joint meeting, on SQLite and PostgreSQL: the .docx opened back with
python-docx and its tables read (particulars, attendance by body with a
cross-appointed person once, the follow-up of earlier actions, resolutions with
owners and deadlines, the vote count by body), the same content in Markdown, the
draft mark, addenda after close, and an existing file never overwritten."""

from __future__ import annotations

from datetime import date

import pytest
from docx import Document

from gongzhi.plugins.red_property import services as svc
from gongzhi.plugins.red_property.minutes import (
    build_minutes,
    to_markdown,
    write_all_minutes,
    write_minutes,
    write_month_minutes,
)
from tests.plugins.red_property.conftest import at, new_request, open_meeting


def _two_meetings(site, street, actor) -> tuple[int, int, int]:
    """January: a resolution whose action is still open in February. February: the
    property company's staff member 周师傅 (also on the owners' committee) attends for
    the property company; a resolution by vote; closed, then an addendum."""
    db = site.db
    m1 = open_meeting(db, actor, street, at(2026, 1, 8))
    with db.session() as s:
        item = svc.add_agenda_item(s, actor=actor, meeting_id=m1, title="地下室积水")
        svc.add_resolution(s, actor=actor, agenda_item_id=item.id, text="物业抽排地下室积水并修复排水泵",
                           responsible_org_id=street.prop, responsible_person_id=street.sun, deadline=date(2026, 1, 31))
        svc.close_meeting(s, actor=actor, meeting_id=m1, at=at(2026, 1, 8, 11))
        [a1] = [a.id for a in svc.action_items_of(s, meeting_id=m1)]
        svc.start_action(s, actor=actor, action_item_id=a1, note="排水泵配件已订购", at=at(2026, 1, 12))
    rid = new_request(db, actor, street.compound, title="3号楼电梯停运", when=at(2026, 2, 1))

    with db.session() as s:
        m2 = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 2, 5),
                                chair_id=street.wang, secretary_id=street.li, location="荣雅园物业办公室")
        for person, body in ((street.wang, street.party), (street.li, street.rc), (street.zhao, street.owners),
                             (street.sun, street.prop), (street.zhou, street.prop)):
            svc.check_in(s, actor=actor, meeting_id=m2.id, person_id=person, organisation_id=body,
                         at=at(2026, 2, 5, 8))
        svc.open_meeting(s, actor=actor, meeting_id=m2.id, at=at(2026, 2, 5))
        item = svc.add_agenda_item(s, actor=actor, meeting_id=m2.id, request_id=rid)
        svc.update_agenda_item(s, actor=actor, agenda_item_id=item.id, discussion="物业称主板需更换，业委会同意动用维修资金")
        svc.add_resolution(s, actor=actor, agenda_item_id=item.id, text="更换3号楼电梯主板", decided_by="vote",
                           votes={street.party: (1, 0, 0), street.rc: (1, 0, 0), street.owners: (1, 0, 0),
                                  street.prop: (1, 0, 1)},
                           responsible_org_id=street.prop, responsible_person_id=street.zhou,
                           deadline=date(2026, 2, 28))
        svc.close_meeting(s, actor=actor, meeting_id=m2.id, at=at(2026, 2, 5, 11))
        svc.add_addendum(s, actor=actor, meeting_id=m2.id, text="周师傅为物业维修班长", refers_to="出席名单")
    return m1, m2.id, a1


def _cells(table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def test_the_docx_opened_back_holds_its_tables(site, street, actor, tmp_path):
    _, m2, _ = _two_meetings(site, street, actor)
    path = tmp_path / "纪要.docx"
    with site.db.read_session() as s:
        assert write_minutes(s, m2, path, fmt="docx") == path
    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2026-02-05 荣雅园红色物业联席会议纪要" in text
    for heading in ("一、出席情况", "二、上次决议落实情况", "三、议题及讨论情况", "四、会议决议", "五、落实事项", "六、会后补记"):
        assert heading in text, heading
    assert "缺席组织" not in text and "应到组织全部出席" in text
    assert "更正出席名单：周师傅为物业维修班长" in text
    assert "主持人（签字）" in text and "草稿" not in text
    fields, attendance, follow, resolutions, votes, actions = (_cells(t) for t in doc.tables)
    assert dict(fields[1:])["主持人"] == "王书记" and dict(fields[1:])["记录人"] == "李委员"
    assert dict(fields[1:])["会议地点"] == "荣雅园物业办公室"
    assert "实到 4 个；出席 5 人" in dict(fields[1:])["法定组织"]
    # attendance by body: each person once, under the body they attended for, other posts noted
    assert attendance[0] == ["参会组织", "类别", "出席人员（职务）", "人数"]
    by_body = {row[0]: row for row in attendance[1:]}
    assert list(by_body) == ["荣雅园社区党委", "荣雅园社区居委会", "荣雅园业主委员会", "荣雅园物业服务中心"]
    assert by_body["荣雅园社区党委"][2] == "王书记（书记；兼任荣雅园社区居委会主任）"
    assert by_body["荣雅园业主委员会"][2] == "赵主任（主任委员；兼任荣雅园社区党委党员）"
    assert by_body["荣雅园物业服务中心"][2].startswith("孙经理（") and "周师傅（" in by_body["荣雅园物业服务中心"][2]
    assert "周师傅（工作人员；兼任荣雅园业主委员会委员）" in by_body["荣雅园物业服务中心"][2]
    assert [row[3] for row in attendance[1:]] == ["1", "1", "1", "2"]
    assert sum("周师傅" in cell for row in attendance for cell in row) == 1  # counted once
    # the follow-up of the January action, as it stood at the close
    assert follow[0][:2] == ["序号", "事项"] and follow[0][-2:] == ["落实状态", "落实情况"]
    assert follow[1] == ["1", "物业抽排地下室积水并修复排水泵", "2026-01-08", "荣雅园物业服务中心", "孙经理", "2026-01-31",
                         "已超期", "排水泵配件已订购"]  # in progress, past its deadline at the close
    assert resolutions[1] == ["1", "议题1", "更换3号楼电梯主板", "表决", "荣雅园物业服务中心", "周师傅", "2026-02-28"]
    assert votes[0] == ["决议", "参会组织", "赞成", "反对", "弃权"]
    assert votes[1:] == [["决议1", "荣雅园社区党委", "1", "0", "0"], ["决议1", "荣雅园社区居委会", "1", "0", "0"],
                         ["决议1", "荣雅园业主委员会", "1", "0", "0"], ["决议1", "荣雅园物业服务中心", "1", "0", "1"],
                         ["决议1", "合计", "4", "0", "1"]]
    assert actions[1][1] == "更换3号楼电梯主板" and actions[1][-1].startswith("QY-")
    # printable: A4 and bordered tables whose header row repeats on each page
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert all(t.style.name == "Table Grid" for t in doc.tables)
    assert all(t.rows[0]._tr.trPr is not None and "tblHeader" in t.rows[0]._tr.trPr.xml for t in doc.tables)
    assert "PAGE" in section.footer.paragraphs[0]._p.xml


def test_the_markdown_says_the_same_and_an_existing_file_is_kept(site, street, actor, tmp_path):
    m1, m2, _ = _two_meetings(site, street, actor)
    with site.db.read_session() as s:
        md = to_markdown(build_minutes(s, m2))
        path = write_minutes(s, m2, tmp_path / "m.md", fmt="md")
        assert path.read_text(encoding="utf-8") == md
        with pytest.raises(FileExistsError):
            write_minutes(s, m1, path, fmt="md")
        assert path.read_text(encoding="utf-8") == md
        first = to_markdown(build_minutes(s, m1))
        everything = write_all_minutes(s, tmp_path / "all.md").read_text(encoding="utf-8")
    assert everything.index("2026-01-08 荣雅园") < everything.index("2026-02-05 荣雅园")
    assert "| 荣雅园物业服务中心 | 物业企业 | 孙经理（负责人）、周师傅（" in md
    assert "| 决议1 | 合计 | 4 | 0 | 1 |" in md
    assert "| 1 | 物业抽排地下室积水并修复排水泵 | 2026-01-08 |" in md
    assert "讨论情况：物业称主板需更换，业委会同意动用维修资金" in md
    assert "来源：居民诉求 QY-" in md and "（电梯）3号楼电梯停运" in md
    assert "## 六、会后补记" in md and "六、" not in first  # no addenda, no section
    assert "无需跟进的前次决议事项" in first  # the first meeting had nothing to follow up
    assert not list(tmp_path.glob(".*.part"))


def test_a_draft_meeting_is_marked_and_absent_bodies_named(site, street, actor):
    with site.db.session() as s:
        m = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 3, 5))
        svc.check_in(s, actor=actor, meeting_id=m.id, person_id=street.wang, organisation_id=street.party)
        md = to_markdown(build_minutes(s, m.id))
    assert "本纪要为草稿" in md
    assert "缺席组织：荣雅园社区居委会、荣雅园业主委员会、荣雅园物业服务中心" in md
    assert "| 荣雅园业主委员会 | 业委会 | 缺席 | 0 |" in md


def test_the_lookups_the_command_line_and_the_minutes_use(site, street, actor):
    from gongzhi.core.errors import DomainError

    with site.db.session() as s:
        m = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 3, 5))
        titled = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 3, 20),
                                    kind="extraordinary", title="荣雅园电梯专题会")
        assert svc.find_meeting(s, str(m.id)).id == m.id
        assert svc.find_meeting(s, "2026-03-05 荣雅园红色物业联席会议").id == m.id
        assert svc.find_meeting(s, "荣雅园电梯专题会").id == titled.id
        svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 3, 5, 15))
        with pytest.raises(DomainError) as exc:  # two meetings now share that label
            svc.find_meeting(s, "2026-03-05 荣雅园红色物业联席会议")
        assert exc.value.code == "redprop.meeting_not_found"
        # the posts a cross-appointed person holds on a day, oldest first; an ended one is gone
        assert svc.posts_on(s, street.former, date(2026, 3, 5)) == []
        assert [o.id for _, o in svc.posts_on(s, street.former, date(2025, 1, 1))] == [street.owners]
        assert [(p.role, o.id) for p, o in svc.posts_on(s, street.zhou, date(2026, 3, 5))] == [
            ("staff", street.prop), ("member", street.owners)]


def test_a_months_minutes_in_one_file_and_nothing_of_other_months(site, street, actor, tmp_path):
    """February's two closed meetings (a monthly one and an extraordinary one) in one .docx,
    each on its own pages, oldest first; January's and a February draft are not in it; an
    empty month, an impossible month and an existing file are refused, and nothing is left."""
    from gongzhi.core.errors import DomainError

    m1, m2, _ = _two_meetings(site, street, actor)
    db = site.db
    with db.session() as s:
        extra = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 2, 20),
                                   kind="extraordinary", title="电梯停运临时联席会议")
        for person, body in ((street.wang, street.party), (street.li, street.rc), (street.zhao, street.owners),
                             (street.sun, street.prop)):
            svc.check_in(s, actor=actor, meeting_id=extra.id, person_id=person, organisation_id=body,
                         at=at(2026, 2, 20, 8))
        svc.open_meeting(s, actor=actor, meeting_id=extra.id, at=at(2026, 2, 20))
        svc.close_meeting(s, actor=actor, meeting_id=extra.id, at=at(2026, 2, 20, 11))
        draft = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 2, 27))
        labels = {mid: svc.meeting_label(s, svc.get_meeting(s, mid)) for mid in (m1, m2, extra.id, draft.id)}
    out = tmp_path / "out"
    out.mkdir()
    path = out / "二月纪要.docx"
    with db.read_session() as s:
        assert write_month_minutes(s, 2026, 2, path) == path
    doc = Document(str(path))
    titles = [p.text for p in doc.paragraphs if p.style.name == "Title"]
    assert titles == [f"{labels[m2]}纪要", f"{labels[extra.id]}纪要"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert labels[m1] not in text and labels[draft.id] not in text
    breaks = sum(1 for p in doc.paragraphs for r in p.runs if 'w:br w:type="page"' in r._r.xml)
    assert breaks == 1  # the second meeting starts on a new page
    md = out / "二月纪要.md"
    with db.read_session() as s:
        write_month_minutes(s, 2026, 2, md, fmt="md")
    assert md.read_text(encoding="utf-8").count("纪要\n") >= 2
    with db.read_session() as s:
        with pytest.raises(FileExistsError):
            write_month_minutes(s, 2026, 2, path)
        with pytest.raises(DomainError) as empty:
            write_month_minutes(s, 2026, 3, out / "三月.docx")
        assert empty.value.code == "redprop.no_meetings_in_month"
        assert "2026-03 没有已结束的联席会议" in empty.value.message("zh")
        with pytest.raises(DomainError):
            write_month_minutes(s, 2026, 13, out / "十三月.docx")
    assert sorted(p.name for p in out.iterdir()) == ["二月纪要.docx", "二月纪要.md"]
