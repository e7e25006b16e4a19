"""``POST /api/v1/email-auto-replies/`` (scope ``messages``): a thin view over the rules service."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.email_in.rules import TEXT_MAX, auto_reply_create
from messaging.models import ApiScope


class AutoReplySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    match = serializers.CharField(max_length=320)
    subject_prefix = serializers.CharField(max_length=200, required=False, allow_blank=True, default="Re:")
    text = serializers.CharField(max_length=TEXT_MAX)
    html = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    enabled = serializers.BooleanField(read_only=True)


class EmailAutoReplyCreateView(APIView):
    api_scope = ApiScope.MESSAGES

    @extend_schema(request=AutoReplySerializer, responses={201: AutoReplySerializer})
    def post(self, request):
        ser = AutoReplySerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            rule = auto_reply_create(**ser.validated_data)
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(AutoReplySerializer(rule).data, status=status.HTTP_201_CREATED)
