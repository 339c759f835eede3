"""Ballots, their frozen electorate, votes (open and secret), proxies, paper ballots, 公示.

The rules (tallies, quorum, pass rules, the Civil Code presets) are in voting/tally.py and
know nothing of these tables; voting/services.py is the one writer.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.ledger.filters import ADULT_AGE
from accounts.models import Building, Household, Neighborhood, Owner, Resident


class Method(models.TextChoices):
    YES_NO = "yes_no", _("yes / no / abstain")
    SINGLE = "single", _("single choice")
    MULTIPLE = "multiple", _("multiple choice")
    RANKED = "ranked", _("ranked choice")


class VoterUnit(models.TextChoices):
    PERSON = "person", _("each verified adult")
    HOUSEHOLD = "household", _("each household")
    OWNER = "owner", _("each owner (业主)")


class Scope(models.TextChoices):
    NEIGHBORHOOD = "neighborhood", _("the whole neighborhood")
    BUILDING = "building", _("one building")
    UNITS = "units", _("a list of units")


class Visibility(models.TextChoices):
    LIVE = "live", _("live, for everyone")
    AFTER_VOTE = "after_vote", _("after one has voted")
    AFTER_CLOSE = "after_close", _("only after close")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


class Ballot(models.Model):
    neighborhood = models.ForeignKey(Neighborhood, on_delete=models.PROTECT, related_name="ballots")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    # The matter template it was made from (voting/matters.py) and the legal basis shown.
    matter = models.CharField(_("matter"), max_length=32, default="custom")
    legal_basis = models.TextField(_("legal basis"), blank=True)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    min_choices = models.PositiveSmallIntegerField(default=1)
    max_choices = models.PositiveSmallIntegerField(default=1)
    voter_unit = models.CharField(_("voter unit"), max_length=16, choices=VoterUnit.choices)
    scope = models.CharField(_("electorate"), max_length=16, choices=Scope.choices)
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="ballots"
    )
    unit_ids = models.JSONField(default=list, blank=True)  # household ids, for Scope.UNITS
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=ADULT_AGE)
    secret = models.BooleanField(_("secret ballot"), default=False)
    visibility = models.CharField(
        _("results shown"), max_length=16, choices=Visibility.choices, default=Visibility.LIVE
    )
    # voting.tally.Rule as data (voting.tally.rule_to_data); `preset` names where it came from.
    preset = models.CharField(_("rule"), max_length=32)
    rule = models.JSONField()
    proxy_limit = models.PositiveSmallIntegerField(_("proxies one delegate may hold"), default=1)
    notice_days = models.PositiveSmallIntegerField(_("days of public notice"), default=7)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    closes_at = models.DateTimeField(_("closes at"))
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Totals of the snapshot taken at open: the denominators, which ledger edits never move.
    electorate_heads = models.PositiveIntegerField(default=0)
    electorate_area = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    # The certified result, written once at close (voting.tally.outcome_to_data).
    result = models.JSONField(null=True, blank=True)
    notice_until = models.DateTimeField(null=True, blank=True)
    # Staff who close before closes_at must say why; the record (公示) shows it. Empty for a
    # close on schedule and for a deliberation room's vote, which its minutes record.
    close_reason = models.TextField(_("why it was closed early"), blank=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        indexes = [models.Index(fields=["neighborhood", "status"], name="ballot_place_status")]

    def __str__(self) -> str:
        return self.title

    @property
    def stream(self) -> str:
        return f"ballot.{self.pk}"


class Option(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="options")
    key = models.CharField(max_length=16)  # "yes" / "no" / "abstain", or "1", "2", ...
    label = models.CharField(_("option"), max_length=120)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "key"], name="option_unique_key"),
        ]

    def __str__(self) -> str:
        return self.label


class Elector(models.Model):
    """One voter unit of the electorate, frozen when the ballot opened.

    Exactly one of user (person), household (household) or owner (owner) is set, by the
    ballot's voter unit. `area` is the floor area that unit weighs with: the household's,
    or the sum over all an owner's units in the electorate.
    """

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="electors")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        Owner, on_delete=models.PROTECT, null=True, blank=True, related_name="electors"
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    area = models.DecimalField(max_digits=10, decimal_places=2)
    # How staff find the elector door to door: address(es) and the masked name.
    label = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "user"], condition=Q(user__isnull=False), name="elector_user"
            ),
            models.UniqueConstraint(
                fields=["ballot", "household"],
                condition=Q(household__isnull=False),
                name="elector_household",
            ),
            models.UniqueConstraint(
                fields=["ballot", "owner"], condition=Q(owner__isnull=False), name="elector_owner"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    PAPER = "paper", _("paper (书面征询)")


class Participation(models.Model):
    """That an elector voted: one row per elector, so the database refuses a second vote.

    For secret ballots it is the only link between a voter and the ballot; the choice is in
    a SecretVote row written in the same transaction and not linked back.
    """

    # No index of its own: participation_ballot_at leads with the ballot (one index fewer
    # to write per vote).
    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, related_name="participations", db_index=False
    )
    elector = models.OneToOneField(Elector, on_delete=models.CASCADE, related_name="participation")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proxy = models.ForeignKey("Proxy", on_delete=models.PROTECT, null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["ballot", "at"], name="participation_ballot_at")]

    def __str__(self) -> str:
        return f"{self.elector} ({self.channel})"


class Vote(models.Model):
    """An open ballot's vote: who voted how, changeable until close (VoteRevision keeps
    every earlier choice)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    elector = models.OneToOneField(Elector, on_delete=models.CASCADE, related_name="vote")
    choice = models.JSONField()  # option keys; for ranked, in order of preference
    area = models.DecimalField(max_digits=10, decimal_places=2)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.elector}: {self.choice}"


