"""Typed domain errors with a stable code and a message in Chinese and English.

Services raise :class:`DomainError` (never a bare ``ValueError``) so that the CLI,
the TUI and plugins can show one clear line in the user's language, and tests can
assert on the stable ``code``.
"""

from __future__ import annotations

from typing import Any

# code -> (Chinese template, English template). Templates use str.format fields.
MESSAGES: dict[str, tuple[str, str]] = {
    # generic
    "input.required": ("{field}不能为空", "{field} is required"),
    "input.too_long": ("{field}不能超过 {max} 个字符（现为 {length}）", "{field} must be at most {max} characters (got {length})"),
    "input.invalid_choice": ("{field}的取值「{value}」无效，可选：{choices}", "invalid {field} '{value}'; choose from: {choices}"),
    "input.invalid": ("{field}无效：{value}", "invalid {field}: {value}"),
    "input.invalid_date": ("日期「{value}」格式无效，应为 YYYY-MM-DD", "invalid date '{value}'; expected YYYY-MM-DD"),
    "input.impossible_date": ("日期「{value}」不存在：那个月没有这一天", "the date '{value}' does not exist: that month has no such day"),
    "db.not_upgraded": ("数据库结构不是最新版本（当前 {current}，需要 {head}），请运行 gongzhi db upgrade", "database schema is not up to date (at {current}, need {head}); run 'gongzhi db upgrade'"),
    "db.unsupported_url": ("不支持的数据库地址：{url}", "unsupported database URL: {url}"),
    "db.backup_unsupported": ("PostgreSQL 请使用 pg_dump 备份", "back up PostgreSQL with pg_dump"),
    "config.invalid": ("配置文件 {path} 有误：{detail}", "config file {path} is invalid: {detail}"),
    "demo.not_empty": ("数据库中已有数据，演示街道只能建在空库中（可用 --db 指定新库）", "the database already holds data; build the demo street in an empty database (use --db)"),
    # exports
    "export.exists": ("文件 {path} 已存在，不会覆盖", "{path} exists and will not be overwritten"),
    "export.no_folder": ("文件夹 {path} 不存在", "the folder {path} does not exist"),
    # plugins
    "plugin.unknown": ("没有名为「{name}」的插件（已安装：{available}）", "no plugin named '{name}' (installed: {available})"),
    "plugin.not_enabled": ("插件「{name}」未启用", "plugin '{name}' is not enabled"),
    "plugin.load_failed": ("插件「{name}」加载失败：{detail}", "plugin '{name}' failed to load: {detail}"),
    "plugin.unknown_hook": ("插件「{plugin}」实现了不存在的钩子：{detail}", "plugin '{plugin}' implements an unknown hook: {detail}"),
    "plugin.missing_dependency": ("插件「{name}」依赖未启用的插件：{depends}", "plugin '{name}' depends on plugins that are not enabled: {depends}"),
    "plugin.required_by": ("插件「{name}」被以下已启用插件依赖，不能停用：{dependants}", "plugin '{name}' is required by enabled plugins: {dependants}"),
    "plugin.dependency_cycle": ("插件依赖出现循环：{name}", "plugin dependencies form a cycle at {name}"),
    "plugin.table_collision": ("插件「{name}」的数据表 {table} 与 {other} 冲突", "plugin '{name}' table {table} collides with {other}"),
    # places
    "place.not_found": ("找不到地点：{ref}", "place not found: {ref}"),
    "place.invalid_parent": ("「{kind}」不能放在「{parent_kind}」之下", "a {kind_en} cannot be placed under a {parent_kind_en}"),
    "place.has_children": ("地点「{name}」下还有 {count} 个下级地点，不能删除", "place '{name}' still has {count} child places and cannot be deleted"),
    "place.has_records": ("地点「{name}」还有关联记录（{what}），不能删除", "place '{name}' still has records ({what_en}) and cannot be deleted"),
    "place.cycle": ("不能把地点移到它自己的下级之下", "a place cannot be moved under one of its own descendants"),
    "place.duplicate_name": ("「{parent}」下已有名为「{name}」的{kind}", "there is already a {kind_en} named '{name}' under '{parent_en}'"),
    "place.invalid_floors": ("楼层范围无效：{floor_from}–{floor_to}", "invalid floor range: {floor_from}-{floor_to}"),
    "place.housing_type_not_allowed": ("只有小区和楼栋可以设置房屋类型", "only compounds and buildings carry a housing type"),
    # people
    "person.not_found": ("找不到居民：{ref}", "person not found: {ref}"),
    "person.invalid_phone": ("手机号「{value}」无效：应为 11 位大陆手机号（1 开头，第二位 3–9）", "invalid phone '{value}': expected an 11-digit mainland mobile number (1, then 3-9)"),
    "person.invalid_id_number": ("身份证号「{value}」无效：{reason}", "invalid ID number '{value}': {reason_en}"),
    "person.invalid_birth_year": ("出生年份 {value} 无效", "invalid birth year {value}"),
    "person.household_required": ("住址必须是「户」级地点", "the home place must be a household"),
    "person.duplicate_id_number": ("身份证号已登记在 {name} 名下", "this ID number is already registered to {name}"),
    "person.invalid_care_tag": ("关爱标签「{value}」无效，可选：{choices}", "invalid care tag '{value}'; choose from: {choices}"),
    # organisations
    "org.not_found": ("找不到组织：{ref}", "organisation not found: {ref}"),
    "membership.not_found": ("找不到任职记录：{ref}", "membership not found: {ref}"),
    "membership.invalid_dates": ("结束日期早于开始日期", "the end date is before the start date"),
    "membership.already_ended": ("该任职已于 {date} 结束", "this membership already ended on {date}"),
    "membership.duplicate": ("{person} 已在「{org}」担任「{role}」", "{person} already holds the post '{role_en}' in '{org}'"),
    # categories
    "category.not_found": ("找不到诉求类别：{ref}", "request category not found: {ref}"),
    "category.duplicate": ("诉求类别代码「{code}」已存在", "request category code '{code}' already exists"),
    "category.invalid_sla": ("时限（小时）必须是正整数：{value}", "SLA hours must be positive whole numbers: {value}"),
    # requests
    "request.not_found": ("找不到诉求：{ref}", "request not found: {ref}"),
    "request.illegal_transition": ("诉求 {ref} 不能从「{from_label}」变为「{to_label}」", "request {ref} cannot go from {from_label_en} to {to_label_en}"),
    "request.description_too_long": ("诉求描述不能超过 {max} 个字（现为 {length}）", "the description must be at most {max} characters (got {length})"),
    "request.reporter_conflict": ("匿名诉求不能同时指定反映人", "an anonymous request cannot name a reporter"),
    "request.duplicate_target": ("重复件必须指向另一件未被标记为重复的诉求", "a duplicate must point to another request that is not itself a duplicate"),
    "request.duplicate_ref": ("需要指明重复的原诉求", "name the original request this one duplicates"),
    "request.feedback_not_resolved": ("诉求 {ref} 尚未办结（当前「{status_label}」），不能回访", "request {ref} is not resolved (it is {status_label_en}); feedback comes after resolution"),
    "request.reopen_needs_dissatisfied": ("只有「不满意」的回访才能重新办理", "only a dissatisfied answer can reopen a request"),
    "request.dispatch_not_allowed": ("诉求 {ref} 当前「{status_label}」，不能派单", "request {ref} is {status_label_en} and cannot be dispatched"),
    "request.dispatch_required": ("转为「已派单」须通过派单（吹哨）操作指明承办单位", "a request becomes dispatched only through a dispatch that names the organisations"),
    "request.dispatch_one_lead": ("一次派单只能有一个主办单位", "a dispatch has at most one lead organisation"),
    "input.naive_datetime": ("时间必须带时区", "the time must carry a timezone"),
    "request.dispatch_needs_department": ("吹哨只能派给职能部门，「{org}」不是职能部门", "a whistle goes to departments; '{org}' is not a department"),
    "request.dispatch_not_found": ("找不到派单记录：{ref}", "dispatch not found: {ref}"),
    "request.dispatch_already_reported": ("{org} 已于 {at} 报到", "{org} already reported in at {at}"),
    "request.invalid_rating": ("评分应为 1–5：{value}", "the rating must be 1-5: {value}"),
    "request.attachment_missing": ("附件文件不存在：{path}", "attachment file not found: {path}"),
    "request.attachment_too_large": ("附件「{path}」超过 {max_mb} MB", "attachment '{path}' exceeds {max_mb} MB"),
    "request.invalid_period": ("统计区间无效：{value}", "invalid period: {value}"),
    "request.already_supporter": ("{person} 已是该诉求的支持人", "{person} already supports this request"),
}


