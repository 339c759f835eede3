"""What a secret ballot publishes (voting/secrecy.py): nothing by option and no area while
open, area by option after close only where the rule approves by area, stored tallies cut
to their turnout in heads at close (and by migration 0004 for ballots closed before), no
secret ballot of fewer than LINLI_SECRET_MIN_ELECTORS."""

from __future__ import annotations

import importlib
import io
import re
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from core.errors import DomainError
from realtime.models import Event
from tests import factories
from tests.voting.scene import Scene, ballot, later, scene, stored_as_before_secrecy
from voting import live, secrecy, services, tally
from voting.models import Ballot
from voting.selectors import counted_tally

pytestmark = pytest.mark.django_db

QUORUM_AREA_ONLY = {
    "approval": {"num": 1, "den": 2, "inclusive": False},
    "base": "cast",
    "by_heads": True,
    "by_area": False,
    "quorum": {"num": 1, "den": 2, "inclusive": True},
    "quorum_heads": False,
    "quorum_area": True,
}


def code_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(DomainError) as error:
        call(**kwargs)
    return error.value.code


def api_for(user: Any) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def voted(s: Scene, b: Ballot, choices: list[str]) -> None:
    for rep, choice in zip(s.reps, choices, strict=False):
        services.ballot_cast(user=rep, ballot_id=b.pk, choice=[choice])


def areas_in(data: Any) -> list[str]:
    """Every key path that ends in "area" (a floor area) in a JSON payload."""
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "area":
                    found.append(f"{path}.{key}")
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{path}[{index}]")

    walk(data, "")
    return found


# While open ----------------------------------------------------------------------------


def test_a_secret_ballot_shows_its_count_after_close_and_refuses_any_other_visibility() -> None:
    s = scene(10)
    assert ballot(s, secret=True).visibility == "after_close"
    assert ballot(s).visibility == "live"  # an open ballot keeps its default
    for visibility in ("live", "after_vote"):
        assert code_of(ballot, s=s, secret=True, visibility=visibility) == "invalid_visibility"
    assert ballot(s, secret=True, visibility="after_close").secret


