"""The demo subdistrict, modelled on the article: 周家渡街道, 昌里第五, 云台第一 and more.

Deterministic (seeded random) so every fresh clone shows the same neighbourhood.
Built in bulk so 35,000 households take seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.utils import timezone

from accounts import idcard
from accounts.ledger.filters import is_child
from accounts.models import (
    Building,
    District,
    Household,
    HouseholdCode,
    Neighborhood,
    Owner,
    Ownership,
    Residency,
    Resident,
    RoleGrant,
    Subdistrict,
    User,
)
from accounts.models.people import Role
from accounts.models.places import Tenure
from accounts.verification import codes
from accounts.verification.services import code_hash
from core.db import refresh_statistics
from forum.models import Board
from forum.services import topic_create
from voting import services

DEMO_PASSWORD = "linli-demo-2026"
REGION_PUDONG = "310115"
HOUSEHOLDS_PER_BUILDING = 24  # six floors, two units, two flats per landing
BATCH = 2000
REGION_ELSEWHERE = "310104"  # 徐汇区: where the landlords of rented flats live
ELEVATOR_BUILDING = "3号楼"

NEIGHBORHOOD_NAMES = [
    "昌里第五",
    "云台第一",
    "昌里第一",
    "云台第二",
    "上南六村",
    "上南七村",
    "齐河第一",
    "雪野二村",
    "林雪",
    "昌五",
    "昌里第七",
    "浦三",
    "浦东南",
    "南浦",
    "耀华",
    "三林",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
    "许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚"
    "桂英华建国文斌玉兰海燕志强红梅晓东佳怡子涵浩然欣怡雨"
)
BOARDS = [
    ("邻里互助", "谁家的狗丢了?楼道灯坏了?邻居们互相帮一把。"),
    ("社区花园议事", "社区花园怎么建,大家来商量。"),
]
OPENING_TOPICS = [
    # Markdown, as residents write it: the topic page shows a list, a table, a link and a
    # code block rendered (and the axe crawl checks them).
    (
        "谁家的狗丢了?",
        "12号楼下有一只棕色小狗,戴红色项圈,在门口等了半天了。\n\n"
        "- 颜色:棕色\n- 项圈:红色\n\n"
        "| 时间 | 地点 |\n| --- | --- |\n| 早上八点 | 12号楼下 |\n| 中午 | 南门 |\n\n"
        "照片在[失物招领](https://example.org/lost)页面。项圈上写着:\n\n"
        "```\nLUCKY 138-0000-0000\n```",
    ),
    ("我们楼道灯坏了 求助", "7号楼2单元三楼楼道灯不亮,晚上老人上下楼不方便。"),
    ("下班走夜路,小区里竟发现一条蛇!", "在花坛边上看到的,大家晚上走路小心,已告诉物业。"),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str


DEMO_USERS = [
    DemoUser("resident", "小王", "verified resident (昌里第五)"),
    DemoUser("neighbor", "李阿姨", "verified resident (昌里第五)"),
    DemoUser("rep", "老陈", "household representative (昌里第五)"),
    DemoUser("staff", "居委小张", "committee staff (昌里第五)"),
    DemoUser("secretary", "周书记", "secretary (昌里第五)"),
    DemoUser("moderator", "议事主持人", "moderator (昌里第五)"),
    DemoUser("admin", "街道管理员", "subdistrict admin (周家渡街道)"),
    DemoUser("newcomer", "新邻居", "not verified yet: try 实名认证 with the household code below"),
]
# A household code printed for the demo, so a newcomer can try verification at once.
DEMO_CODE = "CHANG-5WU26"


def demo_code_hint() -> str | None:
    """How to use the demo code, while it is unused: the code, the address, the name."""
    found = (
        HouseholdCode.objects.filter(
            code_hash=code_hash(codes.normalise(DEMO_CODE) or ""),
            used_at__isnull=True,
            revoked_at__isnull=True,
        )
        .select_related("household__building")
        .first()
    )
    if found is None:
        return None
    person = found.household.residents.order_by("birth_date").first()
    name = person.real_name if person else ""
    return f"household code {DEMO_CODE} for {found.household.address}, real name {name}"


def is_seeded() -> bool:
    return Subdistrict.objects.exists()


def is_demo() -> bool:
    """Every demo login exists: the database is the demo's (what `--reset` may empty)."""
    names = [user.username for user in DEMO_USERS]
    return User.objects.filter(username__in=names).count() == len(names)


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given


