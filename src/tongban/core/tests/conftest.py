"""Fixtures for core tests that need the real division data.

The data is loaded once per test module inside a transaction that is rolled back when the module
ends, so it never leaks into other modules' tests (each test still runs in its own savepoint)."""

from collections.abc import Iterator

import pytest
from django.db import transaction

from tongban.core.services.regions import RegionLoadResult, regions_load

# 四川 and 重庆 in full (townships, generated villages, historical codes) plus 北京 for the
# abolished 崇文区 (110103): everything the tests ask about, at a fraction of the national load.
TEST_PREFIXES = ("51", "50", "11")


@pytest.fixture(scope="module")
def loaded_regions(django_db_setup, django_db_blocker) -> Iterator[RegionLoadResult]:
    with django_db_blocker.unblock(), transaction.atomic():
        result = regions_load(prefixes=TEST_PREFIXES)
        yield result
        transaction.set_rollback(True)
