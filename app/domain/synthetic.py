"""Synthetic villages for the demo database and the benchmarks: plausible, valid, repeatable.

Names follow the real frequency of common surnames and include the very common two-character
full names (张伟, 王芳…) that make search hard; ID numbers are valid GB 11643 numbers whose
birth dates and sexes agree with the person.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.domain.idcard import make_id_number

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
MALE_GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林建国志红文"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀英玲桂兰萍燕红梅琳婷雪慧莉丹倩颖佳欣怡晶洁琴云"
GROUPS = ("一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组")
ETHNICITIES = ("汉族",) * 30 + ("回族", "满族", "壮族")
CATEGORY_WEIGHTS = (("低保", 3), ("特困", 1), ("残疾", 2), ("监测对象", 1), ("孤儿", 0.2))


@dataclass
class SyntheticPerson:
    name: str
    id_number: str
    id_type: str
    sex: int
    birth_date: date
    relation: str
    residence: str = "local"
    ethnicity: str = "汉族"
    categories: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class SyntheticHousehold:
    household_no: str
    group: str
    phone: str
    members: list[SyntheticPerson]

    @property
    def head(self) -> SyntheticPerson:
        return self.members[0]


class VillageGenerator:
    """Deterministic for a given seed; ``area_code`` is the 6-digit county code of the IDs."""

    def __init__(self, seed: int = 2026, *, area_code: str = "340422",
                 today: date = date(2026, 11, 1)) -> None:
        self.rng = random.Random(seed)
        self.area_code = area_code
        self.today = today
        self._used_ids: set[str] = set()
        self._birth_cert = 0

    def name(self, sex: int, surname: str | None = None) -> str:
        rng = self.rng
        surname = surname or rng.choice(SURNAMES[:40] if rng.random() < 0.8 else SURNAMES)
        pool = MALE_GIVEN if sex == 1 else FEMALE_GIVEN
        # About a third of people have a one-character given name: 张伟, 王芳.
        given = rng.choice(pool) if rng.random() < 0.35 else rng.choice(pool) + rng.choice(pool)
        return surname + given

    def id_number(self, birth: date, sex: int) -> str:
        while True:
            seq = self.rng.randrange(0, 1000)
            if (seq % 2 == 1) != (sex == 1):
                seq = (seq + 1) % 1000
            number = make_id_number(self.area_code, birth, seq)
            if number not in self._used_ids:
                self._used_ids.add(number)
                return number

    def _birth(self, age_from: int, age_to: int) -> date:
        days = self.rng.randrange(age_from * 365, age_to * 365 + 1)
        return self.today - timedelta(days=days)

    def person(self, *, sex: int, age: tuple[int, int], relation: str,
               surname: str | None = None) -> SyntheticPerson:
        birth = self._birth(*age)
        return SyntheticPerson(self.name(sex, surname), self.id_number(birth, sex), "01", sex,
                               birth, relation, ethnicity=self.rng.choice(ETHNICITIES))

    def household(self, household_no: str, *, newborn: bool = False) -> SyntheticHousehold:
        rng = self.rng
        head_sex = 1 if rng.random() < 0.85 else 2
        head = self.person(sex=head_sex, age=(28, 80), relation="户主")
        surname = head.name[0]
        members = [head]
        head_age = (self.today - head.birth_date).days // 365
        if rng.random() < 0.85 and head_age > 22:
            members.append(self.person(sex=3 - head_sex, age=(max(20, head_age - 8),
                                                               min(85, head_age + 5)),
                                       relation="配偶"))
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            if head_age < 40:
                break
            sex = rng.choice((1, 2))
            members.append(self.person(sex=sex, age=(1, max(2, head_age - 20)),
                                       relation="子" if sex == 1 else "女",
                                       surname=surname if sex == 1 or rng.random() < 0.9 else None))
        if head_age > 55 and rng.random() < 0.4:
            sex = rng.choice((1, 2))
            members.append(self.person(sex=sex, age=(1, 15), relation="孙子女", surname=surname))
        if head_age < 60 and rng.random() < 0.12:
            sex = rng.choice((1, 2))
            members.append(self.person(sex=sex, age=(head_age + 20, min(95, head_age + 35)),
                                       relation="父母",
                                       surname=surname if sex == 1 else None))
        if newborn:
            self._birth_cert += 1
            birth = self.today - timedelta(days=rng.randrange(5, 60))
            sex = rng.choice((1, 2))
            members.append(SyntheticPerson(self.name(sex, surname),
                                           f"P{self.area_code}{self._birth_cert:04d}", "91", sex,
                                           birth, "孙子女", note="新生儿"))
        for member in members:
            if rng.random() < 0.03:
                member.residence = "nonlocal"
                member.note = member.note or "持居住证"
            for category, weight in CATEGORY_WEIGHTS:
                if rng.random() < weight / 100:
                    member.categories.append(category)
        phone = f"139{rng.randrange(0, 10**8):08d}"
        return SyntheticHousehold(household_no, rng.choice(GROUPS), phone, members)

    def village(self, village_code: str, households: int, *,
                newborns: int = 1) -> list[SyntheticHousehold]:
        newborn_at = set(self.rng.sample(range(households), min(newborns, households)))
        return [self.household(f"{village_code}{i + 1:04d}", newborn=i in newborn_at)
                for i in range(households)]
