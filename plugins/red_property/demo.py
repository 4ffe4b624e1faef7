"""The demo street's red-property joint meetings (红色物业联席会议), told through the
services exactly as the secretary would have recorded them.

The article: the street's party working committee brought the members of the two
community committees, the property companies' heads and the owners' committees'
members into each other's bodies (双向进入、交叉任职), turned the property office
into a small party-and-people service post (党群服务“微阵地”), and holds a monthly
red-property joint meeting that no longer just hears the property company report
but settles the residents' urgent problems together; the property companies, led
by the party organisation, offer free home repairs and shopping on residents'
behalf (免费上门维修、代买代购“微服务”) to those who find daily life hard.

Here, for 荣雅园 and 荣诚园 (the compounds of the article's stories), the twelve
months before the demo's "now":

* a monthly meeting in the property office: the community party organisation's
  secretary in the chair (she is also the residents' committee's director, and
  attends for the party organisation), a community worker as secretary (attending
  for the residents' committee although she is also the deputy party secretary),
  the owners' committee chair (who also sits on the residents' committee) and
  members, the property company's manager; once the owners' committee stays away
  and the meeting opens without a quorum, which the minutes say;
* the agenda opens with the follow-up of earlier action items; then two requests
  of the property categories that residents raised in the weeks before (logged
  through the core's request service) and one item the meeting sets itself;
* a resolution per item, by consensus or (the fee and satisfaction items) by a
  yes / no / abstain count per body, each with its responsible body, person and
  deadline; between meetings most action items are done (their requests resolved
  through them, with timeline notes naming the meeting), some are late and carried
  over, overdue, until a later meeting hears them done, one is dropped with its
  reason, and the latest ones are still open at "now" (some overdue);
* the micro-service log: free home repairs, mostly for priority-care residents,
  and shopping on their behalf, a few every month, done by the property company.

Deterministic: every choice comes from a ``random.Random`` seeded from the demo's
seed; times are relative to the demo's "now" (read from its build record). Built
once: a compound that already has joint meetings is left alone.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.orgs import Membership, Organisation
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.types import LOCAL_TZ, local, utcnow
from gongzhi.core.models.vocab import OrgKind
from gongzhi.core.services.base import Actor
from gongzhi.plugins.red_property.models import ActionItem, Meeting

log = logging.getLogger(__name__)

COMPOUNDS: tuple[tuple[str, int], ...] = (("荣雅园", 8), ("荣诚园", 12))  # compound, day of the month
MONTHS = 12
# the compound (by index) and meeting (by index) the owners' committee stays away from
OWNERS_ABSENT = (1, 5)

# requests the residents raise: (category code, title, description, resolution, responsible body kind,
# discussion, what was done)
ISSUES: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("repair", "{b}楼道灯不亮", "夜间上下楼看不清，老人容易摔倒",
     "物业限期更换{b}楼道灯并排查全楼照明线路", "property_company",
     "物业说明了灯具老化情况；业委会代表反映其他楼栋也有类似问题，建议一并排查。", "已更换声控灯12盏，全楼照明线路排查无隐患"),
    ("repair", "{b}顶层屋面漏雨", "顶层住户反映雨天卧室渗水，墙皮脱落",
     "物业联系防水施工队勘查维修，维修资金不足部分由社区协调", "property_company",
     "物业汇报了现场勘查情况；社区党组织书记要求雨季前完成，业委会负责向住户说明维修方案。", "屋面防水层已重做，雨后回访无渗漏"),
    ("repair", "{b}单元门禁损坏", "单元门无法关闭，外来人员随意进出",
     "物业更换{b}单元门禁主板，业委会监督验收", "property_company",
     "居民代表反映门禁坏了一个多月；物业承认报修响应慢，承诺限期更换。", "门禁主板已更换，业委会验收合格"),
    ("repair", "{b}下水管道堵塞返味", "一楼住户家中返水，楼道有异味",
     "物业疏通{b}主排水管，并对全小区排水管道做一次检查", "property_company",
     "物业提出需进入一楼住户家中施工，社区网格员负责与住户沟通时间。", "主排水管已疏通，全小区排查发现并处理堵点3处"),
    ("sanitation", "{b}旁垃圾桶满溢无人清运", "垃圾桶周边异味大、蚊蝇多",
     "物业将清运频次增至每日两次，社区网格员每周巡查", "property_company",
     "各方同意调整清运时间，避开早晚高峰；网格员把巡查纳入日常走访。", "清运频次已调整，连续四周巡查无满溢"),
    ("sanitation", "小区绿化带杂草丛生", "夏季蚊虫多，居民希望修剪绿化",
     "物业组织绿化修剪和消杀，业委会组织居民志愿者参与", "property_company",
     "业委会提出发动居民志愿者；物业负责工具和消杀药剂。", "绿化修剪、消杀已完成，志愿者参与20余人次"),
    ("parking", "南门口车辆乱停堵塞消防通道", "早晚高峰车辆乱停，消防车无法通行",
     "社区协调城管劝导，物业施划禁停标线并安排专人值守", "residents_committee",
     "社区党组织书记提出“吹哨”城管执法队；物业负责标线，业委会负责宣传。", "禁停标线已施划，城管联合劝导两次，通道保持畅通"),
    ("parking", "外来车辆长期占用小区车位", "本小区居民回家找不到车位",
     "业委会牵头制定外来车辆管理办法，物业落实出入登记", "owners_committee",
     "业委会提出办法草案；居民代表担心影响亲友来访，商定临时车辆登记放行。", "外来车辆登记办法已公示并执行"),
    ("safety_hazard", "{b}楼道堆放杂物", "楼道堆满纸箱和旧家具，存在消防隐患",
     "社区、物业联合清理楼道堆物，业委会入户宣传", "residents_committee",
     "网格员已逐户劝导；对不愿清理的住户，由社区党组织书记上门做工作。", "楼道堆物已清理完毕，签订楼道整洁承诺书"),
    ("safety_hazard", "{b}楼道内电动车飞线充电", "夜间有居民从窗户拉线给电动车充电",
     "物业联合社区开展飞线充电排查，引导居民到充电棚充电", "residents_committee",
     "各方认为根本在于充电设施不足，先排查劝导，同时研究增设充电设施。", "排查飞线7处并全部拆除，居民改到充电棚充电"),
)

# items the meeting sets itself, month after month: (title, description, resolution, body kind, vote?, what was done)
OWN_ITEMS: tuple[tuple[str, str, str, str, bool, str], ...] = (
    ("冬季供暖前管道检修", "供暖季前检查楼内供暖管道和阀门", "物业完成全部楼栋供暖管道试压检修", "property_company", False,
     "试压检修完成，更换阀门9个"),
    ("春节前小区环境整治和安全检查", "节前清理卫生死角，检查消防设施", "社区牵头、物业配合开展节前环境整治和消防检查",
     "residents_committee", False, "清理卫生死角15处，更换灭火器30具"),
    ("物业费收缴情况和使用公示", "业委会要求公开上年度物业费收支", "物业每季度在公告栏公示物业费收支，业委会审核",
     "owners_committee", True, "第一季度收支已公示，业委会审核无异议"),
    ("加装电动自行车充电桩", "居民希望在小区东侧加装充电桩", "物业联系供电部门勘查，在小区东侧加装充电桩",
     "property_company", False, ""),
    ("春季绿化补植", "部分绿地黄土裸露", "物业补植绿化，业委会组织居民认养", "property_company", False,
     "补植灌木300余株，居民认养12块"),
    ("汛期排水设施检查", "汛期前检查雨水井和地下室排水泵", "物业完成雨水井清掏和排水泵检修，社区做好应急值守安排",
     "property_company", False, "雨水井清掏40处，排水泵检修完毕"),
    ("暑期高空抛物和防溺水宣传", "暑假儿童多，需加强安全宣传", "社区和物业联合开展入户宣传，楼栋张贴提示",
     "residents_committee", False, "入户宣传覆盖全部楼栋"),
    ("物业服务满意度测评安排", "年度物业服务满意度测评", "业委会组织居民代表开展物业服务满意度测评，结果在联席会议通报",
     "owners_committee", True, "测评完成，满意率92%，结果已通报"),
    ("楼道“微阵地”党群服务点建设", "物业办公室改为党群服务“微阵地”", "物业腾出办公室一间，社区党组织配齐服务设施",
     "party_committee", False, "党群服务“微阵地”已挂牌运行"),
    ("老旧小区单元门更换计划", "部分单元门锈蚀严重", "业委会征求居民意见，物业报价后提交下次会议", "owners_committee",
     False, "已征求意见并报价，提交会议"),
    ("重点关爱人群“微服务”走访", "梳理独居老人、残疾人等重点关爱人群的需求",
     "物业每月为重点关爱人群上门服务一次，社区网格员陪同", "property_company", False, "已走访重点关爱人群并建立服务台账"),
    ("年度联席会议工作总结", "总结一年来联席会议决议落实情况", "社区党组织牵头形成年度总结，向居民公示", "party_committee",
     False, "年度总结已在公告栏公示"),
)
DROP_AT = (3, 5)  # OWN_ITEMS[3] (the charging points) is dropped at meeting 5
DROP_REASON = "经供电部门现场勘查，小区配电容量不足，无法增设充电桩；改由街道“微实事”统一规划建设充电棚，另行立项"

# property requests raised since the last meeting and still open at "now", per compound:
# (category code, title, description)
OPEN_ISSUES: tuple[tuple[tuple[str, str, str], ...], ...] = (
    (("elevator", "{b}电梯频繁停运", "电梯一周内停运三次，高层老人下不了楼"),
     ("repair", "{b}单元门禁又坏了", "门禁失灵，单元门关不上"),
     ("parking", "东门消防通道又被占用", "夜间车辆停在消防通道上"),
     ("sanitation", "{b}地下室积水发臭", "连日降雨后地下室积水，蚊虫滋生")),
    (("repair", "{b}楼道扶手松动", "老人上下楼扶着不稳，担心摔倒"),
     ("safety_hazard", "{b}外墙瓷砖脱落", "外墙瓷砖掉落在人行道上，险些砸到行人"),
     ("elevator", "{b}电梯按键失灵", "电梯多个楼层按键按了没反应")),
)

REPAIRS = ("卫生间水龙头漏水", "厨房下水管堵塞", "更换卧室灯泡", "门锁损坏打不开", "暖气片跑水", "窗户合页脱落",
           "电源插座不通电", "马桶水箱漏水")
ERRANDS = ("代买米面油", "代购常用药（家属已付款）", "代买蔬菜水果", "代缴水电费", "代取快递")
OTHERS = ("陪同就医", "帮助安装助浴扶手", "代为联系家政保洁")
CHANNELS = ("bench_meeting", "wechat_group", "patrol", "hotline_12345", "jinzhitong", "snapshot")
REQUEST_TYPES = {"repair": "help", "sanitation": "complaint", "parking": "complaint", "safety_hazard": "report"}


def demo_now(session) -> datetime:
    """The demo's "now": the time the street was built up to (its build record), else the clock."""
    row = session.scalar(select(AuditLog.after).where(AuditLog.action == "demo.build").order_by(AuditLog.id).limit(1))
    if isinstance(row, dict) and row.get("now"):
        return datetime.fromisoformat(row["now"])
    return utcnow().replace(minute=0, second=0, microsecond=0)


