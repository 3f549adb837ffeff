"""Fixtures for the engagement figures: announcements really published to the sandbox.

``published`` runs the publishing pipeline in this process against the sandbox (real SDKs over
HTTP), so the deliveries carry the remote ids the networks gave; the figures are then read from
the same sandbox. Time is passed in (``now``), never slept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from hub.extensions import db
from hub.metrics.settings import MetricsSettings
from hub.models import Announcement
from hub.publishing import pipeline
from tests.conftest import make_settings

CFG = MetricsSettings(batch=50, per_channel=500, lease=600.0)


@pytest.fixture
def settings(tmp_path, database_url, sandbox_url):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, database_url, sandbox_url=sandbox_url, network_timeout=2.0)


@pytest.fixture
def published(approved, sandbox) -> Callable[..., Announcement]:
    """Publish an announcement on ``networks`` now (or on the given ``channels``)."""
    counter = iter(range(1, 10_000))

    def make(*networks: str, channels=None, now: datetime | None = None) -> Announcement:  # type: ignore[no-untyped-def]
        n = next(counter)
        ann = approved(*networks, body=f"Meldung {n} aus dem Rathaus", channels=channels)
        outbox = pipeline.dispatch_due(now=now)
        for delivery_id in outbox.publish:
            assert pipeline.run_publish(delivery_id) == "published"
        db.session.expire_all()
        assert all(d.remote_id for d in ann.deliveries)
        return ann

    return make
