"""Outreach pages (staff) and the resident's notifications page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def outreach_new(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    return HttpResponse("outreach: coming soon")
