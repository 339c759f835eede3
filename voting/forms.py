"""The forms of the ballot pages: the staff's new-ballot form, and the small resident forms.

They only parse and check the shape of what was typed; every rule of the ballot itself
(who may vote, what a rule may say, when it may close) is the service's.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.ledger.filters import ADULT_AGE
from accounts.models import Building, Household, Neighborhood
from voting import matters
from voting.models import Method, Scope, Visibility, VoterUnit
from voting.tally import PRESETS

# How each preset reads in the form (the ballot page spells out the rule itself).
PRESET_LABELS: dict[str, Any] = {
    "more_yes": _("More yes than no (abstentions not counted)"),
    "majority_participants": _("More than half of those who vote"),
    "two_thirds": _("Two thirds of those who vote"),
    "three_quarters": _("Three quarters of those who vote"),
    "majority_electorate": _("More than half of the whole electorate"),
    "two_thirds_electorate": _("Two thirds of the whole electorate"),
    "three_quarters_electorate": _("Three quarters of the whole electorate"),
    "plurality": _("The most votes wins"),
    "art278_ordinary": _("Civil Code art. 278, ordinary matter (double majority)"),
    "art278_heavy": _("Civil Code art. 278, major matter (double three quarters)"),
    "custom": _("A rule of our own (below)"),
}

# The shares a custom rule may use: (num, den, inclusive).
SHARES: dict[str, tuple[int, int, bool]] = {
    "gt_1_2": (1, 2, False),
    "ge_2_3": (2, 3, True),
    "ge_3_4": (3, 4, True),
    "plurality": (0, 1, False),
}
SHARE_CHOICES = [
    ("gt_1_2", _("more than 1/2")),
    ("ge_2_3", _("at least 2/3")),
    ("ge_3_4", _("at least 3/4")),
    ("plurality", _("the most votes")),
]
QUORUM_CHOICES = [("none", _("no turnout needed")), *SHARE_CHOICES[:3]]
BASE_CHOICES = [
    ("cast", _("of the votes cast (abstentions not counted)")),
    ("participants", _("of those who vote")),
    ("electorate", _("of the whole electorate")),
]
MEASURE_CHOICES = [
    ("heads", _("by head")),
    ("area", _("by floor area")),
    ("both", _("by head and by floor area")),
]
CLOSES_AT_FORMAT = "%Y-%m-%dT%H:%M"
# "1-101", "1单元101", "1单元101室", or a bare "101" where the room number is unique.
UNIT_TOKEN = re.compile(r"^(?:(?P<unit>[0-9A-Za-z]{1,8})(?:-|单元))?(?P<room>[0-9A-Za-z]{1,8})室?$")


def matter_choices() -> list[tuple[str, Any]]:
    return [(key, matter.label) for key, matter in matters.MATTERS.items()]


def _default_closes_at() -> str:
    later = timezone.localtime() + dt.timedelta(days=14)
    return later.replace(hour=18, minute=0).strftime(CLOSES_AT_FORMAT)


class BuildingChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Buildings by their name alone ("3号楼"): the form is for one neighborhood."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class BallotForm(forms.Form):
    matter = forms.ChoiceField(label=_("Kind of matter"), choices=matter_choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("What is decided (optional)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    method = forms.ChoiceField(label=_("How people vote"), choices=Method.choices)
    options = forms.CharField(
        label=_("Options, one per line"),
        help_text=_("Not needed for yes / no / abstain."),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    min_choices = forms.IntegerField(
        label=_("Choose at least"), min_value=1, max_value=50, initial=1
    )
    max_choices = forms.IntegerField(
        label=_("Choose at most"), min_value=1, max_value=50, initial=1
    )
    voter_unit = forms.ChoiceField(label=_("Who votes"), choices=VoterUnit.choices)
    scope = forms.ChoiceField(label=_("Where the voters live"), choices=Scope.choices)
    building = BuildingChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False
    )
    units = forms.CharField(
        label=_("Flats of that building"),
        help_text=_("For a list of flats: unit-room, separated by spaces, e.g. 1-101 1-102 2-301."),
        required=False,
        max_length=4000,
    )
    min_age = forms.IntegerField(
        label=_("Minimum age"), min_value=0, max_value=120, initial=ADULT_AGE
    )
    preset = forms.ChoiceField(label=_("Rule"), choices=list(PRESET_LABELS.items()))
    approval = forms.ChoiceField(label=_("Passes with"), choices=SHARE_CHOICES, initial="gt_1_2")
    base = forms.ChoiceField(label=_("Counted"), choices=BASE_CHOICES, initial="cast")
    measure = forms.ChoiceField(label=_("Measured"), choices=MEASURE_CHOICES, initial="heads")
    quorum = forms.ChoiceField(label=_("Turnout needed"), choices=QUORUM_CHOICES, initial="none")
    quorum_measure = forms.ChoiceField(
        label=_("Turnout measured"), choices=MEASURE_CHOICES, initial="heads"
    )
    secret = forms.BooleanField(label=_("Secret ballot (with receipt codes)"), required=False)
    visibility = forms.ChoiceField(label=_("Results shown"), choices=Visibility.choices)
    proxy_limit = forms.IntegerField(
        label=_("Proxies one person may hold"), min_value=0, max_value=20, initial=1
    )
    notice_days = forms.IntegerField(
        label=_("Days of public notice (公示)"), min_value=0, max_value=60, initial=7
    )
    closes_at = forms.DateTimeField(
        label=_("Voting closes"),
        input_formats=[CLOSES_AT_FORMAT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=CLOSES_AT_FORMAT),
    )

    def __init__(self, *args: Any, place: Neighborhood, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")  # labels stand above their fields
        super().__init__(*args, **kwargs)
        self.place = place
        building = self.fields["building"]
        assert isinstance(building, forms.ModelChoiceField)
        building.queryset = place.buildings.order_by("pk")  # as entered, as on the ledger
        building.empty_label = _("— the whole neighborhood —")
        self.fields["closes_at"].initial = _default_closes_at
        self.fields["secret"].help_text = _(
            "Its count is shown once it has closed, and it needs an electorate of at least "
            "%(minimum)s."
        ) % {"minimum": settings.LINLI_SECRET_MIN_ELECTORS}

    @classmethod
    def initial_for(cls, matter_key: str) -> dict[str, Any]:
        """What the matter template fills in: electorate, voter unit, method, rule."""
        matter = matters.MATTERS.get(matter_key) or matters.MATTERS.get("custom")
        if matter is None:
            return {}
        return {
            "matter": matter.key,
            "voter_unit": matter.voter_unit,
            "scope": matter.scope,
            "preset": matter.preset,
            "method": matter.method,
        }

    def clean_options(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["options"].splitlines()]
        return [line for line in lines if line]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("method") in (Method.SINGLE, Method.MULTIPLE, Method.RANKED)
            and len(data.get("options") or []) < 2
        ):
            self.add_error("options", _("Give at least two options, one per line."))
        scope = data.get("scope")
        if scope in (Scope.BUILDING, Scope.UNITS) and data.get("building") is None:
            self.add_error("building", _("Choose the building."))
        if scope == Scope.UNITS and data.get("building") is not None:
            data["unit_ids"] = self._unit_ids(data["building"], data.get("units") or "")
        return data

    def _unit_ids(self, building: Building, text: str) -> list[int]:
        houses = list(Household.objects.filter(building=building).values_list("pk", "unit", "room"))
        found: list[int] = []
        for token in text.replace(",", " ").replace("，", " ").split():
            match = UNIT_TOKEN.match(token)
            hits = (
                [
                    pk
                    for pk, unit, room in houses
                    if room == match["room"] and (match["unit"] is None or unit == match["unit"])
                ]
                if match
                else []
            )
            if len(hits) != 1:
                self.add_error(
                    "units",
                    _("“%(token)s” is not one flat of this building.") % {"token": token[:20]},
                )
                return []
            if hits[0] not in found:
                found.append(hits[0])
        if not found and not self.errors.get("units"):
            self.add_error("units", _("Name the flats that vote."))
        return found

    def custom_rule(self) -> dict[str, Any] | None:
        """The rule as voting.tally.rule_to_data writes it, when the preset is "custom"."""
        data = self.cleaned_data
        if data.get("preset") != "custom":
            return None
        num, den, inclusive = SHARES[data["approval"]]
        quorum = SHARES.get(data["quorum"])
        return {
            "approval": {"num": num, "den": den, "inclusive": inclusive},
            "base": data["base"],
            "by_heads": data["measure"] in ("heads", "both"),
            "by_area": data["measure"] in ("area", "both"),
            "quorum": {"num": quorum[0], "den": quorum[1], "inclusive": quorum[2]}
            if quorum
            else None,
            "quorum_heads": data["quorum_measure"] in ("heads", "both"),
            "quorum_area": data["quorum_measure"] in ("area", "both"),
        }

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of voting.services.ballot_create (but actor and open_now)."""
        data = self.cleaned_data
        scope = data["scope"]
        building = data.get("building")
        return {
            "neighborhood_id": self.place.pk,
            "title": data["title"],
            "description": data["description"],
            "matter": data["matter"],
            "method": data["method"],
            "options": data["options"],
            "min_choices": data["min_choices"],
            "max_choices": data["max_choices"],
            "voter_unit": data["voter_unit"],
            "scope": scope,
            "building_id": building.pk
            if building is not None and scope != "neighborhood"
            else None,
            "unit_ids": tuple(data.get("unit_ids") or ()),
            "min_age": data["min_age"],
            "secret": data["secret"],
            # A secret ballot shows its count after close, whatever the select says (its
            # help text tells): the service refuses any other visibility for it.
            "visibility": None if data["secret"] else data["visibility"],
            "preset": data["preset"],
            "rule": self.custom_rule(),
            "proxy_limit": data["proxy_limit"],
            "notice_days": data["notice_days"],
            "closes_at": data["closes_at"],
        }


def preset_choices() -> list[str]:
    """Every preset the form offers must exist in the pure module (and custom)."""
    return [key for key in PRESET_LABELS if key == "custom" or key in PRESETS]
