"""Becoming a verified resident (实名实户), and what follows: writes only.

Household codes are issued and revoked by staff; a user redeems one with their real name,
or files a request that staff approve against the ledger. Every attempt, good or bad, is
logged; the log is what limits guessing (limits.py). A refusal is decided before anything
is written, and logged in the same transaction while the user's row (and the code's) is
still locked: concurrent attempts by one user, or on one household's code, queue behind
each other and each counts the failures logged before it.

Locks are taken in one order everywhere: request, user, code, household, residency.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import realtime
from accounts import access, history, identity
from accounts.ledger.filters import ADULT_AGE, age_on
from accounts.models import (
    AttemptOutcome,
    Building,
    Household,
    HouseholdCode,
    IdentityConflict,
    LedgerAction,
    LedgerEntity,
    LedgerMatch,
    Neighborhood,
    NotificationKind,
    RequestStatus,
    Residency,
    Resident,
    User,
    VerificationAttempt,
    VerificationMethod,
    VerificationRequest,
)
from accounts.notifications.events import user_stream
from accounts.notifications.services import notify
from accounts.permissions import Perm
from accounts.verification import codes, events, limits, selectors
from core.cleaning import cleaned
from core.confirm import require_confirmed
from core.errors import DomainError, Forbidden, Invalid, NotFound, RateLimited

_T = TypeVar("_T")

REASON_MAX = 200
NAME_MAX = 32


def code_days() -> int:
    return int(getattr(settings, "LINLI_CODE_DAYS", 30))


def _code_key() -> bytes:
    secret = settings.LINLI_HASH_KEY or settings.SECRET_KEY
    return hashlib.sha256(f"linli:household-code:{secret}".encode()).digest()


def code_hash(canonical: str) -> str:
    """The keyed hash stored for a code; a leaked table cannot be brute-forced offline."""
    return hmac.new(_code_key(), canonical.encode(), hashlib.sha256).hexdigest()


# Errors a person may meet. The message is translated; the code is stable.


def _invalid_code() -> Invalid:
    return Invalid(
        _("This code is not valid. Check it against your letter, or ask your committee."),
        code="invalid_code",
    )


def _too_many(until: dt.datetime) -> RateLimited:
    return RateLimited(
        _("Too many wrong attempts. Please try again after %(time)s, or ask your committee."),
        code="too_many_attempts",
        params={"time": timezone.localtime(until).strftime("%Y-%m-%d %H:%M")},
    )


def _already_verified() -> Invalid:
    return Invalid(
        _("You are already verified for a household. Move out there first."),
        code="already_verified",
    )


def _duplicate_identity() -> Invalid:
    return Invalid(
        _(
            "This person is already verified with another account. One person may have only "
            "one account; the committee has been told and will contact you."
        ),
        code="duplicate_identity",
    )


def _identity_mismatch() -> Invalid:
    return Invalid(
        _("This account was verified as another person and cannot be verified as this one."),
        code="identity_mismatch",
    )


@dataclass
class _Conflict:
    neighborhood_id: int
    existing_user_id: int
    resident_id: int


class _Refusal(Exception):
    """An attempt refused: the error for the user, and what to log once rolled back."""

    def __init__(
        self,
        error: DomainError,
        outcome: str,
        household_id: int | None = None,
        conflict: _Conflict | None = None,
    ) -> None:
        super().__init__(error.code)
        self.error = error
        self.outcome = outcome
        self.household_id = household_id
        self.conflict = conflict


def _log_attempt(user: User, method: str, outcome: str, household_id: int | None) -> None:
    VerificationAttempt.objects.create(
        user=user, method=method, outcome=outcome, household_id=household_id, at=timezone.now()
    )


def _record_refusal(user: User, method: str, refusal: _Refusal) -> None:
    with transaction.atomic():
        _log_attempt(user, method, refusal.outcome, refusal.household_id)
        if refusal.conflict is not None:
            IdentityConflict.objects.create(
                neighborhood_id=refusal.conflict.neighborhood_id,
                claimant=user,
                existing_user_id=refusal.conflict.existing_user_id,
                resident_id=refusal.conflict.resident_id,
                method=method,
                created_at=timezone.now(),
            )


def _attempt(user: User, method: str, work: Callable[[User], _T]) -> _T:
    """Run one attempt to verify `user` with their row locked until it is logged."""
    if not user.is_authenticated:
        raise Forbidden(_("Please log in first."), code="not_authenticated")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        try:
            return work(locked)
        except _Refusal as exc:
            # Nothing was written before a refusal (the one write that may fail, the
            # residency, has its own savepoint), so the log joins this transaction.
            _record_refusal(locked, method, exc)
            refusal = exc
    raise refusal.error from None


def _failures(**where: object) -> list[dt.datetime]:
    return list(
        VerificationAttempt.objects.filter(
            at__gt=limits.window_start(timezone.now()), **where
        ).values_list("at", flat=True)
    )


def _check_user_limit(user: User, now: dt.datetime) -> None:
    locked = limits.check(
        user_failures=_failures(user=user, outcome__in=limits.USER_FAILURE_OUTCOMES), now=now
    )
    if locked is not None:
        raise _Refusal(_too_many(locked.until), AttemptOutcome.LOCKED)


def _check_household_limit(household_id: int, now: dt.datetime) -> None:
    locked = limits.check(
        user_failures=(),
        household_failures=_failures(
            household_id=household_id, outcome__in=limits.HOUSEHOLD_FAILURE_OUTCOMES
        ),
        now=now,
    )
    if locked is not None:
        raise _Refusal(_too_many(locked.until), AttemptOutcome.LOCKED, household_id)


def _refuse_if_verified(user: User) -> None:
    if Residency.objects.filter(user=user, ended_at__isnull=True).exists():
        raise _Refusal(_already_verified(), AttemptOutcome.ALREADY_VERIFIED)


def _lock_user(user: User) -> User:
    locked = User.objects.select_for_update().get(pk=user.pk)
    _refuse_if_verified(locked)
    return locked


def _clean_name(raw: str) -> str:
    try:
        name = codes.normalise_name(cleaned(raw))
    except Invalid as refused:  # control characters
        raise _Refusal(refused, AttemptOutcome.INVALID) from None
    if not name or len(name) > NAME_MAX:
        raise _Refusal(
            Invalid(_("Please enter your real name as in the ledger."), code="name_required"),
            AttemptOutcome.INVALID,
        )
    return name


def _residency_create(
    *, user: User, resident: Resident, household: Household, method: str, actor: User
) -> Residency:
    """Verify the (locked) user as `resident`; raises _Refusal for a second claim."""
    neighborhood_id = household.building.neighborhood_id
    other = User.objects.filter(identity_hash=resident.id_number_hash).exclude(pk=user.pk).first()
    if other is None:
        claimed = (
            Residency.objects.filter(resident=resident, ended_at__isnull=True)
            .exclude(user=user)
            .select_related("user")
            .first()
        )
        other = claimed.user if claimed is not None else None
    if other is not None:
        raise _Refusal(
            _duplicate_identity(),
            AttemptOutcome.DUPLICATE_IDENTITY,
            household.pk,
            _Conflict(neighborhood_id, other.pk, resident.pk),
        )
    if user.identity_hash and user.identity_hash != resident.id_number_hash:
        raise _Refusal(_identity_mismatch(), AttemptOutcome.DUPLICATE_IDENTITY, household.pk)

    Household.objects.select_for_update().filter(pk=household.pk).first()
    has_representative = Residency.objects.filter(
        household=household, ended_at__isnull=True, is_representative=True
    ).exists()
    now = timezone.now()
    try:
        with transaction.atomic():
            residency = Residency.objects.create(
                user=user,
                household=household,
                resident=resident,
                verified_at=now,
                is_representative=not has_representative,
            )
            user.identity_hash = resident.id_number_hash
            user.save(update_fields=["identity_hash"])
    except IntegrityError as exc:
        # Another account claimed this person in the same instant: the unique index made
        # this insert wait for its commit, so that account is visible now.
        winner = (
            User.objects.filter(identity_hash=resident.id_number_hash).exclude(pk=user.pk).first()
        )
        conflict = (
            _Conflict(neighborhood_id, winner.pk, resident.pk) if winner is not None else None
        )
        raise _Refusal(
            _duplicate_identity(), AttemptOutcome.DUPLICATE_IDENTITY, household.pk, conflict
        ) from exc
    _log_attempt(user, method, AttemptOutcome.VERIFIED, household.pk)
    history.record(
        actor=actor,
        neighborhood_id=neighborhood_id,
        entity=LedgerEntity.RESIDENCY,
        entity_id=residency.pk,
        action=LedgerAction.VERIFY,
        before={},
        after={
            "user": user.pk,
            "resident": resident.pk,
            "household": household.address,
            "method": method,
            "representative": residency.is_representative,
        },
    )
    return residency


# Household codes.


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued: `code` (canonical) exists only here, never in the database."""

    record: HouseholdCode
    code: str

    @property
    def display(self) -> str:
        return codes.display(self.code)


