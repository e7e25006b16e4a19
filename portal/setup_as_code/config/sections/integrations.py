"""``alert_integrations``: each monitor's integration, its default policy and its label routes,
policies by name. An integration's URL carries its id, not a secret, so nothing here is one."""

from __future__ import annotations

from collections import defaultdict

from incidents.alerts.routing import matchers_parse
from incidents.models import AlertIntegration, AlertRoute, EscalationPolicy
from portal.setup_as_code.config.base import NAME, Context, duplicates

KEY = "alert_integrations"
item_schema = {
    "type": "object", "additionalProperties": False, "required": ["name", "default_policy"],
    "properties": {
        "name": NAME,
        "default_policy": NAME,
        "routes": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["matchers", "policy"],
            "properties": {"matchers": {"type": "string", "minLength": 1, "maxLength": 500}, "policy": NAME}}},
    },
}


def export(ctx: Context) -> list[dict]:
    routes = defaultdict(list)
    for iid, matchers, policy in AlertRoute.objects.order_by("integration_id", "position", "id").values_list(
            "integration_id", "matchers", "policy__name"):
        routes[iid].append({"matchers": matchers, "policy": policy})
    out = []
    for i in AlertIntegration.objects.select_related("default_policy").order_by("name"):
        item = {"name": i.name, "default_policy": i.default_policy.name}
        if routes[i.pk]:
            item["routes"] = routes[i.pk]
        out.append(item)
    return out


def check(items: list[dict], ctx: Context) -> None:
    duplicates(ctx, KEY, items)
    known = {p["name"] for p in ctx.document.get("policies", [])}
    if not (ctx.prune and "policies" in ctx.document):  # --prune keeps only the file's policies, if it has them
        known |= set(EscalationPolicy.objects.values_list("name", flat=True))
    for i, item in enumerate(items):
        if item["default_policy"] not in known:
            ctx.error(f"{KEY}[{i}].default_policy", f"no policy is named {item['default_policy']!r}")
        for j, route in enumerate(item.get("routes", [])):
            try:
                matchers_parse(route["matchers"])
            except ValueError as exc:
                ctx.error(f"{KEY}[{i}].routes[{j}].matchers", str(exc))
            if route["policy"] not in known:
                ctx.error(f"{KEY}[{i}].routes[{j}].policy", f"no policy is named {route['policy']!r}")


def apply(items: list[dict], ctx: Context) -> None:
    policies = dict(EscalationPolicy.objects.values_list("name", "pk"))
    existing = {i.name: i for i in AlertIntegration.objects.filter(name__in=[x["name"] for x in items])}
    routes_now = defaultdict(list)
    for iid, matchers, policy in AlertRoute.objects.filter(integration__in=existing.values()).order_by(
            "integration_id", "position", "id").values_list("integration_id", "matchers", "policy__name"):
        routes_now[iid].append({"matchers": matchers, "policy": policy})
    for item in items:
        integration = existing.get(item["name"])
        if integration is None:
            integration = AlertIntegration.objects.create(name=item["name"],
                                                          default_policy_id=policies[item["default_policy"]])
            ctx.change("create", "alert integration", item["name"])
        elif integration.default_policy_id != policies[item["default_policy"]]:
            integration.default_policy_id = policies[item["default_policy"]]
            integration.save(update_fields=["default_policy"])
            ctx.change("update", "alert integration", item["name"], "default policy")
        wanted = [{"matchers": r["matchers"], "policy": r["policy"]} for r in item.get("routes", [])]
        if routes_now.get(integration.pk, []) != wanted:
            AlertRoute.objects.filter(integration=integration).delete()
            AlertRoute.objects.bulk_create(AlertRoute(integration=integration, position=n, matchers=r["matchers"],
                                                      policy_id=policies[r["policy"]])
                                           for n, r in enumerate(wanted, start=1))
            if item["name"] in existing:
                ctx.change("update", "alert integration", item["name"], "routes")


def prune(items: list[dict], ctx: Context) -> None:
    for integration in AlertIntegration.objects.exclude(name__in=[i["name"] for i in items]):
        integration.delete()
        ctx.change("delete", "alert integration", integration.name)
