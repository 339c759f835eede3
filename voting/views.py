"""Ballot pages: the list, the staff's new-ballot form, the ballot itself (vote, proxy, result,
公示, objections), the printable record and the paper round. Thin: read through
voting.selectors, write through voting.services, then render or redirect.

What the pages say (the rule, turnout, the tally, the result) is worded by
voting.presenters; the live panel is one template (voting/_live.html) rendered into the
page and, after an event, as the fragment live/ballot.js fetches (ballot_live).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access, neighbors
from accounts.access import acting_user
from accounts.models import Neighborhood, User
from accounts.permissions import Perm
from core import text
from core.converters import form_id
from core.errors import DomainError, NotFound
from voting import presenters, selectors, services
from voting.forms import BallotForm
from voting.models import Ballot, PaperBallot, Status
from voting.serializers import elector_id

# A POSTed secret vote's receipt waits for the next page in a signed cookie of the voter's
# own browser, not in the session: the session row names the user, and a receipt next to a
# user id would link them to their secret choice for as long as the row lived.
RECEIPT_COOKIE = "linli_receipt_%s"
RECEIPT_SALT = "voting.receipt"
RECEIPT_SECONDS = 300


# Pages -----------------------------------------------------------------------------------


def _neighborhood_for_member(user: User, neighborhood_id: int) -> Neighborhood:
    place = Neighborhood.objects.filter(pk=neighborhood_id).first()
    if place is None or not access.is_member(user, neighborhood_id):
        raise Http404
    return place


def _ballot(user: User, ballot_id: int) -> Ballot:
    try:
        return services.ballot_close_if_due(selectors.ballot_for_viewer(user, ballot_id))
    except NotFound as exc:
        raise Http404 from exc


def _manager(user: User, ballot: Ballot) -> bool:
    return access.may(user, Perm.BALLOT_MANAGE, ballot.neighborhood_id)


def _require_manager(user: User, ballot: Ballot) -> None:
    """Staff only; anyone else sees nothing here (a 404, as for a ballot of elsewhere)."""
    if not _manager(user, ballot):
        raise Http404


@login_required
def my_ballots(request: HttpRequest) -> HttpResponse:
    """The header's link: the ballots of one's neighborhood (or a choice of several)."""
    places = access.member_neighborhoods(acting_user(request))
    if len(places) == 1:
        return redirect("ballot_list", neighborhood_id=places[0].pk)
    return render(request, "voting/places.html", {"places": places})


@login_required
def ballot_list(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    user = acting_user(request)
    place = _neighborhood_for_member(user, neighborhood_id)
    try:
        ballots = selectors.ballots_for(user, neighborhood_id)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "voting/list.html",
        {
            "place": place,
            "ballots": ballots,
            "manage": access.may(user, Perm.BALLOT_MANAGE, neighborhood_id),
        },
    )


@login_required
def ballot_new(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    user = acting_user(request)
    place = _neighborhood_for_member(user, neighborhood_id)
    if not access.may(user, Perm.BALLOT_MANAGE, neighborhood_id):
        raise Http404
    error = ""
    status = 200
    if request.method == "POST":
        form = BallotForm(request.POST, place=place)
        if form.is_valid():
            try:
                ballot = services.ballot_create(
                    actor=user, open_now="open_now" in request.POST, **form.service_arguments()
                )
            except DomainError as exc:
                error = exc.render()
            else:
                if ballot.status == Status.OPEN:
                    messages.success(request, _("The ballot is open."))
                else:
                    messages.success(request, _("The ballot is saved as a draft."))
                return redirect("ballot", ballot_id=ballot.pk)
        status = 400
    else:
        form = BallotForm(
            place=place, initial=BallotForm.initial_for(request.GET.get("matter", ""))
        )
    matters = presenters.matter_data()
    return render(
        request,
        "voting/new.html",
        {
            "place": place,
            "form": form,
            "error": error,
            "matters": matters,
            "chosen_basis": next(
                (m["basis"] for m in matters if m["key"] == form["matter"].value()), ""
            ),
        },
        status=status,
    )


@login_required
def ballot_page(request: HttpRequest, ballot_id: int) -> HttpResponse:
    user = acting_user(request)
    ballot = _ballot(user, ballot_id)
    return _render_ballot(request, user, ballot)


def _render_ballot(
    request: HttpRequest, user: User, ballot: Ballot, *, status: int = 200, error: str = ""
) -> HttpResponse:
    is_open = ballot.status == Status.OPEN
    closed = ballot.status == Status.CLOSED
    manage = _manager(user, ballot)
    snap = selectors.snapshot(user, ballot)  # its seq is read before anything it shows
    on_notice = bool(snap.get("on_notice"))
    reads = presenters.BallotReads(
        snap=snap,
        slots=selectors.voter_slots(user, ballot) if is_open else [],
        objections=selectors.objections(user, ballot) if closed else [],
        receipts=selectors.receipts(ballot) if closed and ballot.secret else [],
        votes=selectors.open_votes(ballot) if closed and not ballot.secret else [],
        paper_waiting=len(selectors.paper_queue(user, ballot)) if manage and is_open else 0,
    )
    receipt_cookie = RECEIPT_COOKIE % ballot.pk
    receipt = request.get_signed_cookie(  # None when absent, forged, another's or stale
        receipt_cookie, default=None, salt=_receipt_salt(user), max_age=RECEIPT_SECONDS
    )
    who = neighbors.query_of(request.GET.get("who"))
    context = presenters.ballot_page(
        ballot,
        reads,
        manage=manage,
        # Rendered (hidden) on an open ballot too: live/ballot.js shows it when the ballot closes.
        may_object=(is_open or (closed and on_notice))
        and access.is_verified_resident(user, ballot.neighborhood_id),
        receipt=receipt,
        error=error,
    )
    # The proxy form's neighbor picker: a GET search, so it works without JavaScript.
    context["who"] = who
    context["neighbors"] = (
        neighbors.eligible_neighbors(user, ballot.neighborhood_id, who) if is_open and who else []
    )
    response = render(request, "voting/ballot.html", context, status=status)
    if receipt_cookie in request.COOKIES:  # shown once
        response.delete_cookie(receipt_cookie, path=_back(ballot), samesite="Lax")
    return response


@login_required
def ballot_live(request: HttpRequest, ballot_id: int) -> HttpResponse:
    """The ballot's live panel (turnout, tally, result) as this reader may see it now: the
    fragment live/ballot.js fetches after a ballot.tally or ballot.closed event."""
    user = acting_user(request)
    ballot = _ballot(user, ballot_id)
    context = presenters.live_panel(ballot, selectors.snapshot(user, ballot))
    return render(request, "voting/_live.html", context)


@login_required
@require_POST
def ballot_cast(request: HttpRequest, ballot_id: int) -> HttpResponse:
    """The vote form without JavaScript (with it, the same service runs as `ballot.cast`)."""
    user = acting_user(request)
    ballot = _ballot(user, ballot_id)
    try:
        choice = [key for key in request.POST.getlist("choice") if key]
        result = services.ballot_cast(
            user=user,
            ballot_id=ballot.pk,
            choice=choice,
            elector_id=elector_id(request.POST.get("elector")),
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        return _render_ballot(
            request, user, _ballot(user, ballot_id), status=400, error=exc.render()
        )
    messages.success(
        request, _("Your vote is changed.") if result.changed else _("Your vote is counted.")
    )
    response = redirect(_back(ballot, "my-vote"))
    if result.receipt:
        response.set_signed_cookie(
            RECEIPT_COOKIE % ballot.pk,
            result.receipt,
            salt=_receipt_salt(user),
            max_age=RECEIPT_SECONDS,
            path=_back(ballot),
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response


def _act(request: HttpRequest, call: Callable[[], object], done: str, to: str) -> HttpResponse:
    """Run one service for a POST: a refusal becomes the page's error message, a hidden
    object a 404, success its message; then back to the page (`to`)."""
    try:
        call()
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.render())
    else:
        messages.success(request, done)
    return redirect(to)


def _receipt_salt(user: User) -> str:
    """Signed for this user: on a shared phone, whoever logs in next never sees it."""
    return f"{RECEIPT_SALT}.{user.pk}"


def _back(ballot: Ballot, anchor: str = "") -> str:
    return reverse("ballot", args=[ballot.pk]) + (f"#{anchor}" if anchor else "")


def _staff_action(request: HttpRequest, ballot_id: int, action: Any, done: str) -> HttpResponse:
    user = acting_user(request)
    ballot = _ballot(user, ballot_id)
    _require_manager(user, ballot)
    return _act(request, lambda: action(actor=user, ballot_id=ballot.pk), done, _back(ballot))


@login_required
@require_POST
def ballot_open(request: HttpRequest, ballot_id: int) -> HttpResponse:
    return _staff_action(request, ballot_id, services.ballot_open, _("The ballot is open."))


@login_required
@require_POST
def ballot_close(request: HttpRequest, ballot_id: int) -> HttpResponse:
    """Before its set time, only with the reason the page's confirmation asks for."""
    reason = request.POST.get("reason", "")
    return _staff_action(
        request,
        ballot_id,
        lambda **kw: services.ballot_close(reason=reason, **kw),
        _("The ballot is closed."),
    )


