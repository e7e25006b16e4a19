"""Model permissions the shift roles need; the lead's group migration in portal/ can use these."""

SHIFT_MANAGER_PERMISSIONS = [
    # the shift board, CSV import (import-export checks "add"), release/cancel actions
    "shifts.view_shift", "shifts.add_shift", "shifts.change_shift", "shifts.delete_shift",
    # the campaign composer, the send button and the progress page
    "shifts.view_shiftcampaign", "shifts.add_shiftcampaign", "shifts.change_shiftcampaign",
    "shifts.delete_shiftcampaign", "shifts.send_shiftcampaign",
    # the audience: employees, their tags and the shifts allow-list
    "messaging.view_contact", "messaging.add_contact", "messaging.change_contact",
    "messaging.view_tag", "messaging.add_tag",
    "messaging.view_allowlistentry", "messaging.add_allowlistentry", "messaging.change_allowlistentry",
    "messaging.delete_allowlistentry",
    # what was sent and answered
    "messaging.view_outboundmessage", "messaging.view_inboundsms",
]

ANALYST_PERMISSIONS = ["shifts.view_shift", "shifts.view_shiftcampaign"]


def group_grant(*, group_name: str, permissions: list[str]):
    """Create or update ``group_name`` with exactly ``permissions`` (``app_label.codename``)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=group_name)
    perms = []
    for dotted in permissions:
        app_label, codename = dotted.split(".")
        perms.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    group.permissions.set(perms)
    return group
