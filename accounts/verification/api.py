"""REST API of verification: thin views over the same services and selectors as the pages."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import acting_user
from accounts.models import (
    HouseholdCode,
    IdentityConflict,
    RequestStatus,
    Residency,
    VerificationRequest,
)
from accounts.permissions import Perm
from accounts.verification import selectors, services
from core.converters import id_field
from core.errors import Invalid
from realtime.idempotency import idempotent

# Outputs.


class ResidencyOutput(serializers.Serializer):
    id = serializers.IntegerField()
    household = serializers.IntegerField(source="household_id")
    address = serializers.CharField(source="household.address")
    neighborhood = serializers.IntegerField(source="household.building.neighborhood_id")
    representative = serializers.BooleanField(source="is_representative")
    verified_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)


class OwnRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    reason = serializers.CharField()
    neighborhood = serializers.IntegerField(source="neighborhood_id")
    household_address = serializers.CharField(source="address_text")
    real_name = serializers.CharField()
    id_fragment_masked = serializers.CharField()
    created_at = serializers.DateTimeField()
    reviewed_at = serializers.DateTimeField(allow_null=True)


class MatchedResidentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    real_name = serializers.CharField()
    id_number_masked = serializers.CharField()


class QueueRequestOutput(OwnRequestOutput):
    user = serializers.IntegerField(source="user_id")
    user_name = serializers.CharField(source="user.public_name")
    household = serializers.IntegerField(source="household_id", allow_null=True)
    match = serializers.CharField()
    matched_resident = MatchedResidentOutput(allow_null=True)


class IssuedCodeOutput(serializers.Serializer):
    id = serializers.IntegerField(source="record.pk")
    household = serializers.IntegerField(source="record.household_id")
    address = serializers.CharField(source="record.household.address")
    code = serializers.CharField(source="display", help_text="shown this once, never again")
    expires_at = serializers.DateTimeField(source="record.expires_at")


class CodeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    household = serializers.IntegerField(source="household_id")
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    used_at = serializers.DateTimeField(allow_null=True)


class ConflictOutput(serializers.Serializer):
    id = serializers.IntegerField()
    claimant = serializers.IntegerField(source="claimant_id")
    claimant_name = serializers.CharField(source="claimant.public_name")
    existing_user = serializers.IntegerField(source="existing_user_id")
    existing_user_name = serializers.CharField(source="existing_user.public_name")
    resident = serializers.IntegerField(source="resident_id")
    resident_name = serializers.CharField(source="resident.real_name")
    address = serializers.CharField(source="resident.household.address")
    method = serializers.CharField()
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()


def _valid(serializer: serializers.Serializer) -> dict[str, Any]:
    serializer.is_valid(raise_exception=True)
    return cast(dict[str, Any], serializer.validated_data)


# Residents.


class CodeRedeemApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VerificationCodeRedeemInput"

        code = serializers.CharField(max_length=40)
        real_name = serializers.CharField(max_length=services.NAME_MAX)

    @idempotent
    @extend_schema(request=InputSerializer, responses={201: ResidencyOutput})
    def post(self, request: Request) -> Response:
        data = _valid(self.InputSerializer(data=request.data))
        residency = services.household_code_redeem(
            user=acting_user(request), code=data["code"], real_name=data["real_name"]
        )
        return Response(ResidencyOutput(residency).data, status=201)


class RequestCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VerificationRequestCreateInput"

        neighborhood = id_field()
        building = id_field()
        unit = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")
        room = serializers.CharField(max_length=16)
        real_name = serializers.CharField(max_length=services.NAME_MAX)
        id_fragment = serializers.CharField(max_length=16, help_text="last 6 of the ID number")

    @idempotent
    @extend_schema(request=InputSerializer, responses={201: OwnRequestOutput})
    def post(self, request: Request) -> Response:
        data = _valid(self.InputSerializer(data=request.data))
        filed = services.verification_request_create(
            user=acting_user(request),
            neighborhood_id=data["neighborhood"],
            building_id=data["building"],
            unit=data["unit"],
            room=data["room"],
            real_name=data["real_name"],
            id_fragment=data["id_fragment"],
        )
        return Response(OwnRequestOutput(filed).data, status=201)


class MyRequestsApi(APIView):
    @extend_schema(responses=OwnRequestOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(
            OwnRequestOutput(selectors.my_requests(acting_user(request)), many=True).data
        )


# Staff.


class QueuePagination(PageNumberPagination):
    page_size = selectors.QUEUE_PAGE


class RequestQueueApi(ListAPIView):
    """The neighborhood's requests, oldest first, 50 a page (`?page=`, `?status=`)."""

    serializer_class = QueueRequestOutput
    pagination_class = QueuePagination

    def get_queryset(self) -> QuerySet[VerificationRequest]:
        neighborhood_id = self.kwargs["neighborhood_id"]
        selectors.place_for(acting_user(self.request), Perm.VERIFICATION_REVIEW, neighborhood_id)
        status = self.request.query_params.get("status") or None
        if status is not None and status not in RequestStatus.values:
            raise Invalid(
                _("Unknown status: use one of %(statuses)s."),
                code="invalid_filter",
                params={"statuses": ", ".join(RequestStatus.values)},
            )
        return selectors.requests_of(neighborhood_id, status)


class RequestApproveApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VerificationRequestApproveInput"

        resident = id_field(required=False, allow_null=True, default=None)

    @extend_schema(request=InputSerializer, responses=ResidencyOutput)
    def post(self, request: Request, request_id: int) -> Response:
        data = _valid(self.InputSerializer(data=request.data))
        residency = services.verification_request_approve(
            actor=acting_user(request), request_id=request_id, resident_id=data["resident"]
        )
        return Response(ResidencyOutput(residency).data)


class RequestRejectApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VerificationRequestRejectInput"

        reason = serializers.CharField(max_length=services.REASON_MAX, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=OwnRequestOutput)
    def post(self, request: Request, request_id: int) -> Response:
        data = _valid(self.InputSerializer(data=request.data))
        decided = services.verification_request_reject(
            actor=acting_user(request), request_id=request_id, reason=data["reason"]
        )
        return Response(OwnRequestOutput(decided).data)


class CodesIssueApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VerificationCodesIssueInput"

        household = id_field(required=False)
        building = id_field(required=False)
        confirm = serializers.IntegerField(
            required=False,
            min_value=0,
            help_text=(
                "the number of printed letters it voids, as confirmed (with household: "
                "needed when its code is live, then 1; with building: always) "
                "(`confirmation_required` without it, `stale_confirmation` if it changed)"
            ),
        )

    @idempotent
    @extend_schema(request=InputSerializer, responses={201: IssuedCodeOutput(many=True)})
    def post(self, request: Request, neighborhood_id: int) -> Response:
        actor = acting_user(request)
        selectors.place_for(actor, Perm.CODES_ISSUE, neighborhood_id)
        data = _valid(self.InputSerializer(data=request.data))
        if ("household" in data) == ("building" in data):
            raise Invalid(_("Give either a household or a building, not both."), code="invalid")
        if "household" in data:
            selectors.household_in(neighborhood_id, data["household"])
            issued = [
                services.household_code_issue(
                    actor=actor, household_id=data["household"], confirm=data.get("confirm")
                )
            ]
        else:
            building = selectors.building_in(neighborhood_id, data["building"])
            issued = services.building_codes_issue(
                actor=actor, building_id=building.pk, confirm=data.get("confirm")
            )
        response = Response(IssuedCodeOutput(issued, many=True).data, status=201)
        response["Cache-Control"] = "no-store"
        return response


class CodeRevokeApi(APIView):
    @extend_schema(request=None, responses=CodeOutput)
    def post(self, request: Request, code_id: int) -> Response:
        revoked: HouseholdCode = services.household_code_revoke(
            actor=acting_user(request), code_id=code_id
        )
        return Response(CodeOutput(revoked).data)


class ResidencyEndApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VerificationResidencyEndInput"

        reason = serializers.CharField(
            max_length=services.REASON_MAX, required=False, allow_blank=True, default=""
        )

    @extend_schema(request=InputSerializer, responses=ResidencyOutput)
    def post(self, request: Request, residency_id: int) -> Response:
        data = _valid(self.InputSerializer(data=request.data))
        ended: Residency = services.residency_end(
            actor=acting_user(request), residency_id=residency_id, reason=data["reason"]
        )
        return Response(ResidencyOutput(ended).data)


class RepresentativeApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VerificationRepresentativeInput"

        user = id_field()

    @extend_schema(request=InputSerializer, responses=ResidencyOutput)
    def post(self, request: Request, household_id: int) -> Response:
        data = _valid(self.InputSerializer(data=request.data))
        chosen = services.representative_change(
            actor=acting_user(request), household_id=household_id, user_id=data["user"]
        )
        return Response(ResidencyOutput(chosen).data)


class ConflictListApi(ListAPIView):
    """The neighborhood's identity conflicts, oldest first, 50 a page (`?resolved=`)."""

    serializer_class = ConflictOutput
    pagination_class = QueuePagination

    def get_queryset(self) -> QuerySet[IdentityConflict]:
        neighborhood_id = self.kwargs["neighborhood_id"]
        selectors.place_for(acting_user(self.request), Perm.VERIFICATION_REVIEW, neighborhood_id)
        resolved = self.request.query_params.get("resolved")
        flag = None if resolved is None else resolved in ("1", "true", "yes")
        return selectors.conflicts_of(neighborhood_id, resolved=flag)


class ConflictResolveApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "VerificationConflictResolveInput"

        note = serializers.CharField(max_length=services.REASON_MAX, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=ConflictOutput)
    def post(self, request: Request, conflict_id: int) -> Response:
        data = _valid(self.InputSerializer(data=request.data))
        resolved: IdentityConflict = services.identity_conflict_resolve(
            actor=acting_user(request), conflict_id=conflict_id, note=data["note"]
        )
        return Response(ConflictOutput(resolved).data)
