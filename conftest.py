"""Root pytest configuration: shared fixtures for every app's tests."""

import pytest

from tongban.testing.factories import make_region_chain


@pytest.fixture
def regions(db):
    """A small region tree (四川省/成都市/锦江区, 青羊区; 重庆市/渝中区)."""
    return make_region_chain()