def _members(s, org_id: int, *roles: str) -> list[int]:
    stmt = (select(Membership.person_id).where(Membership.organisation_id == org_id, Membership.end_date.is_(None))
            .order_by(Membership.id))
    if roles:
        stmt = stmt.where(Membership.role.in_(roles))
    out: list[int] = []
    for pid in s.scalars(stmt):
        if pid not in out:
            out.append(pid)
    return out


@dataclass
class Cast:
    """Who sits at a compound's meeting, for which body."""

    bodies: dict[str, int]  # body kind -> organisation id
    chair: int
    secretary: int
    rc_extra: list[int]
    owners_chair: int
    owners: list[int]
    manager: int
    prop_staff: list[int]
    responsible: dict[str, int]  # body kind -> responsible person


@dataclass
class Story:
    """The events between meetings, kept in time order and applied as time passes."""

    now: datetime
    events: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)
    at_meeting: dict[int, list[tuple[int, str]]] = field(default_factory=dict)  # meeting index -> (action, note)
    seq: int = 0

    def at(self, when: datetime, fn: Callable[[], None]) -> None:
        self.seq += 1
        self.events.append((when, self.seq, fn))

    def run_until(self, until: datetime) -> None:
        limit = min(until, self.now)
        due = sorted((e for e in self.events if e[0] < limit), key=lambda e: (e[0], e[1]))
        self.events = [e for e in self.events if e[0] >= limit]
        for _, _, fn in due:
            fn()


