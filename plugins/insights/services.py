"""Writes of the insights plugin: the token store kept current with the requests
(``index_request`` from the core's event hooks, ``sync_tokens`` as the bulk
backfill) and the chat import.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlmodel import Session

import gongzhi.plugins.insights.errors  # noqa: F401  (registers the insights.* codes)
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request
from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.core.services.base import Actor, check_chars
from gongzhi.plugins.insights.models import InsightsDoc, InsightsToken
from gongzhi.plugins.insights.segment import Segmenter, segmenter_for, text_hash

BATCH = 2000


def _actor(actor: Actor | str) -> Actor:
    """An operator, or a bare name (scripts, the demo): the implicit local operator."""
    return actor if isinstance(actor, Actor) else Actor(str(actor))


def _may(session: Session, actor: Actor, permission: str, place_id: int | None, *, anywhere: bool = False) -> None:
    """The plugin's declared permission (plugin.register_permissions) on ``place_id`` (None:
    the street), or with ``anywhere`` on some place, checked before anything is written. An
    actor without grants (a database without operator accounts, the demo, scripts) holds it."""
    if actor.grants is None:
        return
    from gongzhi.core.permissions import check, check_any, registry

    if permission not in registry():  # the host declares them on load; a bare import here
        from gongzhi.core.permissions import declare
        from gongzhi.plugins.insights import plugin

        plugin.register_permissions(lambda n, zh, en, roles=(): declare(n, zh, en, roles, source=plugin.NAME))
    if anywhere:
        check_any(session, actor, permission)
    else:
        check(session, actor, permission, place_id)


def request_text(title: str, description: str) -> str:
    return f"{title}\n{description}" if description else title


def _compounds(session: Session) -> dict[int, tuple[int | None, int | None]]:
    """place id → (community id, compound id) for every place of the street."""
    kinds = {}
    rows = session.execute(select(Place.id, Place.kind, Place.path, Place.community_id)).all()
    for pid, kind, _path, _c in rows:
        kinds[pid] = kind
    out = {}
    for pid, _kind, path, community in rows:
        compound = None
        for part in (path or "").strip("/").split("/"):
            if part and kinds.get(int(part)) == "compound":
                compound = int(part)
                break
        out[pid] = (community, compound)
    return out


def _day(at) -> date:
    """The request's calendar day in Asia/Shanghai (as the core's statistics)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(LOCAL_TZ).date()


def _write(session: Session, seg: Segmenter, req: Request, dims: tuple[int | None, int | None],
           existing: InsightsDoc | None) -> bool:
    text = request_text(req.title, req.description or "")
    h = text_hash(text)
    if existing is not None and existing.text_hash == h:
        changed = (existing.category_id, existing.channel, existing.community_id, existing.compound_id) != (
            req.category_id, req.channel, dims[0], dims[1])
        if changed:
            existing.category_id, existing.channel = req.category_id, req.channel
            existing.community_id, existing.compound_id = dims
        return changed
    counts = seg.counts(text)
    if existing is not None:
        session.execute(delete(InsightsToken).where(InsightsToken.request_id == req.id))
        doc = existing
    else:
        doc = InsightsDoc(request_id=req.id, text_hash=h, day=_day(req.created_at), category_id=req.category_id,
                          channel=req.channel)
        session.add(doc)
    doc.text_hash = h
    doc.category_id, doc.channel = req.category_id, req.channel
    doc.community_id, doc.compound_id = dims
    doc.n_tokens = sum(counts.values())
    session.flush()
    session.add_all(InsightsToken(request_id=req.id, term=t, count=c) for t, c in counts.items())
    return True


def index_request(db, request_id: int) -> bool:
    """Segment one request if its text is new or changed; returns whether it wrote."""
    with db.session() as s:
        req = s.get(Request, request_id)
        if req is None:
            return False
        seg = segmenter_for(s)
        place = s.get(Place, req.place_id)
        dims = _compounds_of(s, place)
        wrote = _write(s, seg, req, dims, s.get(InsightsDoc, request_id))
        s.commit()
        return wrote


def _compounds_of(session: Session, place: Place | None) -> tuple[int | None, int | None]:
    if place is None:
        return (None, None)
    ids = [int(p) for p in (place.path or "").strip("/").split("/") if p] or [place.id]
    compound = session.scalar(select(Place.id).where(Place.id.in_(ids), Place.kind == "compound"))
    return (place.community_id, compound)


