"""Mastodon through Mastodon.py against the sandbox over real HTTP: any instance, its own text
limit, the Idempotency-Key, media processed after a 202, mentions and replies, figures."""

from __future__ import annotations

import pytest

from hub.connectors.base import (
    AuthExpired,
    Capability,
    ChannelAccess,
    OutgoingPost,
    RateLimited,
    Rejected,
    Unsupported,
)
from hub.connectors.mastodon import MastodonConnector, _limits
from tests.connectors.conftest import TIMEOUT, registry_connector

ACCOUNT = "109876543210"
CREDS = {"instance": "bochum.social", "access_token": "mastodon-token"}


def connect(sandbox_url: str, **creds: str) -> MastodonConnector:
    return registry_connector(
        MastodonConnector,
        "stadt@bochum.social",
        {**CREDS, **creds},
        f"{sandbox_url}/mastodon",
        timeout=max(TIMEOUT, 5.0),
    )


@pytest.fixture
def mastodon(sandbox, sandbox_url: str) -> MastodonConnector:
    _limits.clear()  # each test's sandbox starts with Mastodon's defaults
    sandbox.put_account(
        "mastodon", id=ACCOUNT, username="stadt", name="Stadt Bochum", token="mastodon-token"
    )
    return connect(sandbox_url)


def test_publishes_with_visibility_and_content_warning(mastodon, sandbox) -> None:
    post = OutgoingPost(
        1,
        "Sperrung der A40 zwischen Bochum-Stahlhausen und Bochum-Zentrum.\n\n"
        "https://www.bochum.de/verkehr",
        options={"visibility": "unlisted", "spoiler_text": "Verkehr"},
    )
    published = mastodon.publish(post)
    assert published.url == f"https://bochum.social/@stadt/{published.remote_id}"
    held = sandbox.post("mastodon", published.remote_id)
    assert held["options"]["visibility"] == "unlisted"
    assert held["options"]["spoiler_text"] == "Verkehr"
    # After a crash: the status is found by its text, which comes back as HTML.
    assert mastodon.find_published(post) == published
    assert mastodon.find_published(OutgoingPost(2, "Etwas anderes")) is None


def test_the_idempotency_key_makes_a_second_attempt_return_the_first_status(
    mastodon, sandbox
) -> None:
    post = OutgoingPost(42, "Die Stadtbücherei öffnet am Samstag länger.")
    first = mastodon.publish(post)
    again = mastodon.publish(post)
    assert again.remote_id == first.remote_id
    assert len(sandbox.posts(network="mastodon")) == 1
    assert mastodon.publish(OutgoingPost(43, post.text)).remote_id != first.remote_id


def test_images_and_video_with_alt_text_wait_until_processed(mastodon, sandbox, make_media) -> None:
    images = [make_media("image", alt_text=f"Bild {n}") for n in range(2)]
    published = mastodon.publish(OutgoingPost(3, "Zwei Bilder vom Stadtfest", media=images))
    held = sandbox.post("mastodon", published.remote_id)
    assert [m["alt_text"] for m in held["media"]] == ["Bild 0", "Bild 1"]

    video = make_media("video", alt_text="Der Oberbürgermeister spricht")
    published = mastodon.publish(OutgoingPost(4, "Ein Film", media=[video]))
    held = sandbox.post("mastodon", published.remote_id)
    assert held["media"][0]["kind"] == "video"
    paths = [r["path"] for r in sandbox.requests("mastodon")]
    assert any(p.endswith("/api/v2/media") for p in paths)
    assert any("/api/v1/media/" in p for p in paths)  # asked until it was processed


