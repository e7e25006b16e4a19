"""System checks: every dotted path messaging is configured with imports, or start-up says which.

The handlers, hooks and transports are plug-in points named in settings (as MIDDLEWARE is), and
they are imported lazily: a typo would otherwise surface as the first inbound SMS failing, or a
delivery outcome silently not heard, hours after the deploy. ``manage.py check`` and every
runserver or qcluster start import each one now and name the setting that is wrong.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.utils.module_loading import import_string

from messaging.history.archive.plan import ArchivePlanError, archive_plan
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


@register()
def archive_plan_check(app_configs, **kwargs):
    # A model that points at an archived table in a way the archive cannot keep makes archiving
    # refuse to run; start-up says so, not the first night's retention run.
    try:
        archive_plan()
    except ArchivePlanError as exc:
        return [Error(str(exc), id="messaging.E010")]
    return []