def _cast(s, actor: Actor, compound: Place) -> Cast | None:
    from gongzhi.core.services import orgs as org_svc

    community = s.get(Place, compound.parent_id)

    def org_of(kind: str, place: Place) -> int | None:
        return s.scalar(select(Organisation.id).where(Organisation.kind == kind, Organisation.place_id == place.id)
                        .order_by(Organisation.id).limit(1))

    pc, rc = org_of(OrgKind.party_committee, community), org_of(OrgKind.residents_committee, community)
    if pc is None or rc is None:
        log.info("red_property demo: %s has no party organisation or residents' committee; skipped", community.name)
        return None
    # what the article implies every compound has: create it where the street lacks it
    owners = org_of(OrgKind.owners_committee, compound) or org_svc.create_organisation(
        s, actor=actor, kind="owners_committee", name=f"{compound.name}业主委员会", place_id=compound.id).id
    prop = org_of(OrgKind.property_company, compound) or org_svc.create_organisation(
        s, actor=actor, kind="property_company", name=f"{compound.name}物业服务中心", place_id=compound.id).id
    residents = list(s.scalars(select(Person.id).join(Place, Place.id == Person.household_id)
                               .where(Place.path.startswith(compound.path)).order_by(Person.id)))
    start = date(2000, 1, 1)

    def ensure(org_id: int, role: str, pool: list[int]) -> int:
        found = _members(s, org_id, role)
        if found:
            return found[0]
        pid = pool[0] if pool else s.scalar(select(func.min(Person.id)))
        org_svc.add_membership(s, actor=actor, person_id=pid, organisation_id=org_id, role=role, start_date=start)
        return pid

    chair = ensure(pc, "secretary", [])
    # the community worker who keeps the record: the deputy party secretary, who also
    # sits on the residents' committee and attends for it
    secretary = next((p for p in _members(s, pc, "deputy_secretary") if p in _members(s, rc)), None)
    if secretary is None:
        secretary = next((p for p in _members(s, rc) if p != chair), None) or ensure(rc, "member", residents[1:])
    owners_chair = ensure(owners, "chair", residents)
    manager = ensure(prop, "manager", [])
    grid = list(s.scalars(select(Membership.person_id).where(
        Membership.organisation_id == rc, Membership.role == "grid_worker", Membership.scope_place_id == compound.id,
        Membership.end_date.is_(None)).order_by(Membership.id)))
    bodies = {"party_committee": pc, "residents_committee": rc, "owners_committee": owners, "property_company": prop}
    return Cast(bodies=bodies, chair=chair, secretary=secretary, rc_extra=[p for p in grid if p != secretary][:1],
                owners_chair=owners_chair, owners=[p for p in _members(s, owners) if p != owners_chair],
                manager=manager, prop_staff=[p for p in _members(s, prop, "staff") if p != manager][:2],
                responsible={"party_committee": chair, "residents_committee": secretary,
                             "owners_committee": owners_chair, "property_company": manager})


