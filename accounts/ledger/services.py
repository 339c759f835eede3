"""Writes of the ledger: edits with history, new residents, audited reveals.

Each service is one transaction: permission → validate → lock → save. History rows hold
display values only: an ID number appears masked, a phone masked, never in full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts import access, history, idcard, identity
from accounts.ledger import filters, rules
from accounts.ledger.selectors import neighborhood_of_household, neighborhood_of_resident
from accounts.models import (
    AccessKind,
    DataAccess,
    Household,
    LedgerAction,
    LedgerEntity,
    Neighborhood,
    Residency,
    Resident,
    ResidentTag,
    Tenure,
    User,
)
from accounts.permissions import Perm
from core.cleaning import cleaned
from core.errors import Invalid

EDITABLE = ("real_name", "birth_date", "phone", "vehicles", "tags", "guardian_consent", "left")
# The birth date is the part of the ID number its mask hides: revealed like the number.
REVEALABLE = ("id_number", "phone", "birth_date")
REASON_MIN = 2
REASON_MAX = 200
AREA_MAX = Decimal("10000")


# Validation: each returns the normalized value or raises Invalid with a stable code. -------


def _real_name(value: object) -> str:
    text = cleaned(value)  # control characters: Invalid
    if not text or len(text) > rules.NAME_MAX:
        raise Invalid(
            _("Please give the real name (at most %(limit)s characters)."),
            code="invalid_name",
            params={"limit": rules.NAME_MAX},
        )
    return text


def _birth_date(value: object, today: dt.date) -> dt.date:
    day: dt.date | None = None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            day = None
    if day is None or day < rules.EARLIEST_BIRTH:
        raise Invalid(
            _("Please give the birth date as a date, such as 1950-03-21."),
            code="invalid_birth_date",
        )
    if day > today:
        raise Invalid(_("A birth date cannot be in the future."), code="birth_date_in_future")
    return day


def _phone(value: object) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    phone = rules.normalize_phone(value) if isinstance(value, str) else None
    if phone is None:
        raise Invalid(
            _("This is not a phone number: give a mobile (11 digits) or a landline number."),
            code="invalid_phone",
        )
    return phone


def _id_number(value: object) -> str:
    """A valid ID number (GB 11643), normalised, or Invalid(malformed_id)."""
    number = identity.normalize_id_number(value) if isinstance(value, str) else ""
    if not idcard.is_valid(number):
        raise Invalid(
            _("This ID number is not valid: check its 18 characters."), code="malformed_id"
        )
    return number


def _vehicles(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").replace("，", " ").replace("、", " ").split()
    if not isinstance(value, list | tuple):
        raise Invalid(_("Vehicles must be a list of plates."), code="invalid_plate")
    plates: list[str] = []
    for raw in value:
        plate = rules.normalize_plate(raw) if isinstance(raw, str) else None
        if plate is None:
            raise Invalid(
                _("“%(plate)s” is not a licence plate such as 沪A12345."),
                code="invalid_plate",
                params={"plate": str(raw)[:16]},
            )
        if plate not in plates:
            plates.append(plate)
    if len(plates) > rules.MAX_VEHICLES:
        raise Invalid(
            _("At most %(limit)s vehicles per resident."),
            code="invalid_plate",
            params={"limit": rules.MAX_VEHICLES},
        )
    return plates


def _tags(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value] if value else []
    if not isinstance(value, list | tuple):
        raise Invalid(_("Tags must be a list."), code="unknown_tag")
    for tag in value:
        if tag not in ResidentTag.values:
            raise Invalid(
                _("“%(tag)s” is not one of the ledger's tags."),
                code="unknown_tag",
                params={"tag": str(tag)[:32]},
            )
    return sorted(set(value))


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {
        "true",
        "1",
        "yes",
        "on",
        "false",
        "0",
        "no",
        "",
    }:
        return value.lower() in {"true", "1", "yes", "on"}
    raise Invalid(_("“%(field)s” must be yes or no."), code="invalid", params={"field": name})


def reason_clean(value: object, *, asking: Promise | None = None) -> str:
    """The reason given for seeing personal data (a reveal, a full export), tidied.

    `asking` is the message when it is missing or too short; control characters are
    refused (core.cleaning.cleaned).
    """
    text = " ".join(cleaned(value).split())
    if len(text) < REASON_MIN:
        raise Invalid(
            asking or _("Please say why you need to see this (at least %(limit)s characters)."),
            code="reason_required",
            params={"limit": REASON_MIN},
        )
    if len(text) > REASON_MAX:
        raise Invalid(
            _("Please keep the reason to %(limit)s characters or fewer."),
            code="reason_too_long",
            params={"limit": REASON_MAX},
        )
    return text


def _consent_rule(*, birth: dt.date, today: dt.date, state: dict[str, Any]) -> None:
    if rules.needs_consent(
        child=filters.is_child(birth, today),
        consent=bool(state["guardian_consent"]),
        phone=state["phone"],
        vehicles=state["vehicles"],
        tags=state["tags"],
    ):
        raise Invalid(
            _(
                "This resident is under 14: a phone, vehicles or tags may be stored only "
                "with a guardian's consent."
            ),
            code="guardian_consent_required",
        )


# History values --------------------------------------------------------------------------


def _is_duplicate(*, neighborhood_id: int, id_hash: str, besides: int | None = None) -> bool:
    found = Resident.objects.filter(
        id_number_hash=id_hash,
        left_at__isnull=True,
        household__building__neighborhood_id=neighborhood_id,
    )
    if besides is not None:
        found = found.exclude(pk=besides)
    return found.exists()


def _duplicate() -> Invalid:
    return Invalid(
        _("A resident with this ID number already lives in this neighborhood."),
        code="duplicate_resident",
    )


# Services --------------------------------------------------------------------------------


def resident_update(
    *, actor: User, resident_id: int, changes: Mapping[str, Any], today: dt.date | None = None
) -> Resident:
    """Change some of a resident's fields (see EDITABLE); `left` marks them as moved away.

    A child under 14 keeps a phone, vehicles or tags only with guardian_consent; clearing a
    child's consent clears those fields too. Nothing changed, nothing recorded.
    """
    nid = neighborhood_of_resident(resident_id)
    access.require(actor, Perm.LEDGER_EDIT, nid)
    today = today or timezone.localdate()
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise Invalid(
            _("These fields cannot be changed here: %(fields)s."),
            code="unknown_field",
            params={"fields": ", ".join(unknown)[:100]},
        )
    wanted: dict[str, Any] = {}
    if "real_name" in changes:
        wanted["real_name"] = _real_name(changes["real_name"])
    if "birth_date" in changes:
        wanted["birth_date"] = _birth_date(changes["birth_date"], today)
    if "phone" in changes:
        wanted["phone"] = _phone(changes["phone"])
    if "vehicles" in changes:
        wanted["vehicles"] = _vehicles(changes["vehicles"])
    if "tags" in changes:
        wanted["tags"] = _tags(changes["tags"])
    if "guardian_consent" in changes:
        wanted["guardian_consent"] = _flag(changes["guardian_consent"], "guardian_consent")
    leaving = _flag(changes["left"], "left") if "left" in changes else None

    now = timezone.now()
    with transaction.atomic():
        person = Resident.objects.select_for_update().get(pk=resident_id)
        if "birth_date" in wanted:
            from_id = rules.birth_date_of(identity.decrypt_id_number(person.id_number_encrypted))
            if from_id is not None and from_id != wanted["birth_date"]:
                raise _mismatch()
        old = {name: getattr(person, name) for name in EDITABLE if name != "left"}
        old["left_at"] = person.left_at
        old["tags"] = sorted(set(old["tags"] or []))  # compared as a set
        old["vehicles"] = list(old["vehicles"] or [])
        new = {**old, **wanted}
        if leaving is True and person.left_at is None:
            new["left_at"] = now
        elif leaving is False:
            new["left_at"] = None
        birth = new["birth_date"]
        child = filters.is_child(birth, today)
        if child and old["guardian_consent"] and not new["guardian_consent"]:
            # Consent withdrawn: what it allowed goes, unless this very change sets it.
            for name in rules.NON_ESSENTIAL:
                if name not in wanted:
                    new[name] = "" if name == "phone" else []
        _consent_rule(birth=birth, today=today, state=new)
        if (
            old["left_at"] is not None
            and new["left_at"] is None
            and _is_duplicate(neighborhood_id=nid, id_hash=person.id_number_hash, besides=person.pk)
        ):
            raise _duplicate()
        changed = [name for name in new if new[name] != old[name]]
        if not changed:
            return person
        for name in changed:
            setattr(person, name, new[name])
        person.updated_at = now
        person.save(update_fields=[*changed, "updated_at"])
        left_now = "left_at" in changed and new["left_at"] is not None
        history.record(
            actor=actor,
            neighborhood_id=nid,
            entity=LedgerEntity.RESIDENT,
            entity_id=person.pk,
            action=LedgerAction.LEAVE if left_now else LedgerAction.UPDATE,
            before={name: old[name] for name in changed},
            after={name: new[name] for name in changed},
            at=now,
        )
        if left_now:
            _end_residencies_of(actor, person)
    return person


def _end_residencies_of(actor: User, person: Resident) -> None:
    """Someone the ledger marks as moved away is no longer a verified resident here: their
    account's residency ends too (the account keeps its identity and may verify at the
    new address), in the same transaction and through the verification service."""
    from accounts.verification.services import residency_end

    active = Residency.objects.filter(resident=person, ended_at__isnull=True)
    for residency_id in active.order_by("pk").values_list("pk", flat=True):
        residency_end(
            actor=actor,
            residency_id=residency_id,
            reason=str(_("Marked as moved away in the ledger")),
        )


def _mismatch() -> Invalid:
    return Invalid(
        _("The birth date does not agree with the one in the ID number."),
        code="id_birth_mismatch",
    )


@sensitive_variables("id_number", "number")  # a traceback's locals never show it
def resident_add(
    *,
    actor: User,
    household_id: int,
    real_name: str,
    id_number: str,
    birth_date: dt.date | str | None = None,
    phone: str = "",
    vehicles: Iterable[str] | str = (),
    tags: Iterable[str] | str = (),
    guardian_consent: bool = False,
    today: dt.date | None = None,
) -> Resident:
    """Add a person to a household. The ID number must be valid (GB 11643); the birth date
    comes from it when not given and must agree with it when given."""
    nid = neighborhood_of_household(household_id)
    access.require(actor, Perm.LEDGER_EDIT, nid)
    today = today or timezone.localdate()
    name = _real_name(real_name)
    number = _id_number(id_number)
    from_id = rules.birth_date_of(number)
    assert from_id is not None  # a valid number carries a valid date
    if birth_date is None or (isinstance(birth_date, str) and not birth_date.strip()):
        birth = _birth_date(from_id, today)
    else:
        birth = _birth_date(birth_date, today)
        if birth != from_id:
            raise _mismatch()
    state = {
        "phone": _phone(phone),
        "vehicles": _vehicles(list(vehicles) if not isinstance(vehicles, str) else vehicles),
        "tags": _tags(list(tags) if not isinstance(tags, str) else tags),
        "guardian_consent": _flag(guardian_consent, "guardian_consent"),
    }
    _consent_rule(birth=birth, today=today, state=state)
    now = timezone.now()
    with transaction.atomic():
        # One add at a time per neighborhood, so two clerks cannot enter the same person.
        Neighborhood.objects.select_for_update().filter(pk=nid).first()
        id_hash = identity.hash_id_number(number)
        if _is_duplicate(neighborhood_id=nid, id_hash=id_hash):
            raise _duplicate()
        person = Resident(
            household_id=household_id,
            real_name=name,
            birth_date=birth,
            updated_at=now,
            **state,
        )
        person.set_id_number(number)
        person.save()
        history.record(
            actor=actor,
            neighborhood_id=nid,
            entity=LedgerEntity.RESIDENT,
            entity_id=person.pk,
            action=LedgerAction.CREATE,
            before={},
            after={
                "real_name": name,
                "id_number": person.id_number_masked,
                "birth_date": birth,
                **{k: v for k, v in state.items() if v},
            },
            at=now,
        )
    return person


def _floor_area(value: object) -> Decimal:
    try:
        area = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        area = Decimal("NaN")
    if not area.is_finite() or area <= 0 or area > AREA_MAX:
        raise Invalid(
            _("Please give the floor area in m², more than 0 and at most %(limit)s."),
            code="invalid_area",
            params={"limit": AREA_MAX},
        )
    return area.quantize(Decimal("0.01"))


def household_update(
    *,
    actor: User,
    household_id: int,
    floor_area: Decimal | str | None = None,
    tenure: str | None = None,
) -> Household:
    """Change a household's floor area and/or tenure (None leaves a field as it is)."""
    nid = neighborhood_of_household(household_id)
    access.require(actor, Perm.LEDGER_EDIT, nid)
    wanted: dict[str, Any] = {}
    if floor_area is not None:
        wanted["floor_area"] = _floor_area(floor_area)
    if tenure is not None:
        if tenure not in Tenure.values:
            raise Invalid(_("Tenure must be owner-occupied or rented."), code="invalid_tenure")
        wanted["tenure"] = tenure
    now = timezone.now()
    with transaction.atomic():
        house = Household.objects.select_for_update().get(pk=household_id)
        changed = [name for name, value in wanted.items() if getattr(house, name) != value]
        if not changed:
            return house
        before = {name: getattr(house, name) for name in changed}
        for name in changed:
            setattr(house, name, wanted[name])
        house.save(update_fields=changed)
        history.record(
            actor=actor,
            neighborhood_id=nid,
            entity=LedgerEntity.HOUSEHOLD,
            entity_id=house.pk,
            action=LedgerAction.UPDATE,
            before=before,
            after={name: wanted[name] for name in changed},
            at=now,
        )
    return house


@sensitive_variables()  # the revealed value is in its locals
def resident_reveal(*, actor: User, resident_id: int, field: str, reason: str) -> str:
    """The full ID number, phone or birth date of one resident, for a stated reason. The
    audit row is written in the same transaction; the value is never logged or stored again."""
    nid = neighborhood_of_resident(resident_id)
    access.require(actor, Perm.LEDGER_REVEAL, nid)
    if field not in REVEALABLE:
        raise Invalid(
            _("Only an ID number, a phone or a birth date can be revealed."),
            code="invalid_field",
        )
    why = reason_clean(reason)
    with transaction.atomic():
        person = Resident.objects.get(pk=resident_id)
        DataAccess.objects.create(
            neighborhood_id=nid,
            actor=actor,
            at=timezone.now(),
            kind=AccessKind.REVEAL,
            resident=person,
            field=field,
            reason=why,
        )
        if field == "id_number":
            return identity.decrypt_id_number(person.id_number_encrypted)
        if field == "birth_date":
            return person.birth_date.isoformat()
        return person.phone
