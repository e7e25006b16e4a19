"""The alert endpoints: validate, then hand the body to the intake service. Nothing decided here."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.alerts.alertmanager import alertmanager_parse
from incidents.alerts.intake import AlertOutcome, alert_receive
from incidents.alerts.maintenance import maintenance_window_save
from incidents.alerts.serializers import AlertmanagerSerializer, GenericAlertSerializer, MaintenanceWindowSerializer
from incidents.apps import INCIDENTS_SCOPE
from incidents.models import AlertSource, MaintenanceWindow


class AlertReplySerializer(serializers.Serializer):
    incident = serializers.IntegerField(allow_null=True)
    created = serializers.BooleanField()
    resolved = serializers.BooleanField()


class AlertAcceptedSerializer(AlertReplySerializer):
    alert = serializers.IntegerField(help_text="The stored alert the portal will act on again.")
    retrying = serializers.BooleanField()


def _reply(outcome: AlertOutcome) -> Response:
    body = {"incident": outcome.incident_id, "created": outcome.created, "resolved": outcome.resolved}
    if outcome.failed_alert is not None:
        # Stored, but acting failed: accepted all the same (the retry sweep finishes it), so the
        # sender does not send it again and have it acted on twice.
        return Response({**body, "alert": outcome.failed_alert, "retrying": True}, status=status.HTTP_202_ACCEPTED)
    return Response(body, status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK)


_REPLIES = {200: AlertReplySerializer, 201: AlertReplySerializer, 202: AlertAcceptedSerializer}


class GenericAlertView(APIView):
    api_scope = INCIDENTS_SCOPE

    @extend_schema(request=GenericAlertSerializer, responses=_REPLIES)
    def post(self, request):
        ser = GenericAlertSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        return _reply(alert_receive(source=AlertSource.GENERIC, body=request.data,
                                    policy_id=ser.validated_data["policy"], parsed=ser.parsed()))


class AlertmanagerView(APIView):
    api_scope = INCIDENTS_SCOPE

    @extend_schema(request=AlertmanagerSerializer, responses=_REPLIES,
                   parameters=[OpenApiParameter("policy", int, description="The escalation policy the group pages."),
                               OpenApiParameter("integration", int, description="Route by labels instead "
                                                "(the integration's routes, else its default policy).")])
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["The body must be a JSON object."]})
        query = {name: request.query_params.get(name) for name in ("policy", "integration")}
        ser = AlertmanagerSerializer(data={**data, **query})
        ser.is_valid(raise_exception=True)
        return _reply(alert_receive(source=AlertSource.ALERTMANAGER, body=request.data,
                                    policy_id=ser.validated_data.get("policy"),
                                    integration=ser.validated_data.get("integration"),
                                    parsed=alertmanager_parse(request.data)))


class MaintenanceWindowView(APIView):
    api_scope = INCIDENTS_SCOPE

    @extend_schema(request=MaintenanceWindowSerializer, responses={201: MaintenanceWindowSerializer})
    def post(self, request):
        ser = MaintenanceWindowSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        window = maintenance_window_save(window=MaintenanceWindow(**ser.validated_data,
                                                                  created_by=f"API key {request.user}"))
        return Response(MaintenanceWindowSerializer(window).data, status=status.HTTP_201_CREATED)
