"""Plausible Chinese names, mobile numbers and resident ID numbers, from one ``random.Random``.

Surnames follow their national frequency (per 10,000, rounded; northern China),
heteronym surnames (单 shan, 曾 zeng, 仇 qiu, 解 xie, 查 zha …) appear now and
then so that pinyin search meets them. Given names follow the fashions of the
decade of birth: 秀英 and 建国 for the elderly, 丽 and 伟 for the middle-aged,
子涵 and 浩然 for children.
"""

from __future__ import annotations

import calendar
import random
from bisect import bisect, bisect_left
from itertools import accumulate

from gongzhi.core.validation import id_check_digit

# (surname, weight per 10,000)
_SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 720), ("李", 720), ("张", 690), ("刘", 550), ("陈", 450), ("杨", 320), ("赵", 260),
    ("黄", 200), ("周", 190), ("吴", 180), ("徐", 170), ("孙", 170), ("马", 140), ("朱", 130),
    ("胡", 130), ("郭", 130), ("何", 110), ("高", 140), ("林", 100), ("罗", 80), ("郑", 90),
    ("梁", 90), ("谢", 70), ("宋", 100), ("唐", 70), ("许", 70), ("韩", 100), ("冯", 80),
    ("邓", 60), ("曹", 70), ("彭", 50), ("曾", 45), ("肖", 60), ("田", 60), ("董", 80),
    ("袁", 50), ("潘", 40), ("于", 90), ("蒋", 40), ("蔡", 40), ("余", 30), ("杜", 50),
    ("叶", 30), ("程", 50), ("苏", 50), ("魏", 60), ("吕", 60), ("丁", 50), ("任", 50),
    ("沈", 40), ("姚", 40), ("卢", 40), ("姜", 60), ("崔", 60), ("钟", 30), ("谭", 30),
    ("陆", 30), ("汪", 30), ("范", 40), ("金", 40), ("石", 40), ("廖", 20), ("贾", 60),
    ("夏", 30), ("韦", 10), ("付", 40), ("方", 30), ("白", 40), ("邹", 20), ("孟", 50),
    ("熊", 20), ("秦", 30), ("邱", 20), ("江", 20), ("尹", 30), ("薛", 40), ("闫", 50),
    ("段", 30), ("雷", 20), ("侯", 40), ("龙", 10), ("史", 40), ("陶", 20), ("黎", 10),
    ("贺", 30), ("顾", 20), ("毛", 20), ("郝", 50), ("龚", 10), ("邵", 30), ("万", 20),
    ("钱", 20), ("严", 20), ("武", 40), ("戴", 20), ("莫", 10), ("孔", 30), ("向", 10),
    ("汤", 20), ("常", 30), ("温", 20), ("康", 30), ("施", 10), ("文", 20), ("牛", 30),
    ("樊", 20), ("葛", 20), ("邢", 30), ("安", 20), ("齐", 30), ("易", 10), ("乔", 30),
    ("伍", 10), ("庞", 20), ("颜", 10), ("倪", 10), ("庄", 10), ("聂", 10), ("章", 10),
    ("鲁", 20), ("岳", 20), ("翟", 20), ("殷", 10), ("詹", 5), ("申", 20), ("欧", 5),
    ("耿", 20), ("关", 20), ("兰", 10), ("焦", 20), ("俞", 10), ("左", 10), ("柳", 10),
    ("甘", 5), ("祝", 10), ("包", 10), ("宁", 10), ("尚", 10), ("符", 5), ("舒", 5),
    ("阮", 5), ("柯", 5), ("纪", 20), ("梅", 10), ("童", 5), ("凌", 5), ("毕", 10),
    ("单", 6), ("季", 10), ("裴", 10), ("霍", 10), ("涂", 5), ("成", 10), ("苗", 20),
    ("谷", 10), ("盛", 5), ("曲", 20), ("翁", 5), ("冉", 5), ("骆", 5), ("蓝", 5),
    ("路", 10), ("游", 5), ("辛", 10), ("靳", 20), ("管", 10), ("柴", 10), ("蒙", 5),
    ("鲍", 10), ("华", 5), ("喻", 5), ("祁", 10), ("蒲", 5), ("房", 10), ("滕", 10),
    ("屈", 5), ("饶", 5), ("解", 5), ("牟", 5), ("艾", 5), ("尤", 5), ("阳", 5),
    ("时", 10), ("穆", 10), ("农", 2), ("司", 5), ("卓", 5), ("古", 5), ("吉", 5),
    ("缪", 3), ("简", 3), ("车", 5), ("项", 5), ("连", 5), ("芦", 5), ("麦", 2),
    ("褚", 3), ("娄", 5), ("窦", 10), ("戚", 5), ("岑", 3), ("景", 5), ("党", 5),
    ("宫", 5), ("费", 5), ("卜", 5), ("冷", 5), ("晏", 3), ("席", 5), ("卫", 5),
    ("米", 5), ("柏", 3), ("宗", 3), ("瞿", 2), ("桂", 3), ("全", 3), ("佟", 10),
    ("应", 3), ("臧", 5), ("闵", 3), ("苟", 3), ("邬", 2), ("边", 5), ("卞", 5),
    ("姬", 3), ("师", 5), ("和", 3), ("仇", 3), ("栾", 5), ("隋", 5), ("商", 3),
    ("刁", 3), ("沙", 3), ("荣", 5), ("巫", 2), ("寇", 5), ("桑", 3), ("郎", 5),
    ("甄", 3), ("丛", 5), ("仲", 3), ("虞", 2), ("敖", 2), ("巩", 5), ("明", 3),
    ("佘", 2), ("池", 2), ("查", 3), ("麻", 2), ("苑", 5), ("迟", 5), ("邝", 1),
    ("朴", 3), ("乐", 2), ("盖", 2), ("区", 1), ("欧阳", 5), ("上官", 1), ("司马", 1),
    ("诸葛", 1), ("尉迟", 1),
)
SURNAMES = tuple(s for s, _ in _SURNAMES)
_SURNAME_CUM = tuple(accumulate(w for _, w in _SURNAMES))

