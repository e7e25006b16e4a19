"""Every dotted path of messaging that the portal stores in a row, under one stable name.

Timer.callback, django-q2's queued payloads and Schedule.func are data: they outlive a deploy,
so they must not move when the code does. New enqueues, timers and schedules name these; the
modules behind them may move freely. Nothing of ours imports this module (only import_string
does), so it may import from every stage without making a circle.
"""

from messaging.audience.bulk_enrich import bulk_send_enrich
from messaging.audience.bulk_sends import bulk_send_expire, bulk_send_release, bulk_sends_sweep
from messaging.audience.confirmations import bulk_send_remind, bulk_send_summary
from messaging.audience.import_runs import import_run_task, import_runs_sweep
from messaging.audience.number_types import numbers_lookup
from messaging.audience.s3_drop import s3_import_run
from messaging.calls.connect import connect_call_poll
from messaging.history.archive import history_archive_run
from messaging.history.rollups import history_rollup_refresh
from messaging.inbound.notifications import notifications_resume
from messaging.omnichannel.services import dispatch_fallback_due
from messaging.outbound.deliver import message_deliver, messages_deliver_batch, messages_requeue_stale
from messaging.outbound.sms_retry import sms_retry_send
from messaging.scheduling.timers import timer_fire, timers_sweep
from messaging.selftest.services import self_test_deadline, self_test_tick
from messaging.simulator.echo import simulator_echo
from messaging.simulator.events import simulator_emit_event

__all__ = [
    "bulk_send_enrich",
    "bulk_send_expire",
    "bulk_send_release",
    "bulk_send_remind",
    "bulk_send_summary",
    "bulk_sends_sweep",
    "connect_call_poll",
    "dispatch_fallback_due",
    "import_run_task",
    "import_runs_sweep",
    "history_archive_run",
    "history_rollup_refresh",
    "message_deliver",
    "messages_deliver_batch",
    "messages_requeue_stale",
    "notifications_resume",
    "numbers_lookup",
    "s3_import_run",
    "self_test_deadline",
    "self_test_tick",
    "simulator_echo",
    "simulator_emit_event",
    "sms_retry_send",
    "timer_fire",
    "timers_sweep",
]
