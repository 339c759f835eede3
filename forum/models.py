"""Boards, topics and posts. Posts are Markdown, rendered once when written; kinds come later."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Neighborhood

TITLE_MAX = 80
BODY_MAX = 5000


class Board(models.Model):
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.CASCADE, related_name="boards")
    name = models.CharField(_("name"), max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("board")
        verbose_name_plural = _("boards")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["neighborhood", "name"], name="board_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def stream(self) -> str:
        return f"board.{self.pk}"


class Topic(models.Model):
    class Kind(models.TextChoices):
        DISCUSSION = "discussion", _("discussion")

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="topics")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.DISCUSSION)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("created at"))
    last_post_at = models.DateTimeField()
    reply_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        indexes = [models.Index(fields=["board", "-last_post_at"], name="topic_board_recent")]

    def __str__(self) -> str:
        return self.title

    @property
    def stream(self) -> str:
        return f"topic.{self.pk}"


class Post(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    body = models.TextField(_("text"), max_length=BODY_MAX)
    # core.markup's rendering of body, made once when the post is written (pages and
    # payloads never render per request); the only field templates mark safe.
    body_html = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [models.Index(fields=["topic", "created_at"], name="post_topic_time")]

    def __str__(self) -> str:
        return self.body[:40]
