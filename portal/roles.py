"""The admin groups and their least-privilege permissions.

Created by a migration (portal/migrations) and kept in step by ``post_migrate`` as apps add
models, so a new model never silently grants or misses a permission. Rules are by app label and
model name; ``*`` means every model of the app.
"""

from __future__ import annotations

DISPATCHER = "dispatcher"
SHIFT_MANAGER = "shift manager"
ANALYST = "analyst"

# (app_label, model or "*", actions)
ROLES: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    DISPATCHER: [
        ("incidents", "*", ("view", "add", "change")),
        # Removing a level from a policy in the admin is a delete of that level.
        ("incidents", "escalationlevel", ("delete",)),
        # Dispatchers read the rotas; shift managers keep them.
        ("oncall", "*", ("view",)),
        # Likewise a route of an alert integration.
        ("incidents", "alertroute", ("delete",)),
        ("messaging", "contact", ("view", "add", "change")),
        # A contact's notification rules, edited on the contact's page.
        ("messaging", "notificationrule", ("view", "add", "change", "delete")),
        ("messaging", "tag", ("view", "add")),
        ("messaging", "outboundmessage", ("view",)),
        ("messaging", "deliveryevent", ("view",)),
        # Replying as a phone in the simulator records an inbound SMS.
        ("messaging", "inboundsms", ("view", "add")),
        # What became of each call that takes a key (the page's keys act like replies).
        ("messaging", "voicecall", ("view",)),
        ("messaging", "timer", ("view",)),
        ("messaging", "optout", ("view",)),
        ("messaging", "suppression", ("view",)),
        ("messaging", "whatsappoptout", ("view",)),
        # Contacts from a CSV file (the admin's import; its progress row).
        ("messaging", "importrun", ("view", "add")),
        # The inbox: read every thread, answer it, mark it done.
        ("messaging", "conversation", ("view", "reply")),
        # Email in: what arrived, and the auto-reply rules of the addresses people write to.
        ("messaging", "inboundemail", ("view",)),
        ("messaging", "emailautoreply", ("view", "add", "change")),
        ("messaging", "autoreplysent", ("view",)),
        # The page's wording (incident.page, …) is a template a dispatcher may reword.
        ("messaging", "template", ("view", "add", "change")),
        ("messaging", "templatevariant", ("view", "add", "change", "delete")),
        ("messaging", "whatsapptemplate", ("view",)),
        ("messaging", "topic", ("view",)),
        ("messaging", "contactpreference", ("view",)),
    ],
    SHIFT_MANAGER: [
        ("shifts", "*", ("view", "add", "change", "delete", "send")),
        ("oncall", "*", ("view", "add", "change", "delete")),
        ("messaging", "contact", ("view", "add", "change")),
        # A contact's notification rules, edited on the contact's page.
        ("messaging", "notificationrule", ("view", "add", "change", "delete")),
        ("messaging", "tag", ("view", "add", "change")),
        ("messaging", "allowlistentry", ("view", "add", "change", "delete")),
        ("messaging", "outboundmessage", ("view",)),
        ("messaging", "deliveryevent", ("view",)),
        # Replying as a phone in the simulator records an inbound SMS.
        ("messaging", "inboundsms", ("view", "add")),
        ("messaging", "timer", ("view",)),
        ("messaging", "optout", ("view",)),
        ("messaging", "suppression", ("view",)),
        ("messaging", "whatsappoptout", ("view",)),
        # Contacts and allow-list from a CSV file (the admin's import; its progress row).
        ("messaging", "importrun", ("view", "add")),
        # A message to everyone in a CSV file, sent like a campaign.
        ("messaging", "bulksend", ("view", "add")),
        ("messaging", "bulkrecipient", ("view",)),
        # The inbox, for threads about shifts only (messaging.conversations.selectors).
        ("messaging", "conversation", ("shiftreply",)),
        # Campaign and bulk wording per channel and language; who wants which topic.
        ("messaging", "template", ("view", "add", "change")),
        ("messaging", "templatevariant", ("view", "add", "change", "delete")),
        ("messaging", "whatsapptemplate", ("view",)),
        ("messaging", "topic", ("view", "add", "change")),
        ("messaging", "contactpreference", ("view", "add", "change", "delete")),
    ],
    # Reads everything the portal records; changes nothing. API keys stay with superusers.
    ANALYST: [
        ("incidents", "*", ("view",)),
        ("shifts", "*", ("view",)),
        ("oncall", "*", ("view",)),
        ("messaging", "*", ("view",)),
        ("django_q", "*", ("view",)),
        # They read the monthly reports sent. "Send now" mails the report out, an action, so it is
        # portal.send_monthlyreport, which no group has: give it to whoever may send it.
        ("portal", "monthlyreport", ("view",)),
    ],
}
ANALYST_EXCLUDED = {("messaging", "apikey"), ("messaging", "senderpace")}


def roles_sync(*, apps=None) -> None:
    """Create the groups and set exactly the permissions ROLES gives them."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, rules in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = []
        for app_label, model, actions in rules:
            qs = Permission.objects.filter(content_type__app_label=app_label)
            if model != "*":
                qs = qs.filter(content_type__model=model)
            for perm in qs.select_related("content_type"):
                action = perm.codename.split("_", 1)[0]
                if action not in actions:
                    continue
                if name == ANALYST and (perm.content_type.app_label, perm.content_type.model) in ANALYST_EXCLUDED:
                    continue
                perms.append(perm)
        group.permissions.set(perms)


# The admin's app list (home page and sidebar), in the order each role uses it: its own work
# first. Apps not named come after these; the framework's own come last (ADMIN_APPS_LAST).
ROLE_APP_ORDER: dict[str, list[str]] = {
    DISPATCHER: ["incidents", "oncall", "messaging", "shifts"],
    SHIFT_MANAGER: ["shifts", "oncall", "messaging", "incidents"],
    ANALYST: ["messaging", "incidents", "shifts", "oncall"],
}
# A superuser, or a staff user in none of the groups: paging first, as for the people on duty.
DEFAULT_APP_ORDER = ["incidents", "oncall", "shifts", "messaging"]
ADMIN_APPS_LAST = ["auth", "axes", "django_q"]


def role_of(user) -> str | None:
    """The first of the portal's roles ``user`` holds (a user may be in several groups). Kept on
    the user for the request: the home page and its sidebar both ask."""
    if not hasattr(user, "_portal_role"):
        names = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._portal_role = next((role for role in ROLE_APP_ORDER if role in names), None)
    return user._portal_role


def app_order(user) -> list[str]:
    return ROLE_APP_ORDER.get(role_of(user), DEFAULT_APP_ORDER)
