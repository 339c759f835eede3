"""The ballot API's shapes and error codes: every bad input is a 400 with a stable code (or a
404 for what the viewer may not see), never a 500, and writes nothing."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts.models import User
from tests import factories
from tests.voting.scene import neighbors_enough_for_secret
from voting import services
from voting.models import (
    Ballot,
    Elector,
    Objection,
    PaperBallot,
    Participation,
    Proxy,
    SecretVote,
    Vote,
)

pytestmark = pytest.mark.django_db

HUGE = 10**30
OMIT = object()  # a field left out of the body


def make_ballot(
    staff: User,
    place: Any,
    *,
    open_now: bool = True,
    secret: bool = False,
    voter_unit: str = "person",
    **extra: Any,
) -> Ballot:
    """A yes/no ballot of the whole neighborhood, closing in three days."""
    fields: dict[str, Any] = {
        "title": "是否加装电梯",
        "method": "yes_no",
        "voter_unit": voter_unit,
        "scope": "neighborhood",
        "secret": secret,
        "closes_at": timezone.now() + dt.timedelta(days=3),
        **extra,
    }
    return services.ballot_create(
        actor=staff, neighborhood_id=place.pk, open_now=open_now, **fields
    )


def photo(kind: str = "PNG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format=kind)
    return SimpleUploadedFile("form.png", out.getvalue(), content_type="image/png")


def client_for(user: User) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def written() -> tuple[int, ...]:
    """Counts of every row an API write could leave behind."""
    return (
        Ballot.objects.count(),
        Participation.objects.count(),
        Vote.objects.count(),
        SecretVote.objects.count(),
        Proxy.objects.filter(revoked_at__isnull=True).count(),
        PaperBallot.objects.count(),
        Objection.objects.count(),
    )


@dataclass
class Scene:
    place: Any
    staff: User
    clerk: User  # a second staff member, for the paper check
    alice: User  # verified adult residents
    bob: User
    outsider: User  # a resident of another neighborhood

    def api(self, who: User) -> APIClient:
        return client_for(who)


@pytest.fixture
def scene(settings, tmp_path) -> Scene:
    settings.MEDIA_ROOT = tmp_path
    place = factories.neighborhood("昌里第五")
    return Scene(
        place=place,
        staff=factories.staff(place, "staff"),
        clerk=factories.staff(place, "clerk"),
        alice=factories.resident(place, "alice", name="王小明"),
        bob=factories.resident(place, "bob", name="李阿姨"),
        outsider=factories.resident(factories.neighborhood("云台第一"), "outsider"),
    )


def elector_of(ballot: Ballot, user: User) -> Elector:
    return Elector.objects.get(ballot=ballot, user=user)


# Creating, opening, listing, closing ---------------------------------------------------


def test_staff_create_open_list_and_close_a_ballot(scene: Scene) -> None:
    api = scene.api(scene.staff)
    closes = (timezone.now() + dt.timedelta(days=2)).isoformat()
    made = api.post(
        f"/api/v1/neighborhoods/{scene.place.pk}/ballots/",
        {
            "title": "小区花园怎么种",
            "method": "single",
            "options": ["月季", "蔬菜"],
            "voter_unit": "person",
            "scope": "neighborhood",
            "preset": "plurality",
            "closes_at": closes,
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "draft" and body["title"] == "小区花园怎么种"
    assert [o["label"] for o in body["options"]] == ["月季", "蔬菜"]
    assert body["stream"] == f"ballot.{body['id']}" and body["seq"] == 0
    # Residents do not see a draft
    assert scene.api(scene.alice).get(f"/api/v1/ballots/{body['id']}/").status_code == 404
    opened = api.post(f"/api/v1/ballots/{body['id']}/open/")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    assert opened.json()["electorate"]["heads"] == 2  # alice and bob
    listing = scene.api(scene.alice).get(f"/api/v1/neighborhoods/{scene.place.pk}/ballots/")
    assert [(b["id"], b["status"]) for b in listing.json()] == [(body["id"], "open")]
    detail = scene.api(scene.alice).get(f"/api/v1/ballots/{body['id']}/").json()
    assert [slot["own"] for slot in detail["slots"]] == [True]
    # Three days before its time: not without a reason, and nothing is closed
    early = api.post(f"/api/v1/ballots/{body['id']}/close/")
    assert early.status_code == 400 and early.json()["code"] == "reason_required"
    closed = api.post(f"/api/v1/ballots/{body['id']}/close/", {"reason": "会议提前"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["result"]["outcome"]["passed"] is False  # nobody voted
    again = api.post(f"/api/v1/ballots/{body['id']}/close/")
    assert again.status_code == 400 and again.json()["code"] == "ballot_closed"


def test_a_ballot_opened_at_once_and_a_building_of_units(scene: Scene) -> None:
    house = factories.household(scene.place)
    factories.verified(house, "张三")
    answer = scene.api(scene.staff).post(
        f"/api/v1/neighborhoods/{scene.place.pk}/ballots/",
        {
            "title": "楼道灯",
            "voter_unit": "household",
            "scope": "units",
            "units": [house.pk],
            "closes_at": (timezone.now() + dt.timedelta(hours=5)).isoformat(),
            "open_now": True,
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "open" and answer.json()["electorate"]["heads"] == 1
    assert Ballot.objects.get().unit_ids == [house.pk]


def _future() -> str:
    return (timezone.now() + dt.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"closes_at": "now"}, "invalid"),
        ({"closes_at": "2024-13-45T99:00"}, "invalid"),
        ({"closes_at": 12345}, "invalid"),
        ({"closes_at": OMIT}, "invalid_closes_at"),
        ({"closes_at": "2001-01-01T00:00:00+08:00"}, "invalid_closes_at"),
        ({"title": ""}, "title_required"),
        ({"title": "   "}, "title_required"),
        ({"title": "t" * 121}, "too_long"),
        ({"title": "a\x00b"}, "control_character"),
        ({"title": ["x"]}, "invalid"),
        ({"method": "nonsense"}, "invalid_method"),
        ({"voter_unit": "dog"}, "invalid_voter_unit"),
        ({"scope": "planet"}, "invalid_scope"),
        ({"visibility": "never"}, "invalid_visibility"),
        ({"matter": "moon"}, "invalid_matter"),
        ({"method": "single", "options": "月季,蔬菜"}, "invalid"),
        ({"method": "single", "options": ["只有一个"]}, "invalid_options"),
        ({"method": "single", "options": ["同", "同"]}, "invalid_options"),
        ({"method": "single", "options": [{"a": 1}, "b"]}, "invalid"),
        ({"method": "multiple", "options": ["a", "b"], "max_choices": 5}, "invalid_choices"),
        ({"method": "multiple", "options": ["a", "b"], "min_choices": "x"}, "invalid"),
        ({"scope": "building"}, "invalid_scope"),
        ({"scope": "building", "building": HUGE}, "invalid"),
        ({"scope": "building", "building": "abc"}, "invalid"),
        ({"scope": "building", "building": 999999}, "invalid_scope"),
        ({"scope": "units", "units": []}, "invalid_scope"),
        ({"scope": "units", "units": ["x"]}, "invalid"),
        ({"scope": "units", "units": 7}, "invalid"),
        ({"preset": "nope"}, "invalid_rule"),
        ({"preset": "custom"}, "invalid_rule"),
        ({"preset": "custom", "rule": "x"}, "invalid_rule"),
        ({"preset": "custom", "rule": {"approval": {"num": 5, "den": 2}}}, "invalid_rule"),
        ({"preset": "art278_ordinary", "voter_unit": "person"}, "invalid_rule"),
        ({"secret": "maybe"}, "invalid"),
        ({"min_age": HUGE}, "invalid_min_age"),
        ({"min_age": -1}, "invalid_min_age"),
        ({"proxy_limit": HUGE}, "invalid_proxy_limit"),
        ({"notice_days": -1}, "invalid_notice_days"),
        ({"notice_days": 1.5}, "invalid"),
        ({"open_now": "sure"}, "invalid"),
    ],
)
def test_create_errors_have_stable_codes_and_write_nothing(
    scene: Scene, body: dict[str, Any], code: str
) -> None:
    full = {"title": "加装电梯", "closes_at": _future(), **body}
    full = {key: value for key, value in full.items() if value is not OMIT}
    answer = scene.api(scene.staff).post(
        f"/api/v1/neighborhoods/{scene.place.pk}/ballots/", full, format="json"
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == code
    assert answer.json()["message"]
    assert not Ballot.objects.exists()


def test_create_refuses_a_body_that_is_not_an_object(scene: Scene) -> None:
    for raw in ("[1, 2]", '"text"', "{bad json"):
        answer = scene.api(scene.staff).post(
            f"/api/v1/neighborhoods/{scene.place.pk}/ballots/",
            raw,
            content_type="application/json",
        )
        assert answer.status_code == 400 and answer.json()["code"] in {"invalid", "parse_error"}
    assert not Ballot.objects.exists()


def test_an_outsider_learns_nothing_from_a_malformed_body(scene: Scene) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    outsider = scene.api(scene.outsider)
    for url, body in (
        (f"/api/v1/neighborhoods/{scene.place.pk}/ballots/", {"closes_at": "x"}),
        (f"/api/v1/ballots/{ballot.pk}/votes/", {"choice": "x"}),
        (f"/api/v1/ballots/{ballot.pk}/proxies/", {"delegate": "x"}),
        (f"/api/v1/ballots/{ballot.pk}/paper/", {"elector": "x"}),
        (f"/api/v1/ballots/{ballot.pk}/objections/", {"text": 5}),
    ):
        answer = outsider.post(url, body, format="json")
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", url


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", f"/api/v1/ballots/{HUGE}/"),
        ("get", f"/api/v1/neighborhoods/{HUGE}/ballots/"),
        ("get", f"/api/v1/ballots/{HUGE}/record.csv"),
        ("get", "/api/v1/ballots/999999/"),
        ("get", "/api/v1/ballots/999999/record/"),
        ("get", "/api/v1/ballots/999999/record.csv"),
        ("get", "/api/v1/ballots/999999/receipts/"),
        ("get", "/api/v1/ballots/999999/objections/"),
        ("get", "/api/v1/neighborhoods/999999/ballots/"),
        ("post", f"/api/v1/ballots/{2**63}/votes/"),
        ("post", "/api/v1/ballots/999999/votes/"),
        ("post", "/api/v1/ballots/999999/open/"),
        ("post", "/api/v1/ballots/999999/close/"),
        ("post", "/api/v1/ballots/999999/paper/"),
        ("post", f"/api/v1/paper/{HUGE}/confirm/"),
        ("post", "/api/v1/paper/999999/confirm/"),
        ("post", "/api/v1/paper/999999/reject/"),
        ("post", "/api/v1/objections/999999/answer/"),
        ("delete", f"/api/v1/proxies/{HUGE}/"),
        ("delete", "/api/v1/proxies/999999/"),
    ],
)
def test_unknown_and_huge_ids_are_404(scene: Scene, method: str, url: str) -> None:
    answer = getattr(scene.api(scene.staff), method)(url)
    assert answer.status_code == 404
    if answer["Content-Type"].startswith("application/json"):  # a URL that matched a view
        assert answer.json()["code"] == "not_found"


# Casting -------------------------------------------------------------------------------


def test_an_open_ballot_vote_can_be_changed_until_close(scene: Scene) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    api = scene.api(scene.alice)
    first = api.post(f"/api/v1/ballots/{ballot.pk}/votes/", {"choice": ["yes"]}, format="json")
    assert first.status_code == 200, first.content
    mine = elector_of(ballot, scene.alice)
    assert first.json() == {
        "ballot": ballot.pk,
        "elector": mine.pk,
        "receipt": None,
        "changed": False,
    }
    second = api.post(
        f"/api/v1/ballots/{ballot.pk}/votes/",
        {"choice": ["no"], "elector": mine.pk},
        format="json",
    )
    assert second.status_code == 200 and second.json()["changed"] is True
    assert Vote.objects.get().choice == ["no"] and Participation.objects.count() == 1
    detail = api.get(f"/api/v1/ballots/{ballot.pk}/").json()
    assert detail["tally"]["options"]["no"]["heads"] == 1
    assert detail["slots"][0]["voted"] is True


def test_a_secret_ballot_answers_a_receipt_once_and_refuses_a_second_vote(scene: Scene) -> None:
    neighbors_enough_for_secret(scene.place)
    ballot = make_ballot(scene.staff, scene.place, secret=True)
    api = scene.api(scene.alice)
    first = api.post(f"/api/v1/ballots/{ballot.pk}/votes/", {"choice": ["yes"]}, format="json")
    receipt = first.json()["receipt"]
    assert first.status_code == 200 and isinstance(receipt, str) and len(receipt) == 11
    second = api.post(f"/api/v1/ballots/{ballot.pk}/votes/", {"choice": ["no"]}, format="json")
    assert second.status_code == 400 and second.json()["code"] == "already_voted"
    assert SecretVote.objects.get().choice == ["yes"]
    # Receipts are published at close, not before
    assert api.get(f"/api/v1/ballots/{ballot.pk}/receipts/").json() == []
    services.ballot_close(actor=scene.staff, ballot_id=ballot.pk, reason="test")
    assert api.get(f"/api/v1/ballots/{ballot.pk}/receipts/").json() == [receipt]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"choice": "yes"}, "invalid_choice"),  # a list, not a bare string
        ({"choice": 5}, "invalid_choice"),
        ({"choice": None}, "invalid_choice"),
        ({"choice": {"yes": 1}}, "invalid_choice"),
        ({"choice": [1]}, "invalid_choice"),
        ({"choice": [["yes"]]}, "invalid_choice"),
        ({"choice": ["maybe"]}, "invalid_choice"),
        ({"choice": ["yes", "no"]}, "invalid_choice"),
        ({"choice": ["yes", "yes"]}, "invalid_choice"),
        ({"choice": []}, "invalid_choice"),
        ({"choice": ["x" * 10_000]}, "invalid_choice"),
        ({"choice": ["yes"] * 1000}, "invalid_choice"),
        ({}, "invalid"),
        ({"choice": ["yes"], "elector": "abc"}, "invalid_elector"),
        ({"choice": ["yes"], "elector": True}, "invalid_elector"),
        ({"choice": ["yes"], "elector": HUGE}, "invalid_elector"),
        ({"choice": ["yes"], "elector": -3}, "invalid_elector"),
        ({"choice": ["yes"], "elector": [1]}, "invalid_elector"),
        ({"choice": ["yes"], "elector": 999999}, "not_eligible"),
    ],
)
def test_cast_errors_have_stable_codes_and_write_nothing(
    scene: Scene, body: dict[str, Any], code: str
) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    before = written()
    answer = scene.api(scene.alice).post(f"/api/v1/ballots/{ballot.pk}/votes/", body, format="json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == code and answer.json()["message"]
    assert written() == before


def test_casting_outside_the_electorate_or_the_time(scene: Scene) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    staff = scene.api(scene.staff)
    # Staff are members, but not electors of a residents' ballot
    answer = staff.post(f"/api/v1/ballots/{ballot.pk}/votes/", {"choice": ["yes"]}, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "not_eligible"
    services.ballot_close(actor=scene.staff, ballot_id=ballot.pk, reason="test")
    late = scene.api(scene.alice).post(
        f"/api/v1/ballots/{ballot.pk}/votes/", {"choice": ["yes"]}, format="json"
    )
    assert late.status_code == 400 and late.json()["code"] == "ballot_closed"
    assert late.json()["message"] == "This ballot is closed."
    assert not Participation.objects.exists()


def test_a_ballot_past_its_time_is_closed_when_read(scene: Scene) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    late = scene.api(scene.alice).post(
        f"/api/v1/ballots/{ballot.pk}/votes/", {"choice": ["yes"]}, format="json"
    )
    assert late.status_code == 400 and late.json()["code"] == "ballot_closed"
    assert Ballot.objects.get(pk=ballot.pk).status == "closed"


def test_a_form_post_sends_the_choice_as_repeated_fields(scene: Scene) -> None:
    ballot = make_ballot(
        scene.staff,
        scene.place,
        method="multiple",
        options=["扩建车位", "绿化", "健身器材"],
        min_choices=1,
        max_choices=2,
    )
    answer = scene.api(scene.alice).post(
        f"/api/v1/ballots/{ballot.pk}/votes/", {"choice": ["1", "3"]}, format="multipart"
    )
    assert answer.status_code == 200, answer.content
    assert Vote.objects.get().choice == ["1", "3"]


def test_chinese_is_the_default_language_of_messages(scene: Scene) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    client = APIClient()
    client.force_authenticate(scene.alice)
    answer = client.post(f"/api/v1/ballots/{ballot.pk}/votes/", {"choice": "yes"}, format="json")
    assert answer.json()["code"] == "invalid_choice"
    assert answer.json()["message"] != "Please send the choice as a list of option keys."


# Proxies -------------------------------------------------------------------------------


def test_a_proxy_is_granted_used_and_cannot_then_be_revoked(scene: Scene) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    granted = scene.api(scene.alice).post(
        f"/api/v1/ballots/{ballot.pk}/proxies/",
        {"delegate": scene.bob.pk, "reason": "出差在外"},
        format="json",
    )
    assert granted.status_code == 201, granted.content
    proxy = granted.json()
    alices = elector_of(ballot, scene.alice)
    assert proxy["delegate"] == scene.bob.pk and proxy["elector"] == alices.pk
    assert proxy["reason"] == "出差在外" and proxy["expires_at"] is None
    # Alice may not vote herself while the proxy stands
    own = scene.api(scene.alice).post(
        f"/api/v1/ballots/{ballot.pk}/votes/", {"choice": ["yes"]}, format="json"
    )
    assert own.status_code == 400 and own.json()["code"] == "delegated"
    # Bob votes for her, naming her elector
    bob = scene.api(scene.bob)
    slots = bob.get(f"/api/v1/ballots/{ballot.pk}/").json()["slots"]
    assert [(s["own"], s["proxy"]) for s in slots] == [(True, None), (False, proxy["id"])]
    cast = bob.post(
        f"/api/v1/ballots/{ballot.pk}/votes/",
        {"choice": ["no"], "elector": alices.pk},
        format="json",
    )
    assert cast.status_code == 200 and cast.json()["elector"] == alices.pk
    revoke = scene.api(scene.alice).delete(f"/api/v1/proxies/{proxy['id']}/")
    assert revoke.status_code == 400 and revoke.json()["code"] == "already_voted"


def test_a_proxy_is_revoked_by_its_delegator_only(scene: Scene) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    proxy = services.proxy_grant(
        user=scene.alice, ballot_id=ballot.pk, delegate_id=scene.bob.pk, reason="住院"
    )
    assert scene.api(scene.bob).delete(f"/api/v1/proxies/{proxy.pk}/").status_code == 403
    assert scene.api(scene.outsider).delete(f"/api/v1/proxies/{proxy.pk}/").status_code == 404
    assert scene.api(scene.alice).delete(f"/api/v1/proxies/{proxy.pk}/").status_code == 204
    again = scene.api(scene.alice).delete(f"/api/v1/proxies/{proxy.pk}/")
    assert again.status_code == 400 and again.json()["code"] == "proxy_invalid"
    assert Proxy.objects.get().revoked_at is not None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid"),
        ({"delegate": "bob", "reason": "r"}, "invalid"),
        ({"delegate": HUGE, "reason": "r"}, "invalid"),
        ({"delegate": True, "reason": "r"}, "invalid"),
        ({"delegate": 999999, "reason": "r"}, "proxy_invalid"),
        ({"delegate": "{self}", "reason": "r"}, "proxy_invalid"),
        ({"delegate": "{outsider}", "reason": "r"}, "proxy_invalid"),
        ({"delegate": "{bob}"}, "reason_required"),
        ({"delegate": "{bob}", "reason": "   "}, "reason_required"),
        ({"delegate": "{bob}", "reason": "r" * 201}, "too_long"),
        ({"delegate": "{bob}", "reason": "r", "expires_at": "tomorrow"}, "invalid"),
        ({"delegate": "{bob}", "reason": "r", "expires_at": "2001-01-01T00:00Z"}, "proxy_invalid"),
    ],
)
def test_proxy_errors_have_stable_codes_and_write_nothing(
    scene: Scene, body: dict[str, Any], code: str
) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    ids = {"{self}": scene.alice.pk, "{bob}": scene.bob.pk, "{outsider}": scene.outsider.pk}
    body = {
        key: ids.get(value, value) if isinstance(value, str) else value
        for key, value in body.items()
    }
    answer = scene.api(scene.alice).post(
        f"/api/v1/ballots/{ballot.pk}/proxies/", body, format="json"
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == code
    assert not Proxy.objects.exists()


def test_a_proxy_chain_is_refused(scene: Scene) -> None:
    carol = factories.resident(scene.place, "carol", name="赵阿婆")
    ballot = make_ballot(scene.staff, scene.place)
    services.proxy_grant(user=scene.bob, ballot_id=ballot.pk, delegate_id=carol.pk, reason="r")
    answer = scene.api(scene.alice).post(
        f"/api/v1/ballots/{ballot.pk}/proxies/",
        {"delegate": scene.bob.pk, "reason": "r"},
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "proxy_invalid"


# Paper ballots -------------------------------------------------------------------------


def test_a_paper_ballot_counts_once_a_second_staff_member_confirms_it(scene: Scene) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    alices = elector_of(ballot, scene.alice)
    entered = scene.api(scene.staff).post(
        f"/api/v1/ballots/{ballot.pk}/paper/",
        {"elector": alices.pk, "choice": ["yes"], "photo": photo()},
        format="multipart",
    )
    assert entered.status_code == 201, entered.content
    paper = entered.json()
    assert paper["status"] == "pending" and paper["choice"] == ["yes"]
    assert paper["entered_by"] == scene.staff.pk and paper["checked_by"] is None
    assert not Participation.objects.exists()  # not counted yet
    same = scene.api(scene.staff).post(f"/api/v1/paper/{paper['id']}/confirm/")
    assert same.status_code == 403 and same.json()["code"] == "paper_same_staff"
    confirmed = scene.api(scene.clerk).post(f"/api/v1/paper/{paper['id']}/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["checked_by"] == scene.clerk.pk
    assert Participation.objects.get().channel == "paper"
    # Alice cannot then vote online
    online = scene.api(scene.alice).post(
        f"/api/v1/ballots/{ballot.pk}/votes/", {"choice": ["no"]}, format="json"
    )
    assert online.status_code == 400 and online.json()["code"] == "already_voted"
    twice = scene.api(scene.clerk).post(f"/api/v1/paper/{paper['id']}/reject/", {"reason": "x"})
    assert twice.status_code == 400 and twice.json()["code"] == "paper_checked"


def test_a_paper_ballot_is_rejected_with_a_reason(scene: Scene) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    paper = services.paper_enter(
        actor=scene.staff,
        ballot_id=ballot.pk,
        elector_id=elector_of(ballot, scene.alice).pk,
        choice=["no"],
        photo=photo(),
    )
    api = scene.api(scene.clerk)
    for body, code in (
        ({}, "reason_required"),
        ({"reason": "  "}, "reason_required"),
        ({"reason": "\x00"}, "control_character"),  # refused at the edge
    ):
        answer = api.post(f"/api/v1/paper/{paper.pk}/reject/", body, format="json")
        assert answer.status_code == 400 and answer.json()["code"] == code, body
    rejected = api.post(f"/api/v1/paper/{paper.pk}/reject/", {"reason": "签名不符"}, format="json")
    assert rejected.status_code == 200
    assert (
        rejected.json()["status"] == "rejected" and rejected.json()["reject_reason"] == "签名不符"
    )


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"choice": ["yes"], "photo": "PHOTO"}, "invalid"),  # no elector
        ({"elector": "abc", "choice": ["yes"], "photo": "PHOTO"}, "invalid"),
        ({"elector": str(HUGE), "choice": ["yes"], "photo": "PHOTO"}, "invalid"),
        ({"elector": "999999", "choice": ["yes"], "photo": "PHOTO"}, "not_eligible"),
        ({"elector": "ALICE", "photo": "PHOTO"}, "invalid"),  # no choice
        ({"elector": "ALICE", "choice": ["maybe"], "photo": "PHOTO"}, "invalid_choice"),
        ({"elector": "ALICE", "choice": ["yes", "no"], "photo": "PHOTO"}, "invalid_choice"),
        ({"elector": "ALICE", "choice": ["yes"]}, "invalid"),  # no photo
        ({"elector": "ALICE", "choice": ["yes"], "photo": "GARBAGE"}, "invalid_photo"),
        ({"elector": "ALICE", "choice": ["yes"], "photo": "EMPTY"}, "invalid"),
        ({"elector": "ALICE", "choice": ["yes"], "photo": "text, not a file"}, "invalid"),
    ],
)
def test_paper_errors_have_stable_codes_and_write_nothing(
    scene: Scene, fields: dict[str, Any], code: str
) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    files = {
        "PHOTO": photo(),
        "GARBAGE": SimpleUploadedFile("form.jpg", b"not an image", content_type="image/jpeg"),
        "EMPTY": SimpleUploadedFile("form.jpg", b"", content_type="image/jpeg"),
    }
    alice = str(elector_of(ballot, scene.alice).pk)
    body = {
        key: files.get(value, alice if value == "ALICE" else value)
        if isinstance(value, str)
        else value
        for key, value in fields.items()
    }
    answer = scene.api(scene.staff).post(
        f"/api/v1/ballots/{ballot.pk}/paper/", body, format="multipart"
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == code
    assert not PaperBallot.objects.exists()


def test_paper_sent_as_json_is_a_400_not_a_415(scene: Scene) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    answer = scene.api(scene.staff).post(
        f"/api/v1/ballots/{ballot.pk}/paper/",
        {"elector": elector_of(ballot, scene.alice).pk, "choice": ["yes"]},
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "invalid"
    assert "photo" in answer.json()


def test_a_secret_ballot_takes_no_paper(scene: Scene) -> None:
    neighbors_enough_for_secret(scene.place)
    ballot = make_ballot(scene.staff, scene.place, secret=True)
    answer = scene.api(scene.staff).post(
        f"/api/v1/ballots/{ballot.pk}/paper/",
        {"elector": elector_of(ballot, scene.alice).pk, "choice": ["yes"], "photo": photo()},
        format="multipart",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "paper_not_allowed"


# Objections (公示) and the record -------------------------------------------------------


def test_objections_during_the_public_notice(scene: Scene) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    alice = scene.api(scene.alice)
    early = alice.post(
        f"/api/v1/ballots/{ballot.pk}/objections/", {"text": "计票有误"}, format="json"
    )
    assert early.status_code == 400 and early.json()["code"] == "not_on_notice"
    services.ballot_close(actor=scene.staff, ballot_id=ballot.pk, reason="test")
    for body, code in (
        ({}, "text_required"),
        ({"text": " "}, "text_required"),
        ({"text": "\x00"}, "control_character"),
    ):
        bad = alice.post(f"/api/v1/ballots/{ballot.pk}/objections/", body, format="json")
        assert bad.status_code == 400 and bad.json()["code"] == code, body
    filed = alice.post(
        f"/api/v1/ballots/{ballot.pk}/objections/", {"text": "计票有误"}, format="json"
    )
    assert filed.status_code == 201, filed.content
    objection = filed.json()
    assert objection["text"] == "计票有误" and objection["answer"] == ""
    assert objection["author"] == "王小明"
    listed = scene.api(scene.bob).get(f"/api/v1/ballots/{ballot.pk}/objections/").json()
    assert [o["id"] for o in listed] == [objection["id"]]
    staff = scene.api(scene.staff)
    blank = staff.post(f"/api/v1/objections/{objection['id']}/answer/", {"answer": ""})
    assert blank.status_code == 400 and blank.json()["code"] == "text_required"
    answered = staff.post(
        f"/api/v1/objections/{objection['id']}/answer/", {"answer": "已复核, 无误"}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["answer"] == "已复核, 无误"
    assert answered.json()["answered_at"] is not None
    # The notice period ends
    Ballot.objects.filter(pk=ballot.pk).update(notice_until=timezone.now() - dt.timedelta(1))
    over = alice.post(f"/api/v1/ballots/{ballot.pk}/objections/", {"text": "再议"})
    assert over.status_code == 400 and over.json()["code"] == "notice_over"


def test_the_record_exists_after_close_only(scene: Scene) -> None:
    ballot = make_ballot(scene.staff, scene.place)
    services.ballot_cast(user=scene.alice, ballot_id=ballot.pk, choice=["yes"])
    api = scene.api(scene.bob)
    for suffix in ("record/", "record.csv"):
        early = api.get(f"/api/v1/ballots/{ballot.pk}/{suffix}")
        assert early.status_code == 404 and early.json()["code"] == "no_result", suffix
    services.ballot_close(actor=scene.staff, ballot_id=ballot.pk, reason="test")
    data = api.get(f"/api/v1/ballots/{ballot.pk}/record/").json()
    assert data["outcome"]["passed"] is True and data["outcome"]["winners"] == ["yes"]
    assert data["tally"]["participation"] == {"heads": 1, "area": "0.00"}
    assert [v["choice"] for v in data["votes"]] == [["yes"]]
    sheet = api.get(f"/api/v1/ballots/{ballot.pk}/record.csv")
    assert sheet.status_code == 200 and sheet["Content-Type"].startswith("text/csv")
    assert sheet.content.startswith("\ufeff".encode())
    assert f'filename="ballot-{ballot.pk}.csv"' in sheet["Content-Disposition"]
    assert "是否加装电梯" in sheet.content.decode("utf-8-sig")


# The schema ----------------------------------------------------------------------------


def test_the_schema_documents_the_ballot_api_without_warnings(scene: Scene) -> None:
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    ours = [
        message
        for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
        if "voting/" in message or "Ballot" in message or "Paper" in message
    ]
    assert ours == []
    paths = schema["paths"]
    for path, method in (
        ("/api/v1/neighborhoods/{neighborhood_id}/ballots/", "post"),
        ("/api/v1/ballots/{ballot_id}/", "get"),
        ("/api/v1/ballots/{ballot_id}/open/", "post"),
        ("/api/v1/ballots/{ballot_id}/close/", "post"),
        ("/api/v1/ballots/{ballot_id}/votes/", "post"),
        ("/api/v1/ballots/{ballot_id}/proxies/", "post"),
        ("/api/v1/proxies/{proxy_id}/", "delete"),
        ("/api/v1/ballots/{ballot_id}/paper/", "post"),
        ("/api/v1/paper/{paper_id}/confirm/", "post"),
        ("/api/v1/paper/{paper_id}/reject/", "post"),
        ("/api/v1/ballots/{ballot_id}/objections/", "get"),
        ("/api/v1/objections/{objection_id}/answer/", "post"),
        ("/api/v1/ballots/{ballot_id}/record/", "get"),
        ("/api/v1/ballots/{ballot_id}/record.csv", "get"),
        ("/api/v1/ballots/{ballot_id}/receipts/", "get"),
    ):
        assert method in paths[path], path
    cast = paths["/api/v1/ballots/{ballot_id}/votes/"]["post"]["requestBody"]
    component = cast["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    choice = schema["components"]["schemas"][component]["properties"]["choice"]
    assert choice["type"] == "array" and choice["items"] == {"type": "string"}
    served = APIClient().get("/api/schema/")
    assert served.status_code == 200 and b"/api/v1/ballots/{ballot_id}/votes/" in served.content
