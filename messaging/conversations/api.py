"""Conversations in the JSON API (CONTRACT.md, "Conversations"): thin views over the selectors
and services; scope ``log`` reads, ``messages`` answers.

The phone in the path is E.164 with ``+`` written as ``%2B`` (Django has decoded it by now); a
phone that is not E.164 is a 400 naming ``phone``, never a 404 or a 500.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from messaging.api.keys import api_key_sent_by
from messaging.conversations.models import Conversation
from messaging.conversations.selectors import conversation_thread, conversations_list, conversations_list_sent_by
from messaging.conversations.services import conversation_answer, conversation_done
from messaging.models import ApiScope, Channel, InboundSms, OutboundMessage
from messaging.phones import phone_normalize

_ROW = inline_serializer("ConversationRow", {
    "phone": serializers.CharField(), "contact": serializers.CharField(allow_null=True),
    "last_at": serializers.DateTimeField(), "last_body": serializers.CharField(),
    "needs_reply": serializers.BooleanField()})
_ANSWER = inline_serializer("ConversationAnswer", {
    "body": serializers.CharField(),
    "channel": serializers.ChoiceField(choices=[Channel.SMS, Channel.WHATSAPP], required=False)})


class _BadRequest(Exception):
    def __init__(self, errors: dict):
        self.errors = errors


def _phone(raw: str) -> str:
    try:
        if raw != raw.strip() or not raw.startswith("+"):
            raise ValidationError("A phone number in E.164 form is required, e.g. %2B12065550100 for +12065550100.")
        return phone_normalize(raw)
    except ValidationError as exc:
        raise _BadRequest({"phone": exc.messages}) from exc


def _known(phone: str) -> bool:
    return (Conversation.objects.filter(phone=phone).exists()
            or InboundSms.objects.filter(origination_number=phone).exists()
            or OutboundMessage.objects.filter(channel=Channel.SMS, recipient=phone).exists())


def _bad(exc: _BadRequest) -> Response:
    return Response(exc.errors, status=status.HTTP_400_BAD_REQUEST)


def _not_found(phone: str) -> Response:
    return Response({"detail": f"No conversation with {phone}."}, status=status.HTTP_404_NOT_FOUND)


class ConversationListView(APIView):
    api_scope = ApiScope.LOG

    @extend_schema(operation_id="conversations_list",
                   parameters=[OpenApiParameter("needs_reply", bool, required=False)],
                   responses={200: inline_serializer("ConversationList", {"results": _ROW})})
    def get(self, request):
        raw = request.query_params.get("needs_reply")
        choices = {"true": True, "1": True, "false": False, "0": False, None: None}
        if raw not in choices:
            return Response({"needs_reply": ["Must be true or false."]}, status=status.HTTP_400_BAD_REQUEST)
        sent_by = api_key_sent_by(key=request.auth)
        rows = (conversations_list(needs_reply=choices[raw]) if sent_by is None
                else conversations_list_sent_by(sent_by=sent_by, needs_reply=choices[raw]))
        return Response({"results": [{k: r[k] for k in ("phone", "contact", "last_at", "last_body", "needs_reply")}
                                     for r in rows]})


class ConversationThreadView(APIView):
    api_scope = ApiScope.LOG

    @extend_schema(operation_id="conversations_thread", responses={200: inline_serializer("ConversationThread", {
        "phone": serializers.CharField(), "contact": serializers.CharField(allow_null=True),
        "needs_reply": serializers.BooleanField(), "messages": serializers.ListField(child=serializers.DictField())})})
    def get(self, request, phone: str):
        try:
            phone = _phone(phone)
        except _BadRequest as exc:
            return _bad(exc)
        sent_by = api_key_sent_by(key=request.auth)
        thread = conversation_thread(phone=phone, sent_by=sent_by)
        if not thread["messages"] and thread["conversation"] is None:
            return _not_found(phone)
        keys = ("direction", "channel", "body", "at", "status", "about")
        return Response({"phone": phone, "contact": thread["contact"], "needs_reply": thread["needs_reply"],
                         "messages": [{k: m[k] for k in keys} for m in thread["messages"]]})


class ConversationAnswerView(APIView):
    api_scope = ApiScope.MESSAGES

    @extend_schema(operation_id="conversations_answer", request=_ANSWER,
                   responses={201: inline_serializer("ConversationAnswered", {
                       "id": serializers.IntegerField(), "status": serializers.CharField()})})
    def post(self, request, phone: str):
        try:
            phone = _phone(phone)
            data = request.data
            if not isinstance(data, dict):
                raise _BadRequest({"non_field_errors": ["Send a JSON object: {\"body\": \"…\"}."]})
            errors = {}
            body, channel = data.get("body"), data.get("channel", Channel.SMS)
            if not isinstance(body, str):
                errors["body"] = ["This field is required and must be text."]
            if not isinstance(channel, str):
                errors["channel"] = ["Answer by sms or whatsapp."]
            if errors:
                raise _BadRequest(errors)
            message = conversation_answer(phone=phone, body=body, channel=channel)
        except _BadRequest as exc:
            return _bad(exc)
        return Response({"id": message.pk, "status": message.status}, status=status.HTTP_201_CREATED)


class ConversationDoneView(APIView):
    api_scope = ApiScope.MESSAGES

    @extend_schema(operation_id="conversations_done", request=inline_serializer("ConversationDone", {}),
                   responses={200: inline_serializer("ConversationDoneReply", {
                       "phone": serializers.CharField(), "needs_reply": serializers.BooleanField()})})
    def post(self, request, phone: str):
        try:
            phone = _phone(phone)
            if not isinstance(request.data, dict):
                raise _BadRequest({"non_field_errors": ["Send a JSON object: {}."]})
        except _BadRequest as exc:
            return _bad(exc)
        if not _known(phone):
            return _not_found(phone)
        conversation = conversation_done(phone=phone)
        # No message in the answer: a key that may answer need not be one that may read every
        # message (the last line may be another key's one-time code).
        return Response({"phone": phone, "needs_reply": conversation.needs_reply})
