"""Issue 15 item 4: the import must not be an oracle for ID numbers.

The ledger shows a resident's number masked (31**************3X). With the birth date known,
about nine valid numbers of one district fit that mask. An attacker with the import right
uploads one row per candidate at the resident's address under their name: before, the dry
run answered `residents_unchanged: 1` for the true number and `residents_created: 1` for
the others, with no audit row. Now a dry run does not match on ID numbers at all, and a
real run (which must) is audited and limited per user.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import idcard, identity
from accounts.ledger import transfer
from accounts.models import AccessKind, DataAccess, Resident
from tests import factories

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1950, 3, 21)
TRUE_NUMBER = idcard.make("310115", BIRTH, 437)


@pytest.fixture
def scene() -> dict[str, Any]:
    place = factories.neighborhood("昌里第五")
    house = factories.household(place)
    target = factories.person(house, "王秀英", birth=BIRTH, id_number=TRUE_NUMBER)
    clerk = factories.staff(place, "clerk")
    return {"place": place, "house": house, "target": target, "clerk": clerk}


def candidates(known_mask: str) -> list[str]:
    """Every valid number of the district with this birth date that fits the mask."""
    found = [idcard.make("310115", BIRTH, serial) for serial in range(1000)]
    return [n for n in found if identity.mask_id_number(n) == known_mask]


def one_row(house: Any, number: str) -> bytes:
    return (
        "楼号,单元,室号,建筑面积,产权,姓名,身份证号\n"
        f"{house.building.name},{house.unit},{house.room},{house.floor_area},自有,王秀英,{number}\n"
    ).encode()


def upload(client: APIClient, place: Any, content: bytes, *, dry_run: bool) -> Any:
    return client.post(
        f"/api/v1/neighborhoods/{place.pk}/ledger/import/?dry_run={int(dry_run)}",
        {"file": SimpleUploadedFile("a.csv", content, content_type="text/csv")},
        format="multipart",
    )


def test_dry_runs_do_not_single_out_the_true_number(scene: dict[str, Any]) -> None:
    # given the mask the ledger shows, and the candidates it leaves
    target = scene["target"]
    guesses = candidates(target.id_number_masked)
    assert TRUE_NUMBER in guesses and len(guesses) >= 5
    client = APIClient()
    client.force_authenticate(scene["clerk"])
    # when the attacker dry-runs one row per candidate
    answers = []
    for number in guesses:
        response = upload(client, scene["place"], one_row(scene["house"], number), dry_run=True)
        assert response.status_code == 200, response.content
        body = response.json()
        body.pop("seconds")
        answers.append(body)
    # then every answer is the same: none tells the true number from the others
    assert all(answer == answers[0] for answer in answers), answers
    assert answers[0]["plan"]["residents"] == 1
    assert answers[0]["plan"]["residents_unchanged"] is None
    # and nothing was written
    assert Resident.objects.count() == 1


def test_the_import_page_dry_run_does_not_single_it_out_either(scene: dict[str, Any]) -> None:
    client = Client()
    client.force_login(scene["clerk"])
    pages = set()
    for number in candidates(scene["target"].id_number_masked):
        page = client.post(
            f"/committee/{scene['place'].pk}/ledger/import/",
            {"file": SimpleUploadedFile("a.csv", one_row(scene["house"], number))},
        )
        assert page.status_code == 200
        text = page.content.decode()
        text = re.sub(r'name="(token|csrfmiddlewaretoken)" value="[^"]*"', "", text)
        pages.add(re.sub(r"[\d.]+ ?(s|秒)", "", text))
    assert len(pages) == 1


def test_real_imports_are_audited_and_limited_per_user(scene: dict[str, Any]) -> None:
    # given the candidates, tried one real import at a time
    client = APIClient()
    client.force_authenticate(scene["clerk"])
    guesses = candidates(scene["target"].id_number_masked)
    statuses = []
    for number in guesses + guesses:
        response = upload(client, scene["place"], one_row(scene["house"], number), dry_run=False)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert response.json()["code"] == "too_many_imports"
    # then only the first LIMIT went through, each one recorded with who and how many rows
    assert statuses[: transfer.IMPORT_LIMIT] == [200] * transfer.IMPORT_LIMIT
    assert set(statuses[transfer.IMPORT_LIMIT :]) == {429}
    audits = DataAccess.objects.filter(actor=scene["clerk"], kind=AccessKind.IMPORT)
    assert audits.count() == transfer.IMPORT_LIMIT
    assert all(a.detail["rows"] == 1 and a.detail["written"] for a in audits)
    # and another user of the place is not held back by the first one's imports
    other = factories.staff(scene["place"], "other_clerk")
    client.force_authenticate(other)
    assert upload(client, scene["place"], one_row(scene["house"], guesses[0]), dry_run=True)
    response = upload(client, scene["place"], one_row(scene["house"], guesses[0]), dry_run=False)
    assert response.status_code == 200


def test_a_real_import_that_fails_on_the_ledger_is_audited_too(scene: dict[str, Any]) -> None:
    # given a verified resident, and a sheet that would move them (verified_elsewhere)
    account = factories.resident(scene["place"], "r1", name="王秀英")
    person = account.residencies.get().resident
    number = identity.decrypt_id_number(person.id_number_encrypted)
    client = APIClient()
    client.force_authenticate(scene["clerk"])
    response = upload(client, scene["place"], one_row(scene["house"], number), dry_run=False)
    assert response.status_code == 400
    assert response.json()["code"] == "import_invalid"
    (audit,) = DataAccess.objects.filter(kind=AccessKind.IMPORT)
    assert audit.actor == scene["clerk"] and audit.detail["written"] is False


def test_the_limit_frees_up_as_the_window_slides(scene: dict[str, Any]) -> None:
    long_ago = timezone.now() - transfer.IMPORT_WINDOW - dt.timedelta(minutes=1)
    DataAccess.objects.bulk_create(
        DataAccess(
            neighborhood=scene["place"],
            actor=scene["clerk"],
            at=long_ago,
            kind=AccessKind.IMPORT,
            reason="import",
        )
        for _ in range(transfer.IMPORT_LIMIT)
    )
    client = APIClient()
    client.force_authenticate(scene["clerk"])
    response = upload(client, scene["place"], one_row(scene["house"], TRUE_NUMBER), dry_run=False)
    assert response.status_code == 200
