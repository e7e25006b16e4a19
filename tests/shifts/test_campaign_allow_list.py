"""The composer and the send confirmation count campaign recipients not on the allow-list (whose
bookings would be ignored), and one click adds them."""

import pytest
from django.contrib.auth.models import Group

from messaging.contacts import allow_list_add, contact_upsert
from messaging.models import AllowListEntry, Tag
from portal.roles import ANALYST, SHIFT_MANAGER
from shifts import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(db):
    for i in range(13):
        contact_upsert(name=f"Picker {i}", phone=f"+1206555{300 + i:04d}", tags=["saturday"])
    for i in range(3):
        allow_list_add(phone=f"+1206555{300 + i:04d}", scope="shifts")
    return services.campaign_create(name="Saturday", tag=Tag.objects.get(name="saturday"), message="Reply SAT1")


def login(client, django_user_model, group):
    user = django_user_model.objects.create_user("u", password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)


def test_the_manager_sees_ten_of_thirteen_not_allowed_and_one_click_adds_them(client, django_user_model, campaign):
    login(client, django_user_model, SHIFT_MANAGER)
    send_url = f"/admin/shifts/shiftcampaign/{campaign.pk}/send/"
    for url in (send_url, f"/admin/shifts/shiftcampaign/{campaign.pk}/change/"):
        page = client.get(url).content.decode()
        assert '<b id="not-allowed-count">10</b> of 13' in page and 'id="allow-all"' in page
    response = client.post(send_url, {"allow_all": "1"})
    assert response.status_code == 302
    assert AllowListEntry.objects.filter(scope="shifts").count() == 13
    assert 'id="not-allowed"' not in client.get(send_url).content.decode()
    assert campaign.__class__.objects.get(pk=campaign.pk).status == "draft"  # adding them sent nothing


def test_an_analyst_sees_the_count_but_cannot_add_them(client, django_user_model, campaign):
    login(client, django_user_model, ANALYST)
    page = client.get(f"/admin/shifts/shiftcampaign/{campaign.pk}/send/").content.decode()
    assert '<b id="not-allowed-count">10</b>' in page and 'id="allow-all"' not in page
    assert client.post(f"/admin/shifts/shiftcampaign/{campaign.pk}/send/", {"allow_all": "1"}).status_code == 403
    assert AllowListEntry.objects.count() == 3
