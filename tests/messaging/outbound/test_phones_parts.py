import pytest
from django.core.exceptions import ValidationError

from messaging.outbound.parts import sms_parts
from messaging.phones import phone_normalize


@pytest.mark.parametrize("raw", ["+12065550100", " +442071838750 ", "+15555550123"])
def test_e164_numbers_are_accepted(raw):
    assert phone_normalize(raw) == raw.strip()


@pytest.mark.parametrize("raw", ["2065550100", "+1 206 555 0100", "(206) 555-0100", "+0123", "+1", "", "phone",
                                 "+123456789012345678"])
def test_numbers_that_are_not_e164_are_refused_with_a_reason(raw):
    with pytest.raises(ValidationError) as exc:
        phone_normalize(raw)
    assert "E.164" in str(exc.value) or "possible" in str(exc.value)


def test_gsm7_text_fits_160_characters_in_one_part():
    assert sms_parts("a" * 160).parts == 1
    assert sms_parts("a" * 161).parts == 2
    assert sms_parts("a" * 306).parts == 2
    assert sms_parts("a" * 307).parts == 3


def test_extension_characters_cost_two_septets():
    assert sms_parts("{" * 80).units == 160
    assert sms_parts("{" * 80).parts == 1
    assert sms_parts("{" * 81).parts == 2


def test_one_non_gsm_character_makes_the_whole_message_ucs2():
    text = "Gas leak at Main St" + "\xa0" + "x" * 60
    count = sms_parts(text)
    assert count.encoding == "UCS-2"
    assert count.parts == 2  # 80 characters: over the 70 a single UCS-2 part holds
    assert sms_parts("é" * 160).encoding == "GSM-7"  # é is in the GSM-7 basic set


def test_ucs2_concatenated_parts_hold_67_units():
    assert sms_parts("ж" * 70).parts == 1
    assert sms_parts("ж" * 134).parts == 2
    assert sms_parts("ж" * 135).parts == 3
