"""The demo street's registry, planned in memory: places, people, organisations, posts.

Everything here is built as plain row dicts with ids chosen up front, so that the
place paths (``/1/4/17/``), ``community_id``, household links and memberships are
consistent before a single row is written. :mod:`gongzhi.core.demo.build` inserts them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from gongzhi.core.demo.keys import NameKeys
from gongzhi.core.demo.names import NameMaker
from gongzhi.core.demo.street import (
    COMMUNITIES,
    DEPARTMENTS,
    PROPERTY_COMPANIES,
    RIDER_STATION,
    STORY_COMPOUNDS,
    STREET_NAME,
    STREET_NOTES,
    STREET_PARTY_COMMITTEE,
    CommunityPlan,
    CompoundPlan,
    micro_grid_slices,
)
from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.core.pinyin import place_search_keys

# -- the in-memory street ------------------------------------------------------


class Community:
    __slots__ = ("idx", "id", "name", "plan", "compounds", "board_id")

    def __init__(self, idx: int, id_: int, plan: CommunityPlan) -> None:
        self.idx, self.id, self.plan, self.name = idx, id_, plan, plan.name
        self.compounds: list[Compound] = []
        self.board_id = 0


class Compound:
    __slots__ = ("idx", "id", "name", "plan", "community", "housing_type", "buildings", "pois", "residents")

    def __init__(self, idx: int, id_: int, plan: CompoundPlan, community: Community) -> None:
        self.idx, self.id, self.plan, self.name = idx, id_, plan, plan.name
        self.community = community
        self.housing_type = plan.housing_type
        self.buildings: list[Building] = []
        # poi kind -> [(place id, name)]
        self.pois: dict[str, list[tuple[int, str]]] = {}
        self.residents: list[Person] = []


class Building:
    __slots__ = ("idx", "id", "name", "compound", "floors", "units", "per_floor", "high_rise",
                 "housing_type", "micro_grids", "households", "residents")

    def __init__(self, idx: int, id_: int, name: str, compound: Compound, floors: int, units: int,
                 per_floor: int, high_rise: bool, housing_type: str) -> None:
        self.idx, self.id, self.name, self.compound = idx, id_, name, compound
        self.floors, self.units, self.per_floor, self.high_rise = floors, units, per_floor, high_rise
        self.housing_type = housing_type
        self.micro_grids: list[tuple[int, int, int]] = []  # (place id, floor from, floor to)
        self.households: list[Household] = []
        self.residents: list[Person] = []

    def micro_grid_of(self, floor: int) -> int:
        for place_id, lo, hi in self.micro_grids:
            if lo <= floor <= hi:
                return place_id
        raise ValueError(floor)


class Household:
    __slots__ = ("id", "name", "building", "parent_id", "members")

    def __init__(self, id_: int, name: str, building: Building, parent_id: int) -> None:
        self.id, self.name, self.building, self.parent_id = id_, name, building, parent_id
        self.members: list[Person] = []

    @property
    def label(self) -> str:
        b = self.building
        if b.high_rise:
            return f"{b.compound.name}{b.name}{self.name}室"
        unit, room = self.name.split("-")
        return f"{b.compound.name}{b.name}{unit}单元{room}室"


class Person:
    __slots__ = ("id", "name", "gender", "birth_year", "household", "party", "veteran", "phone", "notes")

    def __init__(self, id_: int, name: str, gender: str, birth_year: int, household: Household | None,
                 party: bool = False, veteran: bool = False, phone: str | None = None, notes: str = "") -> None:
        self.id, self.name, self.gender, self.birth_year = id_, name, gender, birth_year
        self.household, self.party, self.veteran, self.phone, self.notes = household, party, veteran, phone, notes

    @property
    def compound(self) -> Compound | None:
        return self.household.building.compound if self.household else None


@dataclass
class Registry:
    """The planned street: objects to navigate and rows to insert."""

    now: datetime
    go_live: datetime
    street_id: int = 0
    communities: list[Community] = field(default_factory=list)
    compounds: list[Compound] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    residents: list[Person] = field(default_factory=list)
    # organisation keys: ("street_party",), ("dept", code), ("rider_station",), ("party_committee", c),
    # ("rc", c), ("volunteers", c), ("branch", k), ("property", k), ("owners", k), ("party_group", b)
    orgs: dict[tuple, int] = field(default_factory=dict)
    org_names: dict[int, str] = field(default_factory=dict)
    org_kinds: dict[int, str] = field(default_factory=dict)
    # people in posts
    street_secretary: Person | None = None
    community_secretary: dict[int, Person] = field(default_factory=dict)
    community_staff: dict[int, list[Person]] = field(default_factory=dict)
    grid_worker: dict[int, Person] = field(default_factory=dict)  # by compound idx
    micro_grid_workers: dict[int, list[Person]] = field(default_factory=dict)  # by building idx
    property_manager: dict[int, Person] = field(default_factory=dict)
    dept_staff: dict[str, list[Person]] = field(default_factory=dict)
    riders: list[Person] = field(default_factory=list)
    # rows
    place_rows: list[dict[str, Any]] = field(default_factory=list)
    person_rows: list[dict[str, Any]] = field(default_factory=list)
    care_rows: list[dict[str, Any]] = field(default_factory=list)
    org_rows: list[dict[str, Any]] = field(default_factory=list)
    membership_rows: list[dict[str, Any]] = field(default_factory=list)

    def compound(self, name: str) -> Compound:
        for c in self.compounds:
            if c.name == name:
                return c
        raise KeyError(name)

    def org(self, *key: Any) -> int:
        return self.orgs[tuple(key)]


def at_local(d: date, hour: int = 9, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) wall-clock time on ``d``, as an aware datetime."""
    return datetime.combine(d, time(hour, minute), tzinfo=LOCAL_TZ)


