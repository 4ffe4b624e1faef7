"""Plugins add their own error codes; a code cannot be taken over with other texts."""

from __future__ import annotations

import pytest

from gongzhi.core.errors import MESSAGES, DomainError, register_messages


def test_a_plugin_registers_its_codes_and_raises_them_in_both_languages():
    register_messages({"testplugin.too_many": ("最多 {max} 个", "at most {max}")})
    register_messages({"testplugin.too_many": ("最多 {max} 个", "at most {max}")})  # imported twice: harmless
    err = DomainError("testplugin.too_many", max=3)
    assert err.message("zh") == "最多 3 个" and err.message("en") == "at most 3"


def test_another_text_for_a_known_code_is_refused_and_nothing_changes():
    before = MESSAGES["input.required"]
    with pytest.raises(ValueError, match="already registered"):
        register_messages({"testplugin.fresh": ("新", "new"), "input.required": ("别的", "other")})
    assert MESSAGES["input.required"] == before
    assert "testplugin.fresh" not in MESSAGES  # all or nothing


def test_a_code_needs_both_languages():
    with pytest.raises(ValueError, match="zh, en"):
        register_messages({"testplugin.half": ("只有中文", "")})
    with pytest.raises(KeyError):
        DomainError("testplugin.half")
