"""Ballot pages: the list, the staff's new-ballot form, the ballot itself (vote, proxy, result,
公示, objections), the printable record and the paper round. Thin: read through
voting.selectors, write through voting.services, then render or redirect.

The helpers at the top only turn stored rules and results into words; the live module
(frontend/static/linli/live.js) renders the same words from the same templates, which the
page hands it in data attributes, so a result that arrives live reads like a reloaded one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.models import Neighborhood, User
from accounts.permissions import Perm
from core import text
from core.errors import DomainError, NotFound
from voting import selectors, services, tally
from voting.forms import BallotForm
from voting.models import Ballot, Method, PaperBallot, Scope, Status, Visibility, VoterUnit
from voting.serializers import elector_id
from voting.slots import Slot

# A POSTed secret vote's receipt waits for the next page in a signed cookie of the voter's
# own browser, not in the session: the session row names the user, and a receipt next to a
# user id would link them to their secret choice for as long as the row lived.
RECEIPT_COOKIE = "linli_receipt_%s"
RECEIPT_SALT = "voting.receipt"
RECEIPT_SECONDS = 300


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# Words: rules, progress, checks ---------------------------------------------------------


def percent(part: float | Fraction | Decimal | int, whole: float | Decimal | int = 1) -> str:
    """62%, 66.7%: one decimal, none when it is whole (live.js rounds the same way)."""
    if not whole:
        return "0%"
    # Half up, as JavaScript's Math.round: a live figure never differs from a reloaded one.
    value = math.floor(float(part) / float(whole) * 1000 + 0.5) / 10
    return f"{value:.1f}".removesuffix(".0") + "%"


def share_text(share: Mapping[str, Any] | None) -> str:
    if not share:
        return ""
    if not share.get("num"):
        return _("the most votes")
    sign = "≥" if share.get("inclusive") else ">"
    return f"{sign}\u00a0{share['num']}/{share['den']}"  # never broken across lines


def heads_word(voter_unit: str) -> str:
    return _("number of households") if voter_unit == VoterUnit.HOUSEHOLD else _("head count")


def heads_unit(voter_unit: str) -> str:
    """The counting word after a number: 3 户, 3 人."""
    return _("households") if voter_unit == VoterUnit.HOUSEHOLD else _("people")


def area_text(value: object) -> str:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number:.2f} m²"


def both(parts: list[str]) -> str:
    """Two conditions that must both hold (且), or the one there is."""
    if len(parts) == 2:
        return _("%(one)s and %(other)s") % {"one": parts[0], "other": parts[1]}
    return "".join(parts)


def _measures(heads: bool, area: bool) -> list[str]:
    # Area first, as the Civil Code puts it (专有部分面积 … 且 人数 …).
    return [m for m, on in (("area", area), ("heads", heads)) if on]


def rule_lines(ballot: Ballot) -> list[str]:
    """The rule in plain words, e.g. 参与表决：专有部分面积占比 ≥ 2/3 且 人数占比 ≥ 2/3."""
    rule = ballot.rule or {}
    lines: list[str] = []
    heads = heads_word(ballot.voter_unit)
    quorum = rule.get("quorum")
    if quorum:
        parts = [
            (
                _("share of the floor area %(share)s")
                if m == "area"
                else _("share of %(what)s %(share)s")
            )
            % {"share": share_text(quorum), "what": heads}
            for m in _measures(rule.get("quorum_heads", True), rule.get("quorum_area", False))
        ]
        lines.append(_("Turnout needed: %(parts)s") % {"parts": both(parts)})
    approval = rule.get("approval") or {}
    base = rule.get("base", "cast")
    by_heads, by_area = rule.get("by_heads", True), rule.get("by_area", False)
    if not approval.get("num"):
        lines.append(_("The option with the most votes wins (a tie decides nothing)."))
    elif (
        base == "cast"
        and approval.get("num") == 1
        and approval.get("den") == 2
        and not approval.get("inclusive")
        and not by_area
        and ballot.method == Method.YES_NO
    ):
        lines.append(_("To pass: more yes than no (abstentions not counted; a tie fails)."))
    else:
        base_word = {
            "participants": _("participating"),
            "electorate": _("of the whole electorate:"),
            "cast": _("of the votes cast:"),
        }.get(base, "")
        parts = []
        for index, m in enumerate(_measures(by_heads, by_area)):
            parts.append(
                _("%(base)s %(measure)s %(share)s")
                % {
                    "base": base_word if index == 0 else "",
                    "measure": _("floor area") if m == "area" else heads,
                    "share": share_text(approval),
                }
            )
        joined = both([part.strip() for part in parts])
        if ballot.method == Method.YES_NO:
            lines.append(_("To pass: %(parts)s") % {"parts": joined})
        else:
            lines.append(_("An option is chosen with: %(parts)s") % {"parts": joined})
    if ballot.method == Method.MULTIPLE:
        lines.append(_("Each option is counted on its own."))
    if ballot.method == Method.RANKED:
        lines.append(
            _(
                "Ranked choice: round by round the option with the fewest first choices "
                "drops out, until one has more than half."
            )
        )
    return lines


def electorate_line(ballot: Ballot) -> str:
    if ballot.scope == Scope.BUILDING and ballot.building is not None:
        where = ballot.building.name
    elif ballot.scope == Scope.UNITS:
        where = _("%(count)s flats") % {"count": len(ballot.unit_ids or [])}
    else:
        where = ballot.neighborhood.name
    words: dict[str, str] = {
        VoterUnit.PERSON: _("verified residents aged %(age)s or over, one vote each"),
        VoterUnit.HOUSEHOLD: _("one vote per household, cast by its representative"),
        VoterUnit.OWNER: _(
            "the owners (业主), one vote each; an owner of several flats counts once, "
            "with the floor area of them all"
        ),
    }
    who = words.get(ballot.voter_unit, "")
    return _("Who votes: %(where)s, %(who)s") % {
        "where": where,
        "who": who % {"age": ballot.min_age} if "%(age)s" in who else who,
    }


def uses_area(ballot: Ballot) -> bool:
    rule = ballot.rule or {}
    return bool(rule.get("by_area") or (rule.get("quorum") and rule.get("quorum_area")))


def turnout_area_shown(ballot: Ballot) -> bool:
    """Turnout by area: where the rule uses area, and not while a secret ballot is open
    (voting/secrecy.py)."""
    return uses_area(ballot) and not (ballot.secret and ballot.status == Status.OPEN)


def option_area_shown(ballot: Ballot) -> bool:
    """Area by option: where the rule uses area; a secret ballot's only where the rule
    approves by area (voting/secrecy.py)."""
    return uses_area(ballot) and (not ballot.secret or bool((ballot.rule or {}).get("by_area")))


def check_line(check: Mapping[str, Any], labels: Mapping[str, str], voter_unit: str) -> str:
    """One check of the certified result with its numbers (live.js: checkLine)."""
    is_area = check.get("measure") == "area"
    part, whole = check.get("part", 0), check.get("whole", 0)
    what = (
        _("Turnout,")
        if check.get("kind") == "quorum"
        else labels.get(str(check.get("option")), str(check.get("option")))
    )
    try:
        ratio = (
            percent(Fraction(str(part)) / Fraction(str(whole))) if Fraction(str(whole)) else "0%"
        )
    except (ValueError, ZeroDivisionError):
        ratio = "0%"
    return _("%(what)s %(measure)s: %(part)s of %(whole)s (%(percent)s), needed %(share)s") % {
        "what": what,
        "measure": _("floor area") if is_area else heads_word(voter_unit),
        "part": area_text(part) if is_area else part,
        "whole": area_text(whole) if is_area else whole,
        "percent": ratio,
        "share": share_text(check.get("share")),
    }


def shown_options(ballot: Ballot, options: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """The options as this reader sees them: yes / no / abstain in the reader's language and
    in a ballot's words (同意 / 反对 / 弃权), whatever language the ballot was made in."""
    words = {
        tally.YES: _("I agree"),
        tally.NO: _("I disagree"),
        tally.ABSTAIN: _("I abstain"),
    }
    if ballot.method != Method.YES_NO:
        return [dict(option) for option in options]
    return [{**option, "label": words.get(option["key"], option["label"])} for option in options]


