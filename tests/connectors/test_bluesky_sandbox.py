"""The Bluesky connector through the real ``atproto`` SDK against the sandbox over HTTP: posts
with facets, link cards and images, exactly once by record key, typed errors, the session kept,
the inbox (replies, mentions, quotes, hiding, deleting) and the figures."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from hub.connectors.base import (
    AuthExpired,
    Capability,
    ChannelAccess,
    OutgoingPost,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
)
from hub.connectors.bluesky import BlueskyConnector, record_key
from hub.sandbox.bluesky import BlueskyApi
from hub.sandbox.client import SandboxControl
from hub.sandbox.server import SandboxApp, run_in_thread
from tests.connectors.conftest import TIMEOUT, MakeMedia, media_file

DID = "did:plc:bochumtestaaaaaaaaaaaaaa"
PASSWORD = "abcd-efgh-ijkl-mnop"
START = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[SandboxApp, str]]:
    """A sandbox of this module's own, so tests can let citizens mention and quote."""
    app = SandboxApp()
    url, stop = run_in_thread(app=app)
    yield app, url
    stop()


@pytest.fixture
def world(server) -> Iterator[tuple[SandboxApp, str, SandboxControl]]:  # type: ignore[no-untyped-def]
    app, url = server
    control = SandboxControl(url)
    control.reset()
    control.put_account(
        "bluesky", id=DID, username="bochum.de", name="Stadt Bochum", token=PASSWORD
    )
    yield app, url, control
    control.reset()


def logged_in(url: str, **extra: str) -> BlueskyConnector:
    """A connector on a session made once, as hub's token renewal stores it."""
    creds: dict[str, str] = {"handle": "bochum.de", "app_password": PASSWORD, **extra}
    fresh = BlueskyConnector(ChannelAccess(DID, creds, url), timeout=TIMEOUT).refresh_login()
    creds.update({k: v for k, v in fresh.credentials.items() if v})
    return BlueskyConnector(ChannelAccess(DID, creds, url), timeout=TIMEOUT)


def logins(control: SandboxControl) -> int:
    return sum(1 for r in control.requests("bluesky") if r["path"].endswith("createSession"))


def post(delivery_id: int, text: str, **kwargs) -> OutgoingPost:  # type: ignore[no-untyped-def]
    return OutgoingPost(delivery_id=delivery_id, text=text, not_before=START, **kwargs)


def test_publishes_text_with_facets_link_card_and_language(world) -> None:  # type: ignore[no-untyped-def]
    _app, url, control = world
    connector = logged_in(url)
    text = "Stadtfest 🎉 mit @bochum.de und @niemand.example #Bochum https://bochum.de/fest"
    published = connector.publish(
        post(1, text, link="https://bochum.de/fest", options={"langs": ["de", "en"]})
    )
    assert published.remote_id == f"at://{DID}/app.bsky.feed.post/{record_key(1, START)}"
    assert published.url == f"https://bsky.app/profile/bochum.de/post/{record_key(1, START)}"
    (stored,) = control.posts("bluesky")
    record = stored["options"]["record"]
    assert record["langs"] == ["de", "en"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert record["embed"]["external"]["uri"] == "https://bochum.de/fest"
    data = text.encode()
    features = {
        data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0]
        for f in record["facets"]
    }
    assert features["https://bochum.de/fest"]["uri"] == "https://bochum.de/fest"
    assert features["@bochum.de"]["did"] == DID
    assert features["#Bochum"]["tag"] == "Bochum"
    assert "@niemand.example" not in features  # a handle that does not resolve: no mention


