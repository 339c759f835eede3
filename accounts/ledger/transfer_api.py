"""REST API of the ledger's import and export: thin views over accounts.ledger.transfer."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import acting_user
from accounts.auth import mfa
from accounts.ledger import selectors, transfer
from accounts.ledger.api import FILTER_PARAMETERS
from accounts.ledger.transfer_views import attachment
from accounts.permissions import Perm
from config.input_guard import FormParser, MultiPartParser
from core.errors import Invalid


def _yes(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() in {"1", "yes", "true", "on"}


class ErrorRowOutput(serializers.Serializer):
    row = serializers.IntegerField(help_text="as Excel numbers it, the header row counted")
    column = serializers.CharField(help_text="the header as written in the file")
    code = serializers.CharField()
    message = serializers.CharField()


class PlanOutput(serializers.Serializer):
    buildings = serializers.ListField(child=serializers.CharField())
    households_created = serializers.IntegerField()
    households_updated = serializers.IntegerField()
    households_unchanged = serializers.IntegerField()
    residents = serializers.IntegerField(help_text="resident rows")
    residents_created = serializers.IntegerField(
        allow_null=True,
        help_text="null in a dry run: rows are matched by ID number only "
        "when the import is confirmed (a real run, audited and limited)",
    )
    residents_updated = serializers.IntegerField(allow_null=True)
    residents_unchanged = serializers.IntegerField(allow_null=True)


class ImportReportOutput(serializers.Serializer):
    filename = serializers.CharField()
    dry_run = serializers.BooleanField()
    ok = serializers.BooleanField()
    written = serializers.BooleanField()
    rows = serializers.IntegerField()
    seconds = serializers.FloatField()
    ignored_columns = serializers.ListField(child=serializers.CharField())
    errors = ErrorRowOutput(many=True)
    plan = PlanOutput()


class ImportInput(serializers.Serializer):
    file = serializers.FileField()


class LedgerImportApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportInput},
        parameters=[OpenApiParameter("dry_run", str, enum=["1", "0"])],
        responses={200: ImportReportOutput, 400: OpenApiTypes.OBJECT},
        description="A dry run reports every failing row and the plan; a real run writes "
        "all of it or nothing (400 import_invalid, with the report under `report`).",
    )
    def post(self, request: Request, neighborhood_id: int) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            # Permission first, so outsiders learn nothing from the missing file.
            selectors.ledger_place(
                user=acting_user(request),
                neighborhood_id=neighborhood_id,
                perm=Perm.LEDGER_IMPORT,
            )
            raise Invalid(_no_file(), code="file_required")
        try:
            report = transfer.ledger_import(
                actor=acting_user(request),
                neighborhood_id=neighborhood_id,
                filename=upload.name or "",
                content=upload.read(transfer.MAX_BYTES + 1),
                dry_run=_yes(request.query_params.get("dry_run")),
            )
        except transfer.ImportInvalid as exc:
            return Response(
                {"code": exc.code, "message": exc.render(), "report": exc.report.as_dict()},
                status=400,
            )
        return Response(report.as_dict())


def _no_file() -> Any:
    from django.utils.translation import gettext_lazy

    return gettext_lazy("Please choose the spreadsheet file (.xlsx or .csv).")


class LedgerExportApi(APIView):
    """`format` here is the spreadsheet's, not DRF's renderer suffix."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        return (JSONRenderer(), "application/json")  # errors as JSON; files bypass renderers

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=list(transfer.FORMATS), required=True),
            OpenApiParameter("full", str, enum=["1", "0"], description="secretaries"),
            OpenApiParameter("reason", str, description="required with full=1"),
            *FILTER_PARAMETERS,
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 403: mfa.SCHEMA_403},
    )
    def get(self, request: Request, neighborhood_id: int) -> HttpResponse:
        params = request.query_params
        selectors.ledger_place(
            user=acting_user(request), neighborhood_id=neighborhood_id, perm=Perm.LEDGER_EXPORT
        )
        spec = selectors.filter_from(selectors.params_of(params))
        mfa.require(request)
        filename, content_type, content = transfer.ledger_export(
            actor=acting_user(request),
            neighborhood_id=neighborhood_id,
            spec=spec,
            fmt=params.get("format", ""),
            full=_yes(params.get("full")),
            reason=params.get("reason", ""),
        )
        return attachment(filename, content_type, content)