@dataclass(frozen=True)
class OptionRow:
    key: str
    label: str
    heads: int
    area: str
    value: int  # for the bar: heads, out of the participants' heads
    percent: str


def option_rows(
    options: Iterable[Mapping[str, str]], counts: Mapping[str, Any] | None, participation: int
) -> list[OptionRow]:
    counts = counts or {}
    rows = []
    for option in options:
        count = counts.get(option["key"]) or {"heads": 0, "area": "0"}
        heads = int(count.get("heads", 0))
        rows.append(
            OptionRow(
                key=option["key"],
                label=option["label"],
                heads=heads,
                area=area_text(count.get("area", "0")),
                value=heads,
                percent=percent(heads, participation),
            )
        )
    return rows


def result_view(ballot: Ballot, labels: Mapping[str, str]) -> dict[str, Any] | None:
    """The certified result in words, for the page and the printable record."""
    result = ballot.result
    if not result:
        return None
    outcome = result.get("outcome") or {}
    counted = result.get("tally") or {}
    rounds = [
        _("Round %(number)s: %(counts)s")
        % {
            "number": number,
            "counts": _(", ").join(
                f"{labels.get(key, key)} {value}" for key, value in r.get("counts", {}).items()
            ),
        }
        + (
            " "
            + _("(out: %(names)s)")
            % {"names": _(", ").join(labels.get(k, k) for k in r["eliminated"])}
            if r.get("eliminated")
            else ""
        )
        for number, r in enumerate(counted.get("rounds") or [], start=1)
    ]
    return {
        "passed": bool(outcome.get("passed")),
        "quorum_met": bool(outcome.get("quorum_met")),
        "winners": [labels.get(key, key) for key in outcome.get("winners") or []],
        "checks": [
            (check_line(check, labels, ballot.voter_unit), bool(check.get("met")))
            for check in outcome.get("checks") or []
        ],
        "rounds": rounds,
        "paper": result.get("paper") or {},
    }


