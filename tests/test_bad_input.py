"""Issue 15 item 6: bad input is a clear error with a stable code, never a 500.

Each test names the report it pins down: NUL in a forum topic or reply (form, API and
socket), NUL in the roles page's name, JSON nested 5,000 deep, and the empty multipart
body that reached the ledger import as a bare 400. The fuzz test (test_fuzz_input.py)
then sends such values everywhere.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from websockets.sync.client import connect

from accounts.models import RoleGrant
from core.errors import Invalid
from forum import services
from forum.models import Post, Topic
from tests import factories
from tests.conftest import World

DEEP = "[" * 5000 + "]" * 5000


def page_client(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def assert_error_shape(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


# NUL in a forum topic or reply ------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["title", "body"])
def test_a_nul_in_a_topic_form_is_a_translated_400_page_and_writes_nothing(
    world: World, field: str
) -> None:
    # Given a resident on their board
    client = page_client(world.alice)
    # When the new-topic form carries a NUL
    data = {"title": "楼道灯", "body": "坏了", field: "楼道\x00灯"}
    response = client.post(f"/boards/{world.board.pk}/topics/", data)
    # Then the page answers 400 in Chinese, and nothing is stored
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()
    assert not Topic.objects.exists()


@pytest.mark.django_db
def test_a_nul_in_a_reply_form_is_a_400_and_writes_nothing(world: World) -> None:
    topic = services.topic_create(user=world.alice, board=world.board, title="", body="灯坏了")
    response = page_client(world.bob).post(f"/topics/{topic.pk}/posts/", {"body": "修\x00好了"})
    assert response.status_code == 400
    assert Post.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [("a\x00b", "control_character"), ("\u202egpj.exe", "control_character")],
)
def test_the_forum_services_refuse_control_characters_themselves(
    world: World, text: str, code: str
) -> None:
    # Services are reached from three adapters (and commands): they check too.
    with pytest.raises(Invalid) as topic_refused:
        services.topic_create(user=world.alice, board=world.board, title="", body=text)
    with pytest.raises(Invalid) as title_refused:
        services.topic_create(user=world.alice, board=world.board, title=text, body="正文")
    topic = services.topic_create(user=world.alice, board=world.board, title="", body="灯")
    with pytest.raises(Invalid) as reply_refused:
        services.post_create(user=world.bob, topic=topic, body=text)
    assert {topic_refused.value.code, title_refused.value.code, reply_refused.value.code} == {code}
    assert Post.objects.count() == 1


@pytest.mark.django_db
def test_a_nul_escaped_in_json_is_refused_by_the_api(world: World) -> None:
    body = json.dumps({"body": "灯\u0000坏了"})
    response = page_client(world.alice).post(
        f"/api/v1/boards/{world.board.pk}/topics/", body, content_type="application/json"
    )
    assert_error_shape(response, 400, "control_character")
    assert not Topic.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_nul_in_an_api_form_body_is_refused_by_the_parser(world: World, encoding: str) -> None:
    from urllib.parse import urlencode

    client = page_client(world.alice)
    url = f"/api/v1/boards/{world.board.pk}/topics/"
    data = {"body": "灯\x00坏了"}
    response = (
        client.post(url, data)
        if encoding == "multipart"
        else client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")
    )
    assert_error_shape(response, 400, "control_character")
    assert not Topic.objects.exists()


@pytest.mark.django_db
def test_a_lone_surrogate_escaped_in_json_is_invalid_text(world: World) -> None:
    response = page_client(world.alice).post(
        f"/api/v1/boards/{world.board.pk}/topics/",
        '{"body": "\\ud800"}',
        content_type="application/json",
    )
    assert_error_shape(response, 400, "invalid_text")


@pytest.mark.django_db
def test_a_nul_in_a_query_parameter_is_refused_before_the_view(world: World) -> None:
    client = page_client(world.alice)
    api = client.get(f"/api/v1/boards/{world.board.pk}/?x=%00")
    page = client.get(f"/boards/{world.board.pk}/?x=%00")
    assert_error_shape(api, 400, "control_character")
    assert page.status_code == 400 and "控制字符" in page.content.decode()


@pytest.fixture
def socket_for(daphne_url: str) -> Iterator[Any]:
    with ExitStack() as opened:

        def _open(user: Any) -> Any:
            token = Token.objects.create(user=user)
            return opened.enter_context(
                connect(
                    f"ws://{daphne_url}/ws/",
                    subprotocols=["linli.v1", f"token.{token.key}"],
                    open_timeout=10,
                    compression=None,
                )
            )

        yield _open


def ask(ws: Any, frame: dict[str, Any] | str) -> dict[str, Any]:
    ws.send(frame if isinstance(frame, str) else json.dumps(frame))
    return json.loads(ws.recv(timeout=10))


def test_the_socket_refuses_nul_and_deep_frames_with_documented_codes(
    world: World, socket_for: Any
) -> None:
    # Given a resident's socket on the real server
    ws = socket_for(world.alice)
    stream = world.board.stream
    # When a topic and a reply carry a NUL (escaped, as JSON must), or a frame nests deep
    nul_topic = ask(
        ws,
        {
            "op": "do",
            "stream": stream,
            "action": "topic.create",
            "data": {"body": "a\x00"},
            "ref": "t",
        },
    )
    bidi = ask(
        ws,
        {
            "op": "do",
            "stream": stream,
            "action": "topic.create",
            "data": {"title": "\u202e", "body": "x"},
            "ref": "b",
        },
    )
    deep = ask(ws, '{"op":"ping","ref":"d","x":' + DEEP + "}")
    # Then each is an `err` with its code and a message, and the socket stays usable
    assert (nul_topic["op"], nul_topic["code"], nul_topic["ref"]) == (
        "err",
        "control_character",
        "t",
    )
    assert (bidi["code"], bidi["ref"]) == ("control_character", "b")
    assert (deep["op"], deep["code"]) == ("err", "too_deep")
    assert nul_topic["message"] and deep["message"]
    assert ask(ws, {"op": "ping", "ref": "p"}) == {"op": "pong", "ref": "p"}
    assert not Topic.objects.exists()


# NUL in the roles page's name ------------------------------------------------------------


@pytest.mark.django_db
def test_a_nul_in_the_roles_page_name_is_a_clean_error() -> None:
    place = factories.neighborhood()
    secretary = factories.staff(place, role="secretary")
    factories.user("xiaoli")
    client = page_client(secretary)
    response = client.post(
        f"/committee/{place.pk}/roles/", {"username": "xiaoli\x00", "role": "staff"}
    )
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()
    assert RoleGrant.objects.count() == 1  # the secretary's own


@pytest.mark.django_db
def test_the_role_service_refuses_a_nul_in_the_name_itself() -> None:
    from accounts.roles import services as roles

    place = factories.neighborhood()
    secretary = factories.staff(place, role="secretary")
    with pytest.raises(Invalid) as refused:
        roles.role_grant(
            actor=secretary, neighborhood_id=place.pk, username="xiaoli\x00", role="staff"
        )
    assert refused.value.code == "control_character"


# JSON nested 5,000 deep ---------------------------------------------------------------


@pytest.mark.django_db
def test_json_nested_5000_deep_is_a_400_too_deep(world: World) -> None:
    client = page_client(factories.staff(world.place, role="secretary"))
    for url in (
        f"/api/v1/boards/{world.board.pk}/topics/",
        f"/api/v1/neighborhoods/{world.place.pk}/rooms/",
        f"/api/v1/neighborhoods/{world.place.pk}/ballots/",
    ):
        response = client.post(url, DEEP, content_type="application/json")
        assert_error_shape(response, 400, "too_deep")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", ["{", '{"body": NaN}', '{"body": ' + "9" * 5000 + "}"], ids=["broken", "nan", "int"]
)
def test_broken_json_is_a_400_in_the_error_shape(world: World, body: str) -> None:
    # An int of 5,000 digits is past Python's int parsing limit: a ValueError, not a 500.
    response = page_client(world.alice).post(
        f"/api/v1/boards/{world.board.pk}/topics/", body, content_type="application/json"
    )
    assert_error_shape(response, 400, "invalid")
    assert not Topic.objects.exists()


# The error shape under /api/ ----------------------------------------------------------


@pytest.mark.django_db
def test_django_s_own_404_under_api_is_json(world: World) -> None:
    response = page_client(world.alice).get("/api/v1/no-such-thing/")
    assert_error_shape(response, 404, "not_found")
    page = page_client(world.alice).get("/no-such-page/")
    assert page.status_code == 404 and "text/html" in page["Content-Type"]
    assert "未找到" in page.content.decode()


@pytest.mark.django_db
def test_drf_errors_carry_a_documented_code(world: World) -> None:
    client = page_client(world.alice)
    url = f"/api/v1/boards/{world.board.pk}/topics/"
    assert_error_shape(client.put(url), 405, "method_not_allowed")
    assert_error_shape(
        client.post(url, "x", content_type="text/plain"), 415, "unsupported_media_type"
    )
    assert_error_shape(Client().get(url), 403, "not_authenticated")


@pytest.mark.django_db(transaction=True)
def test_an_empty_multipart_body_on_the_real_server_gets_the_error_shape(
    daphne_url: str,
) -> None:
    # Given the real server (Twisted parsed multipart bodies itself and answered a bare 400)
    place = factories.neighborhood()
    host, port = daphne_url.split(":")
    for body in (b"--boundary--", b"--boundary--\r\n", b"garbage"):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            # When an anonymous client posts an empty multipart body to the import
            connection.request(
                "POST",
                f"/api/v1/neighborhoods/{place.pk}/ledger/import/",
                body=body,
                headers={"Content-Type": "multipart/form-data; boundary=boundary"},
            )
            response = connection.getresponse()
            # Then Django answers, in the API's shape
            assert response.getheader("Content-Type") == "application/json"
            assert response.status == 403
            assert json.loads(response.read())["code"] == "not_authenticated"
        finally:
            connection.close()


# Found by the fuzz test ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type"),
    [("{}", "application/json"), ("--boundary--", "multipart/form-data; boundary=boundary")],
)
def test_a_ballot_without_a_title_is_title_required_not_a_500(
    world: World, body: str, content_type: str
) -> None:
    # The serializer lets the title be left out; the service needs the keyword.
    client = page_client(factories.staff(world.place, role="secretary"))
    response = client.post(
        f"/api/v1/neighborhoods/{world.place.pk}/ballots/", body, content_type=content_type
    )
    assert_error_shape(response, 400, "title_required")


def test_django_s_500_handler_answers_in_the_shape_under_api_and_a_page_elsewhere() -> None:
    # A crash is never expected (the fuzz test looks for one); when it happens, an API
    # client still gets JSON, and nobody sees a traceback.
    from django.test import RequestFactory
    from django.utils import translation

    from config import error_pages

    with translation.override("zh-hans"):
        api = error_pages.server_error(RequestFactory().get("/api/v1/boards/1/"))
        page = error_pages.server_error(RequestFactory().get("/boards/1/"))
    assert_error_shape(api, 500, "server_error")
    assert page.status_code == 500 and "系统出了点问题" in page.content.decode()
    assert "Traceback" not in page.content.decode()


def test_django_s_400_and_403_handlers_answer_in_the_shape_under_api() -> None:
    from django.core.exceptions import PermissionDenied, SuspiciousOperation
    from django.test import RequestFactory

    from config import error_pages

    request = RequestFactory().get("/api/v1/boards/1/")
    assert_error_shape(error_pages.bad_request(request, SuspiciousOperation()), 400, "invalid")
    assert_error_shape(error_pages.permission_denied(request, PermissionDenied()), 403, "forbidden")
