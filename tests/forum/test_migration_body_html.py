"""forum 0002 renders the posts written before body_html existed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests import factories

BEFORE = [("forum", "0001_initial")]
AFTER = [("forum", "0002_post_body_html")]


@pytest.mark.django_db(transaction=True)
def test_existing_posts_are_rendered_by_the_migration() -> None:
    place = factories.neighborhood()
    author = factories.resident(place)
    board = factories.board(place)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    now = timezone.now()
    topic = old.get_model("forum", "Topic").objects.create(
        board_id=board.pk, title="旧帖", author_id=author.pk, created_at=now, last_post_at=now
    )
    post = old.get_model("forum", "Post").objects.create(
        topic=topic, author_id=author.pk, body="# 旧帖\n\n- 一\n\n<b>", created_at=now
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    stored = new.get_model("forum", "Post").objects.get(pk=post.pk)
    assert stored.body_html == "<h2>旧帖</h2>\n<ul>\n<li>一</li>\n</ul>\n<p>&lt;b&gt;</p>"
