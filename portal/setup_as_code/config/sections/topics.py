"""``topics``: what people may say yes or no to ("overtime offers"), and which ones are required.
Each person's yes or no is their own data, not setup, so it is not here."""

from __future__ import annotations

from django.db.models import ProtectedError

from messaging.models import Topic
from messaging.topics.services import TopicInvalid, topic_create
from portal.setup_as_code.config.base import Context, duplicates

KEY = "topics"
item_schema = {
    "type": "object", "additionalProperties": False, "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"^\S(.*\S)?$"},
        "description": {"type": "string", "maxLength": 300},
        "required": {"type": "boolean", "default": False,
                     "description": "reaches everyone not opted out by law; preferences cannot turn it off"},
    },
}


def export(ctx: Context) -> list[dict]:
    out = []
    for name, description, required in Topic.objects.order_by("name").values_list("name", "description", "required"):
        item: dict = {"name": name}
        if description:
            item["description"] = description
        if required:
            item["required"] = True
        out.append(item)
    return out


def check(items: list[dict], ctx: Context) -> None:
    duplicates(ctx, KEY, items)


def apply(items: list[dict], ctx: Context) -> None:
    existing = {t.name: t for t in Topic.objects.filter(name__in=[i["name"] for i in items])}
    for i, item in enumerate(items):
        fields = {"description": item.get("description", ""), "required": item.get("required", False)}
        topic = existing.get(item["name"])
        if topic is None:
            try:
                topic_create(name=item["name"], **fields)
            except TopicInvalid as exc:
                ctx.error(f"{KEY}[{i}].name", "; ".join(m for ms in exc.detail.values() for m in ms))
                continue
            ctx.change("create", "topic", item["name"], "required" if fields["required"] else "")
            continue
        changed = [k for k, v in fields.items() if getattr(topic, k) != v]
        if changed:
            for k, v in fields.items():
                setattr(topic, k, v)
            topic.save(update_fields=changed)
            ctx.change("update", "topic", item["name"], ", ".join(changed))


def prune(items: list[dict], ctx: Context) -> None:
    for topic in Topic.objects.exclude(name__in=[i["name"] for i in items]):
        try:
            topic.delete()
        except ProtectedError:
            ctx.error(KEY, f"topic {topic.name!r} is not in the file but a shift campaign uses it; "
                           "it cannot be deleted")
            continue
        ctx.change("delete", "topic", topic.name)
