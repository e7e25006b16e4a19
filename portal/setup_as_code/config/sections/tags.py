"""``tags``: the tag names campaigns and bulk sends address. Which contact carries a tag is
contact data (the CSV import, the API), not setup, so only the names are here."""

from __future__ import annotations

from django.db.models import ProtectedError

from messaging.models import Tag
from portal.setup_as_code.config.base import Context

KEY = "tags"
item_schema = {"type": "string", "minLength": 1, "maxLength": 64}


def export(ctx: Context) -> list[str]:
    return list(Tag.objects.order_by("name").values_list("name", flat=True))


def check(items: list[str], ctx: Context) -> None:
    seen = {}
    for i, name in enumerate(items):
        if name in seen:
            ctx.error(f"{KEY}[{i}]", f"{name!r} is already {KEY}[{seen[name]}]")
        seen.setdefault(name, i)


def apply(items: list[str], ctx: Context) -> None:
    have = set(Tag.objects.filter(name__in=items).values_list("name", flat=True))
    for name in items:
        if name not in have:
            Tag.objects.create(name=name)
            have.add(name)
            ctx.change("create", "tag", name)


def prune(items: list[str], ctx: Context) -> None:
    for tag in Tag.objects.exclude(name__in=items):
        try:
            tag.delete()
        except ProtectedError:
            ctx.error(KEY, f"tag {tag.name!r} is not in the file but a shift campaign uses it; it cannot be deleted")
            continue
        ctx.change("delete", "tag", tag.name)
