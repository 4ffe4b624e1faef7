"""The demo street's roundtable: the 荣诚园 drying-rack consultation, told through the
services exactly as a facilitator would have recorded it.

The article: because of the flats' layout, residents of 荣诚园 had nowhere good to dry
their washing; opinions on whether and where to put public racks differed widely.
Residents' representatives, the property company and the contractor met three times
(the first on site), compared three sites, heard party-member representatives and
experts, went from door to door, until every resident agreed: 6 sets of public
drying racks, in the sun and out of the way. Here:

1. Meeting 1, on site: three options; a plurality round ties (the rules never break
   a tie; the facilitator takes it to the next meeting).
2. Meeting 2, in the council room: the expert rules out balcony racks (withdrawn),
   option 3 is amended to "6 sets of uniform racks where there is sun and nobody's
   way is blocked", and the central-square idea is merged into it; an instant-runoff
   round chooses the amendment (one representative changes her ballot: the first
   stays in the history).
3. Meeting 3, after door-to-door consultation: a consent round under
   ``consent_all_residents`` — every resident representative agrees (one by proxy); the
   contractor's objection is recorded with its reason but does not block. Adopted,
   published, decided: 6 sets of public drying racks.

And one consultation still at the table, for the facilitator to run: the 荣诚园
e-bike charging shed (:func:`build_open_round`) — ten voting participants (resident
representatives, the party-member representative, the property company) and a fire-safety
expert without a vote, nobody checked in yet, one option and an open yes/no round on it,
opened on the demo's last day: the roundtable's task in the app (check everyone in, a key
per ballot, close, read the outcome).

Deterministic: the representatives are drawn with a ``random.Random`` seeded from the
demo's seed; times follow the story's request (its creation time is the start).
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from sqlalchemy import func, select

from gongzhi.core.models.orgs import Membership, Organisation
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request
from gongzhi.core.services.base import Actor

log = logging.getLogger(__name__)

TITLE = "荣诚园公共晾衣架设置"
STORY_REQUEST_TITLE = "荣诚园户型原因晾晒衣物不便，建议设置公共晾衣架"
OPEN_TITLE = "荣诚园电动自行车集中充电棚"
OPEN_OPTION = "在3号楼北侧空地建设电动自行车集中充电棚，物业统一管理"
OPEN_VOTERS = 10


def _members(s, kind: str, place_id: int, role: str) -> list[int]:
    return list(s.scalars(
        select(Membership.person_id).join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.kind == kind, Organisation.place_id == place_id, Membership.role == role,
               Membership.end_date.is_(None))
        .order_by(Membership.id)))


def build_racks_consultation(db, *, actor: Actor, seed: int = 2014) -> int | None:
    """Build the consultation (once); returns its id, or None when the street has no 荣诚园."""
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.models import Consultation

    with db.session() as s:
        existing = s.scalar(select(Consultation.id).where(Consultation.title == TITLE))
        if existing is not None:
            return existing
        compound = s.scalar(select(Place).where(Place.kind == "compound", Place.name == "荣诚园"))
        if compound is None:
            log.info("deliberation demo: no compound 荣诚园 in this street; nothing added")
            return None
        community = s.get(Place, compound.parent_id)
        request = s.scalar(select(Request).where(Request.title == STORY_REQUEST_TITLE).order_by(Request.id))
        residents = list(s.scalars(
            select(Person.id).join(Place, Place.id == Person.household_id)
            .where(Place.path.like(f"{compound.path}%")).order_by(Person.id)))
        secretary = (_members(s, "party_committee", community.id, "secretary") or [None])[0]
        party = _members(s, "party_branch", compound.id, "secretary")
        manager = _members(s, "property_company", compound.id, "manager")
        owners = _members(s, "owners_committee", compound.id, "chair") + \
            _members(s, "owners_committee", compound.id, "member")
        grid = _members(s, "residents_committee", community.id, "grid_worker")
        facilitator = s.get(Person, secretary) if secretary else None
        if facilitator is not None:
            actor = Actor(f"{facilitator.name}（{community.name}书记）", facilitator.id)
        rng = random.Random(f"gongzhi-demo/{seed}/deliberation")
        party_id = party[0] if party else None
        pool = [p for p in residents if p != party_id and p not in owners]
        reps = [p for p in owners if p != party_id and p in residents][:4]
        reps += rng.sample(pool, min(6 - len(reps), len(pool)))

        t = request.created_at if request is not None else compound.created_at

        c = svc.create_consultation(
            s, actor=actor, title=TITLE, place_id=compound.id, facilitator_id=secretary,
            issue="因户型设计原因，荣诚园居民晾晒衣物不便。是否设置公共晾衣架、设在哪里，居民意见分歧较大；"
                  "涉及利益主体多，不搞“一刀切”，提交居民议事厅（嘚啵嘚圆桌会）协商，找到最大公约数。",
            request_ids=[request.id] if request is not None else [], at=t + timedelta(hours=3),
        )

        def seat(role: str, **kw):
            return svc.add_participant(s, actor=actor, consultation_id=c.id, role=role, **kw)

        r = [seat("resident_rep", person_id=pid) for pid in reps]
        pr = seat("party_rep", person_id=party_id) if party_id else seat("party_rep", name="小区党支部代表")
        pm = seat("property_company", person_id=manager[0]) if manager else seat("property_company", name="物业项目经理")
        ct = seat("contractor", name="施工方代表（晾衣架安装单位）")
        ex = seat("expert", name="街道城市管理专业人士")
        ob = seat("observer", person_id=grid[0]) if grid and grid[0] not in reps else None

        def attend(present: list) -> list[int]:
            ids = {p.id for p in present}
            for p in [*r, pr, pm, ct, ex] + ([ob] if ob else []):
                svc.checkin(s, actor=actor, participant_id=p.id, present=p.id in ids)
            return [p.id for p in present]

        # -- meeting 1: on site ---------------------------------------------------------------
        m1_at = t + timedelta(days=7)
        here = attend([*r[:5], pr, pm, ct])
        m1 = svc.add_meeting(
            s, actor=actor, consultation_id=c.id, held_at=m1_at, venue="荣诚园小区现场", place_id=compound.id,
            attendance=here, others_attending=12,
            notes="居民代表、物业、施工方共同现场勘测光照和通道。提出三种方案：阳台外加装、中心广场集中设置、楼间空地设置。"
                  "意见分歧较大，相对多数表决两方案并列，留待下次会议听取专业意见后再议。",
        )
        o1 = svc.add_option(s, actor=actor, consultation_id=c.id, text="在各楼栋阳台外加装伸缩晾衣架",
                            proposed_by_id=r[0].id, at=m1_at)
        o2 = svc.add_option(s, actor=actor, consultation_id=c.id, text="在小区中心广场集中设置晾衣区",
                            proposed_by_id=r[1].id, at=m1_at)
        o3 = svc.add_option(s, actor=actor, consultation_id=c.id, text="在楼间空地设置公共晾衣架",
                            proposed_by_id=r[3].id, at=m1_at)
        rd1 = svc.open_round(s, actor=actor, consultation_id=c.id, preset="plurality", meeting_id=m1.id,
                             title="晾衣架设在哪里（初步意向）", at=m1_at + timedelta(hours=1))
        for p, o in ((r[0], o1), (ct, o1), (r[1], o2), (r[2], o2), (pm, o2), (r[3], o3), (r[4], o3), (pr, o3)):
            svc.record_ballot(s, actor=actor, round_id=rd1.id, participant_id=p.id, option_id=o.id,
                              at=m1_at + timedelta(hours=1, minutes=10))
        svc.close_round(s, actor=actor, round_id=rd1.id, at=m1_at + timedelta(hours=1, minutes=20))
        svc.publish_round(s, actor=actor, round_id=rd1.id, at=m1_at + timedelta(hours=1, minutes=25))

        # -- meeting 2: the options refined ---------------------------------------------------------
        m2_at = t + timedelta(days=21)
        here = attend([*r, pr, pm, ct, ex] + ([ob] if ob else []))
        m2 = svc.add_meeting(
            s, actor=actor, consultation_id=c.id, held_at=m2_at, venue="荣诚园社区居民议事厅", attendance=here,
            others_attending=8,
            notes="听取党员代表和专业人士意见：阳台外加装影响建筑外立面和高空安全，方案撤回；中心广场占用消防通道和活动场地，"
                  "提出人同意并入楼间方案。楼间方案修改为“在光照充足且不影响通行的区域安装6组统一规格的公共晾衣架”。",
        )
        svc.withdraw_option(s, actor=actor, option_id=o1.id)
        o4 = svc.amend_option(s, actor=actor, option_id=o3.id, proposed_by_id=pr.id, at=m2_at + timedelta(minutes=40),
                              text="在光照充足且不影响通行的区域安装6组统一规格的公共晾衣架")
        svc.merge_options(s, actor=actor, option_id=o2.id, into_id=o4.id)
        rd2 = svc.open_round(s, actor=actor, consultation_id=c.id, preset="irv", option_ids=[o3.id, o4.id],
                             meeting_id=m2.id, title="比选楼间方案与修改方案", at=m2_at + timedelta(hours=1))
        first, second = [o4.id, o3.id], [o3.id, o4.id]
        vote_at = m2_at + timedelta(hours=1, minutes=10)
        for p, ranking in ((r[0], first), (r[1], second), (r[2], first), (r[3], second), (r[4], first),
                           (r[5], first), (pr, first), (pm, first), (ct, second)):
            svc.record_ballot(s, actor=actor, round_id=rd2.id, participant_id=p.id, ranking=ranking, at=vote_at)
        # after the expert answers her question about the sun, she changes her ballot: a new row
        svc.record_ballot(s, actor=actor, round_id=rd2.id, participant_id=r[1].id, ranking=first,
                          at=vote_at + timedelta(minutes=15))
        svc.close_round(s, actor=actor, round_id=rd2.id, at=m2_at + timedelta(hours=1, minutes=40))
        svc.publish_round(s, actor=actor, round_id=rd2.id, at=m2_at + timedelta(hours=1, minutes=45))

        # -- meeting 3: consent of all residents -------------------------------------------------------
        m3_at = t + timedelta(days=35)
        here = attend([*r[:5], pr, pm, ct, ex])
        svc.set_proxy(s, actor=actor, participant_id=r[4].id, proxy_for_id=r[5].id)
        m3 = svc.add_meeting(
            s, actor=actor, consultation_id=c.id, held_at=m3_at, venue="荣诚园社区居民议事厅", attendance=here,
            others_attending=15,
            notes="会前逐户征求意见，反复论证选址方案。居民代表全体同意（一位代表因事委托邻居代为表达）；施工方就定制工期提出意见，"
                  "记录在案。群众事、群众议、群众定。",
        )
        rd3 = svc.open_round(s, actor=actor, consultation_id=c.id, preset="consent_all_residents", option_ids=[o4.id],
                             meeting_id=m3.id, title="是否按修改方案安装6组公共晾衣架", at=m3_at + timedelta(hours=1))
        vote_at = m3_at + timedelta(hours=1, minutes=10)
        for p in [*r[:5], pr, pm]:
            svc.record_ballot(s, actor=actor, round_id=rd3.id, participant_id=p.id, choice="yes", at=vote_at)
        svc.record_ballot(s, actor=actor, round_id=rd3.id, participant_id=r[5].id, cast_by_id=r[4].id, choice="yes",
                          at=vote_at)
        svc.record_ballot(s, actor=actor, round_id=rd3.id, participant_id=ct.id, choice="object",
                          reason="统一规格的晾衣架需定制，工期要比原计划延长约两周", at=vote_at)
        svc.close_round(s, actor=actor, round_id=rd3.id, at=m3_at + timedelta(hours=1, minutes=30))
        svc.publish_round(s, actor=actor, round_id=rd3.id, at=m3_at + timedelta(hours=2))
        out = svc.decide(
            s, actor=actor, consultation_id=c.id, round_id=rd3.id,
            decision="在光照充足且不影响通行的区域安装6组统一规格的公共晾衣架，由物业组织施工方实施，居民代表监督；"
                     "既解决“晾衣难”，又兼顾小区美观",
            review_on=(t + timedelta(days=150)).date(), at=m3_at + timedelta(hours=2, minutes=10),
        )
        log.info("deliberation demo: consultation %s decided (outcome %s)", c.id, out.id)
        return c.id


def build_open_round(db, *, actor: Actor, seed: int = 2014) -> int | None:
    """The consultation with an open round (once); returns the round's id, or None when
    the street has no 荣诚园. Opened at the street's latest request (the demo's "now")."""
    from gongzhi.core.models.types import utcnow
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.models import Consultation, Round

    with db.session() as s:
        existing = s.scalar(select(Round.id).join(Consultation, Consultation.id == Round.consultation_id)
                            .where(Consultation.title == OPEN_TITLE))
        if existing is not None:
            return existing
        compound = s.scalar(select(Place).where(Place.kind == "compound", Place.name == "荣诚园"))
        if compound is None:
            return None
        community = s.get(Place, compound.parent_id)
        now = s.scalar(select(func.max(Request.created_at))) or utcnow()
        residents = list(s.scalars(
            select(Person.id).join(Place, Place.id == Person.household_id)
            .where(Place.path.like(f"{compound.path}%")).order_by(Person.id)))
        secretary = (_members(s, "party_committee", community.id, "secretary") or [None])[0]
        party = _members(s, "party_branch", compound.id, "secretary")
        manager = _members(s, "property_company", compound.id, "manager")
        facilitator = s.get(Person, secretary) if secretary else None
        if facilitator is not None:
            actor = Actor(f"{facilitator.name}（{community.name}书记）", facilitator.id)
        rng = random.Random(f"gongzhi-demo/{seed}/deliberation-open")
        taken = {*party[:1], *manager[:1]}
        pool = [p for p in residents if p not in taken]
        reps = rng.sample(pool, min(OPEN_VOTERS - 2, len(pool)))
        at = now - timedelta(hours=1)
        c = svc.create_consultation(
            s, actor=actor, title=OPEN_TITLE, place_id=compound.id, facilitator_id=secretary, at=at,
            issue="电动自行车楼道充电、飞线充电屡禁不止，存在火灾隐患。是否在3号楼北侧空地建设集中充电棚，"
                  "提交居民议事厅协商表决。",
        )
        for pid in reps:
            svc.add_participant(s, actor=actor, consultation_id=c.id, role="resident_rep", person_id=pid)
        if party:
            svc.add_participant(s, actor=actor, consultation_id=c.id, role="party_rep", person_id=party[0])
        else:
            svc.add_participant(s, actor=actor, consultation_id=c.id, role="party_rep", name="小区党支部代表")
        if manager:
            svc.add_participant(s, actor=actor, consultation_id=c.id, role="property_company", person_id=manager[0])
        else:
            svc.add_participant(s, actor=actor, consultation_id=c.id, role="property_company", name="物业项目经理")
        svc.add_participant(s, actor=actor, consultation_id=c.id, role="expert", name="街道消防安全专业人士")
        o = svc.add_option(s, actor=actor, consultation_id=c.id, text=OPEN_OPTION, at=at)
        r = svc.open_round(s, actor=actor, consultation_id=c.id, preset="simple_majority", option_ids=[o.id],
                           title="是否建设电动自行车集中充电棚", at=at + timedelta(minutes=30))
        log.info("deliberation demo: consultation %s has open round %s", c.id, r.id)
        return r.id
