"""What the portal does, and how: transports and AWS, inbound SNS, handlers and hooks, the
audience, alerts, on call, history. Read from the environment like ``framework``.
"""

from portal.settings.framework import BASE_DIR, env

# --- Messaging ---
SMS_TRANSPORT = env.str("SMS_TRANSPORT", default="simulator")
EMAIL_TRANSPORT = env.str("EMAIL_TRANSPORT", default="simulator")
WHATSAPP_TRANSPORT = env.str("WHATSAPP_TRANSPORT", default="simulator")
VOICE_TRANSPORT = env.str("VOICE_TRANSPORT", default="simulator")
SIMULATOR_AUTO_DELIVER = env.bool("SIMULATOR_AUTO_DELIVER", default=True)
# The phone simulator page (/simulator/) fakes replies and delivery events. With a real provider
# behind any channel, a fake STOP opts out a real number and a fake bounce suppresses a real
# address, so by default it exists only when every channel is simulated.
SIMULATOR_ENABLED = env.bool("SIMULATOR_ENABLED", default=all(
    t == "simulator" for t in (SMS_TRANSPORT, EMAIL_TRANSPORT, WHATSAPP_TRANSPORT, VOICE_TRANSPORT)))
# Tests run immediate work inline (messaging.scheduling.queue); never set this for a running portal.
TASKS_EAGER = env.bool("TASKS_EAGER", default=False)
# Delay before a simulated delivery event, so a person can watch a message go sent → delivered.
SIMULATOR_DELIVERY_DELAY_SECONDS = env.float("SIMULATOR_DELIVERY_DELAY_SECONDS", default=0.5)

# Alert storms (incidents/alerts/storms.py): once a policy has had more than ALERT_STORM_INCIDENTS
# incidents opened by alerts within ALERT_STORM_MINUTES, new alert groups join one "alert storm"
# incident that pages once, instead of paging once each.
ALERT_STORM_INCIDENTS = env.int("ALERT_STORM_INCIDENTS", default=10)
ALERT_STORM_MINUTES = env.int("ALERT_STORM_MINUTES", default=5)
# The cap on noise (incidents/page_cap.py): no number gets more than PAGE_CAP_PER_NUMBER incident
# pages (any channel) in any 15 minutes (0: no cap); a held page is named in one summary SMS,
# sent PAGE_CAP_SUMMARY_DELAY_SECONDS after the first page it holds, at most once per 15 minutes.
PAGE_CAP_PER_NUMBER = env.int("PAGE_CAP_PER_NUMBER", default=5)
PAGE_CAP_SUMMARY_DELAY_SECONDS = env.int("PAGE_CAP_SUMMARY_DELAY_SECONDS", default=5)
SIMULATOR_ORIGINATION_NUMBER = env.str("SIMULATOR_ORIGINATION_NUMBER", default="+18005550100")

