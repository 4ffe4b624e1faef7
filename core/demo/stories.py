"""The article's five stories, told through the real services with backdated times.

Each goes round the closed loop 发现问题—分类交办—限时办结—反馈评价 with the
public notes a clerk would write:

- 荣雅园: dim street lamps, raised by several elderly residents at a bench meeting
  (板凳会); the others' requests are merged as duplicates, so they become supporters.
- 盛康园: objects thrown from height, found in the grid WeChat group by analysing the
  opinion database; cameras installed on the high-rises.
- 荣诚园: drying racks, decided over three consultation meetings with the consent
  of all residents; 6 sets of public drying racks.
- 欢畅园: the gate to the market widened from under 1 m to 1.8 m in a month.
- 荣乐园: e-bike charging, a whistle (吹哨报到) to the fire, city-management and
  power departments; 8 smart charging sheds in under two months.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlmodel import Session

from gongzhi.core.demo.registry import Compound, Person, Registry, at_local
from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.core.services.base import Actor
from gongzhi.core.services.requests import (
    create_request,
    dispatch,
    rate_dispatch,
    record_dispatch_result,
    record_feedback,
    report_in,
    transition,
)

STORIES = ("lamps", "littering", "racks", "gate", "sheds")


def _day(now: datetime, days_before: float, weekday: int | None = None) -> date:
    d = (now - timedelta(days=days_before)).astimezone(LOCAL_TZ).date()
    if weekday is not None:
        d -= timedelta(days=(d.weekday() - weekday) % 7)
    return d


def story_schedule(now: datetime, years: int = 3) -> dict[str, datetime]:
    """When each story starts and when its result was in place (for the new places' records).

    About a year and a half before ``now`` for the lamps, eight months for the sheds;
    squeezed closer to ``now`` when the demo covers less than two years.
    """
    f = min(1.0, years * 365 / 730)
    lamps = at_local(_day(now, 540 * f, weekday=3), 19, 30)  # a Thursday-evening bench meeting
    littering = at_local(_day(now, 450 * f), 21, 10)
    racks = at_local(_day(now, 400 * f, weekday=2), 10, 0)
    gate = at_local(_day(now, 330 * f, weekday=0), 8, 10)
    sheds = at_local(_day(now, 260 * f, weekday=1), 10, 20)
    return {
        "lamps_start": lamps, "lamps": lamps + timedelta(days=18, hours=-3),
        "littering_start": littering, "cameras": littering + timedelta(days=25, hours=-5),
        "racks_start": racks, "racks": racks + timedelta(days=60, hours=5),
        "gate_start": gate, "gate_done": gate + timedelta(days=30, hours=8),
        "sheds_start": sheds, "sheds": sheds + timedelta(days=52, hours=5),
    }


class _Teller:
    def __init__(self, session: Session, reg: Registry, categories: dict[str, int], now: datetime,
                 years: int) -> None:
        self.s, self.reg, self.cats, self.now = session, reg, categories, now
        self.when = story_schedule(now, years)
        self.ref_year = now.astimezone(LOCAL_TZ).year

    def age(self, p: Person) -> int:
        return self.ref_year - p.birth_year

    def people(self, k: Compound, n: int, *, min_age: int = 60, max_age: int = 120) -> list[Person]:
        """``n`` residents of ``k`` within the ages, oldest first; topped up from the street."""
        def fits(p: Person) -> bool:
            return min_age <= self.age(p) <= max_age

        out = sorted((p for p in k.residents if fits(p)), key=lambda p: (p.birth_year, p.id))[:n]
        if len(out) < n:
            rest = sorted((p for p in k.residents if p not in out), key=lambda p: (p.birth_year, p.id))
            out += rest[: n - len(out)]
        if len(out) < n:
            rest = sorted((p for p in self.reg.residents if fits(p) and p not in out), key=lambda p: (p.birth_year, p.id))
            out += rest[: n - len(out)]
        return out

    def secretary(self, k: Compound) -> Actor:
        c = k.community
        p = self.reg.community_secretary[c.idx]
        return Actor(f"{p.name}（{c.name}{c.plan.party_org}书记）", p.id)

    def dept_actor(self, code: str) -> Actor:
        p = self.reg.dept_staff[code][0]
        return Actor(f"{p.name}（{self.reg.org_names[self.reg.org('dept', code)]}）", p.id)

    def org_actor(self, org_id: int) -> Actor:
        return Actor(self.reg.org_names[org_id])

    # -- the stories -------------------------------------------------------------

    def lamps(self) -> str:
        reg, s = self.reg, self.s
        k = reg.compound("荣雅园")
        actor = self.secretary(k)
        t = self.when["lamps_start"]
        elders = self.people(k, 4, min_age=65)
        main = create_request(
            s, actor=actor, channel="bench_meeting", type="suggestion", category_id=self.cats["lighting"],
            title="荣雅园夜间路灯昏暗，老年居民出行不便", place_id=k.id, reporter_id=elders[0].id, priority="high",
            description="“书记面对面”板凳会上，多位老年居民集中反映：小区夜间路灯昏暗，晚上出门遛弯、买菜看不清路，担心摔倒。",
            public_note="板凳会现场记录", at=t,
        )
        for i, p in enumerate(elders[1:], start=1):
            dup = create_request(
                s, actor=actor, channel="bench_meeting", type="complaint", category_id=self.cats["lighting"],
                title="荣雅园晚上路灯太暗，看不清路", place_id=k.id, reporter_id=p.id,
                description="板凳会上居民反映：晚上路灯太暗，老年人出行不便。", at=t + timedelta(minutes=4 * i),
            )
            transition(s, actor=actor, request_id=dup.id, to_status="duplicate", duplicate_of_id=main.id,
                       public_note=f"板凳会上反映同一问题，并入{main.ref}办理", at=t + timedelta(minutes=40 + i))
        transition(s, actor=actor, request_id=main.id, to_status="accepted", at=t + timedelta(minutes=50),
                   public_note="社区党组织当场记录，列入“民生微实事”清单优先解决")
        prop, city = reg.org("property", k.idx), reg.org("dept", "city_management")
        d_prop, d_city = dispatch(
            s, actor=actor, request_id=main.id, organisations=[(prop, "lead"), (city, "assist")],
            public_note="物业牵头、城管路灯部门配合，勘查加装方案", at=t + timedelta(hours=14),
        )
        transition(s, actor=actor, request_id=main.id, to_status="in_progress", at=t + timedelta(days=3, hours=1),
                   public_note="物业与施工方夜间现场勘查，确定新增LED路灯点位")
        done = self.when["lamps"]
        record_dispatch_result(s, actor=self.dept_actor("city_management"), dispatch_id=d_city.id,
                               result="完成路灯线路检测，配合新增灯杆接电", at=done - timedelta(hours=3))
        record_dispatch_result(s, actor=self.org_actor(prop), dispatch_id=d_prop.id,
                               result="新增LED路灯16盏，更换老旧灯具，夜间照明明显改善", at=done - timedelta(hours=1))
        transition(s, actor=actor, request_id=main.id, to_status="resolved", at=done,
                   public_note="新增LED路灯16盏，荣雅园夜间照明明显改善")
        rate_dispatch(s, actor=actor, dispatch_id=d_prop.id, rating=5, at=done + timedelta(days=2))
        rate_dispatch(s, actor=actor, dispatch_id=d_city.id, rating=5, at=done + timedelta(days=2))
        record_feedback(s, actor=actor, request_id=main.id, contacted=True, resolved="yes", satisfaction="satisfied",
                        comment="路灯亮了，晚上出门遛弯不怕了，谢谢社区", close=True, at=done + timedelta(days=4))
        return main.ref

    def littering(self) -> str:
        reg, s = self.reg, self.s
        k = reg.compound("盛康园")
        actor = self.secretary(k)
        t = self.when["littering_start"]
        reporter = self.people(k, 1, min_age=30, max_age=59)[0]
        r = create_request(
            s, actor=Actor(f"{reg.grid_worker[k.idx].name}（网格员）", reg.grid_worker[k.idx].id),
            channel="wechat_group", type="report", category_id=self.cats["high_rise_littering"],
            title="盛康园高空抛物隐患，网格微信群讨论热烈", place_id=k.id, reporter_id=reporter.id, priority="high",
            description="盛康园网格微信群里居民讨论高层有人往楼下扔东西，担心砸伤老人孩子。直接投诉不多，但群内讨论热烈。",
            public_note="网格员从社区网格微信群收集", at=t,
        )
        transition(s, actor=actor, request_id=r.id, to_status="accepted", at=t + timedelta(hours=13),
                   public_note="民意数据库分析：“高空抛物”直接反映不多，但微信群讨论热烈；社区党组织主动列为“微实事”项目")
        prop, police = reg.org("property", k.idx), reg.org("dept", "police")
        d_prop, d_police = dispatch(
            s, actor=actor, request_id=r.id, organisations=[(prop, "lead"), (police, "assist")],
            public_note="物业负责安装高空摄像头，派出所配合宣传防范", at=t + timedelta(days=1, hours=1),
        )
        transition(s, actor=actor, request_id=r.id, to_status="in_progress", at=t + timedelta(days=3),
                   public_note="物业逐栋勘察高层楼栋，确定摄像头点位")
        done = self.when["cameras"]
        record_dispatch_result(s, actor=self.dept_actor("police"), dispatch_id=d_police.id,
                               result="入户开展防范高空抛物宣传，张贴警示标识", at=done - timedelta(hours=3))
        record_dispatch_result(s, actor=self.org_actor(prop), dispatch_id=d_prop.id,
                               result=f"在盛康园{len(k.buildings)}栋高层楼栋安装高空抛物监控摄像头", at=done - timedelta(hours=1))
        transition(s, actor=actor, request_id=r.id, to_status="resolved", at=done,
                   public_note="高空摄像头安装完成，有效防范高空抛物，将隐患化解在萌芽状态")
        record_feedback(s, actor=actor, request_id=r.id, contacted=True, resolved="yes", satisfaction="satisfied",
                        comment="装了摄像头，孩子在楼下玩也放心了", close=True, at=done + timedelta(days=3))
        return r.ref

    def racks(self) -> str:
        reg, s = self.reg, self.s
        k = reg.compound("荣诚园")
        actor = self.secretary(k)
        t = self.when["racks_start"]
        reporter = self.people(k, 1, min_age=40, max_age=75)[0]
        r = create_request(
            s, actor=actor, channel="walk_in", type="suggestion", category_id=self.cats["facilities"],
            title="荣诚园户型原因晾晒衣物不便，建议设置公共晾衣架", place_id=k.id, reporter_id=reporter.id,
            priority="low", description="因户型设计原因，居民晾晒衣物不便；是否设置、设在哪里，居民意见分歧较大。",
            public_note="多位居民到社区反映", at=t,
        )
        transition(s, actor=actor, request_id=r.id, to_status="accepted", at=t + timedelta(hours=3),
                   public_note="涉及利益主体多，不搞“一刀切”，提交“居民议事厅”“嘚啵嘚圆桌会”协商")
        prop, owners = reg.org("property", k.idx), reg.org("owners", k.idx)
        rc, branch = reg.org("rc", k.community.idx), reg.org("branch", k.idx)
        d_prop, d_owners = dispatch(
            s, actor=actor, request_id=r.id, organisations=[(prop, "lead"), (owners, "assist")],
            public_note="第一次协商会：居民代表、物业、施工方共同现场勘测", at=t + timedelta(days=7),
        )
        transition(s, actor=actor, request_id=r.id, to_status="in_progress", at=t + timedelta(days=7, hours=3),
                   public_note="现场勘测后意见分歧较大，继续协商")
        (d_rc,) = dispatch(
            s, actor=actor, request_id=r.id, organisations=[(rc, "assist")],
            public_note="第二次协商会：比选三处选址方案，听取党员代表和专业人士意见", at=t + timedelta(days=21),
        )
        (d_branch,) = dispatch(
            s, actor=actor, request_id=r.id, organisations=[(branch, "assist")],
            public_note="第三次协商会：反复论证方案，逐户征求意见，全体居民同意选址", at=t + timedelta(days=35),
        )
        done = self.when["racks"]
        record_dispatch_result(s, actor=self.org_actor(owners), dispatch_id=d_owners.id,
                               result="组织逐户征求意见，全体居民同意", at=t + timedelta(days=38))
        record_dispatch_result(s, actor=self.org_actor(rc), dispatch_id=d_rc.id,
                               result="汇总居民意见，形成选址方案", at=t + timedelta(days=38, hours=2))
        record_dispatch_result(s, actor=self.org_actor(branch), dispatch_id=d_branch.id,
                               result="党员代表带头做通分歧居民工作", at=t + timedelta(days=38, hours=4))
        record_dispatch_result(s, actor=self.org_actor(prop), dispatch_id=d_prop.id,
                               result="在光照充足且不影响通行的区域安装6组统一规格的公共晾衣架", at=done - timedelta(hours=2))
        transition(s, actor=actor, request_id=r.id, to_status="resolved", at=done,
                   public_note="6组公共晾衣架安装完成，既解决“晾衣难”，又兼顾小区美观：群众事、群众议、群众定")
        record_feedback(s, actor=actor, request_id=r.id, contacted=True, resolved="yes", satisfaction="satisfied",
                        comment="晾衣服方便了，小区也整齐了", close=True, at=done + timedelta(days=5))
        return r.ref

    def gate(self) -> str:
        reg, s = self.reg, self.s
        k = reg.compound("欢畅园")
        actor = self.secretary(k)
        t = self.when["gate_start"]
        reporter = self.people(k, 1, min_age=50, max_age=80)[0]
        gate_id = next(pid for pid, name in k.pois["gate"] if name == "通往菜市场小门")
        r = create_request(
            s, actor=Actor("津治通平台"), channel="jinzhitong", type="suggestion", category_id=self.cats["access"],
            title="欢畅园通往菜市场的小门太窄，早晚高峰人车混行", place_id=gate_id, reporter_id=reporter.id,
            description="小区通往菜市场的小门宽度不足1米，早晚高峰期人车混行，拥堵严重，存在安全隐患。",
            at=t,
        )
        transition(s, actor=actor, request_id=r.id, to_status="accepted", at=t + timedelta(hours=2),
                   public_note="列入“民生微实事”清单，申请“微实事”专项资金")
        prop = reg.org("property", k.idx)
        (d_prop,) = dispatch(s, actor=actor, request_id=r.id, organisations=[(prop, "lead")],
                             public_note="“微实事”专项资金支持，协调物业施工", at=t + timedelta(days=1))
        transition(s, actor=actor, request_id=r.id, to_status="in_progress", at=t + timedelta(days=3),
                   public_note="物业进场施工，施工期间设置临时通道")
        done = self.when["gate_done"]
        record_dispatch_result(s, actor=self.org_actor(prop), dispatch_id=d_prop.id,
                               result="将不足1米的小门拓宽至1.8米，并对周边路面进行硬化", at=done - timedelta(hours=1))
        transition(s, actor=actor, request_id=r.id, to_status="resolved", at=done,
                   public_note="小门由不足1米拓宽至1.8米，周边路面完成硬化，用时一个月")
        rate_dispatch(s, actor=actor, dispatch_id=d_prop.id, rating=5, at=done + timedelta(days=1))
        record_feedback(s, actor=actor, request_id=r.id, contacted=True, resolved="yes", satisfaction="satisfied",
                        comment="买菜方便多了，再也不挤了", close=True, at=done + timedelta(days=2))
        return r.ref

    def sheds(self) -> str:
        reg, s = self.reg, self.s
        k = reg.compound("荣乐园")
        community_actor = self.secretary(k)
        sec = reg.street_secretary
        street_actor = Actor(f"{sec.name}（{reg.org_names[reg.org('street_party')]}书记）", sec.id)
        grid = reg.grid_worker[k.idx]
        t = self.when["sheds_start"]
        r = create_request(
            s, actor=Actor(f"{grid.name}（网格员）", grid.id), channel="patrol", type="report",
            category_id=self.cats["ebike_charging"], title="荣乐园电动车充电难，楼道飞线充电隐患大",
            place_id=k.id, reporter_id=grid.id, priority="high",
            description="网格员巡查走访收集：小区缺少充电设施，部分居民楼道飞线充电，存在火灾隐患，居民反映强烈。",
            public_note="网格员收集居民诉求", at=t,
        )
        transition(s, actor=community_actor, request_id=r.id, to_status="accepted", at=t + timedelta(hours=1),
                   public_note="跨部门综合性问题，报街道党工委统筹协调")
        fire, city, power = (reg.org("dept", c) for c in ("fire", "city_management", "power"))
        d_fire, d_city, d_power = dispatch(
            s, actor=street_actor, request_id=r.id, whistle=True,
            organisations=[(fire, "lead"), (city, "assist"), (power, "assist")],
            public_note="街道党工委立即启动“吹哨报到”机制，消防、城管、电力等部门现场办公",
            due_at=t + timedelta(days=60), at=t + timedelta(hours=23),
        )
        for i, (code, d) in enumerate((("fire", d_fire), ("city_management", d_city), ("power", d_power))):
            report_in(s, actor=self.dept_actor(code), dispatch_id=d.id, note="到荣乐园现场办公",
                      at=t + timedelta(days=1, hours=1, minutes=15 * i))
        transition(s, actor=street_actor, request_id=r.id, to_status="in_progress", at=t + timedelta(days=1, hours=3),
                   public_note="联合现场办公，制定解决方案：利用小区闲置边角地块建设智能充电车棚")
        record_dispatch_result(s, actor=self.dept_actor("city_management"), dispatch_id=d_city.id,
                               result="清理小区闲置边角地块，完成场地平整", at=t + timedelta(days=12))
        record_dispatch_result(s, actor=self.dept_actor("fire"), dispatch_id=d_fire.id,
                               result="完成消防安全评估：车棚远离楼道及安全出口，配齐灭火器材",
                               at=t + timedelta(days=15))
        record_dispatch_result(s, actor=self.dept_actor("power"), dispatch_id=d_power.id,
                               result="完成电力增容及充电线路敷设", at=t + timedelta(days=35))
        done = self.when["sheds"]
        transition(s, actor=street_actor, request_id=r.id, to_status="resolved", at=done,
                   public_note="利用闲置边角地块建成8处智能充电车棚并投入使用，从收集诉求到投入使用用时不到两个月")
        for d, rating in ((d_fire, 5), (d_city, 5), (d_power, 4)):
            rate_dispatch(s, actor=street_actor, dispatch_id=d.id, rating=rating, at=done + timedelta(days=1))
        record_feedback(s, actor=community_actor, request_id=r.id, contacted=True, resolved="yes",
                        satisfaction="satisfied", comment="充电方便了，也不用担心楼道起火了", close=True,
                        at=done + timedelta(days=3))
        return r.ref


def tell_stories(session: Session, reg: Registry, categories: dict[str, int], now: datetime, years: int = 3,
                 progress: Callable[[str, int, int], None] | None = None) -> dict[str, str]:
    """Record the five stories; returns {story: request ref}."""
    teller = _Teller(session, reg, categories, now, years)
    refs: dict[str, str] = {}
    for i, name in enumerate(STORIES, start=1):
        refs[name] = getattr(teller, name)()
        if progress is not None:
            progress("stories", i, len(STORIES))
    return refs
