"""Templates in the JSON API (CONTRACT.md, "Templates and topics"): scope ``messages`` writes,
``log`` reads. Thin: the services check and write."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.models import ApiScope, Channel, Template
from messaging.templates.services import TemplateInvalid, template_save


class VariantSerializer(serializers.Serializer):
    # The same values as every channel (messaging.models.Channel): one enum in the API's schema.
    channel = serializers.ChoiceField(choices=Channel.choices)
    locale = serializers.CharField(required=False, allow_blank=True, default="", max_length=16)
    body = serializers.CharField(required=False, allow_blank=True, default="", max_length=100_000)
    subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=998)
    html = serializers.CharField(required=False, allow_blank=True, default="", max_length=500_000)
    whatsapp_template = serializers.CharField(required=False, allow_blank=True, default="", max_length=512)
    whatsapp_language = serializers.CharField(required=False, allow_blank=True, default="", max_length=16)
    whatsapp_parameters = serializers.ListField(child=serializers.CharField(max_length=100), required=False,
                                                default=list, max_length=100)


class TemplateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    placeholders = serializers.ListField(child=serializers.CharField(max_length=100), required=False,
                                         default=list, max_length=100)
    variants = VariantSerializer(many=True, allow_empty=False, max_length=200)


def template_json(template: Template) -> dict:
    return {"id": template.pk, "name": template.name, "description": template.description,
            "placeholders": template.placeholders,
            "variants": [{"channel": v.channel, "locale": v.locale, "body": v.body, "subject": v.subject,
                          "html": v.html, "whatsapp_template": v.whatsapp_template,
                          "whatsapp_language": v.whatsapp_language, "whatsapp_parameters": v.whatsapp_parameters}
                         for v in template.variants.all()]}


class ReadOrWrite:
    """``log`` to read, ``messages`` to write (the auth reads ``api_scope`` once the request is set)."""

    @property
    def api_scope(self):
        return ApiScope.LOG if self.request.method in ("GET", "HEAD", "OPTIONS") else ApiScope.MESSAGES


class TemplateListView(ReadOrWrite, APIView):
    @extend_schema(operation_id="templates_list",
                   responses={200: inline_serializer("TemplateList", {"results": TemplateSerializer(many=True)})})
    def get(self, request):
        return Response({"results": [template_json(t) for t in Template.objects.prefetch_related("variants")]})

    @extend_schema(request=TemplateSerializer, responses={201: TemplateSerializer, 200: TemplateSerializer})
    def post(self, request):
        ser = TemplateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            template, created = template_save(**ser.validated_data)
        except TemplateInvalid as exc:
            return Response(exc.detail, status=status.HTTP_400_BAD_REQUEST)
        return Response(template_json(template), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class TemplateDetailView(ReadOrWrite, APIView):
    @extend_schema(responses={200: TemplateSerializer})
    def get(self, request, pk: int):
        template = Template.objects.prefetch_related("variants").filter(pk=pk).first()
        if template is None:
            return Response({"detail": f"No template {pk}."}, status=status.HTTP_404_NOT_FOUND)
        return Response(template_json(template))
