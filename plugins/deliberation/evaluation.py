"""Evaluation rounds asked for by another plugin: the micro-projects' year-end
satisfaction evaluation (民生微实事满意度测评), run at the residents' representatives
meeting as one round per project.

The two plugins never import each other; they speak through ``plugin_event``, by name
(the contract is in docs/micro_projects.md and docs/deliberation.md):

- heard: ``micro_projects/micro_evaluation_round_requested`` with ``project_id``,
  ``code``, ``title``, ``year``, ``community_id``, ``options`` (``key``, ``text_zh``,
  ``text_en``), ``requested_by`` and, when given, ``threshold`` (``"7/10"``) and
  ``redo_deadline`` (ISO date). :func:`open_evaluation_round` puts a plurality round
  with the three ratings as its options (满意 / 基本满意 / 不满意, shared by every round
  of the consultation, so the facilitator types 1 / 2 / 3 in each) into the community's
  consultation of the year — "<community><year>年度民生微实事满意度测评", with its
  year-end representatives' meeting — made on the first request. The round is created,
  not started: at the meeting the facilitator starts each project's round in turn, checks
  the representatives in, records their ballots, closes and publishes it. A request for
  a project that already has a round not yet published opens nothing new.
- fired: ``deliberation/evaluation_round_published`` when such a round is published
  (:func:`report_result`, called by :func:`services.publish_round` after its commit):
  ``micro_project_id``, ``code``, ``round_id``, ``consultation_id``, ``ballots``
  ([{``voter``, ``option_key``}], the valid ballots the count used, one per
  representative — weights are not carried: one representative, one rating),
  ``satisfied`` / ``basically_satisfied`` / ``dissatisfied`` / ``total``,
  ``dissatisfied_share`` and ``threshold`` as exact fractions (``"n/d"``), ``redo``
  (the share strictly over the threshold — the article's 70 % rule) and
  ``redo_deadline``. The micro-projects plugin records the ballots as ratings and
  judges the project by the same rule.

With the micro-projects plugin not enabled nobody asks and nobody hears: the event goes
to no listener and nothing else happens.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.places import Place
from gongzhi.core.plugins import fire_plugin_event
from gongzhi.core.services.base import Actor, audit, snapshot, transaction, when
from gongzhi.plugins.deliberation import errors as _errors  # noqa: F401  (registers the delib.* codes)
from gongzhi.plugins.deliberation import rules
from gongzhi.plugins.deliberation.export import rule_to_json
from gongzhi.plugins.deliberation.models import (
    Consultation,
    ConsultationStatus,
    EvaluationRound,
    Meeting,
    Option,
    Round,
    RoundState,
)
from gongzhi.plugins.deliberation.services import _may, _next_number, recount_input, result_of

log = logging.getLogger(__name__)

SOURCE = "deliberation"
REQUESTER = "micro_projects"
REQUESTED = "micro_evaluation_round_requested"  # heard from REQUESTER
PUBLISHED = "evaluation_round_published"  # fired when an evaluation round is published
REDO_KEY = "dissatisfied"  # the option whose share decides a redo
DEFAULT_THRESHOLD = Fraction(7, 10)  # the article: 不满意率超过70%
EDITABLE = (ConsultationStatus.draft.value, ConsultationStatus.open.value)


def consultation_title(community: str, year: int) -> str:
    return f"{community}{year}年度民生微实事满意度测评"


def percent(f: Fraction) -> str:
    """7/10 → "70%", 2/3 → "66.67%" (said, not computed with: the rule stays exact)."""
    value = (Decimal(f.numerator) * 100 / Decimal(f.denominator)).quantize(Decimal("0.01"))
    return f"{value.normalize():f}%"


def _threshold(value: Any) -> Fraction:
    if value is None or value == "":
        return DEFAULT_THRESHOLD
    if isinstance(value, bool | float):
        raise ValueError(f"threshold {value!r}: write a fraction such as 7/10")
    f = value if isinstance(value, Fraction) else Fraction(str(value).strip())
    if not 0 <= f <= 1:
        raise ValueError(f"threshold {value!r} is not between 0 and 1")
    return f


def _request(payload: dict[str, Any]) -> dict[str, Any]:
    """The request's fields, checked; ValueError when it cannot be acted on."""
    project_id, year = payload.get("project_id"), payload.get("year")
    if isinstance(project_id, bool) or not isinstance(project_id, int):
        raise ValueError(f"project_id {project_id!r}")
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"year {year!r}")
    community_id = payload.get("community_id")
    if community_id is not None and (isinstance(community_id, bool) or not isinstance(community_id, int)):
        raise ValueError(f"community_id {community_id!r}")
    options = []
    for o in payload.get("options") or []:
        key, text = str((o or {}).get("key") or "").strip(), str((o or {}).get("text_zh") or "").strip()
        if not key or not text:
            raise ValueError(f"option {o!r}")
        options.append((key, text[:500]))
    if len(options) < 2 or len({k for k, _ in options}) != len(options):
        raise ValueError(f"options {payload.get('options')!r}")
    deadline = payload.get("redo_deadline")
    return {
        "project_id": project_id, "year": year, "community_id": community_id, "options": options,
        "code": str(payload.get("code") or "")[:100],
        "title": (str(payload.get("title") or "").strip() or f"{payload.get('code')} 满意度测评")[:500],
        "threshold": _threshold(payload.get("threshold")),
        "redo_deadline": date.fromisoformat(deadline) if deadline else None,
        "requested_by": str(payload.get("requested_by") or "")[:100],
    }