def _issue(actor: User, household: Household, now: dt.datetime) -> IssuedCode:
    HouseholdCode.objects.filter(
        household=household, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_by=actor)
    while True:
        plain = codes.generate()
        hashed = code_hash(plain)
        if not HouseholdCode.objects.filter(code_hash=hashed).exists():
            break
    record = HouseholdCode.objects.create(
        household=household,
        code_hash=hashed,
        issued_by=actor,
        issued_at=now,
        expires_at=now + dt.timedelta(days=code_days()),
    )
    return IssuedCode(record=record, code=plain)


def household_code_issue(
    *, actor: User, household_id: int, confirm: int | None = None
) -> IssuedCode:
    """A new code for one household; its live code, if any, is revoked.

    Revoking it voids the letter already printed with it, so then `confirm` must be 1, the
    number shown by selectors.household_reissue (`confirmation_required` without it,
    `stale_confirmation` if the code was redeemed or revoked meanwhile). A first letter
    voids nothing and needs no confirmation."""
    household = (
        Household.objects.select_related("building__neighborhood").filter(pk=household_id).first()
    )
    if household is None:
        raise NotFound(_("Not found."))
    access.require(actor, Perm.CODES_ISSUE, household.building.neighborhood_id)
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()
        voided = selectors.household_reissue(household).voided
        if voided or confirm is not None:
            require_confirmed(
                voided,
                confirm,
                required=_(
                    "A new code voids the letter already printed for this household; "
                    "confirm first (%(voided)s letter)."
                ),
                stale=_(
                    "The numbers have changed since you confirmed: %(voided)s printed letters "
                    "would be voided now. Please look again and confirm."
                ),
                params={"voided": voided},
            )
        return _issue(actor, household, timezone.now())


