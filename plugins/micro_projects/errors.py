"""The micro-projects' error codes (``micro.*``), Chinese first.

Codes are stable: the CLI, the TUI and scripts match on them.
"""

from __future__ import annotations

from gongzhi.core.errors import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "micro.list_not_found": ("找不到微实事清单：{ref}", "micro-project list not found: {ref}"),
    "micro.list_exists": ("{community}{year}年的微实事清单已存在", "{community} already has a {year} list"),
    "micro.not_community": ("「{name}」不是社区", "'{name}' is not a community"),
    "micro.project_not_found": ("找不到微实事项目：{ref}", "micro-project not found: {ref}"),
    "micro.illegal_phase": (
        "清单「{list}」当前处于「{from_label}」阶段，不能进入「{to_label}」",
        "list '{list}' is {from_label_en} and cannot go to {to_label_en}",
    ),
    "micro.phase_closed": (
        "清单「{list}」当前处于「{phase}」阶段，不能{action}",
        "list '{list}' is {phase_en}; cannot {action_en} now",
    ),
    "micro.illegal_status": (
        "项目 {code} 当前「{from_label}」，不能{action}",
        "project {code} is {from_label_en} and cannot be {action_en}",
    ),
    "micro.undecided_projects": (
        "清单中还有 {count} 个项目未评估可行性（{codes}），不能公示",
        "{count} projects still await a feasibility decision ({codes}); the list cannot be posted",
    ),
    "micro.reason_required": ("不可行须说明原因", "an unfeasible decision needs its reason"),
    "micro.invalid_progress": ("进度须为 0–100 的整数：{value}", "progress must be a whole number 0-100: {value}"),
    "micro.progress_backwards": (
        "项目 {code} 的进度已到 {current}%，不能改为 {value}%",
        "project {code} is at {current}%; progress cannot go back to {value}%",
    ),
    "micro.amount_too_large": ("金额过大（单笔不超过 {max} 元）：{value}", "the amount is too large (at most {max} yuan at a time): {value}"),
    "micro.date_in_future": ("{what}的日期不能晚于今天：{value}", "the date of {what_en} cannot be after today: {value}"),
    "micro.invalid_amount": ("金额须为正数（元，最多两位小数）：{value}", "the amount must be positive (yuan, at most 2 decimals): {value}"),
    "micro.fund_not_found": ("{year}年的专项资金尚未设立", "no special fund has been set for {year}"),
    "micro.fund_exists": ("{year}年的专项资金已设立（{total}元）", "the {year} fund exists ({total} yuan)"),
    "micro.fund_exceeded": (
        "{year}年专项资金共 {total} 元，已分配 {allocated} 元，再分配 {amount} 元将超出",
        "the {year} fund is {total} yuan with {allocated} allocated; {amount} more would exceed it",
    ),
    "micro.fund_below_allocated": (
        "{year}年专项资金已分配 {allocated} 元，总额不能少于此数",
        "{allocated} yuan of the {year} fund is allocated; the total cannot be less",
    ),
    "micro.allocation_negative": (
        "项目 {code} 已分配 {allocated} 元、已支出 {spent} 元，不能收回 {amount} 元",
        "project {code} has {allocated} yuan allocated and {spent} spent; {amount} cannot be taken back",
    ),
    "micro.overspent": (
        "项目 {code} 已分配 {allocated} 元，已支出 {spent} 元，再支出 {amount} 元将超出分配",
        "project {code} has {allocated} yuan allocated and {spent} spent; {amount} more would exceed it",
    ),
    "micro.evidence_required": ("销号须附完成佐证（照片或文件）", "close-out needs evidence (photos or files)"),
    "micro.note_required": ("销号须有责任单位的说明", "close-out needs the responsible body's note"),
    "micro.no_requests": ("至少选择一件诉求", "choose at least one request"),
    "micro.request_linked": (
        "诉求 {ref} 已属于微实事项目 {code}",
        "request {ref} already belongs to micro-project {code}",
    ),
    "micro.objection_not_found": ("找不到异议：{ref}", "objection not found: {ref}"),
    "micro.objection_answered": ("异议 {ref} 已于 {on} 答复", "objection {ref} was answered on {on}"),
    "micro.invalid_rating": (
        "测评结果「{value}」无效，可选：满意、基本满意、不满意",
        "invalid rating '{value}'; choose satisfied, basically satisfied or dissatisfied",
    ),
    "micro.no_ratings": ("项目 {code} 还没有测评结果", "project {code} has no ratings yet"),
    "micro.invalid_threshold": ("不满意率阈值须在 0–100% 之间：{value}", "the dissatisfaction threshold must be 0-100 %: {value}"),
    "micro.deadline_required": ("重新办理须定新的完成时限", "a redo needs a new deadline"),
    "micro.deadline_past": ("完成时限 {deadline} 早于 {today}", "the deadline {deadline} is before {today}"),
    "micro.next_list_finished": (
        "清单「{list}」已完成，重新办理的项目无法列入",
        "list '{list}' is finished; the redo cannot be put on it",
    ),
    "micro.unevaluated": (
        "清单中还有 {count} 个已销号项目未测评（{codes}），不能完成",
        "{count} closed-out projects are not yet evaluated ({codes}); the list cannot finish",
    ),
    "micro.nothing_to_evaluate": (
        "清单「{list}」没有待测评的已销号项目",
        "list '{list}' has no closed-out project awaiting evaluation",
    ),
    "micro.invalid_category": ("项目类别「{value}」无效，可选：{choices}", "invalid category '{value}'; choose from: {choices}"),
}

register_messages(MESSAGES)
