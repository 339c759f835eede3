"""Deliberation rooms (议事厅): the room, its append-only event log, speeches, bound ballots.

The rules are in moderation/procedure/ (pure); moderation/rooms/ is the one writer. The
room's state is stored as a snapshot beside the log it was built from, so a command reads
one row; `replay(log)` rebuilds the same state (tested).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Neighborhood
from voting.models import Ballot


class RoomStatus(models.TextChoices):
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class Room(models.Model):
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="rooms")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    preset = models.CharField(_("rules of procedure"), max_length=32)
    status = models.CharField(max_length=16, choices=RoomStatus.choices, default=RoomStatus.OPEN)
    # moderation.procedure.snapshot.state_to_data of the state after the last event.
    state = models.JSONField()
    # How many events the log holds: the next event's number is events + 1.
    events = models.PositiveIntegerField(default=0)
    # The seq of the last event published on room.<id>, written under the same row lock as
    # the event: a snapshot reads state and seq from one row, so none falls between them.
    seq = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    minutes_topic = models.ForeignKey(
        "forum.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("deliberation room")
        verbose_name_plural = _("deliberation rooms")
        indexes = [models.Index(fields=["neighborhood", "status"], name="room_place_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def stream(self) -> str:
        return f"room.{self.pk}"


class RoomEvent(models.Model):
    """The room's own log, never trimmed (the realtime backlog is): minutes and replay."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField()
    type = models.CharField(max_length=32)
    data = models.JSONField()
    at = models.DateTimeField()
    # Who issued the command that caused it (None: the server's clock or presence).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "number"], name="roomevent_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.room_id}#{self.number} {self.type}"


class Speech(models.Model):
    """The text of a speech; the engine knows it by `number` (its speech id)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="speeches")
    number = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    motion = models.PositiveIntegerField(null=True, blank=True)
    side = models.CharField(max_length=8, blank=True)
    text = models.TextField()
    at = models.DateTimeField()
    off_topic = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "number"], name="speech_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.room_id}/{self.number}"


class RoomBallot(models.Model):
    """The ballot the chair opened on a motion (the vote phase)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="ballots")
    motion = models.PositiveIntegerField()
    ballot = models.OneToOneField(Ballot, on_delete=models.PROTECT, related_name="room_binding")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "motion"], name="roomballot_unique_motion")
        ]

    def __str__(self) -> str:
        return f"{self.room_id}: motion {self.motion}"


class Attendance(models.Model):
    """How many sockets a user has following the room through one server process. The
    user is present while the rows of live processes (realtime/lease.py) add up to more
    than 0: the chair leaving (down to 0) pauses the room; coming back resumes it.

    Counts are per process because a process killed with -9 never counts down: once its
    lease expires, a sweeper sets its rows to 0. Rows stay at 0 rather than being deleted:
    they are the record of who attended (the minutes list them)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The id of the server process's lease (realtime.models.ServerLease), not a foreign
    # key: the lease row goes when the process does, the count outlives it until swept.
    process = models.CharField(max_length=100, default="")
    sockets = models.IntegerField(default=0)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["room", "user", "process"], name="attendance_unique_user_process"
            )
        ]
        indexes = [
            # The sweeper looks only at counts still held: a small part of the table.
            models.Index(fields=["process"], name="attendance_held", condition=~models.Q(sockets=0))
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room_id} via {self.process or '-'}: {self.sockets}"