def building_codes_issue(
    *, actor: User, building_id: int, confirm: int | None = None
) -> list[IssuedCode]:
    """A new code for every household of a building, for printing the letters at once.

    Every live code of the building is revoked, so letters already printed stop working:
    `confirm` is the number of them the staff were shown (selectors.building_reprint) and
    agreed to void. Without it nothing is issued (`confirmation_required`); if the number
    has changed since (a code redeemed or issued meanwhile), neither
    (`stale_confirmation`)."""
    building = Building.objects.select_related("neighborhood").filter(pk=building_id).first()
    if building is None:
        raise NotFound(_("Not found."))
    access.require(actor, Perm.CODES_ISSUE, building.neighborhood_id)
    with transaction.atomic():
        households = list(
            Household.objects.select_for_update(of=("self",))
            .select_related("building__neighborhood")
            .filter(building=building)
            .order_by("pk")
        )
        voided = selectors.building_reprint(building).voided
        require_confirmed(
            voided,
            confirm,
            required=_(
                "Printing the whole building voids the %(voided)s printed letters whose "
                "codes still work; confirm with that number first."
            ),
            stale=_(
                "The numbers have changed since you confirmed: %(voided)s printed letters "
                "would be voided now. Please look again and confirm."
            ),
            params={"voided": voided},
        )
        now = timezone.now()
        issued = [_issue(actor, household, now) for household in households]
    issued.sort(key=lambda i: (i.record.household.unit, i.record.household.room))
    return issued


