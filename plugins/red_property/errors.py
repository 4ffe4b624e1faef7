"""The plugin's error codes (``redprop.*``), Chinese first, registered with the core's
catalogue when this module is imported (services import it)."""

from __future__ import annotations

from gongzhi.core.errors import register_messages

MESSAGES: dict[str, tuple[str, str]] = {
    # input (field names come in both languages: field / field_en)
    "redprop.required": ("{field}不能为空", "{field_en} is required"),
    "redprop.control_chars": ("{field}不能含有控制字符{line}", "{field_en} must not contain control characters{line_en}"),
    "redprop.too_long": ("{field}不能超过 {max} 个字符（现为 {length}）", "{field_en} must be at most {max} characters (got {length})"),
    "redprop.invalid_choice": ("{field}的取值「{value}」无效，可选：{choices}", "invalid {field_en} '{value}'; choose from: {choices}"),
    # lookups
    "redprop.meeting_not_found": ("找不到联席会议：{ref}", "joint meeting not found: {ref}"),
    "redprop.agenda_item_not_found": ("找不到议题：{ref}", "agenda item not found: {ref}"),
    "redprop.resolution_not_found": ("找不到决议：{ref}", "resolution not found: {ref}"),
    "redprop.action_not_found": ("找不到落实事项：{ref}", "action item not found: {ref}"),
    "redprop.service_not_found": ("找不到微服务记录：{ref}", "micro-service not found: {ref}"),
    "redprop.attendance_not_found": ("{person} 未在本次会议签到", "{person} has not checked in at this meeting"),
    # meetings
    "redprop.meeting_place_kind": ("联席会议只能在社区或小区召开，「{place}」是{kind}",
                                   "a joint meeting is held for a community or a compound; '{place}' is a {kind_en}"),
    "redprop.meeting_closed": ("会议「{ref}」已结束，记录不能再修改；更正请以补记（附录）形式添加",
                               "meeting '{ref}' is closed and its record can no longer change; add an addendum to correct it"),
    "redprop.meeting_not_open": ("会议「{ref}」当前「{status}」，只有进行中的会议才能{what}",
                                 "meeting '{ref}' is {status_en}; only an open meeting can {what_en}"),
    "redprop.illegal_meeting_status": ("会议「{ref}」不能从「{from_status}」变为「{to_status}」",
                                       "meeting '{ref}' cannot go from {from_status_en} to {to_status_en}"),
    "redprop.no_quorum": ("会议「{ref}」未达到开会条件：缺少{missing}（可选择不足法定组织数仍开会，会被记录）",
                          "meeting '{ref}' has no quorum of bodies: {missing} missing (opening without one is possible and is recorded)"),
    "redprop.body_kind_missing": ("「{place}」没有登记{kind}，请先登记该组织或明确指定参会组织",
                                  "'{place}' has no {kind_en} on record; register it or name the bodies of the meeting"),
    "redprop.no_bodies": ("会议至少需要一个参会组织", "a meeting needs at least one body"),
    "redprop.duplicate_body": ("组织「{org}」重复列入参会组织", "'{org}' is listed twice among the bodies"),
    "redprop.invalid_min_bodies": ("法定组织数应为 1 到 {max} 之间的整数：{value}",
                                   "the minimum number of bodies must be a whole number from 1 to {max}: {value}"),
    "redprop.not_addendum_time": ("会议「{ref}」尚未结束，直接修改记录即可，补记只用于已结束的会议",
                                  "meeting '{ref}' is not closed; edit its record directly (addenda are for closed meetings)"),
    # attendance
    "redprop.not_a_member": ("{person} 在{date}未在「{org}」任职，不能代表该组织",
                             "{person} held no post in '{org}' on {date} and cannot stand for it"),
    "redprop.already_attending": ("{person} 已代表「{org}」出席本次会议（交叉任职者只代表一个组织、只计一次）",
                                  "{person} already attends this meeting for '{org}' (a cross-appointed person stands for one body and is counted once)"),
    # agenda
    "redprop.request_not_open": ("诉求 {ref} 当前「{status}」，不能列入议程", "request {ref} is {status_en} and cannot go on the agenda"),
    "redprop.request_not_property": ("诉求 {ref} 的类别「{category}」不属于物业类（{allowed}）",
                                     "request {ref} is in category '{category_en}', not a property category ({allowed})"),
    "redprop.request_outside_area": ("诉求 {ref} 不在「{place}」范围内", "request {ref} lies outside '{place}'"),
    "redprop.request_on_agenda": ("诉求 {ref} 已在本次会议议程上", "request {ref} is already on this meeting's agenda"),
    # resolutions
    "redprop.responsible_body_required": ("决议必须指定责任单位", "a resolution needs a responsible body"),
    "redprop.deadline_required": ("决议必须有完成时限", "a resolution needs a deadline"),
    "redprop.deadline_before_meeting": ("完成时限 {deadline} 早于会议日期 {meeting_date}",
                                        "the deadline {deadline} is before the meeting date {meeting_date}"),
    "redprop.vote_invalid": ("表决票数须为不小于 0 的整数：{org} {value}", "vote counts must be whole numbers of at least 0: {org} {value}"),
    "redprop.vote_needs_counts": ("表决通过的决议须录入各组织的赞成、反对、弃权票数",
                                  "a resolution decided by vote needs the yes / no / abstain count of each body"),
    "redprop.consensus_no_counts": ("协商一致的决议不录票数", "a resolution by consensus carries no vote counts"),
    "redprop.vote_body_absent": ("「{org}」无人出席，不能录入其票数", "nobody attends for '{org}', so it has no votes"),
    "redprop.vote_exceeds_attendance": ("「{org}」出席 {present} 人，票数合计 {total} 超出",
                                        "'{org}' has {present} attendees but {total} votes"),
    "redprop.vote_not_carried": ("赞成 {yes} 票未超过反对 {no} 票，决议未通过", "{yes} yes do not outnumber {no} no; the resolution did not carry"),
    "redprop.invalid_consultation": ("协商事项编号无效：{value}", "invalid consultation id: {value}"),
    # action items
    "redprop.action_note_required": ("标记完成必须填写落实情况说明", "marking an action item done needs a note on what was done"),
    "redprop.action_reason_required": ("撤销落实事项必须说明原因", "dropping an action item needs a reason"),
    "redprop.action_finished": ("落实事项 {ref} 已「{status}」，不能再变更", "action item {ref} is {status_en} and can no longer change"),
    "redprop.illegal_action_status": ("落实事项 {ref} 不能从「{from_status}」变为「{to_status}」",
                                      "action item {ref} cannot go from {from_status_en} to {to_status_en}"),
    # micro-services
    "redprop.not_a_compound": ("「{place}」不是小区", "'{place}' is not a compound"),
    "redprop.compound_required": ("{person} 未登记住址，请指明小区", "{person} has no home on record; name the compound"),
    "redprop.resident_outside_compound": ("{person} 不住在「{place}」", "{person} does not live in '{place}'"),
    "redprop.illegal_service_status": ("微服务 {ref} 不能从「{from_status}」变为「{to_status}」",
                                       "micro-service {ref} cannot go from {from_status_en} to {to_status_en}"),
    "redprop.service_done_by_required": ("完成的微服务须记录服务人", "a micro-service marked done needs who did it"),
    "redprop.no_meetings_in_month": ("{month} 没有已结束的联席会议，没有纪要可导出",
                                     "no joint meeting was closed in {month}; there are no minutes to write"),
    "redprop.invalid_month": ("月份无效：{value}（应为 YYYY 或 YYYY-MM）", "invalid month: {value} (expected YYYY or YYYY-MM)"),
}

register_messages(MESSAGES)

# the command line's own (check-in without --for)
CLI_MESSAGES: dict[str, tuple[str, str]] = {
    "redprop.choose_body": ("{person} 在本次会议的多个参会组织任职（{orgs}），请用 --for 指明代表哪个组织出席",
                            "{person} holds posts in several bodies of this meeting ({orgs}); say which one with --for"),
    "redprop.no_body_post": ("{person} 未在本次会议的任何参会组织任职，请用 --for 指明代表的组织",
                             "{person} holds no post in any body of this meeting; name the body with --for"),
}

register_messages(CLI_MESSAGES)
