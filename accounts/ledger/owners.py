"""Writes of the owners' register: a unit's registered owner (业主), set or cleared by staff.

Owners are recorded apart from residents (accounts/models/owners.py): one person owning
several units of the neighborhood is ONE Owner row, found by the keyed hash of their ID
number, so owners' votes count them once by head with the area of all their units.

History goes to LedgerChange with entity OWNERSHIP and entity_id = the household's id (the
Ownership row itself is replaced and deleted; the unit stays). Values in it are masked: the
owner's name as 王**, the ID number as 31**************3X, the phone as 138****5678.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts import access, history, identity
from accounts.ledger.selectors import neighborhood_of_household
from accounts.ledger.services import _id_number, _phone, _real_name
from accounts.models import (
    Household,
    LedgerAction,
    LedgerEntity,
    Neighborhood,
    Owner,
    Ownership,
    Resident,
    User,
)
from accounts.permissions import Perm
from core.converters import MAX_ID
from core.errors import Invalid

# An IntegrityError on owner_unique_person means another clerk created the same person a
# moment earlier: look again and use theirs. Twice is plenty; a third failure is a bug.
CREATE_ATTEMPTS = 3


@dataclass(frozen=True)
class _Person:
    """Who is to be the owner, before any row is touched."""

    real_name: str
    id_hash: str
    encrypted: str
    masked: str


def _resident_id(value: object) -> int:
    if isinstance(value, bool):  # True is an int to Python, not an id to us
        raise _not_a_resident()
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise _not_a_resident()
    return value


def _not_a_resident() -> Invalid:
    return Invalid(_("Choose a resident of this household."), code="invalid_resident")


def _given(value: object) -> bool:
    """Whether a field was filled in: an empty box or a missing key is not."""
    if value is None:
        return False
    return bool(value.strip()) if isinstance(value, str) else True


@sensitive_variables("id_number", "number")  # a traceback's locals never show it
def _person(
    *, household_id: int, real_name: object, id_number: object, resident_id: object
) -> _Person:
    if resident_id is not None and resident_id != "":
        if _given(real_name) or _given(id_number):
            raise Invalid(
                _(
                    "Either choose a resident of this household or enter a name and an ID "
                    "number, not both."
                ),
                code="owner_source_conflict",
            )
        found = Resident.objects.filter(pk=_resident_id(resident_id), household_id=household_id)
        person = found.first()
        if person is None:
            raise _not_a_resident()
        # The resident's number is copied as stored: no need to decrypt it.
        return _Person(
            real_name=person.real_name,
            id_hash=person.id_number_hash,
            encrypted=person.id_number_encrypted,
            masked=person.id_number_masked,
        )
    name = _real_name(real_name)
    number = _id_number(id_number)
    return _Person(
        real_name=name,
        id_hash=identity.hash_id_number(number),
        encrypted=identity.encrypt_id_number(number),
        masked=identity.mask_id_number(number),
    )


def _name_mismatch() -> Invalid:
    return Invalid(
        _(
            "This ID number belongs to an owner already registered here under another name: "
            "check the name and the number."
        ),
        code="owner_name_mismatch",
    )


def _shown(owner: Owner) -> dict[str, Any]:
    """An owner as a history row keeps them: masked, whoever reads the row later."""
    return {
        "owner": identity.mask_name(owner.real_name),
        "id_number": owner.id_number_masked,
        "phone": owner.phone or None,  # history.record masks it
    }


def _filled(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _lock(owner_ids: list[int]) -> dict[int, Owner]:
    found = Owner.objects.select_for_update().filter(pk__in=owner_ids).order_by("pk")
    return {owner.pk: owner for owner in found}


def _find(nid: int, id_hash: str) -> Owner | None:
    return (
        Owner.objects.select_for_update()
        .filter(neighborhood_id=nid, id_number_hash=id_hash)
        .first()
    )


def _owner_of(nid: int, who: _Person) -> Owner:
    """The neighborhood's Owner for this person, locked; created when there is none.

    The neighborhood lock taken by the callers already keeps two clerks of this register
    apart; the unique constraint is the guarantee that holds for every other writer too.
    """
    for _attempt in range(CREATE_ATTEMPTS):
        found = _find(nid, who.id_hash)
        if found is not None:
            if found.real_name != who.real_name:
                raise _name_mismatch()
            return found
        owner = Owner(
            neighborhood_id=nid,
            real_name=who.real_name,
            id_number_encrypted=who.encrypted,
            id_number_hash=who.id_hash,
            id_number_masked=who.masked,
        )
        try:
            with transaction.atomic():  # a savepoint: the outer transaction survives
                owner.save()
        except IntegrityError:
            continue
        return owner
    raise RuntimeError("owner_unique_person kept failing without a row to find")


def _drop_if_orphan(owner: Owner) -> None:
    """An owner left with no unit goes, unless a ballot's electorate names them (Elector
    protects them): their personal data has no more use here, and a wrongly typed name
    can then be entered again correctly instead of meeting owner_name_mismatch forever."""
    if owner.ownerships.exists() or owner.electors.exists():
        return
    owner.delete()


@sensitive_variables("id_number", "number")
def ownership_set(
    *,
    actor: User,
    household_id: int,
    real_name: str | None = None,
    id_number: str | None = None,
    phone: str = "",
    resident_id: int | str | None = None,
) -> Ownership:
    """Make someone the registered owner of a unit, replacing the owner it had.

    Either `resident_id` (a person of this household: their name and ID number are copied)
    or `real_name` + `id_number`. The same person already owning another unit here is the
    same Owner, and the name must be theirs (owner_name_mismatch). A phone, when given,
    becomes the owner's; an empty one keeps the phone they have. Nothing changed, nothing
    recorded.
    """
    nid = neighborhood_of_household(household_id)
    access.require(actor, Perm.LEDGER_EDIT, nid)
    who = _person(
        household_id=household_id,
        real_name=real_name,
        id_number=id_number,
        resident_id=resident_id,
    )
    new_phone = _phone(phone)
    now = timezone.now()
    with transaction.atomic():
        # One owner change at a time per neighborhood (no-key: rows that merely point at
        # the neighborhood are not held up), then the unit. Always in this order.
        Neighborhood.objects.select_for_update(no_key=True).filter(pk=nid).first()
        Household.objects.select_for_update(no_key=True).filter(pk=household_id).first()
        current = Ownership.objects.filter(household_id=household_id).first()
        previous = _lock([current.owner_id])[current.owner_id] if current else None
        owner = _owner_of(nid, who)
        old_phone = owner.phone
        if new_phone and owner.phone != new_phone:
            owner.phone = new_phone
            owner.save(update_fields=["phone"])
        before: dict[str, Any]
        if current is None:
            current = Ownership.objects.create(household_id=household_id, owner=owner)
            action, before, after = LedgerAction.CREATE, {}, _filled(_shown(owner))
        elif current.owner_id != owner.pk:
            # Another person: every field, even when two masks look alike (王** and 王**).
            assert previous is not None  # the unit's owner, locked above
            current.owner = owner
            current.since = None  # the date was the previous owner's
            current.save(update_fields=["owner", "since"])
            action, before, after = LedgerAction.UPDATE, _shown(previous), _shown(owner)
        elif owner.phone != old_phone:
            action = LedgerAction.UPDATE
            before, after = {"phone": old_phone or None}, {"phone": owner.phone}
        else:
            return current  # the same owner, the same phone
        history.record(
            actor=actor,
            neighborhood_id=nid,
            entity=LedgerEntity.OWNERSHIP,
            entity_id=household_id,
            action=action,
            before=before,
            after=after,
            at=now,
        )
        if previous is not None and previous.pk != owner.pk:
            _drop_if_orphan(previous)
    return current


def ownership_clear(*, actor: User, household_id: int) -> None:
    """The unit has no registered owner any more (sold to someone not yet known, or
    entered by mistake). A unit with no owner is simply not in owners' electorates."""
    nid = neighborhood_of_household(household_id)
    access.require(actor, Perm.LEDGER_EDIT, nid)
    now = timezone.now()
    with transaction.atomic():
        Neighborhood.objects.select_for_update(no_key=True).filter(pk=nid).first()
        Household.objects.select_for_update(no_key=True).filter(pk=household_id).first()
        current = Ownership.objects.filter(household_id=household_id).first()
        if current is None:
            return  # already without an owner: nothing to record
        previous = _lock([current.owner_id])[current.owner_id]
        before = _filled(_shown(previous))
        current.delete()
        history.record(
            actor=actor,
            neighborhood_id=nid,
            entity=LedgerEntity.OWNERSHIP,
            entity_id=household_id,
            action=LedgerAction.UPDATE,
            before=before,
            after=dict.fromkeys(before),
            at=now,
        )
        _drop_if_orphan(previous)


__all__ = ["ownership_clear", "ownership_set"]
