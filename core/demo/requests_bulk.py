"""Background requests for the demo street: years of the closed loop, built in bulk.

Each request is simulated as a list of steps (created, accepted, dispatched,
reported in, resolved, feedback, closed …) with realistic delays; the steps are
sorted by time, cut at ``now`` and applied exactly as the services apply them
(:mod:`gongzhi.core.services.requests`): the same status changes, the same event kinds
and data, the same request fields (first response, resolved, closed, lead
organisation). Rows go to :class:`gongzhi.core.demo.bulk.Inserter` chunk by chunk: requests,
dispatches and feedback as dicts, timeline events (seven per request) as plain lists
(:data:`EVENT_COLUMNS`), with the tables' indexes built once at the end (SQLite).
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy import text as sa_text

from gongzhi.core.demo.bulk import Inserter
from gongzhi.core.demo.registry import Compound, Person, Registry, at_local
from gongzhi.core.models.requests import (
    Request,
    RequestDispatch,
    RequestEvent,
    RequestFeedback,
    RequestSupporter,
)
from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.core.models.vocab import TRANSITIONS, Status
from gongzhi.core.services.requests import index_requests_for_search

CHUNK = 2000
# the status machine as plain strings (the rows hold strings; enum lookups per step add up)
_ALLOWED: dict[str, frozenset[str]] = {s.value: frozenset(t.value for t in TRANSITIONS.get(s, ())) for s in Status}
_SUBMITTED, _ACCEPTED, _RESOLVED, _ANSWERED, _CLOSED, _IN_PROGRESS, _DUPLICATE = (
    Status.submitted.value, Status.accepted.value, Status.resolved.value, Status.answered.value,
    Status.closed.value, Status.in_progress.value, Status.duplicate.value)
AUTO_ACTOR = "系统自动归档"
# a timeline event is a list of these columns' values (no dict per event: 700,000 at street
# scale); its id is filled in when its chunk is inserted, its hash appended by the inserter
EVENT_COLUMNS = ("id", "request_id", "at", "actor", "kind", "from_status", "to_status", "public_note",
                 "private_note", "data")
_EVENT_AT = EVENT_COLUMNS.index("at")
_TABLES = (Request.__table__, RequestEvent.__table__, RequestDispatch.__table__, RequestFeedback.__table__,
           RequestSupporter.__table__)


@dataclass(frozen=True)
class Category:
    id: int
    code: str
    sla: tuple[int, int, int, int]  # low, normal, high, urgent
    default_department_id: int | None

    def hours(self, priority: str) -> int:
        return self.sla[("low", "normal", "high", "urgent").index(priority)]


# (title, scope, type, priority, what was done, months or None, weight)
# scope: household | building | high_building | compound | lamp | gate | shed
_T = tuple[str, str, str, str, str, tuple[int, ...] | None, int]
TEMPLATES: dict[str, tuple[_T, ...]] = {
    "lighting": (
        ("{b}楼道声控灯不亮", "building", "report", "normal", "物业已更换楼道声控灯，照明恢复正常", None, 3),
        ("{c}{poi}不亮", "lamp", "report", "normal", "已维修路灯线路，照明恢复", None, 3),
        ("{c}夜间路灯昏暗，老人出行不便", "compound", "suggestion", "normal", "已更换为LED灯具，夜间亮度明显提升", (10, 11, 12, 1, 2), 1),
        ("{b}单元门口照明灯损坏", "building", "report", "low", "已更换单元门口照明灯", None, 2),
    ),
    "safety_hazard": (
        ("{b}楼道堆放杂物，存在消防隐患", "building", "report", "high", "已督促清理楼道杂物，消防通道恢复畅通", None, 4),
        ("{b}消火栓箱损坏", "building", "report", "normal", "已维修消火栓箱并补齐消防器材", None, 1),
        ("{c}井盖缺失，存在安全隐患", "compound", "report", "urgent", "已设置警示标志并补装井盖", None, 2),
        ("{b}外墙瓷砖脱落", "building", "report", "high", "已拉设警戒线并完成外墙修补", None, 1),
        ("{b}电动车进楼入户充电", "building", "complaint", "high", "已上门劝导，电动车移至充电车棚充电", None, 2),
        ("{h}附近有燃气异味", "household", "help", "urgent", "消防站会同燃气公司上门检测，更换老化胶管", None, 1),
    ),
    "high_rise_littering": (
        ("{b}有人高空抛物", "high_building", "complaint", "high", "已调取监控并入户宣传，张贴警示标识", None, 3),
        ("{b}楼上扔垃圾，砸到楼下车棚", "building", "complaint", "high", "已联合派出所入户走访，当事人承诺不再发生", None, 1),
    ),
    "sanitation": (
        ("{c}垃圾桶满溢未及时清运", "compound", "complaint", "normal", "已协调增加清运频次", None, 4),
        ("{b}楼道小广告需要清理", "building", "report", "low", "已清理楼道小广告", None, 2),
        ("{c}绿化带垃圾堆积", "compound", "report", "normal", "已组织保洁人员清理", None, 2),
        ("{c}雨后道路积水严重", "compound", "complaint", "normal", "已疏通雨水篦子，积水排除", (6, 7, 8), 2),
        ("{c}楼下有人私自种菜、堆放杂物", "compound", "complaint", "low", "已上门劝导并清理", (3, 4, 5, 6), 1),
    ),
    "facilities": (
        ("{b}电梯故障停运", "high_building", "help", "high", "电梯维保单位已完成维修，恢复运行", None, 4),
        ("{c}健身器材损坏", "compound", "report", "normal", "已更换损坏的健身器材配件", None, 2),
        ("{b}单元门禁失灵", "building", "report", "normal", "已维修单元门禁", None, 2),
        ("{c}休闲座椅损坏", "compound", "report", "low", "已维修座椅", None, 1),
        ("{h}屋顶漏水", "household", "help", "high", "已完成屋面防水修补", (6, 7, 8, 9), 2),
        ("{b}下水管道堵塞返水", "building", "help", "high", "已疏通下水管道", None, 2),
        ("{c}{poi}道闸损坏", "gate", "report", "normal", "已维修道闸", None, 1),
    ),
    "ebike_charging": (
        ("{c}电动车充电难，车棚充电口不够", "compound", "suggestion", "normal", "已协调增设充电端口", None, 3),
        ("{c}{poi}充电桩损坏", "shed", "report", "normal", "已维修充电桩", None, 2),
        ("{b}楼下飞线充电", "building", "complaint", "high", "已拆除飞线并劝导至充电车棚充电", None, 2),
    ),
    "access": (
        ("{c}{poi}开放时间需要调整", "gate", "suggestion", "low", "已与物业协商调整开放时间", None, 2),
        ("{c}出入口人车混行拥堵", "compound", "complaint", "normal", "已施划人车分流标线", None, 1),
        ("{c}车辆乱停占用消防通道", "compound", "complaint", "high", "已联合城管清理占道车辆", None, 3),
        ("{c}{poi}外共享单车乱停放", "gate", "complaint", "low", "已通知运营企业清理", None, 1),
    ),
    "property_service": (
        ("{h}卫生间漏水影响楼下", "household", "help", "normal", "物业维修人员已上门处理", None, 3),
        ("{h}暖气不热", "household", "complaint", "high", "供热站已排气调试，室温达标", (11, 12, 1, 2, 3), 6),
        ("{c}物业保洁不到位", "compound", "complaint", "normal", "已督促物业加强保洁", None, 2),
        ("{b}二次供水水压低", "building", "complaint", "normal", "已检修二次供水设备", None, 2),
        ("{h}需要上门维修水龙头", "household", "help", "low", "物业“微服务”免费上门维修", None, 2),
    ),
    "neighbour_dispute": (
        ("{b}楼上噪音扰民", "building", "complaint", "normal", "已上门调解，双方达成谅解", None, 3),
        ("{b}邻居占用公共楼道", "building", "complaint", "normal", "已协调清理公共楼道", None, 2),
        ("{b}宠物犬扰民，遛狗不拴绳", "building", "complaint", "normal", "已上门宣传文明养犬", None, 2),
        ("{b}空调外机滴水引发纠纷", "building", "complaint", "low", "已协调加装冷凝水管", (6, 7, 8), 1),
    ),
    "elderly_care": (
        ("{h}独居老人需要上门探访", "household", "help", "normal", "网格员已上门探访并建立定期联系", None, 3),
        ("{h}老人申请助餐服务", "household", "help", "normal", "已为老人办理社区老年助餐", None, 2),
        ("{h}老人需要代买药品", "household", "help", "high", "志愿者已代买药品送上门", None, 2),
        ("{h}申请居家适老化改造", "household", "help", "low", "已完成卫生间扶手等适老化改造", None, 1),
    ),
    "policy_consult": (
        ("公租房续租手续咨询", "household", "consult", "normal", "已答复续租所需材料及办理时间", None, 3),
        ("城乡居民医保缴费咨询", "compound", "consult", "normal", "已答复缴费时间及缴费渠道", (9, 10, 11, 12), 2),
        ("养老金资格认证咨询", "compound", "consult", "normal", "已指导通过手机完成资格认证", None, 2),
        ("低保申请条件咨询", "compound", "consult", "normal", "已答复申请条件及所需材料", None, 2),
        ("居住证办理咨询", "compound", "consult", "low", "已答复居住证办理流程", None, 1),
        ("高龄津贴申领咨询", "compound", "consult", "normal", "已答复高龄津贴申领条件", None, 1),
    ),
    "other": (
        ("建议{c}增设快递柜", "compound", "suggestion", "low", "已与物业协商，列入年度计划", None, 1),
        ("建议组织老年人文艺活动", "compound", "suggestion", "low", "已纳入社区活动安排", None, 1),
        ("{c}流浪猫较多", "compound", "report", "low", "已联系志愿者组织救助", None, 1),
        ("{c}周边早市占道经营", "compound", "complaint", "normal", "已转城管部门规范管理", None, 1),
    ),
}

CATEGORY_WEIGHTS = {
    "lighting": 7, "safety_hazard": 9, "high_rise_littering": 2, "sanitation": 12, "facilities": 14,
    "ebike_charging": 5, "access": 5, "property_service": 18, "neighbour_dispute": 8, "elderly_care": 6,
    "policy_consult": 10, "other": 4,
}
CHANNEL_WEIGHTS = {
    "hotline_12345": 30, "jinzhitong": 17, "wechat_group": 20, "patrol": 13, "snapshot": 7,
    "bench_meeting": 7, "walk_in": 5, "other": 1,
}
AFFINITY: dict[str, dict[str, float]] = {
    "snapshot": {"safety_hazard": 3, "sanitation": 3, "facilities": 2, "ebike_charging": 1.5, "access": 2,
                 "policy_consult": 0, "neighbour_dispute": 0.2, "elderly_care": 0.1, "property_service": 0.3},
    "patrol": {"safety_hazard": 3, "sanitation": 2, "elderly_care": 2, "facilities": 1.5, "policy_consult": 0.2},
    "bench_meeting": {"lighting": 2, "elderly_care": 2, "access": 2, "ebike_charging": 2, "facilities": 1.5, "other": 2},
    "hotline_12345": {"property_service": 1.5, "neighbour_dispute": 1.5, "policy_consult": 1.5},
    "wechat_group": {"sanitation": 1.5, "high_rise_littering": 2, "neighbour_dispute": 1.5},
}
_HOURS = ((7, 2), (8, 6), (9, 9), (10, 9), (11, 7), (12, 3), (13, 4), (14, 7), (15, 8), (16, 7), (17, 5),
          (18, 3), (19, 3), (20, 3), (21, 2), (22, 1))
_HOUR_CUM = tuple(accumulate(w for _, w in _HOURS))

# where a category's work usually goes: (target, share); "property" = the compound's company
DISPATCH_TARGETS: dict[str, tuple[tuple[str, float], ...]] = {
    "lighting": (("property", 0.5), ("dept:city_management", 0.2)),
    "safety_hazard": (("property", 0.35), ("dept:fire", 0.3)),
    "high_rise_littering": (("property+police", 0.7),),
    "sanitation": (("dept:sanitation", 0.35), ("property", 0.3)),
    "facilities": (("property", 0.6),),
    "ebike_charging": (("property", 0.35), ("dept:fire", 0.25)),
    "access": (("property", 0.35), ("dept:city_management", 0.25)),
    "property_service": (("property", 0.6),),
    "elderly_care": (("volunteers", 0.35), ("dept:civil_affairs", 0.1)),
    "other": (("dept:city_management", 0.2),),
}
# whistles (吹哨报到): cross-department problems
WHISTLES: dict[str, tuple[float, tuple[str, ...]]] = {
    "safety_hazard": (0.06, ("fire", "city_management")),
    "ebike_charging": (0.12, ("fire", "city_management", "power")),
    "access": (0.05, ("city_management", "police")),
    "high_rise_littering": (0.05, ("police", "city_management")),
}
# who raised it, by channel (hotline and snapshot depend on the request)
_WHO = {"jinzhitong": "居民通过津治通反映", "wechat_group": "居民在网格微信群反映", "patrol": "网格员巡查走访发现",
        "bench_meeting": "板凳会上居民反映", "walk_in": "居民来社区反映", "other": "反映"}
# who recorded it, for the channels where that is fixed
_CREATED_BY = {"hotline_12345": "12345热线转办", "jinzhitong": "津治通平台", "snapshot": "随手拍"}
_SATISFIED_COMMENTS = ("处理及时，很满意", "问题已解决，感谢社区", "感谢网格员", "满意", "", "", "师傅很负责")
_BASIC_COMMENTS = ("基本解决了", "希望以后多注意", "处理有点慢", "")
_DISSATISFIED_COMMENTS = ("问题没有彻底解决", "处理太慢", "还是老样子", "希望再来看看")


@dataclass
class _Header:
    created: datetime
    seq: int
    channel: str
    category: str
    template: _T
    title: str
    description: str
    place_id: int
    compound: Compound
    reporter: Person | None
    anonymous: bool
    priority: str
    created_by: str


@dataclass
class _Req:
    row: dict[str, Any]
    events: list[list] = field(default_factory=list)  # EVENT_COLUMNS
    dispatches: list[dict[str, Any]] = field(default_factory=list)


class RequestBuilder:
    """Generates and inserts ``n`` requests over ``years`` ending at ``now``."""

    def __init__(self, reg: Registry, categories: dict[str, Category], *, rng_headers: random.Random,
                 rng_life: random.Random, now: datetime, years: int, n: int, ins: Inserter,
                 ref_prefix: str, ref_counters: dict[int, int],
                 progress: Callable[[str, int, int], None] | None = None) -> None:
        self.reg, self.categories = reg, categories
        self.rng_h, self.rng = rng_headers, rng_life
        self.now, self.years, self.n, self.ins = now, years, n, ins
        # the same instant in the zone the simulated times carry: comparing aware datetimes of
        # one zone compares their fields; across zones each comparison asks for both offsets
        self._now_local = now.astimezone(LOCAL_TZ)
        self.ref_prefix = ref_prefix
        self.ref_counters = ref_counters  # year -> last number used
        self.progress = progress
        self.counts = {"requests": 0, "events": 0, "dispatches": 0, "feedback": 0, "supporters": 0}
        ref_year = now.astimezone(LOCAL_TZ).year
        self.elderly = [p for p in reg.residents if ref_year - p.birth_year >= 60] or reg.residents
        self.adults = [p for p in reg.residents if ref_year - p.birth_year >= 18] or reg.residents
        self.compound_weights = list(accumulate(len(k.residents) + 2 for k in reg.compounds))
        cats = [c for c in CATEGORY_WEIGHTS if c in categories]
        self.channel_cats: dict[str, tuple[list[str], list[float]]] = {}
        for ch in CHANNEL_WEIGHTS:
            aff = AFFINITY.get(ch, {})
            self.channel_cats[ch] = (cats, list(accumulate(CATEGORY_WEIGHTS[c] * aff.get(c, 1) for c in cats)))
        self._ext_seq: dict[tuple[str, str], int] = {}
        # what repeats, computed once: per compound, per (category, month)
        self._workers: dict[int, list[Person]] = {}
        self._homes: dict[int, list] = {}
        self._buildings: dict[tuple[int, str], list] = {}
        self._templates: dict[tuple[str, int], tuple[list[_T], list[int]]] = {}
        self._supported: set[tuple[int, int]] = set()

    # -- headers ---------------------------------------------------------------

    def headers(self) -> list[_Header]:
        rng = self.rng_h
        days = self.years * 365
        start_local = (self.now - timedelta(days=days)).astimezone(LOCAL_TZ).date()
        weights = []
        for d in range(days):
            day = start_local + timedelta(days=d)
            growth = 0.8 + 0.4 * d / days
            season = 1.0 + 0.15 * math.sin((day.timetuple().tm_yday - 100) / 365 * 2 * math.pi)
            if day.month in (11, 12, 1, 2):
                season += 0.12  # heating season
            weekend = 0.6 if day.weekday() >= 5 else 1.0
            weights.append(growth * season * weekend)
        picks = rng.choices(range(days), cum_weights=list(accumulate(weights)), k=self.n)
        channels = list(CHANNEL_WEIGHTS)
        channel_cum = list(accumulate(CHANNEL_WEIGHTS.values()))
        out = []
        for seq, d in enumerate(picks):
            day = start_local + timedelta(days=d)
            channel = channels[bisect(channel_cum, rng.random() * channel_cum[-1])]
            out.append(self._header(rng, seq, day, channel))
        out.sort(key=lambda h: (h.created, h.seq))
        return out

    def _header(self, rng: random.Random, seq: int, day, channel: str) -> _Header:
        reg = self.reg
        reporter: Person | None = None
        anonymous = False
        k = self._compound(rng)
        if channel == "hotline_12345" and rng.random() < 0.15:
            anonymous = True
        elif channel == "patrol":
            # a grid worker of the compound, or one of its micro-grid workers
            workers = self._workers_of(k)
            reporter = rng.choice(workers) if workers and rng.random() < 0.6 else reg.grid_worker[k.idx]
        elif channel == "snapshot" and reg.riders and rng.random() < 0.65:
            reporter = rng.choice(reg.riders)
        elif channel == "other" and rng.random() < 0.4:
            pass
        else:
            elderly_bias = {"bench_meeting": 0.85, "walk_in": 0.5, "hotline_12345": 0.3}.get(channel, 0.15)
            reporter = rng.choice(self.elderly if rng.random() < elderly_bias else self.adults)
            k = reporter.compound or k
        cats, cum = self.channel_cats[channel]
        for _attempt in range(8):
            category = cats[bisect(cum, rng.random() * cum[-1])]
            t = self._template(rng, category, day.month)
            where = self._where(rng, t[1], k, reporter)
            if where is not None:
                break
        else:
            category, t = "other", TEMPLATES["other"][0]
            where = (k.id, {"c": k.name})
        place_id, fill = where
        k = fill.pop("_compound", k)
        fill.setdefault("c", k.name)
        title = t[0].format(**{"b": "", "h": "", "poi": "", **fill})
        priority = t[3]
        r = rng.random()
        if r < 0.06 and priority != "urgent":
            priority = {"low": "normal", "normal": "high", "high": "urgent"}[priority]
        elif r > 0.93 and priority not in ("low", "urgent"):
            priority = {"normal": "low", "high": "normal"}[priority]
        created = self._created(rng, day, channel, k)
        if channel == "hotline_12345":
            who = "匿名来电反映" if anonymous else "市民来电反映"
        elif channel == "snapshot":
            who = "流动网格员随手拍上报" if reporter is not None and reporter.household is None else "居民随手拍上报"
        else:
            who = _WHO[channel]
        tail = rng.choice(("希望尽快处理。", "已经持续好几天了。", "家里有老人，很不方便。", "请相关部门尽快解决。",
                           "", "多位邻居都有同感。"))
        description = f"{who}：{title}。{tail}".strip()
        if channel in _CREATED_BY:
            created_by = _CREATED_BY[channel]
        elif channel == "wechat_group":
            created_by = f"{reg.grid_worker[k.idx].name}（网格员）"
        elif channel == "patrol":
            created_by = f"{reporter.name}（网格员）" if reporter else "网格员"
        elif channel == "bench_meeting":
            created_by = f"{reg.community_secretary[k.community.idx].name}（{k.community.name}书记）"
        else:
            created_by = f"{rng.choice(reg.community_staff[k.community.idx]).name}（{k.community.name}）"
        return _Header(created, seq, channel, category, t, title, description, place_id, k, reporter,
                       anonymous, priority, created_by)

    def _compound(self, rng: random.Random) -> Compound:
        cum = self.compound_weights
        return self.reg.compounds[bisect(cum, rng.random() * cum[-1])]

    def _workers_of(self, k: Compound) -> list[Person]:
        """The micro-grid workers of a compound's buildings (computed once per compound)."""
        workers = self._workers.get(k.idx)
        if workers is None:
            workers = self._workers[k.idx] = [
                w for b in k.buildings for w in self.reg.micro_grid_workers.get(b.idx, [])]
        return workers

    def _template(self, rng: random.Random, category: str, month: int) -> _T:
        key = (category, month)
        table = self._templates.get(key)
        if table is None:
            options = [t for t in TEMPLATES[category] if t[5] is None or month in t[5]]
            table = self._templates[key] = (options, list(accumulate(t[6] for t in options)))
        options, cum = table
        return options[bisect(cum, rng.random() * cum[-1])]

    def _where(self, rng: random.Random, scope: str, k: Compound, reporter: Person | None):
        """The place a request is about, and the words for its title; None if the compound has none."""
        own = reporter.household if reporter is not None else None
        if scope == "household":
            if own is not None:
                return own.id, {"h": own.label, "_compound": own.building.compound}
            homes = self._homes.get(k.idx)
            if homes is None:
                homes = self._homes[k.idx] = [h for b in k.buildings for h in b.households]
            if not homes:
                return None
            h = rng.choice(homes)
            return h.id, {"h": h.label}
        if scope in ("building", "high_building"):
            if scope == "building" and own is not None and rng.random() < 0.7:
                b = own.building
            else:
                options = self._buildings.get((k.idx, scope))
                if options is None:
                    options = self._buildings[(k.idx, scope)] = [
                        b for b in k.buildings if b.high_rise or scope == "building"]
                if not options:
                    return None
                b = rng.choice(options)
            return b.id, {"b": f"{k.name}{b.name}"}
        if scope == "compound":
            return k.id, {"c": k.name}
        kind = {"lamp": "street_lamp", "gate": "gate", "shed": "charging_shed"}[scope]
        pois = k.pois.get(kind)
        if not pois:
            return None
        pid, name = rng.choice(pois)
        return pid, {"poi": name}

    def _created(self, rng: random.Random, day, channel: str, k: Compound) -> datetime:
        earliest = self.now - timedelta(days=self.years * 365)
        if channel == "bench_meeting":
            weekday = k.community.idx % 5  # each community meets on its own weekday
            day = day - timedelta(days=(day.weekday() - weekday) % 7)
            if at_local(day, 9) < earliest:
                day += timedelta(days=7)
            evening = day.month in (5, 6, 7, 8, 9)
            t = at_local(day, 19 if evening else 9, 30) + timedelta(minutes=rng.randint(0, 80))
        else:
            hour = _HOURS[bisect(_HOUR_CUM, rng.random() * _HOUR_CUM[-1])][0]
            t = at_local(day, hour) + timedelta(seconds=rng.randrange(3600))
        if t > self._now_local:
            t = self.now - timedelta(minutes=rng.randint(5, 600))
        if t < earliest:
            t = earliest + timedelta(minutes=rng.randint(5, 600))
        return t

    # -- lifecycle -------------------------------------------------------------

    def build(self) -> dict[str, int]:
        with search_index_filled_after(self.ins), self.ins.indexes_built_after(_TABLES):
            return self._build()

    def _build(self) -> dict[str, int]:
        headers = self.headers()
        total = len(headers)
        ids = iter(self.ins.take_ids(Request.__table__, total))
        next_event = self.ins.first_id(RequestEvent.__table__)
        self._dispatch_ids = iter(self.ins.take_ids(RequestDispatch.__table__, 10 * total + 10))
        self._feedback_ids = iter(self.ins.take_ids(RequestFeedback.__table__, 3 * total + 10))
        self._supporter_ids = iter(self.ins.take_ids(RequestSupporter.__table__, total + 10))
        done = 0
        for start in range(0, total, CHUNK):
            chunk = headers[start : start + CHUNK]
            reqs: list[_Req] = []
            feedback: list[dict] = []
            supporters: list[dict] = []
            candidates: dict[tuple[int, str], list[_Req]] = {}
            for h in chunk:
                req = self._simulate(h, next(ids), candidates, feedback, supporters)
                reqs.append(req)
                if req.row["status"] != _DUPLICATE:
                    candidates.setdefault((h.compound.idx, h.category), []).append(req)
            events = [ev for req in reqs for ev in req.events]
            for event_id, ev in enumerate(events, next_event):
                ev[0] = event_id
            next_event += len(events)
            self.ins.insert(Request.__table__, [r.row for r in reqs])
            self.ins.insert(RequestEvent.__table__, events, columns=EVENT_COLUMNS)
            self.ins.insert(RequestDispatch.__table__, [d for r in reqs for d in r.dispatches])
            self.ins.insert(RequestFeedback.__table__, feedback)
            self.ins.insert(RequestSupporter.__table__, supporters)
            self.counts["requests"] += len(reqs)
            self.counts["events"] += len(events)
            self.counts["dispatches"] += sum(len(r.dispatches) for r in reqs)
            self.counts["feedback"] += len(feedback)
            self.counts["supporters"] += len(supporters)
            done += len(chunk)
            if self.progress is not None:
                self.progress("requests", done, total)
        return self.counts

    def _ref(self, created: datetime) -> str:
        year = created.astimezone(LOCAL_TZ).year
        n = self.ref_counters.get(year, 0) + 1
        self.ref_counters[year] = n
        return f"{self.ref_prefix}-{year}-{n:06d}"

    def _external_id(self, channel: str, created: datetime) -> str | None:
        if channel not in ("hotline_12345", "jinzhitong"):
            return None
        day = created.astimezone(LOCAL_TZ).strftime("%Y%m%d")
        key = (channel, day)
        n = self._ext_seq.get(key, 0) + 1
        self._ext_seq[key] = n
        return f"12345-{day}-{n:04d}" if channel == "hotline_12345" else f"JZT{day}{n:05d}"

    def _simulate(self, h: _Header, request_id: int, candidates, feedback_rows: list, supporter_rows: list) -> _Req:
        rng = self.rng
        reg = self.reg
        cat = self.categories[h.category]
        t0 = h.created
        sla = timedelta(hours=cat.hours(h.priority))
        external_id = self._external_id(h.channel, t0)
        row = {
            "id": request_id, "ref": self._ref(t0), "channel": h.channel, "external_id": external_id,
            "type": h.template[2], "category_id": cat.id, "title": h.title, "description": h.description,
            "place_id": h.place_id, "community_id": h.compound.community.id,
            "reporter_id": h.reporter.id if h.reporter else None,
            "anonymous": h.anonymous, "priority": h.priority, "status": _SUBMITTED,
            "lead_org_id": cat.default_department_id, "duplicate_of_id": None, "created_at": t0,
            "created_by": h.created_by, "due_at": t0 + sla, "first_response_at": None, "resolved_at": None,
            "closed_at": None, "updated_at": t0,
        }
        req = _Req(row)
        staff = reg.community_staff[h.compound.community.idx]
        handler_p = rng.choice(staff)
        handler = f"{handler_p.name}（{h.compound.community.name}）"
        resolution = h.template[4]
        steps: list[tuple] = []  # (at, order, kind, payload)

        def step(at: datetime, kind: str, **payload) -> None:
            steps.append((at, len(steps), kind, payload))

        step(t0, "created")
        resp = timedelta(hours=min(math.exp(rng.gauss(math.log(1.5), 1.0)), 20))
        if rng.random() < 0.04:
            resp += timedelta(hours=rng.uniform(24, 72))
        t = self._office(rng, t0 + resp, h.priority)
        consult = h.template[2] == "consult"
        r = rng.random()
        if consult and r < 0.9:
            if rng.random() < 0.4:
                step(t, "transition", to="accepted", note="已受理")
                t = self._office(rng, t + timedelta(hours=rng.uniform(1, 30)), h.priority)
            step(t, "transition", to="answered", note=f"已电话答复：{resolution}")
            self._feedback_or_close(step, rng, t, resolution, handler, h.priority, answered=True)
        elif not consult and r < 0.03:
            original = self._original(h, candidates)
            if original is None:
                self._fix(step, rng, h, t, sla, resolution, handler)
            else:
                step(t, "transition", to="duplicate", note=f"与{original.row['ref']}反映问题相同，合并办理",
                     data={"duplicate_of": original.row["ref"]}, original=original)
        elif r < 0.05:
            step(t, "transition", to="not_responsible", note="经核实不属于本辖区职责，已告知反映人向相关部门反映")
        elif r < 0.065:
            if rng.random() < 0.5:
                step(t, "transition", to="accepted", note="已受理")
                t = self._office(rng, t + timedelta(hours=rng.uniform(2, 48)), h.priority)
            step(t, "transition", to="withdrawn", note="反映人表示问题已自行解决，申请撤回")
        elif r < 0.08:
            step(t, "transition", to="accepted", note="已受理")
            t = self._office(rng, t + timedelta(days=rng.uniform(2, 15)), h.priority)
            step(t, "transition", to="unable_to_fix", note="受客观条件限制暂无法解决，已向反映人解释说明并纳入后续计划")
        else:
            self._fix(step, rng, h, t, sla, resolution, handler)
        steps.sort()  # by (at, order): the orders differ, so payloads are never compared
        self._apply(req, h, steps, handler, feedback_rows, supporter_rows)
        return req

    @staticmethod
    def _office(rng: random.Random, t: datetime, priority: str) -> datetime:
        """A clerk's action moved into office hours (08:00–20:00 local); urgent work never waits."""
        if priority == "urgent":
            return t
        lt = t.astimezone(LOCAL_TZ)
        if 8 <= lt.hour < 20:
            return t
        day = lt.date() if lt.hour < 8 else lt.date() + timedelta(days=1)
        return at_local(day, 8) + timedelta(minutes=rng.randint(0, 180))

    def _original(self, h: _Header, candidates) -> _Req | None:
        options = candidates.get((h.compound.idx, h.category))
        if not options:
            return None
        for req in reversed(options[-5:]):
            if h.created - req.row["created_at"] < timedelta(days=30):
                return req
        return None

    def _fix(self, step, rng: random.Random, h: _Header, t: datetime, sla: timedelta, resolution: str,
             handler: str) -> None:
        reg = self.reg
        step(t, "transition", to="accepted", note="已受理，列入办理清单")
        orgs: list[tuple[int, str]] = []
        whistle = False
        wh = WHISTLES.get(h.category)
        if wh is not None and rng.random() < wh[0]:
            whistle = True
            orgs = [(reg.org("dept", d), "lead" if i == 0 else "assist") for i, d in enumerate(wh[1])]
        else:
            r = rng.random()
            for target, share in DISPATCH_TARGETS.get(h.category, ()):
                if r < share:
                    orgs = self._targets(target, h.compound)
                    break
                r -= share
        office = lambda at: self._office(rng, at, h.priority)  # noqa: E731
        t_start = office(t + timedelta(hours=min(math.exp(rng.gauss(math.log(2), 0.8)), 48)))
        if orgs:
            names = "、".join(reg.org_names[o] for o, _ in orgs)
            note = f"启动“吹哨报到”，{names}到场处置" if whistle else f"派{names}办理"
            step(t_start, "dispatch", orgs=orgs, whistle=whistle, note=note)
        in_progress = not orgs or rng.random() < 0.8
        t_work = office(t_start + timedelta(hours=min(math.exp(rng.gauss(math.log(5), 0.9)), 72)))
        if orgs and whistle:
            for i in range(len(orgs)):
                at = t_start + (t_work - t_start) * rng.uniform(0.3, 0.95)
                if office(at) != at:
                    at = min(t_start + timedelta(minutes=rng.randint(10, 60)), t_work)
                step(at, "report_in", idx=i, note="已到现场报到")
        if in_progress:
            step(t_work, "transition", to="in_progress", note=rng.choice(
                ("工作人员已到现场查看", "已安排维修人员处理", "正在协调处理", "已到现场核实情况")))
        r = rng.random()
        if r < 0.001:
            return  # never finished: stays open (and overdue)
        factor = math.exp(rng.gauss(math.log(0.35), 0.82))
        if r < 0.004:
            factor *= 30  # stalled for a long time
        t_res = office(max(h.created + sla * factor, t_work + timedelta(minutes=30)))
        morning = at_local(t_res.astimezone(LOCAL_TZ).date(), 8)
        for i, (_, role) in enumerate(orgs):
            at = max(t_res - timedelta(minutes=rng.randint(5, 120)), t_work, min(morning, t_res))
            step(at, "dispatch_result", idx=i, result=resolution if role == "lead" else "已配合完成相关工作")
        step(t_res, "transition", to="resolved", note=resolution)
        for i in range(len(orgs)):
            if whistle or rng.random() < 0.25:
                rating = (5, 5, 5, 5, 5, 4, 4, 4, 3, 2)[rng.randrange(10)]
                step(office(t_res + timedelta(hours=rng.uniform(12, 60))), "rating", idx=i, rating=rating)
        late = t_res > h.created + sla
        self._feedback_or_close(step, rng, t_res, resolution, handler, h.priority, late=late)

    def _targets(self, target: str, k: Compound) -> list[tuple[int, str]]:
        reg = self.reg
        if target == "property":
            return [(reg.org("property", k.idx), "lead")]
        if target == "property+police":
            return [(reg.org("property", k.idx), "lead"), (reg.org("dept", "police"), "assist")]
        if target == "volunteers":
            return [(reg.org("volunteers", k.community.idx), "lead")]
        return [(reg.org("dept", target.split(":", 1)[1]), "lead")]

    def _feedback_or_close(self, step, rng: random.Random, t: datetime, resolution: str, handler: str,
                           priority: str, *, answered: bool = False, late: bool = False,
                           reopened: bool = False) -> None:
        if rng.random() < (0.5 if answered else 0.85):
            t_fb = self._office(rng, t + timedelta(hours=rng.uniform(4, 72)), "normal")
            if rng.random() < 0.07:
                close = rng.random() < 0.5
                step(t_fb, "feedback", contacted=False, resolved=None, satisfaction=None, comment="电话未接通",
                     close=close, reopen=False)
                if not close:
                    step(t_fb + timedelta(days=rng.uniform(3, 7)), "transition", to="closed",
                         note="超过回访期限，自动归档", actor=AUTO_ACTOR)
                return
            s = rng.random()
            dissatisfied_share = 0.12 if late else 0.06
            if s < dissatisfied_share and not reopened:
                comment = rng.choice(_DISSATISFIED_COMMENTS)
                reopen = not answered and rng.random() < 0.4
                step(t_fb, "feedback", contacted=True, resolved="no" if rng.random() < 0.6 else "partly",
                     satisfaction="dissatisfied", comment=comment, close=not reopen, reopen=reopen)
                if reopen:
                    t2 = self._office(rng, t_fb + timedelta(days=rng.uniform(1, 6)), priority)
                    step(t2, "transition", to="resolved", note=f"二次办理：{resolution}")
                    self._feedback_or_close(step, rng, t2, resolution, handler, priority, reopened=True)
                return
            if s < dissatisfied_share + 0.14:
                step(t_fb, "feedback", contacted=True, resolved="yes" if rng.random() < 0.6 else "partly",
                     satisfaction="basically", comment=rng.choice(_BASIC_COMMENTS), close=True, reopen=False)
            else:
                step(t_fb, "feedback", contacted=True, resolved="yes" if rng.random() < 0.95 else "partly",
                     satisfaction="satisfied", comment=rng.choice(_SATISFIED_COMMENTS), close=True, reopen=False)
            return
        step(t + timedelta(days=rng.uniform(3, 7)), "transition", to="closed", note="超过回访期限，自动归档",
             actor=AUTO_ACTOR)

    def _apply(self, req: _Req, h: _Header, steps: list[tuple], handler: str, feedback_rows: list,
               supporter_rows: list) -> None:
        """Apply the steps up to ``now`` exactly as the services would."""
        row = req.row
        events = req.events
        reg = self.reg

        request_id = row["id"]

        def event(at, kind, actor, *, frm=None, to=None, note="", private="", data=None):
            events.append([0, request_id, at, actor, kind, frm, to, note, private, data])  # EVENT_COLUMNS

        def transition(at, to: str, actor: str, note: str = "", data=None) -> None:
            current = row["status"]
            if to not in _ALLOWED[current]:
                raise AssertionError(f"demo generated an illegal transition {current} -> {to}")
            row["status"] = to
            row["updated_at"] = at
            if current == _SUBMITTED and row["first_response_at"] is None:
                row["first_response_at"] = at
            if to in (_RESOLVED, _ANSWERED):
                row["resolved_at"] = at
            elif to == _CLOSED:
                row["closed_at"] = at
            elif to == _IN_PROGRESS and current in (_RESOLVED, _CLOSED):
                row["resolved_at"] = None
                row["closed_at"] = None
            event(at, "transition", actor, frm=current, to=to, note=note, data=data)

        now = self._now_local
        for at, _, kind, p in steps:
            if at > now:
                break
            if kind == "created":
                event(at, "created", h.created_by, data={"channel": h.channel, "external_id": row["external_id"]})
            elif kind == "transition":
                transition(at, p["to"], p.get("actor", handler), p.get("note", ""), p.get("data"))
                original = p.get("original")
                if original is not None:
                    row["duplicate_of_id"] = original.row["id"]
                    self._support(original, h, row, at, handler, supporter_rows)
            elif kind == "dispatch":
                was = row["status"]
                rows = []
                for org_id, role in p["orgs"]:
                    d = {"id": next(self._dispatch_ids), "request_id": row["id"], "organisation_id": org_id,
                         "role": role, "whistle": p["whistle"], "dispatched_at": at, "reported_at": None,
                         "due_at": row["due_at"], "result": "", "result_at": None, "rating": None, "rated_at": None}
                    rows.append(d)
                    if role == "lead":
                        row["lead_org_id"] = org_id
                req.dispatches.extend(rows)
                if was == _ACCEPTED:
                    transition(at, "dispatched", handler, p["note"])
                event(at, "dispatch", handler, note=p["note"] if was != _ACCEPTED else "",
                      data={"whistle": p["whistle"], "dispatches": [
                          {"id": d["id"], "organisation_id": d["organisation_id"], "role": d["role"]} for d in rows]})
                row["updated_at"] = at
            elif kind == "report_in":
                d = req.dispatches[p["idx"]]
                d["reported_at"] = at
                name = reg.org_names[d["organisation_id"]]
                event(at, "report_in", name, note=p["note"], data={"dispatch_id": d["id"], "organisation": name})
            elif kind == "dispatch_result":
                d = req.dispatches[p["idx"]]
                d["result"], d["result_at"] = p["result"], at
                event(at, "dispatch_result", reg.org_names[d["organisation_id"]], note=p["result"],
                      data={"dispatch_id": d["id"], "organisation_id": d["organisation_id"]})
            elif kind == "rating":
                d = req.dispatches[p["idx"]]
                d["rating"], d["rated_at"] = p["rating"], at
                event(at, "rating", handler, data={"dispatch_id": d["id"], "rating": p["rating"]})
            elif kind == "feedback":
                fid = next(self._feedback_ids)
                feedback_rows.append({"id": fid, "request_id": row["id"], "at": at, "actor": handler,
                                      "contacted": p["contacted"], "resolved": p["resolved"],
                                      "satisfaction": p["satisfaction"], "comment": p["comment"]})
                event(at, "feedback", handler, note=p["comment"],
                      data={"feedback_id": fid, "contacted": p["contacted"], "resolved": p["resolved"],
                            "satisfaction": p["satisfaction"]})
                if p["reopen"]:
                    transition(at, "in_progress", handler, p["comment"], {"reopened_by_feedback": fid})
                elif p["close"] and row["status"] != _CLOSED:
                    transition(at, "closed", handler)

    def _support(self, original: _Req, h: _Header, dup_row: dict, at: datetime, actor: str,
                 supporter_rows: list) -> None:
        """What transition(..., duplicate) does: the duplicate's reporter supports the original."""
        person = dup_row["reporter_id"]
        if person is None or person == original.row["reporter_id"]:
            return
        key = (original.row["id"], person)
        if key in self._supported:
            return
        self._supported.add(key)
        supporter_rows.append({"id": next(self._supporter_ids), "request_id": original.row["id"],
                               "person_id": person, "via_request_id": dup_row["id"], "at": at})
        ev = [0, original.row["id"], at, actor, "supporter", None, None, "", "",
              {"person_id": person, "via": dup_row["ref"]}]  # EVENT_COLUMNS
        events = original.events
        pos = len(events)
        while pos > 0 and events[pos - 1][_EVENT_AT] > at:
            pos -= 1
        events.insert(pos, ev)


@contextmanager
def search_index_filled_after(ins: Inserter) -> Iterator[None]:
    """On SQLite, fill the request search index once after the bulk insert instead of
    row by row through its trigger (about 4× cheaper at street scale).

    The insert trigger is dropped and re-created from its own stored SQL inside the
    stage's transaction, so a failure rolls both back and the index never drifts from
    ``request``; the rows written meanwhile are indexed with the statement the
    migration uses (:func:`gongzhi.core.services.requests.index_requests_for_search`).
    PostgreSQL computes its search column itself: nothing to do there.
    """
    session = ins.session
    if ins.dialect.name != "sqlite":
        yield
        return
    trigger_sql = session.execute(sa_text(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'request_fts_insert'")).scalar()
    if trigger_sql is None:  # a database before migration 0004
        yield
        return
    first = ins.first_id(Request.__table__)
    session.execute(sa_text("DROP TRIGGER request_fts_insert"))
    yield
    index_requests_for_search(session, first_id=first)
    session.execute(sa_text(trigger_sql))