def progress_view(ballot: Ballot, progress: Mapping[str, Any] | None) -> dict[str, Any]:
    progress = progress or {}
    needed = progress.get("needed")
    return {
        "heads": progress.get("heads") or 0,
        "area": progress.get("area") or 0,
        "heads_percent": percent(progress.get("heads") or 0),
        "area_percent": percent(progress.get("area") or 0),
        "needed": needed,
        "needed_percent": percent(needed) if needed else "",
        # The bar's mark at the quorum: a class per common bound (no inline styles under CSP).
        "mark": {0.5: "mark-half", 0.6667: "mark-two-thirds", 0.75: "mark-three-quarters"}.get(
            needed or 0, ""
        ),
        "met": bool(progress.get("met")),
        "show_area": turnout_area_shown(ballot),
    }


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
    places = access.member_neighborhoods(_user(request))
    if len(places) == 1:
        return redirect("ballot_list", neighborhood_id=places[0].pk)
    return render(request, "voting/places.html", {"places": places})


@login_required
def ballot_list(request: HttpRequest, neighborhood_id: int) -> HttpResponse:
    user = _user(request)
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
    user = _user(request)
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
    matters = _matter_data()
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


def _matter_data() -> list[dict[str, str]]:
    """What each matter template sets, for the form's pre-fill (live.js) and its notes."""
    from voting import matters

    return [
        {
            "key": m.key,
            "label": str(m.label),
            "voter_unit": m.voter_unit,
            "scope": m.scope,
            "preset": m.preset,
            "method": m.method,
            "basis": str(m.basis),
        }
        for m in matters.MATTERS.values()
    ]