def household_code_revoke(*, actor: User, code_id: int) -> HouseholdCode:
    found = HouseholdCode.objects.select_related("household__building").filter(pk=code_id).first()
    if found is None:
        raise NotFound(_("Not found."))
    access.require(actor, Perm.CODES_ISSUE, found.household.building.neighborhood_id)
    with transaction.atomic():
        locked = HouseholdCode.objects.select_for_update().get(pk=found.pk)
        if locked.used_at is not None or locked.revoked_at is not None:
            raise Invalid(_("This code is already used or revoked."), code="code_not_live")
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
    return locked


def household_code_redeem(*, user: User, code: str, real_name: str) -> Residency:
    """Verify `user` as the resident of the code's household with this real name."""
    residency = _attempt(
        user, VerificationMethod.CODE, lambda locked: _redeem(locked, code, real_name)
    )
    user.identity_hash = residency.user.identity_hash
    return residency


def _redeem(locked_user: User, code: str, real_name: str) -> Residency:
    now = timezone.now()
    _refuse_if_verified(locked_user)
    _check_user_limit(locked_user, now)
    canonical = codes.normalise(code or "")
    if canonical is None:
        raise _Refusal(_invalid_code(), AttemptOutcome.BAD_CODE)
    found = (
        HouseholdCode.objects.select_for_update(of=("self",))
        .select_related("household__building__neighborhood")
        .filter(code_hash=code_hash(canonical))
        .first()
    )
    if found is None:
        raise _Refusal(_invalid_code(), AttemptOutcome.BAD_CODE)
    household = found.household
    if found.used_at is not None or found.revoked_at is not None:
        raise _Refusal(_invalid_code(), AttemptOutcome.CODE_SPENT, household.pk)
    if found.expires_at <= now:
        raise _Refusal(
            Invalid(
                _("This code has expired. Please ask your committee for a new letter."),
                code="code_expired",
            ),
            AttemptOutcome.CODE_EXPIRED,
            household.pk,
        )
    # The clock is read again: this attempt may have waited for the code's lock while
    # others logged failures, and those must count.
    _check_household_limit(household.pk, timezone.now())
    name = _clean_name(real_name)
    matches = [
        person
        for person in household.residents.filter(left_at__isnull=True).order_by("pk")
        if codes.normalise_name(person.real_name) == name
    ]
    if not matches:
        raise _Refusal(
            Invalid(
                _(
                    "This name is not among the residents of the household. Check how it is "
                    "written, or ask your committee."
                ),
                code="name_mismatch",
            ),
            AttemptOutcome.NAME_MISMATCH,
            household.pk,
        )
    if len(matches) > 1:
        raise _Refusal(
            Invalid(
                _(
                    "Several residents of this household have this name. Please file a request "
                    "instead, so the committee can tell you apart."
                ),
                code="ambiguous_name",
            ),
            AttemptOutcome.AMBIGUOUS,
            household.pk,
        )
    residency = _residency_create(
        user=locked_user,
        resident=matches[0],
        household=household,
        method=VerificationMethod.CODE,
        actor=locked_user,
    )
    found.used_at = now
    found.used_by = locked_user
    found.save(update_fields=["used_at", "used_by"])
    notify(
        user=locked_user,
        kind=NotificationKind.VERIFICATION,
        title=str(_("You are verified")),
        body=str(
            _("You are verified as a resident of %(address)s.") % {"address": household.address}
        ),
        url=reverse("household"),
    )
    return residency


# Requests reviewed by staff.


def _match(household: Household | None, name: str, fragment: str) -> tuple[str, Resident | None]:
    """The ledger match, decrypting only the namesakes' ID numbers in that household."""
    if household is None:
        return LedgerMatch.NO_HOUSEHOLD, None
    namesakes = [
        person
        for person in household.residents.filter(left_at__isnull=True).order_by("pk")
        if codes.normalise_name(person.real_name) == name
    ]
    for person in namesakes:
        if codes.fragment_matches(identity.decrypt_id_number(person.id_number_encrypted), fragment):
            return LedgerMatch.FULL, person
    if namesakes:
        return LedgerMatch.NAME_ONLY, namesakes[0]
    return LedgerMatch.NONE, None


