"""Heartbeats: a job pings its secret URL; a missed ping opens an incident on a policy.

``models`` (the row), ``services`` (ping, the deadline timer, pause/resume), ``api`` (the
create/list/detail calls and the keyless ping view), ``admin``. See docs/architecture.md.
"""
