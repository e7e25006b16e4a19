from django.conf import settings
from django.core.checks import Error, Warning, register

from messaging.inbound.sns_verify import allowed_topics


@register(deploy=True)
def wildcard_hosts_check(app_configs, **kwargs):
    # "*" is a deployment (settings.DEPLOYED: SECRET_KEY required, HTTPS defaults on), but it
    # still lets any Host header through, and Django builds absolute links from that header.
    if "*" in settings.ALLOWED_HOSTS:
        return [Warning(
            "ALLOWED_HOSTS='*' accepts any Host header, so links the portal builds (admin, API docs) "
            "can be made to point at another site.",
            hint="Name the site's host in ALLOWED_HOSTS (e.g. portal.example.com).",
            id="portal.W001",
        )]
    return []


SNS_TOPICS_PROBLEM = (
    "SNS_TOPIC_ARNS is empty in a deployment: /sns/ takes notifications from every topic the portal "
    "is subscribed to, and no subscription is ever confirmed automatically (confirming any topic "
    "would let any AWS account send the portal forged inbound SMS)."
)
SNS_TOPICS_HINT = (
    "Set SNS_TOPIC_ARNS to the comma-separated TopicArns that deliver to /sns/ "
    "(e.g. arn:aws:sns:us-east-1:123456789012:portal-events)."
)


def sns_topics_problem() -> str | None:
    """The deployment's SNS_TOPIC_ARNS problem, if it has one (also logged at start-up)."""
    return SNS_TOPICS_PROBLEM if settings.DEPLOYED and not allowed_topics() else None


@register(deploy=True)
def sns_topics_check(app_configs, **kwargs):
    if sns_topics_problem():
        return [Error(SNS_TOPICS_PROBLEM, hint=SNS_TOPICS_HINT, id="portal.E001")]
    return []
