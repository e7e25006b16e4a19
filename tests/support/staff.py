"""A staff user in one of the portal's role groups, logged in on a test client."""

from __future__ import annotations

from django.contrib.auth.models import Group


def staff(client, django_user_model, group: str):
    user = django_user_model.objects.create_user(group.replace(" ", ""), password="pw-12345-abc", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client
