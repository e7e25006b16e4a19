"""Topics in the JSON API (CONTRACT.md, "Templates and topics"): ``messages`` writes, ``log`` reads."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.models import Topic
from messaging.templates.api import ReadOrWrite
from messaging.topics.services import TopicInvalid, topic_create


class TopicSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    required = serializers.BooleanField(required=False, default=False)


def topic_json(topic: Topic) -> dict:
    return {"id": topic.pk, "name": topic.name, "description": topic.description, "required": topic.required}


class TopicListView(ReadOrWrite, APIView):
    @extend_schema(responses={200: inline_serializer("TopicList", {"results": TopicSerializer(many=True)})})
    def get(self, request):
        return Response({"results": [topic_json(t) for t in Topic.objects.all()]})

    @extend_schema(request=TopicSerializer, responses={201: TopicSerializer})
    def post(self, request):
        ser = TopicSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            topic = topic_create(**ser.validated_data)
        except TopicInvalid as exc:
            return Response(exc.detail, status=status.HTTP_400_BAD_REQUEST)
        return Response(topic_json(topic), status=status.HTTP_201_CREATED)