def verification_request_create(
    *,
    user: User,
    neighborhood_id: int,
    building_id: int | None,
    unit: str,
    room: str,
    real_name: str,
    id_fragment: str,
) -> VerificationRequest:
    """File a request for staff of the neighborhood; the ledger match is computed now."""
    return _attempt(
        user,
        VerificationMethod.REQUEST,
        lambda locked: _request_create(
            locked, neighborhood_id, building_id, unit, room, real_name, id_fragment
        ),
    )


def _request_create(
    locked_user: User,
    neighborhood_id: int,
    building_id: int | None,
    unit: str,
    room: str,
    real_name: str,
    id_fragment: str,
) -> VerificationRequest:
    now = timezone.now()
    _refuse_if_verified(locked_user)
    _check_user_limit(locked_user, now)
    bad_address = _Refusal(
        Invalid(
            _("Please choose your neighborhood and building, and enter your room."),
            code="invalid_address",
        ),
        AttemptOutcome.INVALID,
    )
    place = Neighborhood.objects.filter(pk=neighborhood_id).first()
    building = (
        Building.objects.filter(pk=building_id, neighborhood_id=neighborhood_id).first()
        if building_id
        else None
    )
    unit_value = codes.normalise_address_part(unit or "", "单元")
    room_value = codes.normalise_address_part(room or "", "室")
    if (
        place is None
        or building is None
        or not room_value
        or len(room_value) > 8
        or len(unit_value) > 8
    ):
        raise bad_address
    name = _clean_name(real_name)
    fragment = codes.normalise_id_fragment(id_fragment or "")
    if fragment is None:
        raise _Refusal(
            Invalid(
                _(
                    "Please enter the last 6 characters of your ID number: 5 digits, then a "
                    "digit or X."
                ),
                code="malformed_id",
            ),
            AttemptOutcome.INVALID,
        )
    if VerificationRequest.objects.filter(user=locked_user, status=RequestStatus.PENDING).exists():
        raise _Refusal(_already_pending(), AttemptOutcome.INVALID)
    household = (
        Household.objects.select_related("building")
        .filter(building=building, unit=unit_value, room=room_value)
        .first()
    )
    match, resident = _match(household, name, fragment)
    unit_text = f"{unit_value}单元" if unit_value else ""
    try:
        with transaction.atomic():
            request = VerificationRequest.objects.create(
                user=locked_user,
                neighborhood=place,
                household=household,
                address_text=(
                    household.address if household else f"{building.name}{unit_text}{room_value}室"
                )[:64],
                real_name=name,
                id_fragment_masked=codes.mask_id_fragment(fragment),
                match=match,
                matched_resident=resident,
                created_at=now,
            )
    except IntegrityError as exc:
        raise _Refusal(_already_pending(), AttemptOutcome.INVALID) from exc
    _log_attempt(
        locked_user,
        VerificationMethod.REQUEST,
        AttemptOutcome.REQUESTED,
        household.pk if household else None,
    )
    return request


def _already_pending() -> Invalid:
    return Invalid(_("You already have a request waiting for review."), code="already_pending")


def _pending_request(actor: User, request_id: int) -> VerificationRequest:
    found = VerificationRequest.objects.filter(pk=request_id).first()
    if found is None:
        raise NotFound(_("Not found."))
    access.require(actor, Perm.VERIFICATION_REVIEW, found.neighborhood_id)
    return found


def _lock_pending(request_id: int) -> VerificationRequest:
    locked = (
        VerificationRequest.objects.select_for_update(of=("self",))
        .select_related("neighborhood", "household__building", "user")
        .get(pk=request_id)
    )
    if locked.status != RequestStatus.PENDING:
        raise Invalid(_("This request was already decided."), code="not_pending")
    return locked


def _decided(request: VerificationRequest, title: str, body: str) -> None:
    realtime.publish(user_stream(request.user_id), events.DECIDED, dict(events.decided(request)))
    notify(
        user=request.user,
        kind=NotificationKind.VERIFICATION,
        title=title,
        body=body,
        url=reverse("verify"),
    )


