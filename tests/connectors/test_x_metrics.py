"""X figures: ``public_metrics`` of up to 100 tweets per lookup, and the account's followers."""

from __future__ import annotations

import vcr

from hub.connectors.base import Capability, ChannelAccess, OutgoingPost
from hub.connectors.registry import connector_for
from tests.connectors.recorded import cassette, recorded_body


def test_public_metrics_map_to_common_names(x_connector, sandbox) -> None:
    assert x_connector.supports(Capability.post_metrics)
    tweet = x_connector.publish(OutgoingPost(delivery_id=1, text="Sperrung Kortumstraße")).remote_id
    sandbox.set_metrics(
        "x",
        tweet,
        impression_count=3100,
        like_count=55,
        retweet_count=9,
        quote_count=3,
        bookmark_count=4,
    )
    figures = x_connector.fetch_post_metrics([tweet])[tweet]
    assert (figures.views, figures.likes, figures.shares, figures.saves) == (3100, 55, 12, 4)
    assert figures.comments == 0 and figures.reach is None and figures.clicks is None
    assert figures.raw["impression_count"] == 3100


def test_a_hundred_tweets_per_lookup(x_connector, sandbox) -> None:
    tweets = [
        x_connector.publish(OutgoingPost(delivery_id=n, text=f"Meldung {n}")).remote_id
        for n in range(120)
    ]
    before = len(sandbox.requests("x"))
    figures = x_connector.fetch_post_metrics(tweets)
    assert sorted(figures) == sorted(tweets)
    lookups = [r for r in sandbox.requests("x")[before:] if r["path"] == "/2/tweets"]
    assert len(lookups) == 2
    assert all("public_metrics" in r["query"] for r in lookups)


def test_followers_from_the_account(x_connector, sandbox) -> None:
    me = x_connector.me()
    sandbox.put_account("x", id=me.id, followers=35120)
    assert x_connector.fetch_account_metrics().followers == 35120


def test_recorded_lookup_shape_is_read() -> None:
    """A real X answer to ``GET /2/tweets?ids=`` (recorded without public_metrics: the figures
    are unknown, never 0); the shape is the one the sandbox sends."""
    body = recorded_body("test_client_get_tweets.yaml")
    ids = [t["id"] for t in body["data"]]
    access = ChannelAccess("1072250532645998596", {"access_token": "recorded"})
    x = connector_for("x", access, timeout=5)
    replay = vcr.VCR(
        record_mode="none", match_on=("method", "path"), decode_compressed_response=True
    )
    with replay.use_cassette(str(cassette("test_client_get_tweets.yaml"))):
        figures = x.fetch_post_metrics(ids)
    assert sorted(figures) == sorted(ids)
    assert all(f.views is None and f.likes is None for f in figures.values())
