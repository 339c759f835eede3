"""`manage.py ballot_verify <id>` recounts a closed ballot from its stored votes and says
"match" or "MISMATCH" (non-zero exit); `manage.py close_ballots` closes the ballots due."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests import factories
from tests.conftest import ROOT, database_env
from tests.voting.test_api import make_ballot
from voting import services
from voting.models import Ballot, Elector, Participation, SecretVote, Vote


@pytest.fixture
def place() -> Any:
    return factories.neighborhood("昌里第五")


def household_ballot(
    place: Any, *, secret: bool = False, preset: str = "art278_ordinary", others: int = 0
) -> Any:
    """Three households of 80, 100 and 60 m² with their representatives (then `others` of
    10 m²); a yes/no ballot of the households weighed by floor area (an art. 278 double
    majority)."""
    staff = factories.staff(place)
    voters = []
    for area in ("80.00", "100.00", "60.00", *["10.00"] * others):
        voters.append(factories.verified(factories.household(place, area=area)))
    ballot = make_ballot(staff, place, voter_unit="household", secret=secret, preset=preset)
    return staff, voters, ballot


def run(ballot_id: int) -> str:
    out = io.StringIO()
    call_command("ballot_verify", str(ballot_id), stdout=out)
    return out.getvalue()


def refused(ballot_id: int) -> tuple[str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("ballot_verify", str(ballot_id), stdout=out)
    return out.getvalue(), str(error.value)


@pytest.mark.django_db
@pytest.mark.parametrize("secret", [False, True])
def test_a_clean_closed_ballot_matches(place: Any, secret: bool) -> None:
    # A secret ballot needs 10 electors: 7 more households of 10 m², voting yes
    staff, (a, b, c, *others), ballot = household_ballot(place, secret=secret, others=7 * secret)
    for voter in (a, b, *others):
        services.ballot_cast(user=voter, ballot_id=ballot.pk, choice=["yes"])
    services.ballot_cast(user=c, ballot_id=ballot.pk, choice=["no"])
    services.ballot_close(actor=staff, ballot_id=ballot.pk, reason="test")
    output = run(ballot.pk)
    assert output.rstrip().endswith("match") and "MISMATCH" not in output
    # Both sides are printed: every household, 240 m² (310 m²), passed (2/3 heads, 180/240
    # area; 9/10, 250/310)
    assert output.count('"passed": true') == 2
    assert output.count('"area": "310.00"' if secret else '"area": "240.00"') >= 2
    assert "published:" in output and "recomputed:" in output


@pytest.mark.django_db
def test_a_tampered_open_vote_is_a_mismatch(place: Any) -> None:
    staff, (a, b, c), ballot = household_ballot(place)
    for voter, choice in ((a, "yes"), (b, "yes"), (c, "no")):
        services.ballot_cast(user=voter, ballot_id=ballot.pk, choice=[choice])
    services.ballot_close(actor=staff, ballot_id=ballot.pk, reason="test")
    assert run(ballot.pk).rstrip().endswith("match")
    # Someone with database access changes a stored vote after the close
    elector = Elector.objects.get(ballot=ballot, household=b.residencies.get().household)
    Vote.objects.filter(elector=elector).update(choice=["no"])
    output, message = refused(ballot.pk)
    assert message == "MISMATCH"
    assert "MISMATCH in tally, outcome" in output  # yes 1 / no 2 now: it would have failed
    assert output.count('"passed": true') == 1  # the published one only


@pytest.mark.django_db
def test_a_tampered_secret_vote_or_a_removed_one_is_a_mismatch(place: Any) -> None:
    staff, voters, ballot = household_ballot(place, secret=True, others=7)
    for voter in voters:
        services.ballot_cast(user=voter, ballot_id=ballot.pk, choice=["yes"])
    services.ballot_close(actor=staff, ballot_id=ballot.pk, reason="test")
    # A changed choice keeps the counts by head and area but moves an option
    row = SecretVote.objects.filter(ballot=ballot).first()
    assert row is not None
    SecretVote.objects.filter(pk=row.pk).update(choice=["abstain"])
    output, _ = refused(ballot.pk)
    assert "MISMATCH in tally" in output
    # A deleted row also leaves a participation without its vote
    SecretVote.objects.filter(pk=row.pk).delete()
    output, _ = refused(ballot.pk)
    assert "10 participations but 9 stored votes" in output


@pytest.mark.django_db
def test_votes_naming_no_option_or_a_changed_area_are_a_mismatch(place: Any) -> None:
    staff, (a, b, _c), ballot = household_ballot(place)
    services.ballot_cast(user=a, ballot_id=ballot.pk, choice=["yes"])
    services.ballot_cast(user=b, ballot_id=ballot.pk, choice=["no"])
    services.ballot_close(actor=staff, ballot_id=ballot.pk, reason="test")
    vote = Vote.objects.filter(ballot=ballot).first()
    assert vote is not None
    Vote.objects.filter(pk=vote.pk).update(area=Decimal("999.00"))
    assert "MISMATCH" in refused(ballot.pk)[0]
    Vote.objects.filter(pk=vote.pk).update(area=vote.area, choice=["4"])
    output, _ = refused(ballot.pk)
    assert "names an option the ballot does not have" in output
    Vote.objects.filter(pk=vote.pk).update(choice="yes")
    assert "choice is malformed" in refused(ballot.pk)[0]
    Vote.objects.filter(pk=vote.pk).update(choice=vote.choice)
    assert run(ballot.pk).rstrip().endswith("match")
    Elector.objects.filter(pk=vote.elector_id).update(area=Decimal("1.00"))
    assert "differ from the ballot's totals" in refused(ballot.pk)[0]


@pytest.mark.django_db
def test_only_a_closed_ballot_is_verified(place: Any) -> None:
    staff, (a, _b, _c), ballot = household_ballot(place)
    services.ballot_cast(user=a, ballot_id=ballot.pk, choice=["yes"])
    assert "is not closed (open)" in refused(ballot.pk)[1]
    draft = make_ballot(staff, place, open_now=False)
    assert "is not closed (draft)" in refused(draft.pk)[1]
    assert refused(999999)[1] == "no ballot 999999"
    assert refused(10**30)[1] == f"no ballot {10**30}"
    with pytest.raises(CommandError):
        call_command("ballot_verify", "abc")


@pytest.mark.django_db(transaction=True)
def test_the_exit_status_says_match_or_mismatch() -> None:
    place = factories.neighborhood("昌里第五")
    staff, (a, _b, _c), ballot = household_ballot(place)
    services.ballot_cast(user=a, ballot_id=ballot.pk, choice=["yes"])
    services.ballot_close(actor=staff, ballot_id=ballot.pk, reason="test")

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "ballot_verify", str(ballot.pk)],
            cwd=ROOT,
            env=database_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )

    clean = verify()
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.rstrip().endswith("match")
    Vote.objects.filter(ballot=ballot).update(choice=["no"])
    tampered = verify()
    assert tampered.returncode != 0
    assert "MISMATCH" in tampered.stdout and "MISMATCH" in tampered.stderr


# close_ballots -------------------------------------------------------------------------


@pytest.mark.django_db
def test_close_ballots_closes_the_ones_due_and_certifies_them(place: Any) -> None:
    staff, (a, _b, _c), due = household_ballot(place)
    later = make_ballot(staff, place)
    services.ballot_cast(user=a, ballot_id=due.pk, choice=["yes"])
    Ballot.objects.filter(pk=due.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    out = io.StringIO()
    call_command("close_ballots", stdout=out)
    assert out.getvalue() == f"closed ballot {due.pk}\n"
    closed = Ballot.objects.get(pk=due.pk)
    assert closed.status == "closed" and closed.result is not None
    assert closed.result["tally"]["participation"]["heads"] == 1
    assert closed.notice_until is not None
    assert Ballot.objects.get(pk=later.pk).status == "open"
    assert Participation.objects.filter(ballot=due).count() == 1
    assert run(due.pk).rstrip().endswith("match")
    again = io.StringIO()
    call_command("close_ballots", stdout=again)
    assert again.getvalue() == "no ballot due\n"


@pytest.mark.django_db
def test_close_ballots_loop_needs_a_positive_interval() -> None:
    for bad in ("0", "-5"):
        with pytest.raises(CommandError):
            call_command("close_ballots", "--loop", bad)
    with pytest.raises(CommandError):
        call_command("close_ballots", "--loop", "soon")


@pytest.mark.django_db(transaction=True)
def test_close_ballots_loop_keeps_closing_until_stopped() -> None:
    import time

    place = factories.neighborhood("昌里第五")
    _staff, _voters, ballot = household_ballot(place)
    loop = subprocess.Popen(
        [sys.executable, "manage.py", "close_ballots", "--loop", "0.2"],
        cwd=ROOT,
        env={**database_env(), "PYTHONUNBUFFERED": "1"},  # its output survives terminate()
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(0.5)  # a round or two with nothing due
        assert loop.poll() is None
        Ballot.objects.filter(pk=ballot.pk).update(
            closes_at=timezone.now() - dt.timedelta(seconds=1)
        )
        # The loop says so once the close is committed (pytest's timeout bounds the wait)
        assert loop.stdout is not None
        assert loop.stdout.readline() == f"closed ballot {ballot.pk}\n"
        assert Ballot.objects.get(pk=ballot.pk).status == "closed"
        time.sleep(0.5)
        assert loop.poll() is None  # still running, closing nothing twice
    finally:
        loop.terminate()
        out, err = loop.communicate(timeout=10)
    assert out == "", out  # nothing more was closed
    assert "Traceback" not in err, err[-3000:]