# Contacts from CSV (POST /api/v1/contacts/import/, the admin, S3): a file of up to
# CONTACT_IMPORT_SYNC_ROWS rows is imported in the request; a larger one is stored and checked and
# imported on a worker (202, then GET /api/v1/imports/{id}/). A body over CONTACT_IMPORT_MAX_BYTES
# is refused with 413 (the admin's uploads too).
CONTACT_IMPORT_SYNC_ROWS = env.int("CONTACT_IMPORT_SYNC_ROWS", default=5000)
CONTACT_IMPORT_MAX_BYTES = env.int("CONTACT_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)

# Message parts per second per sender (origination identity); 0 means no limit.
# 1 for a 10DLC number, 3 for US toll-free, 100 for a short code.
SMS_RATE_LIMIT = env.float("SMS_RATE_LIMIT", default=0)
# Transient provider errors retry with exponential backoff and jitter, this many times at most.
SEND_MAX_RETRIES = env.int("SEND_MAX_RETRIES", default=4)
SEND_RETRY_BASE_SECONDS = env.float("SEND_RETRY_BASE_SECONDS", default=2.0)

# AWS (botocore's own AWS_ENDPOINT_URL and credential variables keep working)
AWS_REGION = env.str("AWS_REGION", default=env.str("AWS_DEFAULT_REGION", default="us-east-1"))
# Socket timeouts only (botocore's AWS_MAX_ATTEMPTS / AWS_RETRY_MODE keep working): a hung call
# must not outlive the worker's 15 s task timeout.
AWS_CONNECT_TIMEOUT = env.float("AWS_CONNECT_TIMEOUT", default=5.0)
AWS_READ_TIMEOUT = env.float("AWS_READ_TIMEOUT", default=8.0)
SMS_ORIGINATION_IDENTITY = env.str("SMS_ORIGINATION_IDENTITY", default="")
SMS_CONFIGURATION_SET = env.str("SMS_CONFIGURATION_SET", default="")
SMS_MESSAGE_TYPE = env.str("SMS_MESSAGE_TYPE", default="TRANSACTIONAL")
SMS_OPT_OUT_LIST = env.str("SMS_OPT_OUT_LIST", default="Default")
VOICE_ORIGINATION_IDENTITY = env.str("VOICE_ORIGINATION_IDENTITY", default="")
VOICE_ID = env.str("VOICE_ID", default="JOANNA")
VOICE_CONFIGURATION_SET = env.str("VOICE_CONFIGURATION_SET", default="")  # empty: SMS_CONFIGURATION_SET
SES_FROM_EMAIL = env.str("SES_FROM_EMAIL", default="portal@example.com")
SES_CONFIGURATION_SET = env.str("SES_CONFIGURATION_SET", default="")
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_META_API_VERSION = env.str("WHATSAPP_META_API_VERSION", default="v20.0")
CONNECT_INSTANCE_ID = env.str("CONNECT_INSTANCE_ID", default="")
CONNECT_CONTACT_FLOW_ID = env.str("CONNECT_CONTACT_FLOW_ID", default="")
CONNECT_QUEUE_ID = env.str("CONNECT_QUEUE_ID", default="")
CONNECT_SOURCE_PHONE_NUMBER = env.str("CONNECT_SOURCE_PHONE_NUMBER", default="")
SNS_EVENTS_TOPIC_ARN = env.str("SNS_EVENTS_TOPIC_ARN", default="")
# `manage.py setup_aws`: the WhatsApp Business Account whose events go to SNS_EVENTS_TOPIC_ARN
# (optional), and the names of the event destinations it creates.
WHATSAPP_WABA_ID = env.str("WHATSAPP_WABA_ID", default="")
AWS_EVENT_DESTINATION_NAME = env.str("AWS_EVENT_DESTINATION_NAME", default="portal-sns")

# --- Inbound (SNS) ---
SNS_TOPIC_ARNS = env.list("SNS_TOPIC_ARNS", default=[])
SNS_CERT_DIR = env.str("SNS_CERT_DIR", default="") or None
# One hour: SNS retries a failed delivery for up to about an hour with the default policy;
# anything older is more likely a replay than a retry.
SNS_MAX_AGE_SECONDS = env.int("SNS_MAX_AGE_SECONDS", default=3600)
SNS_AUTO_CONFIRM = env.bool("SNS_AUTO_CONFIRM", default=True)

# Inbound SMS go through these handlers in order, like MIDDLEWARE; the first that takes a
# message wins. Consent keywords must come first so STOP always works. A message that answers
# one we sent (messaging.inbound.context) is offered first to the handler of that message's
# owner (the handler's ``owners``), right after the consent keywords.
INBOUND_SMS_HANDLERS = [
    "messaging.consent.consent_handler",
    "incidents.inbound.incident_reply_handler",
    # Takes only replies to a bulk send, which have no other handler.
    "messaging.audience.replies.bulk_send_reply_handler",
    # Before the shift commands, which take any other single word as a shift code.
    "oncall.inbound.oncall_command_handler",
    "shifts.inbound.shift_command_handler",
]
# What a message in the log can belong to (its owner's model), and what people call that: the
# message log's "belongs to" filter lists exactly these, not every model of every app.
MESSAGE_OWNERS = {
    "incidents.incident": "incident",
    "oncall.schedule": "on-call notice",
    "shifts.shiftcampaign": "shift campaign",
    "shifts.shift": "shift booking",
    "messaging.bulksend": "bulk send",
    "messaging.dispatch": "API message (dispatch)",
    "messaging.inboundsms": "answer to an inbound SMS",
    "messaging.contact": "test SMS to a contact",
    "messaging.conversation": "answer in a conversation",
}
# A reply with no previousPublishedMessageId answers the latest message sent to that number on
# that channel within this many hours; after that it answers nothing.
REPLY_WINDOW_HOURS = env.float("REPLY_WINDOW_HOURS", default=24.0)
# Text no handler takes gets at most one help answer per number in this many hours, counting
# every reply the portal sent that number: an auto-responder at the other end cannot start a loop.
HELP_ANSWER_HOURS = env.float("HELP_ANSWER_HOURS", default=24.0)
UNHANDLED_REPLY_TEXT = env.str(
    "UNHANDLED_REPLY_TEXT",
    default="We got your message and a person will read it. Reply HELP for help, STOP to opt out.",
)
# Other apps' daily rollups, rebuilt by messaging's history refresh with its own (a
# messaging.history.rollups.Rollup each): the report reads a year of them in a few hundred rows.
HISTORY_ROLLUPS = ["incidents.rollups.INCIDENT_ROLLUP"]
# Other apps hear about delivery outcomes through these hooks (called with a DeliveryEvent).
DELIVERY_OUTCOME_HOOKS = env.list("DELIVERY_OUTCOME_HOOKS", default=[
    "messaging.omnichannel.services.dispatch_on_delivery_outcome",  # omnichannel fallback
    "messaging.outbound.sms_retry.sms_retry_on_delivery_outcome",  # retry transiently failed SMS
])
# A transiently failed SMS delivery (TEXT_CARRIER_UNREACHABLE, TEXT_TTL_EXPIRED, TEXT_UNKNOWN) is sent
# again at most this many times, after BACKOFF, 2×BACKOFF, ... seconds.
SMS_DELIVERY_RETRIES = env.int("SMS_DELIVERY_RETRIES", default=2)
SMS_DELIVERY_RETRY_BACKOFF_SECONDS = env.float("SMS_DELIVERY_RETRY_BACKOFF_SECONDS", default=60.0)
SMS_HELP_TEXT = env.str(
    "SMS_HELP_TEXT",
    default="Operations portal alerts. Reply STOP to opt out, START to opt back in. Msg&data rates may apply.",
)

# --- The audience (messaging.audience) ---
# National numbers in imported files (no "+") are read in this region (ISO 3166 code, e.g. "US",
# "GB"); empty: every number must be E.164.
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="")
# "offline": number types from phonenumbers' metadata; "aws": End User Messaging CarrierLookup for
# new and imported contacts (charged per lookup), at most NUMBER_LOOKUPS_PER_DAY a day.
NUMBER_LOOKUP = env.str("NUMBER_LOOKUP", default="offline")
NUMBER_LOOKUPS_PER_DAY = env.int("NUMBER_LOOKUPS_PER_DAY", default=1000)
# Buckets whose ObjectCreated events (through SNS at /sns/) the portal acts on; others are refused.
S3_IMPORT_BUCKETS = env.list("S3_IMPORT_BUCKETS", default=[])
# Outside WhatsApp's 24-hour window only a template may be sent: this approved template's name
# (and language) is sent instead of free text; empty: such a message is logged failed.
WHATSAPP_WINDOW_TEMPLATE = env.str("WHATSAPP_WINDOW_TEMPLATE", default="")
WHATSAPP_WINDOW_TEMPLATE_LANGUAGE = env.str("WHATSAPP_WINDOW_TEMPLATE_LANGUAGE", default="en_US")
# Check the window before a WhatsApp send; by default only when WhatsApp goes to AWS (the
# simulator has no window).
WHATSAPP_WINDOW_CHECK = env.bool("WHATSAPP_WINDOW_CHECK", default=WHATSAPP_TRANSPORT == "aws")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django_q": {"level": env.str("Q_LOG_LEVEL", default="WARNING")},
        # django-axes announces its configuration at every start; its lockouts (WARNING) still log.
        "axes.apps": {"level": "WARNING"},
    },
}

# History for analysts (issue 15).
# Bearer token for /metrics (Prometheus' `authorization` block); unset means /metrics answers 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Retention: with MESSAGE_RETENTION_DAYS set, a daily schedule archives older message-log rows
# (with their events, inbound SMS, SNS notifications) to S3 or ARCHIVE_DIR, then deletes them.
MESSAGE_RETENTION_DAYS = env.int("MESSAGE_RETENTION_DAYS", default=0)
ARCHIVE_S3_BUCKET = env.str("ARCHIVE_S3_BUCKET", default="")
ARCHIVE_S3_PREFIX = env.str("ARCHIVE_S3_PREFIX", default="portal-archive/")
ARCHIVE_DIR = env.str("ARCHIVE_DIR", default=str(BASE_DIR / "archive"))
ARCHIVE_BATCH_SIZE = env.int("ARCHIVE_BATCH_SIZE", default=500)