def sync_tokens(db, *, request_ids: Iterable[int] | None = None, progress=None,
                actor: Actor | None = None) -> dict[str, int]:
    """Bulk backfill: segment every request without tokens or whose text changed (and
    copy a changed category, channel or place), and drop the tokens of requests that no
    longer exist. Idempotent. Reads requests by id in batches (keyset) and writes new
    rows with bulk inserts. Run for an operator (``actor``, the command line) it needs
    ``insights.manage`` somewhere; the event hooks keep the index without one."""
    from gongzhi.core.demo.bulk import Inserter

    written = seen = 0
    wanted = set(request_ids) if request_ids is not None else None
    with db.session() as s:
        if actor is not None:
            _may(s, actor, "insights.manage", None, anywhere=True)
        bulk = Inserter(s)
        seg = segmenter_for(s, fresh=True)
        dims = _compounds(s)
        docs = {rid: (h, cat, ch, com, comp) for rid, h, cat, ch, com, comp in s.execute(select(
            InsightsDoc.request_id, InsightsDoc.text_hash, InsightsDoc.category_id, InsightsDoc.channel,
            InsightsDoc.community_id, InsightsDoc.compound_id))}
        alive: set[int] = set()
        last = 0
        while True:
            stmt = (select(Request.id, Request.title, Request.description, Request.created_at, Request.category_id,
                           Request.channel, Request.place_id)
                    .where(Request.id > last).order_by(Request.id).limit(BATCH))
            batch = s.execute(stmt).all()
            if not batch:
                break
            last = batch[-1][0]
            new_docs, new_tokens = [], []
            for rid, title, desc, created, cat, channel, place in batch:
                if wanted is not None and rid not in wanted:
                    continue
                seen += 1
                alive.add(rid)
                community, compound = dims.get(place, (None, None))
                text = request_text(title, desc or "")
                h = text_hash(text)
                old = docs.get(rid)
                if old is not None and old[0] == h:
                    if old[1:] != (cat, channel, community, compound):
                        s.execute(update(InsightsDoc).where(InsightsDoc.request_id == rid).values(
                            category_id=cat, channel=channel, community_id=community, compound_id=compound))
                        written += 1
                    continue
                counts = seg.counts(text)
                values = {"text_hash": h, "category_id": cat, "channel": channel, "community_id": community,
                          "compound_id": compound, "n_tokens": sum(counts.values())}
                if old is not None:
                    s.execute(delete(InsightsToken).where(InsightsToken.request_id == rid))
                    s.execute(update(InsightsDoc).where(InsightsDoc.request_id == rid).values(**values))
                else:
                    new_docs.append({"request_id": rid, "day": _day(created), **values})
                new_tokens += [{"request_id": rid, "term": t, "count": c} for t, c in counts.items()]
                written += 1
            # the bulk path of the demo (executemany / COPY): no per-row ORM work
            bulk.insert(InsightsDoc.__table__, new_docs)
            bulk.insert(InsightsToken.__table__, new_tokens)
            if progress:
                progress(seen)
        removed = 0
        if request_ids is None:
            gone = [rid for rid in docs if rid not in alive]
            for rid in gone:
                s.execute(delete(InsightsToken).where(InsightsToken.request_id == rid))
                s.execute(delete(InsightsDoc).where(InsightsDoc.request_id == rid))
            removed = len(gone)
        s.commit()
    return {"requests": seen, "segmented": written, "removed": removed}


def import_chat(db, path, *, actor: Actor | str, group_label: str = "", compound: str | None = None,
                shift_days: int = 0) -> dict:
    """Import a WeChat group chat export: messages per (day, term) only; nothing of a
    name or a message's text is written. The same export twice is refused.
    ``shift_days`` moves every day (the demo moves its sample to the demo's dates).
    Needs ``insights.manage`` on the compound (without one: on the street)."""
    import hashlib
    from pathlib import Path

    from gongzhi.core.errors import DomainError
    from gongzhi.plugins.insights import chat
    from gongzhi.plugins.insights.models import InsightsChatHeat, InsightsChatImport

    actor = _actor(actor)
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DomainError("insights.chat_unreadable", path=str(path)) from exc
    group_label = check_chars((group_label or "").strip(), "name", line=True)
    messages = chat.parse(raw)
    if not messages:
        raise DomainError("insights.chat_empty")
    today = datetime.now(LOCAL_TZ).date()
    future = max(m.day for m in messages) + timedelta(days=shift_days)
    if future > today:  # a message cannot have been written after today
        raise DomainError("insights.chat_future", today=today.isoformat(), day=future.isoformat())
    if shift_days:
        for m in messages:
            m.day += timedelta(days=shift_days)
    digest = hashlib.sha256(f"{shift_days}\n{raw}".encode()).hexdigest()
    with db.session() as s:
        seen = s.scalar(select(InsightsChatImport).where(InsightsChatImport.text_hash == digest))
        if seen is not None:
            raise DomainError("insights.chat_imported", on=seen.imported_at.date().isoformat())
        compound_id = None
        if compound:
            from gongzhi.plugins.insights.queries import place_id

            compound_id = place_id(s, compound, "compound")
        _may(s, actor, "insights.manage", compound_id)
        seg = segmenter_for(s)
        counts = chat.heat(messages, seg.cut)
        days = [m.day for m in messages]
        row = InsightsChatImport(group_label=(group_label or path.stem)[:100], compound_id=compound_id,
                                 messages=len(messages), first_day=min(days), last_day=max(days),
                                 text_hash=digest, imported_by=actor.name)
        s.add(row)
        s.flush()
        s.add_all(InsightsChatHeat(import_id=row.id, day=d, term=t, messages=n) for (d, t), n in counts.items())
        s.commit()
        return {"import_id": row.id, "messages": len(messages), "days": len(set(days)), "terms": len({t for _, t in counts})}


