"""The cast of the authorization matrix: every role, here and at another place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from accounts.models import District, Subdistrict
from tests import factories
from tests.second_factor import sign_in


@dataclass
class Cast:
    here: Any  # the neighborhood under test
    other: Any  # another neighborhood of the same subdistrict
    people: dict[str, Any]  # role name -> user (AnonymousUser for "anonymous")

    def client(self, who: str) -> APIClient:
        client = APIClient()
        if who != "anonymous":
            client.force_authenticate(self.people[who])
            sign_in(client, self.people[who])  # staff have passed the second factor
        return client


# Role names of the matrix. "_here" acts at `here`, "_other" at `other`; admins sit above.
ROLES = (
    "anonymous",
    "unverified",
    "resident_here",
    "resident_other",
    "moderator_here",
    "staff_here",
    "staff_other",
    "secretary_here",
    "admin_above",
    "admin_elsewhere",
)


@pytest.fixture
def cast(db: None) -> Cast:
    here = factories.neighborhood("昌里第五")
    other = factories.neighborhood("云台第一")
    far_district = District.objects.create(name="黄浦区")
    far = Subdistrict.objects.create(district=far_district, name="外滩街道")
    people: dict[str, Any] = {
        "anonymous": AnonymousUser(),
        "unverified": factories.user("unverified"),
        "resident_here": factories.resident(here, "resident_here"),
        "resident_other": factories.resident(other, "resident_other"),
        "moderator_here": factories.staff(here, "moderator_here", role="moderator"),
        "staff_here": factories.staff(here, "staff_here"),
        "staff_other": factories.staff(other, "staff_other"),
        "secretary_here": factories.staff(here, "secretary_here", role="secretary"),
        "admin_above": factories.admin(here.subdistrict, "admin_above"),
        "admin_elsewhere": factories.admin(far, "admin_elsewhere"),
    }
    return Cast(here=here, other=other, people=people)