@login_required
@require_POST
def proxy_grant(request: HttpRequest, ballot_id: int) -> HttpResponse:
    """委托: the delegate is the neighbor picked by name and address (`delegate_id`, see
    accounts.neighbors). A login name in `delegate`, the form before issue 17, still works
    for a client that sends one; deprecated."""
    user = acting_user(request)
    ballot = _ballot(user, ballot_id)
    picked = form_id(request.POST.get("delegate_id"))
    delegate = picked or selectors.delegate_named(request.POST.get("delegate", ""))
    return _act(
        request,
        lambda: services.proxy_grant(
            user=user,
            ballot_id=ballot.pk,
            delegate_id=delegate if delegate is not None else 0,
            reason=request.POST.get("reason", ""),
            elector_id=elector_id(request.POST.get("elector")),
        ),
        _("Your vote is given to your proxy. You may revoke it until they vote."),
        _back(ballot, "proxy"),
    )


@login_required
@require_POST
def proxy_revoke(request: HttpRequest, ballot_id: int, proxy_id: int) -> HttpResponse:
    user = acting_user(request)
    ballot = _ballot(user, ballot_id)
    return _act(
        request,
        lambda: services.proxy_revoke(user=user, proxy_id=proxy_id),
        _("The proxy is revoked: you may vote yourself."),
        _back(ballot, "my-vote"),
    )


