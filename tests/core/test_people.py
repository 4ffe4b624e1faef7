"""People: pinyin search (initials, full, any surname reading), phone search, renames,
ranking; masking of personal numbers; care tags."""

from __future__ import annotations

import pytest

from gongzhi.core.pinyin import name_readings, normalise_query, search_keys
from gongzhi.core.services import Actor
from gongzhi.core.services import people as people_svc
from tests.core.helpers import SAMPLE_ID_NUMBER, build_world, fresh_database, make_id_number


def _people(db, actor):
    """A handful of residents whose names exercise the search."""
    w = build_world(db, actor)  # 张晓明 138…5678, 李四 139…1111, 王五
    with db.session() as s:
        made = {
            name: people_svc.create_person(s, actor=actor, name=name, phone=phone)
            for name, phone in [
                ("单田芳", "13600001234"),
                ("曾国藩", "13700005678"),
                ("张晓", None),
                ("张晓明明", None),
                ("邹小梅", "15800009999"),
                ("欧阳修", None),
            ]
        }
    made["张晓明"] = w.people["zhang"]
    made["李四"] = w.people["li"]
    return made


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def searchable(request, tmp_path_factory):
    """For the read-only search tests: one set of residents per backend."""
    with fresh_database(request, request.param, tmp_path_factory.mktemp("people")) as db:
        _people(db, Actor("测试办事员"))
        yield db


@pytest.fixture
def people(db, actor):
    """For tests that change people: a fresh set on the per-test database."""
    return _people(db, actor)


def names(db, query: str) -> list[str]:
    with db.read_session() as s:
        return [p.name for p in people_svc.find_people(s, query)]


@pytest.mark.parametrize("query", ["zxm", "ZXM", "zhangxiaoming", "Zhang Xiaoming", "zhang xiao", "zhangx", "张晓", "晓明"])
def test_zhang_xiaoming_found_by_pinyin_and_characters(searchable, query):
    db = searchable
    assert "张晓明" in names(db, query)


def test_initials_match_several_names_and_nothing_else(searchable):
    db = searchable
    # 邹小梅 is also z-x-m; 张晓 is only zx; 张晓明明 is zxmm (starts with zxm)
    assert sorted(names(db, "zxm")) == sorted(["张晓明", "邹小梅", "张晓明明"])
    assert "李四" not in names(db, "zx")
    assert names(db, "qqq") == []


@pytest.mark.parametrize("query", ["stf", "shantianfang", "Shan Tianfang", "dtf", "dantianfang"])
def test_heteronym_surname_shan_found_by_every_reading(searchable, query):
    db = searchable
    assert names(db, query) == ["单田芳"]


@pytest.mark.parametrize("query", ["zgf", "zengguofan", "cgf", "cengguofan", "Zeng Guofan"])
def test_heteronym_surname_zeng_found_by_every_reading(searchable, query):
    db = searchable
    assert names(db, query) == ["曾国藩"]


def test_given_name_is_read_in_context_not_with_every_heteronym():
    # only the surname takes every reading; 国 and 藩 keep their usual reading
    assert all(r.endswith("guo fan") for r in name_readings("曾国藩"))
    assert search_keys("张晓明") == "|zxm|zhangxiaoming|"


def test_compound_surname_is_one_unit(searchable):
    db = searchable
    assert names(db, "oyx") == ["欧阳修"]
    assert names(db, "ouyangxiu") == ["欧阳修"]


def test_phone_tail_and_full_phone(searchable):
    db = searchable
    assert sorted(names(db, "5678")) == sorted(["张晓明", "曾国藩"])
    assert names(db, "1234") == ["单田芳"]
    assert names(db, "136-0000-1234") == ["单田芳"]
    assert names(db, "13600001234") == ["单田芳"]
    assert names(db, "0000") == []


def test_exact_name_ranks_first_then_prefix(searchable):
    db = searchable
    found = names(db, "张晓")
    assert found[0] == "张晓"  # exact
    assert set(found[1:]) == {"张晓明", "张晓明明"}  # names starting with the query
    found = names(db, "张晓明")
    assert found == ["张晓明", "张晓明明"]


def test_like_wildcards_in_a_query_are_literal(searchable):
    db = searchable
    assert names(db, "%") == []
    assert names(db, "_") == []
    assert names(db, "") == [] and names(db, "   ") == []


def test_rename_rebuilds_the_search_keys(db, actor, people):
    zhang = people["张晓明"]
    with db.session() as s:
        people_svc.update_person(s, actor=actor, person_id=zhang.id, name="李晓明")
    assert "李晓明" in names(db, "lxm")
    assert "李晓明" in names(db, "lixiaoming")
    assert "李晓明" not in names(db, "zxm")
    assert "李晓明" not in names(db, "zhangxiaoming")
    with db.read_session() as s:
        assert people_svc.get_person(s, zhang.id).search_keys == search_keys("李晓明")


def test_changing_the_phone_moves_the_tail(db, actor, people):
    with db.session() as s:
        people_svc.update_person(s, actor=actor, person_id=people["单田芳"].id, phone="13600004321")
    assert names(db, "1234") == []
    assert names(db, "4321") == ["单田芳"]
    with db.session() as s:
        people_svc.update_person(s, actor=actor, person_id=people["单田芳"].id, phone=None)
    assert names(db, "4321") == []


def test_query_normalisation():
    assert normalise_query("Zhang Xiaoming") == "zhangxiaoming"
    assert normalise_query("Xi'an") == "xian"
    assert normalise_query(" Z X M ") == "zxm"


def test_person_row_masks_personal_numbers(db, actor):
    w = build_world(db, actor)
    with db.read_session() as s:
        zhang = people_svc.get_person(s, w.people["zhang"].id)
    row = people_svc.person_row(zhang)
    assert row["phone"] == "138****5678"
    assert row["id_number"] == "110***********002X"
    assert "13812345678" not in repr(row) and SAMPLE_ID_NUMBER not in repr(row)
    assert "care_tags" not in row and "search_keys" not in row


def test_reveal_returns_the_numbers(db, actor):
    w = build_world(db, actor)
    with db.session() as s:
        shown = people_svc.reveal_person(s, actor=actor, person_id=w.people["zhang"].id, reason="回访核实")
    assert shown.phone == "13812345678" and shown.id_number == SAMPLE_ID_NUMBER


def test_care_tags_set_replaced_and_deduplicated(db, actor):
    w = build_world(db, actor)
    with db.session() as s:
        p = people_svc.create_person(s, actor=actor, name="孙八", care_tags=["elderly_alone", "disabled", "elderly_alone"],
                                     id_number=make_id_number(seq="777"), household_id=w.households[0].id)
    with db.read_session() as s:
        assert people_svc.care_tags_of(s, p.id) == ["disabled", "elderly_alone"]
    with db.session() as s:
        people_svc.update_person(s, actor=actor, person_id=p.id, care_tags=["low_income"])
    with db.read_session() as s:
        assert people_svc.care_tags_of(s, p.id) == ["low_income"]
    with db.session() as s:
        people_svc.update_person(s, actor=actor, person_id=p.id, notes="每周探访")  # tags untouched
    with db.read_session() as s:
        assert people_svc.care_tags_of(s, p.id) == ["low_income"]
        assert people_svc.get_person(s, p.id).notes == "每周探访"