# -- planning ------------------------------------------------------------------

_HEAD_AGES = ((25, 34, 10), (35, 44, 12), (45, 54, 15), (55, 64, 20), (65, 74, 23), (75, 84, 14), (85, 96, 6))
_HOUSEHOLD_SIZES = ((1, 24), (2, 34), (3, 22), (4, 12), (5, 6), (6, 2))


@dataclass
class _Member:
    surname: str
    gender: str
    age: int


def _weighted(rng: random.Random, table):
    total = sum(w for *_, w in table)
    r = rng.random() * total
    for *value, w in table:
        r -= w
        if r < 0:
            return value
    return table[-1][:-1]


def _plan_household(rng: random.Random, names: NameMaker, size: int) -> list[_Member]:
    lo, hi = _weighted(rng, _HEAD_AGES)
    head_age = rng.randint(lo, hi)
    if size == 1:
        gender = "female" if rng.random() < (0.62 if head_age >= 65 else 0.45) else "male"
        return [_Member(names.surname(), gender, head_age)]
    head = _Member(names.surname(), "male" if rng.random() < 0.7 else "female", head_age)
    members = [head]
    family = head.surname
    if head_age < 80 or rng.random() < 0.45:
        spouse = _Member(names.surname(), "female" if head.gender == "male" else "male",
                         max(20, head_age + rng.randint(-5, 3)))
        members.append(spouse)
        if head.gender == "female" and rng.random() < 0.9:
            family = spouse.surname
    children: list[_Member] = []
    while len(members) < size:
        child_age = head_age - rng.randint(22, 34)
        adult_children = [c for c in children if c.age >= 24]
        if adult_children and rng.random() < 0.55:
            parent = rng.choice(adult_children)
            age = parent.age - rng.randint(22, 32)
            if age >= 0:
                members.append(_Member(family, rng.choice(("male", "female")), age))
                continue
        if child_age >= 0 and (not children or rng.random() < 0.6):
            child = _Member(family if rng.random() < 0.95 else members[-1].surname,
                            rng.choice(("male", "female")), max(0, child_age - rng.randint(0, 6) * len(children)))
            children.append(child)
            members.append(child)
            continue
        parent_age = head_age + rng.randint(22, 30)
        if parent_age <= 98:
            members.append(_Member(head.surname, "female" if rng.random() < 0.65 else "male", parent_age))
            continue
        members.append(_Member(family, rng.choice(("male", "female")), max(0, child_age)))
    return members


