"""Authorization matrix: every role × every ballot endpoint, with the exact status.

Non-members of the ballot's neighborhood get 404 (the ballot does not exist for them),
anonymous callers 403 (not_authenticated), members without the committee's ballot.manage
403, and members who are not in the electorate 400 not_eligible where the question is
"may this person vote / object / delegate". A refused request writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from tests import factories
from tests.accounts.conftest import ROLES, Cast, cast  # noqa: F401  (the fixture)
from tests.voting.scene import neighbors_enough_for_secret
from tests.voting.test_api import make_ballot, photo, written
from voting import services
from voting.models import Ballot, Elector

pytestmark = pytest.mark.django_db

MANAGERS = {"staff_here", "secretary_here"}  # ballot.manage at `here`
MEMBERS = {"resident_here", "moderator_here", "staff_here", "secretary_here", "admin_above"}
VOTER = "resident_here"  # the only elector among the roles (a person ballot of `here`)


def _expect(who: str, allowed: set[str], success: int, refused_member: int = 403) -> int:
    if who == "anonymous":
        return 403
    if who in allowed:
        return success
    if who in MEMBERS:
        return refused_member
    return 404


def managers(success: int) -> Callable[[str], int]:
    return lambda who: _expect(who, MANAGERS, success)


def members(success: int) -> Callable[[str], int]:
    return lambda who: _expect(who, MEMBERS, success)


def voter(success: int) -> Callable[[str], int]:
    """Only the elector may; other members are not in the electorate: 400 not_eligible."""
    return lambda who: _expect(who, {VOTER}, success, refused_member=400)


def delegator(success: int) -> Callable[[str], int]:
    """A proxy exists for its delegator only: to everyone else it is not there."""
    return lambda who: 403 if who == "anonymous" else success if who == VOTER else 404


class Setting:
    """What one test builds at `here`: the ballots and rows the endpoints act on."""

    def __init__(self, cast: Cast) -> None:  # noqa: F811
        place = cast.here
        self.staff = factories.staff(place, "clerk")  # enters paper; not one of the roles
        self.clerk2 = factories.staff(place, "clerk2")
        self.neighbor = factories.resident(place, "neighbor", name="李阿姨")
        self.voter = cast.people[VOTER]
        self.place = place

    def open_ballot(self, **extra: Any) -> Ballot:
        return make_ballot(self.staff, self.place, **extra)

    def closed_ballot(self, **extra: Any) -> Ballot:
        if extra.get("secret"):
            neighbors_enough_for_secret(self.place)
        ballot = self.open_ballot(**extra)
        services.ballot_cast(user=self.voter, ballot_id=ballot.pk, choice=["yes"])
        return services.ballot_close(actor=self.staff, ballot_id=ballot.pk, reason="test")

    def elector(self, ballot: Ballot) -> int:
        return Elector.objects.get(ballot=ballot, user=self.voter).pk


def s_list(s: Setting) -> tuple[str, str, Any]:
    s.open_ballot()
    return "get", f"/api/v1/neighborhoods/{s.place.pk}/ballots/", None


def s_create(s: Setting) -> tuple[str, str, Any]:
    body = {
        "title": "垃圾分类时间",
        "voter_unit": "person",
        "closes_at": (timezone.now() + dt.timedelta(days=1)).isoformat(),
    }
    return "post", f"/api/v1/neighborhoods/{s.place.pk}/ballots/", body


def s_detail(s: Setting) -> tuple[str, str, Any]:
    return "get", f"/api/v1/ballots/{s.open_ballot().pk}/", None


def s_open(s: Setting) -> tuple[str, str, Any]:
    return "post", f"/api/v1/ballots/{s.open_ballot(open_now=False).pk}/open/", None


def s_close(s: Setting) -> tuple[str, str, Any]:
    return "post", f"/api/v1/ballots/{s.open_ballot().pk}/close/", {"reason": "test"}


def s_cast(s: Setting) -> tuple[str, str, Any]:
    return "post", f"/api/v1/ballots/{s.open_ballot().pk}/votes/", {"choice": ["yes"]}


def s_receipts(s: Setting) -> tuple[str, str, Any]:
    return "get", f"/api/v1/ballots/{s.closed_ballot(secret=True).pk}/receipts/", None


def s_proxy_grant(s: Setting) -> tuple[str, str, Any]:
    body = {"delegate": s.neighbor.pk, "reason": "出差"}
    return "post", f"/api/v1/ballots/{s.open_ballot().pk}/proxies/", body


def s_proxy_revoke(s: Setting) -> tuple[str, str, Any]:
    ballot = s.open_ballot()
    proxy = services.proxy_grant(
        user=s.voter, ballot_id=ballot.pk, delegate_id=s.neighbor.pk, reason="住院"
    )
    return "delete", f"/api/v1/proxies/{proxy.pk}/", None


def s_paper_enter(s: Setting) -> tuple[str, str, Any]:
    ballot = s.open_ballot()
    body = {"elector": s.elector(ballot), "choice": ["no"], "photo": photo()}
    return "multipart", f"/api/v1/ballots/{ballot.pk}/paper/", body


def _pending_paper(s: Setting) -> int:
    ballot = s.open_ballot()
    paper = services.paper_enter(
        actor=s.staff,
        ballot_id=ballot.pk,
        elector_id=s.elector(ballot),
        choice=["yes"],
        photo=photo(),
    )
    return paper.pk


def s_paper_confirm(s: Setting) -> tuple[str, str, Any]:
    return "post", f"/api/v1/paper/{_pending_paper(s)}/confirm/", None


def s_paper_reject(s: Setting) -> tuple[str, str, Any]:
    return "post", f"/api/v1/paper/{_pending_paper(s)}/reject/", {"reason": "签名不清"}


def s_objections(s: Setting) -> tuple[str, str, Any]:
    ballot = s.closed_ballot()
    services.objection_file(user=s.voter, ballot_id=ballot.pk, text="计票有误")
    return "get", f"/api/v1/ballots/{ballot.pk}/objections/", None


def s_objection_file(s: Setting) -> tuple[str, str, Any]:
    return "post", f"/api/v1/ballots/{s.closed_ballot().pk}/objections/", {"text": "有异议"}


def s_objection_answer(s: Setting) -> tuple[str, str, Any]:
    ballot = s.closed_ballot()
    objection = services.objection_file(user=s.neighbor, ballot_id=ballot.pk, text="计票有误")
    return "post", f"/api/v1/objections/{objection.pk}/answer/", {"answer": "已复核"}


def s_record(s: Setting) -> tuple[str, str, Any]:
    return "get", f"/api/v1/ballots/{s.closed_ballot().pk}/record/", None


def s_record_csv(s: Setting) -> tuple[str, str, Any]:
    return "get", f"/api/v1/ballots/{s.closed_ballot().pk}/record.csv", None


ENDPOINTS: dict[str, tuple[Callable[[Setting], tuple[str, str, Any]], Callable[[str], int]]] = {
    "ballots.list": (s_list, members(200)),
    "ballots.create": (s_create, managers(201)),
    "ballot.detail": (s_detail, members(200)),
    "ballot.open": (s_open, managers(200)),
    "ballot.close": (s_close, managers(200)),
    "ballot.cast": (s_cast, voter(200)),
    "ballot.receipts": (s_receipts, members(200)),
    "proxy.grant": (s_proxy_grant, voter(201)),
    "proxy.revoke": (s_proxy_revoke, delegator(204)),
    "paper.enter": (s_paper_enter, managers(201)),
    "paper.confirm": (s_paper_confirm, managers(200)),
    "paper.reject": (s_paper_reject, managers(200)),
    "objections.list": (s_objections, members(200)),
    # Objections are filed by verified residents: other members are not eligible.
    "objection.file": (s_objection_file, voter(201)),
    "objection.answer": (s_objection_answer, managers(200)),
    "record": (s_record, members(200)),
    "record.csv": (s_record_csv, members(200)),
}
WRITES = {"get": False, "post": True, "delete": True, "multipart": True}


def call(client: Any, method: str, url: str, body: Any) -> Any:
    if method == "multipart":
        return client.post(url, body, format="multipart")
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format="json")


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
@pytest.mark.parametrize("who", ROLES)
def test_ballot_endpoints(cast: Cast, settings, tmp_path, who: str, endpoint: str) -> None:  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    build, expected_for = ENDPOINTS[endpoint]
    method, url, body = build(Setting(cast))
    before = written(), _statuses()
    answer = call(cast.client(who), method, url, body)
    expected = expected_for(who)
    assert answer.status_code == expected, (who, endpoint, answer.content[:300])
    if expected >= 400:
        codes = {
            403: {"forbidden", "not_authenticated"},
            404: {"not_found"},
            400: {"not_eligible"},
        }
        assert answer.json()["code"] in codes[expected], (who, endpoint, answer.json())
        assert (written(), _statuses()) == before  # a refusal writes nothing
    elif WRITES[method]:
        assert (written(), _statuses()) != before  # and a success did write
    else:
        assert (written(), _statuses()) == before


def _statuses() -> tuple[Any, ...]:
    """What an open/close/confirm/reject/answer/revoke changes without adding a row."""
    from voting.models import Objection, PaperBallot, Proxy

    return (
        tuple(Ballot.objects.order_by("pk").values_list("status", flat=True)),
        tuple(PaperBallot.objects.order_by("pk").values_list("status", flat=True)),
        tuple(Objection.objects.order_by("pk").values_list("answer", flat=True)),
        tuple(Proxy.objects.order_by("pk").values_list("revoked_at", flat=True)),
    )
