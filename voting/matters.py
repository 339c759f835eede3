"""Matter templates: the kind of matter picks the electorate, the rule and the legal basis.

Staff start a ballot from a matter ("adding an elevator", "using the maintenance fund", ...)
and the template fixes who votes (voter unit and scope), how (the method) and by which rule
(a preset of voting/tally.py), with the legal basis the ballot shows, so a committee cannot
put an elevator to a simple majority of residents by mistake. "custom" leaves every choice
to staff.

Civil Code art. 278 (owners' joint decisions), para. 1 lists nine matters; para. 2 sets the
quorum (owners holding >= 2/3 of the area and >= 2/3 by head take part) and the approval:
>= 3/4 of the participating area and heads for items 6-8, > 1/2 of both for the others.

Only translatable text comes from Django here (gettext_lazy); the rules stay in tally.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.utils.translation import gettext_lazy as _

from voting import tally

if TYPE_CHECKING:  # typing only: nothing else of Django is imported at run time
    from django.utils.functional import Promise

VoterUnit = Literal["person", "household", "owner"]
Scope = Literal["neighborhood", "building", "units"]


@dataclass(frozen=True)
class Matter:
    key: str
    label: str | Promise
    voter_unit: VoterUnit
    scope: Scope
    preset: str  # a key of voting.tally.PRESETS
    method: tally.Method
    basis: str | Promise  # shown on the ballot and in the certified record

    def __post_init__(self) -> None:
        # A template naming a rule that does not exist would only fail at close.
        if self.preset not in tally.PRESETS:
            raise ValueError(f"matter {self.key}: unknown preset {self.preset!r}")


# The quorum and approval sentences of art. 278 para. 2, as the basis texts repeat them.
# Each basis is one msgid (English) whose Chinese msgstr quotes the statute itself.

MATTERS: dict[str, Matter] = {
    matter.key: matter
    for matter in (
        Matter(
            key="elevator",
            label=_("Adding an elevator to a building"),
            voter_unit="owner",
            scope="building",
            preset="art278_heavy",
            method="yes_no",
            basis=_(
                "Civil Code of the PRC, art. 278 para. 1 item (7) (rebuilding or altering "
                "buildings and their ancillary facilities) and para. 2: owners holding at "
                "least two thirds of the floor area and at least two thirds of the owners "
                "by head take part; it passes with the consent of owners holding at least "
                "three quarters of the participating floor area and at least three quarters "
                "of the participating owners by head. The owners of the building decide."
            ),
        ),
        Matter(
            key="elevator_common",
            label=_("Adding an elevator on the estate's common parts"),
            voter_unit="owner",
            scope="neighborhood",
            # The choice: the building's own owners decide the alteration itself
            # (item 7, "elevator"); this vote of every owner of the estate decides letting
            # the shaft stand on land they own in common, a matter of common ownership and
            # joint management (item 9), hence the ordinary rule. Where the footprint
            # changes what the common part is used for, item 8 applies and staff should
            # use a custom ballot under art278_heavy instead.
            preset="art278_ordinary",
            method="yes_no",
            basis=_(
                "Civil Code of the PRC, art. 278 para. 1 item (9) and para. 2: the elevator "
                "would take common parts of the estate (such as a green or a path), which "
                "belong to all its owners, so every owner of the estate decides, as a "
                "matter of common ownership and joint management: owners holding at least "
                "two thirds of the floor area and at least two thirds of the owners by head "
                "take part; it passes with the consent of owners holding more than half of "
                "the participating floor area and more than half of the participating "
                "owners by head. The alteration itself is decided by the owners of the "
                "building under item (7)."
            ),
        ),
        Matter(
            key="maintenance_fund",
            label=_("Using the maintenance fund"),
            voter_unit="owner",
            # Maintenance funds are charged to the owners of the building they were raised
            # for; staff pick "units" or the estate for facilities shared more widely.
            scope="building",
            preset="art278_ordinary",
            method="yes_no",
            basis=_(
                "Civil Code of the PRC, art. 278 para. 1 item (5) (using the maintenance "
                "fund of buildings and their ancillary facilities) and para. 2: owners "
                "holding at least two thirds of the floor area and at least two thirds of "
                "the owners by head take part; it passes with the consent of owners holding "
                "more than half of the participating floor area and more than half of the "
                "participating owners by head."
            ),
        ),
        Matter(
            key="maintenance_fund_raise",
            label=_("Raising the maintenance fund"),
            voter_unit="owner",
            scope="building",
            preset="art278_heavy",
            method="yes_no",
            basis=_(
                "Civil Code of the PRC, art. 278 para. 1 item (6) (raising the maintenance "
                "fund of buildings and their ancillary facilities) and para. 2: owners "
                "holding at least two thirds of the floor area and at least two thirds of "
                "the owners by head take part; it passes with the consent of owners holding "
                "at least three quarters of the participating floor area and at least three "
                "quarters of the participating owners by head."
            ),
        ),
        Matter(
            key="garden",
            label=_("A community garden"),
            voter_unit="person",
            scope="neighborhood",
            preset="more_yes",
            method="yes_no",
            basis=_(
                "A consultation of the residents, not an owners' decision under art. 278 "
                "of the Civil Code. Rule 13 of the Nantang rules of order: the motion "
                "passes with more yes than no votes; a tie fails, and abstentions are not "
                "counted. Changing the use of land the owners hold in common needs a vote "
                "of the owners under art. 278."
            ),
        ),
        Matter(
            key="parking",
            label=_("A parking scheme"),
            voter_unit="household",
            scope="neighborhood",
            preset="more_yes",
            method="yes_no",
            basis=_(
                "A consultation of the residents, one vote per household, not an owners' "
                "decision under art. 278 of the Civil Code. Rule 13 of the Nantang rules "
                "of order: the motion passes with more yes than no votes; a tie fails, and "
                "abstentions are not counted. Parking spaces on roads or other ground the "
                "owners hold in common belong to the owners (Civil Code art. 275 para. 2); "
                "changing their use needs a vote of the owners under art. 278."
            ),
        ),
        Matter(
            key="custom",
            label=_("Another matter (rules set by staff)"),
            voter_unit="household",
            scope="neighborhood",
            preset="more_yes",
            method="yes_no",
            # No basis of its own: staff describe the matter (and cite one if there is).
            # Not gettext("") either, which would answer the catalogue's header.
            basis="",
        ),
    )
}


def matter_for(key: str) -> Matter:
    """The template for `key`; KeyError if there is none (callers map it to their error)."""
    return MATTERS[key]


def choices() -> list[tuple[str, str | Promise]]:
    """(key, label) pairs for a form's select, in the order above."""
    return [(matter.key, matter.label) for matter in MATTERS.values()]
