"""``gongzhi points …`` end to end, in-process through core.cli.main, on a real SQLite
file and on PostgreSQL: the clerk's day, bad input that writes nothing, exports
that never overwrite, and ``points verify`` exit codes."""

from __future__ import annotations

import json

from docx import Document
from openpyxl import load_workbook
from sqlalchemy import text

from gongzhi.plugins.points_exchange import reports
from tests.plugins.points_exchange.conftest import row_counts, state_dump

CLERK, CHECKER = "积分录入员", "积分审核员"


def _ok(site, *args, operator=CLERK):
    code, out, err = site.cli("--operator", operator, *args)
    assert code == 0, err
    return out


def _json(site, *args, operator=CLERK):
    return json.loads(_ok(site, *args, "--json", operator=operator))


def _fails(site, *args, operator=CLERK, lang=None):
    before, dump = row_counts(site.db), state_dump(site.db)
    code, out, err = site.cli("--operator", operator, *args, lang=lang)
    assert code != 0, out
    assert err.strip().count("\n") == 0, err  # one line
    assert row_counts(site.db) == before and state_dump(site.db) == dump  # nothing written
    return err


def test_a_clerks_day_at_the_counter(site, street) -> None:
    # earn: by name, by pinyin initials, with a key (idempotent)
    e1 = _json(
        site, "points", "earn", "王芳", "resident_volunteer", "--key", "vol-1", "--note", "清扫楼道"
    )
    assert (e1["amount"], e1["state"], e1["result"]) == (10, "posted", "created")
    again = _json(site, "points", "earn", "wf", "resident_volunteer", "--key", "vol-1")
    assert again["result"] == "exists" and again["id"] == e1["id"]
    out = _ok(site, "points", "earn", "王芳", "resident_volunteer", "--key", "vol-1")
    assert "未重复记录" in out
    _ok(site, "points", "earn", "张建国", "grid_report", "--qty", "3")
    # a suggestion waits for a second person
    p = _json(site, "points", "earn", "王芳", "resident_suggestion")
    assert p["state"] == "pending"
    queue = _json(site, "points", "pending")
    assert [x["id"] for x in queue] == [p["id"]]
    err = _fails(site, "points", "approve", str(p["id"]))
    assert "须由另一人审核" in err
    a = _json(site, "points", "approve", str(p["id"]), operator=CHECKER)
    assert a["result"] == "created"
    assert _json(site, "points", "pending") == []
    p2 = _json(site, "points", "earn", "李娜", "resident_suggestion", "--key", "sug-li")
    _ok(site, "points", "void", "sug-li", "--note", "不合理")  # by key
    assert _json(site, "points", "history", "李娜")[0]["state"] == "voided"

    bal = _json(site, "points", "balance", "王芳")
    assert (bal["balance"], bal["available"], bal["name"]) == (20, 20, "王芳")

    # the counter: prices shown, basket all or nothing
    out = _ok(site, "points", "redeem", "王芳", "香皂:2", "--key", "r-1", "--yes")
    assert "合计 10 分" in out and "余额 10 分" in out
    r = _json(site, "points", "redeem", "王芳", "香皂:2", "--key", "r-1")
    assert r["result"] == "exists" and r["balance"] == 10
    assert {g["name"]: g["stock"] for g in _json(site, "points", "goods", "list")}["香皂"] == 8
    _ok(site, "points", "reverse", str(r["id"]), "--note", "退货")
    assert _json(site, "points", "balance", "王芳")["balance"] == 20
    goods = {g["name"]: g for g in _json(site, "points", "goods", "list")}
    assert goods["香皂"]["stock"] == 10

    # goods: add, restock, correct, price, low stock
    _ok(site, "points", "goods", "add", "毛巾", "--price", "8", "--unit", "条", "--stock", "3")
    _ok(site, "points", "goods", "restock", "毛巾", "2", "--kind", "purchase", "--key", "towel-1")
    out = _ok(
        site, "points", "goods", "restock", "毛巾", "2", "--kind", "purchase", "--key", "towel-1"
    )
    assert "未重复记录" in out
    _ok(site, "points", "goods", "correct", "毛巾", "--by", "-1", "--note", "受潮")
    _ok(site, "points", "goods", "price", "毛巾", "9")
    low = _json(site, "points", "goods", "list", "--low", "5")
    assert {(g["name"], g["stock"], g["price"]) for g in low} == {("毛巾", 4, 9), ("大米", 1, 20)}
    # a price pinned as shown: refused once it has changed
    err = _fails(site, "points", "redeem", "王芳", "毛巾:1@8", "--yes")
    assert "积分价已由 8 变为 9" in err
    _ok(site, "points", "redeem", "王芳", "毛巾:1@9", "--yes")

    # rules
    rules = {r["code"]: r for r in _json(site, "points", "rules", "list")}
    assert rules["grid_report"]["points"] == 5 and rules["grid_mediation"]["needs_approval"]
    _ok(
        site,
        "points",
        "rules",
        "add",
        "clean_up",
        "清洁家园",
        "--points",
        "8",
        "--role",
        "resident",
        "--daily-cap",
        "16",
    )
    rev = _json(site, "points", "rules", "revise", "clean_up", "--points", "12", "--daily-cap", "0")
    assert (rev["version"], rev["points"], rev["daily_cap"]) == (2, 12, None)
    assert len(_json(site, "points", "rules", "list", "--versions")) == len(rules) + 2

    # settings
    _ok(site, "points", "settings", "set", "budget_cap", "1000")
    assert _json(site, "points", "settings", "show")["budget_cap"] == 1000
    _ok(site, "points", "settings", "set", "budget_cap", "none")
    assert _json(site, "points", "settings", "show")["budget_cap"] is None
    # the counter's receipt printer: a command line, kept as typed; none clears it
    _ok(site, "points", "settings", "set", "receipt_printer", "lp -d 爱心超市 -o cpi=12")
    assert (
        _json(site, "points", "settings", "show")["receipt_printer"] == "lp -d 爱心超市 -o cpi=12"
    )
    _ok(site, "points", "settings", "set", "receipt_printer", "none")
    assert _json(site, "points", "settings", "show")["receipt_printer"] is None
    _ok(site, "points", "settings", "set", "expiry_policy", "calendar_year")
    assert _json(site, "points", "expire") == []  # everything was earned this year
    assert _json(site, "points", "expire", "--as-of", "2099-01-01")[0]["amount"] > 0
    assert _json(site, "points", "expire", "--as-of", "2099-01-01") == []  # idempotent

    out = _ok(site, "points", "verify")
    assert "账目相符" in out
    assert _json(site, "points", "verify") == {"ok": True, "violations": []}
    assert p2["state"] == "pending"


