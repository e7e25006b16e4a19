"""The file's sections, in the order they are applied (a policy names a schedule, an integration
a policy). Each is a module with KEY, item_schema, export, check, apply and prune (base.py).

A new kind is one more module like tags.py, added to SECTIONS where its references allow (a
heartbeat names a policy, so it comes after policies, and ``--prune`` deletes it before the
policy it names). Sender paces (messaging.models.SenderPace) are not a kind: each row is a
sender's next free instant, the SMS rate limit's running state, not setup.
"""

from portal.setup_as_code.config.sections import (
    email_auto_replies,
    heartbeats,
    integrations,
    people,
    policies,
    schedules,
    tags,
    templates,
    topics,
)

SECTIONS = (people, tags, topics, templates, schedules, policies, heartbeats, integrations, email_auto_replies)