# Given names by era of birth and gender: whole names, plus characters to combine.
_ERAS = (1955, 1975, 1995)  # ≤1955 "old", ≤1975 "mid-old", ≤1995 "mid", later "young"
_GIVEN: dict[tuple[int, str], tuple[tuple[str, ...], str, str, float]] = {
    # (era, gender): (whole names, first characters, second characters, share of 1-character names)
    (0, "male"): (
        ("建国", "国庆", "德胜", "长林", "振华", "福海", "宝山", "永和", "树林", "玉山", "文才",
         "金生", "凤岐", "志远", "占元", "连生", "国栋", "树森", "广田", "宝林", "春生", "殿臣",
         "万里", "继光", "援朝", "跃进", "长顺", "庆余", "德福", "秉义", "恩普", "守信"),
        "德福宝长振国永玉树文金春广万庆恩守秉",
        "山林生华海元栋森田臣里顺福义信明才贵祥",
        0.04,
    ),
    (0, "female"): (
        ("秀英", "桂兰", "淑珍", "玉兰", "凤英", "秀兰", "桂英", "淑兰", "玉珍", "素珍", "凤兰",
         "桂芝", "秀珍", "淑华", "玉梅", "桂珍", "秀云", "翠兰", "玉芬", "淑英", "春兰", "金凤",
         "宝珍", "文英", "月娥", "秀荣", "玉琴", "素琴"),
        "秀桂淑玉凤素翠春金宝月兰",
        "英兰珍芝华梅云芬荣琴霞娥",
        0.03,
    ),
    (1, "male"): (
        ("建华", "志刚", "卫东", "红军", "建军", "立新", "国强", "新民", "向东", "东升", "海涛",
         "建平", "永强", "学军", "胜利", "志勇", "庆祥", "宝生", "建民", "长江", "卫国", "文斌"),
        "建志卫红立国新向东海永学胜庆宝长文",
        "华刚东军新强民涛平勇祥生江国斌明峰",
        0.25,
    ),
    (1, "female"): (
        ("红梅", "丽华", "秀芳", "桂荣", "红霞", "海燕", "卫红", "丽萍", "春燕", "淑芬", "玉霞",
         "爱华", "建英", "红艳", "美玲", "晓红", "凤霞", "丽娟"),
        "红丽秀桂海卫春淑玉爱建美晓凤",
        "梅华芳荣霞燕红萍芬艳玲娟英",
        0.3,
    ),
    (2, "male"): (
        ("晓东", "海波", "志强", "建伟", "俊杰", "文博", "立伟", "宏伟", "振东", "晓明", "鹏飞",
         "建新", "永刚", "亚军", "海龙", "金龙"),
        "晓海志建俊文立宏振鹏永亚金家",
        "东波强伟杰博明飞刚军龙鑫辉宇",
        0.4,
    ),
    (2, "female"): (
        ("丽娜", "晓丽", "婷婷", "雪梅", "晓燕", "丹丹", "欣然", "亚楠", "文静", "晓琳", "海霞",
         "晶晶", "美娜", "丽丽"),
        "丽晓雪丹亚文海晶美佳慧",
        "娜丽梅燕丹楠静琳霞晶莹",
        0.4,
    ),
    (3, "male"): (
        ("浩然", "子轩", "宇轩", "梓轩", "浩宇", "俊熙", "子墨", "皓轩", "博文", "天佑", "泽宇",
         "思远", "嘉豪", "奕辰", "子豪", "明轩", "宇航", "乐乐", "一鸣", "沐阳"),
        "浩子宇梓俊皓博天泽思嘉奕明一沐",
        "然轩宇熙墨文佑远豪辰航鸣阳睿",
        0.1,
    ),
    (3, "female"): (
        ("欣怡", "梓涵", "子涵", "雨桐", "思琪", "佳怡", "可馨", "诗涵", "一诺", "梓萱", "若曦",
         "语嫣", "欣妍", "雨欣", "佳琪", "思彤", "馨月", "紫涵", "婉清", "晨曦"),
        "欣梓子雨思佳可诗一若语紫婉晨",
        "怡涵桐琪馨诺萱曦嫣妍欣彤月清",
        0.1,
    ),
}
_SINGLE: dict[tuple[int, str], str] = {
    (0, "male"): "明福贵山林",
    (0, "female"): "英兰珍芝",
    (1, "male"): "军强伟勇斌涛刚明杰林",
    (1, "female"): "艳丽红敏芳霞萍燕华",
    (2, "male"): "磊伟鹏超浩亮斌宇凯健晨博",
    (2, "female"): "静丽娜婷敏颖晶雪倩燕琳慧莉",
    (3, "male"): "睿辰铭浩轩宇",
    (3, "female"): "萱涵琪悦彤诺",
}

