"""Races: several functions released at the same moment, each on its own database connection."""

import threading

from django.db import connection


def together(*funcs, timeout: float = 30.0) -> list:
    """Run each function in its own thread, all released at the same moment, each on its own
    database connection, as concurrent requests or workers would. Re-raises the first error;
    returns the results in the order of ``funcs``."""
    barrier = threading.Barrier(len(funcs))
    results: list = [None] * len(funcs)
    errors: list[BaseException] = []

    def run(i, func):
        try:
            barrier.wait(timeout=10)
            results[i] = func()
        except BaseException as exc:  # noqa: BLE001 - re-raised below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(funcs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if errors:
        raise errors[0]
    return results
