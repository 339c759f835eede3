"""core.text for Django code: refusals become `Invalid` with a stable code and a
translated message, the same ones the HTTP edge and the socket answer with."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core import jsondepth, text
from core.errors import Invalid

MESSAGES: dict[str, Promise] = {
    text.CONTROL_CHARACTER: _(
        "The text contains control characters (such as NUL) that cannot be stored; "
        "please remove them."
    ),
    text.INVALID_TEXT: _("The text is not valid Unicode; please type it again."),
    jsondepth.TOO_DEEP: _("The data is nested too deeply."),
}
# The codes the edge answers with besides a service's own: documented in
# docs/architecture.md (API errors) and docs/realtime.md (socket).
CODES = tuple(MESSAGES)


def refused(code: str) -> Invalid:
    return Invalid(MESSAGES[code], code=code)


def cleaned(raw: object, *, multiline: bool = False) -> str:
    """The text as a service stores it (core.text.clean); anything but a string is "".

    Raises Invalid (`control_character`, `invalid_text`).
    """
    if not isinstance(raw, str):
        return ""
    try:
        return text.clean(raw, multiline=multiline)
    except text.TextRefused as exc:
        raise refused(exc.code) from None


def required_text(
    raw: object, *, limit: int, code: str, required: object, multiline: bool = False
) -> str:
    """Typed text a service stores, cleaned, present and at most `limit` characters.

    Raises Invalid: `control_character` / `invalid_text` (cleaned), `code` with the
    message `required` when empty, `too_long`."""
    clean = cleaned(raw, multiline=multiline)
    if not clean:
        raise Invalid(required, code=code)  # type: ignore[arg-type]
    if len(clean) > limit:
        raise Invalid(
            _("Please keep it to %(limit)s characters."), code="too_long", params={"limit": limit}
        )
    return clean


def title_and_description(
    title: object, description: object, *, title_max: int, description_max: int
) -> tuple[str, str]:
    """What a ballot or a room is called (one line, required: `title_required`) and what it
    is about (optional, several lines), cleaned and bounded (`too_long`)."""
    clean_title = required_text(
        title,
        limit=title_max,
        code="title_required",
        required=_("Please give a title."),
        multiline=False,
    )
    clean_description = (
        required_text(
            description, limit=description_max, code="too_long", required="", multiline=True
        )
        if isinstance(description, str) and description.strip()
        else ""
    )
    return clean_title, clean_description