def verification_request_approve(
    *, actor: User, request_id: int, resident_id: int | None = None
) -> Residency:
    """Verify the requester as a resident of the request's household. Without a full
    ledger match staff must choose which resident of that household the requester is."""
    found = _pending_request(actor, request_id)
    try:
        with transaction.atomic():
            request = _lock_pending(found.pk)
            household = request.household
            if household is None:
                raise Invalid(
                    _("The address is not in the ledger: add the household first, or reject."),
                    code="no_household",
                )
            current = household.residents.filter(left_at__isnull=True)
            if resident_id is not None:
                resident = current.filter(pk=resident_id).first()
                if resident is None:
                    raise Invalid(
                        _("Choose a resident of this household."), code="invalid_resident"
                    )
            elif request.match == LedgerMatch.FULL and request.matched_resident_id:
                resident = current.filter(pk=request.matched_resident_id).first()
                if resident is None:
                    raise Invalid(
                        _("Choose a resident of this household."), code="resident_required"
                    )
            else:
                raise Invalid(
                    _("The ledger does not match fully: choose which resident this is."),
                    code="resident_required",
                )
            user = _lock_user(request.user)
            residency = _residency_create(
                user=user,
                resident=resident,
                household=household,
                method=VerificationMethod.REQUEST,
                actor=actor,
            )
            now = timezone.now()
            request.status = RequestStatus.APPROVED
            request.reviewed_by = actor
            request.reviewed_at = now
            request.save(update_fields=["status", "reviewed_by", "reviewed_at"])
            _decided(
                request,
                str(_("Your verification was approved")),
                str(
                    _("You are verified as a resident of %(address)s.")
                    % {"address": household.address}
                ),
            )
            return residency
    except _Refusal as refusal:
        _record_refusal(found.user, VerificationMethod.REQUEST, refusal)
        raise refusal.error from None


def _reason(raw: str, required: bool = True) -> str:
    reason = " ".join(cleaned(raw).split())
    if required and not reason:
        raise Invalid(_("Please give a reason."), code="reason_required")
    if len(reason) > REASON_MAX:
        raise Invalid(_("The reason is too long (at most 200 characters)."), code="invalid")
    return reason


def verification_request_reject(
    *, actor: User, request_id: int, reason: str
) -> VerificationRequest:
    found = _pending_request(actor, request_id)
    text = _reason(reason)
    with transaction.atomic():
        request = _lock_pending(found.pk)
        request.status = RequestStatus.REJECTED
        request.reason = text
        request.reviewed_by = actor
        request.reviewed_at = timezone.now()
        request.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at"])
        _decided(
            request,
            str(_("Your verification was not approved")),
            str(_("Reason: %(reason)s") % {"reason": text}),
        )
    return request


def identity_conflict_resolve(*, actor: User, conflict_id: int, note: str) -> IdentityConflict:
    found = IdentityConflict.objects.filter(pk=conflict_id).first()
    if found is None:
        raise NotFound(_("Not found."))
    access.require(actor, Perm.VERIFICATION_REVIEW, found.neighborhood_id)
    text = _reason(note)
    with transaction.atomic():
        locked = IdentityConflict.objects.select_for_update().get(pk=found.pk)
        if locked.resolved_at is not None:
            raise Invalid(_("This conflict is already resolved."), code="already_resolved")
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor
        locked.note = text
        locked.save(update_fields=["resolved_at", "resolved_by", "note"])
    return locked


# Moving out, and the household's representative.


