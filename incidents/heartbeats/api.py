"""The heartbeat calls: create, list, read, pause and resume (API key, scope ``incidents``), and the
keyless ping, whose URL's token is its only credential.

The ping is a plain Django view, not DRF: no authentication classes, no API key lookup, no parsing
of the body (a job may POST its log), so it costs what ``/healthz`` costs plus the one UPDATE.
"""

from __future__ import annotations

from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.apps import INCIDENTS_SCOPE
from incidents.heartbeats.models import HEARTBEAT_TIMEOUT_MAX, HEARTBEAT_TIMEOUT_MIN, Heartbeat
from incidents.heartbeats.services import heartbeat_create, heartbeat_pause, heartbeat_ping, heartbeat_resume
from incidents.models import EscalationPolicy
from incidents.selectors import policy_is_pageable

LIST_LIMIT_MAX = 1000


def ping_url(request, heartbeat: Heartbeat) -> str:
    return request.build_absolute_uri(reverse("heartbeat-ping", kwargs={"token": heartbeat.token}))


class HeartbeatCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    policy = serializers.PrimaryKeyRelatedField(queryset=EscalationPolicy.objects.all(),
                                                error_messages={"does_not_exist": "No policy with id {pk_value}."})
    timeout_seconds = serializers.IntegerField(min_value=HEARTBEAT_TIMEOUT_MIN, max_value=HEARTBEAT_TIMEOUT_MAX)

    def validate_policy(self, policy):
        if not policy_is_pageable(policy=policy):
            raise serializers.ValidationError("This policy has no level with anyone to page.")
        return policy


class HeartbeatCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    ping_url = serializers.URLField()


class HeartbeatSerializer(serializers.Serializer):
    """Read shape: the created fields plus what the admin shows."""

    def to_representation(self, heartbeat: Heartbeat):
        request = self.context["request"]
        return {
            "id": heartbeat.pk, "name": heartbeat.name, "ping_url": ping_url(request, heartbeat),
            "policy": heartbeat.policy_id, "timeout_seconds": heartbeat.timeout_seconds, "state": heartbeat.state,
            "last_ping_at": heartbeat.last_ping_at.isoformat() if heartbeat.last_ping_at else None,
            "deadline": heartbeat.deadline.isoformat() if heartbeat.deadline else None,
            "incident": heartbeat.incident_id,
        }


class HeartbeatListQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(required=False, min_value=0, default=0, help_text="Only ids above this.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=LIST_LIMIT_MAX, default=100)


class HeartbeatListView(APIView):
    api_scope = INCIDENTS_SCOPE

    @extend_schema(request=HeartbeatCreateSerializer, responses={201: HeartbeatCreatedSerializer})
    def post(self, request):
        ser = HeartbeatCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        heartbeat = heartbeat_create(**ser.validated_data)
        return Response({"id": heartbeat.pk, "name": heartbeat.name, "ping_url": ping_url(request, heartbeat)},
                        status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[HeartbeatListQuerySerializer], responses={200: HeartbeatSerializer(many=True)})
    def get(self, request):
        q = HeartbeatListQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        rows = Heartbeat.objects.filter(pk__gt=q.validated_data["after"]).order_by("pk")[:q.validated_data["limit"]]
        return Response({"results": HeartbeatSerializer(rows, many=True, context={"request": request}).data})


class HeartbeatDetailView(APIView):
    api_scope = INCIDENTS_SCOPE

    @extend_schema(responses={200: HeartbeatSerializer})
    def get(self, request, pk: int):
        heartbeat = get_object_or_404(Heartbeat, pk=pk)
        return Response(HeartbeatSerializer(heartbeat, context={"request": request}).data)


class HeartbeatPauseView(APIView):
    api_scope = INCIDENTS_SCOPE

    @extend_schema(request=None, responses={200: HeartbeatSerializer})
    def post(self, request, pk: int):
        heartbeat = heartbeat_pause(heartbeat=get_object_or_404(Heartbeat, pk=pk))
        return Response(HeartbeatSerializer(heartbeat, context={"request": request}).data)


class HeartbeatResumeView(APIView):
    api_scope = INCIDENTS_SCOPE

    @extend_schema(request=None, responses={200: HeartbeatSerializer})
    def post(self, request, pk: int):
        heartbeat = heartbeat_resume(heartbeat=get_object_or_404(Heartbeat, pk=pk))
        return Response(HeartbeatSerializer(heartbeat, context={"request": request}).data)


@csrf_exempt  # a cron job cannot send a CSRF token; the URL's secret token is the credential
def heartbeat_ping_view(request, token: str):
    if request.method not in ("GET", "POST", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST", "HEAD"])
    if not heartbeat_ping(token=token):
        raise Http404("no such heartbeat")
    return JsonResponse({"ok": True})
