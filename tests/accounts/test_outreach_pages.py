"""Outreach and notification pages through the Django test client (Chinese by default)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.ledger.filters import LedgerFilter
from accounts.models import Notification, Outreach, Segment
from accounts.outreach import delivery, services
from tests import factories
from tests.accounts.outreach_helpers import OLD, YOUNG, house_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return factories.neighborhood("昌里第五")


@pytest.fixture
def staff(place):
    return factories.staff(place, "staff")


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def sent(staff, place, title="免费牛奶"):
    return services.outreach_send(
        actor=staff,
        neighborhood_id=place.pk,
        spec=LedgerFilter(age_min=90),
        title=title,
        body="领取",
    )


def test_the_new_page_prefills_the_selection_from_the_ledger_query_string(place, staff):
    house_with(place, births=(OLD,), accounts=1)
    house_with(place, births=(OLD,), accounts=0)
    house_with(place, births=(YOUNG,), accounts=0)
    page = client_for(staff).get(f"/committee/{place.pk}/outreach/new/?age_min=90&page=2")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-preview="households">2<' in html
    assert 'data-preview="without_account">1<' in html
    assert '<input type="hidden" name="age_min" value="90" data-filter-field>' in html
    assert "发送给这些户" in html and "保存为人群" in html


def test_a_bad_filter_shows_its_message_and_400(place, staff):
    page = client_for(staff).get(f"/committee/{place.pk}/outreach/new/?age_min=abc")
    assert page.status_code == 400
    assert "筛选条件无效" in page.content.decode()


def test_sending_from_the_page_redirects_to_the_live_reach_page(place, staff):
    house_with(place, births=(OLD, OLD), accounts=2)
    house_with(place, births=(OLD,), accounts=0)
    client = client_for(staff)
    fields = {"age_min": "90", "title": "免费牛奶", "body": "请到居委会领取"}
    # the form itself says how many it goes to, from the same filter
    form = client.get(f"/committee/{place.pk}/outreach/new/?age_min=90").content.decode()
    assert '将发送给 <strong data-preview="households">2</strong> 户' in form
    assert '（<strong data-preview="members">2</strong> 位居民）' in form
    # the send button first says to how many, in numbers, and sends nothing
    asked = client.post(f"/committee/{place.pk}/outreach/new/", fields)
    html = asked.content.decode()
    assert asked.status_code == 200 and "将发送给 2 户（2 位居民）" in html
    assert 'name="confirm" value="2"' in html and 'name="age_min" value="90"' in html
    assert 'style="' not in html  # the CSP allows no inline style
    assert not Outreach.objects.exists()
    # a count that no longer holds is refused, shown again with today's numbers
    stale = client.post(f"/committee/{place.pk}/outreach/new/", {**fields, "confirm": "3"})
    assert stale.status_code == 409 and 'data-error-code="stale_confirmation"' in (
        stale.content.decode()
    )
    assert not Outreach.objects.exists()
    answer = client.post(f"/committee/{place.pk}/outreach/new/", {**fields, "confirm": "2"})
    outreach = Outreach.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/committee/{place.pk}/outreach/{outreach.pk}/"
    page = client.get(answer["Location"])
    html = page.content.decode()
    assert f'data-stream="outreach.{outreach.pk}" data-seq="0"' in html
    assert 'data-count="reached">1<' in html
    assert 'data-count="acknowledged">0<' in html
    assert 'data-count="not_reached">1<' in html
    assert "覆盖" in html and "已收到" in html and "未触达" in html
    assert f"/committee/{place.pk}/outreach/{outreach.pk}/door-visits/" in html
    listing = client.get(f"/committee/{place.pk}/outreach/").content.decode()
    assert "免费牛奶" in listing


def test_a_refused_send_keeps_what_was_typed(place, staff):
    house_with(place, births=(YOUNG,), accounts=1)
    answer = client_for(staff).post(
        f"/committee/{place.pk}/outreach/new/",
        {"age_min": "90", "title": "免费牛奶", "body": "正文还在"},
    )
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "没有符合条件的户" in html and "正文还在" in html
    assert not Outreach.objects.exists()


def test_save_a_segment_use_it_and_delete_it(place, staff):
    house_with(place, births=(OLD,), accounts=1)
    client = client_for(staff)
    answer = client.post(
        f"/committee/{place.pk}/outreach/segments/", {"age_min": "90", "segment_name": "90岁以上"}
    )
    segment = Segment.objects.get()
    assert segment.filters == {"age_min": "90"}
    assert answer["Location"] == f"/committee/{place.pk}/outreach/new/?segment={segment.pk}"
    page = client.get(answer["Location"]).content.decode()
    assert f'<input type="hidden" name="segment" value="{segment.pk}">' in page
    client.post(
        f"/committee/{place.pk}/outreach/new/",
        {"segment": segment.pk, "title": "t", "body": "b", "confirm": "1"},
    )
    assert Outreach.objects.get().segment_id == segment.pk
    client.post(f"/committee/{place.pk}/outreach/segments/{segment.pk}/delete/")
    assert not Segment.objects.exists()


def test_the_door_visit_list_is_printable_with_a_blank_tick_column(place, staff):
    house_with(place, births=(OLD,), accounts=1)
    silent, _ = house_with(place, births=(OLD,), accounts=0, phone="13812345678")
    outreach = sent(staff, place)
    page = client_for(staff).get(f"/committee/{place.pk}/outreach/{outreach.pk}/door-visits/")
    html = page.content.decode()
    building, flat = silent.address.split("号楼")
    assert f"<span>{building}号楼</span><wbr><span>{flat}</span>" in html
    assert "138****5678" in html and "13812345678" not in html
    assert "已上门" in html and '<td class="tick"></td>' in html
    assert html.count('<td class="tick">') == 1
    assert "outreach.css" in html


def test_staff_pages_are_404_for_everyone_else(place, staff):
    house_with(place, births=(OLD,), accounts=1)
    outreach = sent(staff, place)
    resident = factories.resident(place)
    other_staff = factories.staff(factories.neighborhood())
    for who in (resident, other_staff):
        client = client_for(who)
        for url in (
            f"/committee/{place.pk}/outreach/",
            f"/committee/{place.pk}/outreach/new/",
            f"/committee/{place.pk}/outreach/{outreach.pk}/",
            f"/committee/{place.pk}/outreach/{outreach.pk}/door-visits/",
        ):
            assert client.get(url).status_code == 404, (who, url)
    # An outreach reached through another place's URL is not found either
    other = factories.neighborhood()
    other_staff = factories.staff(other)
    url = f"/committee/{other.pk}/outreach/{outreach.pk}/"
    assert client_for(other_staff).get(url).status_code == 404
    assert Client().get(f"/committee/{place.pk}/outreach/").status_code == 302  # to log in


def test_the_inbox_shows_notices_newest_first_with_a_big_ack_button(place, staff):
    house, (alice,) = house_with(place, births=(OLD,), accounts=1)
    first = sent(staff, place, title="第一条")
    second = sent(staff, place, title="第二条")
    delivery.deliver(first.pk)
    delivery.deliver(second.pk)
    client = client_for(alice)
    html = client.get("/notifications/").content.decode()
    assert html.index("第二条") < html.index("第一条")
    assert html.count('class="notification unread"') == 2
    assert f'data-stream="user.{alice.pk}"' in html
    assert 'data-action="notification.ack"' in html and ">收到<" in html
    # The page read them; the badge still counts the two notices awaiting 收到
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()
    assert "<span data-badge-count>2</span>" in html
    note = Notification.objects.get(user=alice, outreach=second)
    answer = client.post(f"/notifications/{note.pk}/ack/")
    assert answer.status_code == 302 and answer["Location"] == f"/notifications/#n{note.pk}"
    note.refresh_from_db()
    assert note.acknowledged_at is not None
    html = client.get("/notifications/").content.decode()
    assert "已收到" in html and "<span data-badge-count>1</span>" in html


def test_nobody_acknowledges_someone_elses_notification(place, staff):
    house, (alice, bob) = house_with(place, births=(OLD, OLD), accounts=2)
    sent(staff, place)
    note = Notification.objects.get(user=alice)
    assert client_for(bob).post(f"/notifications/{note.pk}/ack/").status_code == 404
    note.refresh_from_db()
    assert note.acknowledged_at is None
    assert (
        "免费牛奶"
        not in client_for(factories.resident(place)).get("/notifications/").content.decode()
    )


def test_the_header_badge_is_on_every_page_for_logged_in_users(place, staff):
    house, (alice,) = house_with(place, births=(OLD,), accounts=1)
    delivery.deliver(sent(staff, place).pk)  # the badge counts what is live
    html = client_for(alice).get("/").content.decode()
    assert f'data-user-stream="user.{alice.pk}" data-seq="1"' in html
    assert "<span data-badge-count>1</span>" in html
    quiet = client_for(factories.user()).get("/").content.decode()
    assert "<span data-badge-count hidden>0</span>" in quiet
    assert "data-badge-count" not in Client().get("/login/").content.decode()
