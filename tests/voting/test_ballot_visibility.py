"""Who may see a ballot: one rule (selectors.may_see) for its page, the API and its stream.
A draft only those who may manage the neighborhood's ballots; an open or closed ballot the
members of its neighborhood and its electors."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests import factories
from tests.voting.scene import ballot, scene
from tests.voting.test_actions_ws import socket, subscribe
from voting import selectors
from voting.streams import may_watch_ballot

pytestmark = pytest.mark.django_db


def api_for(user: object) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_a_draft_is_seen_by_its_managers_only_over_http_and_on_its_stream() -> None:
    s = scene(2)
    draft = ballot(s, open_now=False)
    opened = ballot(s)
    member = factories.resident(s.place, "member")
    outsider = factories.resident(factories.neighborhood(), "outsider")
    for user, sees_draft, sees_open in (
        (s.staff, True, True),
        (s.reps[0], False, True),  # an elector-to-be
        (member, False, True),
        (outsider, False, False),
    ):
        for b, sees in ((draft, sees_draft), (opened, sees_open)):
            status = api_for(user).get(f"/api/v1/ballots/{b.pk}/").status_code
            assert (status == 200, may_watch_ballot(user, b.pk)) == (sees, sees), (user, b)
            assert status in (200, 404)
            assert selectors.may_see(user, b) == sees


@pytest.mark.django_db(transaction=True)
def test_a_member_cannot_follow_a_drafts_stream_over_the_socket(daphne_url: str) -> None:
    s = scene(2)
    draft = ballot(s, open_now=False)
    member = factories.resident(s.place, "member")
    with socket(daphne_url, member) as ws:
        refused = subscribe(ws, draft.stream)
        assert (refused["op"], refused["code"]) == ("err", "forbidden")
    with socket(daphne_url, s.staff) as ws:
        assert subscribe(ws, draft.stream)["op"] == "subbed"
