"""The plugin as the host sees it: its migration matches its models, goes down
and up again cleanly, seeds the system accounts and the article's rules, and
leaves the core alone when the plugin is not enabled."""

from __future__ import annotations

from sqlalchemy import inspect

from gongzhi.plugins.points_exchange import services as svc
from gongzhi.plugins.points_exchange.verify import verify

PLUGIN = "points_exchange"


def test_schema_matches_the_models_and_migrates_both_ways(site) -> None:
    assert site.host.check(site.db, PLUGIN) == []
    assert site.host.migration_state(site.db, PLUGIN) == "up to date"
    site.host.downgrade(site.db, PLUGIN, "base")
    left = [t for t in inspect(site.db.engine).get_table_names() if t.startswith("points_")]
    assert left == ["points_exchange_alembic_version"]  # the host's version table stays
    site.host.upgrade(site.db, PLUGIN)
    assert site.host.check(site.db, PLUGIN) == []


def test_seeded_accounts_and_the_articles_rules(site, street) -> None:
    with site.db.read_session() as s:
        codes = {r.code: r for r in svc.list_rules(s)}
        assert set(codes) == {
            "grid_report",
            "rider_report",
            "grid_service",
            "grid_mediation",
            "resident_volunteer",
            "resident_suggestion",
        }
        assert (
            codes["grid_mediation"].needs_approval and codes["resident_suggestion"].needs_approval
        )
        assert codes["resident_volunteer"].roles == ["resident"]
        assert svc.get_settings(s) == svc.PointsSettings()
        assert verify(s) == []
