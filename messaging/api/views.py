"""The messaging core's JSON API: thin views over the contact and message-log services."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.api.keys import api_key_sent_by
from messaging.api.serializers import (
    ContactErasedSerializer,
    ContactSerializer,
    MessageLogQuerySerializer,
    MessageLogSerializer,
)
from messaging.contacts import contact_upsert
from messaging.erasure.services import contact_erase
from messaging.models import ApiScope, Contact
from messaging.notification_rules import notification_rules_set
from messaging.selectors import message_log_list


class ContactCreateView(APIView):
    api_scope = ApiScope.CONTACTS

    @extend_schema(request=ContactSerializer, responses={201: ContactSerializer, 200: ContactSerializer})
    def post(self, request):
        ser = ContactSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        rules = data.pop("rules", None)
        with transaction.atomic():
            contact, created = contact_upsert(**data)
            if rules is not None:
                notification_rules_set(contact=contact, rules=rules)
        return Response(ContactSerializer(contact).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ContactEraseView(APIView):
    """Erase a contact and every trace of them; their opt-outs keep holding (README, "Erasing a person")."""

    api_scope = ApiScope.CONTACTS

    @extend_schema(request=None, responses={200: ContactErasedSerializer})
    def post(self, request, pk: int):
        try:
            receipt = contact_erase(contact_id=pk, requested_by=f"API key {request.user}")
        except Contact.DoesNotExist:
            raise NotFound("No contact with that id.") from None
        return Response(ContactErasedSerializer({"erased": receipt.counts, "receipt": receipt.pk}).data)


class MessageLogView(APIView):
    api_scope = ApiScope.LOG

    @extend_schema(parameters=[MessageLogQuerySerializer], responses={200: MessageLogSerializer(many=True)})
    def get(self, request):
        q = MessageLogQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        rows = message_log_list(**q.validated_data, sent_by=api_key_sent_by(key=request.auth))
        return Response({"results": MessageLogSerializer(rows, many=True).data})


