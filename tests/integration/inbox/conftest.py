"""The inbox under test: channels on all five networks in the sandbox, posts published through
the real pipeline (Instagram fetches its image from this app over HTTP), and helpers to sync.

Everything runs in this process against both databases (the ``app`` fixture); the connectors,
their SDKs and HTTP are real, the networks are the sandbox.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from hub.extensions import db
from hub.models import Channel, Comment, Delivery, DeliveryState
from hub.publishing.media import store_upload
from tests.conftest import image_bytes, login, tiny_mp4
from tests.integration.admin.support import speed_up
from tests.support import approved_announcement, free_port, publish_due, serving

APP_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "verify-me-please"
YT = "UC" + "inboxstadtbochum000000"
IG = "17841400000000555"
FLICKR = "55555555@N05"
THREADS = "26178934500000555"
MASTODON = "110000000000000555"
BSKY = "did:plc:bochuminboxaaaaaaaaaaaaa"
FB_PAGE = "104729318356812"
NETWORKS = ("x", "facebook", "instagram", "youtube", "flickr", "threads", "mastodon")


@pytest.fixture(autouse=True)
def _fast_app(app: Flask) -> None:
    """Own app context per request, cached templates, cheap hashing (admin tests' helpers)."""
    speed_up(app)


@pytest.fixture
def client_for(app: Flask):  # type: ignore[no-untyped-def]
    """A new test client, logged in as ``user``."""

    def make(user):  # type: ignore[no-untyped-def]
        client = app.test_client()
        login(client, user.email)
        return client

    return make


@pytest.fixture(scope="session")
def public_port() -> int:
    return free_port()


@pytest.fixture
def settings(sandbox_settings, public_port):  # type: ignore[no-untyped-def]
    return sandbox_settings(
        public_url=f"http://127.0.0.1:{public_port}",
        network_timeout=2.0,
        retry_base=0.2,
        retry_cap=1.0,
        max_attempts=3,
        meta_app_secret=APP_SECRET,
        meta_verify_token=VERIFY_TOKEN,
    )


@pytest.fixture
def served(app: Flask, public_port: int) -> Iterator[str]:
    """This test's app over HTTP (Instagram fetches published images from it)."""
    with serving(app, public_port) as url:
        yield url


LINKEDIN_ORG = "2414183"


@pytest.fixture
def channel(make_channel, sandbox):  # type: ignore[no-untyped-def]
    """``channel(network)``: a channel the sandbox knows, with working credentials."""
    made: dict[str, Channel] = {}

    def make(network: str) -> Channel:
        if network in made:
            return made[network]
        if network == "youtube":
            sandbox.put_account("youtube", id=YT, token="refresh-inbox")
            credentials = {
                "refresh_token": "refresh-inbox",
                "client_id": "7-i",
                "client_secret": "s",
            }
            result = make_channel("youtube", external_id=YT, credentials=credentials)
        elif network == "flickr":
            sandbox.put_account("flickr", id=FLICKR, token="flickr-inbox")
            credentials = {
                "api_key": "k",
                "api_secret": "s",
                "oauth_token": "flickr-inbox",
                "oauth_token_secret": "t",
            }
            result = make_channel("flickr", external_id=FLICKR, credentials=credentials)
        elif network == "instagram":
            result = make_channel(
                "instagram", external_id=IG, credentials={"access_token": "ig-inbox"}
            )
        elif network == "facebook":
            result = make_channel(
                "facebook", external_id=FB_PAGE, credentials={"access_token": "fb"}
            )
        elif network == "bluesky":
            sandbox.put_account("bluesky", id=BSKY, username="bochum.de", token="bsky-inbox")
            credentials = {"handle": "bochum.de", "app_password": "bsky-inbox"}
            result = make_channel("bluesky", external_id=BSKY, credentials=credentials)
        elif network == "mastodon":
            sandbox.put_account("mastodon", id=MASTODON, username="stadt", token="masto-inbox")
            credentials = {"instance": "bochum.social", "access_token": "masto-inbox"}
            result = make_channel(
                "mastodon", external_id="stadt@bochum.social", credentials=credentials
            )
        elif network == "linkedin":  # the sandbox binds a new token to the page it names
            result = make_channel(
                "linkedin", external_id=LINKEDIN_ORG, credentials={"access_token": "AQ-inbox"}
            )
        elif network == "threads":
            result = make_channel(
                "threads", external_id=THREADS, credentials={"access_token": "THQV-inbox"}
            )
        else:
            result = make_channel("x", credentials={"access_token": "x-inbox"})
        made[network] = result
        return result

    return make


@pytest.fixture
def publish(make_user, channel, settings):  # type: ignore[no-untyped-def]
    """``publish(network, text)``: our post on that network, published by the real pipeline;
    returns its delivery (published, with the post's remote id)."""
    editor, approver = make_user("editor"), make_user("approver")
    counter = iter(range(1, 1000))

    def make(network: str, text: str = "Stadtfest am Samstag") -> Delivery:
        n = next(counter)
        media = []
        if network in ("instagram", "flickr"):
            data = image_bytes("JPEG", color=["navy", "red", "green", "teal"][n % 4])
            media = [
                store_upload(
                    io.BytesIO(data), f"bild{n}.jpg", settings=settings, alt_text="Rathaus"
                )
            ]
        elif network == "youtube":
            media = [
                store_upload(
                    io.BytesIO(tiny_mp4()), f"film{n}.mp4", settings=settings, alt_text="Film"
                )
            ]
        db.session.flush()
        ann = approved_announcement(
            editor,
            approver,
            [channel(network).id],
            title=f"{text} {n}",
            body=f"{text} ({n})",
            media_ids=[m.id for m in media],
        )
        publish_due()
        (delivery,) = ann.deliveries
        assert delivery.state == DeliveryState.published, delivery.error_message
        return delivery

    return make


def comments_of(channel: Channel, **where: Any) -> list[Comment]:
    db.session.expire_all()
    query = select(Comment).where(Comment.channel_id == channel.id)
    for name, value in where.items():
        query = query.where(getattr(Comment, name) == value)
    return list(db.session.scalars(query.order_by(Comment.remote_created_at, Comment.id)))


def by_text(channel: Channel) -> dict[str, Comment]:
    return {c.text: c for c in comments_of(channel)}


SyncFn = Callable[..., str]


@pytest.fixture
def citizen_comment(publish, channel, sandbox):  # type: ignore[no-untyped-def]
    """``citizen_comment(network, text)``: a citizen's comment under our new post, synced."""

    def make(network: str, text: str = "Wann beginnt das Fest?") -> Comment:
        from hub.inbox import sync

        delivery = publish(network)
        sandbox.add_comment(network, delivery.remote_id, text, author="Anna Kowalski")
        assert sync.sync_now(channel(network)) == "synced"
        return by_text(channel(network))[text]

    return make
