"""``POST /api/v1/contacts/import/``: a CSV body in, counts or every bad line out."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.audience.contacts_import import ImportInvalid, contacts_import
from messaging.models import ApiScope


class CsvBodyParser(BaseParser):
    """The body as bytes: the import decodes it itself, so a non-UTF-8 file is a 400 naming the line."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class PlainTextBodyParser(CsvBodyParser):
    media_type = "text/plain"  # what curl --data-binary and some spreadsheets send for a .csv


class ContactsImportView(APIView):
    api_scope = ApiScope.CONTACTS
    parser_classes = [CsvBodyParser, PlainTextBodyParser]

    @extend_schema(
        request={"text/csv": {"type": "string", "format": "binary"}},
        responses={200: inline_serializer("ContactsImported", {"created": serializers.IntegerField(),
                                                                "updated": serializers.IntegerField()})},
        examples=[OpenApiExample("file", value="name,phone,email,whatsapp,tags\nAda,+12065550100,,,nurses;day\n",
                                 request_only=True, media_type="text/csv")],
    )
    def post(self, request):
        data = request.data if isinstance(request.data, bytes) else b""
        try:
            result = contacts_import(data=data)
        except ImportInvalid as exc:
            return Response({"errors": [e.as_dict() for e in exc.errors]}, status=400)
        return Response({"created": result.created, "updated": result.updated})