def build_joint_meetings(db, *, actor: Actor, seed: int = 2014, scale: str = "small",
                         now: datetime | None = None) -> dict[str, list[int]]:
    """Build a year of joint meetings and micro-services for the two compounds; returns
    {compound: [meeting ids]} (empty for a compound the street lacks or that has meetings)."""

    out: dict[str, list[int]] = {}
    with db.session() as s:
        now = now or demo_now(s)
        for index, (name, day) in enumerate(COMPOUNDS):
            compound = s.scalar(select(Place).where(Place.kind == "compound", Place.name == name).order_by(Place.id))
            if compound is None:
                log.info("red_property demo: no compound %s in this street; skipped", name)
                continue
            if s.scalar(select(func.count()).select_from(Meeting).where(Meeting.place_id == compound.id)):
                continue
            rng = random.Random(f"gongzhi-demo/{seed}/red_property/{name}")
            out[name] = _compound_year(s, actor, compound, index, day, now, rng)
    return out


def _month_start(now: datetime, back: int) -> tuple[int, int]:
    t = local(now)
    months = t.year * 12 + (t.month - 1) - back
    return months // 12, months % 12 + 1


def _this_months_meeting(now: datetime, day: int) -> datetime | None:
    """When this month's meeting was held: on its usual day at 14:30 if that is at least
    two hours before "now", else the day before "now" (or earlier today), if still this month."""
    today = local(now)
    usual = datetime(today.year, today.month, day, 14, 30, tzinfo=LOCAL_TZ)
    limit = now - timedelta(hours=2)
    for held in (usual, (today - timedelta(days=1)).replace(hour=14, minute=30, second=0, microsecond=0),
                 today.replace(hour=8, minute=30, second=0, microsecond=0)):
        if held <= limit and (held.year, held.month) == (today.year, today.month):
            return held
    return None


