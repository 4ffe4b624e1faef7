"""Places shown by their path: ``荣雅园社区 / 荣雅园 / 1号楼 / 荣雅园1-701``.

One helper the people, person, organisation and membership screens share (it lived in
``tui.screens.people``, which made the screens import each other).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlmodel import Session

from gongzhi.core.models.places import Place


def place_paths(
    session: Session, place_ids: Iterable[int | None], *, skip_street: bool = True
) -> dict[int, str]:
    """``{place id: "荣雅园社区 / 荣雅园 / … / 荣雅园1-701"}`` for many places in two queries."""
    wanted = {i for i in place_ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Place.id, Place.path).where(Place.id.in_(wanted))).all()
    chains = {pid: [int(x) for x in path.strip("/").split("/") if x] for pid, path in rows}
    every = {i for chain in chains.values() for i in chain}
    names = {
        pid: (name, kind)
        for pid, name, kind in session.execute(
            select(Place.id, Place.name, Place.kind).where(Place.id.in_(every))
        ).all()
    }
    out = {}
    for pid, chain in chains.items():
        parts = [
            names[i][0]
            for i in chain
            if i in names and not (skip_street and names[i][1] == "street")
        ]
        out[pid] = " / ".join(parts)
    return out


__all__ = ["place_paths"]