def test_images_carry_alt_text_and_big_ones_are_shrunk(
    world, make_media: MakeMedia, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _app, url, control = world
    connector = logged_in(url)
    noisy = Image.effect_noise((1800, 1800), 120).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    assert buffer.tell() > 1_000_000
    big = media_file(tmp_path / "gross.png", buffer.getvalue(), "image/png", "Luftbild")
    small = make_media(alt_text="Das Rathaus")
    connector.publish(post(2, "Bilder", media=[small, big], link="https://bochum.de"))
    (stored,) = control.posts("bluesky")
    assert [m["alt_text"] for m in stored["media"]] == ["Das Rathaus", "Luftbild"]
    assert stored["media"][0]["sha256"] == small.sha256
    assert 0 < stored["media"][1]["size"] <= 1_000_000
    assert stored["options"]["record"]["embed"]["$type"] == "app.bsky.embed.images"


def test_a_second_attempt_finds_the_first_post_by_its_record_key(world, make_media) -> None:  # type: ignore[no-untyped-def]
    _app, url, control = world
    connector = logged_in(url)
    outgoing = post(3, "Einmal und nicht zweimal")
    assert connector.find_published(outgoing) is None
    first = connector.publish(outgoing)
    assert connector.find_published(outgoing) == first
    assert connector.publish(outgoing) == first  # the PDS refuses the key (500): found instead
    # The network makes the post but the answer is lost.
    control.add_fault("bluesky", "status", status=502, path="createRecord", after=True)
    lost = post(4, "Antwort verloren")
    assert connector.publish(lost).remote_id.endswith(record_key(4, START))
    assert len(control.posts("bluesky")) == 2
    # A delivery with a later first attempt gets another key.
    assert record_key(3, START) != record_key(3, datetime(2026, 12, 1, 9, 31, tzinfo=UTC))


def test_errors_are_typed(world) -> None:  # type: ignore[no-untyped-def]
    _app, url, control = world
    connector = logged_in(url)
    control.add_fault("bluesky", "status", status=429, retry_after=42, path="createRecord")
    with pytest.raises(RateLimited) as limited:
        connector.publish(post(5, "zu oft"))
    assert 30 < (limited.value.retry_after or 0) <= 43
    control.add_fault("bluesky", "status", status=503, path="createRecord")
    with pytest.raises(Transient):
        connector.publish(post(6, "später"))
    with pytest.raises(Rejected) as refused:
        connector.publish(post(7, "x" * 301))
    assert "300 graphemes" in refused.value.message
    control.settings("bluesky", age_tokens_seconds=3 * 3600)
    with pytest.raises(AuthExpired):
        connector.publish(post(8, "abgelaufen"))
    assert not control.posts("bluesky")


def test_the_session_is_renewed_not_made_again(world) -> None:  # type: ignore[no-untyped-def]
    _app, url, control = world
    connector = logged_in(url)
    assert logins(control) == 1
    creds = dict(connector.access.credentials)
    renewed = connector.refresh_login()
    assert logins(control) == 1  # refreshSession, not createSession
    assert renewed.credentials["refresh_token"] != creds["refresh_token"]
    assert renewed.expires_at is None  # the login has no end while it is renewed
    # The spent refresh token is refused; the app password makes a new session, once.
    again = BlueskyConnector(ChannelAccess(DID, creds, url), timeout=TIMEOUT).refresh_login()
    assert logins(control) == 2
    assert again.credentials["access_token"]
    no_password = {k: v for k, v in creds.items() if k != "app_password"}
    with pytest.raises(AuthExpired):
        BlueskyConnector(ChannelAccess(DID, no_password, url), timeout=TIMEOUT).refresh_login()
    control.settings("bluesky", login_limit_5min=2)
    fresh = {"handle": "bochum.de", "app_password": PASSWORD}
    with pytest.raises(RateLimited) as limited:
        BlueskyConnector(ChannelAccess(DID, fresh, url), timeout=TIMEOUT).refresh_login()
    assert 0 < (limited.value.retry_after or 0) <= 300


def test_inbox_replies_mentions_quotes_hide_reply_delete(world) -> None:  # type: ignore[no-untyped-def]
    app, url, control = world
    connector = logged_in(url)
    ours = connector.publish(post(10, "Baustelle Hauptstraße"))
    (stored,) = control.posts("bluesky")
    comment = control.add_comment("bluesky", stored["id"], "Wie lange noch?")
    api: BlueskyApi = app.api_for("bluesky")  # type: ignore[assignment]
    city = app.state.account("bluesky", DID)
    citizen = app.state.citizen("bluesky", "Ute")
    api.mention(citizen, city, "Danke für die Info")
    api.quote(citizen, app.state.post("bluesky", stored["id"]), "Endlich!")

    page = connector.fetch_comments({}, [ours.remote_id])
    texts = {c.text: c for c in page.items}
    reply = texts["Wie lange noch?"]
    assert reply.post_remote_id == ours.remote_id and reply.parent_remote_id is None
    assert reply.hidden is False and not reply.is_own
    assert texts["@bochum.de Danke für die Info"].post_remote_id != ours.remote_id
    assert "Endlich!" in texts
    assert not page.more
    # The notifications' position is kept: nothing new, nothing again.
    second = connector.fetch_comments(page.cursor, [])
    assert second.items == []

    answer = connector.reply(reply.remote_id, "Bis Freitag.", idempotency_key="action-1")
    assert connector.reply(reply.remote_id, "Bis Freitag.", idempotency_key="action-1") == answer
    assert connector.find_reply(reply.remote_id, "Bis  Freitag.") == answer
    connector.set_hidden(reply.remote_id, True)
    connector.set_hidden(reply.remote_id, True)  # already hidden: no error
    full = connector.fetch_comments({}, [ours.remote_id], full=True)
    listed = {c.remote_id: c for c in full.items}
    assert listed[reply.remote_id].hidden is True
    assert listed[answer].is_own and listed[answer].parent_remote_id == reply.remote_id
    assert full.complete == [ours.remote_id]
    connector.set_hidden(reply.remote_id, False)
    assert {
        c.remote_id: c for c in connector.fetch_comments({}, [ours.remote_id], full=True).items
    }[reply.remote_id].hidden is False

    with pytest.raises(Unsupported):
        connector.delete_comment(reply.remote_id)  # a citizen's own record
    connector.delete_comment(answer)
    connector.delete_comment(answer)  # gone already: no error
    assert comment["id"] in {p["id"] for p in control.posts("bluesky", comments=True)}
    assert BlueskyConnector.comment_actions(own=False, on_our_post=True) == {
        Capability.reply,
        Capability.hide_comment,
    }
    assert BlueskyConnector.comment_actions(own=True, on_our_post=True) == {
        Capability.reply,
        Capability.delete_comment,
    }


def test_figures(world) -> None:  # type: ignore[no-untyped-def]
    _app, url, control = world
    connector = logged_in(url)
    ours = connector.publish(post(20, "Zahlen"))
    (stored,) = control.posts("bluesky")
    control.set_metrics("bluesky", stored["id"], likeCount=12, repostCount=3, quoteCount=2)
    control.add_comment("bluesky", stored["id"], "Toll")
    figures = connector.fetch_post_metrics([ours.remote_id])[ours.remote_id]
    assert (figures.likes, figures.comments, figures.shares) == (12, 1, 5)
    control.put_account(
        "bluesky", id=DID, username="bochum.de", name="Stadt Bochum", followers=4321
    )
    assert connector.fetch_account_metrics().followers == 4321
    assert connector.check_connection() == "@bochum.de"