@dataclass(frozen=True)
class SlotView:
    elector_id: int
    label: str
    own: bool
    voted: bool
    from_name: str  # the delegator's name, when voted for by proxy
    delegated_to: str  # the proxy's name, when an own vote was given to someone
    delegated_id: int | None


def _slot_view(slot: Slot) -> SlotView:
    return SlotView(
        elector_id=slot.elector.pk,
        label=slot.elector.label,
        own=slot.own,
        voted=slot.voted,
        from_name=slot.proxy.delegator.public_name if slot.proxy else "",
        delegated_to=slot.delegated.delegate.public_name if slot.delegated else "",
        delegated_id=slot.delegated.pk if slot.delegated else None,
    )


def _texts(ballot: Ballot) -> dict[str, str]:
    """The words live.js needs to render a tally and a result like the server does."""
    return {
        "check": _("%(what)s %(measure)s: %(part)s of %(whole)s (%(percent)s), needed %(share)s"),
        "turnout": _("Turnout,"),
        "heads": heads_word(ballot.voter_unit),
        "area": _("floor area"),
        "most": _("the most votes"),
        "passed": _("The motion passed"),
        "failed": _("The motion did not pass"),
        "no-quorum": _("Not valid: too few took part."),
        "winners": _("Chosen: %(options)s"),
        "notice": _("On public notice (公示) until %(date)s."),
        "met": _("met"),
        "unmet": _("not met"),
        "voted": _("Your vote is counted."),
        "changed": _("Your vote is changed."),
        "separator": _(", "),
        "round": _("Round %(number)s: %(counts)s"),
        "out": _("(out: %(names)s)"),
    }


@login_required
def ballot_page(request: HttpRequest, ballot_id: int) -> HttpResponse:
    user = _user(request)
    ballot = _ballot(user, ballot_id)
    return _render_ballot(request, user, ballot)


def _render_ballot(
    request: HttpRequest, user: User, ballot: Ballot, *, status: int = 200, error: str = ""
) -> HttpResponse:
    snap = selectors.snapshot(user, ballot)  # its seq is read before anything it shows
    snap["options"] = shown_options(ballot, snap["options"])
    labels = {o["key"]: o["label"] for o in snap["options"]}
    manage = _manager(user, ballot)
    participation = snap.get("participation") or {"heads": 0, "area": "0"}
    counted = snap.get("tally")
    closed = ballot.status == Status.CLOSED
    if closed and ballot.result:
        counted = ballot.result.get("tally") or counted
    receipt_cookie = RECEIPT_COOKIE % ballot.pk
    receipt = request.get_signed_cookie(  # None when absent, forged, another's or stale
        receipt_cookie, default=None, salt=_receipt_salt(user), max_age=RECEIPT_SECONDS
    )
    slots = (
        [_slot_view(s) for s in selectors.voter_slots(user, ballot)]
        if ballot.status == Status.OPEN
        else []
    )
    on_notice = bool(snap.get("on_notice"))
    context: dict[str, Any] = {
        "ballot": ballot,
        "snap": snap,
        "seq": snap["seq"],
        "manage": manage,
        "closed": closed,
        "is_open": ballot.status == Status.OPEN,
        "rule_lines": rule_lines(ballot),
        "electorate_line": electorate_line(ballot),
        "heads_word": heads_word(ballot.voter_unit),
        "heads_unit": heads_unit(ballot.voter_unit),
        "progress": progress_view(
            ballot, (ballot.result or {}).get("progress") if closed else snap.get("progress")
        ),
        "participation": participation,
        "participation_area": area_text(participation.get("area", "0")),
        "electorate_area": area_text(ballot.electorate_area),
        "tally_visible": counted is not None,
        "tally_rows": option_rows(
            snap["options"],
            (counted or {}).get("options"),
            int((counted or {}).get("participation", {}).get("heads", 0)),
        ),
        "show_area": option_area_shown(ballot),
        "options": snap["options"],
        "rank_positions": list(range(1, len(snap["options"]) + 1)),
        "slots": slots,
        "receipt": receipt,
        "result": result_view(ballot, labels) if closed else None,
        "on_notice": on_notice,
        "objections": selectors.objections(user, ballot) if closed else [],
        # Rendered (hidden) on an open ballot too: live.js shows it when the ballot closes.
        "may_object": (ballot.status == Status.OPEN or (closed and on_notice))
        and access.is_verified_resident(user, ballot.neighborhood_id),
        "receipts": selectors.receipts(ballot) if closed and ballot.secret else [],
        "votes": _votes_view(selectors.open_votes(ballot), labels)
        if closed and not ballot.secret
        else [],
        "paper_waiting": len(selectors.paper_queue(user, ballot))
        if manage and ballot.status == Status.OPEN
        else 0,
        "texts": _texts(ballot),
        "error": error,
        "live_tally": ballot.visibility == Visibility.LIVE,
    }
    response = render(request, "voting/ballot.html", context, status=status)
    if receipt_cookie in request.COOKIES:  # shown once
        response.delete_cookie(receipt_cookie, path=_back(ballot), samesite="Lax")
    return response


