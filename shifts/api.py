"""The shifts JSON API: thin views over shifts.services and shifts.selectors."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.contacts import allow_list_add
from shifts import selectors, services
from shifts.apps import SHIFTS_SCOPE
from shifts.serializers import (
    AllowListSerializer,
    ShiftCampaignCreatedSerializer,
    ShiftCampaignSerializer,
    ShiftListQuerySerializer,
    ShiftSerializer,
)


class ShiftListCreateView(APIView):
    api_scope = SHIFTS_SCOPE

    @extend_schema(request=ShiftSerializer, responses={201: ShiftSerializer})
    def post(self, request):
        ser = ShiftSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            shift = services.shift_create(**ser.validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response(ShiftSerializer(shift).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ShiftListQuerySerializer], responses={200: ShiftSerializer(many=True)})
    def get(self, request):
        q = ShiftListQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        rows = selectors.shifts_list(status=q.validated_data.get("status"), limit=q.validated_data["limit"])
        return Response({"results": ShiftSerializer(rows, many=True).data})


class ShiftDetailView(APIView):
    api_scope = SHIFTS_SCOPE

    @extend_schema(responses={200: ShiftSerializer})
    def get(self, request, code: str):
        # No stored code holds a NUL, and PostgreSQL refuses one even in a lookup.
        shift = selectors.shift_get(code=code) if "\x00" not in code else None
        if shift is None:
            raise Http404
        return Response(ShiftSerializer(shift).data)


class ShiftCampaignCreateView(APIView):
    api_scope = SHIFTS_SCOPE

    @extend_schema(request=ShiftCampaignSerializer, responses={201: ShiftCampaignCreatedSerializer})
    def post(self, request):
        ser = ShiftCampaignSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        campaign, recipients = services.campaign_launch(**ser.validated_data)
        return Response({"id": campaign.pk, "recipients": recipients}, status=status.HTTP_201_CREATED)


class AllowListCreateView(APIView):
    """POST allow-list/: the allow-list has one scope today, the shifts', so its call is theirs."""

    api_scope = SHIFTS_SCOPE

    @extend_schema(request=AllowListSerializer, responses={201: AllowListSerializer, 200: AllowListSerializer})
    def post(self, request):
        ser = AllowListSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        entry, created = allow_list_add(**ser.validated_data)
        return Response({"id": entry.pk, "phone": entry.phone, "scope": entry.scope},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
