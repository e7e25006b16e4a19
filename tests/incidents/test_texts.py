"""The caller's words and the fixed instructions stay apart in every incident text."""

from __future__ import annotations

import pytest

from incidents.models import FinalAction, Incident
from incidents.texts import incident_page_text, incident_unacknowledged_text, incident_voice_text


def test_the_page_sms_puts_the_description_and_reply_yes_on_separate_lines():
    incident = Incident(pk=12, description="Gas smell at 5 Main St")
    assert incident_page_text(incident=incident).splitlines() == [
        "[#12] Gas smell at 5 Main St", "Reply YES 12 to accept, NO 12 to decline"]
    reminder = incident_page_text(incident=incident, reminder=True).splitlines()
    assert reminder[0] == "[#12] Reminder: Gas smell at 5 Main St" and reminder[1].startswith("Reply YES 12")


@pytest.mark.parametrize("description", ["Gas smell at 5 Main St", "Gas smell at 5 Main St."])
def test_spoken_texts_end_the_description_with_one_full_stop(description):
    incident = Incident(pk=12, description=description)
    assert "Gas smell at 5 Main St. To accept, reply YES 12" in incident_voice_text(incident=incident)
    assert incident_unacknowledged_text(incident=incident, kind=FinalAction.VOICE).endswith("Main St.")
    assert ".." not in incident_voice_text(incident=incident)
