"""The X connector against real X API v2 answers recorded from api.twitter.com (vcrpy replay).

The connector runs with no base URL, so tweepy builds the real ``https://api.twitter.com`` URLs
and vcrpy answers them from the cassettes; nothing reaches the network (``record_mode="none"``
fails any request that was not recorded). Requests match on method and path (our query strings
differ from tweepy's tests'), and writes also on their JSON body, so what the connector sends is
checked against what X accepted.
"""

from __future__ import annotations

import json

import pytest
import vcr
from vcr.errors import CannotOverwriteExistingCassetteException

from hub.connectors.base import ChannelAccess, OutgoingPost, Published
from hub.connectors.registry import connector_for
from hub.connectors.x import XConnector
from tests.connectors.recorded import cassette


def _json_body(sent, recorded) -> None:
    def parsed(body):
        if not body:
            return None
        return json.loads(body.decode() if isinstance(body, bytes) else body)

    assert parsed(sent.body) == parsed(recorded.body), "the request body differs from X's record"


# The cassettes keep X's gzip bodies; decoding them on load is what requests would have done.
replay = vcr.VCR(
    record_mode="none",
    match_on=("method", "scheme", "host", "path", "json_body"),
    decode_compressed_response=True,
)
replay.register_matcher("json_body", _json_body)


def connector(**credentials: str) -> XConnector:
    access = ChannelAccess("1072250532645998596", {"access_token": "recorded", **credentials})
    made = connector_for("x", access, timeout=5)
    assert isinstance(made, XConnector) and made.access.base_url is None
    return made


def test_publish_reads_the_id_x_returned() -> None:
    x = connector(user_id="1072250532645998596", username="TweepyDev")
    with replay.use_cassette(str(cassette("test_client_create_and_delete_tweet.yaml"))) as tape:
        result = x.publish(OutgoingPost(delivery_id=1, text="Test Tweet"))
    assert result == Published(
        "1456012973835788293", "https://x.com/TweepyDev/status/1456012973835788293"
    )
    assert tape.play_count == 1


def test_check_connection_reads_the_recorded_user() -> None:
    with replay.use_cassette(str(cassette("test_client_get_me.yaml"))):
        assert connector().check_connection() == "@TweepyDev"


def test_publish_without_stored_username_asks_x_first() -> None:
    x = connector()
    with replay.use_cassette(str(cassette("test_client_get_me.yaml"))):
        me = x.me()
    assert (me.id, me.username) == ("1072250532645998596", "TweepyDev")


def test_post_metrics_parse_a_real_lookup() -> None:
    ids = ["1293593516040269825", "1293595870563381249"]
    with replay.use_cassette(str(cassette("test_client_get_tweets.yaml"))):
        figures = connector().fetch_post_metrics(ids)
    # The recording asked for no public_metrics: both tweets are there, their figures unknown.
    assert sorted(figures) == ids
    assert figures[ids[0]].likes is None and figures[ids[0]].raw == {}


def test_hide_and_show_send_what_x_accepted() -> None:
    x = connector()
    with replay.use_cassette(str(cassette("test_client_hide_and_unhide_reply.yaml"))) as tape:
        x.set_hidden("1344794616005066752", True)
        x.set_hidden("1344794616005066752", False)
    assert tape.play_count == 2


def test_a_request_x_never_answered_is_not_invented() -> None:
    x = connector(user_id="1", username="someone")
    with (
        replay.use_cassette(str(cassette("test_client_get_me.yaml"))),
        pytest.raises(CannotOverwriteExistingCassetteException),
    ):
        x.publish(OutgoingPost(delivery_id=1, text="Nicht aufgezeichnet"))