@login_required
@require_POST
def objection_file(request: HttpRequest, ballot_id: int) -> HttpResponse:
    user = acting_user(request)
    ballot = _ballot(user, ballot_id)
    return _act(
        request,
        lambda: services.objection_file(
            user=user, ballot_id=ballot.pk, text=request.POST.get("text", "")
        ),
        _("Your objection is filed. The committee will answer it here."),
        _back(ballot, "objections"),
    )


@login_required
@require_POST
def objection_answer(request: HttpRequest, ballot_id: int, objection_id: int) -> HttpResponse:
    user = acting_user(request)
    ballot = _ballot(user, ballot_id)
    _require_manager(user, ballot)
    if not selectors.objection_of(ballot, objection_id):
        raise Http404
    return _act(
        request,
        lambda: services.objection_answer(
            actor=user, objection_id=objection_id, answer=request.POST.get("answer", "")
        ),
        _("The answer is published."),
        _back(ballot, "objections"),
    )


@login_required
def ballot_record(request: HttpRequest, ballot_id: int) -> HttpResponse:
    """The certified record, to print and post on the notice board (公示)."""
    user = acting_user(request)
    ballot = _ballot(user, ballot_id)
    try:
        record = selectors.result_data(ballot)
    except NotFound as exc:
        raise Http404 from exc
    context = presenters.record_page(ballot, record)
    return render(request, "voting/record.html", {**context, "printed_at": timezone.now()})


