"""The UI language from the locale: English only when the locale asks for it."""

from __future__ import annotations

import pytest

from gongzhi.core.config import load_settings

LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG", "LC_CTYPE", "GONGZHI_LANG")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "zh"),  # nothing set (a fresh machine, a service): Chinese
        ({"LANG": "C.UTF-8"}, "zh"),  # the C locale is no preference (Python calls it en_US)
        ({"LC_ALL": "POSIX"}, "zh"),
        ({"LC_CTYPE": "C.UTF-8"}, "zh"),  # what Python's C-locale coercion sets
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins
        ({"LANG": "en_US.UTF-8", "GONGZHI_LANG": "zh"}, "zh"),  # gongzhi's own setting wins
    ],
)
def test_language_from_the_environment(monkeypatch, env, expected):
    for var in LOCALE_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert load_settings().language == expected
