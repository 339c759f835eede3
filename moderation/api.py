"""REST API of deliberation rooms: thin views over moderation.rooms (services, selectors)
and moderation.minutes.

Every view first finds the room (or the place) for the viewer, so a non-member learns
nothing from a malformed request: 404 before any 400. Bodies are JSON objects; their fields
are validated by the services, which answer with the engine's codes (`not_your_turn`,
`speech_limit_reached`, ...) and their own (`invalid_argument`, `too_long`, `invalid_rules`,
...). The serializers below document the bodies for the schema; the one thing checked here
is what the services cannot take at all: a body that is not an object, and ids beyond what
the database holds (a 64-bit overflow is an error in SQLite, not a missing row).
"""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access
from accounts.access import acting_user
from accounts.permissions import Perm
from config.input_guard import JSONParser
from core.converters import MAX_ID, id_field
from core.errors import Invalid, NotFound
from moderation.minutes import build_minutes, minutes_data, minutes_post
from moderation.models import Room
from moderation.procedure import events as ev
from moderation.procedure.snapshot import state_to_data
from moderation.rooms import selectors, services
from realtime.idempotency import idempotent

# Fields of a command's data that name a person or a speech: bounded like ids in URLs.
ID_KEYS = ("to", "speech")


def _object(raw: object, *, code: str = "invalid_argument") -> dict[str, Any]:
    """The request body as a plain dict; a list, a string or a number is refused."""
    if isinstance(raw, QueryDict):
        return raw.dict()
    if not isinstance(raw, dict):
        raise Invalid(_("Please send a JSON object."), code=code)
    return dict(raw)


def _bounded_id(value: object, code: str) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and not 1 <= value <= MAX_ID:
        raise Invalid(_("Please choose a person."), code=code)


# Rooms ----------------------------------------------------------------------------------


class RoomSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    neighborhood = serializers.IntegerField(source="neighborhood_id")
    title = serializers.CharField()
    description = serializers.CharField()
    preset = serializers.CharField(help_text="nantang | free")
    status = serializers.CharField(help_text="open | closed")
    phase = serializers.SerializerMethodField(
        help_text="waiting | motion_moved | debate | voting | result"
    )
    stream = serializers.CharField(help_text="subscribe for the live room")
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    minutes_topic = serializers.IntegerField(
        source="minutes_topic_id", allow_null=True, help_text="the board topic of the minutes"
    )

    def get_phase(self, room: Room) -> str:
        return str(room.state.get("phase", ""))


def _summary(room: Room) -> dict[str, Any]:
    return dict(RoomSummaryOutput(room).data)


class RoomCreateInput(serializers.Serializer):
    """Documents the body; services.room_create validates it (title_required, too_long,
    invalid_rules, invalid_agenda, invalid_co_chair)."""

    title = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    preset = serializers.CharField(required=False, help_text="nantang (default) | free")
    limits = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text="any of speech_seconds, speeches_per_motion, off_topic_warnings, "
        "slow_mode_seconds, amendment_depth",
    )
    agenda = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=20
    )
    co_chair = id_field(
        required=False, allow_null=True, help_text="a user who may chair here, to take over"
    )


class RoomListApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(responses=RoomSummaryOutput(many=True))
    def get(self, request: Request, neighborhood_id: int) -> Response:
        rooms = selectors.rooms_for(acting_user(request), neighborhood_id)
        return Response([_summary(room) for room in rooms])

    @idempotent
    @extend_schema(
        request=RoomCreateInput,
        responses={201: OpenApiTypes.OBJECT},
        description="Open a room with the caller in the chair. Answers the room's snapshot.",
    )
    def post(self, request: Request, neighborhood_id: int) -> Response:
        user = acting_user(request)
        access.require(user, Perm.ROOM_MANAGE, neighborhood_id)  # before validation
        body = _object(request.data)
        limits = body.get("limits")
        if limits is not None and not isinstance(limits, dict):
            raise Invalid(_("Please send the limits as an object."), code="invalid_rules")
        co_chair = body.get("co_chair")
        _bounded_id(co_chair, "invalid_co_chair")
        room = services.room_create(
            actor=user,
            neighborhood_id=neighborhood_id,
            title=body.get("title"),
            description=body.get("description", ""),
            preset=body.get("preset", "nantang"),
            limits=limits,
            agenda=body.get("agenda", []),
            co_chair_id=co_chair,
        )
        return Response(selectors.snapshot(user, room), status=201)


