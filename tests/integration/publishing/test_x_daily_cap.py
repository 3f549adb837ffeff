"""Waiting for a rate limit or X's 24-hour posting cap is not an attempt (issue 11, finding 4).

A post at X's daily cap used to burn its attempts within the hour and fail. Now it waits until
the cap resets, however often it is told to, keeps its attempts, and the editor reads when it
goes out (in the office's time, Europe/Berlin). Real connector, real tweepy, the sandbox's caps.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.models import ChannelStatus, DeliveryState
from hub.models.types import utcnow
from tests.conftest import make_settings
from tests.support import publish_due


@pytest.fixture
def settings(tmp_path, database_url, sandbox_url):  # type: ignore[no-untyped-def]
    return make_settings(
        tmp_path, database_url, sandbox_url=sandbox_url, network_timeout=2.0, max_attempts=3
    )


def test_a_post_at_the_daily_cap_waits_for_the_reset_without_spending_attempts(
    english, approved, make_channel, sandbox
) -> None:
    x = make_channel("x")
    sandbox.settings("x", daily_post_limit=1)
    approved(channels=[x], body="Die erste Meldung des Tages")
    assert publish_due() == ["published"]

    ann = approved(channels=[x], body="Die zweite Meldung des Tages")
    before = utcnow()
    assert publish_due() == [DeliveryState.retry_wait]
    (delivery,) = ann.deliveries
    assert delivery.error_code == "rate_limited"
    assert delivery.attempts == 0  # waiting is not an attempt
    assert delivery.next_attempt_at >= before + timedelta(hours=23)
    local = delivery.next_attempt_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert "24 hours" in delivery.error_message
    assert local.strftime("%-I:%M") in delivery.error_message  # the time it goes out, Berlin

    # Told "not yet" again and again (more often than max_attempts): it keeps waiting.
    for _ in range(4):
        assert publish_due(now=delivery.next_attempt_at + timedelta(seconds=1)) == [
            DeliveryState.retry_wait
        ]
        assert delivery.state == DeliveryState.retry_wait and delivery.attempts == 0
    assert x.status == ChannelStatus.active

    sandbox.settings("x", daily_post_limit=2)  # the cap reset
    assert publish_due(now=delivery.next_attempt_at + timedelta(seconds=1)) == ["published"]
    assert delivery.attempts == 1
    assert [p["text"] for p in sandbox.posts("x")] == [
        "Die erste Meldung des Tages",
        "Die zweite Meldung des Tages",
    ]
