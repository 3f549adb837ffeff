"""A Redis of this module's own as broker, so queue lengths and an unreachable broker are real."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import Settings
from tests.conftest import make_settings
from tests.support import PrivateRedis, private_redis

METRICS_TOKEN = "scrape-token-for-the-tests"


@pytest.fixture(scope="module")
def redis_broker() -> Iterator[PrivateRedis]:
    with private_redis() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_broker: PrivateRedis) -> Settings:
    redis_broker.client.flushall()
    return make_settings(
        tmp_path,
        database_url,
        broker_url=redis_broker.url,
        redis_url=redis_broker.url,
        metrics_token=METRICS_TOKEN,
    )
