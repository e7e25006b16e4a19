"""``POST /api/v1/contacts/import/`` and ``GET /api/v1/imports/{id}/``: contacts from a CSV body.

The body is never parsed by DRF (which would read it whole into memory): the view hands the
raw stream to ``contacts_import_receive``, which imports a small file in the request and
stores a large one for a worker. A body announced as over the limit is refused before a byte
of it is read.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.audience.csv_stream import ImportInvalid
from messaging.audience.receive import body_pieces, contacts_import_receive
from messaging.audience.uploads import UploadTooLarge
from messaging.models import ApiScope, ImportRun


class CsvBodyParser(BaseParser):
    """Declares the media types the view takes; the view reads the body itself, as a stream."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class PlainTextBodyParser(CsvBodyParser):
    media_type = "text/plain"  # what curl --data-binary and some spreadsheets send for a .csv


def _body_read(request):
    """``read(n)`` over the raw body: Django's stream when a length is given, or the server's own
    when the body is chunked (gunicorn ends it; Django would read such a body as empty)."""
    meta = request.META
    if meta.get("CONTENT_LENGTH"):
        return request._request.read
    if meta.get("wsgi.input_terminated"):
        return meta["wsgi.input"].read
    return lambda n: b""


def _too_large() -> Response:
    limit = settings.CONTACT_IMPORT_MAX_BYTES
    return Response({"detail": f"The file is larger than {limit:,} bytes (CONTACT_IMPORT_MAX_BYTES).",
                     "limit_bytes": limit}, status=413)


class ContactsImportView(APIView):
    api_scope = ApiScope.CONTACTS
    parser_classes = [CsvBodyParser, PlainTextBodyParser]

    @extend_schema(
        request={"text/csv": {"type": "string", "format": "binary"}},
        responses={
            200: inline_serializer("ContactsImported", {"created": serializers.IntegerField(),
                                                        "updated": serializers.IntegerField()}),
            202: inline_serializer("ContactsImportQueued", {"import": serializers.IntegerField(),
                                                            "status": serializers.CharField()}),
        },
        examples=[OpenApiExample("file", value="name,phone,email,whatsapp,tags\nAda,+12065550100,,,nurses;day\n",
                                 request_only=True, media_type="text/csv")],
    )
    def post(self, request):
        if request.content_type and request.negotiator.select_parser(request, self.get_parsers()) is None:
            raise exceptions.UnsupportedMediaType(request.content_type)
        try:
            announced = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            announced = 0
        if announced > settings.CONTACT_IMPORT_MAX_BYTES:
            return _too_large()
        try:
            result = contacts_import_receive(pieces=body_pieces(_body_read(request)), created_by=None)
        except UploadTooLarge:
            return _too_large()
        except ImportInvalid as exc:
            return Response(exc.as_body(), status=400)
        if isinstance(result, ImportRun):
            return Response({"import": result.pk, "status": result.status}, status=202)
        return Response({"created": result.created, "updated": result.updated})


class ImportRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    rows = serializers.IntegerField(source="total", help_text="Rows in the file (counted so far while checking).")
    done_rows = serializers.IntegerField(source="done", help_text="Rows written.")
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField(), help_text="The first 100 bad lines.")
    error_count = serializers.IntegerField()
    error = serializers.CharField()


class ImportRunView(APIView):
    api_scope = ApiScope.CONTACTS

    @extend_schema(responses={200: ImportRunSerializer})
    def get(self, request, pk: int):
        run = get_object_or_404(ImportRun, pk=pk, kind="contacts")
        return Response(ImportRunSerializer(run).data)
