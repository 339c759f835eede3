"""委托: an elector lets another verified adult of the neighborhood vote in their place.

Refused: a delegate who is not a verified adult member, oneself, a delegate already holding
the ballot's limit of proxies, and every chain (a delegate who delegated their own vote, or
a delegator who holds someone else's proxy) - loops are chains that come back. The ballot
row is locked for update while a proxy is granted, so two grants cannot both take a
delegate's last free place.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access, neighbors
from accounts.models import User
from core.errors import Forbidden, Invalid, NotFound
from voting import slots
from voting.models import Ballot, Participation, Proxy
from voting.services.common import clean_text, lock_open

REASON_MAX = 200


def _invalid(message: object) -> Invalid:
    return Invalid(message, code="proxy_invalid")  # type: ignore[arg-type]


def _is_adult_member(user: User, neighborhood_id: int) -> bool:
    """Whom a proxy may name: the people the neighbor picker offers."""
    return neighbors.adult_residencies(neighborhood_id).filter(user=user).exists()


def proxy_grant(
    *,
    user: User,
    ballot_id: int,
    delegate_id: object,
    reason: object,
    expires_at: object = None,
    elector_id: object = None,
) -> Proxy:
    ballot = Ballot.objects.filter(pk=ballot_id).first()
    if ballot is None:
        raise NotFound(_("Not found."))
    # An owner who lives elsewhere is no member but an elector of the owners' ballots, and
    # the one who most needs a neighbor to vote in their place.
    own = slots.own_electors(user, ballot)
    if not own and not access.is_member(user, ballot.neighborhood_id):
        raise NotFound(_("Not found."))
    if not own:
        if Proxy.objects.filter(slots.active_proxies(), ballot=ballot, delegate=user).exists():
            raise _invalid(_("A vote held by proxy cannot be passed on."))
        raise Invalid(_("You are not in this ballot's electorate."), code="not_eligible")
    elector = own[0]
    if elector_id is not None:
        elector = next((e for e in own if e.pk == elector_id), None)  # type: ignore[assignment]
        if elector is None:
            raise Invalid(_("You are not in this ballot's electorate."), code="not_eligible")
    text = clean_text(
        reason, limit=REASON_MAX, code="reason_required", required=_("Please give a reason.")
    )
    if expires_at is not None and (
        not isinstance(expires_at, dt.datetime)
        or timezone.is_naive(expires_at)
        or expires_at <= timezone.now()
    ):
        raise _invalid(_("The proxy must end in the future."))
    if not isinstance(delegate_id, int) or isinstance(delegate_id, bool):
        raise _invalid(_("Please choose whom you give your vote to."))
    delegate = User.objects.filter(pk=delegate_id, is_active=True).first()
    if delegate is None or not _is_adult_member(delegate, ballot.neighborhood_id):
        raise _invalid(_("A proxy must be a verified adult resident of this neighborhood."))
    if delegate.pk == user.pk:
        raise _invalid(_("You cannot be your own proxy."))
    with transaction.atomic():
        # For update, not for share: two grants to one delegate must not both see a free
        # place. Votes only wait for the few milliseconds this takes.
        Ballot.objects.select_for_update().filter(pk=ballot.pk).first()
        ballot = lock_open(ballot.pk)
        if Participation.objects.filter(elector=elector).exists():
            raise Invalid(_("This vote has been cast already."), code="already_voted")
        active = Proxy.objects.filter(slots.active_proxies(), ballot=ballot)
        if active.filter(delegate=user).exists():
            raise _invalid(_("You hold someone's proxy, so you cannot pass your vote on."))
        theirs = slots.own_electors(delegate, ballot)
        if active.filter(delegator=delegate).exists() or active.filter(elector__in=theirs).exists():
            raise _invalid(_("This person gave their own vote to a proxy: no chains."))
        # A proxy used and then expired still took its place: the delegate cast that vote.
        held = Proxy.objects.filter(ballot=ballot, delegate=delegate, revoked_at__isnull=True)
        used = Participation.objects.filter(proxy=OuterRef("pk"))
        if held.filter(slots.active_proxies() | Q(Exists(used))).count() >= ballot.proxy_limit:
            raise _invalid(_("This person holds as many proxies as a ballot allows."))
        try:
            with transaction.atomic():
                return Proxy.objects.create(
                    ballot=ballot,
                    elector=elector,
                    delegator=user,
                    delegate=delegate,
                    reason=text,
                    created_at=timezone.now(),
                    expires_at=expires_at,
                )
        except IntegrityError:
            raise _invalid(_("You have given your vote to a proxy already.")) from None


def proxy_revoke(*, user: User, proxy_id: int) -> None:
    """The delegator takes their vote back, until the delegate has used it."""
    proxy = Proxy.objects.filter(pk=proxy_id).first()
    if proxy is None or proxy.delegator_id != user.pk:
        if proxy is not None and proxy.delegate_id == user.pk:
            raise Forbidden(_("Only the one who gave the proxy can revoke it."))
        raise NotFound(_("Not found."))
    with transaction.atomic():
        lock_open(proxy.ballot_id)
        proxy = Proxy.objects.select_for_update().get(pk=proxy_id)
        if proxy.revoked_at is not None:
            raise _invalid(_("This proxy was revoked already."))
        if Participation.objects.filter(elector_id=proxy.elector_id, proxy=proxy).exists():
            raise Invalid(_("Your proxy has voted already."), code="already_voted")
        proxy.revoked_at = timezone.now()
        proxy.save(update_fields=["revoked_at"])
