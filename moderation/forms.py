"""The new-room form. It only parses what was typed; the rules themselves (which limits a
preset allows, who may co-chair) are checked again by moderation.rooms.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from moderation.procedure.presets import FREE, LIMIT_BOUNDS, NANTANG, PRESETS
from moderation.rooms import services

PRESET_CHOICES = [
    (NANTANG, _("南塘十三条 (rules of procedure: motion, second, floor, vote)")),
    (FREE, _("Free discussion (no floor; slow mode)")),
]

# The limits a chair may adjust on this form, in the order they are shown.
LIMIT_FIELDS = ("speech_seconds", "speeches_per_motion", "off_topic_warnings", "slow_mode_seconds")


def _limit_field(name: str, label: Any) -> forms.IntegerField:
    low, high = LIMIT_BOUNDS[name]
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=low,
        max_value=high,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _limit_help(name: str) -> str:
    """The bounds and each preset's default, in the reader's language (so built per form)."""
    low, high = LIMIT_BOUNDS[name]

    def shown(value: object) -> str:
        return str(value) if value is not None else gettext("no limit")

    return gettext(
        "%(low)s to %(high)s. Empty: the rules' default "
        "(南塘十三条 %(nantang)s, free discussion %(free)s)."
    ) % {
        "low": low,
        "high": high,
        "nantang": shown(getattr(PRESETS[NANTANG], name)),
        "free": shown(getattr(PRESETS[FREE], name)),
    }


class RoomForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=services.TITLE_MAX)
    description = forms.CharField(
        label=_("What is it about"),
        max_length=services.DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    preset = forms.ChoiceField(
        label=_("Rules of procedure"),
        choices=PRESET_CHOICES,
        initial=NANTANG,
        widget=forms.RadioSelect,
    )
    speech_seconds = _limit_field("speech_seconds", _("Seconds per speech"))
    speeches_per_motion = _limit_field("speeches_per_motion", _("Speeches per person per motion"))
    off_topic_warnings = _limit_field(
        "off_topic_warnings", _("Off-topic warnings before losing the floor")
    )
    slow_mode_seconds = _limit_field(
        "slow_mode_seconds", _("Slow mode: seconds between one person's speeches")
    )
    agenda = forms.CharField(
        label=_("Agenda, one item per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    co_chair = forms.ChoiceField(
        label=_("Co-chair (takes over if you are away)"), required=False, choices=()
    )

    def __init__(self, *args: Any, candidates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in LIMIT_FIELDS:
            self.fields[name].help_text = _limit_help(name)
        self.fields["co_chair"].choices = [("", _("— nobody —")), *candidates]  # type: ignore[attr-defined]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        co_chair = data.get("co_chair") or None
        return {
            "title": data["title"],
            "description": data.get("description") or "",
            "preset": data["preset"],
            "limits": {name: data[name] for name in LIMIT_FIELDS if data.get(name) is not None},
            "agenda": [
                line.strip() for line in (data.get("agenda") or "").splitlines() if line.strip()
            ],
            "co_chair_id": int(co_chair) if co_chair else None,
        }
