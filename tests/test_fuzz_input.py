"""Hostile input everywhere: every form page, every API route and every socket `do` action,
as a resident and as staff, with NUL, control characters, lone surrogates, JSON nested
5,000 deep, huge numbers, wrong types and an empty multipart body.

The bar (issue 15 item 6): no 500, and every API or socket error is {code, message} with
a code the docs list. One request per route, method and kind of value, so it stays fast.
Routes come from the URL resolver (every pattern the project serves, pages and API alike),
field names from the OpenAPI schema drf-spectacular builds plus the pages' form fields,
socket actions from realtime/registry.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect

from accounts.ledger.filters import LedgerFilter
from accounts.models import Residency, Resident, RoleGrant
from accounts.outreach import services as outreach_services
from forum import services as forum_services
from forum.models import Board, Topic
from moderation.rooms import services as room_services
from realtime import registry
from tests import factories
from tests.voting.scene import Scene, ballot, scene

ROOT = Path(__file__).resolve().parent.parent
DEEP = "[" * 5000 + "]" * 5000
HUGE = 10**30
SKIPPED_ROUTES = ("admin/", "logout/")  # Django's admin; logging out ends the run's session
# Form fields of the pages (the API's come from its schema).
FORM_FIELDS = [
    "title",
    "body",
    "text",
    "name",
    "username",
    "role",
    "reason",
    "q",
    "page",
    "choice",
    "elector",
    "delegate",
    "answer",
    "real_name",
    "birth_date",
    "phone",
    "unit",
    "room",
    "building",
    "area",
    "tenure",
    "id_number",
    "code",
    "address",
    "segment_name",
    "age_min",
    "agenda",
    "preset",
    "speech_seconds",
    "co_chair",
    "matter",
    "closes_at",
    "options",
    "method",
    "to",
    "side",
    "seconds",
    "speech",
    "emoji",
    "dry_run",
    "format",
    "full",
    "description",
    "resident",
    "household",
    "next",
    "language",
    "visited_on",
    "outcome",
    "note",
    "follow_up",
    "follow_up_on",
    "visitor",
]
SOCKET_FIELDS = [
    "title",
    "body",
    "text",
    "choice",
    "elector",
    "id",
    "to",
    "side",
    "seconds",
    "speech",
    "emoji",
]


def documented_codes() -> set[str]:
    """Every `word` the docs spell as code: the error codes are among them."""
    words: set[str] = set()
    for doc in sorted((ROOT / "docs").glob("*.md")):
        words |= set(re.findall(r"`([a-z][a-z0-9_]*)`", doc.read_text(encoding="utf-8")))
    return words


DOCUMENTED = documented_codes()


def test_the_generic_error_codes_are_documented() -> None:
    generic = {"invalid", "not_found", "forbidden", "not_authenticated", "method_not_allowed"}
    edge = {"unsupported_media_type", "control_character", "invalid_text", "too_deep"}
    assert generic | edge | {"server_error", "internal"} <= DOCUMENTED


# The scene: one object of each kind a URL can name ---------------------------------------


@dataclass
class World:
    s: Scene
    board: Board
    topic: Topic
    ids: dict[str, int]

    @property
    def people(self) -> dict[str, Any]:
        return {"resident": self.s.reps[0], "staff": self.s.staff2}


def build_world() -> World:
    s = scene(2)
    board = factories.board(s.place)
    resident = s.reps[0]
    topic = forum_services.topic_create(user=resident, board=board, title="", body="楼道灯坏了")
    room = room_services.room_create(actor=s.staff, neighborhood_id=s.place.pk, title="议事")
    vote = ballot(s)
    outreach = outreach_services.outreach_send(
        actor=s.staff2,
        neighborhood_id=s.place.pk,
        spec=LedgerFilter(),
        title="通知",
        body="请查收",
    )
    residency = Residency.objects.get(user=resident)
    ids = {
        "neighborhood_id": s.place.pk,
        "subdistrict_id": s.place.subdistrict_id,
        "board_id": board.pk,
        "topic_id": topic.pk,
        "room_id": room.pk,
        "ballot_id": vote.pk,
        "outreach_id": outreach.pk,
        "notification_id": resident.notifications.first().pk,
        "household_id": s.houses[0].pk,
        "resident_id": Resident.objects.filter(household=s.houses[0]).first().pk,
        "residency_id": residency.pk,
        "grant_id": RoleGrant.objects.get(user=s.staff).pk,
    }
    return World(s, board, topic, ids)


# Routes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    template: str
    url: str
    methods: tuple[str, ...]

    @property
    def api(self) -> bool:
        return self.url.startswith("/api/")


def _patterns(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def routes(ids: dict[str, int]) -> list[Route]:
    found = []
    for template, pattern in _patterns(get_resolver().url_patterns):
        if template.startswith(SKIPPED_ROUTES):
            continue

        def fill(match: re.Match[str]) -> str:
            kind, name = match.group(1), match.group(2)
            return "speak" if kind == "slug" else str(ids.get(name, 1))

        url = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, template)
        view = getattr(pattern.callback, "cls", None) or getattr(
            pattern.callback, "view_class", None
        )
        if view is not None and hasattr(view, "http_method_names"):
            methods = tuple(
                m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)
            )
        else:
            methods = ("get", "post")  # a function view: try both
        found.append(Route(template, url, methods or ("get",)))
    return found


def api_fields() -> list[str]:
    """Every property name of every request and response body in the OpenAPI schema."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    names: set[str] = set()
    for component in schema.get("components", {}).get("schemas", {}).values():
        names |= set(component.get("properties", {}))
    return sorted(names)


