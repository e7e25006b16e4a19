"""The incidents JSON API: open, read (with the timeline) and resolve.

Parsing and the read shape only: opening (with the contacts it needs) and
resolving are services, the timeline and the chain's numbers come from selectors and the
snapshot reader, so the API decides nothing the admin would not decide the same way.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.apps import INCIDENTS_SCOPE
from incidents.models import EscalationPolicy, Incident, Urgency
from incidents.policies import LevelSpec, policy_create
from incidents.selectors import incident_alert_count, incident_timeline, policy_is_pageable
from incidents.services import (
    DEFAULT_REMINDERS,
    DEFAULT_WAIT_SECONDS,
    incident_open,
    incident_open_for_phones,
    incident_resolve,
)
from incidents.snapshots import snapshot_phones
from messaging.api.fields import E164Field
from messaging.models import Channel
from messaging.values import limits
from oncall.models import Schedule


class NoUrlOrURLField(serializers.URLField):
    """A URL, or the seed's "no url" (any case, surrounding spaces), which is stored as no URL."""

    def run_validation(self, data=serializers.empty):
        if isinstance(data, str) and data.strip().lower() == "no url":
            data = ""
        return super().run_validation(data)


class IncidentCreateSerializer(serializers.Serializer):
    description = serializers.CharField()
    url = NoUrlOrURLField(required=False, allow_blank=True, default="", max_length=2000,
                          help_text='A link for the people paged; "no url" (or empty) when there is none.')
    contacts = serializers.ListField(child=E164Field(), required=False, max_length=limits.CONTACTS_MAX)
    policy = serializers.PrimaryKeyRelatedField(queryset=EscalationPolicy.objects.all(), required=False,
                                                help_text="Page this policy's chain instead of contacts.",
                                                error_messages={"does_not_exist": "No policy with id {pk_value}."})
    # The AWS sample's two fixed contacts, accepted in place of ``contacts``.
    first_contact = E164Field(required=False)
    second_contact = E164Field(required=False)
    wait_seconds = serializers.IntegerField(required=False, min_value=limits.WAIT_SECONDS_MIN,
                                            max_value=limits.WAIT_SECONDS_MAX,
                                            default=DEFAULT_WAIT_SECONDS)
    reminders = serializers.IntegerField(required=False, min_value=0, max_value=limits.REMINDERS_MAX,
                                         default=DEFAULT_REMINDERS)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False,
                                      help_text="Which notification rules run; default the policy's, else high.")

    def validate(self, attrs):
        phones = list(attrs.get("contacts") or [])
        if attrs.get("policy") is not None:
            if phones or attrs.get("first_contact") or attrs.get("second_contact"):
                raise serializers.ValidationError({"policy": ["Give a policy or contacts, not both."]})
            if not policy_is_pageable(policy=attrs["policy"]):
                raise serializers.ValidationError({"policy": ["This policy has no level with anyone to page."]})
            attrs["phones"] = []
            return attrs
        if not phones:
            phones = [attrs[k] for k in ("first_contact", "second_contact") if attrs.get(k)]
        if not phones:
            raise serializers.ValidationError({"contacts": ["Give at least one phone number to page."]})
        attrs["phones"] = list(dict.fromkeys(phones))
        return attrs


class IncidentSerializer(serializers.Serializer):
    """Read shape: the contract's fields plus reference, url, level and times."""

    def to_representation(self, incident: Incident):
        events = incident_timeline(incident=incident)
        return {
            "id": incident.pk,
            "reference": incident.reference,
            "description": incident.description,
            "url": incident.url,
            "status": incident.status,
            "urgency": incident.urgency,
            "level": incident.level,
            "round": incident.round,
            "acknowledged_by": incident.acknowledged_by.phone if incident.acknowledged_by else None,
            "acknowledged_at": incident.acknowledged_at,
            "resolved_by": incident.resolved_by or None,
            "resolved_at": incident.resolved_at,
            "created_at": incident.created_at,
            "next_step_at": incident.next_step_at,
            "contacts": snapshot_phones(incident=incident),
            "policy": incident.policy_id,
            "alerts": incident_alert_count(incident=incident),
            "timeline": [
                {"at": e.at, "event": e.kind,
                 "contact": e.contact.phone if e.contact else (
                     e.message.recipient if e.message and e.message.channel in (Channel.SMS, Channel.VOICE) else None),
                 "level": e.level, "note": e.note, "message_id": e.message_id, "inbound_id": e.inbound_id}
                for e in events
            ],
        }