class VoteRevision(models.Model):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="revisions")
    choice = models.JSONField()
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.vote_id} @ {self.at}"


class SecretVote(models.Model):
    """A secret ballot's choice: no voter, no household, no time, a random key.

    The receipt is shown once to the voter and published with every other receipt at
    close, so each voter can check their ballot was counted as cast.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="secret_votes")
    choice = models.JSONField()
    area = models.DecimalField(max_digits=10, decimal_places=2)
    receipt = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "receipt"], name="secretvote_receipt"),
        ]

    def __str__(self) -> str:
        return self.receipt


class Proxy(models.Model):
    """委托: an elector lets another verified adult vote in their place on one ballot."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="proxies")
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="proxies")
    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proxies_held"
    )
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["elector"], condition=Q(revoked_at__isnull=True), name="proxy_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.elector} -> {self.delegate_id}"


class PaperStatus(models.TextChoices):
    PENDING = "pending", _("waiting for a second check")
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")


class PaperBallot(models.Model):
    """书面征询: a paper form collected door to door, entered by one staff member and
    counted only once a second one confirms it against the photo."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="paper_ballots")
    elector = models.ForeignKey(Elector, on_delete=models.CASCADE, related_name="paper_ballots")
    choice = models.JSONField()
    photo = models.FileField(upload_to="paper-ballots/%Y/%m/")
    status = models.CharField(max_length=16, choices=PaperStatus.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["elector"], condition=Q(status="pending"), name="paper_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.elector} ({self.status})"


class Objection(models.Model):
    """An objection to a published result, filed during the notice (公示) period."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="objections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("objection"))
    created_at = models.DateTimeField()
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.ballot_id}: {self.text[:20]}"


class TallyGate(models.Model):
    """When the ballot's last live tally went out: the cross-process gate of the 200 ms
    coalescing (voting/live.py). A row of its own, so claiming it never waits on the locks
    that votes and the close take on the ballot row."""

    ballot = models.OneToOneField(Ballot, on_delete=models.CASCADE, primary_key=True)
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.ballot_id} @ {self.sent_at}"