def residency_end(*, actor: User, residency_id: int, reason: str = "") -> Residency:
    """End a residency: by the resident (moving out) or by staff of the place. The account
    keeps its identity and may verify elsewhere."""
    found = Residency.objects.select_related("household__building").filter(pk=residency_id).first()
    if found is None or not actor.is_authenticated:
        raise NotFound(_("Not found."))
    neighborhood_id = found.household.building.neighborhood_id
    by_self = found.user_id == actor.pk
    if not by_self:
        access.require(actor, Perm.VERIFICATION_REVIEW, neighborhood_id)
    text = _reason(reason, required=not by_self)
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=found.household_id).first()
        residency = Residency.objects.select_for_update().select_related("user").get(pk=found.pk)
        if residency.ended_at is not None:
            raise Invalid(_("This residency has already ended."), code="already_ended")
        was_representative = residency.is_representative
        residency.ended_at = timezone.now()
        residency.is_representative = False
        residency.save(update_fields=["ended_at", "is_representative"])
        history.record(
            actor=actor,
            neighborhood_id=neighborhood_id,
            entity=LedgerEntity.RESIDENCY,
            entity_id=residency.pk,
            action=LedgerAction.END,
            before={"ended_at": None, "representative": was_representative},
            after={
                "ended_at": residency.ended_at.isoformat(),
                "representative": False,
                "reason": text,
                "by_self": by_self,
            },
        )
        if was_representative:
            _representative_succeed(actor, found.household, neighborhood_id, residency)
        if not by_self:
            notify(
                user=residency.user,
                kind=NotificationKind.VERIFICATION,
                title=str(_("Your residency was ended by the committee")),
                body=str(_("Reason: %(reason)s") % {"reason": text}),
                url=reverse("verify"),
            )
        realtime.recheck_user(residency.user_id)
    return residency


def _representative_succeed(
    actor: User, household: Household, neighborhood_id: int, leaving: Residency
) -> None:
    """The longest-verified remaining member represents the household, so it can vote."""
    successor = (
        Residency.objects.filter(household=household, ended_at__isnull=True)
        .order_by("verified_at", "pk")
        .first()
    )
    if successor is None:
        return
    _hand_representative(
        actor, household.pk, neighborhood_id, leaving.user_id, successor, automatic=True
    )


def _hand_representative(
    actor: User,
    household_id: int,
    neighborhood_id: int,
    previous_user_id: int | None,
    successor: Residency,
    *,
    automatic: bool = False,
) -> None:
    """Give the flag to `successor` (the previous holder's is already down) and log it."""
    successor.is_representative = True
    successor.save(update_fields=["is_representative"])
    after: dict[str, object] = {"representative": successor.user_id}
    if automatic:
        after["automatic"] = True
    history.record(
        actor=actor,
        neighborhood_id=neighborhood_id,
        entity=LedgerEntity.HOUSEHOLD,
        entity_id=household_id,
        action=LedgerAction.REPRESENTATIVE,
        before={"representative": previous_user_id},
        after=after,
    )


def is_adult_member(user: User, household_id: int) -> bool:
    """An active verified member of the household, 18 or older by the ledger."""
    if not user.is_authenticated:
        return False
    own = (
        Residency.objects.select_related("resident")
        .filter(user=user, household_id=household_id, ended_at__isnull=True)
        .first()
    )
    return (
        own is not None
        and own.resident is not None
        and age_on(own.resident.birth_date, timezone.localdate()) >= ADULT_AGE
    )


def representative_change(*, actor: User, household_id: int, user_id: int) -> Residency:
    """Make `user_id` the household's representative (who casts household votes)."""
    household = Household.objects.select_related("building").filter(pk=household_id).first()
    if household is None or not actor.is_authenticated:
        raise NotFound(_("Not found."))
    neighborhood_id = household.building.neighborhood_id
    if not is_adult_member(actor, household.pk):
        access.require(actor, Perm.REPRESENTATIVE_CHANGE, neighborhood_id)
    with transaction.atomic():
        Household.objects.select_for_update().filter(pk=household.pk).first()
        active = Residency.objects.select_for_update().filter(
            household=household, ended_at__isnull=True
        )
        target = next((r for r in active.order_by("pk") if r.user_id == user_id), None)
        if target is None:
            raise Invalid(
                _("Only a verified member of this household can represent it."),
                code="not_a_member",
            )
        if target.is_representative:
            return target
        current = active.filter(Q(is_representative=True)).first()
        if current is not None:
            current.is_representative = False
            current.save(update_fields=["is_representative"])
        _hand_representative(
            actor, household.pk, neighborhood_id, current.user_id if current else None, target
        )
    return target