# Hostile values ------------------------------------------------------------------------

STRINGS = {
    "nul": "楼道\x00灯",
    "bidi": "\u202egpj.exe",
}
# The other control characters take the same path as NUL (core.text.refusal); its own
# tests (tests/core/test_text.py) cover each of them.
WRONG_TYPES: list[Any] = [[1, "a"], {"a": 1}, True, None, 1.5, -1, ""]


def json_bodies(fields: list[str]) -> dict[str, tuple[str, str]]:
    """kind -> (content type, body)."""
    bodies = {"nul": json.dumps(dict.fromkeys(fields, STRINGS["nul"]))}
    bodies["surrogate"] = "{" + ",".join(f'"{f}": "\\ud800"' for f in fields) + "}"
    bodies["huge"] = json.dumps(dict.fromkeys(fields, HUGE))
    bodies["wrong_types"] = json.dumps(
        {field: WRONG_TYPES[i % len(WRONG_TYPES)] for i, field in enumerate(fields)}
    )
    bodies["deep"] = DEEP
    bodies["not_an_object"] = json.dumps(["a", 1])
    result = {kind: ("application/json", body) for kind, body in bodies.items()}
    result["empty_multipart"] = ("multipart/form-data; boundary=boundary", "--boundary--")
    result["broken_multipart"] = ("multipart/form-data; boundary=boundary", "--boundary\r\nx")
    return result


def form_bodies() -> dict[str, Any]:
    bodies: dict[str, dict[str, Any]] = {
        kind: dict.fromkeys(FORM_FIELDS, value) for kind, value in STRINGS.items()
    }
    bodies["huge"] = dict.fromkeys(FORM_FIELDS, "9" * 40)
    bodies["lists"] = {field: ["1", "x"] for field in FORM_FIELDS}
    return bodies


QUERIES = {
    "nul": "?q=%00&page=1",
    # Huge numbers and bytes that are not UTF-8 (a surrogate's CESU-8 form, an overlong NUL)
    "odd": "?page=" + "9" * 40 + "&elector=" + "9" * 40 + "&q=%ED%A0%80%FF&name=%C0%80",
}


# The check -------------------------------------------------------------------------------