def _votes_view(rows: list[dict[str, Any]], labels: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "elector": row["elector"],
            "choice": _(", ").join(labels.get(key, key) for key in row["choice"]),
            "paper": row.get("channel") == "paper",
        }
        for row in rows
    ]


@login_required
@require_POST
def ballot_cast(request: HttpRequest, ballot_id: int) -> HttpResponse:
    """The vote form without JavaScript (with it, the same service runs as `ballot.cast`)."""
    user = _user(request)
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
    user = _user(request)
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
    return _staff_action(request, ballot_id, services.ballot_close, _("The ballot is closed."))


@login_required
@require_POST
def proxy_grant(request: HttpRequest, ballot_id: int) -> HttpResponse:
    """委托: the delegate is named by their login name (the one they sign in with)."""
    user = _user(request)
    ballot = _ballot(user, ballot_id)
    delegate = selectors.delegate_named(request.POST.get("delegate", ""))
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
    user = _user(request)
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
    user = _user(request)
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
    user = _user(request)
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
    user = _user(request)
    ballot = _ballot(user, ballot_id)
    try:
        record = selectors.result_data(ballot)
    except NotFound as exc:
        raise Http404 from exc
    record["options"] = shown_options(ballot, record["options"])
    labels = {o["key"]: o["label"] for o in record["options"]}
    counted = record.get("tally") or {}
    participation = counted.get("participation") or {"heads": 0, "area": "0"}
    return render(
        request,
        "voting/record.html",
        {
            "ballot": ballot,
            "record": record,
            "result": result_view(ballot, labels),
            "rule_lines": rule_lines(ballot),
            "electorate_line": electorate_line(ballot),
            "heads_word": heads_word(ballot.voter_unit),
            "heads_unit": heads_unit(ballot.voter_unit),
            "show_area": uses_area(ballot),
            "show_option_area": option_area_shown(ballot),
            "electorate_area": area_text(ballot.electorate_area),
            "participation": participation,
            "participation_area": area_text(participation.get("area", "0")),
            "tally_rows": option_rows(
                record["options"], counted.get("options"), int(participation.get("heads", 0))
            ),
            "votes": _votes_view(record.get("votes") or [], labels),
            "printed_at": timezone.now(),
        },
    )


# The paper round (书面征询) ---------------------------------------------------------------


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) < 7 else 1


@login_required
def paper_page(request: HttpRequest, ballot_id: int) -> HttpResponse:
    """Staff: find an elector by address, enter their paper form with its photo; check the
    forms a colleague entered."""
    user = _user(request)
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
            "options": shown_options(
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
    user = _user(request)
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
    user = _user(request)
    ballot = _ballot(user, ballot_id)
    _require_manager(user, ballot)
    paper = PaperBallot.objects.filter(pk=paper_id, ballot=ballot).first()
    if paper is None or not paper.photo:
        raise Http404
    response = FileResponse(paper.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    return response
