"""Contract: hub's X connector reads X's real answers through tweepy (issue 11).

The successful answers are the recordings from api.twitter.com (``tests/fixtures/x``, vcrpy
replay; see also ``tests/connectors/test_x_recorded.py`` and ``test_x_comments.py``, which
replay the others). The error answers are X's documented bodies and headers
(``tests/fixtures/x/errors.json``), served with ``responses`` around the real tweepy client: the
connector must turn each into the typed error the pipeline and the inbox act on.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses

from hub.connectors.base import (
    AuthExpired,
    OutgoingPost,
    Published,
    RateLimited,
    Rejected,
)
from hub.connectors.x import XConnector
from tests.conformance.shapes import real_json
from tests.connectors.conftest import registry_connector
from tests.connectors.recorded import cassette
from tests.connectors.test_x_recorded import replay

API = "https://api.twitter.com"


def connector(user_id: str = "1072250532645998596", username: str = "TweepyDev") -> XConnector:
    credentials = {"access_token": "recorded", "user_id": user_id, "username": username}
    return registry_connector(XConnector, user_id, credentials, timeout=5)


@pytest.fixture
def errors() -> dict[str, Any]:
    return real_json("x/errors.json")


def test_find_published_looks_through_the_recorded_timeline() -> None:
    x = connector("783214", "Twitter")
    # As hub sent it: X shortened the links and appended the media link.
    sent = OutgoingPost(
        delivery_id=1,
        text="whoa, it works\n\nnow everyone can mix GIFs, videos, and images in one Tweet, "
        "available on iOS and Android https://twitter.com/Twitter/status/1577730467436138524",
        not_before=datetime(2022, 10, 5, tzinfo=UTC),
    )
    with replay.use_cassette(str(cassette("test_client_get_users_tweets.yaml"))) as tape:
        found = x.find_published(sent)
    assert tape.play_count == 1
    assert found == Published(
        "1577730467436138524", "https://x.com/Twitter/status/1577730467436138524"
    )


def test_figures_of_recorded_tweets_without_public_metrics_stay_unknown() -> None:
    ids = ["1293593516040269825", "1293595870563381249"]
    with replay.use_cassette(str(cassette("test_client_get_tweets.yaml"))):
        figures = connector().fetch_post_metrics(ids)
    assert all(f.views is None and f.likes is None for f in figures.values())


@responses.activate
def test_xs_401_is_auth_expired(errors: dict[str, Any]) -> None:
    responses.post(f"{API}/2/tweets", json=errors["unauthorized"], status=401)
    with pytest.raises(AuthExpired):
        connector().publish(OutgoingPost(delivery_id=1, text="Hallo"))


@responses.activate
def test_xs_daily_cap_waits_until_the_24_hour_reset(errors: dict[str, Any]) -> None:
    now = int(time.time())
    responses.post(
        f"{API}/2/tweets",
        json=errors["too_many_requests"],
        status=429,
        headers={
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "99",
            "x-rate-limit-reset": str(now + 900),
            "x-user-limit-24hour-limit": "17",
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": str(now + 20 * 3600),
            "x-app-limit-24hour-limit": "10000",
            "x-app-limit-24hour-remaining": "9000",
            "x-app-limit-24hour-reset": str(now + 3600),
        },
    )
    with pytest.raises(RateLimited) as caught:
        connector().publish(OutgoingPost(delivery_id=1, text="Hallo"))
    assert 20 * 3600 - 60 < caught.value.retry_after <= 20 * 3600
    assert "17 posts in 24 hours" in caught.value.message


@responses.activate
def test_xs_15_minute_limit_waits_for_its_own_reset(errors: dict[str, Any]) -> None:
    now = int(time.time())
    responses.get(
        f"{API}/2/tweets/search/recent",
        json=errors["too_many_requests"],
        status=429,
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(now + 300)},
    )
    with pytest.raises(RateLimited) as caught:
        connector().fetch_comments({}, ["1578511538419212288"], full=True)
    assert 240 < caught.value.retry_after <= 300


@responses.activate
def test_xs_duplicate_refusal_is_said_in_xs_words(errors: dict[str, Any]) -> None:
    responses.post(f"{API}/2/tweets", json=errors["duplicate"], status=403)
    with pytest.raises(Rejected) as caught:
        connector().publish(OutgoingPost(delivery_id=1, text="Zweimal"))
    assert "duplicate content" in caught.value.message


@responses.activate
def test_xs_invalid_request_names_its_reason(errors: dict[str, Any]) -> None:
    responses.get(f"{API}/2/tweets/search/recent", json=errors["invalid_request"], status=400)
    with pytest.raises(Rejected) as caught:
        connector().fetch_comments({}, ["1578511538419212288"], full=True)
    assert "'since_id' must be a tweet id created after" in caught.value.message


@responses.activate
def test_a_stale_since_id_is_never_sent_to_x() -> None:
    stale = str(
        (int((datetime.now(UTC) - timedelta(days=9)).timestamp() * 1000) - 1288834974657) << 22
    )
    # X's answer to a listing with nothing new (the recorded shape, without data).
    for path in ("/2/tweets/search/recent", "/2/users/1072250532645998596/mentions"):
        responses.get(f"{API}{path}", json={"meta": {"result_count": 0}}, status=200)
    page = connector().fetch_comments(
        {"posts": {"1578511538419212288": {"since_id": stale}}}, ["1578511538419212288"], full=False
    )
    assert page.items == []
    (call,) = [c for c in responses.calls if "search/recent" in c.request.url]
    assert "since_id" not in call.request.url and "start_time" in call.request.url
