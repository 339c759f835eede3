"""Plain-text helpers for posts. Pure."""

from __future__ import annotations

EXCERPT_MAX = 140


def title_from(body: str, limit: int) -> str:
    return body.strip().splitlines()[0][:limit]


def excerpt(title: str, body: str) -> str:
    """The opening of a post, without repeating a title taken from its first line."""
    text = body.strip()
    first, _, rest = text.partition("\n")
    if first.strip() == title.strip():
        text = rest.strip()
    return text[:EXCERPT_MAX]