# field names as the user sees them, for the {field} parameter of input.* messages
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "month": ("月份（YYYY-MM）", "month (YYYY-MM)"),
    "period": ("统计期（YYYY 或 YYYY-MM）", "period (YYYY or YYYY-MM)"),
    "name": ("名称/姓名", "name"),
    "title": ("标题", "title"),
    "description": ("描述", "description"),
    "channel": ("渠道", "channel"),
    "type": ("诉求类型", "type"),
    "priority": ("优先级", "priority"),
    "status": ("状态", "status"),
    "kind": ("类型", "kind"),
    "gender": ("性别", "gender"),
    "role": ("职务/角色", "role"),
    "housing_type": ("房屋类型", "housing type"),
    "poi_kind": ("设施类型", "point-of-interest kind"),
    "satisfaction": ("满意度", "satisfaction"),
    "resolved": ("是否解决", "resolved"),
    "result": ("办理结果", "result"),
    "organisations": ("派单单位", "organisations"),
    "notes": ("备注", "notes"),
    "comment": ("评价意见", "comment"),
    "public_note": ("公开说明", "public note"),
    "private_note": ("内部说明", "private note"),
    "code": ("代码", "code"),
    "group_by": ("分组方式", "grouping"),
    "datetime": ("时间", "date and time"),
    "external_id": ("外部工单号", "external ticket id"),
    "paths": ("附件", "attachments"),
    "reopen/close": ("重新办理/归档", "reopen/close"),
    "name_zh": ("中文名称", "Chinese name"),
    "name_en": ("英文名称", "English name"),
    "reason": ("原因", "reason"),
    "operator": ("操作员", "operator"),
    "--lang": ("语言", "--lang"),
    "--scale": ("规模", "--scale"),
}


