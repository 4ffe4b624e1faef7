"""The points exchange's error codes (``points.*``), Chinese first.

Codes are stable: the CLI, the TUI and scripts match on them, and
tests/plugins/points_exchange/test_errors.py has one table-driven case per code.
The ``exists_with_different_*`` family follows TigerBeetle: an idempotency key
already used for a transfer with other content is refused, naming the first
field that differs (``fields`` lists all of them).
"""

from __future__ import annotations

from gongzhi.core.errors import register_messages

# transfer fields compared when an idempotency key comes back, in this order;
# the first that differs names the error code
COMPARED_FIELDS: dict[str, tuple[str, str]] = {
    "kind": ("类型", "kind"),
    "debit_account": ("借方账户", "debit account"),
    "credit_account": ("贷方账户", "credit account"),
    "amount": ("积分数", "amount"),
    "rule": ("积分标准", "rule"),
    "quantity": ("次数", "quantity"),
    "flags": ("入账方式（直接入账/待审核/审核/作废）", "flags (posted, pending, post or void)"),
    "pending_id": ("所审核的待审核转账", "pending transfer"),
    "reverses": ("所冲正的转账", "reversed transfer"),
    "request": ("诉求", "request"),
    "basket": ("兑换清单", "basket"),
    "goods": ("物品", "goods"),
    "move_kind": ("库存变动类型", "stock move kind"),
}

MESSAGES: dict[str, tuple[str, str]] = {
    # the ledger
    "points.exceeds_credits": (
        "{person}的可用积分为 {available}，不足 {amount}",
        "{person} has {available} points available, fewer than {amount}",
    ),
    "points.already_reversed": (
        "转账 {ref} 已被转账 {reversal} 冲正，不能再次冲正",
        "transfer {ref} has already been reversed by transfer {reversal}",
    ),
    "points.cannot_reverse_reversal": (
        "转账 {ref} 本身是冲正，不能再冲正（如需更正请重新录入）",
        "transfer {ref} is itself a reversal and cannot be reversed (record it again instead)",
    ),
    "points.not_posted": (
        "转账 {ref} 当前「{state}」，只有已入账的转账才能冲正",
        "transfer {ref} is {state_en}; only a posted transfer can be reversed",
    ),
    "points.not_pending": (
        "转账 {ref} 不是待审核的积分，不能审核或作废",
        "transfer {ref} is not pending, so it cannot be approved or voided",
    ),
    "points.pending_already_posted": (
        "转账 {ref} 已审核通过（转账 {by}）",
        "transfer {ref} has already been approved (transfer {by})",
    ),
    "points.pending_already_voided": (
        "转账 {ref} 已作废（转账 {by}）",
        "transfer {ref} has already been voided (transfer {by})",
    ),
    "points.approver_is_recorder": (
        "转账 {ref} 由 {recorder} 录入，须由另一人审核",
        "transfer {ref} was recorded by {recorder}; another person must approve it",
    ),
    "points.transfer_not_found": ("找不到积分转账：{ref}", "points transfer not found: {ref}"),
    "points.invalid_key": (
        "幂等键须为 1–64 个字符：「{key}」",
        "an idempotency key must be 1-64 characters: '{key}'",
    ),
    # earning rules
    "points.rule_not_found": ("找不到积分标准：{ref}", "earning rule not found: {ref}"),
    "points.rule_exists": (
        "积分标准「{code}」已存在，请修订为新版本",
        "earning rule '{code}' exists; revise it as a new version",
    ),
    "points.rule_not_valid": (
        "积分标准「{code}」在 {date} 不适用（有效期 {valid_from} 至 {valid_to}）",
        "earning rule '{code}' does not apply on {date} (valid {valid_from} to {valid_to})",
    ),
    "points.role_not_allowed": (
        "{person}不能按「{rule}」获得积分（限：{roles}）",
        "{person} cannot earn under '{rule_en}' (only: {roles})",
    ),
    "points.invalid_role": (
        "积分标准的适用对象「{value}」无效，可选：{choices}",
        "invalid earner role '{value}'; choose from: {choices}",
    ),
    "points.invalid_dates": (
        "有效期结束日 {valid_to} 早于开始日 {valid_from}",
        "the rule ends ({valid_to}) before it starts ({valid_from})",
    ),
    "points.daily_cap_reached": (
        "{person}今天按「{rule}」已得 {earned} 分，再得 {amount} 分将超过每日上限 {cap} 分",
        "{person} has earned {earned} points under '{rule_en}' today; {amount} more would pass the daily cap of {cap}",
    ),
    "points.monthly_cap_reached": (
        "{person}本月按「{rule}」已得 {earned} 分，再得 {amount} 分将超过每月上限 {cap} 分",
        "{person} has earned {earned} points under '{rule_en}' this month; {amount} more would pass the monthly cap of {cap}",
    ),
    "points.budget_exceeded": (
        "{period}已发放积分 {issued} 分，再发 {amount} 分将超过总额 {cap} 分",
        "{issued} points have been issued in {period}; {amount} more would pass the budget of {cap}",
    ),
    # goods and the counter
    "points.goods_not_found": ("找不到物品：{ref}", "goods not found: {ref}"),
    "points.goods_exists": ("物品「{name}」已存在", "goods '{name}' already exist"),
    "points.goods_inactive": ("物品「{name}」已下架", "goods '{name}' are no longer offered"),
    "points.out_of_stock": (
        "「{goods}」库存 {stock}{unit}，不足 {quantity}{unit}",
        "'{goods}': {stock} in stock, fewer than {quantity}",
    ),
    "points.price_changed": (
        "「{goods}」的积分价已由 {shown} 变为 {price}，请重新确认",
        "the price of '{goods}' changed from {shown} to {price}; confirm again",
    ),
    "points.empty_basket": ("兑换清单是空的", "the basket is empty"),
    "points.duplicate_goods": (
        "兑换清单中「{goods}」出现了不止一次",
        "'{goods}' appears more than once in the basket",
    ),
    "points.invalid_quantity": (
        "数量须为正整数：{value}",
        "the quantity must be a positive whole number: {value}",
    ),
    "points.invalid_points": (
        "积分须为正整数：{value}",
        "points must be a positive whole number: {value}",
    ),
    "points.invalid_correction": ("盘点更正的数量不能为 0", "a stock correction cannot be zero"),
    "points.stock_too_high": (
        "「{goods}」的库存将为 {stock}{unit}，超过上限 {max}",
        "'{goods}': the stock would be {stock}, above the limit of {max}",
    ),
    # settings
    "points.invalid_setting": (
        "积分设置「{key}」的值无效：{value}",
        "invalid value for points setting '{key}': {value}",
    ),
    # the counter's printer (setting receipt_printer)
    "points.print_failed": (
        "小票未能打印（打印命令「{command}」：{detail}）；Word 小票已保存",
        "the receipt was not printed (printer command '{command}': {detail}); "
        "the Word receipt was saved",
    ),
}

for _field, (_zh, _en) in COMPARED_FIELDS.items():
    MESSAGES[f"points.exists_with_different_{_field}"] = (
        f"幂等键「{{key}}」已用于另一笔记录（转账 {{ref}}），{_zh}不同（不同之处：{{fields}}）",
        f"idempotency key '{{key}}' was already used (transfer {{ref}}) with a different {_en} "
        f"(differs: {{fields_en}})",
    )

register_messages(MESSAGES)
