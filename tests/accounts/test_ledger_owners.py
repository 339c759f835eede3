"""The owners' register in the ledger: staff record and change a unit's registered owner.

One person owning several units of the neighborhood is one Owner (owners' votes count them
once by head with all their area); history rows hold the owner masked; the household page
and the API show them masked, and only ledger editors may change them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import idcard, identity, permissions
from accounts.ledger import owners, selectors
from accounts.models import Household, LedgerChange, LedgerEntity, Owner, Ownership
from accounts.permissions import Perm
from core.errors import DomainError, Forbidden, Invalid, NotFound
from tests import factories
from tests.accounts.conftest import ROLES, Cast
from voting.models import Ballot, Elector

_serial = itertools.count(500)


def new_id(birth: dt.date = dt.date(1965, 4, 2)) -> str:
    return idcard.make("310115", birth, next(_serial))


def wrong_check(number: str) -> str:
    """The number with another check character: 18 characters that are no ID number."""
    return number[:-1] + ("0" if number[-1] != "0" else "1")


BAD_ID = wrong_check(idcard.make("310115", dt.date(1965, 4, 2), 7))


@dataclass
class Place:
    neighborhood: Any
    clerk: Any
    flat: Household  # owner-occupied: 王建国 lives here
    rented: Household  # a tenant lives here; the landlord lives elsewhere
    third: Household
    wang: Any  # the resident 王建国


@pytest.fixture
def place(db: None) -> Place:
    here = factories.neighborhood("昌里第五")
    flat = factories.household(here)
    rented = factories.household(here, tenure="tenant")
    third = factories.household(here)
    wang = factories.person(flat, "王建国", phone="13812345678")
    factories.person(rented, "刘租客")
    return Place(here, factories.staff(here, "clerk"), flat, rented, third, wang)


def history_rows(house: Household) -> list[LedgerChange]:
    return list(
        LedgerChange.objects.filter(entity=LedgerEntity.OWNERSHIP, entity_id=house.pk).order_by(
            "pk"
        )
    )


def all_history_text() -> str:
    return repr(list(LedgerChange.objects.values_list("before", "after")))


def code_of(call: Any) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


# Services ----------------------------------------------------------------------------------


def test_a_new_owner_by_name_and_id_number(place):
    # given a rented flat with no owner recorded, and the landlord's ID number
    number = new_id()
    # when the clerk records the landlord, who lives elsewhere
    held = owners.ownership_set(
        actor=place.clerk,
        household_id=place.rented.pk,
        real_name=" 陈房东 ",
        id_number=number.lower(),  # a lower-case x is the same number
        phone="139 0000 1111",
    )
    # then one Owner holds the flat, its number kept as the ledger keeps numbers
    owner = held.owner
    assert (owner.neighborhood_id, owner.real_name, owner.phone) == (
        place.neighborhood.pk,
        "陈房东",
        "13900001111",
    )
    assert identity.decrypt_id_number(owner.id_number_encrypted) == number
    assert owner.id_number_hash == identity.hash_id_number(number)
    assert owner.id_number_masked == identity.mask_id_number(number)
    # and the history row names the owner masked: name, number and phone
    (row,) = history_rows(place.rented)
    assert (row.action, row.actor_id, row.neighborhood_id) == (
        "create",
        place.clerk.pk,
        place.neighborhood.pk,
    )
    assert row.before == {}
    assert row.after == {
        "owner": "陈**",
        "id_number": identity.mask_id_number(number),
        "phone": "139****1111",
    }
    assert number not in all_history_text() and "陈房东" not in all_history_text()


def test_the_same_person_owning_a_second_unit_is_the_same_owner(place):
    number = new_id()
    first = owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="陈房东", id_number=number
    )
    # when the same landlord is entered for another flat (with a phone this time)
    second = owners.ownership_set(
        actor=place.clerk,
        household_id=place.third.pk,
        real_name="陈房东",
        id_number=number,
        phone="13900001111",
    )
    # then it is one Owner with two units, and their phone is the one given
    assert second.owner_id == first.owner_id
    assert Owner.objects.count() == 1
    assert Ownership.objects.filter(owner_id=first.owner_id).count() == 2
    assert Owner.objects.get().phone == "13900001111"
    shown = selectors.household_owner(user=place.clerk, household_id=place.rented.pk)
    assert shown is not None and (shown.units, shown.other_units) == (2, 1)


def test_the_same_person_in_another_neighborhood_is_another_owner(place):
    number = new_id()
    elsewhere = factories.household(factories.neighborhood("云台第一"))
    owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="陈房东", id_number=number
    )
    owners.ownership_set(
        actor=factories.staff(elsewhere.building.neighborhood),
        household_id=elsewhere.pk,
        real_name="陈房东",
        id_number=number,
    )
    assert Owner.objects.count() == 2  # owners are counted per estate


def test_a_name_that_is_not_the_owners_is_refused(place):
    number = new_id()
    owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="陈房东", id_number=number
    )
    before = all_history_text()
    # when another unit is given the same number under another name
    with pytest.raises(Invalid) as caught:
        owners.ownership_set(
            actor=place.clerk, household_id=place.third.pk, real_name="陈方东", id_number=number
        )
    # then nothing is written, and the message does not repeat the number
    assert caught.value.code == "owner_name_mismatch"
    assert number not in caught.value.render()
    assert not Ownership.objects.filter(household=place.third).exists()
    assert all_history_text() == before


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "31011519650402123",  # 17 characters
        BAD_ID,  # a wrong check character
        "31011519650402¹²³X",  # superscript digits
        None,
        310115196504021234,
        "310115196504\x00021234",
    ],
)
def test_a_malformed_id_number_is_refused(place, bad):
    code = code_of(
        lambda: owners.ownership_set(
            actor=place.clerk, household_id=place.rented.pk, real_name="陈房东", id_number=bad
        )
    )
    assert code == "malformed_id"
    assert not Owner.objects.exists() and not history_rows(place.rented)


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"real_name": ""}, "invalid_name"),
        ({"real_name": "   "}, "invalid_name"),
        ({"real_name": "陈" * 33}, "invalid_name"),
        ({"real_name": "陈\x00东"}, "control_character"),
        ({"phone": "12345"}, "invalid_phone"),
        ({"phone": "138-0000-111a"}, "invalid_phone"),
    ],
)
def test_names_and_phones_are_checked_like_residents(place, fields, code):
    given = {"real_name": "陈房东", "id_number": new_id(), **fields}
    assert code_of(
        lambda: owners.ownership_set(actor=place.clerk, household_id=place.rented.pk, **given)
    ) == (code)
    assert not Owner.objects.exists()


def test_the_owner_can_be_a_resident_of_the_household(place):
    # when the clerk picks 王建国, who lives in the flat he owns
    held = owners.ownership_set(
        actor=place.clerk, household_id=place.flat.pk, resident_id=place.wang.pk
    )
    # then his name and ID number are copied as stored (no phone unless given)
    owner = held.owner
    assert owner.real_name == "王建国" and owner.phone == ""
    assert owner.id_number_hash == place.wang.id_number_hash
    assert owner.id_number_masked == place.wang.id_number_masked
    assert owner.id_number_encrypted == place.wang.id_number_encrypted
    shown = selectors.household_owner(user=place.clerk, household_id=place.flat.pk)
    assert shown is not None and shown.lives_here and shown.other_units == 0
    assert shown.real_name_masked == "王**" and shown.id_number_masked == owner.id_number_masked
    # and an id given as its digits (a form's value) works the same
    again = owners.ownership_set(
        actor=place.clerk, household_id=place.flat.pk, resident_id=str(place.wang.pk)
    )
    assert again.owner_id == owner.pk and len(history_rows(place.flat)) == 1


def test_a_resident_owning_another_unit_is_that_same_owner(place):
    # given 王建国 already recorded (by name and number) as the owner of the third flat
    number = identity.decrypt_id_number(place.wang.id_number_encrypted)
    owners.ownership_set(
        actor=place.clerk, household_id=place.third.pk, real_name="王建国", id_number=number
    )
    # when he is picked as the owner of the flat he lives in
    held = owners.ownership_set(
        actor=place.clerk, household_id=place.flat.pk, resident_id=place.wang.pk
    )
    # then he is one owner of two units
    assert Owner.objects.count() == 1 and held.owner.ownerships.count() == 2


@pytest.mark.parametrize("bad", ["abc", True, 0, -3, 10**30, "9" * 30, "1.5", [1]])
def test_a_resident_id_that_is_no_resident_of_the_household_is_refused(place, bad):
    assert (
        code_of(
            lambda: owners.ownership_set(
                actor=place.clerk, household_id=place.flat.pk, resident_id=bad
            )
        )
        == "invalid_resident"
    )


def test_a_resident_of_another_household_is_refused(place):
    tenant = place.rented.residents.get()
    assert (
        code_of(
            lambda: owners.ownership_set(
                actor=place.clerk, household_id=place.flat.pk, resident_id=tenant.pk
            )
        )
        == "invalid_resident"
    )


def test_a_resident_and_a_typed_person_at_once_are_refused(place):
    for extra in ({"real_name": "陈房东"}, {"id_number": new_id()}):
        code = code_of(
            lambda extra=extra: owners.ownership_set(
                actor=place.clerk, household_id=place.flat.pk, resident_id=place.wang.pk, **extra
            )
        )
        assert code == "owner_source_conflict"
    assert not Ownership.objects.exists()


def test_a_new_owner_replaces_the_old_one_and_the_old_one_goes(place):
    old_number, new_number = new_id(), new_id(dt.date(1990, 1, 1))
    first = owners.ownership_set(
        actor=place.clerk,
        household_id=place.rented.pk,
        real_name="陈房东",
        id_number=old_number,
        phone="13900001111",
    )
    old_owner_id = first.owner_id
    # when the flat is sold and the new owner entered
    held = owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="周新主", id_number=new_number
    )
    # then the unit has the new owner, and the old one, owning nothing, is gone
    assert held.pk == first.pk and held.owner.real_name == "周新主"
    assert not Owner.objects.filter(pk=old_owner_id).exists()
    # and the history shows both, masked
    _, row = history_rows(place.rented)
    assert row.action == "update"
    assert row.before == {
        "owner": "陈**",
        "id_number": identity.mask_id_number(old_number),
        "phone": "139****1111",
    }
    assert row.after == {
        "owner": "周**",
        "id_number": identity.mask_id_number(new_number),
        "phone": "",  # history keeps a missing phone as an empty one
    }
    text = all_history_text()
    assert old_number not in text and new_number not in text and "13900001111" not in text


def test_an_owner_who_looks_alike_when_masked_is_still_a_change(place):
    owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="王大明", id_number=new_id()
    )
    owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="王小明", id_number=new_id()
    )
    rows = history_rows(place.rented)
    assert len(rows) == 2 and rows[1].before["owner"] == rows[1].after["owner"] == "王**"
    assert Owner.objects.get().real_name == "王小明"


def test_an_old_owner_with_other_units_or_electors_stays(place):
    landlord = new_id()
    for house in (place.rented, place.third):
        owners.ownership_set(
            actor=place.clerk, household_id=house.pk, real_name="陈房东", id_number=landlord
        )
    owner = Owner.objects.get()
    # when one of the landlord's flats gets another owner: he still owns the other
    owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="周新主", id_number=new_id()
    )
    assert Owner.objects.filter(pk=owner.pk).exists()
    # and when the other is cleared too, a ballot's electorate still names him: he stays
    ballot = Ballot.objects.create(
        neighborhood=place.neighborhood,
        title="加装电梯",
        method="yes_no",
        voter_unit="owner",
        scope="neighborhood",
        preset="more_yes",
        rule={},
        closes_at=timezone.now() + dt.timedelta(days=7),
        created_by=place.clerk,
    )
    Elector.objects.create(ballot=ballot, owner=owner, area="72.50", label="陈**")
    owners.ownership_clear(actor=place.clerk, household_id=place.third.pk)
    assert Owner.objects.filter(pk=owner.pk).exists()
    assert not owner.ownerships.exists()


def test_setting_the_same_owner_again_records_nothing_but_a_new_phone(place):
    number = new_id()
    owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="陈房东", id_number=number
    )
    owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="陈房东", id_number=number
    )
    assert len(history_rows(place.rented)) == 1
    owners.ownership_set(
        actor=place.clerk,
        household_id=place.rented.pk,
        real_name="陈房东",
        id_number=number,
        phone="13900002222",
    )
    rows = history_rows(place.rented)
    assert len(rows) == 2
    assert (rows[1].before, rows[1].after) == ({"phone": ""}, {"phone": "139****2222"})
    # an empty phone keeps the one on record
    owners.ownership_set(
        actor=place.clerk,
        household_id=place.rented.pk,
        real_name="陈房东",
        id_number=number,
        phone="",
    )
    assert Owner.objects.get().phone == "13900002222" and len(history_rows(place.rented)) == 2


def test_clearing_the_owner(place):
    number = new_id()
    owners.ownership_set(
        actor=place.clerk,
        household_id=place.rented.pk,
        real_name="陈房东",
        id_number=number,
        phone="13900001111",
    )
    # when the clerk clears it
    owners.ownership_clear(actor=place.clerk, household_id=place.rented.pk)
    # then the unit has no owner, the owner of nothing is gone, and history says so, masked
    assert not Ownership.objects.exists() and not Owner.objects.exists()
    assert selectors.household_owner(user=place.clerk, household_id=place.rented.pk) is None
    _, row = history_rows(place.rented)
    assert row.action == "update"
    assert row.before == {
        "owner": "陈**",
        "id_number": identity.mask_id_number(number),
        "phone": "139****1111",
    }
    assert row.after == {"owner": None, "id_number": None, "phone": ""}
    # and clearing a unit with no owner changes nothing
    owners.ownership_clear(actor=place.clerk, household_id=place.rented.pk)
    assert len(history_rows(place.rented)) == 2
    # the mistyped owner, cleared, can now be entered under the right name
    owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="陈芳东", id_number=number
    )
    assert Owner.objects.get().real_name == "陈芳东"


def test_the_household_history_includes_owner_changes(place):
    owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="陈房东", id_number=new_id()
    )
    detail = selectors.household_detail(
        user=place.clerk, household_id=place.rented.pk, today=timezone.localdate()
    )
    assert [c.entity for c in detail.changes] == ["ownership"]
    labels = [str(label) for label, _before, _after in detail.changes[0].fields]
    assert labels == ["业主", "身份证号"]  # no phone given, none recorded


def test_a_unit_that_does_not_exist(place):
    for call in (
        lambda: owners.ownership_set(
            actor=place.clerk, household_id=10**9, real_name="陈房东", id_number=new_id()
        ),
        lambda: owners.ownership_clear(actor=place.clerk, household_id=10**9),
        lambda: selectors.household_owner(user=place.clerk, household_id=10**9),
    ):
        with pytest.raises(NotFound):
            call()


def test_a_clerk_racing_to_create_the_same_owner_is_given_theirs(place, monkeypatch):
    # given another writer commits the same person between this lookup and this insert
    number = new_id()
    real_find = owners._find
    raced: list[Owner] = []

    def find_then_lose_the_race(nid: int, id_hash: str) -> Owner | None:
        found = real_find(nid, id_hash)
        if found is None and not raced:
            rival = Owner(neighborhood_id=nid, real_name="陈房东")
            rival.set_id_number(number)
            rival.save()
            raced.append(rival)
        return found

    monkeypatch.setattr(owners, "_find", find_then_lose_the_race)
    # when this clerk's insert meets the unique constraint
    held = owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="陈房东", id_number=number
    )
    # then the rival's row is used: one person, one Owner
    assert raced and held.owner_id == raced[0].pk
    assert Owner.objects.count() == 1


# Permissions of the services, for every role of the cast -----------------------------------

SERVICE_EXPECTED = {
    "anonymous": NotFound,
    "unverified": NotFound,
    "resident_here": Forbidden,
    "resident_other": NotFound,
    "moderator_here": Forbidden,
    "staff_here": None,
    "staff_other": NotFound,
    "secretary_here": None,
    "admin_above": Forbidden,
    "admin_elsewhere": NotFound,
}


@pytest.mark.django_db
def test_who_may_set_clear_and_see_an_owner(cast: Cast):
    house = factories.household(cast.here)
    got_set: dict[str, Any] = {}
    got_clear: dict[str, Any] = {}
    got_view: dict[str, Any] = {}
    number = new_id()
    for who in ROLES:
        actor = cast.people[who]
        for got, call in (
            (
                got_set,
                lambda actor=actor: owners.ownership_set(
                    actor=actor, household_id=house.pk, real_name="陈房东", id_number=number
                ),
            ),
            (
                got_view,
                lambda actor=actor: selectors.household_owner(user=actor, household_id=house.pk),
            ),
            (
                got_clear,
                lambda actor=actor: owners.ownership_clear(actor=actor, household_id=house.pk),
            ),
        ):
            try:
                call()
                got[who] = None
            except (NotFound, Forbidden) as exc:
                got[who] = type(exc)
    assert got_set == SERVICE_EXPECTED
    assert got_clear == SERVICE_EXPECTED
    assert got_view == SERVICE_EXPECTED
    # a refused caller never gets as far as the input: bad input still answers not_found
    assert code_of(
        lambda: owners.ownership_set(
            actor=cast.people["staff_other"], household_id=house.pk, id_number="x"
        )
    ) == ("not_found")


@pytest.mark.usefixtures("postgres", "transactional_db")
def test_clerks_entering_one_landlord_for_several_flats_at_once_make_one_owner():
    # given four flats of one landlord and four clerks, one flat each
    place_ = factories.neighborhood()
    flats = [factories.household(place_) for _ in range(4)]
    clerks = [factories.staff(place_) for _ in flats]
    number = new_id()
    start = threading.Barrier(len(flats))
    outcomes: list[str] = ["?"] * len(flats)

    def enter(index: int) -> None:
        try:
            start.wait()
            owners.ownership_set(
                actor=clerks[index],
                household_id=flats[index].pk,
                real_name="陈房东",
                id_number=number,
            )
            outcomes[index] = "ok"
        except Exception as exc:  # any failure, a 500 included, fails the test below
            outcomes[index] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enter, args=(i,)) for i in range(len(flats))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # then all four succeed, and the landlord is one Owner of four flats
    assert outcomes == ["ok"] * len(flats)
    (owner,) = Owner.objects.all()
    assert owner.ownerships.count() == len(flats)


# The household page ------------------------------------------------------------------------


def html(response: Any) -> str:
    text = response.content.decode()
    assert 'style="' not in text and "<script>" not in text  # strict CSP
    return text


@pytest.fixture
def browser(place) -> Client:
    client = Client()
    client.force_login(place.clerk)
    return client


def page_url(place: Place, house: Household) -> str:
    return reverse("ledger_household", args=[place.neighborhood.pk, house.pk])


def set_url(place: Place, house: Household) -> str:
    return reverse("ledger_owner_set", args=[place.neighborhood.pk, house.pk])


def clear_url(place: Place, house: Household) -> str:
    return reverse("ledger_owner_clear", args=[place.neighborhood.pk, house.pk])


def test_the_page_shows_an_owner_masked_with_their_other_units(place, browser):
    number = new_id()
    for house in (place.rented, place.third, place.flat):
        owners.ownership_set(
            actor=place.clerk,
            household_id=house.pk,
            real_name="陈房东",
            id_number=number,
            phone="13900001111",
        )
    response = browser.get(page_url(place, place.rented))
    text = html(response)
    assert response.status_code == 200
    assert "业主" in text and "登记业主" in text
    assert "陈**" in text and identity.mask_id_number(number) in text
    assert "139****1111" in text and "13900001111" not in text
    assert "另有 2 套" in text
    assert number not in text and "陈房东" not in text
    # the forms and the clear button, for an editor
    assert text.count(f'action="{set_url(place, place.rented)}"') == 2
    assert f'action="{clear_url(place, place.rented)}"' in text
    assert 'value="' + str(place.rented.residents.get().pk) + '"' in text  # the tenant to pick
    # and the history shows the owner masked
    assert "陈**" in text.split("<h2>修改记录</h2>")[1]


def test_a_unit_without_an_owner_and_an_owner_who_lives_here(place, browser):
    text = html(browser.get(page_url(place, place.flat)))
    assert "这套房屋尚未登记业主。" in text
    assert clear_url(place, place.flat) not in text
    owners.ownership_set(actor=place.clerk, household_id=place.flat.pk, resident_id=place.wang.pk)
    text = html(browser.get(page_url(place, place.flat)))
    assert "王**" in text and "住在本户" in text and "另有" not in text


def test_the_forms_set_and_clear_the_owner(place, browser):
    number = new_id()
    # by name and number
    response = browser.post(
        set_url(place, place.rented),
        {"real_name": "陈房东", "id_number": number, "phone": "13900001111"},
    )
    assert response.status_code == 302 and response["Location"] == page_url(place, place.rented)
    assert Ownership.objects.get(household=place.rented).owner.real_name == "陈房东"
    # by choosing the resident
    response = browser.post(set_url(place, place.flat), {"resident": str(place.wang.pk)})
    assert response.status_code == 302
    assert Ownership.objects.get(household=place.flat).owner.id_number_hash == (
        place.wang.id_number_hash
    )
    # and cleared
    response = browser.post(clear_url(place, place.rented))
    assert response.status_code == 302
    assert not Ownership.objects.filter(household=place.rented).exists()
    followed = html(browser.get(page_url(place, place.rented)))
    assert "这套房屋现已没有登记业主。" in followed


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"real_name": "陈房东", "id_number": BAD_ID}, "身份证号无效"),
        ({"real_name": "", "id_number": "x"}, "请填写真实姓名"),
        ({"real_name": "陈房东", "id_number": "valid", "phone": "12345"}, "电话号码格式不对"),
        ({"resident": "999999999"}, "请选择这户的一位居民。"),
        ({"resident": "abc"}, "请选择这户的一位居民。"),
    ],
)
def test_a_form_error_comes_back_with_a_400_and_the_message(place, browser, post, message):
    if post.get("id_number") == "valid":
        post = {**post, "id_number": new_id()}
    response = browser.post(set_url(place, place.rented), post)
    text = html(response)
    assert response.status_code == 400
    assert 'role="alert"' in text and message in text
    if len(post.get("id_number", "")) == 18:
        assert post["id_number"] not in text  # the typed number is not sent back
    if post.get("real_name"):
        assert f'value="{post["real_name"]}"' in text  # the name is
    assert not Ownership.objects.filter(household=place.rented).exists()


def test_a_name_mismatch_on_the_page(place, browser):
    number = new_id()
    owners.ownership_set(
        actor=place.clerk, household_id=place.third.pk, real_name="陈房东", id_number=number
    )
    response = browser.post(
        set_url(place, place.rented), {"real_name": "陈方东", "id_number": number}
    )
    text = html(response)
    assert response.status_code == 400
    assert "另一姓名的业主" in text and number not in text


def test_who_sees_the_owner_section_and_who_may_post(place, monkeypatch):
    owners.ownership_set(
        actor=place.clerk, household_id=place.rented.pk, real_name="陈房东", id_number=new_id()
    )
    url, post_url, clear = (
        page_url(place, place.rented),
        set_url(place, place.rented),
        clear_url(place, place.rented),
    )
    body = {"real_name": "周新主", "id_number": new_id()}
    # anonymous: to the login page
    for response in (Client().get(url), Client().post(post_url, body), Client().post(clear)):
        assert response.status_code == 302 and "login" in response["Location"]
    for who, status in (
        (factories.staff(place.neighborhood, role="moderator"), 403),
        (factories.resident(place.neighborhood), 403),
        (factories.staff(factories.neighborhood()), 404),
        (factories.user(), 404),
        (factories.staff(place.neighborhood, role="secretary"), 200),
    ):
        client = Client()
        client.force_login(who)
        assert client.get(url).status_code == status
        if status != 200:
            assert client.post(post_url, body).status_code == status
            assert client.post(clear).status_code == status
    assert Ownership.objects.get(household=place.rented).owner.real_name == "陈房东"
    # someone who may view the ledger but not edit it sees the owner masked, and no forms
    monkeypatch.setitem(permissions.NEIGHBORHOOD_ROLES, "moderator", frozenset({Perm.LEDGER_VIEW}))
    viewer = factories.staff(place.neighborhood, role="moderator")
    client = Client()
    client.force_login(viewer)
    text = html(client.get(url))
    assert "陈**" in text and "陈房东" not in text
    assert post_url not in text and clear not in text
    assert client.post(post_url, body).status_code == 403
    assert client.post(clear).status_code == 403


def test_a_household_under_another_neighborhoods_url_is_not_found(place, browser):
    other = factories.neighborhood()
    factories.staff(other)
    wrong = reverse("ledger_owner_set", args=[other.pk, place.rented.pk])
    assert browser.post(wrong, {"real_name": "陈房东", "id_number": new_id()}).status_code == 404
    wrong_page = reverse("ledger_owner_set", args=[place.neighborhood.pk, 10**9])
    assert browser.post(wrong_page, {"real_name": "陈房东"}).status_code == 404
    assert browser.get(set_url(place, place.rented)).status_code == 405
    assert not Ownership.objects.exists()


# The API -----------------------------------------------------------------------------------

ANON = 403  # DRF: not authenticated (session auth first, so no WWW-Authenticate)
HERE = {
    "anonymous": ANON,
    "unverified": 404,
    "resident_here": 403,
    "resident_other": 404,
    "moderator_here": 403,
    "staff_here": 200,
    "staff_other": 404,
    "secretary_here": 200,
    "admin_above": 403,
    "admin_elsewhere": 404,
}
OTHER = {
    "anonymous": ANON,
    "unverified": 404,
    "resident_here": 404,
    "resident_other": 403,
    "moderator_here": 404,
    "staff_here": 404,
    "staff_other": 200,
    "secretary_here": 404,
    "admin_above": 403,  # the other place is in the admin's subdistrict too
    "admin_elsewhere": 404,
}


def api_url(house: Household) -> str:
    return f"/api/v1/ledger/households/{house.pk}/owner/"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "put", "delete"])
@pytest.mark.parametrize("where", ["here", "other"])
def test_the_api_matrix(cast: Cast, method, where):
    place_ = cast.here if where == "here" else cast.other
    house = factories.household(place_)
    number = new_id()
    factories.owner(house, "陈房东")
    got: dict[str, int] = {}
    for who in ROLES:
        client = cast.client(who)
        if method == "put":
            response = client.put(
                api_url(house), {"real_name": "陈房东", "id_number": number}, format="json"
            )
        else:
            response = getattr(client, method)(api_url(house))
        got[who] = 200 if response.status_code == 204 else response.status_code
        if response.status_code >= 400:
            assert response.json()["code"] in {"not_found", "forbidden", "not_authenticated"}
        text = response.content.decode()
        assert number not in text and "陈房东" not in text
    assert got == (HERE if where == "here" else OTHER)


@pytest.mark.django_db
def test_the_api_reads_sets_and_clears(place):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(place.clerk)
    url = api_url(place.rented)
    assert client.get(url).json() == {"household": place.rented.pk, "owner": None}
    number = new_id()
    response = client.put(
        url, {"real_name": "陈房东", "id_number": number, "phone": "13900001111"}, format="json"
    )
    assert response.status_code == 200
    owner = Owner.objects.get()
    assert response.json() == {
        "household": place.rented.pk,
        "owner": {
            "id": owner.pk,
            "real_name_masked": "陈**",
            "id_number_masked": identity.mask_id_number(number),
            "phone_masked": "139****1111",
            "since": None,
            "units": 1,
            "other_units": 0,
            "lives_here": False,
        },
    }
    assert number not in response.content.decode()
    # a resident of the flat, as a JSON number
    flat = api_url(place.flat)
    answer = client.put(flat, {"resident": place.wang.pk}, format="json").json()
    assert answer["owner"]["real_name_masked"] == "王**" and answer["owner"]["lives_here"]
    # cleared
    assert client.delete(url).status_code == 204
    assert client.get(url).json()["owner"] is None
    assert client.delete(url).status_code == 204  # clearing nothing is fine


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"real_name": "陈房东", "id_number": BAD_ID}, "malformed_id"),
        ({"real_name": "陈房东", "id_number": int(BAD_ID[:17] + "0")}, "malformed_id"),
        ({"real_name": "陈房东"}, "malformed_id"),
        ({"id_number": "VALID"}, "invalid_name"),
        ({"real_name": ["陈房东"], "id_number": "VALID"}, "invalid_name"),
        ({"real_name": "陈房东", "id_number": "VALID", "phone": "12345"}, "invalid_phone"),
        ({"real_name": "陈房东", "id_number": "VALID", "phone": ["13900001111"]}, "invalid_phone"),
        ({"resident": "abc"}, "invalid_resident"),
        ({"resident": [1]}, "invalid_resident"),
        ({"resident": 1.5}, "invalid_resident"),
        ({"resident": 10**30}, "invalid_resident"),
        ({"resident": True}, "invalid_resident"),
        ({"resident": "RESIDENT", "real_name": "陈房东"}, "owner_source_conflict"),
        ({"real_name": "陈方东", "id_number": "TAKEN"}, "owner_name_mismatch"),
        ({}, "invalid_name"),
        ([], "invalid_name"),
        ('"nonsense"', "invalid_name"),
    ],
)
def test_bad_api_input_is_a_400_with_a_code_and_a_message(place, body, code):
    from rest_framework.test import APIClient

    taken = new_id()
    owners.ownership_set(
        actor=place.clerk, household_id=place.third.pk, real_name="陈房东", id_number=taken
    )

    def fill(value: Any) -> Any:
        return {"VALID": new_id(), "TAKEN": taken, "RESIDENT": place.wang.pk}.get(value, value)

    if isinstance(body, dict):
        body = {
            key: fill(value) if isinstance(value, str) else value for key, value in body.items()
        }
    client = APIClient()
    client.force_authenticate(place.clerk)
    if isinstance(body, str):
        response = client.put(api_url(place.flat), body, content_type="application/json")
    else:
        response = client.put(api_url(place.flat), body, format="json")
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["code"] == code and isinstance(answer["message"], str) and answer["message"]
    assert taken not in response.content.decode()
    assert not Ownership.objects.filter(household=place.flat).exists()