def live_round(session: Session, project_id: int, source: str = REQUESTER) -> Round | None:
    """The project's evaluation round not yet published (created, open or closed), if any."""
    return session.scalar(
        select(Round).join(EvaluationRound, EvaluationRound.round_id == Round.id)
        .where(EvaluationRound.source == source, EvaluationRound.subject_id == project_id,
               Round.state != RoundState.published.value)
        .order_by(Round.id.desc()).limit(1))


def evaluation_of(session: Session, round_id: int) -> EvaluationRound | None:
    """What the round rates, when another plugin asked for it (None: an ordinary round)."""
    return session.scalar(select(EvaluationRound).where(EvaluationRound.round_id == round_id))


def open_evaluation_round(db, payload: dict[str, Any], actor: Actor | None = None) -> Round | None:
    """Open (create, unstarted) the round that rates one micro-project, in its community's
    evaluation consultation of the year (made, with its meeting, on the first request).
    Returns the round — the one already waiting when the project has a round not yet
    published — or None when the request cannot be acted on (logged)."""
    try:
        req = _request(payload)
    except (ValueError, TypeError, ZeroDivisionError) as exc:
        log.warning("deliberation: evaluation round request ignored (%s)", exc)
        return None
    actor = actor or Actor(req["requested_by"] or "民生微实事")
    with db.session() as session:
        waiting = live_round(session, req["project_id"])
        if waiting is not None:
            return waiting
        if req["community_id"] is not None and session.get(Place, req["community_id"]) is None:
            log.warning("deliberation: evaluation round request for an unknown place %s", req["community_id"])
            return None
        # heard from the micro-projects plugin, the actor has no grants (the system acts); a
        # caller that passes an operator's actor needs the permission on the community
        _may(session, actor, "deliberation.manage", req["community_id"])
        at = when(None)
        with transaction(session):
            c, meeting = _consultation(session, actor, req, at)
            option_ids = _options(session, actor, c, req["options"], at)
            rule = rules.PRESETS["plurality"]
            r = Round(consultation_id=c.id, meeting_id=meeting.id if meeting else None,
                      number=_next_number(session, Round, c.id), title=req["title"], kind=rule.kind,
                      preset="plurality", rule=rule_to_json(rule), option_ids=option_ids, created_at=at)
            session.add(r)
            c.updated_at = at
            session.flush()
            audit(session, actor, "delib.round.create", "delib_round", r.id, None,
                  snapshot(r, exclude=("token_key",)))
            link = EvaluationRound(
                round_id=r.id, consultation_id=c.id, source=REQUESTER, subject_id=req["project_id"],
                subject_code=req["code"], community_id=req["community_id"], year=req["year"],
                option_keys={str(oid): key for oid, (key, _t) in zip(option_ids, req["options"], strict=True)},
                threshold_num=req["threshold"].numerator, threshold_den=req["threshold"].denominator,
                redo_deadline=req["redo_deadline"], requested_by=req["requested_by"], requested_at=at)
            session.add(link)
            session.flush()
            audit(session, actor, "delib.evaluation_round.create", "delib_evaluation_round", link.id, None,
                  snapshot(link))
        return r


