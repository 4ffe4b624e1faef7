"""Command-line usage errors in the user's language.

Typer (and the click it vendors) words its usage errors in English only. The
common ones are recognised by their exception class and attributes — never by
parsing a translated string — and said in Chinese; anything unrecognised keeps
Typer's English text after the Chinese prefix, so no detail is ever lost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from typer._click import exceptions as ce

# English detail of a bad value -> Chinese (patterns of typer's own coercion messages)
_VALUE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"valid integer"), "应为整数"),
    (re.compile(r"is not in the range (?P<range>.*?)\.?$"), "超出范围 {range}"),
    (re.compile(r"valid number|valid float"), "应为数字"),
    (re.compile(r"valid boolean"), "应为 yes/no、true/false 或 1/0"),
    (re.compile(r"^(?P<value>'.*?') is not one of (?P<choices>.*)\.$"), "{value} 不在可选范围内：{choices}"),
    (re.compile(r"^(?:File|Path|Directory) (?P<value>'.*?') does not exist\.$"), "{value} 不存在"),
    (re.compile(r"^(?:File|Path|Directory) (?P<value>'.*?') is a directory\.$"), "{value} 是文件夹，需要文件"),
    (re.compile(r"^(?:File|Path|Directory) (?P<value>'.*?') is a file\.$"), "{value} 是文件，需要文件夹"),
    (re.compile(r"is not readable"), "无法读取"),
    (re.compile(r"is not writable"), "无法写入"),
]


def _hint(exc: ce.BadParameter) -> str:
    hint: Sequence[str] | str | None = exc.param_hint
    if hint is None and exc.param is not None:
        hint = exc.param.get_error_hint()
    if hint is None:
        return ""
    return " / ".join(hint) if not isinstance(hint, str) else hint


def _value_detail(message: str) -> str:
    for pattern, zh in _VALUE_PATTERNS:
        found = pattern.search(message)
        if found:
            return zh.format(**found.groupdict())
    return message


def usage_message(exc: Exception, lang: str) -> str:
    """One line saying what was wrong with the command, in ``lang`` (zh or en)."""
    english = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    if lang == "en":
        return "usage error: " + english
    if isinstance(exc, ce.MissingParameter):
        kind = exc.param_type or (exc.param.param_type_name if exc.param is not None else "parameter")
        noun = {"option": "选项", "argument": "参数"}.get(kind, "参数")
        return f"用法错误：缺少{noun} {_hint(exc)}".rstrip()
    if isinstance(exc, ce.BadParameter):
        hint = _hint(exc)
        detail = _value_detail(exc.message)
        return f"用法错误：{hint} 的取值无效：{detail}" if hint else f"用法错误：取值无效：{detail}"
    if isinstance(exc, ce.NoSuchOption):
        text = f"用法错误：没有选项 {exc.option_name}"
        if exc.possibilities:
            text += f"（您是否要用：{', '.join(sorted(exc.possibilities))}）"
        return text
    if isinstance(exc, ce.BadOptionUsage):
        message = getattr(exc, "message", "")
        if "requires" in message:
            return f"用法错误：选项 {exc.option_name} 后面需要跟一个值"
        if "does not take a value" in message:
            return f"用法错误：选项 {exc.option_name} 不接受取值"
    message = getattr(exc, "message", english)
    extra = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)$", message)
    if extra:
        return f"用法错误：多余的参数：{extra['args']}"
    command = re.match(r"No such command '(?P<name>.*?)'\.(?: Did you mean '(?P<guess>.*)'\?)?$", message)
    if command:
        guess = f"是否要用「{command['guess']}」？" if command["guess"] else ""
        return f"用法错误：没有命令「{command['name']}」（{guess}--help 列出全部命令）"
    return "用法错误：" + english
