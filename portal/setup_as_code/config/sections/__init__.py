"""The file's sections, in the order they are applied (a policy names a schedule, an integration
a policy). Each is a module with KEY, item_schema, export, check, apply and prune (base.py).

Not yet here, because other branches are adding those models while this one is written:
heartbeats, templates, topics, email auto-replies and sender paces (MISSING). Each becomes one
more module like tags.py, added to SECTIONS where its references allow (a heartbeat names a
policy, so after policies).
"""

from portal.setup_as_code.config.sections import integrations, people, policies, schedules, tags

SECTIONS = (people, tags, schedules, policies, integrations)
MISSING = ("heartbeats", "templates", "topics", "email_auto_replies", "sender_paces")
