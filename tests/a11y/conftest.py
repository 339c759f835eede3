"""One seeded demo estate and one daphne for the whole a11y module: seeding and starting a
server per role would cost more than the checks themselves. The data is committed outside
any test transaction, so the module flushes the database when it is done."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.management import call_command

from tests.conftest import free_port, start_daphne, stop

# "neighbor" is a verified resident in elder mode (the module turns it on): the same pages,
# larger and in the high-contrast palette, must pass too.
ROLES = (
    "anonymous",
    "newcomer",
    "resident",
    "neighbor",
    "rep",
    "staff",
    "secretary",
    "moderator",
    "admin",
)


@dataclass
class Estate:
    base: str
    # Every page a GET can show, ids filled in from the demo data; each role meets the
    # ones it may see (the others answer 403/404 or send it to the login page).
    pages: list[str] = field(default_factory=list)


def estate_pages() -> list[str]:
    from accounts.ledger.filters import LedgerFilter
    from accounts.models import Household, Neighborhood, Resident, Subdistrict, User
    from accounts.outreach import services as outreach
    from forum.models import Board, Topic
    from moderation.rooms import services as rooms
    from voting.models import Ballot

    home = Neighborhood.objects.get(name="昌里第五")
    area = Subdistrict.objects.get()
    board = Board.objects.filter(neighborhood=home).order_by("position").first()
    topic = Topic.objects.filter(board=board).order_by("pk").first()
    open_ballot = Ballot.objects.filter(neighborhood=home, closed_at__isnull=True).first()
    closed_ballot = Ballot.objects.filter(neighborhood=home, closed_at__isnull=False).first()
    staff = User.objects.get(username="staff")
    room = rooms.room_create(
        actor=staff, neighborhood_id=home.pk, title="南门空地怎么用", agenda=["花园", "停车"]
    )
    sent = outreach.outreach_send(
        actor=staff,
        neighborhood_id=home.pk,
        spec=LedgerFilter(),
        title="停水通知",
        body="明天上午九点到十二点停水。",
    )
    # The door-visit list as the moderator sees it when sent to knock: phones revealed
    from accounts.outreach import visits as door_visits

    visitor = User.objects.get(username="moderator")
    door_visits.door_visit_assign(actor=staff, outreach_id=sent.pk, visitor_id=visitor.pk)
    door_visits.door_visit_reveal(actor=visitor, outreach_id=sent.pk)
    house = Household.objects.filter(building__neighborhood=home, residents__isnull=False).first()
    assert board and topic and open_ballot and closed_ballot and house
    person = Resident.objects.filter(household=house).first()
    assert person is not None
    User.objects.filter(username="neighbor").update(elder_mode=True, elder_mode_offered=True)
    n, h = home.pk, house.pk
    return [
        "/",
        "/login/",
        f"/boards/{board.pk}/",
        f"/topics/{topic.pk}/",
        "/verify/",
        "/verify/request/",
        "/household/",
        "/notifications/",
        "/ballots/",
        f"/neighborhoods/{n}/ballots/",
        f"/neighborhoods/{n}/ballots/new/",
        f"/ballots/{open_ballot.pk}/",
        f"/ballots/{open_ballot.pk}/paper/",
        f"/ballots/{closed_ballot.pk}/",
        f"/ballots/{closed_ballot.pk}/record/",
        "/rooms/",
        f"/neighborhoods/{n}/rooms/",
        f"/neighborhoods/{n}/rooms/new/",
        f"/rooms/{room.pk}/",
        f"/rooms/{room.pk}/chair/",
        f"/rooms/{room.pk}/minutes/",
        "/committee/",
        f"/committee/{n}/",
        f"/committee/{n}/roles/",
        f"/committee/{n}/codes/",
        f"/committee/{n}/verification/",
        f"/committee/{n}/households/{h}/members/",
        f"/committee/{n}/ledger/",
        f"/committee/{n}/ledger/residents/{person.pk}/",
        f"/committee/{n}/ledger/residents/{person.pk}/edit/",
        f"/committee/{n}/ledger/households/{h}/",
        f"/committee/{n}/ledger/households/{h}/edit/",
        f"/committee/{n}/ledger/households/{h}/residents/new/",
        f"/committee/{n}/ledger/import/",
        f"/committee/{n}/outreach/",
        f"/committee/{n}/outreach/new/",
        f"/committee/{n}/outreach/{sent.pk}/",
        f"/committee/{n}/outreach/{sent.pk}/door-visits/",
        f"/area/{area.pk}/",
        "/me/profile/",
        "/accounts/2fa/",
        "/accounts/2fa/reauthenticate/",
    ]


def drain(server: subprocess.Popen[bytes]) -> None:
    assert server.stderr is not None
    for _line in server.stderr:
        pass


@pytest.fixture(scope="module")
def estate(django_db_setup: None, django_db_blocker: Any) -> Iterator[Estate]:
    from demo import seed

    with django_db_blocker.unblock():
        try:
            seed.seed(60)
            pages = estate_pages()
            port = free_port()
            server = start_daphne(port)
            # Hundreds of refused pages log a line each on stderr: read the pipe, or daphne
            # blocks on a full one and stops answering halfway through the roles.
            threading.Thread(target=drain, args=(server,), daemon=True).start()
            try:
                yield Estate(base=f"http://127.0.0.1:{port}", pages=pages)
            finally:
                stop(server)
        finally:
            call_command("flush", "--noinput", verbosity=0)
