"""The on-call JSON API: create a schedule, ask who is on call, add an override.

Thin views: validation in oncall/serializers.py, changes in oncall/services.py, the answer from
the one selector. Schedules belong with incidents for API keys (scope ``incidents``), because
paging is what they are for.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.models import Contact
from oncall import services
from oncall.calendars import calendar_feed_create
from oncall.selectors import oncall_at, schedule_get, schedule_zone
from oncall.serializers import (
    CalendarFeedCreateSerializer,
    OnCallQuerySerializer,
    OverrideCreateSerializer,
    ScheduleCreateSerializer,
    oncall_json,
    override_json,
    schedule_json,
)

# The contract gives on-call calls the incidents scope, which incidents declares (IncidentsConfig);
# on call depends on no other app, so it names the scope rather than importing it.
ONCALL_SCOPE = "incidents"


def _schedule_or_404(pk: int):
    schedule = schedule_get(pk=pk)
    if schedule is None:
        raise Http404
    return schedule


class ScheduleCreateView(APIView):
    api_scope = ONCALL_SCOPE

    @extend_schema(request=ScheduleCreateSerializer, responses={201: dict})
    def post(self, request):
        ser = ScheduleCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        schedule = services.schedule_create(
            name=data["name"], time_zone=data["time_zone"], handoff=data["handoff"], turn_hours=data["turn_hours"],
            member_phones=list(dict.fromkeys(data["members"])),
            notice_minutes=data["notice_minutes"])
        return Response(schedule_json(schedule), status=status.HTTP_201_CREATED)


class ScheduleDetailView(APIView):
    api_scope = ONCALL_SCOPE

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        return Response(schedule_json(_schedule_or_404(pk)))


class OnCallView(APIView):
    api_scope = ONCALL_SCOPE

    @extend_schema(parameters=[OnCallQuerySerializer], responses={200: dict})
    def get(self, request, pk: int):
        schedule = _schedule_or_404(pk)
        query = OnCallQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(oncall_json(oncall_at(schedule=schedule, at=query.validated_data.get("at"))))


class OverrideCreateView(APIView):
    api_scope = ONCALL_SCOPE

    @extend_schema(request=OverrideCreateSerializer, responses={201: dict})
    def post(self, request, pk: int):
        schedule = _schedule_or_404(pk)
        ser = OverrideCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        override = services.override_add(
            schedule=schedule, phone=data["phone"], start=data["start"],
            end=data["end"], note=data["note"], created_by=f"API key {request.user}")
        return Response(override_json(override, schedule_zone(schedule=schedule)), status=status.HTTP_201_CREATED)


class CalendarFeedCreateView(APIView):
    api_scope = ONCALL_SCOPE

    @extend_schema(request=CalendarFeedCreateSerializer, responses={201: dict})
    def post(self, request, pk: int):
        schedule = _schedule_or_404(pk)
        ser = CalendarFeedCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        phone = ser.validated_data.get("phone")
        contact = None
        if phone:
            contact = Contact.objects.filter(phone=phone).first()
            if contact is None:
                raise ValidationError({"phone": f"{phone} is not on the schedule {schedule.name}."})
        new = calendar_feed_create(schedule=schedule, contact=contact, created_by=f"API key {request.user}")
        return Response({"url": request.build_absolute_uri(new.path())}, status=status.HTTP_201_CREATED)