def _compound_year(s, actor: Actor, compound: Place, index: int, day: int, now: datetime,
                   rng: random.Random) -> list[int]:
    from gongzhi.core.services import categories, requests
    from gongzhi.plugins.red_property import services as svc

    cast = _cast(s, actor, compound)
    if cast is None:
        return []
    community = s.get(Place, compound.parent_id)
    chair = s.get(Person, cast.chair)
    clerk = s.get(Person, cast.secretary)
    actor = Actor(f"{clerk.name}（{community.name}联席会议记录人）", clerk.id)
    buildings = list(s.scalars(select(Place).where(Place.parent_id == compound.id, Place.kind == "building")
                               .order_by(Place.id)))
    residents = list(s.scalars(select(Person.id).join(Place, Place.id == Person.household_id)
                               .where(Place.path.startswith(compound.path)).order_by(Person.id)))
    cats = {code: categories.find_category(s, code).id for code in REQUEST_TYPES}
    body_ids = [cast.bodies[k] for k in ("party_committee", "residents_committee", "owners_committee",
                                         "property_company")]
    location = f"{compound.name}物业办公室（党群服务“微阵地”）"
    story = Story(now)
    issues = list(ISSUES)
    rng.shuffle(issues)
    meetings: list[int] = []
    # twelve monthly meetings ending with this month's, which is over by "now" (when the
    # usual day is still to come, it was held earlier this month), then next month's in draft
    this_month = _this_months_meeting(now, day)
    last = 0 if this_month is not None else 1
    held_times = []
    for back in range(last + MONTHS - 1, last - 1, -1):
        y, mo = _month_start(now, back)
        held_times.append(datetime(y, mo, day, 14, 30, tzinfo=LOCAL_TZ))
    if this_month is not None:
        held_times[-1] = this_month
    y, mo = _month_start(now, last - 1)
    upcoming = datetime(y, mo, day, 14, 30, tzinfo=LOCAL_TZ)

    for i, held in enumerate(held_times):
        # the residents raise two property requests in the weeks before the meeting
        raised = []
        for j in range(2):
            code, title, desc, *_ = issue = issues[(2 * i + j) % len(issues)]
            b = buildings[rng.randrange(len(buildings))] if buildings else compound
            when = held - timedelta(days=rng.randint(3, 12), hours=rng.randint(0, 6))
            r = requests.create_request(
                s, actor=actor, channel=rng.choice(CHANNELS), type=REQUEST_TYPES[code], category_id=cats[code],
                title=title.format(b=b.name), description=desc, place_id=b.id,
                reporter_id=rng.choice(residents) if residents else None, at=when)
            raised.append((r.id, issue, b))
        story.run_until(held)

        absent_owners = (index, i) == OWNERS_ABSENT
        m = svc.create_meeting(s, actor=actor, place_id=compound.id, held_at=held, location=location,
                               chair_id=cast.chair, secretary_id=cast.secretary, body_ids=body_ids,
                               at=held - timedelta(days=5))
        meetings.append(m.id)
        seats = [(cast.chair, "party_committee"), (cast.secretary, "residents_committee")]
        seats += [(p, "residents_committee") for p in cast.rc_extra if rng.random() < 0.7]
        if not absent_owners:
            seats.append((cast.owners_chair, "owners_committee"))
            seats += [(p, "owners_committee") for p in rng.sample(cast.owners, min(len(cast.owners), rng.randint(1, 2)))]
        seats.append((cast.manager, "property_company"))
        seats += [(p, "property_company") for p in cast.prop_staff if rng.random() < 0.5]
        seated: set[int] = set()
        for pid, kind in seats:
            if pid in seated:
                continue  # a cross-appointed person is already at the table for another body
            seated.add(pid)
            svc.check_in(s, actor=actor, meeting_id=m.id, person_id=pid, organisation_id=cast.bodies[kind],
                         at=held - timedelta(minutes=10))
        svc.open_meeting(s, actor=actor, meeting_id=m.id, without_quorum=absent_owners, at=held)

        # the follow-up: what is reported done at this meeting, progress on the rest
        t = held + timedelta(minutes=10)
        for action_id, note in story.at_meeting.pop(i, []):
            if svc.get_action_item(s, action_id).status in ("open", "in_progress"):
                svc.complete_action(s, actor=actor, action_item_id=action_id, note=note, meeting_id=m.id, at=t)
        if DROP_AT[1] == i and DROP_AT[0] < i:
            dropped = s.scalar(select(ActionItem.id).where(
                ActionItem.place_id == compound.id, ActionItem.title == OWN_ITEMS[DROP_AT[0]][2]))
            if dropped is not None:
                svc.drop_action(s, actor=actor, action_item_id=dropped, reason=DROP_REASON, meeting_id=m.id, at=t)
        for f in svc.follow_ups(s, m.id, on=held.date()):
            if f.status in ("open", "in_progress", "overdue") and rng.random() < 0.6:
                svc.add_progress(s, actor=actor, action_item_id=f.action_item_id, meeting_id=m.id, at=t,
                                 text=rng.choice(("责任单位汇报：正在推进，材料已到位", "已完成大部分工作，剩余部分本月内完成",
                                                  "因天气原因延误，已调整施工计划")))

        # the agenda: the residents' requests, then the meeting's own item
        t = held + timedelta(minutes=30)
        planned = []
        for rid, issue, b in raised:
            item = svc.add_agenda_item(s, actor=actor, meeting_id=m.id, request_id=rid, at=t)
            planned.append((item, issue[3].format(b=b.name), issue[4], issue[5], False, issue[6]))
        own = OWN_ITEMS[i % len(OWN_ITEMS)]
        item = svc.add_agenda_item(s, actor=actor, meeting_id=m.id, title=own[0], description=own[1], at=t)
        planned.append((item, own[2], own[3], "各方充分讨论，意见基本一致。" if not own[4] else
                         "各方讨论后意见不一，主持人提请表决。", own[4], own[5]))

        present: dict[int, int] = {}
        for a in svc.attendance_of(s, m.id):
            present[a.organisation_id] = present.get(a.organisation_id, 0) + 1
        for n, (item, text, kind, discussion, by_vote, done) in enumerate(planned):
            svc.update_agenda_item(s, actor=actor, agenda_item_id=item.id, discussion=discussion)
            org = cast.bodies[kind]
            votes = None
            if by_vote:
                votes = {oid: (count - (1 if count > 1 and oid == cast.bodies["owners_committee"] else 0), 0,
                               1 if count > 1 and oid == cast.bodies["owners_committee"] else 0)
                         for oid, count in present.items()}
            fate = "never" if (i == MONTHS - 1 and n == 0) else rng.choices(
                ("on_time", "late", "at_meeting"), weights=(65, 25, 10))[0]
            if (i, n) == (DROP_AT[0], 2):
                fate = "drop"
            days = {"late": 14, "never": 7}.get(fate) or rng.choice((7, 14, 21, 30))
            deadline = held.date() + timedelta(days=days)
            r = svc.add_resolution(s, actor=actor, agenda_item_id=item.id, text=text, responsible_org_id=org,
                                   responsible_person_id=cast.responsible[kind], deadline=deadline,
                                   decided_by="vote" if votes else "consensus", votes=votes,
                                   at=held + timedelta(minutes=40 + 10 * n))
            (action,) = svc.action_items_of(s, resolution_id=r.id)
            _plan(story, s, actor, action.id, fate, held, held_times, i, done or "已按决议落实")
        svc.close_meeting(s, actor=actor, meeting_id=m.id, at=held + timedelta(hours=1, minutes=40))

    story.run_until(now)
    # next month's meeting is being prepared: its follow-up section is already there
    m = svc.create_meeting(s, actor=actor, place_id=compound.id, held_at=upcoming, location=location,
                           chair_id=cast.chair, secretary_id=cast.secretary, body_ids=body_ids,
                           at=min(now, upcoming - timedelta(days=5)))
    # since the last meeting, residents have raised new property requests, still open: the
    # agenda of the next meeting is taken from them
    since = held_times[-1] + timedelta(hours=3)
    raised_since = []
    for j, (code, title, desc) in enumerate(OPEN_ISSUES[index]):
        b = buildings[(index + 3 * j) % len(buildings)] if buildings else compound
        when = since + (now - since) * (j + 1) / (len(OPEN_ISSUES[index]) + 1)
        raised_since.append(requests.create_request(
            s, actor=actor, channel=CHANNELS[j % len(CHANNELS)], type=REQUEST_TYPES.get(code, "help"),
            category_id=categories.find_category(s, code).id, title=title.format(b=b.name), description=desc,
            place_id=b.id, reporter_id=residents[(7 * j + index) % len(residents)] if residents else None,
            at=when).id)
    extra = [m.id]
    if index == 0:
        # and urgent enough that the community calls an extraordinary joint meeting this month
        soon = local(now + timedelta(days=2)).replace(hour=14, minute=30, second=0, microsecond=0)
        x = svc.create_meeting(s, actor=actor, place_id=compound.id, held_at=soon, location=location,
                               kind="extraordinary", chair_id=cast.chair, secretary_id=cast.secretary,
                               body_ids=body_ids, at=now - timedelta(hours=1))
        extra.append(x.id)
    _micro_services(s, actor, compound, cast, now, rng)
    log.info("red_property demo: %s — %d meetings (%s chairs), %d open requests", compound.name,
             len(meetings) + len(extra), chair.name, len(raised_since))
    return [*meetings, *extra]