class RoomDetailApi(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="The room's snapshot (moderation.rooms.selectors.snapshot), with `seq` of "
        "stream room.<id> and `server_now` for the speech clock.",
    )
    def get(self, request: Request, room_id: int) -> Response:
        room = selectors.room_for_viewer(acting_user(request), room_id)
        room = services.room_expire_if_due(room)
        return Response(selectors.snapshot(acting_user(request), room))


class CommandOutput(serializers.Serializer):
    events = serializers.ListField(
        child=serializers.DictField(), help_text="what the command caused: {type, ...fields}"
    )
    speech = serializers.IntegerField(allow_null=True, help_text="the speech's number")
    phase = serializers.CharField()
    state = serializers.DictField(help_text="the room's state after the command")


class RoomCommandApi(APIView):
    parser_classes = [JSONParser]

    @idempotent
    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: CommandOutput},
        parameters=[
            OpenApiParameter(
                "action",
                str,
                OpenApiParameter.PATH,
                enum=list(services.COMMANDS),
                description="command",
            )
        ],
        description="One command of the rules of procedure; the body is its data: move/amend "
        "{text}, raise_hand {side: pro|con|neutral}, speak {text}, give_floor {to}, "
        "extend_time {seconds}, rule_off_topic {speech}, hand_over_chair {to}, "
        "name_co_chair {to|null}; the others take none. A refusal of the rules answers 400 "
        "with the engine's code (not_your_turn, floor_taken, not_chair, ...).",
    )
    def post(self, request: Request, room_id: int, action: str) -> Response:
        user = acting_user(request)
        selectors.room_for_viewer(user, room_id)  # before validation
        if action not in services.COMMANDS:
            raise NotFound(_("Unknown action."), code="not_found")
        data = _object(request.data)
        for key in ID_KEYS:
            _bounded_id(data.get(key), "invalid_argument")
        outcome = services.room_command(user=user, room_id=room_id, action=action, data=data)
        return Response(
            {
                "events": [ev.event_to_data(event) for event in outcome.events],
                "speech": outcome.speech.number if outcome.speech else None,
                "phase": outcome.state.phase,
                "state": state_to_data(outcome.state),
            }
        )


class ReactInput(serializers.Serializer):
    emoji = serializers.ChoiceField(choices=services.REACTIONS)


class RoomReactApi(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        request=ReactInput,
        responses={204: None},
        description="A reaction without text, shown to everyone on room.<id> for a moment.",
    )
    def post(self, request: Request, room_id: int) -> Response:
        selectors.room_for_viewer(acting_user(request), room_id)  # before validation
        body = _object(request.data)
        services.room_react(user=acting_user(request), room_id=room_id, emoji=body.get("emoji"))
        return Response(status=204)


class RoomCloseApi(APIView):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request: Request, room_id: int) -> Response:
        room = services.room_close(actor=acting_user(request), room_id=room_id)
        return Response(selectors.snapshot(acting_user(request), room))


# Minutes --------------------------------------------------------------------------------


class RoomMinutesApi(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="The minutes built from the room's log (moderation.minutes.Minutes): "
        "items, motions and amendments, turns on the floor with seconds, rulings, points of "
        "order, notes (chair, pauses) and votes. Names as neighbors see them.",
    )
    def get(self, request: Request, room_id: int) -> Response:
        room = selectors.room_for_viewer(acting_user(request), room_id)
        return Response(minutes_data(build_minutes(room)))


class MinutesPostInput(serializers.Serializer):
    board = id_field(
        required=False,
        allow_null=True,
        help_text="a board of the room's neighborhood; the neighborhood's first board if absent",
    )


class MinutesPostOutput(serializers.Serializer):
    topic = serializers.IntegerField()
    board = serializers.IntegerField()
    title = serializers.CharField()


class RoomMinutesPostApi(APIView):
    parser_classes = [JSONParser]

    @idempotent
    @extend_schema(
        request=MinutesPostInput,
        responses={201: MinutesPostOutput},
        description="Post the minutes of a closed room to a board, once (minutes_posted).",
    )
    def post(self, request: Request, room_id: int) -> Response:
        user = acting_user(request)
        selectors.room_for_viewer(user, room_id)  # before validation
        body = _object(request.data)
        topic = minutes_post(actor=user, room_id=room_id, board_id=body.get("board"))
        return Response(
            {"topic": topic.pk, "board": topic.board_id, "title": topic.title}, status=201
        )
