"""Root pytest configuration: shared fixtures for every app's tests."""

import pytest
from django.utils import translation

from tongban.testing.factories import make_region_chain

# Fixtures shared by the tests of several packages, so none imports another package's tests.
pytest_plugins = [
    "tongban.testing.browser_fixtures",
    "tongban.testing.catalog_fixtures",
]


@pytest.fixture
def regions(db):
    """A small region tree (四川省/成都市/锦江区, 青羊区; 重庆市/渝中区)."""
    return make_region_chain()


@pytest.fixture(autouse=True)
def _reset_language():
    """LocaleMiddleware leaves the last request's language active in the test thread."""
    yield
    translation.activate("zh-hans")
