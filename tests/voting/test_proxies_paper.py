"""委托 (proxies) and 书面征询 (paper ballots)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from core.errors import DomainError, Forbidden
from tests import factories
from tests.voting.scene import ballot, owner_living_elsewhere, scene
from voting import selectors, services
from voting.models import PaperBallot, Participation, Proxy, Vote

pytestmark = pytest.mark.django_db


def code_of(call: object, **kwargs: object) -> str:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)  # type: ignore[operator]
    return caught.value.code


def photo(name: str = "form.jpg", *, gps: bool = True) -> SimpleUploadedFile:
    image = Image.new("RGB", (64, 48), "white")
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "PhoneMaker"  # Make: any EXIF tag stands for the metadata dropped
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


# Proxies ------------------------------------------------------------------------------


def test_a_proxy_votes_for_the_delegator_who_cannot_vote_until_revoking() -> None:
    s = scene(2)
    b = ballot(s)
    a, d = s.reps
    proxy = services.proxy_grant(user=a, ballot_id=b.pk, delegate_id=d.pk, reason="出差在外")
    assert code_of(services.ballot_cast, user=a, ballot_id=b.pk, choice="yes") == "delegated"
    mine = selectors.voter_slots(d, b)
    assert [slot.own for slot in mine] == [True, False]
    services.ballot_cast(user=d, ballot_id=b.pk, choice="yes", elector_id=proxy.elector_id)
    assert Participation.objects.get(elector_id=proxy.elector_id).proxy == proxy
    assert code_of(services.proxy_revoke, user=a, proxy_id=proxy.pk) == "already_voted"


def test_revoking_before_the_delegate_votes_gives_the_vote_back() -> None:
    s = scene(2)
    b = ballot(s)
    a, d = s.reps
    proxy = services.proxy_grant(user=a, ballot_id=b.pk, delegate_id=d.pk, reason="住院")
    services.proxy_revoke(user=a, proxy_id=proxy.pk)
    assert (
        code_of(
            services.ballot_cast, user=d, ballot_id=b.pk, choice="yes", elector_id=proxy.elector_id
        )
        == "not_eligible"
    )
    services.ballot_cast(user=a, ballot_id=b.pk, choice="no")
    assert Vote.objects.get(elector_id=proxy.elector_id).choice == ["no"]
    with pytest.raises(Forbidden):
        services.proxy_revoke(user=d, proxy_id=proxy.pk)


def test_chains_and_loops_are_refused() -> None:
    s = scene(3)
    b = ballot(s)
    a, m, z = s.reps
    services.proxy_grant(user=a, ballot_id=b.pk, delegate_id=m.pk, reason="出差")
    # m holds a's vote: m may not pass their own on (a chain a -> m -> z).
    assert (
        code_of(services.proxy_grant, user=m, ballot_id=b.pk, delegate_id=z.pk, reason="也出差")
        == "proxy_invalid"
    )
    # z -> a: a gave their vote away, so a cannot hold z's (a chain z -> a -> m).
    assert (
        code_of(services.proxy_grant, user=z, ballot_id=b.pk, delegate_id=a.pk, reason="出差")
        == "proxy_invalid"
    )
    # m -> a would be a loop.
    assert (
        code_of(services.proxy_grant, user=m, ballot_id=b.pk, delegate_id=a.pk, reason="互相")
        == "proxy_invalid"
    )


def test_a_delegate_holds_at_most_the_ballots_limit() -> None:
    s = scene(4)
    b = ballot(s, proxy_limit=2)
    d = s.reps[3]
    for rep in s.reps[:2]:
        services.proxy_grant(user=rep, ballot_id=b.pk, delegate_id=d.pk, reason="委托")
    assert (
        code_of(
            services.proxy_grant, user=s.reps[2], ballot_id=b.pk, delegate_id=d.pk, reason="委托"
        )
        == "proxy_invalid"
    )


def test_a_proxy_used_and_then_expired_still_counts_toward_the_limit() -> None:
    s = scene(3)
    b = ballot(s)  # limit 1
    d = s.reps[2]
    proxy = services.proxy_grant(
        user=s.reps[0],
        ballot_id=b.pk,
        delegate_id=d.pk,
        reason="出差",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    services.ballot_cast(user=d, ballot_id=b.pk, choice="yes", elector_id=proxy.elector_id)
    Proxy.objects.filter(pk=proxy.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    with pytest.raises(DomainError) as caught:
        services.proxy_grant(user=s.reps[1], ballot_id=b.pk, delegate_id=d.pk, reason="x")
    assert caught.value.code == "proxy_invalid"
    with translation.override("en"):
        assert "holds as many proxies" in str(caught.value.message)
    # An expired proxy that was never used frees its place.
    Participation.objects.filter(proxy=proxy).delete()
    Vote.objects.filter(elector_id=proxy.elector_id).delete()
    services.proxy_grant(user=s.reps[1], ballot_id=b.pk, delegate_id=d.pk, reason="x")


def test_an_owner_living_elsewhere_gives_a_proxy_to_a_neighbor() -> None:
    s = scene(2)
    landlord, owner = owner_living_elsewhere(s)
    b = ballot(s, voter_unit="owner", preset="art278_ordinary")
    proxy = services.proxy_grant(
        user=landlord, ballot_id=b.pk, delegate_id=s.reps[0].pk, reason="人在外地"
    )
    assert proxy.elector.owner == owner
    cast = services.ballot_cast(
        user=s.reps[0], ballot_id=b.pk, choice="yes", elector_id=proxy.elector_id
    )
    assert cast.elector_id == proxy.elector_id
    # Someone neither member nor elector still finds no ballot.
    stranger = factories.verified(factories.household(factories.neighborhood()), "路人")
    assert (
        code_of(
            services.proxy_grant,
            user=stranger,
            ballot_id=b.pk,
            delegate_id=s.reps[0].pk,
            reason="x",
        )
        == "not_found"
    )


@pytest.mark.parametrize(
    "target", ["self", "child", "outsider", "stranger", "nobody", "text", "inactive"]
)
def test_a_proxy_must_be_another_verified_adult_of_the_neighborhood(target: str) -> None:
    s = scene(1)
    b = ballot(s)
    a = s.reps[0]
    kid_account = factories.user()
    if target == "child":
        from accounts.models import Residency

        kid = factories.person(
            s.houses[0], "小孩", birth=timezone.localdate() - dt.timedelta(days=3650)
        )
        Residency.objects.create(
            user=kid_account, household=s.houses[0], resident=kid, verified_at=timezone.now()
        )
    inactive = factories.verified(factories.household_in(s.building), representative=False)
    inactive.is_active = False
    inactive.save()
    delegate = {
        "self": a.pk,
        "child": kid_account.pk,
        "outsider": factories.resident(factories.neighborhood()).pk,
        "stranger": factories.user().pk,
        "nobody": 10**9,
        "text": "5",
        "inactive": inactive.pk,
    }[target]
    assert (
        code_of(services.proxy_grant, user=a, ballot_id=b.pk, delegate_id=delegate, reason="委托")
        == "proxy_invalid"
    )
    assert not Proxy.objects.exists()


def test_an_expired_proxy_cannot_be_used() -> None:
    s = scene(2)
    b = ballot(s)
    a, d = s.reps
    proxy = services.proxy_grant(
        user=a,
        ballot_id=b.pk,
        delegate_id=d.pk,
        reason="出差",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    Proxy.objects.filter(pk=proxy.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert (
        code_of(
            services.ballot_cast, user=d, ballot_id=b.pk, choice="yes", elector_id=proxy.elector_id
        )
        == "proxy_invalid"
    )
    # Expired, it no longer binds the delegator either.
    services.ballot_cast(user=a, ballot_id=b.pk, choice="yes")


def test_proxy_needs_a_reason_and_a_future_end() -> None:
    s = scene(2)
    b = ballot(s)
    a, d = s.reps
    assert (
        code_of(services.proxy_grant, user=a, ballot_id=b.pk, delegate_id=d.pk, reason="")
        == "reason_required"
    )
    assert (
        code_of(
            services.proxy_grant,
            user=a,
            ballot_id=b.pk,
            delegate_id=d.pk,
            reason="出差",
            expires_at=timezone.now() - dt.timedelta(minutes=1),
        )
        == "proxy_invalid"
    )


# Paper ballots ------------------------------------------------------------------------


def test_a_paper_ballot_counts_only_after_a_second_staff_member_confirms() -> None:
    s = scene(2)
    b = ballot(s)
    elector = b.electors.get(household=s.houses[0])
    paper = services.paper_enter(
        actor=s.staff, ballot_id=b.pk, elector_id=elector.pk, choice="yes", photo=photo()
    )
    assert selectors.current_tally(b).participation.heads == 0
    with Image.open(paper.photo.path) as stored:
        assert not stored.getexif()  # EXIF dropped
    with pytest.raises(Forbidden):
        services.paper_confirm(actor=s.staff, paper_id=paper.pk)
    services.paper_confirm(actor=s.staff2, paper_id=paper.pk)
    assert selectors.current_tally(b).options["yes"].heads == 1
    # The voter cannot also vote online, nor be entered twice.
    assert code_of(services.ballot_cast, user=s.reps[0], ballot_id=b.pk, choice="no") == (
        "already_voted"
    )
    assert (
        code_of(
            services.paper_enter,
            actor=s.staff,
            ballot_id=b.pk,
            elector_id=elector.pk,
            choice="no",
            photo=photo(),
        )
        == "already_voted"
    )


def test_online_voters_cannot_be_entered_on_paper_and_an_online_vote_beats_a_pending_form() -> None:
    s = scene(2)
    b = ballot(s)
    services.ballot_cast(user=s.reps[0], ballot_id=b.pk, choice="yes")
    first = b.electors.get(household=s.houses[0])
    assert (
        code_of(
            services.paper_enter,
            actor=s.staff,
            ballot_id=b.pk,
            elector_id=first.pk,
            choice="no",
            photo=photo(),
        )
        == "already_voted"
    )
    second = b.electors.get(household=s.houses[1])
    paper = services.paper_enter(
        actor=s.staff, ballot_id=b.pk, elector_id=second.pk, choice="no", photo=photo()
    )
    assert (
        code_of(
            services.paper_enter,
            actor=s.staff2,
            ballot_id=b.pk,
            elector_id=second.pk,
            choice="no",
            photo=photo(),
        )
        == "paper_pending"
    )
    # The household votes online before the check: the paper form then cannot count.
    services.ballot_cast(user=s.reps[1], ballot_id=b.pk, choice="yes")
    assert code_of(services.paper_confirm, actor=s.staff2, paper_id=paper.pk) == "already_voted"
    rejected = services.paper_reject(actor=s.staff2, paper_id=paper.pk, reason="已网上投票")
    assert rejected.status == "rejected"
    assert code_of(services.paper_reject, actor=s.staff2, paper_id=paper.pk, reason="x") == (
        "paper_checked"
    )


def test_a_voter_who_gave_a_proxy_is_not_entered_on_paper_until_it_is_revoked() -> None:
    s = scene(3)
    b = ballot(s)
    elector = b.electors.get(household=s.houses[0])
    proxy = services.proxy_grant(
        user=s.reps[0], ballot_id=b.pk, delegate_id=s.reps[2].pk, reason="住院"
    )

    def enter():
        return services.paper_enter(
            actor=s.staff, ballot_id=b.pk, elector_id=elector.pk, choice="no", photo=photo()
        )

    with pytest.raises(DomainError) as caught:
        enter()
    assert caught.value.code == "delegated" and "委托" in str(caught.value.render())
    services.proxy_revoke(user=s.reps[0], proxy_id=proxy.pk)
    paper = enter()
    # A proxy given while the form waits for its check stops the check too.
    services.proxy_grant(user=s.reps[0], ballot_id=b.pk, delegate_id=s.reps[2].pk, reason="住院")
    assert code_of(services.paper_confirm, actor=s.staff2, paper_id=paper.pk) == "delegated"
    assert not Participation.objects.filter(elector=elector).exists()
    # Once the delegate has voted, the form cannot count: the vote is cast.
    services.ballot_cast(user=s.reps[2], ballot_id=b.pk, choice="yes", elector_id=elector.pk)
    assert code_of(services.paper_confirm, actor=s.staff2, paper_id=paper.pk) == "already_voted"
    assert Vote.objects.get(elector=elector).choice == ["yes"]


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (None, "photo_required"),
        ("text", "invalid_photo"),
    ],
)
def test_paper_photo_must_be_a_picture(upload: str | None, code: str) -> None:
    s = scene(1)
    b = ballot(s)
    elector = b.electors.get()
    given = (
        SimpleUploadedFile("form.jpg", b"not an image", content_type="image/jpeg")
        if upload
        else None
    )
    assert (
        code_of(
            services.paper_enter,
            actor=s.staff,
            ballot_id=b.pk,
            elector_id=elector.pk,
            choice="yes",
            photo=given,
        )
        == code
    )
    assert not PaperBallot.objects.exists()


def test_secret_ballots_take_no_paper_and_residents_enter_none() -> None:
    big = scene(10)  # a secret ballot's smallest electorate
    secret = ballot(big, secret=True)
    assert (
        code_of(
            services.paper_enter,
            actor=big.staff,
            ballot_id=secret.pk,
            elector_id=secret.electors.first().pk,
            choice="yes",
            photo=photo(),
        )
        == "paper_not_allowed"
    )
    s = scene(1)
    b = ballot(s)
    with pytest.raises(Forbidden):
        services.paper_enter(
            actor=s.reps[0],
            ballot_id=b.pk,
            elector_id=b.electors.get().pk,
            choice="yes",
            photo=photo(),
        )


def test_pending_paper_is_reported_and_not_counted_at_close() -> None:
    s = scene(2)
    b = ballot(s)
    services.paper_enter(
        actor=s.staff,
        ballot_id=b.pk,
        elector_id=b.electors.get(household=s.houses[0]).pk,
        choice="yes",
        photo=photo(),
    )
    closed = services.ballot_close(actor=s.staff, ballot_id=b.pk, reason="test")
    assert closed.result is not None
    assert closed.result["paper"]["pending_not_counted"] == 1
    assert closed.result["tally"]["participation"]["heads"] == 0
