"""Pages work as plain HTML: read, post, refuse outsiders, speak Chinese by default."""

from __future__ import annotations

import pytest
from django.test import Client

from forum.models import Topic
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return factories.neighborhood("昌里第五")


@pytest.fixture
def board(place):
    return factories.board(place)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_front_page_invites_to_log_in_in_chinese() -> None:
    response = Client().get("/")
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.content.decode()
    assert "登录" in response.content.decode()


def test_english_is_the_second_language() -> None:
    response = Client(headers={"accept-language": "en"}).get("/")
    assert 'lang="en"' in response.content.decode() and "Log in" in response.content.decode()


def test_a_resident_posts_through_the_plain_form(place, board) -> None:
    client = logged_in(factories.resident(place))
    response = client.post(f"/boards/{board.pk}/topics/", {"title": "", "body": "楼道灯坏了\n三楼"})
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert topic.title == "楼道灯坏了" and topic.posts.get().body == "楼道灯坏了\n三楼"
    page = client.get(f"/boards/{board.pk}/").content.decode()
    assert "楼道灯坏了" in page and 'data-seq="1"' in page
    reply = client.post(f"/topics/{topic.pk}/posts/", {"body": "已经报修了"})
    assert reply.status_code == 302
    assert "已经报修了" in client.get(f"/topics/{topic.pk}/").content.decode()


def test_an_empty_post_is_refused_with_a_message_and_nothing_written(place, board) -> None:
    client = logged_in(factories.resident(place))
    response = client.post(f"/boards/{board.pk}/topics/", {"body": "   "}, follow=True)
    assert "请" in response.content.decode()  # the translated "please write something"
    assert not Topic.objects.exists()


def test_outsiders_get_404_not_a_hint(place, board) -> None:
    outsider = logged_in(factories.resident(factories.neighborhood("云台第一")))
    assert outsider.get(f"/boards/{board.pk}/").status_code == 404
    assert outsider.post(f"/boards/{board.pk}/topics/", {"body": "x"}).status_code == 404
    assert outsider.get("/boards/999999/").status_code == 404
    assert not Topic.objects.exists()


def test_staff_may_post_an_unverified_user_may_not(place, board) -> None:
    assert (
        logged_in(factories.staff(place))
        .post(f"/boards/{board.pk}/topics/", {"body": "居委通知"})
        .status_code
        == 302
    )
    anonymous = Client().get(f"/boards/{board.pk}/")
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    unverified = logged_in(factories.user())
    assert unverified.get(f"/boards/{board.pk}/").status_code == 404


def test_pages_send_a_strict_content_security_policy(place, board) -> None:
    response = logged_in(factories.resident(place)).get(f"/boards/{board.pk}/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()


def test_login_with_the_demo_form(place) -> None:
    factories.resident(place, "wang")
    client = Client()
    response = client.post("/login/", {"username": "wang", "password": factories.PASSWORD})
    assert response.status_code == 302
    # a signed-in user is sent away from the log-in page (allauth), so a fresh client
    wrong = Client().post("/login/", {"username": "wang", "password": "nope"})
    assert wrong.status_code == 200 and "form-error" in wrong.content.decode()


def test_the_board_page_costs_the_same_queries_for_3_or_30_topics(
    place, board, django_assert_num_queries
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from forum import services

    author = factories.resident(place)
    client = logged_in(author)
    for i in range(3):
        services.topic_create(user=author, board=board, title="", body=f"话题{i}")
    client.get(f"/boards/{board.pk}/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(f"/boards/{board.pk}/")
    for i in range(27):
        services.topic_create(user=author, board=board, title="", body=f"更多{i}")
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(f"/boards/{board.pk}/")
    assert page.content.decode().count('<li class="topic"') == 30
