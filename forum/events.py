"""Payloads the forum publishes: the contract the browser code and other apps read."""

from typing import TypedDict

from django.urls import reverse

from forum import text
from forum.models import Post, Topic


class TopicPayload(TypedDict):
    id: int
    board: int
    title: str
    author: str
    excerpt: str
    created_at: str
    reply_count: int
    url: str


class PostPayload(TypedDict):
    id: int
    topic: int
    author: str
    body: str
    body_html: str
    created_at: str


def topic_payload(topic: Topic, first_post: Post) -> TopicPayload:
    return {
        "id": topic.pk,
        "board": topic.board_id,
        "title": topic.title,
        "author": topic.author.public_name,
        "excerpt": text.excerpt(topic.title, first_post.body),
        "created_at": topic.created_at.isoformat(),
        "reply_count": topic.reply_count,
        "url": reverse("topic", args=[topic.pk]),
    }


def post_payload(post: Post) -> PostPayload:
    return {
        "id": post.pk,
        "topic": post.topic_id,
        "author": post.author.public_name,
        "body": post.body,
        "body_html": post.body_html,
        "created_at": post.created_at.isoformat(),
    }
