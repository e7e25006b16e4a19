"""Settings for the test suite: the portal's own settings with test-friendly defaults.

``DATABASE_URL`` still decides the database, so the same suite runs on PostgreSQL (CI) and on
SQLite.
"""

import os

os.environ.setdefault("TASKS_EAGER", "true")
os.environ.setdefault("SIMULATOR_AUTO_DELIVER", "false")
os.environ.setdefault("SIMULATOR_DELIVERY_DELAY_SECONDS", "0")
os.environ.setdefault("SNS_AUTO_CONFIRM", "false")

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
# django-axes stays on, as in production (tests/portal/test_admin_lockout.py). Its backend needs the
# request: use force_login, or client.login(request=HttpRequest(), username=..., password=...).

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not :memory:, so that qcluster processes started by tests share the database.
    DATABASES["default"].setdefault("TEST", {}).setdefault(  # noqa: F405
        "NAME", str(BASE_DIR / os.environ.get("TEST_SQLITE_NAME", "test_portal.sqlite3")))  # noqa: F405
