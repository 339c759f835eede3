"""The writes of voting: one transaction each, permission checked, events after commit.

ballots: create, open (the frozen electorate), close (the certified result), close_due,
  ballot_close_if_due (what adapters call before they show a ballot); a deliberation room's
  vote, created and closed by the room's chair.
casting: ballot_cast, online, for oneself or as a proxy.
proxies: 委托, granted and revoked.
paper: 书面征询, entered by one staff member and confirmed by another.
notice: 公示 objections and their answers.
"""

from voting.services.ballots import (
    ballot_close,
    ballot_close_for_room,
    ballot_close_if_due,
    ballot_create,
    ballot_create_for_room,
    ballot_open,
    close_due,
)
from voting.services.casting import CastResult, ballot_cast
from voting.services.notice import objection_answer, objection_file
from voting.services.paper import paper_confirm, paper_enter, paper_reject
from voting.services.proxies import proxy_grant, proxy_revoke

__all__ = [
    "CastResult",
    "ballot_cast",
    "ballot_close",
    "ballot_close_for_room",
    "ballot_close_if_due",
    "ballot_create",
    "ballot_create_for_room",
    "ballot_open",
    "close_due",
    "objection_answer",
    "objection_file",
    "paper_confirm",
    "paper_enter",
    "paper_reject",
    "proxy_grant",
    "proxy_revoke",
]
