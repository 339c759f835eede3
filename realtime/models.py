from django.conf import settings
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


class IdempotentRequest(models.Model):
    """The first answer to a creating request sent with an idempotency key (REST
    `Idempotency-Key`, socket `do` `key`), kept a day so a retry gets it again.

    Nothing here reads without the client's key: `key` and `request` are keyed hashes, and
    the answer (which may hold a secret ballot's receipt) is sealed with a key derived from
    the client's key and credential (realtime/idempotency.py). The unique constraint makes
    a concurrent retry wait for the first one's commit.
    """

    # No foreign key in the database: its KEY SHARE lock on the user row would let two
    # requests of one user that both lock that row (verification does) deadlock. Django
    # still deletes the rows with the user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_constraint=False, related_name="+"
    )
    key = models.CharField(max_length=64)
    request = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)  # None until answered (same commit)
    answer = models.TextField(blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotent_request_unique_key")
        ]
        indexes = [models.Index(fields=["expires_at"], name="idempotent_request_expiry")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.key[:8]}"


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
