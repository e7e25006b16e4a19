"""System checks: every dotted path messaging is configured with imports, or start-up says which.

The handlers, hooks and transports are plug-in points named in settings (as MIDDLEWARE is), and
they are imported lazily: a typo would otherwise surface as the first inbound SMS failing, or a
delivery outcome silently not heard, hours after the deploy. ``manage.py check`` and every
runserver or qcluster start import each one now and name the setting that is wrong.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError
from django.utils.module_loading import import_string

from messaging.audience.quiet_hours import window_parse
from messaging.history.archive.plan import ArchivePlanError, archive_plan
from messaging.legacy_paths import legacy_prefixes
from messaging.transports import TRANSPORT_SETTINGS, transport_path


def _import_error(path: str) -> str | None:
    try:
        import_string(path)
    except Exception as exc:  # ImportError, or whatever the module raises while being imported
        return f"{type(exc).__name__}: {exc}"
    return None


def _paths_check(setting: str, error_id: str, what: str) -> list[Error]:
    paths = getattr(settings, setting, [])
    if isinstance(paths, str) or not isinstance(paths, (list, tuple)):
        return [Error(f"{setting} must be a list of dotted paths, not {type(paths).__name__}.",
                      hint=f"Write {setting} = [\"package.module.function\", ...].", id=error_id)]
    errors = []
    for path in paths:
        problem = _import_error(path) if isinstance(path, str) else f"{path!r} is not a dotted path"
        if problem:
            errors.append(Error(f"{setting} names {what} {path!r} that cannot be imported ({problem}).",
                                hint=f"Fix or remove the entry in {setting}.", obj=setting, id=error_id))
    return errors


@register()
def inbound_handlers_check(app_configs, **kwargs):
    return _paths_check("INBOUND_SMS_HANDLERS", "messaging.E001", "an inbound SMS handler")


@register()
def delivery_outcome_hooks_check(app_configs, **kwargs):
    return _paths_check("DELIVERY_OUTCOME_HOOKS", "messaging.E002", "a delivery-outcome hook")


@register()
def history_rollups_check(app_configs, **kwargs):
    return _paths_check("HISTORY_ROLLUPS", "messaging.E004", "a daily rollup")


@register()
def aws_setup_steps_check(app_configs, **kwargs):
    return _paths_check("AWS_SETUP_STEPS", "messaging.E005", "a setup_aws step")


@register()
def personal_data_erasers_check(app_configs, **kwargs):
    return _paths_check("PERSONAL_DATA_ERASERS", "messaging.E006", "a personal-data eraser")


@register()
def builtin_templates_check(app_configs, **kwargs):
    return _paths_check("BUILTIN_TEMPLATES", "messaging.E020", "a module's default templates")


@register()
def transports_check(app_configs, **kwargs):
    errors = []
    for channel, setting in TRANSPORT_SETTINGS.items():
        path = transport_path(channel)
        problem = _import_error(path)
        if problem:
            errors.append(Error(
                f"{setting}={getattr(settings, setting)!r} selects transport {path!r}, which cannot be imported "
                f"({problem}).",
                hint=f"Set {setting} to simulator, aws, or the dotted path of a transport class.",
                obj=setting, id="messaging.E003"))
    return errors


def _queued_funcs():
    """The func of every task on django-q2's queue that names it by path."""
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    for payload in OrmQ.objects.values_list("payload", flat=True).iterator():
        try:
            func = SignedPackage.loads(payload).get("func")
        except Exception:  # signed with another key, or an unpicklable callable: not a path
            continue
        if isinstance(func, str):
            yield func


def _legacy_holders():
    from django_q.models import Schedule

    from messaging.models import Timer, TimerState

    prefixes = legacy_prefixes()
    pending = Timer.objects.filter(state=TimerState.PENDING)
    for path in pending.values_list("callback", flat=True).distinct():
        if path.startswith(prefixes):
            yield f"pending Timer rows (callback={path!r})", path
    for path in Schedule.objects.values_list("func", flat=True).distinct():
        if path.startswith(prefixes):
            yield f"a django-q2 Schedule (func={path!r})", path
    for path in sorted(set(_queued_funcs())):
        if path.startswith(prefixes):
            yield f"queued django-q2 tasks (func={path!r})", path
    for path in settings.DELIVERY_OUTCOME_HOOKS:  # read from the environment
        if path.startswith(prefixes):
            yield f"DELIVERY_OUTCOME_HOOKS ({path!r})", path


@register(Tags.database)
def legacy_paths_check(app_configs, databases=None, **kwargs):
    """Rows and settings that still name a path kept only in messaging.legacy_paths: pending
    timers, schedules, queued tasks and DELIVERY_OUTCOME_HOOKS (read from the environment). Not
    INBOUND_SMS_HANDLERS, whose consent entry keeps its old string on purpose, nor the
    ``handled_by`` of past inbound rows, which are history (both resolve through the table).

    Tagged ``database``: it runs with ``manage.py check --database default`` and before
    ``migrate``, not on every command, since it reads the queue.
    """
    if not databases or "default" not in databases:
        return []
    try:
        holders = list(_legacy_holders())
    except DatabaseError:  # not migrated yet: nothing can hold a path
        return []
    return [Warning(f"{where} still name an old path that messaging.legacy_paths keeps resolving.",
                    hint=f"Let them drain, or rewrite {path!r} to its new path, before that entry is removed "
                         "(messaging/legacy_paths.py says when each entry may go).",
                    obj=path, id="messaging.W001") for where, path in holders]


@register()
def archive_plan_check(app_configs, **kwargs):
    # A model that points at an archived table in a way the archive cannot keep makes archiving
    # refuse to run; start-up says so, not the first night's retention run.
    try:
        archive_plan()
    except ArchivePlanError as exc:
        return [Error(str(exc), id="messaging.E010")]
    return []


@register()
def promotional_quiet_hours_check(app_configs, **kwargs):
    # A typo here would fail the first promotional send, on a worker; say so at start-up.
    value = settings.BULK_PROMOTIONAL_QUIET_HOURS
    if not value:
        return []
    try:
        start, end = (window_parse(part) for part in value.split("-"))
        if start == end:
            raise ValueError("start and end are the same time")
    except ValueError as exc:
        return [Error(f"BULK_PROMOTIONAL_QUIET_HOURS={value!r} is not HH:MM-HH:MM ({exc}); empty turns it off.",
                      obj="BULK_PROMOTIONAL_QUIET_HOURS", id="messaging.E011")]
    return []