def _plan(story: Story, s, actor: Actor, action_id: int, fate: str, held: datetime, held_times: list[datetime],
          i: int, done: str) -> None:
    """Decide, at the meeting, how an action item will fare, as events in time."""
    from gongzhi.plugins.red_property import services as svc

    def start(when: datetime, note: str) -> None:
        story.at(when, lambda: svc.start_action(s, actor=actor, action_item_id=action_id, note=note, at=when))

    def finish(when: datetime) -> None:
        story.at(when, lambda: svc.complete_action(s, actor=actor, action_item_id=action_id, note=done, at=when))

    if fate == "drop":
        start(held + timedelta(days=3), "已联系供电部门勘查")
        return
    start(held + timedelta(days=1, hours=1), "已安排责任人落实")
    if fate == "never":
        return
    if fate == "on_time":
        finish(held + timedelta(days=3 + (action_id % 15), hours=2))
    elif fate == "at_meeting":
        story.at_meeting.setdefault(i + 1, []).append((action_id, done))
    else:  # late: overdue at the next meeting, done before the one after
        when = held + timedelta(days=15)
        story.at(when, lambda: svc.add_progress(s, actor=actor, action_item_id=action_id, at=when,
                                                text="责任单位汇报：已开始办理，预计下月完成"))
        if i + 2 < len(held_times):
            finish(held_times[i + 2] - timedelta(days=4))