def _birth(rng: random.Random, today: dt.date, low: int, high: int) -> dt.date:
    age_days = rng.randint(low * 365, high * 365 + 364)
    return today - dt.timedelta(days=age_days)


def _people(rng: random.Random, today: dt.date) -> Iterator[tuple[dt.date, list[str]]]:
    """Ages and tags of one household, shaped like an old Shanghai estate."""
    shape = rng.random()
    if shape < 0.12:  # someone very old, often living alone
        yield _birth(rng, today, 88, 101), ["living_alone"] if rng.random() < 0.6 else []
        return
    if shape < 0.30:  # a retired couple
        yield _birth(rng, today, 62, 85), []
        yield _birth(rng, today, 60, 85), []
        return
    yield _birth(rng, today, 30, 55), []
    if rng.random() < 0.8:
        yield _birth(rng, today, 28, 55), []
    for _ in range(rng.choice((0, 1, 1, 2))):
        yield _birth(rng, today, 0, 17), []
    if rng.random() < 0.35:
        yield _birth(rng, today, 65, 92), ["disabled"] if rng.random() < 0.1 else []


_serials: Counter[dt.date] = Counter()


def seed(households: int, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    rng = random.Random(20200616)  # the article's date
    # Owners draw from their own generator, so adding them left the residents as they were.
    owner_rng = random.Random(20200617)
    _serials.clear()
    today = timezone.localdate()
    with transaction.atomic():
        district = District.objects.create(name="浦东新区")
        subdistrict = Subdistrict.objects.create(district=district, name="周家渡街道")
        # A few neighborhoods even for the small demo; about 1,200 households each at scale.
        count = max(min(4, households // 3), math.ceil(households / 1200))
        per_neighborhood = math.ceil(households / count)
        names = [
            NEIGHBORHOOD_NAMES[i] if i < len(NEIGHBORHOOD_NAMES) else f"周家渡第{i + 1}"
            for i in range(count)
        ]
        neighborhoods = Neighborhood.objects.bulk_create(
            [Neighborhood(subdistrict=subdistrict, name=name) for name in names]
        )
        remaining = households
        buildings: list[Building] = []
        for neighborhood in neighborhoods:
            share = min(per_neighborhood, remaining)
            remaining -= share
            for number in range(1, math.ceil(share / HOUSEHOLDS_PER_BUILDING) + 1):
                buildings.append(
                    Building(neighborhood=neighborhood, name=f"{number}号楼", floors=6)
                )
        buildings = Building.objects.bulk_create(buildings, batch_size=BATCH)

        made = 0
        house_rows: list[Household] = []
        for building in buildings:
            for index in range(HOUSEHOLDS_PER_BUILDING):
                if made + len(house_rows) >= households:
                    break
                floor, slot = divmod(index, 4)
                unit, flat = divmod(slot, 2)
                house_rows.append(
                    Household(
                        building=building,
                        unit=str(unit + 1),
                        room=f"{floor + 1}0{flat + 1}",
                        floor_area=Decimal(rng.randint(3800, 9600)) / 100,
                        tenure=Tenure.OWNER if rng.random() < 0.78 else Tenure.TENANT,
                    )
                )
            if len(house_rows) >= BATCH or building is buildings[-1]:
                made += _save_households(house_rows, rng, owner_rng, today)
                if progress:
                    progress(len(house_rows))
                house_rows = []
        _seed_landlord(neighborhoods[0], owner_rng, today)
        _seed_users_and_boards(neighborhoods[0], subdistrict)
        _seed_ballots(neighborhoods[0])
    refresh_statistics()
    return {
        "neighborhoods": len(neighborhoods),
        "buildings": len(buildings),
        "households": made,
        "residents": Resident.objects.count(),
    }


def _save_households(
    rows: list[Household], rng: random.Random, owner_rng: random.Random, today: dt.date
) -> int:
    saved = Household.objects.bulk_create(rows, batch_size=BATCH)
    residents: list[Resident] = []
    heads: dict[int, Resident] = {}  # household id -> its oldest resident
    for house in saved:
        for serial, (birth, tags) in enumerate(_people(rng, today)):
            # No phone for children under 14: the demo has no guardian consent on file.
            has_phone = rng.random() < 0.9 and not is_child(birth, today)
            resident = Resident(
                household=house,
                real_name=_name(rng),
                birth_date=birth,
                phone=f"13{rng.randint(100000000, 999999999)}" if has_phone else "",
                vehicles=[f"沪{rng.choice('ABCDEFGHJKLMN')}{rng.randint(10000, 99999)}"]
                if serial == 0 and rng.random() < 0.3
                else [],
                tags=tags,
            )
            # The order code counts people born on the same day, as real ones do, so no two
            # residents share an ID number (up to 1,000 per birth date).
            _serials[birth] += 1
            resident.set_id_number(idcard.make(REGION_PUDONG, birth, _serials[birth]))
            residents.append(resident)
            head = heads.get(house.pk)
            if head is None or birth < head.birth_date:
                heads[house.pk] = resident
    Resident.objects.bulk_create(residents, batch_size=BATCH)
    _save_owners(saved, heads, owner_rng, today)
    return len(saved)


def _save_owners(
    houses: list[Household], heads: dict[int, Resident], rng: random.Random, today: dt.date
) -> None:
    """Every unit's registered owner (业主): in an owner-occupied flat the household's
    head (its oldest resident, the one who answers for it), with the same ID number, so
    their account is linked to the owner once verified; a rented flat's owner lives
    elsewhere and is in the ledger only as an owner."""
    owners: list[Owner] = []
    for house in houses:
        neighborhood_id = house.building.neighborhood_id
        head = heads[house.pk]
        if house.tenure == Tenure.OWNER:
            owner = Owner(
                neighborhood_id=neighborhood_id,
                real_name=head.real_name,
                id_number_encrypted=head.id_number_encrypted,
                id_number_hash=head.id_number_hash,
                id_number_masked=head.id_number_masked,
                phone=head.phone,
            )
        else:
            owner = _owner_elsewhere(neighborhood_id, rng, today)
        owners.append(owner)
    Owner.objects.bulk_create(owners, batch_size=BATCH)
    Ownership.objects.bulk_create(
        [
            Ownership(household=house, owner=owner)
            for house, owner in zip(houses, owners, strict=True)
        ],
        batch_size=BATCH,
    )


def _owner_elsewhere(neighborhood_id: int, rng: random.Random, today: dt.date) -> Owner:
    birth = _birth(rng, today, 35, 80)
    _serials[birth] += 1
    owner = Owner(
        neighborhood_id=neighborhood_id,
        real_name=_name(rng),
        phone=f"13{rng.randint(100000000, 999999999)}",
    )
    owner.set_id_number(idcard.make(REGION_ELSEWHERE, birth, _serials[birth]))
    return owner


def elevator_building(home: Neighborhood) -> Building:
    """The building of the demo's elevator ballot: 3号楼, or the last one a small demo has."""
    buildings = list(home.buildings.order_by("pk"))
    return next((b for b in buildings if b.name == ELEVATOR_BUILDING), buildings[-1])


def _seed_landlord(home: Neighborhood, rng: random.Random, today: dt.date) -> None:
    """One landlord who owns three rented flats (in the elevator building first): in an
    owners' vote they count once by head, with the area of all three."""
    building = elevator_building(home)
    rented = list(
        Household.objects.filter(building__neighborhood=home, tenure=Tenure.TENANT)
        .annotate(here=models.Case(models.When(building=building, then=0), default=1))
        .order_by("here", "pk")
        .values_list("pk", flat=True)[:3]
    )
    if len(rented) < 3:
        return  # a tiny demo has too few rented flats to show it
    landlord = _owner_elsewhere(home.pk, rng, today)
    landlord.save()
    previous = list(
        Ownership.objects.filter(household_id__in=rented).values_list("owner_id", flat=True)
    )
    Ownership.objects.filter(household_id__in=rented).update(owner=landlord)
    Owner.objects.filter(pk__in=previous).delete()


def _demo_households(home: Neighborhood) -> list[Household]:
    """Where the demo users live: three owner-occupied flats of the elevator building (so
    they may vote on it as owners), then the flat of the printed household code."""
    building = elevator_building(home)
    here = Household.objects.filter(building__neighborhood=home).select_related("building")
    owned = list(here.filter(building=building, tenure=Tenure.OWNER).order_by("pk")[:3])
    if len(owned) < 3:
        owned = list(here.filter(tenure=Tenure.OWNER).order_by("pk")[:3])
    taken = [house.pk for house in owned]
    others = list(here.exclude(pk__in=taken).order_by("building_id", "pk")[: 4 - len(owned)])
    return [*owned, *others]


def _seed_users_and_boards(home: Neighborhood, subdistrict: Subdistrict) -> None:
    now = timezone.now()
    houses = _demo_households(home)
    users = {}
    password = make_password(DEMO_PASSWORD)  # one slow hash, shared by all demo users
    for demo in DEMO_USERS:
        user = User(username=demo.username, display_name=demo.display_name, password=password)
        user.save()
        users[demo.username] = user
    for username, house, representative in (
        ("resident", houses[0], False),
        ("neighbor", houses[1], False),
        ("rep", houses[2], True),
    ):
        resident = house.residents.order_by("birth_date").first()
        assert resident is not None
        Residency.objects.create(
            user=users[username],
            household=house,
            resident=resident,
            is_representative=representative,
            verified_at=now,
        )
        # As verification does: the account is this person's, and so are the owner's votes.
        users[username].identity_hash = resident.id_number_hash
        users[username].save(update_fields=["identity_hash"])
    for username, role in (
        ("staff", Role.STAFF),
        ("secretary", Role.SECRETARY),
        ("moderator", Role.MODERATOR),
    ):
        RoleGrant.objects.create(user=users[username], role=role, neighborhood=home)
    RoleGrant.objects.create(user=users["admin"], role=Role.ADMIN, subdistrict=subdistrict)
    HouseholdCode.objects.create(
        household=houses[3],
        code_hash=code_hash(codes.normalise(DEMO_CODE) or ""),
        issued_by=users["staff"],
        issued_at=now,
        expires_at=now + dt.timedelta(days=365),
    )
    users["admin"].is_staff = users["admin"].is_superuser = True
    users["admin"].save(update_fields=["is_staff", "is_superuser"])

    for neighborhood in Neighborhood.objects.filter(subdistrict=subdistrict).order_by("pk"):
        Board.objects.bulk_create(
            [
                Board(neighborhood=neighborhood, name=name, description=text, position=i)
                for i, (name, text) in enumerate(BOARDS)
            ]
        )
    first_board = Board.objects.filter(neighborhood=home).order_by("position").first()
    assert first_board is not None
    for (title, body), author in zip(OPENING_TOPICS, ("resident", "rep", "neighbor"), strict=True):
        topic_create(user=users[author], board=first_board, title=title, body=body)


ELEVATOR_TEXT = (
    "拟在本楼每个单元北侧加装一部电梯，停靠各层半层平台。费用按楼层分摊，"
    "低层住户少出或不出；施工期间约三个月。请各位业主表决。"
)
GARDEN_TEXT = (
    "把小区南门边闲置的空地改建为社区花园，由居民志愿者认领花池、轮流养护，居委会提供工具和种子。"
)


def _seed_ballots(home: Neighborhood) -> None:
    """One open ballot (the elevator of one building, the owners deciding under art. 278)
    and one closed (the community garden, residents by simple majority) on public notice
    with an answered objection. Through the services, as staff and residents would."""
    staff = User.objects.get(username="staff")
    voters = {name: User.objects.get(username=name) for name in ("resident", "neighbor", "rep")}
    now = timezone.now()
    building = elevator_building(home)
    elevator = services.ballot_create(
        actor=staff,
        neighborhood_id=home.pk,
        title=f"{building.name}加装电梯",
        description=ELEVATOR_TEXT,
        matter="elevator",
        building_id=building.pk,
        closes_at=now + dt.timedelta(days=14),
        open_now=True,
    )
    # One neighbor has voted already; the other demo users may try it themselves.
    services.ballot_cast(user=voters["neighbor"], ballot_id=elevator.pk, choice=["yes"])

    garden = services.ballot_create(
        actor=staff,
        neighborhood_id=home.pk,
        title="社区花园改造方案",
        description=GARDEN_TEXT,
        matter="garden",
        closes_at=now + dt.timedelta(days=7),
        open_now=True,
    )
    for name, choice in (("resident", "yes"), ("rep", "yes"), ("neighbor", "no")):
        services.ballot_cast(user=voters[name], ballot_id=garden.pk, choice=[choice])
    services.ballot_close(
        actor=staff, ballot_id=garden.pk, reason="业主大会定于本周末召开，提前结束以便公示结果。"
    )
    objection = services.objection_file(
        user=voters["neighbor"], ballot_id=garden.pk, text="花园离我家窗户太近，担心夏天蚊虫多。"
    )
    services.objection_answer(
        actor=staff,
        objection_id=objection.pk,
        answer="花池会种驱蚊的香草，并定期清理积水；靠近住户的一侧只种低矮植物。",
    )