class IncidentCreateView(APIView):
    api_scope = INCIDENTS_SCOPE

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentSerializer})
    def post(self, request):
        ser = IncidentCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        if data.get("policy") is not None:
            incident = incident_open(description=data["description"], url=data["url"], policy=data["policy"],
                                     created_by=f"API key {request.user}", urgency=data.get("urgency"))
        else:
            incident = incident_open_for_phones(
                description=data["description"], url=data["url"], phones=data["phones"],
                wait_seconds=data["wait_seconds"], reminders=data["reminders"], created_by=f"API key {request.user}",
                urgency=data.get("urgency"))
        body = {"id": incident.pk, "status": incident.status, "reference": incident.reference}
        return Response(body, status=status.HTTP_201_CREATED)


class IncidentDetailView(APIView):
    api_scope = INCIDENTS_SCOPE

    @extend_schema(responses={200: IncidentSerializer})
    def get(self, request, pk: int):
        return Response(IncidentSerializer(get_object_or_404(Incident, pk=pk)).data)


class IncidentResolveSerializer(serializers.Serializer):
    resolved_by = serializers.CharField(required=False, max_length=200)


class IncidentResolveView(APIView):
    api_scope = INCIDENTS_SCOPE

    @extend_schema(request=IncidentResolveSerializer, responses={200: IncidentSerializer})
    def post(self, request, pk: int):
        get_object_or_404(Incident, pk=pk)
        ser = IncidentResolveSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        incident = incident_resolve(incident_id=pk,
                                    resolved_by=ser.validated_data.get("resolved_by") or f"API key {request.user}")
        return Response(IncidentSerializer(incident).data)


class PolicyLevelSerializer(serializers.Serializer):
    contacts = serializers.ListField(child=E164Field(), required=False, default=list, max_length=limits.CONTACTS_MAX)
    schedule = serializers.PrimaryKeyRelatedField(queryset=Schedule.objects.all(), required=False, allow_null=True,
                                                  default=None, help_text="Page whoever is on call on it when "
                                                                          "the level starts.",
                                                  error_messages={"does_not_exist": "No schedule with id {pk_value}."})
    wait_seconds = serializers.IntegerField(min_value=limits.WAIT_SECONDS_MIN, max_value=limits.WAIT_SECONDS_MAX,
                                            default=DEFAULT_WAIT_SECONDS)
    reminders = serializers.IntegerField(min_value=0, max_value=limits.REMINDERS_MAX, default=DEFAULT_REMINDERS)
    voice = serializers.BooleanField(required=False, default=False)
    ack_all = serializers.BooleanField(required=False, default=False,
                                       help_text="Acknowledged only once everyone on the level has acknowledged.")

    def validate(self, attrs):
        if not attrs["contacts"] and attrs["schedule"] is None:
            raise serializers.ValidationError({"contacts": ["A level needs contacts, a schedule, or both."]})
        return attrs


class PolicyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    levels = PolicyLevelSerializer(many=True, allow_empty=False, max_length=limits.LEVELS_MAX)
    repeat = serializers.IntegerField(min_value=0, max_value=limits.REPEAT_MAX, default=0)
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False, default=Urgency.HIGH)

    def validate_name(self, value):
        if EscalationPolicy.objects.filter(name=value.strip()).exists():
            raise serializers.ValidationError("A policy with this name already exists.")
        return value.strip()


def policy_json(policy: EscalationPolicy) -> dict:
    levels = policy.levels.prefetch_related("contacts").order_by("position", "id")
    return {"id": policy.pk, "name": policy.name, "urgency": policy.urgency, "repeat": policy.repeat,
            "levels": [{"contacts": [c.phone for c in sorted(level.contacts.all(), key=lambda c: c.pk)],
                        "schedule": level.schedule_id, "wait_seconds": level.wait_seconds,
                        "reminders": level.reminders, "voice": level.voice, "ack_all": level.ack_all}
                       for level in levels]}


class PolicyCreateView(APIView):
    api_scope = INCIDENTS_SCOPE

    @extend_schema(request=PolicyCreateSerializer, responses={201: dict})
    def post(self, request):
        ser = PolicyCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        levels = [LevelSpec(phones=list(dict.fromkeys(level["contacts"])),
                            schedule=level["schedule"], wait_seconds=level["wait_seconds"],
                            reminders=level["reminders"], voice=level["voice"], ack_all=level["ack_all"])
                  for level in data["levels"]]
        policy = policy_create(name=data["name"], levels=levels, repeat=data["repeat"], urgency=data["urgency"])
        return Response(policy_json(policy), status=status.HTTP_201_CREATED)


class PolicyDetailView(APIView):
    api_scope = INCIDENTS_SCOPE

    @extend_schema(responses={200: dict})
    def get(self, request, pk: int):
        return Response(policy_json(get_object_or_404(EscalationPolicy, pk=pk)))
