"""X's 24-hour posting caps: at the cap X answers 429 with ``x-user-limit-24hour-*`` (or
``x-app-limit-24hour-*``) headers; the connector waits until that reset, not the 15-minute one
(issue 11, finding 4). The sandbox keeps the caps with X's headers."""

from __future__ import annotations

import time

import pytest

from hub.connectors.base import OutgoingPost, RateLimited


def test_the_users_daily_cap_waits_until_its_reset(x_connector, sandbox) -> None:
    sandbox.settings("x", daily_post_limit=1)
    x_connector.publish(OutgoingPost(delivery_id=1, text="Erste Meldung"))
    with pytest.raises(RateLimited) as caught:
        x_connector.publish(OutgoingPost(delivery_id=2, text="Zweite Meldung"))
    # The cap's window began with the first post: it resets about 24 hours later, far beyond
    # the 15-minute window whose reset X also sends.
    assert caught.value.retry_after is not None
    assert 23 * 3600 < caught.value.retry_after <= 24 * 3600 + 5
    assert "24 hours" in caught.value.message
    assert [p["text"] for p in sandbox.posts("x")] == ["Erste Meldung"]


def test_the_apps_daily_cap_counts_too(x_connector, sandbox) -> None:
    sandbox.settings("x", app_daily_post_limit=1)
    x_connector.publish(OutgoingPost(delivery_id=1, text="Eins"))
    started = time.time()
    with pytest.raises(RateLimited) as caught:
        x_connector.reply("1", "Zwei", idempotency_key="k")
    assert caught.value.retry_after > 23 * 3600 - (time.time() - started)
    assert "hub's X app" in caught.value.message


def test_a_plain_15_minute_limit_still_waits_for_its_own_reset(x_connector, sandbox) -> None:
    sandbox.add_fault("x", "status", status=429, retry_after=90, count=1, method="POST")
    with pytest.raises(RateLimited) as caught:
        x_connector.publish(OutgoingPost(delivery_id=1, text="Drei"))
    assert caught.value.retry_after is not None and caught.value.retry_after <= 91
