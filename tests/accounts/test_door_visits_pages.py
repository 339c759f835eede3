"""The door-visit pages through the Django test client (Chinese by default)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts.ledger.filters import LedgerFilter
from accounts.models import DataAccess, DoorVisit
from accounts.outreach import services, visits
from tests import factories
from tests.accounts.outreach_helpers import OLD, house_with

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


@pytest.fixture
def place():
    return factories.neighborhood("昌里第五")


@pytest.fixture
def staff(place):
    return factories.staff(place, "staff")


@pytest.fixture
def scene(place, staff):
    house_with(place, births=(OLD,), accounts=1)
    silent, _ = house_with(place, births=(OLD,), phone=PHONE)
    other, _ = house_with(place, births=(OLD,))
    outreach = services.outreach_send(
        actor=staff, neighborhood_id=place.pk, spec=LedgerFilter(age_min=90), title="牛奶", body="b"
    )
    return outreach, silent, other


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def url(place, outreach, tail=""):
    return f"/committee/{place.pk}/outreach/{outreach.pk}/door-visits/{tail}"


def test_staff_see_a_card_and_a_form_per_household_and_a_table_to_print(scene, place, staff):
    outreach, silent, other = scene
    html = client_for(staff).get(url(place, outreach)).content.decode()
    assert html.count('<li class="visit-card') == 2
    assert html.count("data-visit-form") == 2
    for label in ("已告知", "不在家", "拒绝", "已搬离", "其他", "走访日期", "备注", "回访日期"):
        assert label in html
    assert f'action="{url(place, outreach, f"{silent.pk}/")}"' in html
    assert "分配走访人" in html and 'name="visitor"' in html
    # Staff who are not assigned see the phones masked and are not offered the reveal
    assert "138****5678" in html and PHONE not in html
    assert "显示电话" not in html
    # On paper: a table with a wide 已上门 and an outcome column
    assert '<table class="door-visits print-only">' in html
    assert html.count('<td class="tick"></td>') == 2 and "结果与备注" in html
    assert "door-visits.css" in html


def test_the_assigned_visitor_reveals_their_phones_as_tel_links(scene, place, staff):
    outreach, silent, other = scene
    visitor = factories.staff(place, "visitor", role="moderator")
    visits.door_visit_assign(
        actor=staff, outreach_id=outreach.pk, visitor_id=visitor.pk, household_ids=[silent.pk]
    )
    client = client_for(visitor)
    html = client.get(url(place, outreach)).content.decode()
    assert html.count('<li class="visit-card') == 1  # only their own household
    assert "显示电话" in html and "138****5678" in html and PHONE not in html
    assert "分配走访人" not in html
    answer = client.post(url(place, outreach, "reveal/"))
    assert answer.status_code == 302
    assert DataAccess.objects.get().detail == {
        "outreach": outreach.pk,
        "households": 1,
        "phones": 1,
    }
    html = client.get(url(place, outreach)).content.decode()
    assert f'<a class="tel" href="tel:{PHONE}">{PHONE}</a>' in html
    assert "显示电话" not in html and "data-phones-shown" in html
    assert f'<span class="phone">{PHONE}</span>' in html  # on paper too
    # Reloading the list does not log again
    assert DataAccess.objects.count() == 1


def test_recording_a_visit_returns_to_the_household(scene, place, staff):
    outreach, silent, _other = scene
    answer = client_for(staff).post(
        url(place, outreach, f"{silent.pk}/"),
        {
            "visited_on": timezone.localdate().isoformat(),
            "outcome": "not_home",
            "note": "下午再来",
            "follow_up": "1",
        },
    )
    assert answer.status_code == 302
    assert answer["Location"] == url(place, outreach) + f"#h{silent.pk}"
    visit = DoorVisit.objects.get()
    assert (visit.outcome, visit.note, visit.follow_up) == ("not_home", "下午再来", True)
    html = client_for(staff).get(url(place, outreach)).content.decode()
    assert 'data-outcome="not_home">不在家<' in html and "下午再来" in html


def test_a_refused_visit_keeps_what_was_typed_and_says_why(scene, place, staff):
    outreach, silent, _other = scene
    answer = client_for(staff).post(
        url(place, outreach, f"{silent.pk}/"),
        {"visited_on": "2000-01-01", "outcome": "informed", "note": "写好的备注"},
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "走访日期须在通知发出之日与今天之间" in html and "写好的备注" in html
    assert not DoorVisit.objects.exists()


def test_a_household_off_the_list_is_refused_and_nothing_written(scene, place, staff):
    outreach, *_ = scene
    elsewhere = factories.household(place)
    answer = client_for(staff).post(
        url(place, outreach, f"{elsewhere.pk}/"),
        {"visited_on": timezone.localdate().isoformat(), "outcome": "informed"},
    )
    assert answer.status_code == 400 and "不在本次通知的名单上" in answer.content.decode()
    assert not DoorVisit.objects.exists()


def test_the_pages_do_not_exist_for_anyone_else(scene, place):
    outreach, silent, _other = scene
    for who in (
        factories.resident(place, "res"),
        factories.staff(place, "mod", role="moderator"),  # a role here, nothing assigned
        factories.staff(factories.neighborhood(), "far"),
    ):
        client = client_for(who)
        assert client.get(url(place, outreach)).status_code == 404
        assert client.post(url(place, outreach, "reveal/")).status_code == 404
        assert client.post(url(place, outreach, "assign/"), {"visitor": ""}).status_code == 404
        answer = client.post(url(place, outreach, f"{silent.pk}/"), {"outcome": "informed"})
        assert answer.status_code == 404
    assert not DoorVisit.objects.exists() and not DataAccess.objects.exists()


def test_staff_assign_from_the_page(scene, place, staff):
    outreach, silent, other = scene
    visitor = factories.staff(place, "visitor", role="moderator")
    answer = client_for(staff).post(
        url(place, outreach, "assign/"), {"visitor": str(visitor.pk), "building": ""}
    )
    assert answer.status_code == 302
    html = client_for(visitor).get(url(place, outreach)).content.decode()
    assert html.count('<li class="visit-card') == 2
    bad = client_for(staff).post(url(place, outreach, "assign/"), {"visitor": "999999"})
    assert bad.status_code == 400 and "请从本社区有职务的人员中选择走访人" in bad.content.decode()


def test_the_assigned_visitor_finds_the_list_on_the_me_page(scene, place, staff):
    outreach, silent, _other = scene
    visitor = factories.staff(place, "visitor", role="moderator")
    client = client_for(visitor)
    assert "上门走访 · 牛奶" not in client.get("/me/").content.decode()
    visits.door_visit_assign(
        actor=staff, outreach_id=outreach.pk, visitor_id=visitor.pk, household_ids=[silent.pk]
    )
    html = client.get("/me/").content.decode()
    assert "上门走访 · 牛奶（1 户）" in html and f'href="{url(place, outreach)}"' in html
    # Without a role here any more, the entry goes with the list
    visitor.role_grants.all().delete()
    assert "上门走访 · 牛奶" not in client.get("/me/").content.decode()


def test_the_list_costs_the_same_queries_however_many_visits_and_visitors(scene, place, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    outreach, silent, other = scene
    client = client_for(staff)
    client.get(url(place, outreach))  # warm the session and caches

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(place, outreach)).status_code == 200
        return len(queries)

    few = cost()
    for house in (silent, other):
        for outcome in ("not_home", "informed"):
            visits.door_visit_record(
                actor=staff,
                outreach_id=outreach.pk,
                household_id=house.pk,
                visited_on=timezone.localdate().isoformat(),
                outcome=outcome,
            )
    visits.door_visit_assign(actor=staff, outreach_id=outreach.pk, visitor_id=staff.pk)
    assert cost() == few
