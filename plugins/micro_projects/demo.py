"""The demo street's micro-projects (民生微实事): two years of annual lists across the
street's communities within about 100,000 yuan of special fund, told through the
services in time order.

- last year: every community's list went the whole way — collected, reviewed,
  posted, executed, closed out one by one (完成一件，销号一件), rated by the residents'
  representatives at year end and finished. Among them the article's 荣雅园 street
  lamps, 盛康园 cameras against objects thrown from height and 荣诚园 drying racks,
  linked to the requests the core's demo told. One project (at 荣溪园) was found
  unsatisfactory by more than 70 % of the representatives and is redone this year;
- this year: 欢畅园's narrow gate widened to 1.8 m and 荣乐园's charging sheds are
  closed out, 盛福园's 蚂蚁工坊 (home-work for carers) is under way, most lists are
  executing with projects at various progress, a few communities still review, one
  list is posted with an objection answered.

Deterministic for a seed and the demo's "now"; a fixed number of projects whatever
the scale, so the street scale costs no more than the small one.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.orgs import Membership, Organisation
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request
from gongzhi.core.models.types import LOCAL_TZ, utcnow
from gongzhi.core.services.base import Actor
from gongzhi.plugins.micro_projects import services as svc
from gongzhi.plugins.micro_projects.models import ProjectList
from gongzhi.plugins.micro_projects.services import ProjectInput

log = logging.getLogger(__name__)

FUND_LAST_YEAR = 48_000_00  # fen
FUND_THIS_YEAR = 52_000_00
REPRESENTATIVES = 10

# (community, name, content, category, budget in yuan, expected effect, request title words)
ARTICLE_LAST_YEAR = (
    ("荣雅园社区", "荣雅园路灯增亮", "新增及更换LED路灯，消除夜间照明盲区", "facilities", 4200,
     "老年居民夜间出行安全", "路灯"),
    ("盛康园社区", "盛康园高空抛物监控", "高层楼栋加装高空抛物监控摄像头，开展防范宣传", "safety", 6800,
     "遏制高空抛物，守护头顶安全", "高空抛物"),
    ("荣诚园社区", "荣诚园公共晾衣架", "经三次协商会选址，设置公共晾衣区", "facilities", 3500,
     "解决晾晒难，小区整洁有序", "晾"),
)
ARTICLE_THIS_YEAR = (
    ("欢畅园社区", "欢畅园菜市场小门拓宽", "将通往菜市场的小门由不足1米拓宽至1.8米", "facilities", 2600,
     "早晚高峰人车分流，出行方便", "小门"),
    ("荣乐园社区", "荣乐园电动车充电车棚", "建设8处电动车充电车棚，消除飞线充电隐患", "charging", 9800,
     "电动车集中安全充电", "充电"),
    ("盛福园社区", "盛福园“蚂蚁工坊”", "为照护家人的居民提供居家手工活计和技能培训", "employment", 3000,
     "照护者在家门口增收", None),
)
# the generic pool (name suffix, content, category, budget range in yuan, effect)
POOL = (
    ("楼道照明改造", "更换楼道声控灯", "facilities", (600, 1500), "楼道明亮安全"),
    ("休闲座椅增设", "在小区广场增设休闲座椅", "facilities", (800, 1600), "老人有处歇脚"),
    ("消防通道标线", "施划消防通道标线并设置警示牌", "safety", (500, 1200), "消防通道畅通"),
    ("垃圾分类亭修缮", "修缮垃圾分类投放亭", "environment", (900, 2000), "投放点整洁"),
    ("老年助餐点设施", "为助餐点添置桌椅餐具", "elderly", (1000, 2200), "老人就餐方便"),
    ("绿地补植", "补植小区缺损绿地", "environment", (700, 1800), "小区环境改善"),
    ("单元门禁维修", "维修损坏的单元门禁", "safety", (600, 1500), "楼栋安全"),
    ("健身器材更新", "更换老旧健身器材", "facilities", (1200, 2400), "居民健身安全"),
)
REDO_COMMUNITY = "荣溪园社区"
REVIEWING_THIS_YEAR = ("盛和园社区", "荣馨园社区")
POSTED_THIS_YEAR = "盛祥园社区"
IN_PROGRESS = "盛福园“蚂蚁工坊”"


def demo_now(session) -> datetime:
    """The demo street's "now" (the end of its history), as the core's build recorded it."""
    row = session.scalar(
        select(AuditLog.after).where(AuditLog.action == "demo.build").order_by(AuditLog.id.desc()).limit(1)
    )
    if isinstance(row, dict) and row.get("now"):
        try:
            return datetime.fromisoformat(row["now"]).astimezone(UTC)
        except ValueError:
            pass
    return utcnow()


@dataclass
class _Community:
    id: int
    name: str
    org_id: int | None
    person_id: int | None
    compound_id: int | None


def _communities(session) -> list[_Community]:
    rows = session.execute(select(Place.id, Place.name).where(Place.kind == "community").order_by(Place.id)).all()
    ids = [r[0] for r in rows]
    orgs = dict(session.execute(
        select(Organisation.place_id, Organisation.id)
        .where(Organisation.kind == "residents_committee", Organisation.place_id.in_(ids))
    ).all())
    heads: dict[int, int] = {}
    for org_id, person_id in session.execute(
        select(Membership.organisation_id, Membership.person_id)
        .where(Membership.organisation_id.in_(list(orgs.values()) or [-1]))
        .order_by(Membership.id)
    ).all():
        heads.setdefault(org_id, person_id)
    compounds: dict[int, int] = {}
    for cid, pid in session.execute(
        select(Place.community_id, Place.id).where(Place.kind == "compound").order_by(Place.id)
    ).all():
        compounds.setdefault(cid, pid)
    return [
        _Community(cid, name, orgs.get(cid), heads.get(orgs.get(cid)), compounds.get(cid))
        for cid, name in rows
    ]


def _request_ids(session, compound_id: int | None, words: str | None, year: int) -> list[int]:
    """The compound's requests about the project, raised up to the list's year."""
    if not words or compound_id is None:
        return []
    rows = session.scalars(
        select(Request.id).where(
            Request.place_id.in_(select(Place.id).where(Place.path.like(f"%/{compound_id}/%"))),
            Request.title.like(f"%{words}%"),
            Request.status != "duplicate",
            Request.created_at < datetime(year + 1, 1, 1, tzinfo=LOCAL_TZ),
        ).order_by(Request.id).limit(2)
    ).all()
    return list(rows)


def build_micro_projects(db, *, actor: Actor, seed: int, scale: str) -> None:
    rng = random.Random(f"micro:{seed}")
    with db.session() as s:
        now = demo_now(s).astimezone(LOCAL_TZ)
        communities = _communities(s)
        if not communities:
            return
        names = list(dict.fromkeys(s.scalars(select(Person.name).order_by(Person.id).limit(400))))
    today = now.date()
    this, last = today.year, today.year - 1
    teller = _Teller(db, actor, rng, communities, names, today)
    teller.last_year(last)
    teller.this_year(this)


class _Teller:
    def __init__(self, db, actor: Actor, rng: random.Random, communities: list[_Community], names: list[str],
                 today: date) -> None:
        self.db, self.actor, self.rng = db, actor, rng
        self.communities, self.names, self.today = communities, names or ["居民代表"], today
        self.by_name = {c.name: c for c in communities}

    def day(self, year: int, month: int, dom: int) -> date:
        return min(date(year, month, dom), self.today)

    def input(self, c: _Community, name: str, content: str, category: str, budget: int, effect: str,
              deadline: date) -> ProjectInput:
        return ProjectInput(
            name=name, content=content, category=category,
            place_ids=[c.compound_id] if c.compound_id else [], responsible_org_id=c.org_id,
            responsible_person_id=c.person_id, deadline=deadline, expected_effect=effect, budget=budget * 100,
        )

    def plans(self, year: int, article) -> dict[int, list[tuple]]:
        """Each community's projects of a year: the article's first, then one or two from the pool."""
        out: dict[int, list[tuple]] = {c.id: [] for c in self.communities}
        for cname, name, content, category, budget, effect, words in article:
            c = self.by_name.get(cname)
            if c is not None:
                out[c.id].append((name, content, category, budget, effect, words))
        for c in self.communities:
            short = svc.community_short(c.name)
            for suffix, content, category, (lo, hi), effect in self.rng.sample(POOL, 2 - min(1, len(out[c.id]))):
                budget = self.rng.randrange(lo, hi + 1, 50)
                out[c.id].append((f"{short}{suffix}", content, category, budget, effect, None))
        return out

    def rate(self, s, project_id: int, dissatisfied: int) -> None:
        reps = self.rng.sample(self.names, min(REPRESENTATIVES, len(self.names)))
        ratings = [(f"{name}", "dissatisfied" if i < dissatisfied else
                    self.rng.choice(("satisfied", "satisfied", "basically_satisfied")))
                   for i, name in enumerate(reps)]
        svc.rate(s, actor=self.actor, project_id=project_id, ratings=ratings)

    def last_year(self, year: int) -> None:
        a = self.actor
        with self.db.session() as s:
            svc.set_fund(s, actor=a, year=year, total=FUND_LAST_YEAR)
            plans = self.plans(year, ARTICLE_LAST_YEAR)
            left = FUND_LAST_YEAR
            for c in self.communities:
                plist = svc.create_list(s, actor=a, community_id=c.id, year=year, on=date(year, 1, 5))
                ids = []
                for i, (name, content, category, budget, effect, words) in enumerate(plans[c.id]):
                    deadline = date(year, 4 + 2 * i + self.rng.randint(0, 3), 28)
                    data = self.input(c, name, content, category, budget, effect, deadline)
                    reqs = _request_ids(s, c.compound_id, words, year)
                    if reqs:
                        p = svc.from_requests(s, actor=a, list_id=plist.id, request_ids=reqs, data=data)
                    else:
                        p = svc.add_project(s, actor=a, list_id=plist.id, data=data)
                    ids.append((p.id, budget * 100, deadline))
                svc.advance_list(s, actor=a, list_id=plist.id, to_phase="reviewing", on=date(year, 1, 25))
                for pid, _, _ in ids:
                    svc.decide_feasibility(s, actor=a, project_id=pid, feasible=True)
                svc.advance_list(s, actor=a, list_id=plist.id, to_phase="publicised", on=date(year, 2, 10))
                svc.advance_list(s, actor=a, list_id=plist.id, to_phase="executing", on=date(year, 2, 20))
                for k, (pid, budget, deadline) in enumerate(ids):
                    amount = min(budget, left)
                    if amount > 0:
                        svc.allocate(s, actor=a, project_id=pid, amount=amount, note="年度清单资金")
                        left -= amount
                        svc.spend(s, actor=a, project_id=pid, amount=amount - amount // 20, note="施工及材料",
                                  on=deadline - timedelta(days=10))
                    svc.record_progress(s, actor=a, project_id=pid, progress=50, note="开工，材料到场",
                                        on=deadline - timedelta(days=30))
                    late = self.rng.random() < 0.15
                    svc.close_out(s, actor=a, project_id=pid, evidence=[f"完工照片{pid}.jpg"],
                                  note="责任单位：已按清单完成，居民代表现场验收",
                                  on=deadline + timedelta(days=12 if late else -3 - k))
                svc.advance_list(s, actor=a, list_id=plist.id, to_phase="evaluating", on=date(year, 12, 1))
                for k, (pid, _, _) in enumerate(ids):
                    failed = c.name == REDO_COMMUNITY and k == 0
                    self.rate(s, pid, 8 if failed else self.rng.randint(0, 2))
                    svc.decide_evaluation(s, actor=a, project_id=pid, new_deadline=date(year + 1, 5, 31),
                                          on=date(year, 12, 12))
                svc.advance_list(s, actor=a, list_id=plist.id, to_phase="finished", on=date(year, 12, 20))

    def this_year(self, year: int) -> None:
        a = self.actor
        with self.db.session() as s:
            svc.set_fund(s, actor=a, year=year, total=FUND_THIS_YEAR)
            plans = self.plans(year, ARTICLE_THIS_YEAR)
            left = FUND_THIS_YEAR
            for c in self.communities:
                plist = s.scalar(select(ProjectList).where(ProjectList.community_id == c.id,
                                                           ProjectList.year == year))
                if plist is None:
                    plist = svc.create_list(s, actor=a, community_id=c.id, year=year, on=self.day(year, 1, 5))
                ids = [(p.id, 0, p.deadline, True) for p in svc_projects(s, plist.id)]  # carried redo
                for i, (name, content, category, budget, effect, words) in enumerate(plans[c.id]):
                    # the ant workshop runs all year; the others are due between May and October
                    deadline = date(year, 12, 28) if name == IN_PROGRESS else date(
                        year, 5 + 2 * i + self.rng.randint(0, 3), 28)
                    data = self.input(c, name, content, category, budget, effect, deadline)
                    reqs = _request_ids(s, c.compound_id, words, year)
                    if reqs:
                        p = svc.from_requests(s, actor=a, list_id=plist.id, request_ids=reqs, data=data)
                    else:
                        p = svc.add_project(s, actor=a, list_id=plist.id, data=data)
                    ids.append((p.id, budget * 100, deadline, False))
                svc.advance_list(s, actor=a, list_id=plist.id, to_phase="reviewing", on=self.day(year, 1, 25))
                if c.name in REVIEWING_THIS_YEAR:
                    continue  # still reviewing: feasibility not all decided
                for pid, _, _, carried in ids:
                    if not carried:
                        svc.decide_feasibility(s, actor=a, project_id=pid, feasible=True)
                svc.advance_list(s, actor=a, list_id=plist.id, to_phase="publicised", on=self.day(year, 2, 10))
                if c.name == POSTED_THIS_YEAR:
                    o = svc.raise_objection(s, actor=a, list_id=plist.id, project_id=ids[0][0],
                                            content="建议先做楼道照明，再做其他项目", raised_by=self.names[0],
                                            on=self.day(year, 2, 12))
                    svc.answer_objection(s, actor=a, objection_id=o.id, on=self.day(year, 2, 14),
                                         answer="已纳入清单，将按完成时限先行实施")
                    continue
                svc.advance_list(s, actor=a, list_id=plist.id, to_phase="executing", on=self.day(year, 2, 20))
                for pid, budget, deadline, carried in ids:
                    amount = min(budget, left) if budget else 600_00
                    amount = min(amount, left)
                    if amount > 0:
                        svc.allocate(s, actor=a, project_id=pid, amount=amount, note="年度清单资金")
                        left -= amount
                    done = deadline is not None and deadline < self.today - timedelta(days=20)
                    progress = 100 if done else self.rng.choice((20, 40, 60, 80))
                    on = min(deadline - timedelta(days=25) if deadline else self.today, self.today)
                    svc.record_progress(s, actor=a, project_id=pid, progress=min(progress, 90),
                                        note="重新办理：按居民意见整改" if carried else "施工推进中",
                                        photos=[f"进度{pid}.jpg"], on=on)
                    if amount > 0:
                        svc.spend(s, actor=a, project_id=pid, amount=amount // 2, note="首期款", on=on)
                    if done:
                        svc.close_out(s, actor=a, project_id=pid, evidence=[f"完工照片{pid}.jpg"],
                                      note="责任单位：已完成，居民验收", on=deadline - timedelta(days=2))


def svc_projects(session, list_id: int):
    from gongzhi.plugins.micro_projects.models import Project

    return list(session.scalars(select(Project).where(Project.list_id == list_id).order_by(Project.id)))