def plan_registry(
    *,
    rng_places: random.Random,
    rng_people: random.Random,
    rng_orgs: random.Random,
    now: datetime,
    years: int,
    residents: int,
    riders: int,
    full_staff: bool,
    volunteer_share: float,
    story_places: dict[str, datetime],
    ids: Any,
) -> Registry:
    """Plan the whole registry. ``ids(table_name, n)`` hands out ``n`` consecutive ids."""
    go_live = now - timedelta(days=years * 365 + 60)
    reg = Registry(now=now, go_live=go_live)
    _plan_places(reg, rng_places, story_places, ids)
    names = NameMaker(rng_people)
    _plan_residents(reg, rng_people, names, residents, ids)
    _plan_orgs(reg, rng_orgs, names, riders=riders, full_staff=full_staff,
               volunteer_share=volunteer_share, ids=ids)
    _finish_people(reg, rng_people, names)
    for row, id_ in zip(reg.care_rows, ids("person_care_tag", len(reg.care_rows)), strict=True):
        row["id"] = id_
    return reg


# -- places --------------------------------------------------------------------


def _plan_places(reg: Registry, rng: random.Random, story_places: dict[str, datetime], ids: Any) -> None:
    created = reg.go_live
    rows = reg.place_rows

    def place(id_: int, kind: str, name: str, parent: dict | None, *, community_id: int | None = None,
              code: str | None = None, housing_type: str | None = None, floors: tuple | None = None,
              poi_kind: str | None = None, notes: str = "", at: datetime | None = None) -> dict:
        row = {
            "id": id_,
            "kind": kind,
            "name": name,
            "code": code,
            "parent_id": parent["id"] if parent else None,
            "path": f"{parent['path'] if parent else '/'}{id_}/",
            "community_id": community_id if kind != "community" else id_,
            "housing_type": housing_type,
            "floor_from": floors[0] if floors else None,
            "floor_to": floors[1] if floors else None,
            "poi_kind": poi_kind,
            "notes": notes,
            "search_keys": place_search_keys(name),
            "created_at": at or created,
        }
        rows.append(row)
        return row

    street_id = ids("place", 1)[0]
    street = place(street_id, "street", STREET_NAME, None, code="120113-QY", notes=STREET_NOTES)
    reg.street_id = street_id
    community_ids = ids("place", len(COMMUNITIES))
    comm_rows: list[dict] = []
    for ci, plan in enumerate(COMMUNITIES):
        c = Community(ci, community_ids[ci], plan)
        reg.communities.append(c)
        comm_rows.append(place(c.id, "community", plan.name, street, code=f"QY{ci + 1:02d}"))
    compound_rows: list[dict] = []
    for c, crow in zip(reg.communities, comm_rows, strict=True):
        for j, cplan in enumerate(c.plan.compounds):
            k = Compound(len(reg.compounds), ids("place", 1)[0], cplan, c)
            c.compounds.append(k)
            reg.compounds.append(k)
            compound_rows.append(place(k.id, "compound", cplan.name, crow, community_id=c.id,
                                       code=f"QY{c.idx + 1:02d}-{j + 1}", housing_type=cplan.housing_type,
                                       notes=cplan.note))
    building_rows: list[dict] = []
    for k, krow in zip(reg.compounds, compound_rows, strict=True):
        n = 0
        for g in k.plan.groups:
            for _ in range(g.count):
                n += 1
                b = Building(len(reg.buildings), ids("place", 1)[0], f"{n}号楼", k, g.floors, g.units,
                             g.per_floor, g.high_rise, g.housing_type or k.housing_type)
                k.buildings.append(b)
                reg.buildings.append(b)
                kind_note = "高层（电梯）" if g.high_rise else ("小高层（电梯）" if g.floors > 7 else "多层")
                building_rows.append(place(b.id, "building", b.name, krow, community_id=k.community.id,
                                           housing_type=b.housing_type, floors=(1, g.floors),
                                           notes=f"{kind_note}，{g.floors}层，{g.units}个单元"))
    for b, brow in zip(reg.buildings, building_rows, strict=True):
        if not b.high_rise:
            continue
        for n, (lo, hi) in enumerate(micro_grid_slices(b.floors), start=1):
            mg_id = ids("place", 1)[0]
            b.micro_grids.append((mg_id, lo, hi))
            place(mg_id, "micro_grid", f"第{n}微网格（{lo}–{hi}层）", brow,
                  community_id=b.compound.community.id, floors=(lo, hi))
    _plan_pois(reg, rng, place, comm_rows, compound_rows, building_rows, story_places, ids)


