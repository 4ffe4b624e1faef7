"""What the screens show is read in one query per list (issue 13 point 9): the counter's
shelf, a person's account and a receipt's lines each cost one SELECT, however many
rows there are — counted at the real SQLite engine of the small demo street."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event, select

from gongzhi.core.services import Actor


@contextmanager
def counted(db):
    seen: list[str] = []

    def before(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_the_counters_reads_are_one_query_each(small_demo) -> None:
    from gongzhi.core.models.people import Person
    from gongzhi.plugins.points_exchange import services as svc
    from gongzhi.plugins.points_exchange.queries import load_account, load_goods, receipt_lines
    from gongzhi.plugins.points_exchange.receipts import redeem_basket

    with small_demo.read_session() as s:
        pid = s.scalar(select(Person.id).where(Person.name == "宋文斌"))
        shelf = svc.list_goods(s)
    items = [svc.BasketItem(g.id, 1, g.price) for g in shelf if g.price <= 20][:3]
    assert len(items) == 3
    receipt = redeem_basket(small_demo, Actor("志愿者"), pid, items, "basket-queries")
    assert len(receipt.lines) == 3 and receipt.total == sum(i.price for i in items)

    with small_demo.read_session() as s:
        with counted(small_demo) as seen:
            goods = load_goods(s)
        assert len(goods) == len(shelf) >= 10 and len(seen) == 1, seen
        # the most redeemed come first in the goods search: the demo's history counts
        assert sum(g.redeemed for g in goods) > 20

        with counted(small_demo) as seen:
            account = load_account(s, pid)
        assert account.name == "宋文斌" and account.balance == svc.balance(s, pid) == receipt.balance_after
        assert len(seen) == 1, seen

        with counted(small_demo) as seen:
            lines = receipt_lines(s, receipt.transfer_id)
        assert [x.quantity for x in lines] == [1, 1, 1] and len(seen) == 1, seen
        assert {x.name for x in lines} == {
            g.name for g in shelf if g.id in {i.goods_id for i in items}
        }
