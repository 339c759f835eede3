"""Matter templates (placeholder until the templates land: only the free-form one)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Matter:
    key: str
    label: str | Promise
    voter_unit: str
    scope: str
    preset: str
    method: str
    basis: str | Promise


MATTERS: dict[str, Matter] = {
    "custom": Matter(
        "custom", _("Other matter"), "household", "neighborhood", "more_yes", "yes_no", ""
    ),
}


def matter_for(key: str) -> Matter:
    return MATTERS[key]
