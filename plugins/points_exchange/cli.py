"""``gongzhi points …``: the points ledger and the love supermarket from the command line.

PERSON by id or a unique name / pinyin / phone tail (``gongzhi.core.services.people.find_people``);
RULE by code; GOODS by id or exact name; TRANSFER by id or idempotency key. Every
command is one service call (:mod:`gongzhi.plugins.points_exchange.services`); errors are
DomainErrors with stable ``points.*`` codes, which the core CLI prints on one line
(exit 1) — a refused command writes nothing. Every listing takes ``--json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from gongzhi.core.cli.context import (
    console,
    parse_date,
    parse_local_datetime,
    print_json,
    state,
    table,
    tr,
)
from gongzhi.core.cli.lazy import lazy
from gongzhi.core.errors import DomainError
from gongzhi.plugins.points_exchange import errors as _errors  # noqa: F401  (registers the points.* codes)

# the services load when a command runs, so that registering this group stays cheap
fmt_local = lazy("gongzhi.core.models.types", "fmt_local")
find_people = lazy("gongzhi.core.services.people", "find_people")
get_person = lazy("gongzhi.core.services.people", "get_person")

app = typer.Typer(
    help="积分兑换 / points exchange (ledger, earning rules, love supermarket)",
    no_args_is_help=True,
)
rules_app = typer.Typer(help="积分标准 / earning rules", no_args_is_help=True)
goods_app = typer.Typer(help="爱心超市物品 / love-supermarket goods", no_args_is_help=True)
settings_app = typer.Typer(help="积分设置 / settings", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(goods_app, name="goods")
app.add_typer(settings_app, name="settings")


# -- helpers ----------------------------------------------------------------------


def _svc():
    from gongzhi.plugins.points_exchange import services

    return services


def _say(zh: str, en: str) -> None:
    console.print(tr(zh, en), markup=False, highlight=False)


def find_person(s, ref: str) -> int:
    """A person by id, or by a name / pinyin / phone tail that finds exactly one
    (an exact name wins over partial matches)."""
    from gongzhi.core.models.people import Person

    text = ref.strip()
    if text.isdigit():
        found_by_id = s.get(Person, int(text))
        if found_by_id is not None:
            return found_by_id.id
        if len(text) not in (4, 11):  # four digits: a phone tail; eleven: a phone number
            raise DomainError("person.not_found", ref=ref)
    found = find_people(s, text, limit=20, actor=state.actor)  # a full phone: call handlers only
    exact = [p for p in found if p.name == text]
    if len(exact) == 1:
        return exact[0].id
    if len(found) == 1:
        return found[0].id
    if len(found) > 1:
        names = "、".join(f"{p.name}({p.id})" for p in found[:5])
        raise DomainError(
            "input.invalid",
            field=tr("居民（有多人匹配，请用编号）", "person (several match; use the id)"),
            value=f"{ref} → {names}",
        )
    raise DomainError("person.not_found", ref=ref)


def _state_label(value: str) -> str:
    from gongzhi.plugins.points_exchange.models import TransferState

    return TransferState(value).label(state.language)


def _kind_label(value: str) -> str:
    from gongzhi.plugins.points_exchange.models import TransferKind

    return TransferKind(value).label(state.language)


def _line_rows(lines) -> list[list[Any]]:
    return [
        [
            ln.id,
            fmt_local(ln.created_at),
            ln.person_name,
            f"{ln.amount:+d}",
            ln.rule_label(state.language) or _kind_label(ln.kind),
            _state_label(ln.state),
            ln.recorded_by,
            ln.note,
        ]
        for ln in lines
    ]


def _line_columns() -> list[str]:
    return [
        "id",
        tr("时间", "time"),
        tr("姓名", "name"),
        tr("积分", "points"),
        tr("事项", "what"),
        tr("状态", "state"),
        tr("录入人", "recorded by"),
        tr("备注", "note"),
    ]


def _result_json(s, res) -> dict[str, Any]:
    svc = _svc()
    data = svc.transfer_line(s, res.transfer.id).as_json()
    data["result"] = res.result
    if res.moves:
        data["moves"] = [
            {
                "goods_id": m.goods_id,
                "kind": m.kind,
                "quantity": m.quantity,
                "unit_price": m.unit_price,
            }
            for m in res.moves
        ]
    return data


def _exists_note(res) -> str:
    return (
        ""
        if res.created
        else tr(
            "（该幂等键已记录过，未重复记录）",
            " (already recorded under this key; nothing changed)",
        )
    )


# -- the ledger ---------------------------------------------------------------------


@app.command("earn")
def earn(
    person: str = typer.Argument(..., help="居民 id、姓名或拼音 / person id, name or pinyin"),
    rule: str = typer.Argument(..., help="积分标准代码，如 grid_report / rule code"),
    qty: int = typer.Option(1, "--qty", help="次数 / how many times"),
    key: str | None = typer.Option(
        None, "--key", help="幂等键（重复提交只记一次）/ idempotency key"
    ),
    note: str = typer.Option("", "--note", help="备注 / note"),
    at: str | None = typer.Option(
        None, "--at", help="发生时间（补录）/ when, e.g. 2026-03-05 14:30"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """记录获得积分 / record points earned under a rule (pending approval where the rule says so)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        pid = find_person(s, person)
        res = svc.earn(
            s,
            actor=state.actor,
            person_id=pid,
            rule_code=rule.strip(),
            quantity=qty,
            key=key,
            note=note,
            at=parse_local_datetime(at),
        )
        data = _result_json(s, res)
    if as_json:
        print_json(data)
        return
    pending = data["state"] == "pending"
    _say(
        f"{data['person_name']} 按「{data['rule_name']}」获得 {data['amount']} 分（转账 {data['id']}"
        f"{'，待审核' if pending else ''}）" + _exists_note(res),
        f"{data['person_name']} earns {data['amount']} points under '{data['rule_code']}' (transfer {data['id']}"
        f"{', pending approval' if pending else ''})" + _exists_note(res),
    )


