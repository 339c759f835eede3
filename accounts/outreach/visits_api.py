"""REST API of door visits: thin views over accounts/outreach/visits.py and its selectors.

GET  /api/v1/outreach/<id>/visits/         the list as the caller may see it
POST /api/v1/outreach/<id>/visits/         record one visit
POST /api/v1/outreach/<id>/visits/reveal/  show the phones (one audited reveal)
POST /api/v1/outreach/<id>/visits/assign/  assign households to a visitor (staff)
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import acting_user
from accounts.auth import mfa
from accounts.models import DoorVisit, VisitOutcome
from accounts.models.outreach import NOTE_MAX
from accounts.outreach import visits, visits_selectors
from core.converters import id_field
from realtime.idempotency import idempotent


class ErrorOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


def _errors(*codes: str) -> dict[int, OpenApiResponse]:
    """The error answers of an endpoint, with the codes of its service."""
    listed = ", ".join(f"`{code}`" for code in codes)
    return {
        400: OpenApiResponse(ErrorOutput, description=f"bad input: {listed}"),
        403: OpenApiResponse(ErrorOutput, description="`forbidden`, `not_assigned`"),
        404: OpenApiResponse(ErrorOutput, description="`not_found`: no such outreach here"),
    }


class ResidentOutput(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(help_text="masked unless revealed to the caller")


class PastVisitOutput(serializers.Serializer):
    visited_on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=VisitOutcome.choices)
    note = serializers.CharField()
    follow_up = serializers.BooleanField()
    follow_up_on = serializers.DateField(allow_null=True)
    visitor = serializers.CharField()


class CardOutput(serializers.Serializer):
    household = serializers.IntegerField()
    address = serializers.CharField()
    residents = ResidentOutput(many=True)
    visitor = serializers.IntegerField(allow_null=True)
    informed = serializers.BooleanField()
    visits = PastVisitOutput(many=True)


class ListOutput(serializers.Serializer):
    phones_shown_until = serializers.DateTimeField(allow_null=True)
    households = CardOutput(many=True)


class VisitOutput(serializers.Serializer):
    id = serializers.IntegerField()
    household = serializers.IntegerField()
    visitor = serializers.IntegerField()
    visited_on = serializers.DateField()
    outcome = serializers.ChoiceField(choices=VisitOutcome.choices)
    note = serializers.CharField()
    follow_up = serializers.BooleanField()
    follow_up_on = serializers.DateField(allow_null=True)
    recorded_at = serializers.DateTimeField()


def _visit(visit: DoorVisit) -> dict[str, Any]:
    return {
        "id": visit.pk,
        "household": visit.household_id,
        "visitor": visit.visitor_id,
        "visited_on": visit.visited_on.isoformat(),
        "outcome": visit.outcome,
        "note": visit.note,
        "follow_up": visit.follow_up,
        "follow_up_on": visit.follow_up_on.isoformat() if visit.follow_up_on else None,
        "recorded_at": visit.recorded_at.isoformat(),
    }


class DoorVisitListApi(APIView):
    class InputSerializer(serializers.Serializer):
        household = id_field()
        visited_on = serializers.CharField(max_length=32)
        outcome = serializers.CharField(max_length=32)
        note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX * 4)
        follow_up = serializers.BooleanField(required=False, default=False)
        follow_up_on = serializers.CharField(required=False, allow_blank=True, max_length=32)

    @extend_schema(responses={200: ListOutput, **_errors()})
    def get(self, request: Request, outreach_id: int) -> Response:
        user = acting_user(request)
        outreach, scope = visits_selectors.visit_access(actor=user, outreach_id=outreach_id)
        listing = visits_selectors.visit_list(
            actor=user, outreach=outreach, scope=scope, now=timezone.now()
        )
        until = listing.phones_until
        return Response(
            {
                "phones_shown_until": until.isoformat() if until else None,
                "households": [
                    {
                        "household": card.household_id,
                        "address": card.address,
                        "residents": [{"name": r.name, "phone": r.phone} for r in card.residents],
                        "visitor": card.visitor_id,
                        "informed": card.informed,
                        "visits": [
                            {
                                "visited_on": v.visited_on.isoformat(),
                                "outcome": v.outcome,
                                "note": v.note,
                                "follow_up": v.follow_up,
                                "follow_up_on": v.follow_up_on.isoformat()
                                if v.follow_up_on
                                else None,
                                "visitor": v.visitor,
                            }
                            for v in card.visits
                        ],
                    }
                    for card in listing.cards
                ],
            }
        )

    @idempotent
    @extend_schema(
        request=InputSerializer,
        responses={
            201: VisitOutput,
            **_errors(
                "invalid",
                "not_in_outreach",
                "invalid_date",
                "invalid_outcome",
                "invalid_follow_up",
                "too_long",
                "control_character",
            ),
        },
    )
    def post(self, request: Request, outreach_id: int) -> Response:
        user = acting_user(request)
        visits_selectors.visit_access(actor=user, outreach_id=outreach_id)  # before validation
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        visit = visits.door_visit_record(
            actor=user,
            outreach_id=outreach_id,
            household_id=given["household"],
            visited_on=given["visited_on"],
            outcome=given["outcome"],
            note=given.get("note", ""),
            follow_up=given["follow_up"],
            follow_up_on=given.get("follow_up_on") or None,
        )
        return Response(_visit(visit), status=201)


class DoorVisitRevealApi(APIView):
    class RevealOutput(serializers.Serializer):
        households = serializers.IntegerField()
        phones = serializers.IntegerField()

    @extend_schema(request=None, responses={200: RevealOutput, **_errors(), 403: mfa.SCHEMA_403})
    def post(self, request: Request, outreach_id: int) -> Response:
        mfa.require(request)
        shown = visits.door_visit_reveal(actor=acting_user(request), outreach_id=outreach_id)
        return Response({"households": shown.households, "phones": shown.phones})


class DoorVisitAssignApi(APIView):
    class InputSerializer(serializers.Serializer):
        visitor = id_field(allow_null=True)
        households = serializers.ListField(child=id_field(), required=False, max_length=5000)
        building = id_field(required=False, allow_null=True)

    class AssignOutput(serializers.Serializer):
        assigned = serializers.IntegerField()

    @extend_schema(
        request=InputSerializer,
        responses={
            200: AssignOutput,
            **_errors("invalid", "invalid_visitor", "invalid_building", "not_in_outreach"),
        },
    )
    def post(self, request: Request, outreach_id: int) -> Response:
        user = acting_user(request)
        outreach, scope = visits_selectors.visit_access(actor=user, outreach_id=outreach_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        changed = visits.door_visit_assign(
            actor=user,
            outreach_id=outreach.pk,
            visitor_id=given["visitor"],
            household_ids=given.get("households"),
            building_id=given.get("building"),
        )
        return Response({"assigned": changed})
