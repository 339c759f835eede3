from django.db import models


class StreamHead(models.Model):
    """The last sequence number handed out per stream.

    Incremented with an upsert in the writer's transaction: the row lock serialises writers
    of one stream until commit, so seqs commit in order with no gaps, and a rollback hands
    the number back.
    """

    stream = models.CharField(max_length=64, primary_key=True)
    seq = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.stream}@{self.seq}"


class Event(models.Model):
    stream = models.CharField(max_length=64)
    seq = models.BigIntegerField()
    type = models.CharField(max_length=64)
    data = models.JSONField()
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "seq"], name="event_unique_stream_seq")
        ]
        indexes = [models.Index(fields=["at"], name="event_at")]

    def __str__(self) -> str:
        return f"{self.stream}#{self.seq} {self.type}"


class ServerLease(models.Model):
    """A live server process: it renews `expires_at` every few seconds (realtime/lease.py).

    Times are the database's clock (`now()`), so the servers' clocks need not agree. A row
    whose time has passed belongs to a process that died or stalled; what it counted
    (presence) is dropped by the next sweep.
    """

    id = models.CharField(max_length=100, primary_key=True)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.id} until {self.expires_at:%H:%M:%S}"
