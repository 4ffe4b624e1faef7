"""The insights plugin's error codes (``insights.*``), Chinese first."""

from __future__ import annotations

from gongzhi.core.errors import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    "insights.invalid_period": ("时段「{value}」无效，示例：2026-11、2026、2026-11-01..2026-12-01",
                                "invalid period '{value}'; e.g. 2026-11, 2026 or 2026-11-01..2026-12-01"),
    "insights.category_not_found": ("找不到诉求类别：{ref}", "request category not found: {ref}"),
    "insights.place_not_found": ("找不到地点：{name}", "place not found: {name}"),
    "insights.chat_unreadable": ("无法读取群聊导出文件：{path}", "cannot read the chat export: {path}"),
    "insights.chat_empty": ("群聊导出中没有可识别的消息（支持的格式见 docs/insights.md）",
                            "no messages recognised in the chat export (supported layouts: docs/insights.md)"),
    "insights.chat_imported": ("该群聊导出已于 {on} 导入", "this chat export was already imported on {on}"),
    "insights.invalid_action": ("行动「{value}」无效，可选：{choices}", "invalid action '{value}'; choose from: {choices}"),
    "insights.topic_not_found": ("话题「{term}」不在群聊热度中", "topic '{term}' is not in the chat heat"),
    "insights.out_of_range": ("{option} 超出范围：{value}（应在 {min} 到 {max} 之间）",
                              "{option} is out of range: {value} (expected {min} to {max})"),
    "insights.chat_bad_date": ("群聊导出第 {line} 行的日期不存在：{value}",
                               "line {line} of the chat export has a date that does not exist: {value}"),
    "insights.chat_future": ("群聊导出中有晚于今天（{today}）的日期：{day}",
                             "the chat export has a day after today ({today}): {day}"),
}

register_messages(MESSAGES)
