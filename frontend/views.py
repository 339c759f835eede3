"""Pages. Thin: read through selectors, write through services, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import acting_user
from accounts.permissions import Perm
from core.errors import DomainError, NotFound
from forum import selectors, services
from forum.text import excerpt
from realtime.selectors import stream_head


def home(request: HttpRequest) -> HttpResponse:
    places = (
        selectors.boards_for_member(user=acting_user(request))
        if request.user.is_authenticated
        else []
    )
    # Residents land on their board; the committee lands on the home page with its places.
    serves = (
        bool(places)
        and request.user.is_authenticated
        and bool(access.neighborhoods_with(acting_user(request), Perm.LEDGER_VIEW))
    )
    if len(places) == 1 and places[0][1] and request.GET.get("all") is None and not serves:
        return redirect("board", board_id=places[0][1][0].pk)
    return render(request, "frontend/home.html", {"places": places})


@login_required
def board(request: HttpRequest, board_id: int) -> HttpResponse:
    try:
        found = selectors.board_for_reader(user=acting_user(request), board_id=board_id)
    except NotFound as exc:
        raise Http404 from exc
    # The seq is read before the topics: the live feed resumes from it with no gap.
    seq = stream_head(found.stream)
    topics = list(selectors.board_topics(board=found))
    openers = selectors.first_posts(topics)
    rows = [
        (topic, excerpt(topic.title, openers[topic.pk].body) if topic.pk in openers else "")
        for topic in topics
    ]
    siblings = [b for n, bs in selectors.boards_for_member(user=acting_user(request)) for b in bs]
    return render(
        request,
        "frontend/board.html",
        {"board": found, "rows": rows, "seq": seq, "siblings": siblings},
    )


@login_required
@require_POST
def topic_new(request: HttpRequest, board_id: int) -> HttpResponse:
    try:
        found = selectors.board_for_reader(user=acting_user(request), board_id=board_id)
        services.topic_create(
            user=acting_user(request),
            board=found,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.render())
    return redirect("board", board_id=board_id)


@login_required
def topic(request: HttpRequest, topic_id: int) -> HttpResponse:
    try:
        found = selectors.topic_for_reader(user=acting_user(request), topic_id=topic_id)
    except NotFound as exc:
        raise Http404 from exc
    seq = stream_head(found.stream)
    posts = selectors.topic_posts(topic=found)
    earlier = found.reply_count + 1 - len(posts)
    return render(
        request,
        "frontend/topic.html",
        {"topic": found, "posts": posts, "seq": seq, "earlier": max(earlier, 0)},
    )


@login_required
@require_POST
def post_new(request: HttpRequest, topic_id: int) -> HttpResponse:
    try:
        found = selectors.topic_for_reader(user=acting_user(request), topic_id=topic_id)
        services.post_create(
            user=acting_user(request), topic=found, body=request.POST.get("body", "")
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.render())
    return redirect("topic", topic_id=topic_id)