def register_messages(messages: dict[str, tuple[str, str]]) -> None:
    """Add a plugin's error codes (code -> (zh, en) templates) to the catalogue.

    A plugin calls this when its services module is imported, with codes under its
    own prefix (``redprop.``, ``points.`` …). Registering the same code again with
    the same texts is harmless (a module imported twice); different texts for a
    code that exists are refused, so two plugins can never silently share a code.
    """
    for code, texts in messages.items():
        if len(texts) != 2 or not all(isinstance(t, str) and t for t in texts):
            raise ValueError(f"error code {code!r} needs a (zh, en) pair of templates")
        known = MESSAGES.get(code)
        if known is not None and known != tuple(texts):
            raise ValueError(f"error code {code!r} is already registered with other texts")
    for code, texts in messages.items():
        MESSAGES[code] = (texts[0], texts[1])


class DomainError(Exception):
    """A rule of the domain was broken; nothing was written.

    ``code`` is stable (tests and scripts match on it); ``params`` fill the
    message templates; :meth:`message` renders it in ``zh`` or ``en``.
    """

    def __init__(self, code: str, /, **params: Any) -> None:
        if code not in MESSAGES:
            raise KeyError(f"unknown error code {code!r}")
        self.code = code
        self.params = params
        super().__init__(f"{code}: {self.message('en')}")

    def message(self, lang: str = "zh") -> str:
        zh, en = MESSAGES[self.code]
        template = en if lang == "en" else zh
        params = _SafeDict(self.params)
        field = self.params.get("field")
        if isinstance(field, str) and field in FIELD_LABELS:
            params["field"] = FIELD_LABELS[field][1 if lang == "en" else 0]
        return template.format_map(params)


class _SafeDict(dict):
    """Format mapping that falls back to the Chinese value for ``*_en`` keys."""

    def __missing__(self, key: str) -> str:
        if key.endswith("_en") and key[:-3] in self:
            return str(self[key[:-3]])
        return "{" + key + "}"
