"""REST API of the ledger: thin views over the same selectors and services as the pages.

Personal data leaves masked; the one exception is the answer of /reveal/, which is audited
and not cached.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import acting_user
from accounts.auth import mfa
from accounts.ledger import owners, selectors, services
from accounts.ledger.filters import to_params
from accounts.models import ResidentTag, Tenure
from core.converters import id_field
from core.errors import Invalid
from realtime.idempotency import idempotent

FILTER_PARAMETERS = [
    OpenApiParameter("building", int, many=True, description="building id; repeat for several"),
    OpenApiParameter("unit", str),
    OpenApiParameter("age_min", int, description="age from (inclusive)"),
    OpenApiParameter("age_max", int, description="age to (inclusive)"),
    OpenApiParameter("tag", str, many=True, enum=ResidentTag.values, description="all must apply"),
    OpenApiParameter("vehicle", str, enum=["yes", "no"]),
    OpenApiParameter("tenure", str, enum=Tenure.values),
    OpenApiParameter("area_min", OpenApiTypes.DECIMAL),
    OpenApiParameter("area_max", OpenApiTypes.DECIMAL),
    OpenApiParameter("verified", str, enum=["yes", "no"], description="has a verified account"),
    OpenApiParameter("child", str, enum=["yes", "no"], description="under 14"),
    OpenApiParameter("name", str, description="the start of the real name"),
    OpenApiParameter("include_left", str, enum=["yes", "no"], description="people who moved away"),
]


# Outputs ---------------------------------------------------------------------------------


class LedgerSummaryOutput(serializers.Serializer):
    residents = serializers.IntegerField()
    households = serializers.IntegerField()
    verified_residents = serializers.IntegerField()
    verified_households = serializers.IntegerField()
    vehicles = serializers.IntegerField(help_text="plates of the matching residents")
    vehicle_owners = serializers.IntegerField()
    children = serializers.IntegerField(help_text="under 14")
    aged_60_plus = serializers.IntegerField()
    aged_80_plus = serializers.IntegerField()
    aged_90_plus = serializers.IntegerField()
    living_alone = serializers.IntegerField()
    filter = serializers.DictField(help_text="the filter as understood, as query parameters")


class ResidentRowOutput(serializers.Serializer):
    id = serializers.IntegerField()
    household = serializers.IntegerField(source="household_id")
    building = serializers.IntegerField(source="building_id")
    building_name = serializers.CharField(source="building")
    unit = serializers.CharField()
    room = serializers.CharField()
    address = serializers.CharField()
    real_name = serializers.CharField()
    age = serializers.IntegerField()
    child = serializers.BooleanField(help_text="under 14")
    id_number_masked = serializers.CharField()
    phone_masked = serializers.CharField()
    vehicles = serializers.ListField(child=serializers.CharField())
    tags = serializers.ListField(child=serializers.CharField())
    verified = serializers.BooleanField()
    left = serializers.BooleanField(help_text="moved away")


class ResidentPageOutput(serializers.Serializer):
    count = serializers.IntegerField(source="total")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    per_page = serializers.IntegerField()
    results = ResidentRowOutput(many=True, source="rows")


class ResidentDetailOutput(ResidentRowOutput):
    # No birth date: it is the hidden part of the masked ID number; reveal it with a reason.
    guardian_consent = serializers.BooleanField()
    left_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)


class ChangeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    action = serializers.CharField()
    before = serializers.DictField()
    after = serializers.DictField()


class HouseholdDetailOutput(serializers.Serializer):
    id = serializers.IntegerField()
    neighborhood = serializers.IntegerField(source="neighborhood_id")
    building = serializers.IntegerField(source="building_id")
    building_name = serializers.CharField(source="building")
    unit = serializers.CharField()
    room = serializers.CharField()
    address = serializers.CharField()
    floor_area = serializers.DecimalField(max_digits=8, decimal_places=2)
    tenure = serializers.CharField()
    accounts = serializers.IntegerField(help_text="verified accounts living here")
    residents = ResidentRowOutput(many=True)
    changes = ChangeOutput(many=True)


class AreaRowOutput(serializers.Serializer):
    neighborhood = serializers.IntegerField(source="neighborhood_id")
    name = serializers.CharField(source="neighborhood")
    households = serializers.IntegerField()
    verified_households = serializers.IntegerField()
    residents = serializers.IntegerField()
    children = serializers.IntegerField()
    aged_60_plus = serializers.IntegerField()
    aged_80_plus = serializers.IntegerField()
    aged_90_plus = serializers.IntegerField()
    living_alone = serializers.IntegerField()
    vehicles = serializers.IntegerField()


class AreaOutput(serializers.Serializer):
    subdistrict = serializers.IntegerField(source="subdistrict_id")
    name = serializers.CharField(source="subdistrict")
    neighborhoods = AreaRowOutput(many=True, source="rows")


def _detail(detail: selectors.ResidentDetail) -> dict[str, Any]:
    return dict(ResidentDetailOutput(detail.row).data)


# Views -----------------------------------------------------------------------------------


class LedgerSummaryApi(APIView):
    @extend_schema(parameters=FILTER_PARAMETERS, responses=LedgerSummaryOutput)
    def get(self, request: Request, neighborhood_id: int) -> Response:
        spec = selectors.filter_from(selectors.params_of(request.query_params))
        summary = selectors.ledger_summary(
            user=acting_user(request),
            neighborhood_id=neighborhood_id,
            spec=spec,
            today=timezone.localdate(),
        )
        return Response({**asdict(summary), "filter": to_params(spec)})


class ResidentListApi(APIView):
    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("page", int),
            OpenApiParameter("per_page", int, description="1 to 200, default 50"),
        ],
        responses=ResidentPageOutput,
    )
    def get(self, request: Request, neighborhood_id: int) -> Response:
        spec = selectors.filter_from(selectors.params_of(request.query_params))
        page = selectors.resident_page(
            user=acting_user(request),
            neighborhood_id=neighborhood_id,
            spec=spec,
            today=timezone.localdate(),
            page=_number(request.query_params.get("page"), 1),
            per_page=_number(request.query_params.get("per_page"), selectors.PER_PAGE),
        )
        return Response(ResidentPageOutput(page).data)


def _number(raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 7:
        raise Invalid(_("Page numbers are whole numbers."), code="invalid_page")
    return int(raw)


class ResidentPatchInput(serializers.Serializer):
    real_name = serializers.CharField(required=False)
    birth_date = serializers.CharField(required=False, help_text="YYYY-MM-DD")
    phone = serializers.CharField(required=False, allow_blank=True)
    vehicles = serializers.ListField(child=serializers.CharField(), required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    guardian_consent = serializers.BooleanField(required=False)
    left = serializers.BooleanField(required=False, help_text="moved away")


class ResidentDetailApi(APIView):
    @extend_schema(responses=ResidentDetailOutput)
    def get(self, request: Request, resident_id: int) -> Response:
        detail = selectors.resident_detail(
            user=acting_user(request), resident_id=resident_id, today=timezone.localdate()
        )
        return Response(_detail(detail))

    @extend_schema(request=ResidentPatchInput, responses=ResidentDetailOutput)
    def patch(self, request: Request, resident_id: int) -> Response:
        # The service validates values and answers with stable codes; passing the raw
        # values keeps those codes (invalid_phone, invalid_plate …) for API clients too.
        data = request.data if isinstance(request.data, dict) else {}
        changes = {key: data[key] for key in data}
        services.resident_update(
            actor=acting_user(request), resident_id=resident_id, changes=changes
        )
        detail = selectors.resident_detail(
            user=acting_user(request), resident_id=resident_id, today=timezone.localdate()
        )
        return Response(_detail(detail))


class RevealInput(serializers.Serializer):
    field = serializers.ChoiceField(choices=["id_number", "phone", "birth_date"])
    reason = serializers.CharField(help_text="why you need it: kept in the audit")


class RevealOutput(serializers.Serializer):
    field = serializers.CharField()
    value = serializers.CharField()


class ResidentRevealApi(APIView):
    @extend_schema(request=RevealInput, responses={200: RevealOutput, 403: mfa.SCHEMA_403})
    def post(self, request: Request, resident_id: int) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        field, reason = data.get("field"), data.get("reason")
        mfa.require(request)
        value = services.resident_reveal(
            actor=acting_user(request),
            resident_id=resident_id,
            field=field if isinstance(field, str) else "",
            reason=reason if isinstance(reason, str) else "",
        )
        response = Response({"field": field, "value": value})
        response["Cache-Control"] = "no-store"
        return response


class ResidentHistoryApi(APIView):
    @extend_schema(responses=ChangeOutput(many=True))
    def get(self, request: Request, resident_id: int) -> Response:
        changes = selectors.resident_history(user=acting_user(request), resident_id=resident_id)
        return Response(ChangeOutput(changes, many=True).data)


class HouseholdPatchInput(serializers.Serializer):
    floor_area = serializers.CharField(required=False, help_text="m², e.g. 72.50")
    tenure = serializers.ChoiceField(choices=Tenure.values, required=False)


class HouseholdDetailApi(APIView):
    @extend_schema(responses=HouseholdDetailOutput)
    def get(self, request: Request, household_id: int) -> Response:
        detail = selectors.household_detail(
            user=acting_user(request), household_id=household_id, today=timezone.localdate()
        )
        return Response(HouseholdDetailOutput(detail).data)

    @extend_schema(request=HouseholdPatchInput, responses=HouseholdDetailOutput)
    def patch(self, request: Request, household_id: int) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        area, tenure = data.get("floor_area"), data.get("tenure")
        services.household_update(
            actor=acting_user(request),
            household_id=household_id,
            floor_area=None if area is None else str(area),
            tenure=None if tenure is None else str(tenure),
        )
        detail = selectors.household_detail(
            user=acting_user(request), household_id=household_id, today=timezone.localdate()
        )
        return Response(HouseholdDetailOutput(detail).data)


class ResidentAddInput(serializers.Serializer):
    real_name = serializers.CharField()
    id_number = serializers.CharField(help_text="18 characters; stored encrypted, shown masked")
    birth_date = serializers.CharField(
        required=False, help_text="YYYY-MM-DD; from the ID if absent"
    )
    phone = serializers.CharField(required=False, allow_blank=True)
    vehicles = serializers.ListField(child=serializers.CharField(), required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    guardian_consent = serializers.BooleanField(required=False)


@method_decorator(sensitive_post_parameters("id_number"), name="dispatch")
class HouseholdResidentAddApi(APIView):
    @idempotent
    @extend_schema(request=ResidentAddInput, responses={201: ResidentDetailOutput})
    def post(self, request: Request, household_id: int) -> Response:
        data = request.data if isinstance(request.data, dict) else {}

        def text(name: str) -> str:
            value = data.get(name)
            return value if isinstance(value, str) else ""

        def items(name: str) -> list[Any] | str:
            value = data.get(name)
            return value if isinstance(value, list | str) else []

        person = services.resident_add(
            actor=acting_user(request),
            household_id=household_id,
            real_name=text("real_name"),
            id_number=text("id_number"),
            birth_date=text("birth_date") or None,
            phone=text("phone"),
            vehicles=items("vehicles"),
            tags=items("tags"),
            guardian_consent=data.get("guardian_consent", False) in (True, "true", "1", "on"),
        )
        detail = selectors.resident_detail(
            user=acting_user(request), resident_id=person.pk, today=timezone.localdate()
        )
        return Response(_detail(detail), status=201)


class OwnerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    real_name_masked = serializers.CharField()
    id_number_masked = serializers.CharField()
    phone_masked = serializers.CharField()
    since = serializers.DateField(allow_null=True)
    units = serializers.IntegerField(help_text="units this owner holds here, this one included")
    other_units = serializers.IntegerField()
    lives_here = serializers.BooleanField(help_text="a current resident has the owner's ID")


class HouseholdOwnerOutput(serializers.Serializer):
    household = serializers.IntegerField()
    owner = OwnerOutput(allow_null=True)


class OwnerPutInput(serializers.Serializer):
    resident = id_field(
        required=False, help_text="a resident of this household; or real_name + id_number"
    )
    real_name = serializers.CharField(required=False)
    id_number = serializers.CharField(
        required=False, help_text="18 characters; stored encrypted, shown masked"
    )
    phone = serializers.CharField(
        required=False, allow_blank=True, help_text="empty or absent: keep the owner's phone"
    )


def _owner_answer(request: Request, household_id: int) -> Response:
    owner = selectors.household_owner(user=acting_user(request), household_id=household_id)
    return Response(HouseholdOwnerOutput({"household": household_id, "owner": owner}).data)


@method_decorator(sensitive_post_parameters("id_number"), name="dispatch")
class HouseholdOwnerApi(APIView):
    """The unit's registered owner (业主): read by the ledger's viewers, set or cleared by
    its editors. `owner` is null when none is recorded."""

    @extend_schema(responses=HouseholdOwnerOutput)
    def get(self, request: Request, household_id: int) -> Response:
        return _owner_answer(request, household_id)

    @extend_schema(request=OwnerPutInput, responses=HouseholdOwnerOutput)
    def put(self, request: Request, household_id: int) -> Response:
        # Raw values to the service, which checks the permission before the input: a
        # stranger gets not_found whatever they send, an editor the stable input codes.
        data = request.data if isinstance(request.data, dict) else {}

        def text(name: str) -> str | None:
            value = data.get(name)
            return value if isinstance(value, str) else None if value is None else ""

        resident, phone = data.get("resident"), data.get("phone")
        owners.ownership_set(
            actor=acting_user(request),
            household_id=household_id,
            # Anything but an id or its digits is no resident: "-" gets invalid_resident.
            resident_id=resident if isinstance(resident, int | str | None) else "-",
            real_name=text("real_name"),
            id_number=text("id_number"),
            # A phone sent as a JSON number is its digits; a list or the like stays invalid.
            phone="" if phone is None else phone if isinstance(phone, str) else str(phone),
        )
        return _owner_answer(request, household_id)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, household_id: int) -> Response:
        owners.ownership_clear(actor=acting_user(request), household_id=household_id)
        return Response(status=204)


class AreaAggregatesApi(APIView):
    @extend_schema(responses=AreaOutput)
    def get(self, request: Request, subdistrict_id: int) -> Response:
        area = selectors.area_aggregates(user=acting_user(request), subdistrict_id=subdistrict_id)
        return Response(AreaOutput(area).data)
