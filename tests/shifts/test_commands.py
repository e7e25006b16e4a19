"""The SMS commands an employee texts: a shift code, REQUEST, AGENT; and silence for strangers."""

from datetime import timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.stub import ANY, Stubber
from django.utils import timezone

from messaging.models import Contact, InboundStatus, MessageStatus, OutboundMessage
from messaging.outbound.parts import sms_parts
from messaging.transports import _load
from shifts.models import NotifyChannel, Shift, ShiftStatus
from shifts.services import shift_create
from shifts.texts import UNKNOWN_CODE_REPLY
from tests.support.shifts import replies_to, sms_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def shifts(db):
    now = timezone.now()
    return [
        shift_create(code="XYZ1234", info="Warehouse picker", starts_at=now + timedelta(days=1),
                     ends_at=now + timedelta(days=1, hours=8), location="Dock 3"),
        shift_create(code="ABC9876", info="Forklift driver", starts_at=now + timedelta(days=2)),
        shift_create(code="NIGHT1", info="Night inventory"),
    ]


def test_a_code_in_any_case_books_the_shift_and_confirms_with_its_details(employees, shifts):
    [ana] = employees(1)

    inbound = sms_in(ana, "  xyz1234 ")

    shift = Shift.objects.get(code="XYZ1234")
    assert shift.status == ShiftStatus.TAKEN
    assert shift.booked_phone == ana
    assert shift.booked_by == Contact.objects.get(phone=ana)
    assert shift.booked_at is not None
    [reply] = replies_to(ana)
    assert "XYZ1234" in reply and "Warehouse picker" in reply and "Dock 3" in reply
    assert reply.startswith("Confirmed")
    assert inbound.handled_by == "shifts.inbound.shift_command_handler"
    assert inbound.outcome == "booked shift XYZ1234"
    # The confirmation belongs to the shift, so the shift's history shows it.
    assert OutboundMessage.objects.get(recipient=ana).owner == shift


def test_a_taken_shift_says_so_and_offers_the_other_open_codes(employees, shifts):
    ana, ben = employees(2)
    sms_in(ana, "XYZ1234")

    inbound = sms_in(ben, "XYZ1234")

    [reply] = replies_to(ben)
    assert "this shift is already taken" in reply
    assert "ABC9876" in reply and "NIGHT1" in reply
    assert "XYZ1234:" not in reply  # not offered again
    assert Shift.objects.get(code="XYZ1234").booked_phone == ana
    assert inbound.outcome == f"shift XYZ1234 already taken by {ana}"


def test_booking_your_own_shift_again_does_not_say_taken(employees, shifts):
    [ana] = employees(1)
    sms_in(ana, "XYZ1234")
    sms_in(ana, "xyz1234")
    assert "already booked shift XYZ1234" in replies_to(ana)[-1]


@pytest.mark.parametrize("body", ["QQQ0000", "", "   "])
def test_an_unknown_code_gets_the_samples_answer(employees, shifts, body):
    [ana] = employees(1)
    sms_in(ana, body)
    assert replies_to(ana) == [UNKNOWN_CODE_REPLY]
    assert "not a valid shift code" in UNKNOWN_CODE_REPLY
    assert not Shift.objects.filter(status=ShiftStatus.TAKEN).exists()


def test_request_lists_open_shifts_soonest_first_and_omits_taken_ones(employees, shifts):
    ana, ben = employees(2)
    sms_in(ana, "ABC9876")

    inbound = sms_in(ben, "request")

    [reply] = replies_to(ben)
    assert "XYZ1234" in reply and "NIGHT1" in reply and "Warehouse picker" in reply
    assert "ABC9876" not in reply
    assert reply.index("XYZ1234") < reply.index("NIGHT1")  # dated first, undated last
    assert inbound.outcome == "listed the open shifts"


def test_request_with_many_shifts_fits_three_parts_and_says_how_many_more(employees):
    [ana] = employees(1)
    now = timezone.now()
    for i in range(30):
        shift_create(code=f"S{i:04d}", info=f"Overtime shift number {i} in the packing hall",
                     starts_at=now + timedelta(hours=30 - i))

    sms_in(ana, "REQUEST")

    [reply] = replies_to(ana)
    assert sms_parts(reply).parts <= 3
    listed = [line.split(":")[0] for line in reply.splitlines() if line.startswith("S0")]
    assert listed[0] == "S0029"  # the soonest
    assert listed == sorted(listed, reverse=True)
    assert f"+{30 - len(listed)} more." in reply
    assert 3 <= len(listed) < 30


def test_request_with_nothing_open_says_so(employees):
    [ana] = employees(1)
    sms_in(ana, "REQUEST")
    assert "no open shifts" in replies_to(ana)[0]


def test_agent_places_a_voice_call_back_and_tells_the_employee(employees, shifts):
    [ana] = employees(1)

    inbound = sms_in(ana, "Agent", inbound_id="in-agent-1")

    [call] = OutboundMessage.objects.filter(recipient=ana, channel="voice")
    assert call.options["kind"] == "callback"
    assert call.options["client_token"] == "shifts-agent:in-agent-1"
    assert call.status == MessageStatus.SENT  # handed to the (simulated) voice transport
    assert "call you back" in replies_to(ana)[0]
    assert inbound.outcome == f"call-back requested (voice message #{call.pk})"


