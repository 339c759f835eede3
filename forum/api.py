"""REST API of the forum: thin views over the same selectors and services as the pages."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from forum import selectors, services
from forum.models import BODY_MAX, TITLE_MAX
from realtime.idempotency import idempotent
from realtime.selectors import stream_head


class TopicOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    author = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_post_at = serializers.DateTimeField()
    reply_count = serializers.IntegerField()


class BoardSnapshot(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    stream = serializers.CharField()
    seq = serializers.IntegerField(help_text="stream seq when read: subscribe with since=seq")
    topics = TopicOutput(many=True)


class BoardDetailApi(APIView):
    @extend_schema(responses=BoardSnapshot)
    def get(self, request: Request, board_id: int) -> Response:
        board = selectors.board_for_reader(user=request.user, board_id=board_id)
        seq = stream_head(board.stream)
        topics = [
            {**TopicOutput(t).data, "author": str(t.author)}
            for t in selectors.board_topics(board=board)
        ]
        return Response(
            {
                "id": board.pk,
                "name": board.name,
                "stream": board.stream,
                "seq": seq,
                "topics": topics,
            }
        )


class TopicCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=TITLE_MAX, required=False, allow_blank=True)
        body = serializers.CharField(max_length=BODY_MAX)

    @idempotent
    @extend_schema(request=InputSerializer, responses={201: TopicOutput})
    def post(self, request: Request, board_id: int) -> Response:
        board = selectors.board_for_reader(user=request.user, board_id=board_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        topic = services.topic_create(
            user=request.user,
            board=board,
            title=data.validated_data.get("title", ""),
            body=data.validated_data["body"],
        )
        return Response({**TopicOutput(topic).data, "author": str(topic.author)}, status=201)
