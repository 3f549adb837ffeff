"""Instagram, YouTube and Flickr through real Celery workers, the sandbox and hub's public media
route: each network publishes once, faults end in a clear state, and a worker killed with
``kill -9`` in the middle of a YouTube upload never leads to a second video."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from hub import create_app
from hub.auth.users import sync_roles
from hub.extensions import db
from hub.models import Channel, DeliveryState
from hub.publishing.media import store_upload
from tests.conftest import PASSWORD, image_bytes, tiny_mp4
from tests.e2e.conftest import Stack, make_stack, wait_for_states
from tests.support import approved_announcement, free_port, wait_until

FINAL = {DeliveryState.published, DeliveryState.failed, DeliveryState.needs_review}
YT = "UC" + "e2estadtbochum00000000"
IG = "17841400000000777"
FLICKR = "99999999@N05"
BSKY = "did:plc:bochumetoeaaaaaaaaaaaaaa"
THREADS = "26178934500000777"


@pytest.fixture
def stack(tmp_path: Path, sandbox_url: str) -> Iterator[Stack]:
    port = free_port()
    stack = make_stack("embedded", tmp_path, sandbox_url, HUB_PUBLIC_URL=f"http://127.0.0.1:{port}")
    stack.env["E2E_PORT"] = str(port)
    yield stack
    stack.stop_all()


@pytest.fixture
def app(stack: Stack) -> Iterator[Flask]:
    """The web side, serving /m/... over HTTP so the sandbox's Instagram can fetch media."""
    app = create_app(stack.settings, {"TESTING": True})
    server = make_server("127.0.0.1", int(stack.env["E2E_PORT"]), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with app.app_context():
        sync_roles()
        db.session.commit()
        yield app
        db.session.remove()
    server.shutdown()
    thread.join(5)


@pytest.fixture
def announce(app, make_user, sandbox, stack):  # type: ignore[no-untyped-def]
    from hub.auth.users import create_user

    editor = create_user("e2e-editor@bochum.example", ["editor"], PASSWORD)
    approver = create_user("e2e-approver@bochum.example", ["approver"], PASSWORD)
    sandbox.put_account("youtube", id=YT, token="refresh-e2e")
    sandbox.put_account("flickr", id=FLICKR, token="flickr-e2e")
    channels = {
        "instagram": Channel(
            network="instagram", name="IG", external_id=IG, credentials={"access_token": "ig-e2e"}
        ),
        "youtube": Channel(
            network="youtube",
            name="YT",
            external_id=YT,
            credentials={
                "refresh_token": "refresh-e2e",
                "client_id": "7-e2e",
                "client_secret": "s",
            },
        ),
        "mastodon": Channel(
            network="mastodon",
            name="Mastodon",
            external_id="stadt@bochum.social",
            credentials={"instance": "bochum.social", "access_token": "mastodon-e2e"},
        ),
        "flickr": Channel(
            network="flickr",
            name="Flickr",
            external_id=FLICKR,
            credentials={
                "api_key": "k",
                "api_secret": "s",
                "oauth_token": "flickr-e2e",
                "oauth_token_secret": "t",
            },
        ),
    }
    channels["threads"] = Channel(
        network="threads",
        name="Threads",
        external_id=THREADS,
        credentials={"access_token": "THQV-e2e"},
    )
    sandbox.put_account("bluesky", id=BSKY, username="bochum.de", token="bsky-e2e-app-pass")
    channels["bluesky"] = Channel(
        network="bluesky",
        name="@bochum.de",
        external_id=BSKY,
        credentials={"handle": "bochum.de", "app_password": "bsky-e2e-app-pass"},
    )
    db.session.add_all(channels.values())
    db.session.commit()

    def make(network: str, title: str, data: bytes, name: str, alt: str | None = "Rathaus"):  # type: ignore[no-untyped-def]
        asset = store_upload(io.BytesIO(data), name, settings=stack.settings, alt_text=alt)
        return approved_announcement(
            editor,
            approver,
            [channels[network].id],
            title=title,
            body=f"{title} – Stadt Bochum",
            media_ids=[asset.id],
        )

    return make


def test_each_network_publishes_its_media_once(stack, app, announce, sandbox) -> None:
    stack.start_worker()
    stack.start_beat()
    anns = {
        "instagram": announce("instagram", "Rathaus", image_bytes("JPEG"), "rathaus.jpg"),
        "youtube": announce("youtube", "Radweg", tiny_mp4(), "radweg.mp4"),
        "flickr": announce("flickr", "Turm", image_bytes("PNG", color="red"), "turm.png"),
        "mastodon": announce("mastodon", "Film", tiny_mp4(), "film.mp4"),
        "threads": announce("threads", "Stadtfest", image_bytes("JPEG"), "fest.jpg"),
        "bluesky": announce("bluesky", "Wochenmarkt", image_bytes("PNG"), "markt.png"),
    }
    for network, ann in anns.items():
        (delivery,) = wait_for_states(ann, FINAL, timeout=60)
        assert delivery.state == DeliveryState.published, (network, delivery.error_message)
        (post,) = sandbox.posts(network)
        # Bluesky's remote id is the post's AT URI (at://did/collection/rkey).
        assert post["options"].get("at_uri", post["id"]) == delivery.remote_id
        assert post["media"][0]["sha256"] == ann.media[0].sha256, network


def test_worker_killed_mid_upload_never_makes_a_second_video(stack, app, announce, sandbox) -> None:
    stack.start_beat()
    worker = stack.start_worker("w1")
    # The upload's last chunk takes 3 s to answer: long enough to kill the worker during it.
    sandbox.add_fault("youtube", "latency", seconds=3, count=1, method="PUT")
    ann = announce("youtube", "Abgebrochen", tiny_mp4() + b"\x00" * 300_000, "lang.mp4")

    def in_flight() -> bool:
        return any(
            r["method"] == "PUT" and r["status"] is None for r in sandbox.requests("youtube")
        )

    wait_until(in_flight, timeout=30, what="the upload in flight")
    stack.kill(worker)
    stack.start_worker("w2")
    (delivery,) = wait_for_states(ann, FINAL, timeout=60)
    videos = sandbox.posts("youtube")
    assert len(videos) <= 1
    assert delivery.state in (DeliveryState.published, DeliveryState.needs_review)
    if delivery.state == DeliveryState.published:
        assert delivery.remote_id == videos[0]["id"]


def test_worker_killed_mid_post_never_makes_a_second_bluesky_post(
    stack, app, announce, sandbox
) -> None:
    stack.start_beat()
    worker = stack.start_worker("w1")
    # createRecord takes 3 s, then the PDS writes the post: the worker dies before the answer.
    sandbox.add_fault("bluesky", "latency", seconds=3, count=1, path="createRecord")
    ann = announce("bluesky", "Abgebrochen", image_bytes("JPEG"), "weg.jpg")

    def in_flight() -> bool:
        return any(
            r["path"].endswith("createRecord") and r["status"] is None
            for r in sandbox.requests("bluesky")
        )

    wait_until(in_flight, timeout=30, what="the post in flight")
    stack.kill(worker)
    stack.start_worker("w2")
    (delivery,) = wait_for_states(ann, FINAL, timeout=60)
    posts = sandbox.posts("bluesky")
    assert len(posts) == 1  # the record key is the delivery's: no second post
    assert delivery.state == DeliveryState.published, delivery.error_message
    assert delivery.remote_id == posts[0]["options"]["at_uri"]


def test_worker_killed_mid_post_never_makes_a_second_mastodon_status(
    stack, app, announce, sandbox
) -> None:
    stack.start_beat()
    worker = stack.start_worker("w1")
    # The status is made after 3 s, when nobody waits for the answer any more.
    sandbox.add_fault("mastodon", "latency", seconds=3, count=1, path="/api/v1/statuses")
    ann = announce("mastodon", "Abgebrochen", image_bytes("PNG"), "weg.png")

    def in_flight() -> bool:
        return any(
            r["path"].endswith("/api/v1/statuses") and r["status"] is None
            for r in sandbox.requests("mastodon")
        )

    wait_until(in_flight, timeout=30, what="the status in flight")
    stack.kill(worker)
    stack.start_worker("w2")
    (delivery,) = wait_for_states(ann, FINAL, timeout=60)
    (status,) = sandbox.posts("mastodon")  # found again (or the same key): never a second
    assert delivery.state == DeliveryState.published, delivery.error_message
    assert delivery.remote_id == status["id"]


def test_faults_end_in_a_clear_state(stack, app, announce, sandbox) -> None:
    stack.start_worker()
    stack.start_beat()
    sandbox.add_fault("flickr", "status", method="PROCESS")
    flickr = announce("flickr", "Kaputt", image_bytes("JPEG"), "k.jpg")
    sandbox.add_fault(
        "youtube", "status", status=403, path="/upload/", error={"reason": "quotaExceeded"}
    )
    youtube = announce("youtube", "Quota", tiny_mp4(), "q.mp4")
    # The workers say it in the office's language: German unless the office chose English.
    (failed,) = wait_for_states(flickr, {DeliveryState.failed}, timeout=60)
    assert "Flickr konnte das Foto nicht verarbeiten" in failed.error_message
    (waiting,) = wait_for_states(youtube, {DeliveryState.retry_wait}, timeout=60)
    assert "Tageskontingent von YouTube" in waiting.error_message
    assert "zurückgesetzt" in waiting.error_message
    assert sandbox.posts("flickr") == [] and sandbox.posts("youtube") == []
