from __future__ import annotations

import threading

import pytest
from django.db import connection

from forum import services
from realtime.models import Event
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_concurrent_replies_publish_the_counts_they_made(postgres: None) -> None:
    place = factories.neighborhood()
    board = factories.board(place)
    author = factories.resident(place)
    topic = services.topic_create(user=author, board=board, title="", body="楼道灯")
    barrier = threading.Barrier(4)

    def reply() -> None:
        try:
            barrier.wait()
            services.post_create(user=author, topic=topic, body="+1")
        finally:
            connection.close()

    threads = [threading.Thread(target=reply) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = sorted(
        e.data["reply_count"]
        for e in Event.objects.filter(stream=board.stream, type="topic.replied")
    )
    assert counts == [1, 2, 3, 4]
    topic.refresh_from_db()
    assert topic.reply_count == 4


@pytest.mark.django_db
def test_authors_are_shown_by_display_name_never_by_login() -> None:
    place = factories.neighborhood()
    board = factories.board(place)
    author = factories.resident(place, "13800000000", name="")
    services.topic_create(user=author, board=board, title="", body="你好")
    event = Event.objects.get(stream=board.stream)
    assert "13800000000" not in str(event.data)
    assert event.data["author"]
