"""The demo street's fixed geography and organisations, modelled on the source article.

青（广）源街道, Beichen District, Tianjin: 3.02 km², 15 communities, 24 compounds,
the 双青新家园 public-housing area. The geography does not depend on the seed
(the seed decides who lives where); it is laid out so that the high-rise public
rental compounds are cut into exactly 196 micro-grids of 5–6 floors.

Names the article gives: 盛康园, 盛福园, 荣雅园, 荣诚园, 欢畅园, 荣乐园, 荣溪园.
The others are invented in the same style (荣X园 / 盛X园 / 欢X园).
"""

from __future__ import annotations

from dataclasses import dataclass

STREET_NAME = "青（广）源街道"
STREET_NOTES = (
    "天津市北辰区；2014年批准成立；占地面积3.02平方公里；下辖15个社区、24个自然小区；"
    "常住人口6.8万人；管辖天津市最大的保障房片区——双青新家园"
)
AREA_NAME = "双青新家园"
STREET_PARTY_COMMITTEE = "青（广）源街道党工委"
RIDER_STATION = "先蜂骑手加油站"
MICRO_GRIDS_AT_STREET_SCALE = 196


@dataclass(frozen=True)
class BuildingGroup:
    """``count`` buildings alike: floors, stairwells (单元) and flats per floor per stairwell."""

    count: int
    floors: int
    units: int
    per_floor: int
    high_rise: bool = False
    housing_type: str | None = None  # None = the compound's


@dataclass(frozen=True)
class CompoundPlan:
    name: str
    housing_type: str
    groups: tuple[BuildingGroup, ...]
    note: str = ""


@dataclass(frozen=True)
class CommunityPlan:
    name: str
    party_org: str  # "党委" or "党总支"
    compounds: tuple[CompoundPlan, ...]


def _hr(count: int, floors: int, per_floor: int) -> BuildingGroup:
    return BuildingGroup(count, floors, 1, per_floor, high_rise=True)


def _low(count: int, floors: int = 6, units: int = 4, per_floor: int = 2, housing: str | None = None) -> BuildingGroup:
    return BuildingGroup(count, floors, units, per_floor, housing_type=housing)


PR, RL, PC, CM = "public_rental", "relocation", "price_capped", "commodity"

# 15 communities, 24 compounds. 盛X园: high-rise public rental (公租房); 荣X园: relocation
# housing (异地安置房), some price-capped; 欢X园: price-capped (限价商品房) and commodity.
COMMUNITIES: tuple[CommunityPlan, ...] = (
    CommunityPlan("盛康园社区", "党委", (
        CompoundPlan("盛康园", PR, (_hr(10, 33, 10),), "高层公租房密集区域"),
        CompoundPlan("盛安园", PR, (_hr(6, 26, 8),)),
    )),
    CommunityPlan("盛福园社区", "党委", (
        CompoundPlan("盛福园", PR, (_hr(8, 33, 10),), "高层公租房密集区域；“蚂蚁工坊”所在社区"),
        CompoundPlan("盛泰园", PR, (_hr(6, 26, 8),)),
    )),
    CommunityPlan("荣雅园社区", "党委", (
        CompoundPlan("荣雅园", RL, (_low(34),)),
    )),
    CommunityPlan("荣诚园社区", "党总支", (
        CompoundPlan("荣诚园", RL, (_low(30, 6, 2, 3),), "户型设计原因，居民晾晒衣物不便"),
        CompoundPlan("荣华园", RL, (_low(22), _low(6, housing=PC))),
    )),
    CommunityPlan("欢畅园社区", "党委", (
        CompoundPlan("欢畅园", PC, (_low(30),), "通往菜市场的小门"),
        CompoundPlan("欢庆园", PC, (_low(24),)),
    )),
    CommunityPlan("荣乐园社区", "党委", (
        CompoundPlan("荣乐园", RL, (_low(36),)),
    )),
    CommunityPlan("荣溪园社区", "党委", (
        CompoundPlan("荣溪园", RL, (_low(30),), "“老伙计的共享花园”微改造项目"),
        CompoundPlan("荣泽园", RL, (_low(24),)),
    )),
    CommunityPlan("盛和园社区", "党委", (
        CompoundPlan("盛和园", PR, (_hr(4, 18, 6), _low(8))),
        CompoundPlan("盛欣园", PR, (_hr(4, 18, 6), _low(8))),
    )),
    CommunityPlan("盛祥园社区", "党总支", (
        CompoundPlan("盛祥园", PR, (_hr(2, 11, 4), _low(16))),
    )),
    CommunityPlan("荣顺园社区", "党委", (
        CompoundPlan("荣顺园", RL, (_low(26),)),
        CompoundPlan("荣旺园", PC, (_low(22),)),
    )),
    CommunityPlan("荣馨园社区", "党委", (
        CompoundPlan("荣馨园", PC, (_low(32, 6, 2, 2), _low(8, housing=RL))),
    )),
    CommunityPlan("荣嘉园社区", "党总支", (
        CompoundPlan("荣嘉园", RL, (_low(28),)),
        CompoundPlan("荣瑞园", PC, (_low(20),)),
    )),
    CommunityPlan("欢悦园社区", "党委", (
        CompoundPlan("欢悦园", PC, (_low(26),)),
        CompoundPlan("欢颂园", CM, (_low(18, 11, 2, 2),)),
    )),
    CommunityPlan("欢景园社区", "党委", (
        CompoundPlan("欢景园", CM, (_low(22, 11, 2, 2),)),
    )),
    CommunityPlan("欢怡园社区", "党总支", (
        CompoundPlan("欢怡园", PC, (_low(30),)),
    )),
)

# the compounds of the article's stories
STORY_COMPOUNDS = ("荣雅园", "盛康园", "荣诚园", "欢畅园", "荣乐园", "荣溪园")


def micro_grid_slices(floors: int) -> list[tuple[int, int]]:
    """Cut ``floors`` into consecutive slices of 5–6 floors (33 → 6,6,6,5,5,5)."""
    k = -(-floors // 6)
    if 5 * k > floors:
        raise ValueError(f"{floors} floors cannot be cut into slices of 5-6")
    base, extra = divmod(floors, k)
    out, start = [], 1
    for i in range(k):
        size = base + (1 if i < extra else 0)
        out.append((start, start + size - 1))
        start += size
    return out


# Functional departments (职能部门): code, name. The whistle (吹哨报到) calls them in.
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("fire", "北辰区消防救援支队双青消防救援站"),
    ("city_management", "青（广）源街道综合行政执法大队（城管）"),
    ("power", "国网天津北辰供电公司双青供电服务站"),
    ("police", "北辰公安分局双青派出所"),
    ("sanitation", "北辰区城市管理委员会双青环卫所"),
    ("housing", "北辰区住房和建设委员会保障房服务中心"),
    ("water", "北辰自来水公司双青营业所"),
    ("gas", "北辰燃气公司双青服务站"),
    ("civil_affairs", "北辰区民政局养老服务指导中心"),
)

# category code -> department code (core.services.categories.DEFAULT_CATEGORIES)
CATEGORY_DEPARTMENTS: dict[str, str] = {
    "lighting": "city_management",
    "safety_hazard": "fire",
    "ebike_charging": "fire",
    "high_rise_littering": "police",
    "sanitation": "sanitation",
    "elderly_care": "civil_affairs",
}

# property companies serving the area; each compound has its own service centre
PROPERTY_COMPANIES = ("双青物业", "津北物业", "宜居物业", "安泰物业")
