"""``heartbeats``: each job that must ping, the policy paged when it does not, and its timeout.

The ping URL's token is the heartbeat's only credential: it is never written in the file. A
heartbeat the file creates gets a new token (heartbeat_create), shown in the admin; one that
exists keeps its own. Heartbeats are matched by name.
"""

from __future__ import annotations

from incidents.heartbeats.models import HEARTBEAT_TIMEOUT_MAX, HEARTBEAT_TIMEOUT_MIN, Heartbeat, HeartbeatState
from incidents.heartbeats.services import heartbeat_create, heartbeat_pause, heartbeat_resume, heartbeat_timeout_changed
from incidents.models import EscalationPolicy
from portal.setup_as_code.config.base import NAME, Context, duplicates

KEY = "heartbeats"
item_schema = {
    "type": "object", "additionalProperties": False, "required": ["name", "policy", "timeout_seconds"],
    "description": "A job's heartbeat. Its ping URL (the token) is a secret and is never in the file: "
                   "a heartbeat created here gets a new one, shown in the admin; an existing one keeps its own.",
    "properties": {
        "name": NAME,
        "policy": {**NAME, "description": "the policy paged when a ping is missed, by name"},
        "timeout_seconds": {"type": "integer", "minimum": HEARTBEAT_TIMEOUT_MIN, "maximum": HEARTBEAT_TIMEOUT_MAX},
        "paused": {"type": "boolean", "default": False},
    },
}


def export(ctx: Context) -> list[dict]:
    out = []
    for name, policy, timeout, state in Heartbeat.objects.order_by("name", "id").values_list(
            "name", "policy__name", "timeout_seconds", "state"):
        item = {"name": name, "policy": policy, "timeout_seconds": timeout}
        if state == HeartbeatState.PAUSED:
            item["paused"] = True
        out.append(item)
    return out


def check(items: list[dict], ctx: Context) -> None:
    duplicates(ctx, KEY, items)
    known = {p["name"] for p in ctx.document.get("policies", [])}
    only_file = ctx.prune and "policies" in ctx.document  # --prune keeps only the file's policies
    if not only_file:
        known |= set(EscalationPolicy.objects.values_list("name", flat=True))
    for i, item in enumerate(items):
        if item["policy"] not in known:
            ctx.error(f"{KEY}[{i}].policy", f"no policy is named {item['policy']!r}"
                      + (" in the file (--prune deletes the others)" if only_file else ""))


def apply(items: list[dict], ctx: Context) -> None:
    policies = {p.name: p for p in EscalationPolicy.objects.filter(name__in={i["policy"] for i in items})}
    existing: dict[str, Heartbeat] = {}
    for h in Heartbeat.objects.filter(name__in=[i["name"] for i in items]).order_by("id"):
        existing.setdefault(h.name, h)
    for item in items:
        policy, paused = policies[item["policy"]], item.get("paused", False)
        heartbeat = existing.get(item["name"])
        if heartbeat is None:
            heartbeat = heartbeat_create(name=item["name"], policy=policy, timeout_seconds=item["timeout_seconds"])
            if paused:
                heartbeat_pause(heartbeat=heartbeat)
            ctx.change("create", "heartbeat", item["name"], "paused" if paused else "")
            continue
        changed = []
        if heartbeat.policy_id != policy.pk:
            heartbeat.policy = policy
            changed.append("policy")
        if heartbeat.timeout_seconds != item["timeout_seconds"]:
            heartbeat.timeout_seconds = item["timeout_seconds"]
            changed.append("timeout_seconds")
        if changed:
            heartbeat.full_clean(validate_unique=False)
            heartbeat.save(update_fields=changed)
            if "timeout_seconds" in changed:
                heartbeat_timeout_changed(heartbeat=heartbeat)  # an armed one waits for the new deadline
        if paused and heartbeat.state != HeartbeatState.PAUSED:
            heartbeat_pause(heartbeat=heartbeat)
            changed.append("paused")
        elif not paused and heartbeat.state == HeartbeatState.PAUSED:
            heartbeat_resume(heartbeat=heartbeat)
            changed.append("resumed")
        if changed:
            ctx.change("update", "heartbeat", item["name"], ", ".join(changed))


def prune(items: list[dict], ctx: Context) -> None:
    for heartbeat in Heartbeat.objects.exclude(name__in=[i["name"] for i in items]):
        heartbeat.delete()
        ctx.change("delete", "heartbeat", heartbeat.name)