def test_each_instance_has_its_own_limit(mastodon, sandbox, sandbox_url: str) -> None:
    sandbox.settings("mastodon", instance_limits={"social.bund.de": 1000})
    long_text = "Bekanntmachung " * 40  # 600 characters
    with pytest.raises(Rejected) as refused:
        mastodon.publish(OutgoingPost(5, long_text))
    assert "500" in refused.value.message
    assert not sandbox.posts(network="mastodon")

    bund = connect(sandbox_url, instance="social.bund.de", access_token="bund-token")
    assert bund.limits().max_characters == 1000
    assert bund.publish(OutgoingPost(6, long_text)).remote_id
    # The content warning counts too, as on Mastodon.
    with pytest.raises(Rejected):
        mastodon.publish(OutgoingPost(7, "x" * 490, options={"spoiler_text": "Warnung: Unfall"}))


def test_rate_limit_and_revoked_token(mastodon, sandbox) -> None:
    sandbox.add_fault("mastodon", "status", status=429, retry_after=120, path="/api/v1/statuses")
    with pytest.raises(RateLimited) as limited:
        mastodon.publish(OutgoingPost(8, "Zu schnell"))
    assert 60 < (limited.value.retry_after or 0) <= 121
    sandbox.add_fault("mastodon", "expired_token")
    with pytest.raises(AuthExpired):
        mastodon.publish(OutgoingPost(9, "Abgemeldet"))


def test_mentions_and_replies_are_read_answered_and_our_own_deleted(mastodon, sandbox) -> None:
    post = mastodon.publish(OutgoingPost(10, "Wie gefällt Ihnen der neue Radweg?"))
    comment = sandbox.add_comment(
        "mastodon", post.remote_id, "Sehr gut!", author_name="Erika", author_username="erika"
    )
    page = mastodon.fetch_comments({}, [post.remote_id])
    found = {c.remote_id: c for c in page.items}
    item = found[comment["id"]]
    assert item.text.endswith("Sehr gut!")
    assert item.author_handle and item.author_handle.startswith("erika@")
    assert item.post_remote_id == post.remote_id and item.parent_remote_id is None
    assert not item.is_own
    # The mention moved the cursor: nothing new the next time.
    assert mastodon.fetch_comments(page.cursor, []).items == []

    reply_id = mastodon.reply(comment["id"], "Danke für Ihr Lob!", idempotency_key="r-1")
    assert mastodon.reply(comment["id"], "Danke für Ihr Lob!", idempotency_key="r-1") == reply_id
    assert mastodon.find_reply(comment["id"], "Danke für Ihr Lob!") == reply_id
    full = mastodon.fetch_comments(page.cursor, [post.remote_id], full=True)
    ours = {c.remote_id: c for c in full.items}[reply_id]
    assert ours.is_own and ours.parent_remote_id == comment["id"]
    assert full.complete == [post.remote_id]

    with pytest.raises(Unsupported):
        mastodon.delete_comment(comment["id"])
    with pytest.raises(Unsupported):
        mastodon.set_hidden(comment["id"], True)
    mastodon.delete_comment(reply_id)
    mastodon.delete_comment(reply_id)  # already gone: no error
    assert MastodonConnector.comment_actions(own=False, on_our_post=True) == {Capability.reply}
    assert Capability.delete_comment in MastodonConnector.comment_actions(
        own=True, on_our_post=True
    )


def test_figures_of_posts_and_followers(mastodon, sandbox) -> None:
    post = mastodon.publish(OutgoingPost(11, "Zahlen bitte"))
    sandbox.set_metrics("mastodon", post.remote_id, likes=12, shares=3)
    sandbox.add_comment("mastodon", post.remote_id, "Eins")
    figures = mastodon.fetch_post_metrics([post.remote_id, "1"])
    assert figures[post.remote_id].likes == 12
    assert figures[post.remote_id].shares == 3
    assert figures[post.remote_id].comments == 1
    sandbox.put_account("mastodon", id=ACCOUNT, username="stadt", followers=4321)
    assert mastodon.fetch_account_metrics().followers == 4321
    assert mastodon.check_connection() == "@stadt@bochum.social"


def test_no_login_yet(sandbox_url: str) -> None:
    connector = MastodonConnector(ChannelAccess("x", {"instance": "bochum.social"}))
    with pytest.raises(AuthExpired):
        connector.publish(OutgoingPost(1, "Hallo"))
