"""What the portal does, and how: transports and AWS, inbound SNS, handlers and hooks, the
audience, alerts, on call, history. Read from the environment like ``framework``.
"""

from portal.settings.framework import BASE_DIR, SECRET_KEY, env

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
# Bulk sends marked "promotional" with no quiet_hours of their own are held during this window
# in each recipient's zone ("HH:MM-HH:MM"; empty turns it off). The US TCPA allows telephone
# solicitation only from 8 a.m. to 9 p.m. at the called party's location. Transactional sends,
# incident pages and on-call texts are never held.
BULK_PROMOTIONAL_QUIET_HOURS = env.str("BULK_PROMOTIONAL_QUIET_HOURS", default="21:00-08:00")
# Send-time data (a bulk send's "enrichment" URL): each call is signed with this key (HMAC-SHA256;
# a send naming a URL is refused while it is empty), answers within this many seconds, and a
# held recipient tries again after base, 2 x base, ... seconds.
ENRICHMENT_SIGNING_KEY = env.str("ENRICHMENT_SIGNING_KEY", default="")
ENRICHMENT_TIMEOUT_SECONDS = env.float("ENRICHMENT_TIMEOUT_SECONDS", default=3.0)
ENRICHMENT_RETRY_BASE_SECONDS = env.float("ENRICHMENT_RETRY_BASE_SECONDS", default=60.0)

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
# Who gets the previous month's delivery report on the 1st (portal/monthly_report.py); empty sends none.
REPORT_EMAILS = env.list("REPORT_EMAILS", default=[])
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_META_API_VERSION = env.str("WHATSAPP_META_API_VERSION", default="v20.0")
CONNECT_INSTANCE_ID = env.str("CONNECT_INSTANCE_ID", default="")
CONNECT_CONTACT_FLOW_ID = env.str("CONNECT_CONTACT_FLOW_ID", default="")
CONNECT_QUEUE_ID = env.str("CONNECT_QUEUE_ID", default="")
CONNECT_SOURCE_PHONE_NUMBER = env.str("CONNECT_SOURCE_PHONE_NUMBER", default="")
# VOICE_TRANSPORT=connect: voice pages are Connect calls through the flow that takes a key
# (setup_aws creates it and prints its id), ringing at most CONNECT_RING_TIMEOUT_SECONDS.
CONNECT_PAGE_FLOW_ID = env.str("CONNECT_PAGE_FLOW_ID", default="")
CONNECT_RING_TIMEOUT_SECONDS = env.int("CONNECT_RING_TIMEOUT_SECONDS", default=30)
# A bulk send's confirmation calls (press 1 to confirm, 2 to cancel) go through this flow
# (setup_aws creates portal-confirm-call and prints its id).
CONNECT_CONFIRM_FLOW_ID = env.str("CONNECT_CONFIRM_FLOW_ID", default="")
# Bulk sends' calls are placed at most this many per second: StartOutboundVoiceContact's default
# quota is 2 requests a second (burst 5) per account and Region. 0 turns pacing off.
VOICE_CALLS_PER_SECOND = env.float("VOICE_CALLS_PER_SECOND", default=2)
# POST /connect/events/ exists only with a token: EventBridge's connection sends it as a bearer.
CONNECT_EVENTS_TOKEN = env.str("CONNECT_EVENTS_TOKEN", default="")
# Where EventBridge's API destination posts (https://<host>/connect/events/); setup_aws needs it.
CONNECT_EVENTS_URL = env.str("CONNECT_EVENTS_URL", default="")
# The role EventBridge assumes to invoke that API destination (events:InvokeApiDestination).
CONNECT_EVENTS_ROLE_ARN = env.str("CONNECT_EVENTS_ROLE_ARN", default="")
# Other apps' steps of `manage.py setup_aws`, each called with (plan, client_for) after messaging's:
# the on-call hotline's quick connects and inbound flows.
AWS_SETUP_STEPS = env.list("AWS_SETUP_STEPS", default=["oncall.hotline.hotline_aws_setup"])
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
    # The self-test's echo first: its text must not be read as a keyword or a shift code.
    "messaging.selftest.handler.self_test_handler",
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
    "messaging.selftestrun": "pager self-test",
}
# A reply with no previousPublishedMessageId answers the latest message sent to that number on
# that channel within this many hours; after that it answers nothing.
REPLY_WINDOW_HOURS = env.float("REPLY_WINDOW_HOURS", default=24.0)
# Text no handler takes gets at most one help answer per number in this many hours, counting
# every reply the portal sent that number: an auto-responder at the other end cannot start a loop.
HELP_ANSWER_HOURS = env.float("HELP_ANSWER_HOURS", default=24.0)
# Email in (messaging/email_in/): a sender gets at most one auto-reply in this many days (RFC 3834).
AUTO_REPLY_DAYS = env.float("AUTO_REPLY_DAYS", default=4.0)
# An email answering one of ours whose first word is one of these is routed as that word (and a
# reference after it): the incident replies' words, so "YES, on my way" acknowledges.
EMAIL_REPLY_WORDS = env.list("EMAIL_REPLY_WORDS", default=["YES", "Y", "ACK", "NO", "N", "RESOLVE", "R"])
# The only bucket a receipt rule's S3 action (large email) is read from.
SES_RECEIPT_S3_BUCKET = env.str("SES_RECEIPT_S3_BUCKET", default="")
# `manage.py setup_aws`: the receipt rule set (made active) and rule that send received email to
# SES_RECEIPT_TOPIC_ARN (default SNS_EVENTS_TOPIC_ARN); empty skips email receiving.
SES_RECEIPT_RULE_SET = env.str("SES_RECEIPT_RULE_SET", default="")
SES_RECEIPT_RULE_NAME = env.str("SES_RECEIPT_RULE_NAME", default="portal-inbound")
SES_RECEIPT_RECIPIENTS = env.list("SES_RECEIPT_RECIPIENTS", default=[])
SES_RECEIPT_TOPIC_ARN = env.str("SES_RECEIPT_TOPIC_ARN", default="")
UNHANDLED_REPLY_TEXT = env.str(
    "UNHANDLED_REPLY_TEXT",
    default="We got your message and a person will read it. Reply HELP for help, STOP to opt out.",
)
# Other apps' daily rollups, rebuilt by messaging's history refresh with its own (a
# messaging.history.rollups.Rollup each): the report reads a year of them in a few hundred rows.
HISTORY_ROLLUPS = ["incidents.rollups.INCIDENT_ROLLUP"]
# Other apps' erasers of a person's rows (messaging.erasure.services.contact_erase runs
# messaging's own first, then these, then deletes the contact and rewrites the archive).
PERSONAL_DATA_ERASERS = ["incidents.erasure.incidents_erase", "shifts.erasure.shifts_erase",
                         "oncall.erasure.oncall_erase"]
