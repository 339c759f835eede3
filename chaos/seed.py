"""The harness's data, written through the project's own factories and services.

Runs as a child process (`python -m chaos.seed ...`) with the private services in its
environment, and answers with one JSON line:

- `scene --clients N --topics a,b,c --ballots K`: one neighborhood, one board, a topic per
  name, N verified residents (each the representative of a household of their own) with a
  logged-in session each, a secretary who chairs one deliberation room, K open household
  ballots (yes / no / abstain, results live).
- `write --topic T --count N --tag TAG`: N replies to topic T through forum.services, as
  another server process or an app would write them while no socket server runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any


def _session(user: Any) -> str:
    """A logged-in session, as django.contrib.auth.login() leaves it (session hash included)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return str(store.session_key)


def scene(clients: int, topics: list[str], ballots: int) -> dict[str, Any]:
    from django.utils import timezone

    from forum import services as forum
    from moderation.rooms import services as rooms
    from tests import factories
    from voting import services as voting

    place = factories.neighborhood("混沌测试居民区")
    board = factories.board(place, "故障演练")
    chair = factories.staff(place, "chaos-chair", role="secretary")
    residents = [
        factories.verified(factories.household(place), f"居民{number}") for number in range(clients)
    ]
    topic_ids = {
        name: forum.topic_create(
            user=residents[0], board=board, title=f"演练 {name}", body=f"故障演练:{name}"
        ).pk
        for name in topics
    }
    ballot_ids = [
        voting.ballot_create(
            actor=chair,
            neighborhood_id=place.pk,
            title=f"演练表决 {number + 1}",
            voter_unit="household",
            scope="neighborhood",
            visibility="live",
            closes_at=timezone.now() + dt.timedelta(days=1),
            open_now=True,
        ).pk
        for number in range(ballots)
    ]
    room = rooms.room_create(actor=chair, neighborhood_id=place.pk, title="演练议事厅")
    return {
        "place": place.pk,
        "board": board.pk,
        "topics": topic_ids,
        "ballots": ballot_ids,
        "room": room.pk,
        "chair": {"id": chair.pk, "session": _session(chair)},
        "residents": [{"id": user.pk, "session": _session(user)} for user in residents],
    }


def write(topic_id: int, count: int, tag: str) -> dict[str, Any]:
    from forum import services as forum
    from forum.models import Topic

    topic = Topic.objects.select_related("board").get(pk=topic_id)
    author = topic.author
    ids = [
        forum.post_create(user=author, topic=topic, body=f"{tag} writer-{number}").pk
        for number in range(count)
    ]
    return {"ids": ids}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m chaos.seed")
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("scene")
    made.add_argument("--clients", type=int, required=True)
    made.add_argument("--topics", default="")
    made.add_argument("--ballots", type=int, default=3)
    written = commands.add_parser("write")
    written.add_argument("--topic", type=int, required=True)
    written.add_argument("--count", type=int, required=True)
    written.add_argument("--tag", required=True)
    args = parser.parse_args(argv)

    import django

    django.setup()
    if args.command == "scene":
        names = [name for name in args.topics.split(",") if name]
        answer = scene(args.clients, names, args.ballots)
    else:
        answer = write(args.topic, args.count, args.tag)
    sys.stdout.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
