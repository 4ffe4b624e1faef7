"""pinyin keys for places

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 18:40:00

A place is found by the pinyin of its name (``ryy`` → 荣雅园), as people are.
Existing places get their keys here, in batches; new and renamed places from the
places service.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000


def upgrade() -> None:
    from gongzhi.core.pinyin import place_search_keys

    with op.batch_alter_table("place", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_keys", sa.String(length=600), nullable=False, server_default=""))
    bind = op.get_bind()
    place = sa.table("place", sa.column("id", sa.Integer), sa.column("name", sa.String),
                     sa.column("search_keys", sa.String))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(place.c.id, place.c.name).where(place.c.id > last).order_by(place.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        updates = [{"pid": pid, "keys": place_search_keys(name)} for pid, name in rows]
        updates = [u for u in updates if u["keys"]]
        if updates:
            bind.execute(place.update().where(place.c.id == sa.bindparam("pid"))
                         .values(search_keys=sa.bindparam("keys")), updates)
        last = rows[-1][0]


def downgrade() -> None:
    # not in batch mode: SQLite (3.35+) drops a column in place, where a batch would
    # copy the table, and the tables that refer to ``place`` forbid dropping it
    op.drop_column("place", "search_keys")
