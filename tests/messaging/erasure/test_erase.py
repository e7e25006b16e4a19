"""Erase a person and then look for them everywhere: every row of every table of every app, and
every archive file. Their STOP and their bounce still hold; another person's history is whole.

The person is put everywhere the portal can put them the way a user would: paged for an
incident and answering it by SMS, texting STOP, reached by an API message with an email
fallback, booking a shift, on a rota, with a bounce, and with a month-old history archived.
The scan reads every model the project has, so a table added later that keeps a copy of a
number fails here until its app's eraser handles it.
"""

from __future__ import annotations

import copy
import gzip
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone

from incidents.models import EscalationLevel, EscalationPolicy, Incident
from messaging.consent.suppression import suppression_add
from messaging.history.archive import messages_archive
from messaging.models import (
    Attachment,
    AutoReplySent,
    BulkRecipient,
    BulkSend,
    ConnectEvent,
    Contact,
    DeliveryEvent,
    EmailAutoReply,
    ErasureReceipt,
    InboundEmail,
    InboundSms,
    MessageStatus,
    OptOut,
    OutboundMessage,
    SuppressionReason,
    VoiceCall,
)
from messaging.outbound.send import message_send
from oncall.models import Schedule, ScheduleMember
from shifts.models import Shift
from tests.support.aws import sms_event
from tests.support.incidents import two_way_sms
from tests.support.omnichannel import SMS_TO_EMAIL
from tests.support.ses_receipt import OURS, mime, receipt

pytestmark = pytest.mark.django_db

ANA, ANA_WA, ANA_MAIL = "+14255550123", "+14255550124", "Ana.Lopez@Example.com"
BEN, BEN_MAIL = "+14255550199", "ben@example.com"
NEEDLES = (ANA, ANA_WA, ANA_MAIL, ANA_MAIL.lower())


