"""REST API of outreach and notifications: thin views over the same selectors and services."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access
from accounts.ledger import filters as ledger_filters
from accounts.models import Outreach, Segment
from accounts.models.outreach import BODY_MAX, TITLE_MAX
from accounts.outreach import selectors, services
from accounts.outreach.events import outreach_stream
from accounts.permissions import Perm
from core.converters import id_field
from core.errors import Invalid
from realtime.idempotency import idempotent
from realtime.selectors import stream_head


class SegmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    filters = serializers.JSONField()
    created_at = serializers.DateTimeField()


def _segment(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.pk,
        "name": segment.name,
        "filters": segment.filters,
        "created_at": segment.created_at.isoformat(),
    }


def _filters(raw: object) -> ledger_filters.LedgerFilter:
    """An object of ledger filter parameters (values: a string, a number or a list)."""
    if not isinstance(raw, dict):
        raise Invalid(
            _("filters must be an object of ledger filter parameters."), code="invalid_filter"
        )
    params: dict[str, str | list[str]] = {}
    for key, value in raw.items():
        if isinstance(value, list):
            params[str(key)] = [str(v) for v in value]
        elif isinstance(value, bool):
            params[str(key)] = "yes" if value else "no"
        elif value is not None:
            params[str(key)] = str(value)
    return selectors.parse_filters(params)


class SegmentsApi(APIView):
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(allow_blank=True, max_length=200)
        filters = serializers.JSONField(required=False, default=dict)

    @extend_schema(responses=SegmentOutput(many=True))
    def get(self, request: Request, neighborhood_id: int) -> Response:
        segments = selectors.segments_of(actor=request.user, neighborhood_id=neighborhood_id)
        return Response([_segment(s) for s in segments])

    @idempotent
    @extend_schema(request=InputSerializer, responses={201: SegmentOutput})
    def post(self, request: Request, neighborhood_id: int) -> Response:
        access.require(request.user, Perm.OUTREACH_SEND, neighborhood_id)  # before validation
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        segment = services.segment_create(
            actor=request.user,
            neighborhood_id=neighborhood_id,
            name=data.validated_data["name"],
            spec=_filters(data.validated_data["filters"]),
        )
        return Response(_segment(segment), status=201)


class SegmentApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, segment_id: int) -> Response:
        services.segment_delete(actor=request.user, segment_id=segment_id)
        return Response(status=204)


class OutreachOutput(serializers.Serializer):
    id = serializers.IntegerField()
    stream = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    household_count = serializers.IntegerField()
    member_count = serializers.IntegerField()
    segment = serializers.IntegerField(allow_null=True)
    filters = serializers.JSONField()


def _outreach(outreach: Outreach) -> dict[str, Any]:
    return {
        "id": outreach.pk,
        "stream": outreach_stream(outreach.pk),
        "title": outreach.title,
        "body": outreach.body,
        "created_at": outreach.created_at.isoformat(),
        "delivered_at": outreach.delivered_at.isoformat() if outreach.delivered_at else None,
        "household_count": outreach.household_count,
        "member_count": outreach.member_count,
        "segment": outreach.segment_id,
        "filters": outreach.filters,
    }


class OutreachListApi(APIView):
    class InputSerializer(serializers.Serializer):
        segment = id_field(required=False)
        filters = serializers.JSONField(required=False)
        title = serializers.CharField(allow_blank=True, max_length=TITLE_MAX * 4)
        body = serializers.CharField(allow_blank=True, max_length=BODY_MAX * 4)
        confirm = serializers.IntegerField(
            required=False,
            min_value=0,
            help_text=(
                "the number of households it goes to, as the preview showed "
                "(`confirmation_required` without it, `stale_confirmation` if it changed)"
            ),
        )

    class SentOutput(serializers.Serializer):
        id = serializers.IntegerField()
        stream = serializers.CharField()
        household_count = serializers.IntegerField()
        member_count = serializers.IntegerField()

    @extend_schema(responses=OutreachOutput(many=True))
    def get(self, request: Request, neighborhood_id: int) -> Response:
        found = selectors.outreaches_of(actor=request.user, neighborhood_id=neighborhood_id)
        return Response(
            [{**_outreach(o), "reached": o.reached_count} for o in found]  # type: ignore[attr-defined]
        )

    @idempotent
    @extend_schema(request=InputSerializer, responses={202: SentOutput})
    def post(self, request: Request, neighborhood_id: int) -> Response:
        access.require(request.user, Perm.OUTREACH_SEND, neighborhood_id)  # before validation
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        spec = _filters(given["filters"]) if "filters" in given else None
        outreach = services.outreach_send(
            actor=request.user,
            neighborhood_id=neighborhood_id,
            spec=spec,
            segment_id=given.get("segment"),
            title=given["title"],
            body=given["body"],
            confirm=given.get("confirm"),
            needs_confirmation=True,
        )
        return Response(
            {
                "id": outreach.pk,
                "stream": outreach_stream(outreach.pk),
                "household_count": outreach.household_count,
                "member_count": outreach.member_count,
            },
            status=202,
        )


class PreviewApi(APIView):
    @extend_schema(responses={200: None})
    def get(self, request: Request, neighborhood_id: int) -> Response:
        spec = selectors.parse_filters(request.query_params)
        found = selectors.preview(
            actor=request.user,
            neighborhood_id=neighborhood_id,
            spec=spec,
            today=timezone.localdate(),
        )
        return Response(
            {
                "households": found.households,
                "without_account": found.without_account,
                "members": found.members,
            }
        )


class OutreachDetailApi(APIView):
    @extend_schema(responses={200: None})
    def get(self, request: Request, outreach_id: int) -> Response:
        found = selectors.outreach_for_staff(actor=request.user, outreach_id=outreach_id)
        seq = stream_head(outreach_stream(found.pk))  # before the counts: no gap
        counts = selectors.outreach_counts(found)
        return Response({**_outreach(found), "counts": counts, "seq": seq})


class DoorVisitsApi(APIView):
    @extend_schema(responses={200: None})
    def get(self, request: Request, outreach_id: int) -> Response:
        found = selectors.outreach_for_staff(actor=request.user, outreach_id=outreach_id)
        visits = selectors.door_visits(found)
        return Response(
            [
                {
                    "household": visit.household_id,
                    "address": visit.address,
                    "residents": [{"name": r.name, "phone": r.phone} for r in visit.residents],
                }
                for visit in visits
            ]
        )