BAD_INPUT = [
    (("points", "earn", "无此人", "resident_volunteer"), "找不到居民"),
    (("points", "earn", "王芳", "no_such_rule"), "找不到积分标准"),
    (("points", "earn", "z", "resident_volunteer"), "有多人匹配"),
    (("points", "earn", "999999", "resident_volunteer"), "找不到居民"),
    (("points", "earn", "王芳", "grid_report"), "不能按「上报信息」获得积分"),
    (("points", "earn", "王芳", "resident_volunteer", "--qty", "0"), "数量须为正整数"),
    (("points", "earn", "王芳", "resident_volunteer", "--qty", "3"), "每日上限"),
    (("points", "earn", "王芳", "resident_volunteer", "--key", "x" * 65), "幂等键"),
    (("points", "approve", "999999"), "找不到积分转账"),
    (("points", "redeem", "王芳", "大米:2", "--yes"), "库存 1袋，不足 2袋"),
    (("points", "redeem", "王芳", "香皂:1", "--yes"), "可用积分为 0"),
    (("points", "redeem", "王芳", "金条", "--yes"), "找不到物品"),
    (("points", "redeem", "王芳", "香皂", "香皂", "--yes"), "出现了不止一次"),
    (("points", "redeem", "王芳", "香皂:0", "--yes"), "数量须为正整数"),
    (("points", "redeem", "王芳", "香皂:-1", "--yes"), "数量须为正整数：-1"),
    (("points", "redeem", "王芳", "香皂：两块", "--yes"), "数量须为正整数：两块"),
    (("points", "redeem", "王芳", "香皂:2@x", "--yes"), "单价无效"),
    (("points", "redeem", "王芳", "香皂:²", "--yes"), "数量须为正整数：²"),
    (("points", "redeem", "王芳", ":2", "--yes"), "物品无效"),
    (("points", "goods", "add", "香皂", "--price", "3"), "已存在"),
    (("points", "goods", "add", "肥皂", "--price", "0"), "积分须为正整数"),
    (("points", "goods", "correct", "香皂", "--by", "-11", "--note", "丢失"), "不足 11"),
    (("points", "goods", "restock", "香皂", "5", "--kind", "theft"), "取值「theft」无效"),
    (("points", "rules", "add", "x", "某标准", "--points", "5", "--role", "mayor"), "适用对象"),
    (("points", "rules", "revise", "grid_report"), "不能为空"),
    (("points", "settings", "set", "budget_cap", "0"), "积分设置「budget_cap」的值无效"),
    (("points", "settings", "set", "colour", "red"), "积分设置「colour」"),
    (
        ("points", "settings", "set", "receipt_printer", "lp -d 'open"),
        "积分设置「receipt_printer」的值无效",
    ),
    (("points", "settings", "set", "receipt_printer", " "), "积分设置「receipt_printer」的值无效"),
    (("points", "notice", "--month", "2026-13"), "月份（YYYY-MM）无效：2026-13"),
    (("points", "leaderboard", "--period", "last year"), "统计期（YYYY 或 YYYY-MM）无效"),
    (("points", "report", "--month", "March"), "无效"),
]


