"""Comment sync from the sandbox on all five networks: threads, edits, deletions, cursors that
resume after a restart; and the pace: rate limits, quotas, one channel at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hub import create_app
from hub.connectors.registry import connector_class
from hub.connectors.youtube import YouTubeConnector
from hub.extensions import db
from hub.inbox import dispatch, sync
from hub.models import Channel, ChannelStatus, CommentSync
from hub.models.types import utcnow
from tests.integration.inbox.conftest import NETWORKS, by_text, comments_of

# Networks whose comments can answer a comment (Flickr's comments are flat).
THREADED = {"x", "facebook", "instagram", "youtube", "threads", "mastodon"}


@pytest.mark.parametrize("network", NETWORKS)
def test_sync_on_every_network(network, publish, channel, sandbox, served, settings) -> None:
    delivery = publish(network)
    ch = channel(network)
    post = delivery.remote_id
    question = sandbox.add_comment(network, post, "Wann beginnt das Fest?", author="Anna Kowalski")
    parent = question["id"] if network in THREADED else None
    answer = sandbox.add_comment(
        network, post, "Um 14 Uhr, glaube ich.", author="Jürgen Schäfer", parent_id=parent
    )

    assert sync.sync_now(ch) == "synced"
    found = by_text(ch)
    first, second = found["Wann beginnt das Fest?"], found["Um 14 Uhr, glaube ich."]
    assert first.remote_id == question["id"] and first.delivery_id == delivery.id
    # Instagram and Threads show only the @name of whoever commented.
    author = question["author_username"] if network in ("instagram", "threads") else "Anna Kowalski"
    assert first.author_name == author and first.status == "new"
    assert first.remote_post_id == post and not first.is_own
    if network in THREADED:
        assert second.parent_id == first.id  # the thread is kept

    # An edit changes the text of the same item; a deletion marks it, nothing is dropped.
    sandbox.edit_comment(network, question["id"], "Wann beginnt das Fest genau?")
    sandbox.delete_comment(network, answer["id"])
    assert sync.sync_now(ch, full=True) == "synced"
    rows = {c.remote_id: c for c in comments_of(ch)}
    assert len(rows) == 2
    assert rows[question["id"]].text == "Wann beginnt das Fest genau?"
    assert rows[question["id"]].edited_at is not None
    assert rows[answer["id"]].deleted_on_network and rows[answer["id"]].text == answer["text"]

    # A restart: another process on the same database reads the stored cursor and goes on.
    stored = db.session.get(CommentSync, ch.id).cursor
    assert stored
    later = sandbox.add_comment(network, post, "Und wenn es regnet?", author="Olga")
    other = create_app(settings, {"TESTING": True})
    with other.app_context():
        assert sync.sync_now(db.session.get(Channel, ch.id)) == "synced"
        db.session.remove()
    rows = {c.remote_id: c for c in comments_of(ch)}
    assert set(rows) == {question["id"], answer["id"], later["id"]}


def test_our_reply_made_on_the_network_directly_answers_the_comment(
    publish, channel, sandbox
) -> None:
    delivery = publish("x")
    ch = channel("x")
    question = sandbox.add_comment("x", delivery.remote_id, "Gibt es Parkplätze?")
    from hub.connectors.base import ChannelAccess
    from hub.connectors.registry import connector_for

    x = connector_for("x", ChannelAccess(ch.external_id, ch.credentials, sandbox.url))
    x.reply(question["id"], "Ja, am Stadion.", idempotency_key="direct")
    sync.sync_now(ch)
    found = by_text(ch)
    assert found["Ja, am Stadion."].is_own and found["Ja, am Stadion."].status == "done"
    assert found["Gibt es Parkplätze?"].status == "answered"
    assert found["Gibt es Parkplätze?"].first_answered_at is not None


def test_a_rate_limit_waits_as_asked_and_loses_nothing(english, publish, channel, sandbox) -> None:
    delivery = publish("facebook")
    ch = channel("facebook")
    sandbox.add_comment("facebook", delivery.remote_id, "Erster")
    assert sync.sync_now(ch) == "synced"
    before = dict(db.session.get(CommentSync, ch.id).cursor)
    sandbox.add_comment("facebook", delivery.remote_id, "Zweiter")
    sandbox.add_fault("facebook", "status", status=429, retry_after=120, count=1, path="/comments")
    started = utcnow()
    assert sync.sync_now(ch) == "rate_limited"
    db.session.expire_all()
    state = db.session.get(CommentSync, ch.id)
    assert state.next_sync_at >= started + timedelta(seconds=119)
    assert state.cursor == before and "Facebook limits" in state.last_error
    assert state.lease_token is None
    assert sync.sync_now(ch) == "synced"  # the next turn picks up where the last ended
    assert set(by_text(ch)) == {"Erster", "Zweiter"}


def test_an_expired_login_stops_the_sync_and_says_so(publish, channel, sandbox) -> None:
    publish("x")
    ch = channel("x")
    sandbox.add_fault("x", "expired_token")
    assert sync.sync_now(ch) == "auth_expired"
    db.session.expire_all()
    assert db.session.get(Channel, ch.id).status == ChannelStatus.needs_reauth
    # Channels that need a login are not scheduled at all.
    db.session.execute(update(CommentSync).values(next_sync_at=None))
    db.session.commit()
    assert sync.claim_due(utcnow()) == []


def test_the_dispatcher_syncs_each_channel_once_within_the_concurrency(
    app, channel, sandbox
) -> None:
    channels = [channel(n) for n in ("x", "facebook", "flickr")]
    app.config["HUB_SETTINGS"] = app.config["HUB_SETTINGS"].__class__(
        **{**app.config["HUB_SETTINGS"].__dict__, "inbox_sync_concurrency": 2}
    )
    first = dispatch.dispatch()
    assert len(first.sync) == 2  # two at once, deployment-wide
    assert dispatch.dispatch().sync == []  # both still leased, no third slot
    for channel_id, token in first.sync:
        assert sync.run_sync(channel_id, token) == "synced"
        assert sync.run_sync(channel_id, token) == "skipped"  # the lease is spent
    third = dispatch.dispatch().sync
    assert [c for c, _ in third] == [
        c.id for c in channels if c.id not in {c for c, _ in first.sync}
    ]
    rows = db.session.scalars(select(CommentSync)).all()
    assert {r.channel_id for r in rows} == {c.id for c in channels}


def test_the_unit_quota_share_is_kept(english, publish, channel, sandbox, app) -> None:
    publish("youtube")
    ch = channel("youtube")
    assert sync.sync_now(ch) == "synced"
    state = db.session.get(CommentSync, ch.id)
    assert state.quota_units > 0  # YouTube counts units per call
    share = app.config["HUB_SETTINGS"].inbox_quota_share
    state.quota_units = int(10_000 * share)
    db.session.commit()
    requests_before = len(sandbox.requests("youtube"))
    assert sync.sync_now(ch) == "quota"
    assert len(sandbox.requests("youtube")) == requests_before  # not one call spent
    state = db.session.get(CommentSync, ch.id)
    db.session.refresh(state)
    assert state.next_sync_at > utcnow() and "quota" in state.last_error


def test_units_of_every_page_of_a_sync_add_up(publish, channel, sandbox, monkeypatch) -> None:
    """Each page's save adds its units to the day's: none lost between the pages of a run."""
    monkeypatch.setattr(YouTubeConnector, "comment_pages", 1)  # a save after every page
    video = publish("youtube").remote_id
    sandbox.add_comments("youtube", video, [{"text": f"Frage {i}"} for i in range(250)])
    ch = channel("youtube")
    before = len(sandbox.requests("youtube"))
    runs = [sync.sync_now(ch)]  # the held queues are read too: a run may not hold them all
    while runs[-1] == "more" and len(runs) < 10:
        runs.append(sync.sync_now(db.session.get(Channel, ch.id)))
    assert runs[-1] == "synced"
    reads = [
        r
        for r in sandbox.requests("youtube")[before:]
        if r["method"] == "GET" and "comment" in r["path"].lower()
    ]
    assert len(reads) >= 3  # 100 threads a page
    state = db.session.get(CommentSync, ch.id)
    db.session.refresh(state)
    assert state.quota_units == len(reads)  # a list call costs one unit


@pytest.mark.parametrize("network", NETWORKS)
def test_posts_and_pages_behind_a_calls_budget_are_reached(
    network, publish, channel, sandbox, served, monkeypatch
) -> None:
    """One page a call: a round goes on with the posts not read yet, and a long listing goes
    on from its next page (it used to begin again with the first post and its first page, so
    the rest were never read). Two runs: a complete listing first, then an incremental one."""
    monkeypatch.setattr(connector_class(network), "comment_pages", 1)
    posts = [publish(network, f"Meldung {n}").remote_id for n in range(3)]
    long = 120 if network != "flickr" else 3  # Flickr lists a photo's comments in one page
    sandbox.add_comments(network, posts[0], [{"text": f"Frage {i}"} for i in range(long)])
    for post in posts[1:]:
        sandbox.add_comment(network, post, f"Unter {post}")
    ch = channel(network)
    expected = {f"Frage {i}" for i in range(long)} | {f"Unter {p}" for p in posts[1:]}
    for full in (True, False):
        runs = [sync.sync_now(ch, full=full)]
        while runs[-1] == "more" and len(runs) < 20:
            runs.append(sync.sync_now(db.session.get(Channel, ch.id), full=full))
        assert runs[-1] == "synced"
        assert {c.text for c in comments_of(ch)} >= expected
        sandbox.add_comment(network, posts[2], f"Später {full}")
        expected.add(f"Später {full}")
    state = db.session.get(CommentSync, ch.id)
    db.session.refresh(state)
    assert not (state.cursor or {}).get("round")  # each round ended


def test_a_post_deleted_on_the_network_does_not_stop_the_others(
    english, publish, channel, sandbox, sandbox_url
) -> None:
    import requests

    gone, kept = publish("facebook", "Wird gelöscht"), publish("facebook", "Bleibt")
    ch = channel("facebook")
    sandbox.add_comment("facebook", kept.remote_id, "Hier ist alles gut")
    answer = requests.delete(
        f"{sandbox_url}/v23.0/{gone.remote_id}", params={"access_token": "fb"}, timeout=5
    )
    assert answer.json() == {"success": True}  # someone deleted the post on Facebook itself
    assert sync.sync_now(ch) == "synced"
    assert set(by_text(ch)) == {"Hier ist alles gut"}
    state = db.session.get(CommentSync, ch.id)
    db.session.refresh(state)
    assert "refused the comments of 1 posts" in state.last_error
    assert state.posts[gone.remote_id]["rest_until"] > utcnow().timestamp()
    # It rests: the next syncs do not ask about it again.
    asked = len(sandbox.requests("facebook"))
    sandbox.add_comment("facebook", kept.remote_id, "Noch einer")
    assert sync.sync_now(ch) == "synced"
    calls = [r["path"] for r in sandbox.requests("facebook")[asked:]]
    assert calls == [f"/v23.0/{kept.remote_id}/comments"]