# mobile prefixes (third digit included) with rough market weights
_PHONE_PREFIXES = (
    ("130", 5), ("131", 6), ("132", 5), ("133", 4), ("134", 5), ("135", 8), ("136", 7),
    ("137", 6), ("138", 9), ("139", 9), ("150", 5), ("151", 5), ("152", 4), ("153", 3),
    ("155", 4), ("156", 4), ("157", 2), ("158", 5), ("159", 5), ("166", 2), ("176", 3),
    ("177", 2), ("178", 2), ("180", 3), ("181", 3), ("182", 4), ("183", 3), ("185", 4),
    ("186", 5), ("187", 4), ("188", 3), ("189", 4), ("191", 2), ("198", 2), ("199", 2),
)
_PHONE_CUM = tuple(accumulate(w for _, w in _PHONE_PREFIXES))

# where residents' ID numbers were issued: Tianjin districts first, then neighbouring provinces
_REGIONS = (
    ("120113", 40), ("120105", 10), ("120106", 9), ("120104", 7), ("120102", 7), ("120101", 3),
    ("120103", 4), ("120111", 3), ("120110", 3), ("120114", 3), ("120116", 3),
    ("130102", 1), ("131002", 2), ("130203", 1), ("370102", 1), ("371402", 1), ("410102", 1),
    ("230102", 1), ("150102", 1),
)
_REGION_CUM = tuple(accumulate(w for _, w in _REGIONS))


def era_of(birth_year: int) -> int:
    return bisect_left(_ERAS, birth_year)


class NameMaker:
    """Names, phones and ID numbers drawn from one ``random.Random``; phones and IDs unique."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._phones: set[str] = set()
        self._ids: set[str] = set()

    def surname(self) -> str:
        r = self.rng.random() * _SURNAME_CUM[-1]
        return SURNAMES[bisect(_SURNAME_CUM, r)]

    def given(self, birth_year: int, gender: str) -> str:
        rng = self.rng
        key = (era_of(birth_year), gender if gender in ("male", "female") else "female")
        whole, first, second, single_share = _GIVEN[key]
        r = rng.random()
        if r < single_share:
            return rng.choice(_SINGLE[key])
        if r < single_share + (1 - single_share) * 0.55:
            return rng.choice(whole)
        return rng.choice(first) + rng.choice(second)

    def name(self, birth_year: int, gender: str, surname: str | None = None) -> str:
        surname = surname or self.surname()
        given = self.given(birth_year, gender)
        if len(surname) == 2 and len(given) == 2:
            given = given[0]  # 欧阳娜, not 欧阳晓丽: keep names to 2–3 characters
        return surname + given

    def phone(self) -> str:
        rng = self.rng
        while True:
            prefix = _PHONE_PREFIXES[bisect(_PHONE_CUM, rng.random() * _PHONE_CUM[-1])][0]
            number = f"{prefix}{rng.randrange(100_000_000):08d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def id_number(self, birth_year: int, gender: str) -> str:
        rng = self.rng
        while True:
            region = _REGIONS[bisect(_REGION_CUM, rng.random() * _REGION_CUM[-1])][0]
            month = rng.randint(1, 12)
            day = rng.randint(1, calendar.monthrange(birth_year, month)[1])
            seq = rng.randrange(100) * 10 + rng.randrange(5) * 2 + (1 if gender == "male" else 0)
            first17 = f"{region}{birth_year:04d}{month:02d}{day:02d}{seq:03d}"
            number = first17 + id_check_digit(first17)
            if number not in self._ids:
                self._ids.add(number)
                return number