def _micro_services(s, actor: Actor, compound: Place, cast: Cast, now: datetime, rng: random.Random) -> None:
    """A few micro-services a month: free home repairs, mostly for priority-care residents, and errands."""
    from gongzhi.plugins.red_property import services as svc

    people = svc.suggest_residents(s, compound_id=compound.id, limit=10_000)
    if not people:
        return
    care = [p.person_id for p in people if p.priority_care] or [p.person_id for p in people]
    everyone = [p.person_id for p in people]
    doers = [cast.manager, *cast.prop_staff]
    prop = cast.bodies["property_company"]
    for back in range(MONTHS, -1, -1):
        y, mo = _month_start(now, back)
        for _ in range(rng.randint(2, 4)):
            kind = rng.choices(("free_repair", "shopping", "other"), weights=(6, 3, 1))[0]
            who = rng.choice(care if kind != "other" and rng.random() < 0.8 else everyone)
            what = rng.choice({"free_repair": REPAIRS, "shopping": ERRANDS, "other": OTHERS}[kind])
            asked = datetime(y, mo, rng.randint(1, 28), rng.randint(8, 17), tzinfo=LOCAL_TZ)
            if asked >= now:
                continue
            x = svc.log_service(s, actor=actor, kind=kind, resident_id=who, compound_id=compound.id, description=what,
                                at=asked)
            visit = asked + timedelta(days=1, hours=1)
            if visit < now:
                svc.schedule_service(s, actor=actor, service_id=x.id, scheduled_for=visit, at=asked + timedelta(hours=1))
            if visit + timedelta(hours=2) < now - timedelta(days=2):
                svc.complete_service(s, actor=actor, service_id=x.id, done_by_id=rng.choice(doers), done_by_org_id=prop,
                                     result="已上门完成，居民满意" if kind != "shopping" else "已送货上门",
                                     at=visit + timedelta(hours=2))