def test_the_form_makes_a_secret_ballot_shown_after_close_as_its_help_text_says() -> None:
    s = scene(10)
    staff = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    staff.force_login(s.staff)
    form = staff.get(f"/neighborhoods/{s.place.pk}/ballots/new/").content.decode()
    assert "结束后才公布" in form and "10" in form
    data = {
        "matter": "custom",
        "title": "楼组长选举",
        "method": "yes_no",
        "options": "",
        "min_choices": "1",
        "max_choices": "1",
        "voter_unit": "household",
        "scope": "building",
        "building": str(s.building.pk),
        "units": "",
        "min_age": "18",
        "preset": "more_yes",
        "approval": "gt_1_2",
        "base": "cast",
        "measure": "heads",
        "quorum": "none",
        "quorum_measure": "heads",
        "secret": "on",
        "visibility": "live",
        "proxy_limit": "1",
        "notice_days": "7",
        "closes_at": later(48).astimezone().strftime("%Y-%m-%dT%H:%M"),
        "open_now": "1",
    }
    response = staff.post(f"/neighborhoods/{s.place.pk}/ballots/new/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    created = Ballot.objects.get()
    assert (created.secret, created.visibility) == (True, "after_close")


def test_an_open_secret_ballot_shows_turnout_in_heads_only_even_if_stored_as_live() -> None:
    # Given a secret ballot under an area rule, stored as shown live (as before secrecy.py)
    s = scene(10, area="88.20")
    b = ballot(s, secret=True, preset="art278_ordinary")
    Ballot.objects.filter(pk=b.pk).update(visibility="live")
    voted(s, b, ["yes", "no"])
    # Then a voter's snapshot shows how many voted, and nothing by option or by area
    snap = api_for(s.reps[0]).get(f"/api/v1/ballots/{b.pk}/").json()
    assert snap["participation"] == {"heads": 2}
    assert snap["tally"] is None and "area" not in snap["progress"]
    assert snap["progress"]["heads"] == 0.2
    # And so does the page: no area, the count by option hidden
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page.force_login(s.reps[0])
    html = page.get(f"/ballots/{b.pk}/").content.decode()
    assert 'data-count="heads">2<' in html
    assert 'data-count="area"' not in html and 'data-pct="area"' not in html
    # (the count's place is there, hidden and with no row: the close's fragment fills it)
    assert re.search(r"<section [^>]*data-tally[^>]*hidden>", html)
    assert "data-area>" not in html and "data-heads>" not in html


# At close ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset", "rule", "option_area", "turnout_area"),
    [
        ("more_yes", None, False, False),
        ("custom", QUORUM_AREA_ONLY, False, True),
        ("art278_ordinary", None, True, True),
    ],
    ids=["by-head", "quorum-by-area", "approval-by-area"],
)
def test_a_closed_secret_ballot_publishes_area_only_where_its_rule_counts_it(
    preset: str, rule: dict[str, Any] | None, option_area: bool, turnout_area: bool
) -> None:
    s = scene(10, area="88.20")
    s.houses[0].floor_area = "61.37"
    s.houses[0].save()
    b = ballot(s, secret=True, preset=preset, rule=rule)
    voted(s, b, ["yes", "no", "yes", "abstain", "yes", "yes", "no"])
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    b.refresh_from_db()
    member = factories.resident(s.place, "neighbor")
    closed = Event.objects.get(stream=b.stream, type="ballot.closed").data["result"]
    snap = api_for(member).get(f"/api/v1/ballots/{b.pk}/").json()
    record = api_for(member).get(f"/api/v1/ballots/{b.pk}/record/").json()
    for shown in (b.result, closed, record, snap["result"], {"tally": snap["tally"]}):
        assert shown is not None
        options = shown["tally"]["options"]
        assert all(("area" in count) == option_area for count in options.values())
        assert ("area" in shown["tally"]["participation"]) == turnout_area
        if "progress" in shown:
            assert ("area" in shown["progress"]) == turnout_area
        assert shown["tally"]["options"]["yes"]["heads"] == 4
    assert ("area" in snap["participation"]) == turnout_area
    assert ("area" in snap["progress"]) == turnout_area
    # The checks the decision rests on carry the measures the rule counts, no others
    measures = {check["measure"] for check in b.result["outcome"]["checks"]}
    assert ("area" in measures) == (option_area or turnout_area)
    # And ballot_verify recounts the same published shape
    out = io.StringIO()
    call_command("ballot_verify", str(b.pk), stdout=out)
    assert out.getvalue().rstrip().endswith("match")


@pytest.mark.django_db(transaction=True)
def test_the_close_cuts_the_stored_live_tallies_to_their_turnout_in_heads() -> None:
    # Given a secret ballot whose stored tallies carry counts by option and areas (as every
    # secret ballot open when secrecy.py was deployed has them)
    s = scene(10, area="88.20")
    b = ballot(s, secret=True, preset="art278_ordinary")
    voted(s, b, ["yes", "no", "abstain"])
    assert live.wait_idle(10)
    stored_as_before_secrecy(b)
    # When it closes
    services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    # Then each keeps its turnout in heads and its progress by head, nothing else
    stored = list(Event.objects.filter(stream=b.stream, type="ballot.tally"))
    assert stored
    for event in stored:
        assert event.data == {
            "participation": {"heads": 3},
            "progress": {"heads": 0.3, "needed": 0.6667, "inclusive": True, "met": False},
        }
        assert areas_in(event.data) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres")
