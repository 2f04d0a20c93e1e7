"""Query plans the public catalog relies on to answer in the same time at 10k and at 1M items
(bench/catalog_read.py). SQLite only: without ANALYZE statistics its planner chooses from the
schema alone, so the plan does not depend on the rows in the test database."""

import pytest
from django.db import connection
from django.db.models import QuerySet

from tongban.catalog.selectors import ItemFilters, item_list_public

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query planner"),
]


def _plan(queryset: QuerySet) -> list[str]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [row[-1] for row in cursor.fetchall()]


def test_region_list_walks_the_index_that_holds_popularity_and_region():
    plan = _plan(item_list_public(ItemFilters(region="510104"))[:20])

    items = [step for step in plan if "catalog_implementationitem" in step]
    assert items == [
        "SEARCH catalog_implementationitem USING INDEX impl_status_pop_region (status=?)"
    ], plan
