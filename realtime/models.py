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
