"""Closing a ballot before its set time (issue 17): staff see what it does in numbers,
must give a reason, and the reason goes into the certified record (page, CSV, API); a close
on schedule asks for none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from core.errors import DomainError
from realtime.selectors import stream_head
from tests.voting.scene import Scene, ballot, scene
from tests.voting.test_pages import client_for, text_of
from tests.voting.test_record import cells, row
from voting import presenters, record, selectors, services
from voting.models import Ballot

pytestmark = pytest.mark.django_db

FOURTEEN_DAYS = dt.timedelta(days=14, minutes=5)


@pytest.fixture
def s() -> Scene:
    return scene(4)


def code_of(call: object, **kwargs: object) -> str:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)  # type: ignore[operator]
    return caught.value.code


def test_an_early_close_without_a_reason_is_refused_and_changes_nothing(s: Scene) -> None:
    b = ballot(s, closes_at=timezone.now() + FOURTEEN_DAYS)
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice=["yes"])
    head = stream_head(b.stream)
    for blank in ("", "   \n ", None):
        assert (
            code_of(services.ballot_close, actor=s.staff, ballot_id=b.pk, reason=blank)
            == "reason_required"
        )
    b.refresh_from_db()
    assert (b.status, b.closed_at, b.result, b.close_reason) == ("open", None, None, "")
    assert stream_head(b.stream) == head  # no ballot.closed went out


def test_an_early_close_with_a_reason_records_it(s: Scene) -> None:
    b = ballot(s, closes_at=timezone.now() + FOURTEEN_DAYS)
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice=["yes"])
    closed = services.ballot_close(
        actor=s.staff, ballot_id=b.pk, reason="  业主大会定于周六召开\n需提前公示结果  "
    )
    assert closed.status == "closed"
    assert closed.close_reason == "业主大会定于周六召开 需提前公示结果"  # one line
    data = selectors.result_data(Ballot.objects.get(pk=b.pk))
    assert data["close_reason"] == closed.close_reason
    assert data["closes_at"] == b.closes_at.isoformat()
    with translation.override("zh-hans"):
        table = cells(record.csv_bytes(data))
    assert row(table, "提前结束的原因")[1] == closed.close_reason
    assert row(table, "原定结束时间")[1] != ""


def test_a_reason_too_long_is_refused(s: Scene) -> None:
    b = ballot(s, closes_at=timezone.now() + FOURTEEN_DAYS)
    assert (
        code_of(services.ballot_close, actor=s.staff, ballot_id=b.pk, reason="长" * 501)
        == "too_long"
    )


def test_a_close_on_schedule_needs_no_reason(s: Scene) -> None:
    b = ballot(s, closes_at=timezone.now() + dt.timedelta(minutes=5))
    Ballot.objects.filter(pk=b.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.close_due() == [b.pk]
    b.refresh_from_db()
    assert b.status == "closed" and b.close_reason == ""


def test_staff_closing_a_ballot_past_its_time_give_no_reason(s: Scene) -> None:
    b = ballot(s, closes_at=timezone.now() + dt.timedelta(minutes=5))
    Ballot.objects.filter(pk=b.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    closed = services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="ignored")
    assert closed.status == "closed" and closed.close_reason == ""  # it was not early


def test_the_confirmation_says_what_closing_does_in_numbers() -> None:
    now = timezone.now()
    b = Ballot(status="open", closes_at=now + FOURTEEN_DAYS)
    with translation.override("zh-hans"):
        assert presenters.early_close_notice(b, now) == "投票将提前 14 天结束，结果立即公示。"
        b.closes_at = now + dt.timedelta(hours=3, minutes=10)
        assert presenters.early_close_notice(b, now) == (
            "投票将提前 3 小时 10 分钟结束，结果立即公示。"
        )
        b.closes_at = now + dt.timedelta(days=9, hours=23, minutes=59)
        assert (
            presenters.early_close_notice(b, now) == "投票将提前 9 天 23 小时结束，结果立即公示。"
        )
        b.closes_at = now + dt.timedelta(seconds=20)
        assert presenters.early_close_notice(b, now) == "投票将提前 1 分钟结束，结果立即公示。"
    with translation.override("en"):
        b.closes_at = now + dt.timedelta(days=1, hours=2)
        assert presenters.early_close_notice(b, now) == (
            "Voting will end 1 day 2 hours early, and the result is published at once."
        )
    b.closes_at = now - dt.timedelta(seconds=1)
    assert presenters.early_close_notice(b, now) == ""


def test_the_page_asks_for_the_reason_and_the_record_shows_it(s: Scene) -> None:
    b = ballot(s, closes_at=timezone.now() + FOURTEEN_DAYS)
    page = client_for(s.staff).get(f"/ballots/{b.pk}/")
    words = text_of(page)
    assert "投票将提前 14 天结束，结果立即公示。" in words
    assert 'name="reason"' in page.content.decode()
    # A resident sees no such form
    assert "投票将提前" not in text_of(client_for(s.reps[0]).get(f"/ballots/{b.pk}/"))

    refused = client_for(s.staff).post(f"/ballots/{b.pk}/close/", follow=True)
    assert "提前结束投票须说明原因" in text_of(refused)
    b.refresh_from_db()
    assert b.status == "open"

    client_for(s.staff).post(f"/ballots/{b.pk}/close/", {"reason": "业主大会提前召开"})
    b.refresh_from_db()
    assert b.status == "closed"
    shown = text_of(client_for(s.reps[0]).get(f"/ballots/{b.pk}/record/"))
    assert "提前 14 天" in shown and "原因：业主大会提前召开" in shown
