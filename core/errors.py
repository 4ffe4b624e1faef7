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
    "input.control_chars": ("{field}不能含有控制字符或换行", "{field} must not contain control characters or line breaks"),
    "input.invisible_chars": ("{field}不能含有不可见字符（零宽字符、文字方向控制符等）",
                              "{field} must not contain invisible characters (zero-width or text-direction controls)"),
    "input.bad_encoding": ("输入含有无法识别的字节（不是有效的 UTF-8 文字）：{value}", "the input holds bytes that are not valid UTF-8 text: {value}"),
    "input.out_of_range": ("{field}超出范围：{value}（应在 {min} 到 {max} 之间）", "{field} is out of range: {value} (expected {min} to {max})"),
    "input.future_date": ("{field}不能晚于今天（{today}）：{value}", "{field} cannot be after today ({today}): {value}"),
    "input.date_too_early": ("{field}不能早于 {earliest}：{value}", "{field} cannot be before {earliest}: {value}"),
    "input.invalid_date": ("日期「{value}」格式无效，应为 YYYY-MM-DD", "invalid date '{value}'; expected YYYY-MM-DD"),
    "input.impossible_date": ("日期「{value}」不存在：日历上没有这一天（日期写作 YYYY-MM-DD）",
                              "the date '{value}' does not exist: the calendar has no such day (dates are written YYYY-MM-DD)"),
    "db.not_upgraded": ("数据库结构不是最新版本（当前 {current}，需要 {head}），请运行 gongzhi db upgrade", "database schema is not up to date (at {current}, need {head}); run 'gongzhi db upgrade'"),
    "db.unsupported_url": ("不支持的数据库地址：{url}", "unsupported database URL: {url}"),
    "db.missing": ("数据库文件 {path} 不存在（未新建）；请检查 --db 地址，新建数据库请用 gongzhi db upgrade --create", "the database file {path} does not exist (nothing was created); check the --db URL, or create a new database with 'gongzhi db upgrade --create'"),
    "db.unknown_revision": ("没有这个数据库版本：{revision}（最新为 {head}）", "no such database revision: {revision} (head is {head})"),
    "db.relative_revision": ("请写出目标版本号（如 {head}），不接受相对版本「{revision}」；升级不能回退",
                             "name the target revision (e.g. {head}); a relative revision like '{revision}' is not accepted, and an upgrade never goes back"),
    "db.backup_unsupported": ("PostgreSQL 请使用 pg_dump 备份", "back up PostgreSQL with pg_dump"),
    "db.scope_postgresql_only": ("按社区限定数据库登录只适用于 PostgreSQL", "confining a database login to communities applies to PostgreSQL only"),
    "db.scope_not_community": ("{name} 不是社区，只能按社区限定", "{name} is not a community; logins are confined to communities"),
    "db.scope_denied": ("当前登录无权修改登录范围，请以数据库所有者身份运行", "this login may not change login scopes: run it as the database owner"),
    "db.permission_denied": ("当前数据库登录无权这样做（只能读写所属社区的数据，或追加表不可改）：{detail}",
                             "this database login may not do that (it reads and writes only its communities' rows, or the table is append-only): {detail}"),
    "db.verify_scoped": ("当前登录按社区限定，看不到全部记录，无法核对哈希链；请以数据库所有者或不限社区的登录运行",
                         "this login is confined to communities and cannot see every row: verify the hash chains as the database owner or an unconfined login"),
    "config.invalid": ("配置文件 {path} 有误：{detail}", "config file {path} is invalid: {detail}"),
    "demo.not_empty": ("数据库中已有数据，演示街道只能建在空库中（可用 --db 指定新库）", "the database already holds data; build the demo street in an empty database (use --db)"),
    # exports
    "export.too_long_for_word": ("{rows} 件诉求太多，不宜做成 Word 表格（最多 {max} 件）：请缩小筛选或导出为 .xlsx", "{rows} requests are too many for a Word table (at most {max}): narrow the filter or export to .xlsx"),
    "export.exists": ("文件 {path} 已存在，不会覆盖", "{path} exists and will not be overwritten"),
    "export.no_folder": ("文件夹 {path} 不存在", "the folder {path} does not exist"),
    # imports (core.importing): the file as a whole
    "import.file_missing": ("找不到文件：{path}", "file not found: {path}"),
    "import.unsupported_format": ("不支持的文件类型「{suffix}」：应为 .csv、.xlsx 或 .xls", "unsupported file type '{suffix}': expected .csv, .xlsx or .xls"),
    "import.unreadable": ("无法读取文件 {path}：{detail}", "cannot read {path}: {detail}"),
    "import.empty": ("文件 {path} 没有数据行", "{path} has no data rows"),
    "import.unknown_profile": ("没有名为「{name}」的导入配置（可用：{available}）", "no import profile named '{name}' (available: {available})"),
    "import.no_profile_fits": ("没有哪个导入配置能对上这个文件的表头，请用 --profile 指定（可用：{available}）", "no import profile fits this file's header; name one with --profile (available: {available})"),
    "import.missing_columns": ("文件缺少必需的列：{columns}", "the file lacks required columns: {columns}"),
    "import.has_errors": ("{count} 行有错误，未写入任何数据（--dry-run 查看全部错误，--valid-only 只导入正确的行）", "{count} rows have errors; nothing was written (--dry-run lists them all, --valid-only imports the valid rows only)"),
    # imports: one cell of one row (the reason column of the report)
    "import.required": ("不能为空", "is empty"),
    "import.place_gap": ("缺少上一级「{level}」", "the level above ('{level}') is missing"),
    "import.no_street": ("地点库里没有唯一的街道（根节点），请先建立街道", "the place tree has no single street at its root; create the street first"),
    "import.bad_datetime": ("无法识别的时间格式", "unrecognised date or time"),
    "import.impossible_datetime": ("不存在的日期或时间", "no such date or time"),
    "import.scientific_ticket": ("工单号已被 Excel 改为科学计数法，原号码已丢失：请把该列设为文本后重新导出", "Excel turned the ticket number into scientific notation and its digits are lost: export the column as text"),
    "import.bad_ticket": ("工单号只能含字母、数字和连字符，不超过 60 个字符", "a ticket number holds letters, digits and hyphens only, at most 60 characters"),
    "import.duplicate_ticket": ("与第 {first} 行的工单号重复", "same ticket number as row {first}"),
    "import.duplicate_row": ("与第 {first} 行重复", "same as row {first}"),
    "import.scientific_number": ("号码已被 Excel 改为科学计数法，原号码已丢失：请把该列设为文本后重新导出", "Excel turned the number into scientific notation and its digits are lost: export the column as text"),
    "import.unknown_value": ("无法识别的取值（可用：{choices}）", "unrecognised value (use: {choices})"),
    "import.not_a_household": ("住址应为「户」级地点，「{place}」不是", "the home must be a household; '{place}' is not"),
    "import.unknown_category": ("未知的诉求类别（可在导入配置的 categories 中对应）", "unknown category (map it in the profile's categories)"),
    "import.unknown_status": ("未知的工单状态（可在导入配置的 statuses 中对应）", "unknown ticket status (map it in the profile's statuses)"),
    "import.unknown_channel": ("未知的渠道（可在导入配置的 channels 中对应）", "unknown channel (map it in the profile's channels)"),
    "import.address_not_found": ("地点库中没有与该地址完全一致的地点", "no place in the place tree matches this address exactly"),
    "import.address_approximate": ("地址不完全一致，按「{place}」导入，请核对", "the address is not exact; imported as '{place}', please check"),
    "import.address_ambiguous": ("该地址对应多个地点：{places}", "this address matches several places: {places}"),
    "import.too_long": ("不能超过 {max} 个字符（现为 {length}）", "at most {max} characters (got {length})"),
    "import.no_path": ("诉求 {ref} 不能从「{from_label}」变为「{to_label}」", "request {ref} cannot go from {from_label_en} to {to_label_en}"),
    "import.content_truncated": ("内容共 {length} 字，只导入前 {max} 字，其余 {rest} 字未导入", "content has {length} characters; the first {max} were imported, {rest} were not"),
    "import.reporter_not_found": ("没有登记该电话的居民，诉求未记反映人", "no registered resident has this phone; the request names no reporter"),
    "import.address_rejected": ("核对时拒绝了地址匹配「{place}」，该行未导入：请改正地址后重新导入", "the address match '{place}' was rejected on review; the row was not imported: correct the address and import again"),
    "import.address_unconfirmed": ("地址不完全一致（最接近「{place}」），未经确认不导入：核对后加 --confirm-approximate，或在导入界面核对",
                                   "the address is not exact (closest: '{place}') and was not confirmed: check it, then add --confirm-approximate, or review it in the import screen"),
    "import.rejected_not_writable": ("无法在 {path} 写入未导入行的工作簿，未导入任何数据：请换到可写的文件夹或不加 --valid-only",
                                     "the workbook of rejected rows cannot be written in {path}; nothing was imported: use a folder you can write to, or leave out --valid-only"),
    "import.bad_profile_name": ("导入配置名「{name}」无效：只能用汉字、字母、数字、-、_，不超过 40 个字符", "invalid import profile name '{name}': use Chinese characters, letters, digits, - and _, at most 40"),
    "export.not_writable": ("无法写入文件夹 {path}（没有写权限）", "cannot write into the folder {path} (no permission)"),
    "file.os_error": ("无法读写文件 {path}：{detail}", "cannot read or write {path}: {detail}"),
    # plugins
    "plugin.unknown": ("没有名为「{name}」的插件（已安装：{available}）", "no plugin named '{name}' (installed: {available})"),
    "plugin.not_enabled": ("插件「{name}」未启用", "plugin '{name}' is not enabled"),
    "plugin.load_failed": ("插件「{name}」加载失败：{detail}", "plugin '{name}' failed to load: {detail}"),
    "plugin.unknown_hook": ("插件「{plugin}」实现了不存在的钩子：{detail}", "plugin '{plugin}' implements an unknown hook: {detail}"),
    "plugin.missing_dependency": ("插件「{name}」依赖未启用的插件：{depends}", "plugin '{name}' depends on plugins that are not enabled: {depends}"),
    "plugin.required_by": ("插件「{name}」被以下已启用插件依赖，不能停用：{dependants}", "plugin '{name}' is required by enabled plugins: {dependants}"),
    "plugin.dependency_cycle": ("插件依赖出现循环：{name}", "plugin dependencies form a cycle at {name}"),
    "plugin.table_collision": ("插件「{name}」的数据表 {table} 与 {other} 冲突", "plugin '{name}' table {table} collides with {other}"),
    # operators, roles, permissions (issue 15)
    "permission.denied": ("操作员「{operator}」无权{what}", "operator '{operator}' may not {what_en}"),
    "permission.unknown": ("未声明的权限：{name}", "undeclared permission: {name}"),
    "permission.duplicate": ("权限「{name}」已由 {source} 声明", "permission '{name}' is already declared by {source}"),
    "operator.not_found": ("找不到操作员：{ref}", "operator not found: {ref}"),
    "operator.first_not_admin": ("第一个操作员账号必须是街道上的街道管理员（--role street_admin，地点为街道），否则没有人能再管理账号",
                                 "the first operator account must be street_admin on the street (--role street_admin, on the street): otherwise no one could manage accounts"),
    "operator.db_refused": ("数据库拒绝了这次账号修改：{detail}", "the database refused this change to operator accounts: {detail}"),
    "operator.duplicate": ("操作员账号「{login}」已存在", "the operator account '{login}' already exists"),
    "operator.invalid_login": ("账号「{value}」无效：只能用字母、数字、点、下划线和连字符", "invalid login '{value}': use letters, digits, dots, underscores and hyphens"),
    "operator.weak_password": ("密码至少需要 {min} 个字符", "the password needs at least {min} characters"),
    "auth.failed": ("账号或密码错误", "wrong login or password"),
    "auth.locked": ("账号「{login}」因多次登录失败已锁定，请于 {until} 后再试", "the account '{login}' is locked after repeated failed logins; try again after {until}"),
    "auth.disabled": ("账号「{login}」已停用", "the account '{login}' is disabled"),
    "auth.login_required": ("此数据库启用了操作员账号，请先运行 gongzhi login", "this database has operator accounts; run 'gongzhi login' first"),
    "auth.session_expired": ("登录已过期，请重新运行 gongzhi login", "your login has expired; run 'gongzhi login' again"),
    "auth.operator_claim": ("此数据库启用了操作员账号，不能用 GONGZHI_OPERATOR 或 --operator 指定身份，请 gongzhi login", "this database has operator accounts: GONGZHI_OPERATOR and --operator cannot name the actor; run 'gongzhi login'"),
    "serve.no_operators": ("此数据库还没有操作员账号：浏览器访问必须登录，请先用 gongzhi operator add 建账号", "this database has no operator accounts: browser sessions must log in; create one with 'gongzhi operator add' first"),
    "serve.bad_port": ("端口「{value}」无效：请用 1–65535 之间的数字", "invalid port '{value}': use a number from 1 to 65535"),
    "serve.cannot_listen": ("无法在 {host}:{port} 上监听：{detail}", "cannot listen on {host}:{port}: {detail}"),
    "person.reveal_reason_required": ("查看完整号码必须填写原因（--reason）", "revealing the numbers needs a reason (--reason)"),
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
    "request.duplicate_external_id": ("外部工单号 {external_id} 已登记为诉求 {ref}", "external ticket {external_id} is already request {ref}"),
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
    "request.invalid_due": ("办理期限 {value} 无效：应在诉求登记（{created}）之后、派单后 {days} 天以内", "the due date {value} is invalid: it must fall after the request was logged ({created}) and within {days} days of the dispatch"),
    "request.attachment_empty": ("附件「{path}」是空文件", "attachment '{path}' is an empty file"),
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
    "query": ("查找内容", "search text"),
    "quantity": ("数量", "quantity"),
    "sla": ("办理时限（小时）", "SLA hours"),
    "number": ("数字", "number"),
    "points": ("积分", "points"),
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
