"""Fresh bench database: drop, create, migrate, one neighborhood, one board, one token.

Run as `python -m bench.fixtures` with `common.django_env()`; prints {"board", "token"}.
"""

from __future__ import annotations

import os
import urllib.parse

import psycopg

from bench.common import DATABASE_URL, reply


def recreate_database(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        # FORCE: a server left over from an interrupted run must not block the drop.
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    recreate_database(os.environ.get("DATABASE_URL", DATABASE_URL))

    import django

    django.setup()
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from tests import factories

    call_command("migrate", verbosity=0, interactive=False)
    place = factories.neighborhood("基准测试居民区")
    board = factories.board(place, "基准")
    user = factories.resident(place, "bench")
    token = Token.objects.create(user=user)
    reply({"board": board.pk, "token": token.key})


if __name__ == "__main__":
    main()
