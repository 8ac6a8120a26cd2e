import pytest
from django.core.cache import cache

from tests.world import World


@pytest.fixture(autouse=True)
def _clean_cache():
    # Throttles and lockouts live in Redis: each test starts from none.
    cache.clear()
    yield


@pytest.fixture
def world(db) -> World:
    return World()