@app.command("approve")
def approve(
    transfer: str = typer.Argument(..., help="待审核转账 id 或幂等键 / pending transfer"),
    key: str | None = typer.Option(None, "--key"),
    note: str = typer.Option("", "--note"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """审核通过待审核积分（审核人须不同于录入人）/ approve a pending earning (not by its recorder)."""
    t, res, data = _act_on_transfer("approve", transfer, key, note, as_json)
    if res is not None:
        _say(
            f"转账 {t.id} 已审核通过（{data['amount']:+d} 分）" + _exists_note(res),
            f"transfer {t.id} approved ({data['amount']:+d} points)" + _exists_note(res),
        )


def _act_on_transfer(action: str, ref: str, key: str | None, note: str, as_json: bool) -> tuple[Any, Any, dict]:
    """Find the transfer, run ``services.<action>`` on it in one transaction; print the
    JSON and return ``(transfer, None, data)`` under ``--json``, else ``(transfer, result, data)``."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        t = svc.find_transfer(s, ref)
        res = getattr(svc, action)(s, actor=state.actor, transfer_id=t.id, key=key, note=note)
        data = _result_json(s, res)
    if as_json:
        print_json(data)
        return t, None, data
    return t, res, data


@app.command("void")
def void(
    transfer: str = typer.Argument(..., help="待审核转账 id 或幂等键 / pending transfer"),
    key: str | None = typer.Option(None, "--key"),
    note: str = typer.Option("", "--note", help="作废原因 / why"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """作废待审核积分 / void a pending earning."""
    t, res, _data = _act_on_transfer("void", transfer, key, note, as_json)
    if res is not None:
        _say(f"转账 {t.id} 已作废" + _exists_note(res), f"transfer {t.id} voided" + _exists_note(res))


@app.command("reverse")
def reverse(
    transfer: str = typer.Argument(..., help="已入账转账 id 或幂等键 / posted transfer"),
    key: str | None = typer.Option(None, "--key"),
    note: str = typer.Option("", "--note", help="冲正原因 / why"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """冲正一笔已入账的转账（兑换冲正时物品退回库存）/ reverse a posted transfer (a redemption's goods go back)."""
    _t, res, _data = _act_on_transfer("reverse", transfer, key, note, as_json)
    if res is not None:
        _say(
            f"转账 {res.transfer.reverses_id} 已冲正（冲正转账 {res.transfer.id}，{res.transfer.amount} 分）"
            + _exists_note(res),
            f"transfer {res.transfer.reverses_id} reversed by transfer {res.transfer.id} "
            f"({res.transfer.amount} points)" + _exists_note(res),
        )


def parse_basket_item(text: str) -> tuple[str, int, int | None]:
    """``香皂`` → (香皂, 1, None); ``香皂:3`` → (香皂, 3, None); ``香皂:3@5`` pins the
    unit price the resident was shown (refused if it has changed)."""
    raw, price = text.strip(), None
    if "@" in raw:
        raw, _, shown = raw.rpartition("@")
        if not (shown.strip().isascii() and shown.strip().isdigit()):
            raise DomainError("input.invalid", field=tr("单价", "price"), value=shown)
        price = int(shown)
    qty = 1
    sep = max(raw.rfind(":"), raw.rfind("："))
    if sep >= 0:
        raw, wanted = raw[:sep], raw[sep + 1:].strip()
        if not (wanted.isascii() and wanted.isdigit()) or int(wanted) <= 0:  # not "-1", "abc", "²"
            raise DomainError("points.invalid_quantity", value=wanted)
        qty = int(wanted)
    if not raw.strip():
        raise DomainError("input.invalid", field=tr("物品", "goods"), value=text)
    return raw.strip(), qty, price


@app.command("redeem")
def redeem(
    person: str = typer.Argument(..., help="居民 / person"),
    items: list[str] = typer.Argument(
        ..., help="物品[:数量][@单价]，如 香皂:2 大米 / GOODS[:QTY][@PRICE]"
    ),
    key: str | None = typer.Option(None, "--key", help="幂等键 / idempotency key"),
    note: str = typer.Option("", "--note"),
    yes: bool = typer.Option(False, "--yes", "-y", help="不再询问确认 / do not ask to confirm"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """爱心超市兑换：显示现价与合计，确认后一次扣分出库 / redeem a basket: shows prices and total, then all or nothing.

    Asks for confirmation at a terminal (``--yes`` skips it). ``GOODS:QTY@PRICE``
    pins the price the resident was shown: a changed price refuses the basket."""
    from gongzhi.plugins.points_exchange.services import BasketItem

    svc = _svc()
    parsed = [parse_basket_item(x) for x in items]
    db = state.database()
    with db.session() as s:
        pid = find_person(s, person)
        basket, shown = [], []
        for ref, qty, pinned in parsed:
            g = svc.find_goods(s, ref)
            price = pinned if pinned is not None else g.price
            basket.append(BasketItem(g.id, qty, price))
            shown.append([g.name, f"{qty}{g.unit}", price, qty * price, g.stock])
        total = sum(i.quantity * i.price for i in basket)
        account = svc.account_of(s, pid)
        available = account.available if account else 0
        name = get_person(s, pid).name
        s.rollback()  # end the reading transaction before asking
        if not as_json:
            table(
                [
                    tr("物品", "goods"),
                    tr("数量", "qty"),
                    tr("单价", "price"),
                    tr("小计", "subtotal"),
                    tr("库存", "stock"),
                ],
                shown,
                title=tr(f"{name} 的兑换清单", f"{name}'s basket"),
            )
            _say(
                f"合计 {total} 分；可用积分 {available} 分",
                f"total {total} points; {available} available",
            )
        if not yes and sys.stdin.isatty() and not typer.confirm(tr("确认兑换？", "redeem?")):
            raise typer.Abort()
        res = svc.redeem(s, actor=state.actor, person_id=pid, items=basket, key=key, note=note)
        data = _result_json(s, res)
        left = svc.balance(s, pid)
    if as_json:
        data["balance"] = left
        print_json(data)
        return
    _say(
        f"已兑换（转账 {res.transfer.id}），扣除 {res.transfer.amount} 分，余额 {left} 分"
        + _exists_note(res),
        f"redeemed (transfer {res.transfer.id}): {res.transfer.amount} points, balance {left}"
        + _exists_note(res),
    )


@app.command("balance")
def balance(
    person: str = typer.Argument(..., help="居民 / person"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """积分余额与近期记录 / balance and recent transfers."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        pid = find_person(s, person)
        summary = svc.person_summary(s, pid)
        name = get_person(s, pid).name
    if as_json:
        print_json(summary.as_json() | {"name": name})
        return
    _say(
        f"{name}：积分余额 {summary.balance} 分，可用 {summary.available} 分，待审核 +{summary.pending_in}；"
        f"累计获得 {summary.earned}，已兑换 {summary.redeemed}",
        f"{name}: balance {summary.balance}, available {summary.available}, pending +{summary.pending_in}; "
        f"earned {summary.earned}, redeemed {summary.redeemed}",
    )
    if summary.recent:
        table(_line_columns(), _line_rows(summary.recent), title=tr("近期记录", "recent"))


@app.command("history")
def history(
    person: str = typer.Argument(..., help="居民 / person"),
    limit: int = typer.Option(50, "--limit"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """个人积分明细（新的在前）/ a person's ledger, newest first."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        lines = svc.person_transfers(s, find_person(s, person), limit=limit)
    if as_json:
        print_json([ln.as_json() for ln in lines])
        return
    if not lines:
        _say("尚无积分记录", "no transfers")
        return
    table(_line_columns(), _line_rows(lines))


@app.command("pending")
def pending(as_json: bool = typer.Option(False, "--json")) -> None:
    """待审核积分 / the approvals queue, oldest first."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        lines = svc.pending_approvals(s)
    if as_json:
        print_json([ln.as_json() for ln in lines])
        return
    if not lines:
        _say("没有待审核的积分", "nothing awaits approval")
        return
    table(_line_columns(), _line_rows(lines), title=tr("待审核", "pending approval"))


@app.command("expire")
def expire(
    as_of: str | None = typer.Option(
        None, "--as-of", help="按此日期执行过期政策 / apply the policy as of YYYY-MM-DD"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """按过期政策清零过期积分（可重复执行）/ sweep expired points under the policy (idempotent)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        rows = svc.expire(s, actor=state.actor, as_of=parse_date(as_of))
        data = [
            {"id": t.id, "account_id": t.debit_account_id, "amount": t.amount, "key": t.key}
            for t in rows
        ]
    if as_json:
        print_json(data)
        return
    _say(
        f"过期清零 {len(data)} 个账户，共 {sum(d['amount'] for d in data)} 分",
        f"expired {sum(d['amount'] for d in data)} points on {len(data)} accounts",
    )


@app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json")) -> None:
    """核对账目：借贷平衡、余额、非负、库存、冲正配对；有问题时退出码非 0 /
    check every invariant; exit 1 on any violation."""
    from gongzhi.plugins.points_exchange.verify import verify as check

    db = state.database()
    with db.read_session() as s:
        violations = check(s)
    if as_json:
        print_json({"ok": not violations, "violations": [v.__dict__ for v in violations]})
    elif not violations:
        _say("账目相符", "the books are sound")
    else:
        _say(f"发现 {len(violations)} 处不符：", f"{len(violations)} violation(s):")
        for v in violations:
            console.print(f"  {v}", markup=False, highlight=False)
    if violations:
        raise typer.Exit(1)


# -- rules --------------------------------------------------------------------------


def _rule_json(r) -> dict[str, Any]:
    return {
        "id": r.id,
        "code": r.code,
        "version": r.version,
        "name_zh": r.name_zh,
        "name_en": r.name_en,
        "description": r.description,
        "points": r.points,
        "roles": list(r.roles),
        "daily_cap": r.daily_cap,
        "monthly_cap": r.monthly_cap,
        "needs_approval": r.needs_approval,
        "valid_from": r.valid_from,
        "valid_to": r.valid_to,
    }


@rules_app.command("list")
def rules_list(
    versions: bool = typer.Option(False, "--versions", help="列出所有版本 / every version"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """积分标准（各标准的最新版本）/ earning rules (latest versions)."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        rules = svc.list_rules(s)
        if versions:
            rules = [v for r in rules for v in svc.rule_versions(s, r.code)]
        data = [_rule_json(r) for r in rules]
    if as_json:
        print_json(data)
        return
    table(
        [
            "code",
            tr("版本", "ver."),
            tr("名称", "name"),
            tr("积分", "points"),
            tr("适用", "who"),
            tr("日上限", "day cap"),
            tr("月上限", "month cap"),
            tr("需审核", "approval"),
            tr("有效期", "valid"),
        ],
        [
            [
                r["code"],
                r["version"],
                r["name_zh"] if state.language != "en" else (r["name_en"] or r["name_zh"]),
                r["points"],
                ", ".join(r["roles"]),
                r["daily_cap"] or "",
                r["monthly_cap"] or "",
                "✓" if r["needs_approval"] else "",
                f"{r['valid_from']} – {r['valid_to'] or ''}",
            ]
            for r in data
        ],
    )


def _cap(value: int | None) -> int | None:
    return None if value == 0 else value


@rules_app.command("add")
def rules_add(
    code: str = typer.Argument(..., help="代码 / code"),
    name: str = typer.Argument(..., help="名称 / name (Chinese)"),
    points: int = typer.Option(..., "--points", help="每次积分 / points each time"),
    role: list[str] = typer.Option(
        ..., "--role", help="适用对象（可重复）：resident 或组织角色 / who may earn (repeatable)"
    ),
    name_en: str = typer.Option("", "--name-en"),
    description: str = typer.Option("", "--description"),
    daily_cap: int | None = typer.Option(
        None, "--daily-cap", help="每人每日上限（积分）/ per person per day"
    ),
    monthly_cap: int | None = typer.Option(
        None, "--monthly-cap", help="每人每月上限 / per person per month"
    ),
    approval: bool = typer.Option(
        False, "--approval", help="须另一人审核 / needs a second person's approval"
    ),
    valid_from: str | None = typer.Option(None, "--from", help="生效日期 / valid from YYYY-MM-DD"),
    valid_to: str | None = typer.Option(None, "--to", help="失效日期 / valid to YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """新增积分标准 / add an earning rule."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        r = svc.create_rule(
            s,
            actor=state.actor,
            code=code,
            name_zh=name,
            points=points,
            roles=role,
            name_en=name_en,
            description=description,
            daily_cap=_cap(daily_cap),
            monthly_cap=_cap(monthly_cap),
            needs_approval=approval,
            valid_from=parse_date(valid_from),
            valid_to=parse_date(valid_to),
        )
        data = _rule_json(r)
    if as_json:
        print_json(data)
    else:
        _say(
            f"已新增积分标准 {r.code}：{r.name_zh}，{r.points} 分",
            f"rule {r.code} added: {r.points} points",
        )


@rules_app.command("revise")
def rules_revise(
    code: str = typer.Argument(..., help="代码 / code"),
    name: str | None = typer.Option(None, "--name"),
    name_en: str | None = typer.Option(None, "--name-en"),
    description: str | None = typer.Option(None, "--description"),
    points: int | None = typer.Option(None, "--points"),
    role: list[str] = typer.Option(
        [], "--role", help="新的适用对象（可重复，替换原有）/ who may earn (replaces)"
    ),
    daily_cap: int | None = typer.Option(None, "--daily-cap", help="0 = 不设上限 / 0 = no cap"),
    monthly_cap: int | None = typer.Option(None, "--monthly-cap", help="0 = 不设上限 / 0 = no cap"),
    approval: bool | None = typer.Option(None, "--approval/--no-approval"),
    valid_from: str | None = typer.Option(
        None, "--from", help="新版本生效日期（默认今天）/ in force from"
    ),
    valid_to: str | None = typer.Option(None, "--to", help="停用日期 / retire after this day"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """修订积分标准（生成新版本，已记录的积分不变）/ revise a rule: a new version; past transfers keep their points."""
    changes: dict[str, Any] = {}
    for key, value in (
        ("name_zh", name),
        ("name_en", name_en),
        ("description", description),
        ("points", points),
    ):
        if value is not None:
            changes[key] = value
    if role:
        changes["roles"] = role
    if daily_cap is not None:
        changes["daily_cap"] = _cap(daily_cap)
    if monthly_cap is not None:
        changes["monthly_cap"] = _cap(monthly_cap)
    if approval is not None:
        changes["needs_approval"] = approval
    if valid_from is not None:
        changes["valid_from"] = parse_date(valid_from)
    if valid_to is not None:
        changes["valid_to"] = parse_date(valid_to)
    if not changes:
        raise DomainError("input.required", field="--points/--role/--daily-cap/…")
    svc = _svc()
    db = state.database()
    with db.session() as s:
        r = svc.revise_rule(s, actor=state.actor, code=code, **changes)
        data = _rule_json(r)
    if as_json:
        print_json(data)
    else:
        _say(
            f"积分标准 {r.code} 已修订为第 {r.version} 版（{r.points} 分，{r.valid_from} 起）",
            f"rule {r.code} revised: version {r.version} ({r.points} points from {r.valid_from})",
        )


# -- goods --------------------------------------------------------------------------


def _goods_json(g) -> dict[str, Any]:
    return {
        "id": g.id,
        "name": g.name,
        "unit": g.unit,
        "price": g.price,
        "stock": g.stock,
        "active": g.active,
    }


@goods_app.command("add")
def goods_add(
    name: str = typer.Argument(..., help="物品名称 / name"),
    price: int = typer.Option(..., "--price", help="兑换所需积分 / points price"),
    unit: str = typer.Option("件", "--unit", help="单位 / unit"),
    stock: int = typer.Option(0, "--stock", help="初始库存 / initial stock"),
    kind: str = typer.Option("donation", "--kind", help="donation（捐赠）| purchase（采购）"),
    note: str = typer.Option("", "--note"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """上架新物品 / put new goods on the shelf."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        g = svc.add_goods(
            s,
            actor=state.actor,
            name=name,
            price=price,
            unit=unit,
            stock=stock,
            kind=kind,
            note=note,
        )
        data = _goods_json(g)
    if as_json:
        print_json(data)
    else:
        _say(
            f"已上架 {g.name}（编号 {g.id}），{g.price} 分/{g.unit}，库存 {g.stock}",
            f"{g.name} (id {g.id}) on the shelf: {g.price} points per {g.unit}, {g.stock} in stock",
        )


def _move_done(s, res, goods_id: int, as_json: bool) -> None:
    svc = _svc()
    g = svc.get_goods(s, goods_id)
    if as_json:
        print_json(
            _goods_json(g)
            | {"result": res.result, "move_id": res.move.id, "quantity": res.move.quantity}
        )
        return
    note = (
        ""
        if res.created
        else tr("（该幂等键已记录过，未重复记录）", " (already recorded under this key)")
    )
    _say(
        f"{g.name} 库存 {res.move.quantity:+d}，现为 {g.stock}{g.unit}{note}",
        f"{g.name}: stock {res.move.quantity:+d}, now {g.stock}{note}",
    )


@goods_app.command("restock")
def goods_restock(
    goods: str = typer.Argument(..., help="物品 id 或名称 / goods"),
    qty: int = typer.Argument(..., help="入库数量 / quantity"),
    kind: str = typer.Option("donation", "--kind", help="donation（捐赠）| purchase（采购）"),
    key: str | None = typer.Option(None, "--key"),
    note: str = typer.Option("", "--note"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """入库（捐赠或采购）/ goods arrive (donation or purchase)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        g = svc.find_goods(s, goods)
        res = svc.restock(
            s, actor=state.actor, goods_id=g.id, quantity=qty, kind=kind, key=key, note=note
        )
        _move_done(s, res, g.id, as_json)


@goods_app.command("correct")
def goods_correct(
    goods: str = typer.Argument(..., help="物品 id 或名称 / goods"),
    by: int = typer.Option(
        ..., "--by", help="盘点差额，如 -2 或 3 / the difference found, e.g. -2"
    ),
    note: str = typer.Option(..., "--note", help="原因（必填）/ why (required)"),
    key: str | None = typer.Option(None, "--key"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """盘点更正 / a stocktaking correction."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        g = svc.find_goods(s, goods)
        res = svc.correct_stock(
            s, actor=state.actor, goods_id=g.id, quantity=by, note=note, key=key
        )
        _move_done(s, res, g.id, as_json)


@goods_app.command("price")
def goods_price(
    goods: str = typer.Argument(..., help="物品 id 或名称 / goods"),
    price: int = typer.Argument(..., help="新的积分价 / new points price"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """调整积分价 / set a new points price."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        g = svc.find_goods(s, goods)
        old = g.price
        g = svc.set_price(s, actor=state.actor, goods_id=g.id, price=price)
        data = _goods_json(g)
    if as_json:
        print_json(data)
    else:
        _say(f"{g.name} 积分价 {old} → {g.price}", f"{g.name}: price {old} → {g.price}")


@goods_app.command("list")
def goods_list(
    low: int | None = typer.Option(
        None,
        "--low",
        help="只列库存少于 N 的物品（省略 N 为 5）/ only stock below N",
        show_default=False,
    ),
    show_all: bool = typer.Option(False, "--all", help="含已下架 / include goods off the shelf"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """物品与库存 / goods and stock."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        data = [_goods_json(g) for g in svc.list_goods(s, include_inactive=show_all, below=low)]
    if as_json:
        print_json(data)
        return
    if not data:
        _say("没有符合条件的物品", "no goods")
        return
    table(
        [
            "id",
            tr("物品", "goods"),
            tr("单位", "unit"),
            tr("积分价", "price"),
            tr("库存", "stock"),
            tr("在架", "on shelf"),
        ],
        [
            [g["id"], g["name"], g["unit"], g["price"], g["stock"], "✓" if g["active"] else ""]
            for g in data
        ],
    )


# -- notice, leaderboard, report ------------------------------------------------------


def _written(path: Path) -> None:
    _say(f"已写入 {path}", f"written to {path}")


@app.command("notice")
def notice(
    month: str = typer.Option(..., "--month", help="月份 YYYY-MM / month"),
    fmt: str | None = typer.Option(
        None, "--format", help="xlsx|docx|md（默认按文件扩展名）/ default: the file's suffix"
    ),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="写入文件（不覆盖）/ file (never overwritten)"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """月度积分公示（已入账、扣除冲正，不含待审核）/ a month's public notice of earnings."""
    from gongzhi.plugins.points_exchange import reports

    period = reports.parse_month(month)
    n = _build_report(lambda s: reports.month_notice(s, period), reports.notice_document, output, fmt, as_json)
    if n is not None:
        console.print(
            reports.to_markdown(reports.notice_document(n)), markup=False, highlight=False
        )


def _build_report(build, document, output: Path | None, fmt: str | None, as_json: bool):
    """Read ``build(session)``; write it as a document to ``output`` (refused before any
    work if the file exists), or print its JSON. Returns it when the caller should
    print it on screen, else None."""
    from gongzhi.plugins.points_exchange import reports

    if output is not None:
        reports.target(output, fmt)  # refuse before any work
    db = state.database()
    with db.read_session() as s:
        built = build(s)
        if output is not None:
            path = reports.write_document(document(built, street=reports.street_name(s)), output, fmt)
    if output is not None:
        _written(path)
    elif as_json:
        print_json(built.as_json())
    else:
        return built
    return None


@app.command("leaderboard")
def leaderboard(
    period: str = typer.Option(..., "--period", help="YYYY 或 YYYY-MM / a year or a month"),
    role: str | None = typer.Option(
        None, "--role", help="只排此角色，如 micro_grid_worker、resident / one role"
    ),
    top: int = typer.Option(10, "--top", help="前 N 名 / top N"),
    fmt: str | None = typer.Option(None, "--format", help="xlsx|docx|md"),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="写入文件（不覆盖）/ file (never overwritten)"
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """积分排行榜 / leaderboard of a year or month (posted, net of reversals)."""
    from gongzhi.plugins.points_exchange import reports

    p = reports.parse_period(period)
    b = _build_report(lambda s: reports.leaderboard(s, p, role=role, top=top), reports.leaderboard_document,
                      output, fmt, as_json)
    if b is not None:
        table(
            [
                tr("名次", "rank"),
                tr("姓名", "name"),
                tr("身份", "role"),
                tr("社区", "community"),
                tr("积分", "points"),
                tr("次数", "earnings"),
            ],
            [[r.rank, r.name, r.role, r.community, r.total, r.count] for r in b.rows],
            title=reports.leaderboard_document(b).title,
        )


@app.command("report")
def report(
    month: str = typer.Option(..., "--month", help="月份 YYYY-MM / month"),
    fmt: str | None = typer.Option(None, "--format", help="xlsx|docx|md"),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="写入文件（不覆盖）/ file (never overwritten)"
    ),
    low: int = typer.Option(5, "--low", help="库存少于 N 视为偏低 / low stock below N"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """积分月报：发放、兑换、过期、结余、库存价值、库存偏低 / the monthly report."""
    from gongzhi.plugins.points_exchange import reports

    period = reports.parse_month(month)
    r = _build_report(lambda s: reports.monthly_report(s, period, low=low), reports.report_document,
                      output, fmt, as_json)
    if r is not None:
        console.print(
            reports.to_markdown(reports.report_document(r)), markup=False, highlight=False
        )


# -- settings ---------------------------------------------------------------------------


@settings_app.command("show")
def settings_show(as_json: bool = typer.Option(False, "--json")) -> None:
    """当前积分设置 / the current settings."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        data = dict(svc.get_settings(s).__dict__)
    if as_json:
        print_json(data)
        return
    table(
        [tr("设置", "setting"), tr("值", "value")],
        [[k, json.dumps(v, ensure_ascii=False)] for k, v in data.items()],
    )


def parse_setting_value(text: str) -> Any:
    """``none``/``null`` → None; JSON (``500``, ``{"grid_worker": "grid_report"}``); else the text."""
    t = text.strip()
    if t.lower() in ("none", "null", "-"):
        return None
    try:
        return json.loads(t)
    except ValueError:
        return t


@settings_app.command("set")
def settings_set(
    key: str = typer.Argument(
        ..., help="budget_cap|budget_period|expiry_policy|expiry_months|request_rules|receipt_printer"
    ),
    value: str = typer.Argument(..., help="值（none 清除；JSON）/ value (none clears; JSON)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """修改积分设置 / change a setting."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        data = dict(
            svc.update_settings(
                s, actor=state.actor, **{key.strip(): parse_setting_value(value)}
            ).__dict__
        )
    if as_json:
        print_json(data)
    else:
        _say(
            f"已设置 {key} = {json.dumps(data.get(key), ensure_ascii=False)}",
            f"{key} set to {json.dumps(data.get(key), ensure_ascii=False)}",
        )
