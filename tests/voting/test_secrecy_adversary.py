"""A secret ballot, attacked by a neighbor: everything a non-staff member can observe of it
(the live events while it is open, the events replayed with since=0 after close, the API,
the ballot page, the certified record and its CSV), with the ledger's floor areas, must not
tell any participant's choice beyond what the final totals alone tell.

The final totals are the count by option in heads, and in floor area only where the rule
counts area (docs/voting.md, "Secret ballots: what is published"). The households' areas
are chosen so that sums of them give the voters away: 60 m² plus a distinct power of two
hundredths each (every subset has its own sum), or equal pairs (where the rule counts area,
so that the totals alone leave some choices open)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests import factories
from tests.voting.adversary import (
    Seen,
    exact,
    from_csv,
    from_event,
    from_page,
    from_snapshot,
    possible_choices,
)
from tests.voting.scene import Scene, ballot, scene
from tests.voting.test_actions_ws import receive, socket
from voting import live, services, tally
from voting.models import Ballot, Elector

pytestmark = pytest.mark.django_db(transaction=True)

DISTINCT = [Decimal("60.00") + Decimal(2**i) / 100 for i in range(12)]
PAIRS = [Decimal(80 + 10 * (i // 2)) for i in range(12)]
# (house, choice) in the order they vote: 7 of the 12 households take part.
VOTES = [(0, "yes"), (1, "no"), (2, "yes"), (3, "abstain"), (4, "yes"), (6, "no"), (8, "yes")]


def houses_of(areas: list[Decimal]) -> Scene:
    s = scene(len(areas))
    for house, area in zip(s.houses, areas, strict=True):
        house.floor_area = area
        house.save(update_fields=["floor_area"])
    return s


def frames_until_closed(ws: Any) -> list[dict[str, Any]]:
    frames = []
    while True:
        frame = receive(ws)
        if frame.get("op") == "ev":
            frames.append(frame)
            if frame["type"] == "ballot.closed":
                return frames


def replay_from_zero(daphne_url: str, user: Any, stream: str) -> list[dict[str, Any]]:
    with socket(daphne_url, user) as ws:
        ws.send(json.dumps({"op": "sub", "stream": stream, "since": 0, "ref": "r"}))
        return frames_until_closed(ws)


def page_seen(client: Client, b: Ballot, electorate: tuple[int, Decimal]) -> list[Seen]:
    html = client.get(f"/ballots/{b.pk}/").content.decode()
    return from_page(html, electorate, tally_shown="data-tally hidden" not in html)


def record_page_seen(client: Client, b: Ballot, heads: int | None) -> list[Seen]:
    """The printable record's table by option: label, heads (share), [area]."""
    ballot_page = client.get(f"/ballots/{b.pk}/").content.decode()
    labels = {
        label.strip(): key
        for key, label in re.findall(
            r'<li data-option="([^"]+)">.*?<span class="label">([^<]*)</span>', ballot_page, re.S
        )
    }
    html = client.get(f"/ballots/{b.pk}/record/").content.decode()
    options = {}
    for label, heads_text, area in re.findall(
        r"<tr><td>([^<]*)</td><td>(\d+) \([^)]*\)</td>(?:<td>([^<]*)</td>)?</tr>", html
    ):
        if label.strip() in labels:
            options[labels[label.strip()]] = (
                int(heads_text),
                Decimal(area.replace("m²", "").strip()) if area else None,
            )
    assert options, "the record page lists no count by option"
    return [Seen(heads, None, options)]


