"""Posts are rendered once, when written: every writer stores body_html beside body and
publishes both."""

from __future__ import annotations

import pytest

from forum import services
from forum.models import Post
from realtime.models import Event
from tests import factories

pytestmark = pytest.mark.django_db

TEXT = "# 停水\n\n- 明天\n- 上午\n\n<script>x</script> [详情](https://other.example/)"


def test_topic_create_stores_the_rendered_first_post() -> None:
    place = factories.neighborhood()
    board = factories.board(place)
    topic = services.topic_create(
        user=factories.resident(place), board=board, title="停水", body=TEXT
    )
    post = Post.objects.get(topic=topic)
    assert post.body == TEXT  # the raw text stays, for editing
    assert "<h2>停水</h2>" in post.body_html
    assert "<li>明天</li>" in post.body_html
    assert "&lt;script&gt;" in post.body_html and "<script" not in post.body_html
    assert 'target="_blank"' in post.body_html


def test_post_create_stores_and_publishes_the_rendered_body() -> None:
    place = factories.neighborhood()
    board = factories.board(place)
    author = factories.resident(place)
    topic = services.topic_create(user=author, board=board, title="停水", body="好")
    post = services.post_create(user=author, topic=topic, body=TEXT)
    assert post.body_html.startswith("<h2>停水</h2>")
    event = Event.objects.get(stream=topic.stream, type="post.created")
    assert event.data["body"] == TEXT
    assert event.data["body_html"] == post.body_html


def test_links_to_the_site_itself_stay_in_the_tab(settings: object) -> None:
    settings.LINLI_SITE_HOSTS = ["linli.example"]  # type: ignore[attr-defined]
    place = factories.neighborhood()
    topic = services.topic_create(
        user=factories.resident(place),
        board=factories.board(place),
        title="",
        body="[投票](https://linli.example/ballots/) [外](https://other.example/)",
    )
    html = Post.objects.get(topic=topic).body_html
    assert '<a href="https://linli.example/ballots/" rel="nofollow noopener ugc">' in html
    assert '<a href="https://other.example/" rel="nofollow noopener ugc" target="_blank">' in html


def test_minutes_posted_to_the_board_are_rendered() -> None:
    place = factories.neighborhood()
    board = factories.board(place)
    staff = factories.staff(place)
    topic = services.minutes_topic_create(
        actor=staff,
        board=board,
        title="会议纪要",
        bodies=["# 会议纪要\n\n- 出席:9人", "## 议题\n\n- 通过"],
    )
    posts = list(Post.objects.filter(topic=topic).order_by("pk"))
    assert [p.body_html for p in posts] == [
        "<h2>会议纪要</h2>\n<ul>\n<li>出席:9人</li>\n</ul>",
        "<h2>议题</h2>\n<ul>\n<li>通过</li>\n</ul>",
    ]


def test_the_topic_page_shows_the_stored_html(client: object) -> None:
    place = factories.neighborhood()
    author = factories.resident(place)
    topic = services.topic_create(
        user=author, board=factories.board(place), title="表", body="| a |\n|---|\n| 1 |"
    )
    client.force_login(author)  # type: ignore[attr-defined]
    page = client.get(f"/topics/{topic.pk}/").content.decode()  # type: ignore[attr-defined]
    assert '<div class="body rich"><table tabindex="0">' in page
    assert "| a |" not in page