ACTIONS = ("request", "consultation", "micro_candidate")
EVENT_NAMES = {"consultation": "topic_to_consultation", "micro_candidate": "topic_to_micro_candidate"}


def topic_category(session: Session, term: str) -> int:
    """The category most requests mentioning ``term`` were filed under (``other`` if none)."""
    from sqlalchemy import func

    from gongzhi.core.services.categories import find_category

    cid = session.scalar(
        select(InsightsDoc.category_id).join(InsightsToken, InsightsToken.request_id == InsightsDoc.request_id)
        .where(InsightsToken.term == term).group_by(InsightsDoc.category_id)
        .order_by(func.count().desc(), InsightsDoc.category_id).limit(1))
    return cid if cid is not None else find_category(session, "other").id


def act_on_topic(db, term: str, action: str, *, actor, compound: str | None = None) -> dict:
    """From insight to action in one step. ``request``: a request logged through the
    core's services (channel 微信群, type suggestion, the category most requests on the
    term carry, on the compound given or the chat's, else the street). ``consultation``
    and ``micro_candidate``: ``plugin_event`` ``insights/topic_to_consultation`` or
    ``insights/topic_to_micro_candidate`` with the payload of docs/insights.md, for a
    plugin that listens (this one imports none). Every action is audited. Needs
    ``insights.manage`` on the place the topic lands on."""
    from gongzhi.core.errors import DomainError
    from gongzhi.core.plugins import fire_plugin_event
    from gongzhi.core.services import requests as core_requests
    from gongzhi.core.services.base import audit
    from gongzhi.plugins.insights.models import InsightsChatImport
    from gongzhi.plugins.insights.queries import chat_topics, place_id

    if action not in ACTIONS:
        raise DomainError("insights.invalid_action", value=action, choices=", ".join(ACTIONS))
    with db.session() as s:
        topic = next((t for t in chat_topics(s, limit=10_000) if t.term == term), None)
        if topic is None:
            raise DomainError("insights.topic_not_found", term=term)
        pid = place_id(s, compound, "compound") if compound else None
        if pid is None:
            pid = s.scalar(select(InsightsChatImport.compound_id).where(InsightsChatImport.compound_id.is_not(None))
                           .order_by(InsightsChatImport.id.desc()).limit(1))
        if pid is None:
            pid = s.scalar(select(Place.id).where(Place.kind == "street").order_by(Place.id).limit(1))
        _may(s, actor, "insights.manage", pid)
        place = s.get(Place, pid)
        summary = (f"民意数据库：群聊中 {topic.chat_messages}/{topic.chat_total} 条消息提到「{term}」，"
                   f"同期正式诉求 {topic.requests}/{topic.requests_total} 件（G²={topic.g2}）")
        payload = {"term": term, "title": f"{place.name}{term}问题（群聊热议）"[:100], "summary": summary,
                   "place_id": pid, "chat_messages": topic.chat_messages, "chat_total": topic.chat_total,
                   "requests": topic.requests, "requests_total": topic.requests_total, "g2": topic.g2,
                   "flagged": topic.flagged}
        if action == "request":
            req = core_requests.create_request(
                s, actor=actor, channel="wechat_group", type="suggestion", category_id=topic_category(s, term),
                title=payload["title"], description=summary, place_id=pid)
            audit(s, actor, "insights.topic_to_request", "request", req.id, None, payload)
            s.commit()
            return payload | {"action": action, "request_id": req.id, "ref": req.ref}
        audit(s, actor, f"insights.{EVENT_NAMES[action]}", "insights_topic", None, None, payload)
        s.commit()
    fire_plugin_event("insights", EVENT_NAMES[action], payload)
    return payload | {"action": action, "event": EVENT_NAMES[action]}
