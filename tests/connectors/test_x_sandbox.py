"""The X connector (tweepy underneath) against the sandbox over real HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from hub.connectors.base import (
    AuthExpired,
    ChannelAccess,
    OutgoingPost,
    Published,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
)
from hub.connectors.registry import connector_for
from hub.connectors.x import XConnector
from tests.connectors.conftest import TIMEOUT
from tests.support import wait_until


def post(text: str, **kwargs) -> OutgoingPost:
    return OutgoingPost(delivery_id=1, text=text, **kwargs)


def now() -> datetime:
    return datetime.now(UTC)


# -- publishing -------------------------------------------------------------------------------


def test_publish_text_returns_id_and_x_url(x_connector, sandbox) -> None:
    result = x_connector.publish(post("Guten Morgen, Bochum!"))
    (held,) = sandbox.posts("x")
    username = sandbox.accounts("x")[0]["username"]
    assert result == Published(held["id"], f"https://x.com/{username}/status/{held['id']}")
    assert held["url"] == result.url
    assert held["text"] == "Guten Morgen, Bochum!"


def test_publish_link_and_reply_settings(x_connector, sandbox) -> None:
    text = "Neue Kita eröffnet: https://www.bochum.de/kita"
    x_connector.publish(
        post(text, link="https://www.bochum.de/kita", options={"reply_settings": "following"})
    )
    (held,) = sandbox.posts("x")
    assert held["text"] == text
    assert held["options"] == {"reply_settings": "following"}


def test_publish_images_with_alt_text_arrive_whole(x_connector, sandbox, make_media) -> None:
    images = [make_media(alt_text=f"Bild {n}", color=c) for n, c in enumerate(("red", "green"))]
    x_connector.media_chunk_bytes = 1000  # several append segments per image
    x_connector.publish(post("Zwei Bilder", media=images))
    (held,) = sandbox.posts("x")
    assert [(m["sha256"], m["size"], m["alt_text"]) for m in held["media"]] == [
        (i.sha256, i.size, i.alt_text) for i in images
    ]
    appends = [r for r in sandbox.requests("x") if r["path"].endswith("/append")]
    assert len(appends) == sum(-(-i.size // 1000) for i in images)


def test_publish_image_without_text(x_connector, sandbox, make_media) -> None:
    image = make_media(alt_text=None)
    x_connector.publish(post("", media=[image]))
    (held,) = sandbox.posts("x")
    assert held["text"] == "" and held["media"][0]["alt_text"] is None
    assert not [r for r in sandbox.requests("x") if r["path"] == "/2/media/metadata"]


def test_publish_video_waits_for_processing(x_connector, sandbox, make_media) -> None:
    video = make_media("video", alt_text=None)
    x_connector.publish(post("Ein Film", media=[video]))
    (held,) = sandbox.posts("x")
    assert held["media"][0]["kind"] == "video"
    assert held["media"][0]["sha256"] == video.sha256
    assert any("command=STATUS" in r["query"] for r in sandbox.requests("x"))


def test_oauth1_credentials_post_as_the_user_the_token_names(sandbox, sandbox_url) -> None:
    creds = {
        "consumer_key": "ck",
        "consumer_secret": "cs",
        "access_token": "987654-abcdef",
        "access_token_secret": "ats",
    }
    connector = connector_for("x", ChannelAccess("987654", creds, sandbox_url), timeout=TIMEOUT)
    connector.publish(post("Signiert"))
    (held,) = sandbox.posts("x")
    assert held["account_id"] == "987654"


def test_stored_username_saves_the_lookup(sandbox, sandbox_url) -> None:
    sandbox.put_account("x", id="555", username="stadt_bochum", token="tok")
    creds = {"access_token": "tok", "user_id": "555", "username": "stadt_bochum"}
    connector = connector_for("x", ChannelAccess("555", creds, sandbox_url), timeout=TIMEOUT)
    result = connector.publish(post("Ohne Nachfragen"))
    assert result.url == f"https://x.com/stadt_bochum/status/{result.remote_id}"
    assert [r["path"] for r in sandbox.requests("x")] == ["/2/tweets"]


def test_check_connection_names_the_account(sandbox, sandbox_url) -> None:
    sandbox.put_account("x", id="777", username="bochum", token="tok")
    connector = connector_for("x", ChannelAccess("777", {"access_token": "tok"}, sandbox_url))
    assert connector.check_connection() == "@bochum"


def test_missing_token_is_auth_expired(sandbox_url) -> None:
    connector = connector_for("x", ChannelAccess("1", {}, sandbox_url))
    with pytest.raises(AuthExpired):
        connector.publish(post("Ohne Login"))


# -- finding a post after an unclear attempt --------------------------------------------------


def test_find_published_sees_through_tco_and_escaping(x_connector, make_media) -> None:
    started = now()
    text = "Bürgerfest & Musik <ab 18 Uhr> https://www.bochum.de/fest"
    made = x_connector.publish(post(text, media=[make_media()]))
    assert x_connector.find_published(post(text, not_before=started)) == made
    assert x_connector.find_published(post("Ein anderer Text", not_before=started)) is None


def test_find_published_ignores_posts_from_before(x_connector) -> None:
    x_connector.publish(post("Alt"))
    later = datetime(2999, 1, 1, tzinfo=UTC)
    assert x_connector.find_published(post("Alt", not_before=later)) is None


def test_timed_out_publish_can_be_found_afterwards(x_connector, sandbox) -> None:
    """The network made the post, the client gave up: find_published must say so."""
    started = now()
    sandbox.add_fault("x", "latency", seconds=TIMEOUT + 1, path="/2/tweets", method="POST")
    with pytest.raises(Transient):
        x_connector.publish(post("Kam doch an"))
    wait_until(lambda: sandbox.posts("x"), timeout=10)
    found = x_connector.find_published(post("Kam doch an", not_before=started))
    assert found is not None and found.remote_id == sandbox.posts("x")[0]["id"]


# -- errors -----------------------------------------------------------------------------------


def test_duplicate_is_rejected_with_xs_words(x_connector) -> None:
    x_connector.publish(post("Zweimal"))
    with pytest.raises(Rejected) as caught:
        x_connector.publish(post("Zweimal"))
    assert "You are not allowed to create a Tweet with duplicate content." in caught.value.message
    assert "403" in caught.value.detail


def test_rate_limit_carries_retry_after(x_connector, sandbox) -> None:
    x_connector.me()
    sandbox.add_fault("x", "status", status=429, retry_after=300)
    with pytest.raises(RateLimited) as caught:
        x_connector.publish(post("Zu schnell"))
    assert 290 < caught.value.retry_after <= 301
    assert "Too Many Requests" in caught.value.detail


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient_and_not_retried(x_connector, sandbox, status) -> None:
    x_connector.me()
    sandbox.add_fault("x", "status", status=status, path="/2/tweets")
    with pytest.raises(Transient) as caught:
        x_connector.publish(post("Später"))
    assert not isinstance(caught.value, RateLimited)
    assert str(status) in caught.value.detail
    creates = [r for r in sandbox.requests("x") if r["path"] == "/2/tweets"]
    assert len(creates) == 1  # the connector never retries on its own: no retry storm


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"kind": "expired_token"}, AuthExpired),
        ({"kind": "status", "status": 401}, AuthExpired),
        (
            {"kind": "status", "status": 403, "error": {"detail": "Your token was revoked."}},
            AuthExpired,
        ),
        ({"kind": "status", "status": 403}, Rejected),
        ({"kind": "status", "status": 400}, Rejected),
        ({"kind": "reset"}, Transient),
    ],
)
def test_faults_map_to_typed_errors(x_connector, sandbox, spec, error) -> None:
    sandbox.add_fault("x", **spec)
    with pytest.raises(error) as caught:
        x_connector.publish(post("Mal sehen"))
    assert caught.value.detail
    assert sandbox.posts("x") == []


def test_a_hung_network_raises_instead_of_hanging(x_connector, sandbox) -> None:
    sandbox.add_fault("x", "timeout", seconds=60, probability=1.0)
    start = time.monotonic()
    with pytest.raises(Transient) as caught:
        x_connector.publish(post("Hallo?"))
    assert time.monotonic() - start < TIMEOUT * 3
    assert "did not answer" in caught.value.message


def test_unreachable_network_is_transient() -> None:
    connector = connector_for(
        "x", ChannelAccess("1", {"access_token": "t"}, "http://127.0.0.1:9"), timeout=TIMEOUT
    )
    with pytest.raises(Transient):
        connector.publish(post("Niemand da"))


def test_missing_media_file_is_rejected_before_posting(x_connector, sandbox, make_media) -> None:
    image = make_media()
    image.path.unlink()
    with pytest.raises(Rejected, match="missing"):
        x_connector.publish(post("Bild fehlt", media=[image]))
    assert sandbox.posts("x") == []


# -- the inbox side ---------------------------------------------------------------------------


def test_reply_and_find_reply(x_connector, sandbox) -> None:
    mine = x_connector.publish(post("Fragen?"))
    question = sandbox.add_comment("x", mine.remote_id, "Wann ist das Fest?")
    reply_id = x_connector.reply(question["id"], "Am Samstag ab 14 Uhr.", idempotency_key="k1")
    held = sandbox.post("x", reply_id)
    assert held["parent_id"] == question["id"] and held["root_id"] == mine.remote_id
    assert x_connector.find_reply(question["id"], "Am Samstag ab 14 Uhr.") == reply_id
    assert x_connector.find_reply(question["id"], "Etwas anderes") is None


def test_hide_and_show_a_citizen_reply(x_connector, sandbox) -> None:
    mine = x_connector.publish(post("Diskussion"))
    comment = sandbox.add_comment("x", mine.remote_id, "Unschön")
    x_connector.set_hidden(comment["id"], True)
    assert sandbox.post("x", comment["id"])["hidden"] is True
    x_connector.set_hidden(comment["id"], False)
    assert sandbox.post("x", comment["id"])["hidden"] is False
    with pytest.raises(Rejected):
        x_connector.set_hidden(mine.remote_id, True)


def test_delete_only_our_own_replies(x_connector, sandbox) -> None:
    mine = x_connector.publish(post("Löschen?"))
    comment = sandbox.add_comment("x", mine.remote_id, "Fremder Text")
    with pytest.raises(Unsupported):
        x_connector.delete_comment(comment["id"])
    own = x_connector.reply(comment["id"], "Unsere Antwort", idempotency_key="k")
    x_connector.delete_comment(own)
    assert sandbox.post("x", own)["deleted"] is True
    x_connector.delete_comment(own)  # already gone: nothing to do


def test_post_metrics_in_batches_of_100(x_connector, sandbox) -> None:
    made = x_connector.publish(post("Zahlen"))
    sandbox.set_metrics("x", made.remote_id, like_count=7, retweet_count=2, quote_count=1)
    sandbox.add_comment("x", made.remote_id, "Toll")
    ids = [made.remote_id] + [str(10**17 + n) for n in range(150)]
    figures = x_connector.fetch_post_metrics(ids)
    assert set(figures) == {made.remote_id}
    metrics = figures[made.remote_id]
    assert (metrics.likes, metrics.shares, metrics.comments, metrics.views) == (7, 3, 1, 0)
    lookups = [
        r for r in sandbox.requests("x") if r["path"] == "/2/tweets" and r["method"] == "GET"
    ]
    assert len(lookups) == 2


def test_account_metrics_reads_followers(sandbox, sandbox_url) -> None:
    sandbox.put_account("x", id="888", username="bochum", token="tok", followers=4321)
    connector = connector_for("x", ChannelAccess("888", {"access_token": "tok"}, sandbox_url))
    assert connector.fetch_account_metrics().followers == 4321


def test_registry_gives_the_x_connector() -> None:
    assert connector_for("x", ChannelAccess("1", {})).__class__ is XConnector
