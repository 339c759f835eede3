"""Request fields of voting shared by the REST API and the WebSocket action: a choice is a
list of option keys, an elector an id. Malformed ones are refused with the codes the
services use (`invalid_choice`, `invalid_elector`), never a 500."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.utils import html

from core.converters import MAX_ID
from core.errors import Invalid

CHOICES_MAX = 100  # more keys than any ballot has options
KEY_MAX = 64


def choice_list(raw: object) -> list[str]:
    """A choice as the API and the socket take it: a list of option keys (for ranked, in
    order of preference). A bare string, a number or an object is refused here, with the
    code the service uses for a choice the ballot does not allow."""
    if (
        not isinstance(raw, list)
        or len(raw) > CHOICES_MAX
        or not all(isinstance(key, str) and len(key) <= KEY_MAX for key in raw)
    ):
        raise Invalid(_("Please send the choice as a list of option keys."), code="invalid_choice")
    return list(raw)


def elector_id(raw: object) -> int | None:
    """Whom to vote for: absent or null (oneself), or an elector id (a form sends digits)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_ID:
        raise Invalid(_("Which elector? Send their id."), code="invalid_elector")
    return raw


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class ChoiceField(serializers.Field):
    """Option keys: a JSON list, or the field repeated in a form (choice=1&choice=3)."""

    def get_value(self, dictionary: Any) -> Any:
        if html.is_html_input(dictionary):
            if self.field_name not in dictionary:
                return empty
            return dictionary.getlist(self.field_name)
        return dictionary.get(self.field_name, empty)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None:  # null is a malformed choice like any other non-list
            choice_list(data)
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> list[str]:
        return choice_list(data)

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field({"type": "integer", "nullable": True})
class ElectorField(serializers.Field):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, allow_null=True, **kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is empty or data is None or data == "":
            return True, None
        return False, data

    def to_internal_value(self, data: Any) -> int | None:
        return elector_id(data)

    def to_representation(self, value: Any) -> Any:
        return value