def test_bad_input_is_one_line_and_writes_nothing(site, street) -> None:
    """One site per backend, every bad command in turn (a site per case would be slow)."""
    for args, says in BAD_INPUT:
        err = _fails(site, *args)
        assert says in err, (args, err)


def test_errors_speak_english_too(site, street) -> None:
    err = _fails(site, "points", "redeem", "王芳", "大米:2", "--yes", lang="en")
    assert "fewer than 2" in err


def test_exports_from_the_command_line_never_overwrite(site, street, tmp_path, checker) -> None:
    from gongzhi.plugins.points_exchange import services as svc

    _ok(site, "points", "earn", "王芳", "resident_volunteer")
    w = _json(site, "points", "earn", "李娜", "resident_volunteer")
    _ok(site, "points", "earn", "李娜", "resident_suggestion")  # pending: left out
    _ok(site, "points", "reverse", str(w["id"]), operator=CHECKER)  # reversed: left out
    month = reports.this_month()
    xlsx, docx = tmp_path / "公示.xlsx", tmp_path / "榜.docx"
    out = _ok(site, "points", "notice", "--month", month, "-o", str(xlsx))
    assert "已写入" in out
    rows = [[c.value for c in row] for row in load_workbook(xlsx).active.iter_rows()]
    people = [row for row in rows if isinstance(row[0], int)]
    assert [(row[1], row[-1]) for row in people] == [("王芳", 10)]
    before = xlsx.read_bytes()
    err = _fails(site, "points", "notice", "--month", month, "-o", str(xlsx))
    assert "已存在" in err and xlsx.read_bytes() == before
    err = _fails(
        site, "points", "notice", "--month", month, "-o", str(tmp_path / "a.pdf"), "--format", "pdf"
    )
    assert "pdf" in err and not (tmp_path / "a.pdf").exists()

    _ok(site, "points", "leaderboard", "--period", month[:4], "-o", str(docx))
    cells = [[c.text for c in row.cells] for row in Document(str(docx)).tables[0].rows]
    assert cells == [
        ["名次", "姓名", "身份", "社区", "积分", "获得次数"],
        ["1", "王芳", "居民", "", "10", "1"],
    ]
    board = _json(site, "points", "leaderboard", "--period", month, "--role", "resident")
    assert [(r["name"], r["total"]) for r in board["rows"]] == [("王芳", 10)]

    notice = _json(site, "points", "notice", "--month", month)
    assert notice["total"] == 10
    report = _json(site, "points", "report", "--month", month)
    with site.db.read_session() as s:
        held = sum(svc.balance(s, p) for p in street.residents)
    assert (
        (report["issued"], report["pending"], report["outstanding"])
        == (10, 10, held)
        == (10, 10, 10)
    )
    assert report["stock_value"] == 10 * 5 + 1 * 20 and report["low_stock"] == ["大米"]
    md = _ok(site, "points", "report", "--month", month)
    assert "积分兑换月报" in md and "| 本月发放积分（已入账，扣除冲正） | 10 |" in md
    out = _ok(site, "points", "report", "--month", month, "-o", str(tmp_path / "月报.docx"))
    assert (tmp_path / "月报.docx").exists() and "已写入" in out


def _tamper(db, sql: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql))


def test_verify_exits_non_zero_on_any_violation(site, street) -> None:
    _ok(site, "points", "earn", "王芳", "resident_volunteer")
    _ok(site, "points", "verify")
    # balances and stock are stored counters the triggers allow to change: tamper behind the services
    with site.db.session() as s:
        from gongzhi.plugins.points_exchange import services as svc

        account = svc.account_of(s, street.residents[0]).id
    _tamper(
        site.db,
        f"UPDATE points_account SET credits_posted = credits_posted + 7 WHERE id = {account}",
    )
    _tamper(site.db, f"UPDATE points_goods SET stock = stock + 2 WHERE id = {street.soap}")
    code, out, err = site.cli("points", "verify")
    assert code == 1 and "账目相符" not in out
    assert "发现 3 处不符" in out  # the ledger no longer balances; the account; the stock
    assert f"account {account}: credits_posted" in out and f"goods {street.soap}: stock" in out
    code, out, _ = site.cli("points", "verify", "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert {v["check"] for v in data["violations"]} == {
        "ledger_balances",
        "stored_balance",
        "stock",
    }