def _consultation(session: Session, actor: Actor, req: dict[str, Any], at) -> tuple[Consultation, Meeting | None]:
    """The community's evaluation consultation of the year, still at the table, and its
    meeting; made when there is none (or the last one was decided, closed or withdrawn)."""
    community = req["community_id"]
    last = session.scalar(
        select(EvaluationRound).where(
            EvaluationRound.source == REQUESTER, EvaluationRound.year == req["year"],
            EvaluationRound.community_id.is_(None) if community is None else EvaluationRound.community_id == community)
        .order_by(EvaluationRound.id.desc()).limit(1))
    if last is not None:
        c = session.get(Consultation, last.consultation_id)
        if c is not None and c.status in EDITABLE:
            meeting = session.scalar(select(Meeting).where(Meeting.consultation_id == c.id)
                                     .order_by(Meeting.number.desc()).limit(1))
            return c, meeting
    place = session.get(Place, community) if community is not None else None
    name = place.name if place is not None else ""
    rule_text = percent(req["threshold"])
    c = Consultation(
        title=consultation_title(name, req["year"])[:200],
        issue=(f"年终居民代表会议对{name}{req['year']}年度民生微实事逐项测评：每个项目一轮表决，"
               f"代表在满意、基本满意、不满意中选一项；不满意票超过有效票的 {rule_text} 的项目，"
               f"由社区党组织责令限期重新办理，直至居民满意。"),
        place_id=community, status=ConsultationStatus.open.value, created_at=at,
        created_by=actor.name, updated_at=at)
    session.add(c)
    session.flush()
    audit(session, actor, "delib.consultation.create", "delib_consultation", c.id, None,
          snapshot(c) | {"request_ids": []})
    meeting = Meeting(consultation_id=c.id, number=1, held_at=at, venue=f"{name}居民代表会议"[:200],
                      place_id=community, attendance=[], others_attending=0,
                      notes=f"年终居民代表会议：民生微实事满意度测评（不满意率超过 {rule_text} 的项目重新办理）")
    session.add(meeting)
    session.flush()
    audit(session, actor, "delib.meeting.add", "delib_meeting", meeting.id, None, snapshot(meeting))
    return c, meeting


def _options(session: Session, actor: Actor, c: Consultation, wanted: list[tuple[str, str]], at) -> list[int]:
    """The consultation's active options with these texts, in this order; added if missing."""
    have = {o.text: o for o in session.scalars(select(Option).where(Option.consultation_id == c.id)
                                                .order_by(Option.number)) if o.active}
    ids = []
    for _key, text in wanted:
        o = have.get(text)
        if o is None:
            o = Option(consultation_id=c.id, number=_next_number(session, Option, c.id), text=text, created_at=at)
            session.add(o)
            session.flush()
            audit(session, actor, "delib.option.add", "delib_option", o.id, None, snapshot(o))
            have[text] = o
        ids.append(o.id)
    return ids


def result_payload(session: Session, round_id: int) -> dict[str, Any] | None:
    """What a closed (or published) evaluation round says, for the plugin that asked for
    it; None for an ordinary round or one not yet counted."""
    link = evaluation_of(session, round_id)
    res = result_of(session, round_id)
    if link is None or res is None:
        return None
    inp = recount_input(session, round_id=round_id)  # the rule, roster snapshot and ballots it was counted on
    voters = {v.id: v for v in inp.voters}
    secret = bool(res.snapshot.get("secret"))
    names = {e["id"]: str(e.get("name") or "") for e in res.snapshot.get("voters", [])}
    repeated = {n for n, k in Counter(names.values()).items() if k > 1}
    ballots = []
    for b in sorted(inp.ballots, key=lambda b: b.voter_id):
        try:
            rules.validate_ballot(inp.rule, voters, b, inp.option_ids)
        except DomainError:
            continue  # not counted, or invalid: the count left it out too
        key = link.option_keys.get(str(b.option_id)) if b.option_id is not None else None
        if key is None:
            continue  # blank
        name = names.get(b.voter_id, "")
        if secret or not name:
            voter = f"无记名{b.voter_id}"
        elif name in repeated:
            voter = f"{name}（{b.voter_id}）"
        else:
            voter = name
        ballots.append({"voter": voter[:100], "option_key": key})
    counts = Counter(x["option_key"] for x in ballots)
    total = len(ballots)
    threshold = Fraction(link.threshold_num, link.threshold_den)
    share = Fraction(counts[REDO_KEY], total) if total else Fraction(0)
    return {
        "micro_project_id": link.subject_id, "code": link.subject_code, "round_id": round_id,
        "consultation_id": link.consultation_id, "year": link.year, "ballots": ballots,
        "satisfied": counts["satisfied"], "basically_satisfied": counts["basically_satisfied"],
        "dissatisfied": counts[REDO_KEY], "total": total,
        "dissatisfied_share": f"{share.numerator}/{share.denominator}",
        "threshold": f"{threshold.numerator}/{threshold.denominator}",
        "redo": total > 0 and share > threshold,
        "redo_deadline": link.redo_deadline.isoformat() if link.redo_deadline else None,
    }


def report_result(session: Session, *, round_id: int) -> dict[str, Any] | None:
    """Send a published evaluation round's result to the plugin that asked for it
    (``evaluation_round_published``); nothing for an ordinary round. Called by
    :func:`services.publish_round` after its commit; may be called again to resend (the
    micro-projects plugin records a round once)."""
    r = session.get(Round, round_id)
    if r is None or r.state != RoundState.published:
        return None
    payload = result_payload(session, round_id)
    # end the reading transaction (on SQLite a writing session's is BEGIN IMMEDIATE: the
    # listener writes in its own session); a commit, not a rollback, keeps the caller's
    # objects loaded (expire_on_commit is off)
    session.commit()
    if payload is not None:
        fire_plugin_event(SOURCE, PUBLISHED, payload)
    return payload
