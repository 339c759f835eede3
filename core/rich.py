"""The Django side of core/markup.py: the site's own hosts come from settings, so a link
to this site stays in the tab and a link elsewhere opens a new one."""

from __future__ import annotations

from django.conf import settings

from core import markup


def site_hosts() -> frozenset[str]:
    # ALLOWED_HOSTS may hold patterns (".example.org", "*"); only plain names are "ours".
    hosts = getattr(settings, "LINLI_SITE_HOSTS", None) or settings.ALLOWED_HOSTS
    return frozenset(h.lower() for h in hosts if h and h[0] not in ".*")


def render(text: str) -> str:
    return markup.render(text, site_hosts=site_hosts())
