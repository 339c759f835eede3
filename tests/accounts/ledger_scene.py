"""A small ledger with known answers, shared by the ledger's tests.

On TODAY (10 June 2024) the neighborhood `here` holds 7 current residents in 4 households:

| household | building/unit | tenure, area | residents |
|---|---|---|---|
| old_alone | 1号楼 1 | owner 72.50 | 张桂英 b. 1930-01-01 (94, living alone) |
| old_couple | 1号楼 1 | tenant 45.00 | 李国强 b. 1934-06-10 (90 today), 李秀兰 b. 1934-06-11 (89) |
| family | 2号楼 2 | owner 98.00 | 王建国 (44, 2 cars, verified), 王丽 (42, 1 car), 王小宝 (9) |
| movers | 2号楼 2 | owner 60.00 | 赵军 (49, 1 car); 孙磊 (moved away, 1 car) |

So: 2 people are 90 or older; car owners need 4 parking spaces (5 counting the one who
moved away); 1 child; 1 verified resident in 1 verified household. Another neighborhood
`other` has a resident (with a car) that must never be counted here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts import idcard
from accounts.models import Building, Household, Residency
from tests import factories

TODAY = dt.date(2024, 6, 10)
WANG_ID = idcard.make("310115", dt.date(1980, 5, 1), 11)


@dataclass
class Scene:
    here: Any
    other: Any
    b1: Any
    b2: Any
    old_alone: Any
    old_couple: Any
    family: Any
    movers: Any
    zhang: Any
    li: Any
    li_wife: Any
    wang: Any
    wang_wife: Any
    child: Any
    zhao: Any
    sun: Any
    wang_user: Any


def _house(building: Building, unit: str, room: str, area: str, tenure: str) -> Household:
    return Household.objects.create(
        building=building, unit=unit, room=room, floor_area=Decimal(area), tenure=tenure
    )


def build(here: Any = None, other: Any = None) -> Scene:
    here = here or factories.neighborhood("昌里第五")
    other = other or factories.neighborhood("云台第一")
    b1 = Building.objects.create(neighborhood=here, name="1号楼")
    b2 = Building.objects.create(neighborhood=here, name="2号楼")
    old_alone = _house(b1, "1", "101", "72.50", "owner")
    old_couple = _house(b1, "1", "102", "45.00", "tenant")
    family = _house(b2, "2", "201", "98.00", "owner")
    movers = _house(b2, "2", "202", "60.00", "owner")
    person = factories.person
    zhang = person(old_alone, "张桂英", birth=dt.date(1930, 1, 1), tags=["living_alone"])
    li = person(old_couple, "李国强", birth=dt.date(1934, 6, 10), phone="13900001111")
    li_wife = person(old_couple, "李秀兰", birth=dt.date(1934, 6, 11))
    wang = person(
        family,
        "王建国",
        birth=dt.date(1980, 5, 1),
        id_number=WANG_ID,
        phone="13812345678",
        vehicles=["沪A12345", "沪B22222"],
    )
    wang_wife = person(family, "王丽", birth=dt.date(1982, 3, 3), vehicles=["沪C33333"])
    child = person(family, "王小宝", birth=dt.date(2015, 1, 1))
    zhao = person(movers, "赵军", birth=dt.date(1975, 1, 1), vehicles=["沪D44444"])
    sun = person(
        movers,
        "孙磊",
        birth=dt.date(1970, 1, 1),
        vehicles=["沪E55555"],
        left_at=timezone.now(),
    )
    wang_user = factories.user("wang", display_name="王建国")
    Residency.objects.create(
        user=wang_user, household=family, resident=wang, verified_at=timezone.now()
    )
    elsewhere = factories.household(other)
    person(elsewhere, "钱老", birth=dt.date(1920, 1, 1), vehicles=["沪F66666"])
    return Scene(
        here=here,
        other=other,
        b1=b1,
        b2=b2,
        old_alone=old_alone,
        old_couple=old_couple,
        family=family,
        movers=movers,
        zhang=zhang,
        li=li,
        li_wife=li_wife,
        wang=wang,
        wang_wife=wang_wife,
        child=child,
        zhao=zhao,
        sun=sun,
        wang_user=wang_user,
    )