@pytest.mark.parametrize(
    ("preset", "areas"),
    [("more_yes", DISTINCT), ("art278_ordinary", PAIRS)],
    ids=["counted-by-head", "counted-by-area"],
)
def test_nothing_observable_tells_a_choice_the_final_totals_do_not(
    daphne_url: str, preset: str, areas: list[Decimal]
) -> None:
    # Given a secret ballot of 12 households of known areas, and a neighbor who is no
    # elector of it, watching it live, reading its API and its page after every vote
    s = houses_of(areas)
    b = ballot(s, secret=True, preset=preset)
    rule = tally.rule_from_data(b.rule)
    neighbor = factories.resident(s.place, "neighbor", name="隔壁老王")
    assert not Elector.objects.filter(ballot=b, user=neighbor).exists()
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.force_authenticate(neighbor)
    pages = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    pages.force_login(neighbor)
    electorate = (b.electorate_heads, Decimal(b.electorate_area))
    seen: list[Seen] = []

    def look() -> None:
        seen.extend(from_snapshot(api.get(f"/api/v1/ballots/{b.pk}/").json(), electorate))
        seen.extend(page_seen(pages, b, electorate))

    # When 7 of them vote one after the other, and the ballot closes
    with socket(daphne_url, neighbor) as ws:
        ws.send(json.dumps({"op": "sub", "stream": b.stream, "ref": "s"}))
        for house, choice in VOTES:
            services.ballot_cast(user=s.reps[house], ballot_id=b.pk, choice=[choice])
            assert live.wait_idle(10)  # each vote's own tally: the worst case
            look()
        services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
        live_frames = frames_until_closed(ws)
    replayed = replay_from_zero(daphne_url, neighbor, b.stream)
    assert [f["type"] for f in replayed].count("ballot.tally") == len(VOTES)
    for frame in live_frames + replayed:
        seen.extend(from_event(frame["data"], electorate))
    look()
    record = api.get(f"/api/v1/ballots/{b.pk}/record/").json()
    seen.extend(from_snapshot({"result": record}, electorate))
    keys = [option["key"] for option in record["options"]]
    csv_file = api.get(f"/api/v1/ballots/{b.pk}/record.csv")
    assert csv_file.status_code == 200
    from_record_csv = from_csv(csv_file.content, keys, len(VOTES))
    assert from_record_csv, "the CSV lists no count by option"
    seen.extend(from_record_csv)
    seen.extend(record_page_seen(pages, b, len(VOTES)))

    # Then, with the ledger's areas of those who took part, in the order they voted ...
    voter_areas = [areas[house] for house, _ in VOTES]
    truth = [choice for _, choice in VOTES]
    # ... the final totals alone (heads by option; area by option where the rule counts it)
    final = Seen(
        len(VOTES),
        exact(sum(voter_areas, Decimal(0))),
        {
            key: (
                truth.count(key),
                sum((a for a, c in zip(voter_areas, truth, strict=True) if c == key), Decimal(0))
                if rule.by_area
                else None,
            )
            for key in keys
        },
    )
    alone = possible_choices(voter_areas, keys, [final])
    assert all(choice in alone[i] for i, choice in enumerate(truth))
    # ... leave exactly as many choices open as everything observed does, even to a
    # neighbor who also saw in which order they voted
    for ordered in (False, True):
        observed = possible_choices(voter_areas, keys, [final, *seen], ordered=ordered)
        assert all(choice in observed[i] for i, choice in enumerate(truth)), "misread counts"
        assert observed == alone, f"ordered={ordered}: observation narrowed the choices"
    if preset == "more_yes":
        assert alone == [set(truth)] * len(VOTES)  # heads alone tell no one's choice here


def test_the_solver_finds_choices_that_counts_after_each_vote_give_away() -> None:
    # Given the tally after each vote with its floor area (what the ballot once published)
    areas = DISTINCT[:4]
    truth = ["yes", "no", "yes", "abstain"]
    keys = ["yes", "no", "abstain"]
    seen = []
    for voted in range(1, len(truth) + 1):
        chosen = truth[:voted]
        seen.append(
            Seen(
                voted,
                exact(sum(areas[:voted], Decimal(0))),
                {key: (chosen.count(key), None) for key in keys},
            )
        )
    final = seen[-1]
    # Then the final totals alone leave every choice open, the sequence none
    assert possible_choices(areas, keys, [final]) == [{"yes", "no", "abstain"}] * 4
    assert possible_choices(areas, keys, seen) == [{c} for c in truth]
    # And the area by option alone gives them away too (a subset sum)
    by_area = Seen(
        4,
        None,
        {
            key: (None, sum((a for a, c in zip(areas, truth, strict=True) if c == key), Decimal(0)))
            for key in keys
        },
    )
    assert possible_choices(areas, keys, [by_area]) == [{c} for c in truth]
