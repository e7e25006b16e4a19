"""Pagination for the admin's big tables (message log, events, inbound, timers, incidents).

A changelist counts its rows to draw the paginator, twice when "show full result count" is
on. On PostgreSQL an exact COUNT(*) of ten million rows reads the whole table (about a second
each time), and nobody pages to row 9,437,112. So: unfiltered, the count is the planner's own
estimate (``pg_class.reltuples``, kept by autovacuum's ANALYZE); filtered, it counts at most
``COUNT_CAP`` rows and the paginator stops there. Small tables, and SQLite, count exactly.
"""

from __future__ import annotations

import re

from django.contrib.admin import AllValuesFieldListFilter
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000
CHOICES_CAP = 100  # a list filter with more values than this is a search, not a list
# Below this many rows an exact count is cheap and an estimate would only look wrong.
EXACT_BELOW = 100_000
PHONE = re.compile(r"^\+?[0-9]{6,15}$")


def table_estimate(queryset: QuerySet) -> int | None:
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table])
        row = cur.fetchone()
    return row[0] if row and row[0] >= 0 else None


class EstimatedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        estimate = table_estimate(queryset)
        if estimate is None or estimate < EXACT_BELOW:
            return super().count
        if not queryset.query.where:
            return estimate
        return queryset.order_by()[:COUNT_CAP].count()


class LargeTableAdminMixin:
    """For a ModelAdmin over a table that grows without end."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # The paginator's last page is an estimate, so no "Show all" of millions of rows either.
    list_max_show_all = 0


def phone_search(request_term: str) -> str | None:
    """The E.164 form of a search term that is a phone number, else None ("+1 206-555 0100" too)."""
    compact = re.sub(r"[\s().-]", "", request_term)
    return compact if PHONE.match(compact) else None


def distinct_values(queryset: QuerySet, column: str, limit: int = CHOICES_CAP) -> list:
    """The distinct values of an indexed column, smallest first, at most ``limit`` of them.

    On PostgreSQL a skip scan (a recursive query that asks the index for the next value above
    the last one): a few index probes per value, where ``SELECT DISTINCT`` reads every row.
    Elsewhere (SQLite, small tables) the plain DISTINCT.
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return list(queryset.order_by(column).values_list(column, flat=True).distinct()[:limit])
    table, col = (connection.ops.quote_name(n) for n in (queryset.model._meta.db_table, column))
    sql = (f"WITH RECURSIVE v AS ((SELECT {col} AS x FROM {table} ORDER BY {col} LIMIT 1) UNION ALL "
           f"SELECT (SELECT {col} FROM {table} WHERE {col} > v.x ORDER BY {col} LIMIT 1) FROM v "
           f"WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL LIMIT %s")
    with connection.cursor() as cur:
        cur.execute(sql, [limit])
        return [row[0] for row in cur.fetchall()]


class IndexedValuesFilter(AllValuesFieldListFilter):
    """The admin's "all values" list filter, with its choices read by ``distinct_values``.

    For a column with an index that leads with it; the stock filter's DISTINCT reads the table.
    """

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.lookup_choices = distinct_values(model._default_manager.all(), field.column)
