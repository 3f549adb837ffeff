"""Threads through pyfacebook's ThreadsGraphAPI against the sandbox, which fetches the media
from hub's real public-media route (the Instagram tests' media server)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.connectors.base import (
    AuthExpired,
    ChannelAccess,
    OutgoingPost,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
)
from hub.connectors.registry import connector_for
from hub.connectors.threads import ThreadsConnector
from hub.publishing.network_state import MemoryUploadSessions
from tests.connectors import test_instagram_sandbox

USER = "26178934512309876"
TOKEN = "THQVJ-sandbox-token"
TIMEOUT = 2.0
# hub's public-media route served over HTTP, as for Instagram (Threads fetches media too).
media_server = test_instagram_sandbox.media_server


@pytest.fixture
def threads(sandbox, sandbox_url: str, monkeypatch) -> ThreadsConnector:
    monkeypatch.setattr(ThreadsConnector, "poll_first", 0.05)
    monkeypatch.setattr(ThreadsConnector, "image_processing_seconds", 5.0)
    monkeypatch.setattr(ThreadsConnector, "video_processing_seconds", 5.0)
    sandbox.put_account(
        "threads", id=USER, username="stadt.bochum", name="Stadt Bochum", token=TOKEN
    )
    access = ChannelAccess(
        USER, {"access_token": TOKEN}, sandbox_url.rstrip("/") + "/graph.threads.net"
    )
    connector = connector_for("threads", access, timeout=TIMEOUT)
    assert isinstance(connector, ThreadsConnector)
    connector.sessions = MemoryUploadSessions()
    return connector


def test_a_text_post_goes_out_once_with_its_link(threads, sandbox) -> None:
    text = "Stadtfest am Samstag 🎉 https://www.bochum.de/stadtfest"
    result = threads.publish(
        OutgoingPost(delivery_id=1, text=text, options={"reply_control": "followers_only"})
    )
    (post,) = sandbox.posts("threads")
    assert post["id"] == result.remote_id and post["text"] == text
    assert result.url and result.url.startswith("https://www.threads.net/@stadt.bochum/post/")
    assert post["options"]["media_type"] == "TEXT"
    assert post["options"]["reply_control"] == "followers_only"
    paths = [(r["method"], r["path"].split("/")[-1]) for r in sandbox.requests("threads")]
    assert paths[0] == ("GET", "threads_publishing_limit")
    assert ("POST", "threads_publish") in paths


def test_image_video_and_a_mixed_carousel_arrive_whole(threads, media_server, sandbox) -> None:
    image = media_server.file(alt_text="Das Rathaus")
    single = threads.publish(OutgoingPost(delivery_id=2, text="Rathaus", media=[image]))
    video = media_server.file("video", seconds=8, alt_text="Film vom Stadtfest")
    clip = threads.publish(OutgoingPost(delivery_id=3, text="Film", media=[video]))
    mixed = [media_server.file(alt_text=f"Bild {i}") for i in range(2)] + [video]
    carousel = threads.publish(OutgoingPost(delivery_id=4, text="Alles", media=mixed))
    posts = {p["id"]: p for p in sandbox.posts("threads")}
    assert posts[single.remote_id]["media"][0]["sha256"] == image.sha256
    assert posts[single.remote_id]["media"][0]["alt_text"] == "Das Rathaus"
    assert posts[clip.remote_id]["media"][0]["alt_text"] == "Film vom Stadtfest"
    assert [m["sha256"] for m in posts[carousel.remote_id]["media"]] == [m.sha256 for m in mixed]
    assert posts[carousel.remote_id]["options"]["media_type"] == "CAROUSEL"


def test_bad_input_is_refused_before_anything_is_sent(threads, media_server, sandbox) -> None:
    with pytest.raises(Rejected, match="alt text"):
        threads.publish(
            OutgoingPost(delivery_id=5, text="x", media=[media_server.file(alt_text=None)])
        )
    long_video = replace(media_server.file("video"), duration_seconds=301)
    with pytest.raises(Rejected, match="at most 5 minutes"):
        threads.publish(OutgoingPost(delivery_id=6, text="x", media=[long_video]))
    with pytest.raises(Rejected, match="at most 20"):
        threads.publish(OutgoingPost(delivery_id=7, text="x", media=[media_server.file()] * 21))
    assert sandbox.requests("threads") == [] and sandbox.posts("threads") == []


def test_a_broken_video_ends_with_threads_reason(threads, media_server, sandbox) -> None:
    broken = media_server.file("video", data=b"\x00" * 4096)
    with pytest.raises(Rejected, match="FAILED_PROCESSING_VIDEO"):
        threads.publish(OutgoingPost(delivery_id=8, text="kaputt", media=[broken]))
    assert sandbox.posts("threads") == []


def test_a_container_that_never_finishes_fails_clearly(
    threads, media_server, sandbox, monkeypatch
) -> None:
    monkeypatch.setattr(ThreadsConnector, "image_processing_seconds", 0.6)
    sandbox.add_fault("threads", "timeout", method="PROCESS", seconds=30)
    with pytest.raises(Rejected, match="did not finish processing"):
        threads.publish(OutgoingPost(delivery_id=9, text="hängt", media=[media_server.file()]))
    assert sandbox.posts("threads") == []


def test_the_publishing_limit_is_refused_with_a_clear_message(threads, sandbox) -> None:
    from hub.sandbox import threads as sandbox_threads

    original = sandbox_threads.PUBLISH_LIMIT
    try:
        sandbox_threads.PUBLISH_LIMIT = 1
        threads.publish(OutgoingPost(delivery_id=10, text="erster"))
        with pytest.raises(Rejected, match="posts per 24 hours"):
            threads.publish(OutgoingPost(delivery_id=11, text="zweiter"))
    finally:
        sandbox_threads.PUBLISH_LIMIT = original
    assert [p["text"] for p in sandbox.posts("threads")] == ["erster"]


def test_a_lost_publish_answer_is_found_and_never_posted_twice(threads, sandbox) -> None:
    post = OutgoingPost(delivery_id=12, text="Antwort verloren")
    sandbox.add_fault("threads", "reset", after=True, method="POST", path="threads_publish")
    with pytest.raises(Transient):
        threads.publish(post)
    again = threads.publish(post)  # the stored container is PUBLISHED: looked up, not redone
    assert [p["id"] for p in sandbox.posts("threads")] == [again.remote_id]
    assert threads.find_published(post) == again


def test_rate_limit_says_when_and_expired_login_says_connect_again(threads, sandbox) -> None:
    sandbox.add_fault("threads", "status", status=429, retry_after=120)
    with pytest.raises(RateLimited) as limited:
        threads.check_connection()
    assert limited.value.retry_after == 120
    assert threads.check_connection() == "@stadt.bochum"
    sandbox.add_fault("threads", "expired_token")
    with pytest.raises(AuthExpired, match="Threads login"):
        threads.check_connection()


def test_replies_are_read_answered_hidden_and_our_own_deleted(threads, sandbox) -> None:
    made = threads.publish(OutgoingPost(delivery_id=13, text="Fragen zum Stadtfest?"))
    top = sandbox.add_comment("threads", made.remote_id, "Wann geht es los?", author="Erika")
    sandbox.add_comment("threads", made.remote_id, "Um 11 Uhr!", author="Max", parent_id=top["id"])
    page = threads.fetch_comments({}, [made.remote_id], full=True)
    by_text = {c.text: c for c in page.items}
    assert set(by_text) == {"Wann geht es los?", "Um 11 Uhr!"}
    assert by_text["Um 11 Uhr!"].parent_remote_id == top["id"]
    assert by_text["Wann geht es los?"].parent_remote_id is None
    assert by_text["Wann geht es los?"].post_remote_id == made.remote_id
    assert page.complete == [made.remote_id]
    # Nothing new: nothing again.
    assert threads.fetch_comments(page.cursor, [made.remote_id]).items == []

    answer = threads.reply(top["id"], "Um 11 Uhr am Rathaus.", idempotency_key="r1")
    assert threads.find_reply(top["id"], "Um 11 Uhr am Rathaus.") == answer
    fresh = threads.fetch_comments(page.cursor, [made.remote_id]).items
    assert [(c.remote_id, c.is_own) for c in fresh] == [(answer, True)]

    threads.set_hidden(top["id"], True)
    assert sandbox.post("threads", top["id"])["hidden"] is True
    deeper = by_text["Um 11 Uhr!"].remote_id
    with pytest.raises(Rejected, match="top-level"):
        threads.set_hidden(deeper, True)

    threads.delete_comment(answer)
    threads.delete_comment(answer)  # gone already: no error
    assert sandbox.post("threads", answer)["deleted"] is True
    with pytest.raises(Rejected):
        threads.delete_comment(top["id"])  # someone else's reply: Threads refuses
    assert ThreadsConnector.comment_actions(own=False, on_our_post=True) == frozenset(
        {"reply", "hide_comment"}
    )


def test_a_reply_whose_answer_was_lost_is_published_once(threads, sandbox) -> None:
    made = threads.publish(OutgoingPost(delivery_id=14, text="Noch Fragen?"))
    top = sandbox.add_comment("threads", made.remote_id, "Ja!", author="Erika")
    sandbox.add_fault("threads", "reset", after=True, method="POST", path="threads_publish")
    with pytest.raises(Transient):
        threads.reply(top["id"], "Gern.", idempotency_key="r2")
    with pytest.raises(Transient):  # the stored container is published: hub looks it up
        threads.reply(top["id"], "Gern.", idempotency_key="r2")
    found = threads.find_reply(top["id"], "Gern.")
    replies = [c for c in sandbox.comments("threads", made.remote_id) if c["text"] == "Gern."]
    assert [r["id"] for r in replies] == [found]


def test_figures_of_posts_and_followers(threads, sandbox) -> None:
    made = threads.publish(OutgoingPost(delivery_id=15, text="Zahlen"))
    sandbox.set_metrics("threads", made.remote_id, views=120, likes=7, reposts=2, quotes=1)
    sandbox.add_comment("threads", made.remote_id, "Toll", author="Erika")
    figures = threads.fetch_post_metrics([made.remote_id, "99999999999999999"])
    assert list(figures) == [made.remote_id]
    got = figures[made.remote_id]
    assert (got.views, got.likes, got.comments, got.shares) == (120, 7, 1, 3)
    assert got.raw["quotes"] == 1
    assert threads.fetch_account_metrics().followers is not None


def test_the_login_is_renewed_for_sixty_days(threads, sandbox) -> None:
    fresh = threads.refresh_login()
    assert fresh.credentials["access_token"].startswith("TH")
    assert fresh.expires_at is not None
    assert not isinstance(fresh, Unsupported)
