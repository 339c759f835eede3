"""The navigation as plain HTML: five tabs with the current one marked, the 我的 page with
the entries of one's roles only, and no link to a page that does not exist yet."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import Subdistrict
from tests import factories

pytestmark = pytest.mark.django_db


def page_of(user, path: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def hrefs(page: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page))


def test_the_tabs_mark_the_page_s_own() -> None:
    user = factories.resident(factories.neighborhood())
    page = page_of(user, "/me/")
    tabs = page[page.index('<nav class="tabs"') : page.index("</nav>")]
    for word in ("首页", "议事", "投票", "通知", "我的"):
        assert word in tabs
    assert re.search(r'href="/me/" aria-current="page">我的<', tabs)
    assert tabs.count("aria-current") == 1
    assert 'class="skip" href="#main"' in page and '<main id="main"' in page


def test_a_resident_sees_the_household_and_no_role_pages() -> None:
    page = page_of(factories.resident(factories.neighborhood()), "/me/")
    links = hrefs(page)
    assert "/household/" in links
    assert "/verify/" not in links and "/committee/" not in links
    assert "大字" in page and "退出登录" in page and "Switch to English" in page


def test_a_newcomer_is_offered_verification() -> None:
    links = hrefs(page_of(factories.user(), "/me/"))
    assert "/verify/" in links and "/household/" not in links


@pytest.mark.parametrize("role", ["staff", "secretary"])
def test_the_committee_sees_the_committee_and_no_verification(role: str) -> None:
    place = factories.neighborhood()
    links = hrefs(page_of(factories.staff(place, role=role), "/me/"))
    assert "/committee/" in links
    assert "/verify/" not in links and "/household/" not in links


def test_a_moderator_sees_the_rooms_to_chair_and_nothing_else() -> None:
    place = factories.neighborhood()
    page = page_of(factories.staff(place, role="moderator"), "/me/")
    links = hrefs(page)
    assert f"/neighborhoods/{place.pk}/rooms/" in links
    assert "/committee/" not in links and "/verify/" not in links


def test_an_admin_sees_the_area_and_can_go_back_from_the_roles_page() -> None:
    place = factories.neighborhood()
    subdistrict = Subdistrict.objects.get(pk=place.subdistrict_id)
    admin = factories.admin(subdistrict)
    links = hrefs(page_of(admin, "/me/"))
    assert f"/area/{subdistrict.pk}/" in links
    assert "/verify/" not in links and "/committee/" not in links
    # The roles page used to link to the committee page, a 404 for an admin.
    roles = page_of(admin, f"/committee/{place.pk}/roles/")
    for href in hrefs(roles):
        if href.startswith(("/committee/", "/area/")):
            client = Client()
            client.force_login(admin)
            assert client.get(href).status_code == 200, href