# The key of the hash an erased number or address keeps, so its STOP or bounce still holds
# (messaging/erasure/keys.py). Changing it forgets every erased person's opt-out.
ERASURE_KEY = env.str("ERASURE_KEY", default="") or SECRET_KEY
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

# --- Templates, topics and preferences (messaging.templates, messaging.topics) ---
# The portal's own texts as default templates (each a sequence of BuiltinTemplate); a Template
# row of the same name overrides them per variant.
BUILTIN_TEMPLATES = ["incidents.texts.BUILTIN_TEMPLATES", "oncall.texts.BUILTIN_TEMPLATES",
                     "shifts.texts.BUILTIN_TEMPLATES"]
# Built-in templates' rows are cached this long per process (an edit elsewhere shows after it).
TEMPLATE_CACHE_SECONDS = env.float("TEMPLATE_CACHE_SECONDS", default=30.0)
# Links sent to people ({preferences_url}, List-Unsubscribe) start with this; no trailing slash.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# A preferences or unsubscribe link stops working after this many days.
PREFERENCES_LINK_DAYS = env.int("PREFERENCES_LINK_DAYS", default=60)
# The mailto: of List-Unsubscribe (a mailbox an operator reads); empty: the https link only.
UNSUBSCRIBE_MAILTO = env.str("UNSUBSCRIBE_MAILTO", default="")

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

# The pager watches itself (messaging/selftest/): with SELF_TEST_NUMBER set, a test SMS with a nonce
# goes there every SELF_TEST_MINUTES and must come back inbound (through /sns/) within
# SELF_TEST_TIMEOUT_SECONDS; a failure is emailed to SELF_TEST_ALERT_EMAILS, and SELF_TEST_ALERT_PHONES
# are called when VOICE_TRANSPORT is connect. The simulator echoes SMS sent to SELF_TEST_NUMBER.
SELF_TEST_NUMBER = env.str("SELF_TEST_NUMBER", default="")
SELF_TEST_MINUTES = env.int("SELF_TEST_MINUTES", default=15)
SELF_TEST_TIMEOUT_SECONDS = env.int("SELF_TEST_TIMEOUT_SECONDS", default=120)
SELF_TEST_ALERT_EMAILS = env.list("SELF_TEST_ALERT_EMAILS", default=[])
SELF_TEST_ALERT_PHONES = env.list("SELF_TEST_ALERT_PHONES", default=[])