def _plan_pois(reg, rng, place, comm_rows, compound_rows, building_rows, story_places, ids) -> None:
    def poi(k: Compound, parent_row: dict, poi_kind: str, name: str, notes: str = "",
            at: datetime | None = None) -> None:
        pid = ids("place", 1)[0]
        place(pid, "poi", name, parent_row, community_id=k.community.id, poi_kind=poi_kind, notes=notes, at=at)
        if parent_row["kind"] == "compound":
            k.pois.setdefault(poi_kind, []).append((pid, name))

    for c, crow in zip(reg.communities, comm_rows, strict=True):
        c.board_id = ids("place", 1)[0]
        place(c.board_id, "poi", "社区党群服务中心公示栏", crow, community_id=c.id, poi_kind="notice_board",
              notes="“民生微实事”清单张榜公示")
    for k, krow in zip(reg.compounds, compound_rows, strict=True):
        gates = ["南门", "北门"] + (["东门"] if len(k.buildings) > 20 else []) + (["西侧小门"] if rng.random() < 0.4 else [])
        for g in gates:
            poi(k, krow, "gate", g)
        if k.name == "欢畅园":
            poi(k, krow, "gate", "通往菜市场小门", "原宽度不足1米，早晚高峰人车混行；“微实事”专项资金支持拓宽至1.8米并硬化周边路面")
        lamps = 4 + len(k.buildings) // 3
        for n in range(1, lamps + 1):
            poi(k, krow, "street_lamp", f"{n}号路灯")
        if k.name == "荣雅园":
            for n in range(1, 17):
                poi(k, krow, "street_lamp", f"新增LED路灯{n}号", "板凳会上老年居民集中反映夜间路灯昏暗，列入“微实事”清单",
                    at=story_places.get("lamps"))
        if k.name == "荣乐园":
            for n in range(1, 9):
                poi(k, krow, "charging_shed", f"智能充电车棚{n}号",
                    "“吹哨报到”：消防、城管、电力等部门现场办公，利用小区闲置边角地块建成",
                    at=story_places.get("sheds"))
        else:
            for n in range(1, 1 + (len(k.buildings) // 12 + (1 if rng.random() < 0.7 else 0))):
                poi(k, krow, "charging_shed", f"电动车充电车棚{n}号")
        poi(k, krow, "notice_board", "网格公示栏")
        if k.name == "荣诚园":
            for n in range(1, 7):
                poi(k, krow, "other", f"公共晾衣架第{n}组", "多次协商、征得全体居民同意后，选在光照充足且不影响通行的区域",
                    at=story_places.get("racks"))
        if k.name == "荣溪园":
            poi(k, krow, "other", "老伙计的共享花园", "微改造项目：利用废旧轮胎装饰草坪，促进邻里交往")
    for b, brow in zip(reg.buildings, building_rows, strict=True):
        if b.compound.name == "盛康园":
            poi(b.compound, brow, "other", "高空抛物监控摄像头", "民意数据库分析后列为“微实事”项目安装",
                at=story_places.get("cameras"))


# -- residents -----------------------------------------------------------------


def _plan_residents(reg: Registry, rng: random.Random, names: NameMaker, n_residents: int, ids: Any) -> None:
    plans: list[list[_Member]] = []
    left = n_residents
    while left > 0:
        (size,) = _weighted(rng, _HOUSEHOLD_SIZES)
        size = min(size, left)
        plans.append(_plan_household(rng, names, size))
        left -= size
    slots = [
        (b.idx, unit, floor, room)
        for b in reg.buildings
        for unit in range(1, b.units + 1)
        for floor in range(1, b.floors + 1)
        for room in range(1, b.per_floor + 1)
    ]
    if len(plans) > len(slots):
        raise ValueError(f"{len(plans)} households do not fit into {len(slots)} flats")
    rng.shuffle(slots)
    # a few households in each story compound first, headed by its elderly residents
    reserved: list[tuple] = []
    taken: set[tuple] = set()
    for name in STORY_COMPOUNDS:
        k = reg.compound(name)
        mine = [s for s in slots if reg.buildings[s[0]].compound is k][:6]
        reserved += mine
        taken.update(mine)
    chosen_reserved = reserved[: len(plans)]
    rest = [s for s in slots if s not in taken][: len(plans) - len(chosen_reserved)]
    elderly = [p for p in plans if p[0].age >= 65]
    others = [p for p in plans if p[0].age < 65]
    ordered_plans = elderly[: len(chosen_reserved)]
    ordered_plans += others + elderly[len(chosen_reserved):]
    by_slot = dict(zip(chosen_reserved + rest, ordered_plans, strict=True))
    order = sorted(by_slot)
    hh_ids = ids("place", len(order))
    ref_year = reg.now.astimezone(LOCAL_TZ).year
    for hid, slot in zip(hh_ids, order, strict=True):
        b = reg.buildings[slot[0]]
        _, unit, floor, room = slot
        if b.high_rise:
            name, parent = f"{floor}{room:02d}", b.micro_grid_of(floor)
        else:
            name, parent = f"{unit}-{floor}{room:02d}", b.id
        h = Household(hid, name, b, parent)
        b.households.append(h)
        reg.households.append(h)
        reg.place_rows.append({
            "id": hid, "kind": "household", "name": name, "code": None, "parent_id": parent,
            "path": _path_of(reg, b, parent, hid), "community_id": b.compound.community.id,
            "housing_type": None, "floor_from": None, "floor_to": None, "poi_kind": None,
            "notes": "", "search_keys": place_search_keys(name), "created_at": reg.go_live,
        })
        for m in by_slot[slot]:
            pid = ids("person", 1)[0]
            birth_year = ref_year - min(m.age, ref_year - 1901)
            age = ref_year - birth_year
            party_p = 0.0 if age < 18 else 0.04 if age < 30 else 0.07 if age < 60 else 0.12
            veteran = m.gender == "male" and 40 <= age <= 80 and rng.random() < 0.05
            p = Person(pid, names.name(birth_year, m.gender, m.surname), m.gender, birth_year, h,
                       party=rng.random() < party_p, veteran=veteran, notes="退役军人" if veteran else "")
            h.members.append(p)
            b.residents.append(p)
            b.compound.residents.append(p)
            reg.people.append(p)
            reg.residents.append(p)


def _path_of(reg: Registry, b: Building, parent_id: int, own_id: int) -> str:
    k = b.compound
    base = f"/{reg.street_id}/{k.community.id}/{k.id}/{b.id}/"
    if parent_id != b.id:
        base += f"{parent_id}/"
    return f"{base}{own_id}/"


# -- organisations and posts -----------------------------------------------------


class _Orgs:
    def __init__(self, reg: Registry, rng: random.Random, names: NameMaker, ids: Any) -> None:
        self.reg, self.rng, self.names, self.ids = reg, rng, names, ids
        self._held: set[tuple] = set()

    def org(self, key: tuple, kind: str, name: str, place_id: int | None, parent: int | None,
            at: datetime | None = None) -> int:
        oid = self.ids("organisation", 1)[0]
        self.reg.org_rows.append({"id": oid, "kind": kind, "name": name, "place_id": place_id,
                                  "parent_id": parent, "created_at": at or self.reg.go_live})
        self.reg.orgs[key] = oid
        self.reg.org_names[oid] = name
        self.reg.org_kinds[oid] = kind
        return oid

    def post(self, person: Person, org_id: int, role: str, scope: int | None = None,
             start: date | None = None, end: date | None = None) -> None:
        key = (person.id, org_id, role, scope)
        if key in self._held:
            return
        self._held.add(key)
        start = start or self._start()
        self.reg.membership_rows.append({
            "id": self.ids("membership", 1)[0], "person_id": person.id, "organisation_id": org_id, "role": role,
            "scope_place_id": scope, "start_date": start, "end_date": end, "created_at": at_local(start),
        })

    def _start(self) -> date:
        first = self.reg.go_live.astimezone(LOCAL_TZ).date()
        return first + timedelta(days=self.rng.randint(0, 90))

    def staff(self, note: str, age: tuple[int, int] = (24, 56), gender: str | None = None) -> Person:
        """A worker who does not live in the street (社区工作者, department staff, riders …)."""
        rng = self.rng
        ref_year = self.reg.now.astimezone(LOCAL_TZ).year
        g = gender or ("female" if rng.random() < 0.55 else "male")
        birth_year = ref_year - rng.randint(*age)
        p = Person(self.ids("person", 1)[0], self.names.name(birth_year, g), g, birth_year, None,
                   party=rng.random() < 0.5, notes=note)
        self.reg.people.append(p)
        return p


def _pick(rng: random.Random, pool: list[Person], n: int, exclude: set[int] | None = None) -> list[Person]:
    cands = [p for p in pool if not exclude or p.id not in exclude]
    return rng.sample(cands, min(n, len(cands)))


def _plan_orgs(reg: Registry, rng: random.Random, names: NameMaker, *, riders: int, full_staff: bool,
               volunteer_share: float, ids: Any) -> None:
    o = _Orgs(reg, rng, names, ids)
    ref_year = reg.now.astimezone(LOCAL_TZ).year

    def age(p: Person) -> int:
        return ref_year - p.birth_year

    street_party = o.org(("street_party",), "party_committee", STREET_PARTY_COMMITTEE, reg.street_id, None)
    reg.street_secretary = o.staff("街道党工委书记", (42, 56))
    o.post(reg.street_secretary, street_party, "secretary")
    for _ in range(2 if full_staff else 1):
        o.post(o.staff("街道党工委副书记", (38, 55)), street_party, "deputy_secretary")
    if full_staff:
        for _ in range(4):
            o.post(o.staff("街道党工委委员", (35, 55)), street_party, "member")

    for code, name in DEPARTMENTS:
        dept = o.org(("dept", code), "department", name, reg.street_id, None)
        people = [o.staff(f"{name}负责人", (32, 55))]
        o.post(people[0], dept, "manager")
        for _ in range(2 if full_staff else 0):
            s = o.staff(f"{name}工作人员", (24, 50))
            o.post(s, dept, "staff")
            people.append(s)
        reg.dept_staff[code] = people

    station = o.org(("rider_station",), "rider_station", RIDER_STATION, reg.street_id, street_party)
    o.post(o.staff("“先蜂骑手”加油站站长", (28, 45)), station, "manager")
    jobs = ("美团外卖骑手", "饿了么骑手", "顺丰快递员", "京东快递员", "中通快递员", "美团外卖骑手")
    for _ in range(riders):
        r = o.staff(f"{rng.choice(jobs)}；流动网格员", (20, 45), gender="male" if rng.random() < 0.9 else "female")
        reg.riders.append(r)
        o.post(r, station, "mobile_grid_worker")
    street_volunteers = o.org(("street_volunteers",), "volunteer_team", "青源红马甲志愿服务队", reg.street_id, street_party)

    for c in reg.communities:
        pc = o.org(("party_committee", c.idx), "party_committee", f"{c.name}{c.plan.party_org}", c.id, street_party)
        rc = o.org(("rc", c.idx), "residents_committee", f"{c.name}居民委员会", c.id, None)
        vt = o.org(("volunteers", c.idx), "volunteer_team", f"{c.name}志愿服务队", c.id, rc)
        secretary = o.staff(f"{c.name}党组织书记、居委会主任", (38, 55))
        reg.community_secretary[c.idx] = secretary
        o.post(secretary, pc, "secretary")
        o.post(secretary, rc, "director")  # 书记、主任“一肩挑”
        deputy = o.staff(f"{c.name}社区工作者", (30, 50))
        o.post(deputy, pc, "deputy_secretary")
        o.post(deputy, rc, "member")
        staff = [secretary, deputy]
        if full_staff:
            for _ in range(4):
                s = o.staff(f"{c.name}社区工作者", (24, 50))
                o.post(s, rc, "staff" if len(staff) > 3 else "member")
                staff.append(s)
            # the previous secretary: a post ends, it is never deleted (换届)
            former = o.staff(f"{c.name}原党组织书记", (50, 60))
            first = reg.go_live.astimezone(LOCAL_TZ).date()
            o.post(former, pc, "secretary", start=first - timedelta(days=5 * 365), end=first + timedelta(days=200))
        reg.community_staff[c.idx] = staff
        # a resident who sits on the residents' committee and the owners' committee (双向进入、交叉任职)
        home = c.compounds[0]
        cands = [p for p in home.residents if 35 <= age(p) <= 65]
        cands.sort(key=lambda p: (not p.party, p.id))
        cross = cands[0] if cands else None
        if cross is not None:
            o.post(cross, rc, "member")
            if cross.party:
                o.post(cross, pc, "member")
        community_residents = [p for k in c.compounds for p in k.residents]
        vols = [p for p in community_residents if 50 <= age(p) <= 76 and rng.random() < volunteer_share * 3]
        for i, v in enumerate(vols):
            o.post(v, vt, "manager" if i == 0 else "volunteer")
            if rng.random() < 0.1:
                o.post(v, street_volunteers, "volunteer")

        for k in c.compounds:
            branch = o.org(("branch", k.idx), "party_branch", f"{k.name}小区党支部", k.id, pc)
            company = PROPERTY_COMPANIES[k.idx % len(PROPERTY_COMPANIES)]
            prop = o.org(("property", k.idx), "property_company", f"{company}{k.name}服务中心", k.id, None)
            owners = o.org(("owners", k.idx), "owners_committee", f"{k.name}业主委员会", k.id, None)
            grid = o.staff(f"{c.name}网格员（{k.name}）", (26, 52))
            reg.grid_worker[k.idx] = grid
            o.post(grid, rc, "grid_worker", scope=k.id)
            manager = o.staff(f"{company}{k.name}项目经理", (30, 52))
            reg.property_manager[k.idx] = manager
            o.post(manager, prop, "manager")
            o.post(manager, branch, "member")  # the property manager sits in the party branch
            for _ in range(2 if full_staff else 0):
                o.post(o.staff(f"{company}{k.name}客服/维修", (22, 55)), prop, "staff")
            party_residents = [p for p in k.residents if p.party]
            seniors = sorted(party_residents, key=lambda p: (not (55 <= age(p) <= 75), p.id))
            if seniors:
                o.post(seniors[0], branch, "secretary")
                for p in seniors[1:3]:
                    o.post(p, branch, "member")
            else:
                o.post(deputy, branch, "secretary")
            owner_cands = [p for p in k.residents if 35 <= age(p) <= 75 and p is not cross]
            board = _pick(rng, owner_cands, 5)
            board.sort(key=lambda p: p.id)
            for i, p in enumerate(board):
                o.post(p, owners, "chair" if i == 0 else "member")
            if board and k is home:
                o.post(board[0], rc, "member")  # the owners' chair joins the residents' committee
            if cross is not None and k is home:
                o.post(cross, owners, "member")
            _plan_party_groups(reg, o, k, branch, age)
            _plan_micro_grid_workers(reg, o, k, branch, age)


def _plan_party_groups(reg: Registry, o: _Orgs, k: Compound, branch: int, age) -> None:
    for b in k.buildings:
        members = [p for p in b.residents if p.party]
        if not members:
            continue
        members.sort(key=lambda p: (not (40 <= age(p) <= 75), p.id))
        group = o.org(("party_group", b.idx), "party_group", f"{k.name}{b.name}党小组", b.id, branch)
        o.post(members[0], group, "manager")
        for p in members[1:]:
            o.post(p, group, "party_member")
        hub_holder = members[1] if len(members) > 1 else members[0]
        h = hub_holder.household
        hub = o.org(("hub", h.id), "party_household_hub", f"{h.label}党员中心户", h.id, group)
        o.post(hub_holder, hub, "manager")


def _plan_micro_grid_workers(reg: Registry, o: _Orgs, k: Compound, branch: int, age) -> None:
    """One worker per micro-grid, party members and veterans first, from the building outwards."""
    compound_pool = [p for p in k.residents if 28 <= age(p) <= 70]
    community_pool = [p for kk in k.community.compounds for p in kk.residents if 28 <= age(p) <= 70]
    for b in k.buildings:
        if not b.micro_grids:
            continue
        pool = [p for p in b.residents if 28 <= age(p) <= 70] or compound_pool or community_pool
        if not pool:
            pool = [p for p in reg.residents if 28 <= age(p) <= 70] or reg.residents
        pool = sorted(pool, key=lambda p: (not (p.party or p.veteran), p.id))
        workers = []
        for i, (mg_id, _, _) in enumerate(b.micro_grids):
            w = pool[i % len(pool)]
            o.post(w, branch, "micro_grid_worker", scope=mg_id)
            workers.append(w)
        reg.micro_grid_workers[b.idx] = workers


# -- person rows -----------------------------------------------------------------


def _finish_people(reg: Registry, rng: random.Random, names: NameMaker) -> None:
    ref_year = reg.now.astimezone(LOCAL_TZ).year
    keys_of = NameKeys()
    registered_until = reg.go_live + timedelta(days=50)
    span = int((registered_until - reg.go_live).total_seconds())
    for p in reg.people:
        age = ref_year - p.birth_year
        resident = p.household is not None
        if not resident:
            has_phone = True
        elif age < 12:
            has_phone = False
        else:
            has_phone = rng.random() < (0.96 if age < 70 else 0.78 if age < 80 else 0.5)
        p.phone = names.phone() if has_phone else None
        with_id = rng.random() < (0.6 if not resident else 0.45 if age >= 16 else 0.2)
        id_number = names.id_number(p.birth_year, p.gender) if with_id else None
        keys = keys_of(p.name)
        created = reg.go_live + timedelta(seconds=rng.randrange(span))
        reg.person_rows.append({
            "id": p.id, "name": p.name, "gender": p.gender, "birth_year": p.birth_year, "phone": p.phone,
            "phone_tail": p.phone[-4:] if p.phone else None, "id_number": id_number,
            "household_id": p.household.id if p.household else None, "notes": p.notes,
            "search_keys": keys, "created_at": created, "updated_at": created,
        })
        if resident:
            for tag in _care_tags(rng, p, age, ref_year):
                reg.care_rows.append({"id": 0, "person_id": p.id, "tag": tag})


def _care_tags(rng: random.Random, p: Person, age: int, ref_year: int) -> list[str]:
    """Priority-care groups (“四失五类”): more of them in public rental compounds."""
    tags = []
    h = p.household
    if len(h.members) == 1 and age >= 65 and rng.random() < 0.75:
        tags.append("elderly_alone")
    if rng.random() < (0.05 if age >= 60 else 0.012):
        tags.append("disabled")
    if h.members[0] is p and rng.random() < (0.10 if h.building.housing_type == "public_rental" else 0.03):
        tags.append("low_income")
    if age >= 50 and rng.random() < 0.02:
        tags.append("serious_illness")
    if age < 14 and not any(25 <= ref_year - m.birth_year <= 50 for m in h.members) and rng.random() < 0.6:
        tags.append("left_behind_child")
    if 25 <= age <= 55 and rng.random() < 0.03:
        tags.append("unemployed")
    if age >= 14 and rng.random() < 0.005:
        tags.append("psychological_care")
    return tags
