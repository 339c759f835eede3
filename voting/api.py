"""REST API of voting: thin views over voting.services and voting.selectors.

Every view that takes a body first finds the ballot for the viewer (or checks the
committee permission), so a non-member learns nothing from a malformed request: 404 before
any 400. Shapes of a request the services cannot type-check (dates, files, lists posted as
form fields) are parsed here; everything else is validated by the service, which answers
with the stable codes of voting (`invalid_choice`, `ballot_closed`, `proxy_invalid`, ...).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access
from accounts.access import acting_user
from accounts.permissions import Perm
from config.input_guard import FormParser, JSONParser, MultiPartParser
from core.converters import id_field
from realtime.idempotency import idempotent
from voting import record, selectors, services
from voting.models import Ballot, Objection, PaperBallot, Proxy
from voting.serializers import ChoiceField, ElectorField

TEXT_MAX = 20_000  # far above any limit of the services: they answer too_long, not DRF
UNITS_MAX = 10_000
OPTIONS_MAX = 100  # far above the services' limit (invalid_options), a bound on the body


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


# Ballots -------------------------------------------------------------------------------


def _shown(request: Request, ballot_id: int) -> Ballot:
    """The ballot this reader may see (else 404, before the body is validated), closed first
    if its time is up: what every endpoint of a ballot reads."""
    return services.ballot_close_if_due(
        selectors.ballot_for_viewer(acting_user(request), ballot_id)
    )


class BallotCreateInput(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    description = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    matter = serializers.CharField(
        required=False, max_length=64, help_text="a matter template (voting/matters.py)"
    )
    method = serializers.CharField(
        required=False, max_length=32, help_text="yes_no | single | multiple | ranked"
    )
    options = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=TEXT_MAX),
        required=False,
        max_length=OPTIONS_MAX,
        help_text="the option labels (ignored for yes_no)",
    )
    min_choices = serializers.IntegerField(required=False)
    max_choices = serializers.IntegerField(required=False)
    voter_unit = serializers.CharField(
        required=False, max_length=32, help_text="person | household | owner"
    )
    scope = serializers.CharField(
        required=False, max_length=32, help_text="neighborhood | building | units"
    )
    building = id_field(required=False, allow_null=True, help_text="for scope=building")
    units = serializers.ListField(
        child=id_field(), required=False, max_length=UNITS_MAX, help_text="household ids"
    )
    min_age = serializers.IntegerField(required=False)
    secret = serializers.BooleanField(required=False)
    visibility = serializers.CharField(
        required=False, max_length=32, help_text="live | after_vote | after_close"
    )
    preset = serializers.CharField(
        required=False, max_length=64, help_text="a key of voting.tally.PRESETS, or custom"
    )
    rule = serializers.JSONField(
        required=False, allow_null=True, help_text="with preset=custom: voting.tally.rule_to_data"
    )
    proxy_limit = serializers.IntegerField(required=False, allow_null=True)
    notice_days = serializers.IntegerField(required=False)
    closes_at = serializers.DateTimeField(required=False)
    open_now = serializers.BooleanField(required=False, default=False)


# Body field -> keyword of services.ballot_create, where they differ.
_CREATE_KEYWORDS = {"building": "building_id", "units": "unit_ids"}


class BallotSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    matter = serializers.CharField()
    method = serializers.CharField()
    voter_unit = serializers.CharField()
    scope = serializers.CharField()
    secret = serializers.BooleanField()
    visibility = serializers.CharField()
    preset = serializers.CharField()
    closes_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    notice_until = serializers.DateTimeField(allow_null=True)
    stream = serializers.CharField()


def _summary(ballot: Ballot) -> dict[str, Any]:
    return dict(BallotSummaryOutput(ballot).data)


class BallotListApi(APIView):
    @extend_schema(responses=BallotSummaryOutput(many=True))
    def get(self, request: Request, neighborhood_id: int) -> Response:
        ballots = selectors.ballots_for(acting_user(request), neighborhood_id)
        return Response([_summary(ballot) for ballot in ballots])

    @idempotent
    @extend_schema(
        request=BallotCreateInput,
        responses={201: OpenApiTypes.OBJECT},
        description="A draft, or an open ballot with open_now. Answers the ballot's snapshot.",
    )
    def post(self, request: Request, neighborhood_id: int) -> Response:
        access.require(
            acting_user(request), Perm.BALLOT_MANAGE, neighborhood_id
        )  # before validation
        given = _valid(BallotCreateInput, request)
        keywords = {_CREATE_KEYWORDS.get(name, name): value for name, value in given.items()}
        keywords.setdefault("title", "")  # optional here; the service answers title_required
        ballot = services.ballot_create(
            actor=acting_user(request), neighborhood_id=neighborhood_id, **keywords
        )
        return Response(selectors.snapshot(acting_user(request), ballot), status=201)


class BallotDetailApi(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="The ballot's snapshot, with `seq` of stream ballot.<id>.",
    )
    def get(self, request: Request, ballot_id: int) -> Response:
        ballot = _shown(request, ballot_id)
        return Response(selectors.snapshot(acting_user(request), ballot))


class BallotOpenApi(APIView):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, ballot_id: int) -> Response:
        ballot = services.ballot_open(actor=acting_user(request), ballot_id=ballot_id)
        return Response(selectors.snapshot(acting_user(request), ballot))


class CloseInput(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,  # the service cleans and bounds it (`too_long`)
        help_text="required before the closing time (`reason_required`); shown in the record",
    )


class BallotCloseApi(APIView):
    @extend_schema(request=CloseInput, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, ballot_id: int) -> Response:
        data = _valid(CloseInput, request)
        ballot = services.ballot_close(
            actor=acting_user(request), ballot_id=ballot_id, reason=data.get("reason", "")
        )
        return Response(selectors.snapshot(acting_user(request), ballot))


# Votes ---------------------------------------------------------------------------------


class CastInput(serializers.Serializer):
    choice = ChoiceField(help_text="option keys; for ranked, in order of preference")
    elector = ElectorField(help_text="whom to vote for: oneself by default, or a delegator")


class CastOutput(serializers.Serializer):
    ballot = serializers.IntegerField()
    elector = serializers.IntegerField()
    receipt = serializers.CharField(
        allow_null=True, help_text="secret ballots: shown once, published at close"
    )
    changed = serializers.BooleanField(help_text="an open ballot's earlier vote was changed")


class CastApi(APIView):
    @idempotent
    @extend_schema(request=CastInput, responses={200: CastOutput})
    def post(self, request: Request, ballot_id: int) -> Response:
        _shown(request, ballot_id)
        given = _valid(CastInput, request)
        result = services.ballot_cast(
            user=acting_user(request),
            ballot_id=ballot_id,
            choice=given["choice"],
            elector_id=given.get("elector"),
        )
        return Response(
            {
                "ballot": result.ballot_id,
                "elector": result.elector_id,
                "receipt": result.receipt,
                "changed": result.changed,
            }
        )


class ReceiptsApi(APIView):
    @extend_schema(
        responses={200: serializers.ListSerializer(child=serializers.CharField())},
        description="A secret ballot's receipts, published at close, sorted.",
    )
    def get(self, request: Request, ballot_id: int) -> Response:
        ballot = _shown(request, ballot_id)
        return Response(selectors.receipts(ballot))


# Proxies -------------------------------------------------------------------------------


class ProxyGrantInput(serializers.Serializer):
    delegate = id_field(help_text="the user who votes in one's place")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class ProxyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    ballot = serializers.IntegerField(source="ballot_id")
    elector = serializers.IntegerField(source="elector_id")
    delegate = serializers.IntegerField(source="delegate_id")
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)


def _proxy(proxy: Proxy) -> dict[str, Any]:
    return dict(ProxyOutput(proxy).data)


class ProxyListApi(APIView):
    @idempotent
    @extend_schema(request=ProxyGrantInput, responses={201: ProxyOutput})
    def post(self, request: Request, ballot_id: int) -> Response:
        _shown(request, ballot_id)
        given = _valid(ProxyGrantInput, request)
        proxy = services.proxy_grant(
            user=acting_user(request),
            ballot_id=ballot_id,
            delegate_id=given["delegate"],
            reason=given.get("reason", ""),
            expires_at=given.get("expires_at"),
        )
        return Response(_proxy(proxy), status=201)


class ProxyApi(APIView):
    @extend_schema(responses={204: None}, description="The delegator revokes the proxy.")
    def delete(self, request: Request, proxy_id: int) -> Response:
        services.proxy_revoke(user=acting_user(request), proxy_id=proxy_id)
        return Response(status=204)


# Paper ballots -------------------------------------------------------------------------


class PaperEnterInput(serializers.Serializer):
    elector = id_field(help_text="the elector whose form this is")
    choice = ChoiceField(help_text="as on the form; repeat the field for several")
    photo = serializers.FileField(help_text="a photo of the signed form")


class PaperRejectInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)


class PaperBallotOutput(serializers.Serializer):
    id = serializers.IntegerField()
    ballot = serializers.IntegerField(source="ballot_id")
    elector = serializers.IntegerField(source="elector_id")
    choice = serializers.JSONField()
    status = serializers.CharField()
    entered_by = serializers.IntegerField(source="entered_by_id")
    entered_at = serializers.DateTimeField()
    checked_by = serializers.IntegerField(source="checked_by_id", allow_null=True)
    checked_at = serializers.DateTimeField(allow_null=True)
    reject_reason = serializers.CharField()


def _paper(paper: PaperBallot) -> dict[str, Any]:
    return dict(PaperBallotOutput(paper).data)


class PaperListApi(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @idempotent
    @extend_schema(
        request={"multipart/form-data": PaperEnterInput},
        responses={201: PaperBallotOutput},
        description="书面征询: counted once another staff member confirms it.",
    )
    def post(self, request: Request, ballot_id: int) -> Response:
        ballot = _shown(request, ballot_id)
        access.require(acting_user(request), Perm.BALLOT_MANAGE, ballot.neighborhood_id)
        given = _valid(PaperEnterInput, request)
        paper = services.paper_enter(
            actor=acting_user(request),
            ballot_id=ballot_id,
            elector_id=given["elector"],
            choice=given["choice"],
            photo=given["photo"],
        )
        return Response(_paper(paper), status=201)


class PaperConfirmApi(APIView):
    @extend_schema(request=None, responses={200: PaperBallotOutput})
    def post(self, request: Request, paper_id: int) -> Response:
        paper = services.paper_confirm(actor=acting_user(request), paper_id=paper_id)
        return Response(_paper(paper))


class PaperRejectApi(APIView):
    @extend_schema(request=PaperRejectInput, responses={200: PaperBallotOutput})
    def post(self, request: Request, paper_id: int) -> Response:
        given = _valid(PaperRejectInput, request)
        paper = services.paper_reject(
            actor=acting_user(request), paper_id=paper_id, reason=given.get("reason", "")
        )
        return Response(_paper(paper))


# Objections (公示) ----------------------------------------------------------------------


class ObjectionFileInput(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)


class ObjectionAnswerInput(serializers.Serializer):
    answer = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_MAX)


class ObjectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    ballot = serializers.IntegerField(source="ballot_id")
    author = serializers.CharField(source="user.public_name", help_text="as neighbors see them")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)


def _objection(objection: Objection) -> dict[str, Any]:
    return dict(ObjectionOutput(objection).data)


class ObjectionListApi(APIView):
    @extend_schema(responses=ObjectionOutput(many=True))
    def get(self, request: Request, ballot_id: int) -> Response:
        ballot = _shown(request, ballot_id)
        return Response([_objection(o) for o in selectors.objections(acting_user(request), ballot)])

    @idempotent
    @extend_schema(request=ObjectionFileInput, responses={201: ObjectionOutput})
    def post(self, request: Request, ballot_id: int) -> Response:
        _shown(request, ballot_id)
        given = _valid(ObjectionFileInput, request)
        objection = services.objection_file(
            user=acting_user(request), ballot_id=ballot_id, text=given.get("text", "")
        )
        return Response(_objection(objection), status=201)


class ObjectionAnswerApi(APIView):
    @extend_schema(request=ObjectionAnswerInput, responses={200: ObjectionOutput})
    def post(self, request: Request, objection_id: int) -> Response:
        given = _valid(ObjectionAnswerInput, request)
        objection = services.objection_answer(
            actor=acting_user(request), objection_id=objection_id, answer=given.get("answer", "")
        )
        return Response(_objection(objection))


# The certified record -----------------------------------------------------------------


class RecordApi(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="The certified record of a closed ballot (selectors.result_data).",
    )
    def get(self, request: Request, ballot_id: int) -> Response:
        ballot = _shown(request, ballot_id)
        return Response(selectors.result_data(ballot))


class RecordCsvApi(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        return (JSONRenderer(), "application/json")  # errors as JSON; the file bypasses it

    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
        description="The certified record as CSV (UTF-8 with a BOM, for Excel).",
    )
    def get(self, request: Request, ballot_id: int) -> HttpResponse:
        ballot = _shown(request, ballot_id)
        data = selectors.result_data(ballot)
        response = HttpResponse(record.csv_bytes(data), content_type="text/csv; charset=utf-8")
        name = record.filename(data)
        response["Content-Disposition"] = (
            f"attachment; filename=\"ballot-{ballot.pk}.csv\"; filename*=UTF-8''{quote(name)}"
        )
        return response