def problem(route: Route, method: str, kind: str, response: Any) -> str | None:
    status = response.status_code
    where = f"{method.upper()} {route.url} [{kind}] -> {status}"
    if status >= 500:
        return where
    if status < 400 or not route.api:
        return None
    if response.get("Content-Type") != "application/json":
        return f"{where}: {response.get('Content-Type')} {response.content[:80]!r}"
    body = response.json()
    code, message = body.get("code"), body.get("message")
    if not isinstance(code, str) or not isinstance(message, str) or not message:
        return f"{where}: not {{code, message}}: {body}"
    if code not in DOCUMENTED:
        return f"{where}: undocumented code {code!r}"
    return None


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["resident", "staff"])
@pytest.mark.parametrize("area", ["api", "pages"])
def test_no_route_answers_hostile_input_with_a_500_or_an_undocumented_error(
    area: str, who: str
) -> None:
    # Given every route of the area, a person logged in, and the fields any form or API
    # body of the project has
    world = build_world()
    client = Client(raise_request_exception=False)
    client.force_login(world.people[who])
    json_cases = json_bodies(sorted(set(api_fields()) | set(FORM_FIELDS)))
    form_cases = {
        **{kind: ("form", data) for kind, data in form_bodies().items()},
        "empty_multipart": json_cases["empty_multipart"],
    }
    problems: list[str] = []
    sent = 0
    for route in routes(world.ids):
        if route.api != (area == "api"):
            continue
        for method in route.methods:
            send = getattr(client, method)
            # When each kind of hostile value is sent once
            if method in ("get", "delete"):
                answers = {kind: send(route.url + query) for kind, query in QUERIES.items()}
            else:
                answers = {
                    kind: send(route.url, body)
                    if content_type == "form"
                    else send(route.url, body, content_type=content_type)
                    for kind, (content_type, body) in (
                        json_cases if route.api else form_cases
                    ).items()
                }
            sent += len(answers)
            # Then none is a 500, and every API error is {code, message} with a listed code
            problems += [problem(route, method, kind, a) or "" for kind, a in answers.items()]
    assert sent > 200  # every route was reached, not a handful
    found = [p for p in problems if p]
    assert not found, "\n".join(found)


# The socket --------------------------------------------------------------------------------


def socket_frames(stream: str, action: str) -> dict[str, str]:
    def frame(data_json: str) -> str:
        return f'{{"op":"do","stream":"{stream}","action":"{action}","ref":"f","data":{data_json}}}'

    frames = {
        kind: frame(json.dumps(dict.fromkeys(SOCKET_FIELDS, value)))
        for kind, value in STRINGS.items()
    }
    frames["surrogate"] = frame("{" + ",".join(f'"{f}":"\\ud800"' for f in SOCKET_FIELDS) + "}")
    frames["huge"] = frame(json.dumps(dict.fromkeys(SOCKET_FIELDS, HUGE)))
    frames["wrong_types"] = frame(
        json.dumps({f: WRONG_TYPES[i % len(WRONG_TYPES)] for i, f in enumerate(SOCKET_FIELDS)})
    )
    frames["deep"] = frame('{"x":' + DEEP + "}")
    frames["empty"] = frame("{}")
    return frames


def test_no_socket_action_answers_hostile_input_with_internal_or_an_undocumented_code(
    daphne_url: str,
) -> None:
    world = build_world()
    keys = {
        "board": world.board.pk,
        "topic": world.topic.pk,
        "room": world.ids["room_id"],
        "ballot": world.ids["ballot_id"],
        "place": world.s.place.pk,
        "outreach": world.ids["outreach_id"],
    }
    actions = sorted(registry._actions)
    assert len(actions) > 10
    problems: list[str] = []
    for who, person in world.people.items():
        token = Token.objects.create(user=person)
        keys["user"] = person.pk
        for kind, action in actions:
            stream = f"{kind}.{keys.get(kind, 1)}"
            # A socket per action: each has its own rate bucket (burst 60).
            with connect(
                f"ws://{daphne_url}/ws/",
                subprotocols=["linli.v1", f"token.{token.key}"],
                open_timeout=10,
                compression=None,
            ) as ws:
                for value_kind, frame in socket_frames(stream, action).items():
                    ws.send(frame)
                    answer = _answer_to(ws, "f")
                    where = f"{who} {action} on {stream} [{value_kind}]: {answer}"
                    if answer["op"] == "ok":
                        continue
                    code = answer.get("code")
                    if code == "internal" or code not in DOCUMENTED or not answer.get("message"):
                        problems.append(where)
        token.delete()
    assert not problems, "\n".join(problems)


def _answer_to(ws: Any, ref: str) -> dict[str, Any]:
    """The answer to `ref`, skipping events the actions published."""
    deadline = timezone.now() + timezone.timedelta(seconds=15)
    while timezone.now() < deadline:
        frame = json.loads(ws.recv(timeout=15))
        if frame.get("ref") == ref or (frame["op"] == "err" and "stream" not in frame):
            return frame
    raise AssertionError("no answer")