# The paper round (书面征询) ---------------------------------------------------------------


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 7 else 1


@login_required
def paper_page(request: HttpRequest, ballot_id: int) -> HttpResponse:
    """Staff: find an elector by address, enter their paper form with its photo; check the
    forms a colleague entered."""
    user = acting_user(request)
    ballot = _ballot(user, ballot_id)
    _require_manager(user, ballot)
    status = 200
    error = ""
    if request.method == "POST":
        try:
            photo = request.FILES.get("photo")
            services.paper_enter(
                actor=user,
                ballot_id=ballot.pk,
                elector_id=elector_id(request.POST.get("elector")),
                choice=[key for key in request.POST.getlist("choice") if key],
                photo=photo,
            )
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            error = exc.render()
            status = 400
        else:
            messages.success(
                request, _("Entered. A second staff member must confirm it before it counts.")
            )
            return redirect("ballot_paper", ballot_id=ballot.pk)
    query = text.scrub(request.GET.get("q", ""))[:50]
    rows, page = selectors.electors_page(user, ballot, query, _page_number(request.GET.get("page")))
    # The elector chosen from this search's results (the links keep the search and page).
    chosen = request.GET.get("elector", "")
    chosen_row = next((row for row in rows if str(row.elector.pk) == chosen), None)
    queue = selectors.paper_queue(user, ballot)
    return render(
        request,
        "voting/paper.html",
        {
            "ballot": ballot,
            "rows": rows,
            "page": page,
            "query": query,
            "chosen": chosen_row,
            "options": presenters.shown_options(
                ballot, [{"key": o.key, "label": o.label} for o in ballot.options.all()]
            ),
            "queue": queue,
            "error": error,
            "rank_positions": list(range(1, ballot.options.count() + 1)),
        },
        status=status,
    )


def _paper_action(
    request: HttpRequest, ballot_id: int, paper_id: int, reject: bool
) -> HttpResponse:
    user = acting_user(request)
    ballot = _ballot(user, ballot_id)
    _require_manager(user, ballot)
    if not selectors.paper_of(ballot, paper_id):
        raise Http404
    if reject:
        return _act(
            request,
            lambda: services.paper_reject(
                actor=user, paper_id=paper_id, reason=request.POST.get("reason", "")
            ),
            _("Rejected."),
            reverse("ballot_paper", args=[ballot.pk]),
        )
    return _act(
        request,
        lambda: services.paper_confirm(actor=user, paper_id=paper_id),
        _("Confirmed: the paper ballot counts."),
        reverse("ballot_paper", args=[ballot.pk]),
    )


@login_required
@require_POST
def paper_confirm(request: HttpRequest, ballot_id: int, paper_id: int) -> HttpResponse:
    return _paper_action(request, ballot_id, paper_id, reject=False)


@login_required
@require_POST
def paper_reject(request: HttpRequest, ballot_id: int, paper_id: int) -> HttpResponse:
    return _paper_action(request, ballot_id, paper_id, reject=True)


@login_required
def paper_photo(request: HttpRequest, ballot_id: int, paper_id: int) -> FileResponse:
    """The photo of a signed form: it names a voter, so staff of the place only."""
    user = acting_user(request)
    ballot = _ballot(user, ballot_id)
    _require_manager(user, ballot)
    paper = PaperBallot.objects.filter(pk=paper_id, ballot=ballot).first()
    if paper is None or not paper.photo:
        raise Http404
    response = FileResponse(paper.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
