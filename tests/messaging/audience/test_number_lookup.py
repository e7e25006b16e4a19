"""NUMBER_LOOKUP=aws: End User Messaging's CarrierLookup, stubbed against botocore's real service model."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from django.utils import timezone

from messaging.audience.number_types import numbers_lookup
from messaging.models import Contact, NumberType

pytestmark = pytest.mark.django_db


@pytest.fixture
def lookup(settings):
    settings.NUMBER_LOOKUP = "aws"
    settings.NUMBER_LOOKUPS_PER_DAY = 2
    client = boto3.client("pinpoint-sms-voice-v2", region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def answer(phone, kind, carrier):
    return {"E164PhoneNumber": phone, "PhoneNumberType": kind, "Carrier": carrier, "IsoCountryCode": "US"}


def test_new_contacts_get_the_carrier_and_type_aws_reports(lookup):
    client, stub = lookup
    desk = Contact.objects.create(name="Desk", phone="+12065550101")
    cell = Contact.objects.create(name="Cell", phone="+12065550102")
    stub.add_response("carrier_lookup", answer(desk.phone, "LANDLINE", "Lumen"), {"PhoneNumber": desk.phone})
    stub.add_response("carrier_lookup", answer(cell.phone, "MOBILE", "T-Mobile"), {"PhoneNumber": cell.phone})
    assert numbers_lookup(contact_ids=[desk.pk, cell.pk], client=client) == 2
    desk.refresh_from_db()
    cell.refresh_from_db()
    assert (desk.number_type, desk.carrier) == (NumberType.LANDLINE, "Lumen")
    assert (cell.number_type, cell.carrier) == (NumberType.MOBILE, "T-Mobile")


def test_the_daily_budget_bounds_the_lookups(lookup):
    client, stub = lookup
    Contact.objects.create(name="Earlier", phone="+12065550100", carrier="Lumen", number_checked_at=timezone.now())
    new = [Contact.objects.create(name=f"N{i}", phone=f"+1206555011{i}") for i in range(3)]
    stub.add_response("carrier_lookup", answer(new[0].phone, "MOBILE", "AT&T"), {"PhoneNumber": new[0].phone})
    assert numbers_lookup(contact_ids=[c.pk for c in new], client=client) == 1  # 2 a day, 1 used already
    assert Contact.objects.filter(number_checked_at__isnull=True).count() == 2


def test_offline_mode_never_calls_aws(settings):
    settings.NUMBER_LOOKUP = "offline"
    c = Contact.objects.create(name="A", phone="+12065550101")
    assert numbers_lookup(contact_ids=[c.pk], client=object()) == 0
