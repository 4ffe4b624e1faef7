"""Saving a column mapping as a site profile (the import screen's ctrl+g): what is written
is read back the same, a bad name is refused in both languages and writes nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gongzhi.core.config import data_dir
from gongzhi.core.errors import DomainError
from gongzhi.core.importing.profiles import available, guess_profile, load_profile, save_profile


def test_a_saved_profile_reads_back_whole_and_is_guessed():
    base = load_profile("12345")
    mine = replace(base, columns={**base.columns, "ticket_number": ['单号"甲"', "编号\\2"], "address": ["位置"]},
                   label_zh="街道表", label_en="street sheet", categories={**base.categories, "灯不亮": "lighting"})
    path = save_profile(mine, "街道-表_1")
    assert path == data_dir() / "import_profiles" / "街道-表_1.toml"
    back = load_profile("街道-表_1")
    assert back == replace(mine, name="街道-表_1")
    assert "街道-表_1" in available()
    header = ['单号"甲"', "受理时间", "问题分类", "诉求内容", "位置"]
    assert guess_profile(header).name == "街道-表_1"  # no shipped profile has 位置 or 单号"甲"


@pytest.mark.parametrize("name", ["", "a/b", "../x", "有 空格", "x" * 41])
def test_a_bad_profile_name_is_refused_and_nothing_is_written(name):
    with pytest.raises(DomainError) as info:
        save_profile(load_profile("12345"), name)
    assert info.value.code == "import.bad_profile_name"
    assert "导入配置名" in info.value.message("zh") and "invalid import profile name" in info.value.message("en")
    folder = data_dir() / "import_profiles"
    assert not folder.exists() or not any(folder.iterdir())