def test_migration_0004_publishes_of_secret_ballots_closed_before_what_secrecy_allows() -> None:
    migration = importlib.import_module("voting.migrations.0004_secret_ballots_publish_less")
    s = scene(10, area="88.20")
    by_head = ballot(s, secret=True, title="按人数")
    by_area = ballot(s, secret=True, preset="art278_ordinary", title="按面积")
    still_open = ballot(s, secret=True, title="还开着的")
    for b in (by_head, by_area, still_open):
        voted(s, b, ["yes", "no", "yes"])
    assert live.wait_idle(10)
    for b in (by_head, by_area):
        # As the close before secrecy.py left them: the result in full, in the ballot and
        # in its event, and the stored tallies with their counts by option and areas
        services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
        stored_as_before_secrecy(b)
        b.refresh_from_db()
        full = {**b.result, "tally": tally.tally_to_data(counted_tally(b))}
        full["progress"] = tally.quorum_progress(tally.rule_from_data(b.rule), counted_tally(b))
        Ballot.objects.filter(pk=b.pk).update(result=full)
        closed = Event.objects.get(stream=b.stream, type="ballot.closed")
        closed.data = {**closed.data, "result": full}
        closed.save(update_fields=["data"])
    stored_as_before_secrecy(still_open)
    open_events = list(
        Event.objects.filter(stream=still_open.stream)
        .order_by("seq")
        .values_list("data", flat=True)
    )
    # When the migration runs
    migration.forward(apps, None)
    # Then the ballot counted by head publishes no area at all
    head = Ballot.objects.get(pk=by_head.pk)
    assert areas_in(head.result["tally"]["options"]) == []
    assert "area" not in head.result["tally"]["participation"]
    assert "area" not in head.result["progress"]
    for event in Event.objects.filter(
        stream=head.stream, type__in=["ballot.tally", "ballot.closed"]
    ):
        assert areas_in(event.data.get("result", event.data)) in ([], [".tally.electorate.area"])
    # And the one counted by area keeps its area by option, its tallies cut alike
    area = Ballot.objects.get(pk=by_area.pk)
    assert all("area" in count for count in area.result["tally"]["options"].values())
    for b in (head, area):
        assert b.visibility == "after_close"
        for event in Event.objects.filter(stream=b.stream, type="ballot.tally"):
            assert event.data["participation"] == {"heads": 3} and "tally" not in event.data
        out = io.StringIO()
        call_command("ballot_verify", str(b.pk), stdout=out)
        assert out.getvalue().rstrip().endswith("match")
        # The closed event says what the ballot says
        closed = Event.objects.get(stream=b.stream, type="ballot.closed").data["result"]
        assert closed == b.result
    # An open ballot's events wait for its own close; it too shows its count after close
    assert (
        list(
            Event.objects.filter(stream=still_open.stream)
            .order_by("seq")
            .values_list("data", flat=True)
        )
        == open_events
    )
    assert Ballot.objects.get(pk=still_open.pk).visibility == "after_close"


# Small electorates ---------------------------------------------------------------------


def test_a_secret_ballot_of_fewer_than_ten_electors_is_refused_and_says_the_numbers() -> None:
    s = scene(9)
    with translation.override("en"), pytest.raises(DomainError) as error:
        ballot(s, secret=True)
    assert error.value.code == "secret_too_small"
    with translation.override("en"):
        assert "at least 10 electors; this one has 9," in error.value.render()
    assert not Ballot.objects.exists()  # created and opened in one: nothing is left
    # A draft may be made; opening it is refused the same way, and it stays a draft
    draft = ballot(s, secret=True, open_now=False)
    assert code_of(services.ballot_open, actor=s.staff, ballot_id=draft.pk) == "secret_too_small"
    assert Ballot.objects.get(pk=draft.pk).status == "draft"
    # An open ballot of the same electorate is fine
    assert ballot(s).electorate_heads == 9


def test_the_api_refuses_a_small_secret_ballot_in_chinese_with_the_numbers() -> None:
    s = scene(3)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_authenticate(s.staff)
    answer = client.post(
        f"/api/v1/neighborhoods/{s.place.pk}/ballots/",
        {
            "title": "楼组长选举",
            "voter_unit": "household",
            "scope": "building",
            "building": s.building.pk,
            "secret": True,
            "closes_at": later().isoformat(),
            "open_now": True,
        },
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "secret_too_small"
    assert "10" in answer.json()["message"] and "3" in answer.json()["message"]
    assert "无记名" in answer.json()["message"]


def test_the_pure_rule_of_small_electorates() -> None:
    assert secrecy.too_small(9, 10) and not secrecy.too_small(10, 10)
