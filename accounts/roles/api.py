"""REST API of committee roles: thin views over accounts/roles/services.py."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.auth import mfa
from accounts.roles import services as roles
from core.converters import form_id, id_field
from realtime.idempotency import idempotent


class GrantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField()
    granted_at = serializers.DateTimeField()


class RoleListApi(APIView):
    class InputSerializer(serializers.Serializer):
        user_id = id_field(required=False, help_text="the account, as the neighbor picker gives it")
        username = serializers.CharField(
            max_length=150, required=False, help_text="or its login name (used without user_id)"
        )
        role = serializers.CharField(max_length=16)

    @extend_schema(responses=GrantOutput(many=True))
    def get(self, request: Request, neighborhood_id: int) -> Response:
        rows = roles.grants_at(actor=request.user, neighborhood_id=neighborhood_id)
        return Response([asdict(row) for row in rows])

    @idempotent
    @extend_schema(request=InputSerializer, responses={201: GrantOutput, 403: mfa.SCHEMA_403})
    def post(self, request: Request, neighborhood_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mfa.require(request)
        grant = roles.role_grant(
            actor=request.user,
            neighborhood_id=neighborhood_id,
            user_id=data.validated_data.get("user_id"),
            username=data.validated_data.get("username", ""),
            role=data.validated_data["role"],
        )
        return Response({"id": grant.pk, "role": grant.role, "user_id": grant.user_id}, status=201)


class RoleDetailApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "confirm",
                int,
                description=(
                    "1: the role shown is the one to remove (`confirmation_required` without it)"
                ),
            )
        ],
        responses={204: None},
    )
    def delete(self, request: Request, grant_id: int) -> Response:
        confirm = form_id(request.query_params.get("confirm"))
        roles.role_revoke(actor=request.user, grant_id=grant_id, confirm=confirm)
        return Response(status=204)
