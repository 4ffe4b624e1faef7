"""What the roundtable's screens share: the binding texts, the plugin's small dialogs
(form, objection reason, confirmation, minutes), labels and column headings, and the
parsers of typed option numbers."""

from __future__ import annotations

import re
from pathlib import Path

from tui import i18n
from tui.widgets.bilingual import t
from tui.widgets.forms import (
    ConfirmModal,
    ExportModal,
    FormError,
    FormModal,
    ReasonModal,
    export_path,
    modal_binding_text,
)

# binding id -> (zh, en) descriptions
BINDING_TEXT: dict[str, tuple[str, str]] = {
    "delib.back": ("返回", "Back"),
    "delib.open": ("打开", "Open"),
    "delib.reload": ("刷新", "Reload"),
    "delib.new_consultation": ("新建协商", "New consultation"),
    "delib.checkin": ("签到/签退", "Check in/out"),
    "delib.checkin_all": ("全部签到", "All present"),
    "delib.vote_undo": ("撤销上一票", "Undo last ballot"),
    "delib.vote_yes": ("赞成", "Yes"),
    "delib.vote_no": ("反对", "No"),
    "delib.vote_abstain": ("弃权", "Abstain"),
    "delib.vote_object": ("异议", "Object"),
    "delib.vote_tick": ("勾选/选定", "Tick/pick"),
    "delib.vote_submit": ("录入本行选票", "Record the row"),
    "delib.vote_order": ("输入排序", "Type an ordering"),
    "delib.vote_clear": ("清空本行草稿", "Clear the row"),
    "delib.close_round": ("关闭本轮并计票", "Close round"),
    "delib.add_participant": ("添加参与人", "Add participant"),
    "delib.add_option": ("添加方案", "Add option"),
    "delib.withdraw_option": ("撤回方案", "Withdraw option"),
    "delib.merge_option": ("合并方案", "Merge option"),
    "delib.add_meeting": ("添加会议", "Add meeting"),
    "delib.new_round": ("新建表决", "New round"),
    "delib.start_round": ("开始表决", "Start round"),
    "delib.publish_round": ("公布结果", "Publish"),
    "delib.tie": ("处理平局", "Settle a tie"),
    "delib.finish": ("结束/撤回协商", "Close/withdraw"),
    "delib.link_request": ("关联诉求", "Link a request"),
    "delib.minutes": ("导出纪要", "Minutes"),
    "delib.decide": ("记录/修正决定", "Decision"),
    **modal_binding_text("delib"),
}

NUMBERS = re.compile(r"[,，、>\s]+")


def parse_numbers(text: str) -> list[int] | None:
    """``"2, 1 3"`` / ``"2>1>3"`` → [2, 1, 3]; None when a part is not a whole number."""
    parts = [p for p in NUMBERS.split(text.strip()) if p]
    if not all(p.isdigit() for p in parts):
        return None
    return [int(p) for p in parts]


PRESET_CODE = re.compile(r"\s?[（(]([a-z_]+)(\*?)[）)]")


def preset_label(code: str, modified: bool = False) -> str:
    """A rule's preset as people say it (never its code): 简单多数（赞成多于反对）, with
    "parameters changed" for a modified preset (``simple_majority*``)."""
    text = t(*PRESET_LABELS[code])
    return text + t("，参数已调整", ", parameters changed") if modified else text


def explanation(lines: list[dict[str, str]], numbers: dict[int, int], names: dict[int, str] | None) -> list[str]:
    """Explanation lines in the UI's language, option ids shown as their numbers and a
    preset's code (``simple_majority``, stored in the recountable result) as its label."""
    from plugins.deliberation.minutes import render_line

    def label(m: re.Match[str]) -> str:
        if m.group(1) not in PRESET_LABELS:
            return m.group(0)
        return " · " + preset_label(m.group(1), bool(m.group(2)))

    return [PRESET_CODE.sub(label, render_line(x, numbers, i18n.language(), names)) for x in lines]


class FormScreen(FormModal, prefix="delib"):
    """The plugin's forms (:class:`tui.widgets.forms.FormModal`): ctrl+s saves, Esc cancels."""

    BINDING_TEXT = BINDING_TEXT


def need_int(text: str, zh: str, en: str, *, minimum: int = 0) -> int:
    if not text.isdigit() or int(text) < minimum:
        raise FormError(t(f"{zh}须是不小于 {minimum} 的整数：{text}", f"{en} must be a whole number ≥ {minimum}: {text}"))
    return int(text)


class ReasonScreen(ReasonModal, prefix="delib"):
    """An objection needs its reason."""

    BINDING_TEXT = BINDING_TEXT

    def __init__(self, name: str) -> None:
        super().__init__((f"{name} 提出异议，请记录理由：", f"{name} objects; the reason:"),
                         ("异议须说明理由", "An objection needs a reason"))
        self.voter = name


class ConfirmCloseScreen(ConfirmModal, prefix="delib"):
    """A confirmation: ``y`` / Enter confirms, ``n`` / Esc declines."""

    BINDING_TEXT = BINDING_TEXT


PRESET_LABELS: dict[str, tuple[str, str]] = {
    "simple_majority": ("简单多数（赞成多于反对）", "simple majority"),
    "absolute_majority": ("绝对多数（过全体有表决权者半数）", "absolute majority"),
    "two_thirds": ("三分之二多数", "two-thirds"),
    "unanimity": ("全体一致", "unanimity"),
    "consent_all_residents": ("全体居民代表无异议", "consent of all residents"),
    "plurality": ("相对多数（每人选一个方案）", "plurality"),
    "approval": ("认可投票（可勾选多个）", "approval"),
    "borda": ("波达计数（排序）", "Borda count (ranked)"),
    "irv": ("即时决选（排序）", "instant runoff (ranked)"),
    "schulze": ("舒尔茨法（排序）", "Schulze (ranked)"),
}
RANKED = ("borda", "irv", "schulze")
CHOOSING = ("plurality", "approval", *RANKED)

# by importance: a narrow terminal clips the last ones first
PEOPLE_COLUMNS = (("name", "姓名", "Name"), ("present", "到场", "Present"), ("votes", "表决权", "Votes"),
                  ("role", "身份", "Role"), ("group", "界别", "Group"))
OPTION_COLUMNS = (("number", "编号", "No."), ("text", "方案", "Option"), ("active", "状态", "State"))
ROUND_COLUMNS = (("number", "轮次", "No."), ("title", "事项", "Motion"), ("kind", "方式", "Kind"),
                 ("state", "状态", "State"), ("outcome", "结果", "Outcome"))


def present_word(present: bool) -> str:
    """Presence in words (not only a mark): 到场 / 未到."""
    return t("✓ 到场", "✓ present") if present else t("— 未到", "— absent")


def default_minutes_path(consultation_id: int, fmt: str = "md") -> Path:
    """``<data dir>/minutes/议事纪要-<id>-<YYYYMMDD-HHMM>.md`` (the folder is made when used)."""
    return export_path("minutes", stem=t(f"议事纪要-{consultation_id}", f"council-minutes-{consultation_id}"), fmt=fmt)


class MinutesScreen(ExportModal, FormScreen):
    """The minutes' format and path (:class:`tui.widgets.forms.ExportModal`): the path
    follows the format, an existing file is refused."""

