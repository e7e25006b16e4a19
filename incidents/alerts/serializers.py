"""What an alert body must hold; every bad field is named in the 400, and nothing is stored.

Alertmanager and Grafana add fields over time (Grafana sends ``version`` "1", ``orgId``,
``state``, ``title``…): unknown fields are kept in the stored body and ignored here.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from incidents.alerts.alertmanager import ParsedAlert
from incidents.models import AlertIntegration, AlertStatus, EscalationPolicy, MaintenanceWindow

MAX_ALERTS = 1000


class PolicyField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "does_not_exist": "No escalation policy has the id {pk_value}.",
        "incorrect_type": "A policy id (a number) is needed, not {data_type}.",
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=EscalationPolicy.objects.all(), **kwargs)


class PolicyIdField(serializers.IntegerField):
    """A policy's id, not yet looked up: a repeat needs no policy row (its group names it), so the
    intake reads the policy only when it opens an incident, and answers a 400 there if it is gone."""

    default_error_messages = {**serializers.IntegerField.default_error_messages,
                              "invalid": "A policy id (a number) is needed."}

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=2**63 - 1, **kwargs)


class IntegrationField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "does_not_exist": "No alert integration has the id {pk_value}.",
        "incorrect_type": "An integration id (a number) is needed, not {data_type}.",
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=AlertIntegration.objects.all(), **kwargs)


class GenericAlertSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=1000)
    details = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)
    url = serializers.URLField(required=False, allow_blank=True, default="", max_length=2000)
    # Any length (the request's size bounds it): stored whole, looked up by its hash.
    dedup_key = serializers.CharField(required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=AlertStatus.choices, required=False, default=AlertStatus.FIRING)
    policy = PolicyIdField()
    # Alertmanager's label, also accepted here: critical or page open a high-urgency incident.
    severity = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)

    def validate(self, attrs):
        if attrs["status"] == AlertStatus.RESOLVED and not attrs["dedup_key"]:
            raise serializers.ValidationError({"dedup_key": ["A resolved alert needs the dedup_key of the alert "
                                                             "it resolves."]})
        return attrs

    def parsed(self) -> ParsedAlert:
        d = self.validated_data
        firing = d["status"] == AlertStatus.FIRING
        return ParsedAlert(summary=d["summary"], details=d["details"], url=d["url"], dedup_key=d["dedup_key"],
                           status=d["status"], firing=int(firing), resolved=int(not firing), severity=d["severity"])


def _string_map(value, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [f"{where} must be an object of strings."]
    return [f"{where}.{k} must be a string." for k, v in value.items() if not isinstance(v, str)]


@extend_schema_field({"type": "array", "minItems": 1, "maxItems": MAX_ALERTS, "items": {
    "type": "object", "properties": {
        "status": {"type": "string", "enum": ["firing", "resolved"]},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        "startsAt": {"type": "string"}, "endsAt": {"type": "string"},
        "generatorURL": {"type": "string"}, "fingerprint": {"type": "string"}}}})
class AlertmanagerAlertsField(serializers.Field):
    """``alerts[]``: each an object with optional ``status``, string ``labels`` and ``annotations``.

    Checked by hand rather than by a nested serializer: it runs on every repeat, and a nested
    DRF serializer per alert cost more than the rest of the repeat's validation together.
    """

    default_error_messages = {"empty": "At least one alert is needed.", "too_many": "At most {n} alerts."}

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError("A list of alerts is needed.")
        if not data:
            self.fail("empty")
        if len(data) > MAX_ALERTS:
            self.fail("too_many", n=MAX_ALERTS)
        errors = []
        for i, alert in enumerate(data):
            if not isinstance(alert, dict):
                errors.append(f"alerts[{i}] must be an object.")
                continue
            if alert.get("status", AlertStatus.FIRING) not in AlertStatus.values:
                errors.append(f"alerts[{i}].status must be firing or resolved.")
            errors += _string_map(alert.get("labels"), f"alerts[{i}].labels")
            errors += _string_map(alert.get("annotations"), f"alerts[{i}].annotations")
            url = alert.get("generatorURL")
            if url is not None and not isinstance(url, str):
                errors.append(f"alerts[{i}].generatorURL must be a string.")
        if errors:
            raise serializers.ValidationError(errors[:20])
        return data

    def to_representation(self, value):
        return value


class AlertmanagerSerializer(serializers.Serializer):
    """Alertmanager's webhook body; ``?policy=ID`` names the policy, or ``?integration=ID`` routes it."""

    status = serializers.ChoiceField(choices=AlertStatus.choices)
    groupKey = serializers.CharField()  # noqa: N815  (any length Alertmanager sends; stored whole)
    alerts = AlertmanagerAlertsField()
    receiver = serializers.CharField(required=False, allow_blank=True, default="")
    commonLabels = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False,  # noqa: N815
                                         default=dict)
    commonAnnotations = serializers.DictField(child=serializers.CharField(allow_blank=True),  # noqa: N815
                                              required=False, default=dict)
    externalURL = serializers.CharField(required=False, allow_blank=True, default="")  # noqa: N815
    policy = PolicyIdField(required=False, allow_null=True)
    integration = IntegrationField(required=False, allow_null=True)

    def validate(self, attrs):
        # Which policy pages is the intake's decision (incidents.alerts.intake.alert_route).
        if attrs.get("integration") is None and attrs.get("policy") is None:
            raise serializers.ValidationError({"policy": ["Give ?policy=ID, or ?integration=ID to route by labels."]})
        return attrs


class MaintenanceWindowSerializer(serializers.ModelSerializer):
    policy = PolicyField()

    class Meta:
        model = MaintenanceWindow
        fields = ["id", "policy", "start", "end", "reason"]

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": ["The end must be after the start."]})
        return attrs