def _rows_naming_ana() -> list[str]:
    """Every (table, column) in the database holding one of Ana's numbers or addresses."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for row in model._base_manager.all().values():
            for column, value in row.items():
                text = bytes(value).decode("utf-8", "replace") if isinstance(value, (bytes, memoryview)) \
                    else json.dumps(value, default=str) if isinstance(value, (dict, list)) else str(value)
                if any(n in text for n in NEEDLES):
                    found.append(f"{model._meta.label}.{column}")
    return sorted(set(found))


def _archive_files_naming(folder: Path, needles) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.gz")
                  if any(n in gzip.decompress(p.read_bytes()).decode() for n in needles))


@pytest.fixture
def archive_dir(settings, tmp_path):
    settings.ARCHIVE_S3_BUCKET = ""
    settings.ARCHIVE_S3_PREFIX = ""
    settings.ARCHIVE_DIR = str(tmp_path / "archive")
    return Path(settings.ARCHIVE_DIR)


@pytest.fixture
def ana_everywhere(api, post_sns, locmem, archive_dir):
    ana = Contact.objects.create(name="Ana Lopez", phone=ANA, whatsapp=ANA_WA, email=ANA_MAIL)
    ben = Contact.objects.create(name="Ben", phone=BEN, email=BEN_MAIL)
    # A month ago: messages to both, with delivery events, then archived.
    month_ago = timezone.now() - timedelta(days=40)
    for who in (ANA, BEN, ANA_MAIL, BEN_MAIL):
        msg = message_send(channel="email" if "@" in who else "sms", recipient=who, body=f"old note to {who}",
                           subject="old" if "@" in who else "")
        OutboundMessage.objects.filter(pk=msg.pk).update(created_at=month_ago)
        DeliveryEvent.objects.create(message=msg, channel=msg.channel, event_type="delivered", recipient=who,
                                     raw={"destination": who})
    assert messages_archive(before=(timezone.now() - timedelta(days=30)).date())["outboundmessage"] == 4
    # On a rota, and paged (with Ben) for an incident, which she acknowledges by SMS.
    schedule = Schedule.objects.create(name="East gas", time_zone="America/Los_Angeles",
                                       handoff=timezone.now() - timedelta(days=1), turn_hours=168)
    ScheduleMember.objects.create(schedule=schedule, contact=ana, position=1)
    policy = EscalationPolicy.objects.create(name="Gas leak")
    level = EscalationLevel.objects.create(policy=policy, position=1, wait_seconds=300, reminders=0)
    level.contacts.set([ana, ben])
    opened = api.post("/api/v1/incidents/", {"description": "Gas smell", "policy": policy.pk}, format="json")
    assert opened.status_code == 201, opened.content
    page = OutboundMessage.objects.get(recipient=ANA, owner_id=opened.json()["id"])
    post_sns.message(sms_event(page.provider_message_id or "none", "TEXT_DELIVERED", destinationPhoneNumber=ANA))
    post_sns.message(two_way_sms(ANA, "YES", page.provider_message_id))
    post_sns.message(two_way_sms(ANA, "STOP"))
    # An API message to her, SMS then email; an email bounce; a shift she booked.
    request = copy.deepcopy(SMS_TO_EMAIL)
    request["pc"]["recipient"], request["fc"]["recipient"] = ANA_WA, ANA_MAIL
    assert api.post("/api/v1/messages/", request, format="json").status_code in (200, 201, 202)
    # An email she sent in, auto-answered (the answer, her email and the SNS body all name her).
    EmailAutoReply.objects.create(match=OURS, text="Thanks {name}")
    post_sns.message(receipt(mime(sender=f"Ana Lopez <{ANA_MAIL}>", subject="Shift question")))
    assert InboundEmail.objects.filter(contact=ana).exists() and AutoReplySent.objects.exists()
    suppression_add(address=ANA_MAIL, reason=SuppressionReason.BOUNCE, raw={"bouncedRecipients": [ANA_MAIL]})
    # A call that took a key, and the Amazon Connect event about it, which carries her number.
    call = message_send(channel="voice", recipient=ANA, body="Gas smell. Press 4 to acknowledge.")
    contact_id = call.provider_message_id or "c-1"
    VoiceCall.objects.create(provider_message_id=contact_id, message=call)
    ConnectEvent.objects.create(event_id="ev-1", event_type="DISCONNECTED", contact_id=contact_id,
                                raw={"detail": {"customerEndpoint": {"address": ANA, "type": "TELEPHONE_NUMBER"}}})
    # Her own statement, attached to her row of a bulk email (a per-recipient file from S3).
    statement = f"Statement for {ANA_MAIL}".encode()
    own = Attachment.objects.create(filename="statement.txt", content_type="text/plain", size=len(statement),
                                    sha256="a" * 64, content=statement)
    bulk = BulkSend.objects.create(name="Statements", template="Hi", source="api", channel="email")
    BulkRecipient.objects.create(bulk=bulk, address=ANA_MAIL, columns={"_attachment": str(own.pk)})
    Shift.objects.create(code="X1", info="Night", starts_at=timezone.now() + timedelta(days=2),
                         ends_at=timezone.now() + timedelta(days=2, hours=8), time_zone="UTC",
                         booked_by=ana, booked_phone=ANA, status="booked")
    return {"ana": ana, "ben": ben, "incident": Incident.objects.get(pk=opened.json()["id"])}


def test_erase_leaves_nothing_that_names_the_person_and_her_opt_outs_hold(api, ana_everywhere, archive_dir):
    ana, incident = ana_everywhere["ana"], ana_everywhere["incident"]
    assert _rows_naming_ana(), "the fixture put Ana in the database"
    assert _archive_files_naming(archive_dir, NEEDLES), "and in the archive"
    ben_before = OutboundMessage.objects.filter(recipient__in=[BEN, BEN_MAIL]).count()
    ben_files = _archive_files_naming(archive_dir, [BEN])

    response = api.post(f"/api/v1/contacts/{ana.pk}/erase/", format="json")

    assert response.status_code == 200, response.content
    erased = response.json()["erased"]
    assert erased["messages"] >= 4 and erased["inbound"] == 2 and erased["events"] >= 1 and erased["archived"] >= 2
    assert _rows_naming_ana() == []
    assert _archive_files_naming(archive_dir, NEEDLES) == []
    # Ben's history is whole, in the database and in the archive.
    assert OutboundMessage.objects.filter(recipient__in=[BEN, BEN_MAIL]).count() == ben_before
    assert _archive_files_naming(archive_dir, [BEN]) == ben_files != []
    # The incident stays, with the erased person in her place.
    detail = api.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert detail["id"] == incident.pk
    assert "erased contact" in json.dumps(Incident.objects.get(pk=incident.pk).snapshot)
    # Her STOP and her bounce still hold: a new send to the number or the address is refused.
    assert message_send(channel="sms", recipient=ANA, body="hello again").status == MessageStatus.SUPPRESSED
    assert message_send(channel="email", recipient=ANA_MAIL, subject="hi",
                        body="hello again").status == MessageStatus.SUPPRESSED
    assert OptOut.objects.filter(phone__startswith="h:", active=True).count() == 1
    # The receipt says who asked and how much went, and names no number or address.
    receipt = ErasureReceipt.objects.get()
    assert receipt.requested_by.startswith("API key") and receipt.counts["messages"] == erased["messages"]
    assert not any(n in json.dumps(receipt.counts) + receipt.contact_ref for n in NEEDLES)


def test_erase_an_unknown_or_already_erased_contact_is_404(api, ana_everywhere):
    ana = ana_everywhere["ana"]
    assert api.post(f"/api/v1/contacts/{ana.pk}/erase/").status_code == 200
    again = api.post(f"/api/v1/contacts/{ana.pk}/erase/")
    assert again.status_code == 404 and "contact" in again.json()["detail"].lower()
    assert api.post("/api/v1/contacts/999999/erase/").status_code == 404


def test_start_from_an_erased_number_opts_it_back_in(api, ana_everywhere, post_sns):
    api.post(f"/api/v1/contacts/{ana_everywhere['ana'].pk}/erase/")
    post_sns.message(two_way_sms(ANA, "START"))
    assert message_send(channel="sms", recipient=ANA, body="welcome back").status != MessageStatus.SUPPRESSED


def test_inbound_keeps_working_for_everyone_else(ana_everywhere, api, post_sns):
    api.post(f"/api/v1/contacts/{ana_everywhere['ana'].pk}/erase/")
    post_sns.message(two_way_sms(BEN, "YES"))
    assert InboundSms.objects.filter(origination_number=BEN).exists()
