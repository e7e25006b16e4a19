"""Old path, kept for a release: the AWS setup now lives with the AWS transport."""
from messaging.transports.aws_setup import *  # noqa: F401,F403
from messaging.transports.aws_setup import SES_EVENT_TYPES, SMS_EVENT_TYPES, aws_setup  # noqa: F401
