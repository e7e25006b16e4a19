"""A real database error at one table's INSERT, for proving what survives a failure.

A trigger makes the database itself refuse the insert, on PostgreSQL (RAISE EXCEPTION) and on
SQLite (a trigger body naming a table that does not exist fails when it runs), so the code under
test meets the error a broken database gives, with nothing in it mocked.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

TRIGGER = "test_injected_fault"


@contextmanager
def inserts_fail(table: str):
    """While inside, every INSERT into ``table`` fails with a database error."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS "
                        f"$$ BEGIN RAISE EXCEPTION 'injected fault: {table} refuses inserts'; END $$")
            cur.execute(f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()")
        else:
            cur.execute(f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON {table} "
                        f"BEGIN INSERT INTO injected_fault_{table}_refuses_inserts VALUES (1); END")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                cur.execute(f"DROP TRIGGER {TRIGGER} ON {table}")
                cur.execute(f"DROP FUNCTION {TRIGGER}()")
            else:
                cur.execute(f"DROP TRIGGER {TRIGGER}")
