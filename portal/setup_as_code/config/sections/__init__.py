"""The file's sections, in the order they are applied (a policy names a schedule, an integration
a policy). Each is a module with KEY, item_schema, export, check, apply and prune (base.py).

Not yet here: email auto-replies and sender paces (MISSING). Each becomes one more module like
tags.py, added to SECTIONS where its references allow (a heartbeat names a policy, so it comes
after policies, and ``--prune`` deletes it before the policy it names).
"""

from portal.setup_as_code.config.sections import (
    heartbeats,
    integrations,
    people,
    policies,
    schedules,
    tags,
    templates,
    topics,
)

SECTIONS = (people, tags, topics, templates, schedules, policies, heartbeats, integrations)
MISSING = ("email_auto_replies", "sender_paces")
