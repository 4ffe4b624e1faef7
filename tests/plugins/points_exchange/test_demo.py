"""The demo street's love supermarket: built through the services on a small demo
street, on SQLite and PostgreSQL alike — the same ledger for the same seed on both
(deterministic), plausible counts, ``verify()`` clean, run once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

import pytest
from sqlalchemy import func, select

from gongzhi.core.demo import DEFAULT_NOW, build_demo
from gongzhi.core.services import Actor
from gongzhi.plugins.points_exchange import reports
from gongzhi.plugins.points_exchange import services as svc
from gongzhi.plugins.points_exchange.demo import GOODS, build_love_supermarket
from gongzhi.plugins.points_exchange.models import Goods, Transfer
from gongzhi.plugins.points_exchange.verify import verify
from tests.dbs import pg_database
from tests.plugins.points_exchange.conftest import PLUGIN, row_counts


@pytest.fixture
def pg_site(gongzhi_site, pg_url, pg_template) -> Iterator:
    with pg_database(pg_url, "gz_points_demo", template=pg_template) as db:
        yield gongzhi_site(plugins=[PLUGIN], url=db.url)


def _ledger(db) -> list[tuple]:
    with db.read_session() as s:
        rows = s.scalars(select(Transfer).where(Transfer.key.like("demo:%")).order_by(Transfer.id))
        return [(t.key, t.kind, t.phase, t.amount, t.created_at.astimezone(UTC)) for t in rows]


def _holders(session, role: str) -> list[int]:
    from gongzhi.core.models.orgs import Membership

    return list(session.scalars(select(Membership.person_id).where(Membership.role == role)))


def test_the_love_supermarket_demo(gongzhi_site, pg_site) -> None:
    sqlite_site = gongzhi_site(plugins=[PLUGIN])
    ledgers = []
    for site in (sqlite_site, pg_site):
        build_demo(site.db, scale="small", seed=2014)
        site.host.pm.hook.demo_data(
            db=site.db, actor=Actor("gongzhi demo"), seed=2014, scale="small"
        )
        counts = row_counts(site.db)
        # run once: a second call adds nothing
        assert build_love_supermarket(site.db, actor=Actor("gongzhi demo"), seed=2014) is None
        assert row_counts(site.db) == counts
        with site.db.read_session() as s:
            assert verify(s) == []
        ledgers.append(_ledger(site.db))
    assert ledgers[0] == ledgers[1]  # the same seed, the same year of points

    db = sqlite_site.db
    with db.read_session() as s:
        kinds = dict(
            s.execute(
                select(Transfer.kind, func.count())
                .where(Transfer.key.like("demo:%"))
                .group_by(Transfer.kind)
            ).all()
        )
        assert kinds["earn"] > 150 and kinds["redeem"] > 20
        assert kinds["reversal"] == 1
        phases = dict(
            s.execute(
                select(Transfer.phase, func.count())
                .where(Transfer.key.like("demo:%"))
                .group_by(Transfer.phase)
            ).all()
        )
        assert phases["post"] >= 5 and phases["void"] >= 1
        assert len(svc.pending_approvals(s)) >= 2  # the approvals queue has work in it
        pending = svc.pending_approvals(s)
    # recorded by the community's points clerk: whoever opens the demo may approve them
    with db.session() as s:
        svc.approve(s, actor=Actor("gongzhi demo"), transfer_id=pending[0].id)
    with db.read_session() as s:
        assert len(svc.pending_approvals(s)) == len(pending) - 1 and verify(s) == []
        names = {g.name for g in s.scalars(select(Goods))}
        assert {name for name, *_ in GOODS} <= names
        assert {"大米（5公斤）", "食用油（1.8升）", "香皂", "毛巾"} <= names
        # a year, ending at the demo's "now"
        first, last = s.execute(
            select(func.min(Transfer.created_at), func.max(Transfer.created_at)).where(
                Transfer.key.like("demo:%")
            )
        ).one()
        assert last <= DEFAULT_NOW and (DEFAULT_NOW - first).days >= 300
        # it reads as a year: monthly notices, a leaderboard, a report whose figures tie up
        month = "2026-09"
        notice = reports.month_notice(s, month)
        assert 3 <= len(notice.rows) <= 12 and notice.total > 0
        board = reports.leaderboard(s, "2026", top=5)
        assert board.rows[0].rank == 1 and board.rows[0].total >= board.rows[-1].total
        roles = {r.role for r in reports.leaderboard(s, "2026", top=100).rows}
        assert {"流动网格员", "志愿者"} & roles and any("网格员" in r for r in roles)
        # at the demo's "now" the shelf is stocked and residents have points to spend
        assert all(g.stock > 0 for g in svc.list_goods(s))
        volunteers = _holders(s, "volunteer")
        balances = sorted(svc.balance(s, pid) for pid in volunteers)
        assert balances[-1] >= 55 and sum(b >= 30 for b in balances) >= 2, balances
        report = reports.monthly_report(s, month)
        assert report.issued == notice.total and report.redeemed > 0
        assert report.outstanding > 0 and report.stock_value > 0