def test_a_redelivered_agent_message_does_not_call_twice(employees, shifts):
    [ana] = employees(1)
    sms_in(ana, "AGENT", inbound_id="in-agent-2")
    sms_in(ana, "AGENT", inbound_id="in-agent-2")
    assert OutboundMessage.objects.filter(recipient=ana, channel="voice").count() == 1
    assert len(replies_to(ana)) == 1


def test_agent_without_connect_settings_is_told_call_backs_are_unavailable(employees, shifts, settings):
    settings.VOICE_TRANSPORT = "aws"
    settings.CONNECT_INSTANCE_ID = ""
    [ana] = employees(1)

    inbound = sms_in(ana, "AGENT")

    assert not OutboundMessage.objects.filter(channel="voice").exists()
    assert "call-backs are not available" in replies_to(ana)[0]
    assert "Amazon Connect is not configured" in inbound.outcome


def test_agent_with_connect_calls_start_outbound_voice_contact_with_a_token(employees, shifts, settings,
                                                                           monkeypatch, tmp_path):
    """The whole path to AWS: inbound SMS → voice log row → VoiceTransport → Connect (Stubber)."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(name, value)
    settings.VOICE_TRANSPORT = "aws"
    settings.CONNECT_INSTANCE_ID = "11111111-2222-3333-4444-555555555555"
    settings.CONNECT_CONTACT_FLOW_ID = "66666666-7777-8888-9999-000000000000"
    settings.CONNECT_QUEUE_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    connect = boto3.client("connect", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))
    stubber = Stubber(connect)
    # https://docs.aws.amazon.com/connect/latest/APIReference/API_StartOutboundVoiceContact.html
    stubber.add_response("start_outbound_voice_contact", {"ContactId": "contact-42"}, {
        "DestinationPhoneNumber": "+12065550200", "ContactFlowId": settings.CONNECT_CONTACT_FLOW_ID,
        "InstanceId": settings.CONNECT_INSTANCE_ID, "QueueId": settings.CONNECT_QUEUE_ID,
        "ClientToken": ANY, "Attributes": ANY,
    })
    stubber.activate()
    monkeypatch.setattr("messaging.transports.clients.aws_client", lambda service: connect)
    _load.cache_clear()
    try:
        [ana] = employees(1)
        sms_in(ana, "AGENT")
    finally:
        _load.cache_clear()
    stubber.assert_no_pending_responses()
    call = OutboundMessage.objects.get(channel="voice")
    assert call.provider_message_id == "contact-42" and call.status == MessageStatus.SENT


def test_numbers_not_on_the_allow_list_get_silence_and_change_nothing(db, shifts):
    stranger = "+14255550999"
    for body in ("XYZ1234", "REQUEST", "AGENT", "nonsense"):
        inbound = sms_in(stranger, body)
        assert inbound.status == InboundStatus.IGNORED
        assert inbound.outcome == "sender not on the shifts allow-list; ignored"
        assert inbound.reply == ""
    assert not OutboundMessage.objects.filter(recipient=stranger).exists()
    assert Shift.objects.get(code="XYZ1234").status == ShiftStatus.AVAILABLE


def test_a_contact_with_the_tag_but_not_allow_listed_is_also_ignored(db, shifts):
    from messaging.contacts import contact_upsert

    contact_upsert(name="Tagged only", phone="+14255550998", tags=["overtime"])
    sms_in("+14255550998", "XYZ1234")
    assert Shift.objects.get(code="XYZ1234").status == ShiftStatus.AVAILABLE
    assert not OutboundMessage.objects.filter(recipient="+14255550998").exists()


def test_stop_still_wins_for_allow_listed_employees(employees, shifts):
    [ana] = employees(1)
    inbound = sms_in(ana, "STOP")
    assert inbound.handled_by == "messaging.consent.consent_handler"


def test_the_manager_is_notified_when_a_shift_is_taken(employees, shifts):
    ana, manager_phone = employees(2)
    manager = Contact.objects.get(phone=manager_phone)
    manager.email = "manager@example.com"
    manager.save()
    Shift.objects.filter(code="XYZ1234").update(notify_manager=manager, notify_channel=NotifyChannel.EMAIL)
    Shift.objects.filter(code="ABC9876").update(notify_manager=manager, notify_channel=NotifyChannel.SMS)

    sms_in(ana, "XYZ1234")
    sms_in(ana, "abc9876")

    email = OutboundMessage.objects.get(channel="email", recipient="manager@example.com")
    assert email.subject == "Shift XYZ1234 was booked" and "Employee 1" in email.body and ana in email.body
    assert "ABC9876" in replies_to(manager_phone)[0]
    # A shift without a manager notifies nobody.
    sms_in(ana, "NIGHT1")
    assert OutboundMessage.objects.filter(recipient__in=[manager_phone, "manager@example.com"]).count() == 2
