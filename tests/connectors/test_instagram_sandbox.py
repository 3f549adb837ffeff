"""Instagram through pyfacebook against the sandbox, which fetches the media from hub's real
public-media route (served over HTTP by a hub app in a thread)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from werkzeug.serving import make_server

from hub import create_app
from hub.config import Settings
from hub.connectors.base import ChannelAccess, MediaFile, OutgoingPost, Rejected, Transient
from hub.connectors.instagram import InstagramConnector
from hub.connectors.registry import connector_for
from hub.public_media import public_url
from hub.publishing.network_state import MemoryUploadSessions
from tests.conftest import image_bytes, tiny_mp4
from tests.support import free_port

IG_USER = "17841400008460056"
TIMEOUT = 2.0


class MediaServer:
    """hub's web app serving public media, reachable by the sandbox over HTTP."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.counter = iter(range(1, 1000))

    def file(
        self,
        kind: str = "image",
        alt_text: str | None = "Das Rathaus",
        data: bytes | None = None,
        seconds: float = 5.0,
    ) -> MediaFile:
        n = next(self.counter)
        data = (
            data
            if data is not None
            else (image_bytes("JPEG") if kind == "image" else tiny_mp4(seconds))
        )
        stored = f"ig/{n:04d}.{'jpg' if kind == 'image' else 'mp4'}"
        path = self.settings.media_dir / stored
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return MediaFile(
            path=path,
            kind=kind,
            mime_type="image/jpeg" if kind == "image" else "video/mp4",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            alt_text=alt_text,
            duration_seconds=seconds if kind == "video" else None,
            public_url=public_url(self.settings, stored),
        )


@pytest.fixture(scope="module")
def media_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MediaServer]:
    port = free_port()
    data = tmp_path_factory.mktemp("ig-data")
    settings = Settings.from_env(
        {"HUB_DATA_DIR": str(data), "HUB_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    )
    app = create_app(settings, {"TESTING": True})
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield MediaServer(settings)
    server.shutdown()
    thread.join(5)


@pytest.fixture
def instagram(sandbox, sandbox_url: str, monkeypatch) -> InstagramConnector:
    monkeypatch.setattr(InstagramConnector, "poll_first", 0.05)
    monkeypatch.setattr(InstagramConnector, "image_processing_seconds", 5.0)
    access = ChannelAccess(IG_USER, {"access_token": "ig-token"}, sandbox_url)
    connector = connector_for("instagram", access, timeout=TIMEOUT)
    assert isinstance(connector, InstagramConnector)
    connector.sessions = MemoryUploadSessions()
    return connector


def test_single_image_with_alt_text_arrives_whole(instagram, media_server, sandbox) -> None:
    image = media_server.file()
    result = instagram.publish(
        OutgoingPost(delivery_id=1, text="Rathaus bei Nacht #bochum", media=[image])
    )
    (post,) = sandbox.posts("instagram")
    assert post["id"] == result.remote_id and result.url == post["url"]
    assert post["text"] == "Rathaus bei Nacht #bochum"
    (media,) = post["media"]
    assert media["sha256"] == image.sha256 and media["size"] == image.size
    assert media["alt_text"] == "Das Rathaus"
    # First the limit, then container, status, publish.
    paths = [(r["method"], r["path"].split("/")[-1]) for r in sandbox.requests("instagram")]
    assert paths[0] == ("GET", "content_publishing_limit")
    assert ("POST", "media_publish") in paths


def test_carousel_of_images_and_a_reel(instagram, media_server, sandbox, monkeypatch) -> None:
    images = [media_server.file(alt_text=f"Bild {i}") for i in range(3)]
    carousel = instagram.publish(OutgoingPost(delivery_id=2, text="Drei Bilder", media=images))
    monkeypatch.setattr(InstagramConnector, "video_processing_seconds", 5.0)
    video = media_server.file("video", seconds=8)
    reel = instagram.publish(OutgoingPost(delivery_id=3, text="Ein Reel", media=[video]))
    posts = {p["id"]: p for p in sandbox.posts("instagram")}
    assert [m["alt_text"] for m in posts[carousel.remote_id]["media"]] == [
        "Bild 0",
        "Bild 1",
        "Bild 2",
    ]
    assert [m["sha256"] for m in posts[carousel.remote_id]["media"]] == [i.sha256 for i in images]
    assert posts[reel.remote_id]["options"]["media_type"] == "REELS"
    assert posts[reel.remote_id]["media"][0]["sha256"] == video.sha256


def test_bad_input_is_refused_before_anything_is_posted(instagram, media_server, sandbox) -> None:
    with pytest.raises(Rejected, match="alt text"):
        instagram.publish(
            OutgoingPost(delivery_id=4, text="x", media=[media_server.file(alt_text=None)])
        )
    too_long = replace(media_server.file("video"), duration_seconds=16 * 60)
    with pytest.raises(Rejected, match="at most 15 minutes"):
        instagram.publish(OutgoingPost(delivery_id=5, text="x", media=[too_long]))
    assert sandbox.requests("instagram") == [] and sandbox.posts("instagram") == []


def test_a_corrupted_video_ends_with_instagrams_reason(
    instagram, media_server, sandbox, monkeypatch
) -> None:
    monkeypatch.setattr(InstagramConnector, "video_processing_seconds", 5.0)
    broken = media_server.file("video", data=b"\x00" * 4096)
    with pytest.raises(Rejected, match="corrupted"):
        instagram.publish(OutgoingPost(delivery_id=6, text="kaputt", media=[broken]))
    assert sandbox.posts("instagram") == []


def test_a_container_that_never_finishes_fails_clearly_and_posts_nothing(
    instagram, media_server, sandbox, monkeypatch
) -> None:
    monkeypatch.setattr(InstagramConnector, "image_processing_seconds", 0.6)
    sandbox.add_fault("instagram", "timeout", method="PROCESS", seconds=30)
    with pytest.raises(Rejected, match="did not finish processing"):
        instagram.publish(OutgoingPost(delivery_id=7, text="hängt", media=[media_server.file()]))
    assert sandbox.posts("instagram") == []


def test_publishing_limit_reached_is_refused_with_a_clear_message(
    instagram, media_server, sandbox
) -> None:
    from hub.sandbox import instagram as ig_sandbox

    image = media_server.file()
    # Filling the real window takes 100 posts; the sandbox's limit is lowered to one instead.
    original = ig_sandbox.PUBLISH_LIMIT
    try:
        ig_sandbox.PUBLISH_LIMIT = 1
        instagram.publish(OutgoingPost(delivery_id=8, text="erster", media=[image]))
        with pytest.raises(Rejected, match="posts per 24 hours"):
            instagram.publish(OutgoingPost(delivery_id=9, text="zweiter", media=[image]))
    finally:
        ig_sandbox.PUBLISH_LIMIT = original
    assert [p["text"] for p in sandbox.posts("instagram")] == ["erster"]


def test_lost_publish_answer_is_found_and_never_posted_twice(
    instagram, media_server, sandbox
) -> None:
    image = media_server.file()
    post = OutgoingPost(delivery_id=10, text="Antwort verloren", media=[image])
    sandbox.add_fault("instagram", "reset", after=True, method="POST", path="media_publish")
    with pytest.raises(Transient):
        instagram.publish(post)
    # The next attempt reuses the stored container: published already, so it is looked up.
    again = instagram.publish(post)
    assert [p["id"] for p in sandbox.posts("instagram")] == [again.remote_id]
    assert instagram.find_published(post) == again


def test_expired_token_and_check_connection(instagram, sandbox) -> None:
    assert instagram.check_connection().startswith("@")
    from hub.connectors.base import AuthExpired

    sandbox.add_fault("instagram", "expired_token")
    with pytest.raises(AuthExpired):
        instagram.check_connection()


def test_refresh_login_gives_a_new_token_for_sixty_days(instagram) -> None:
    from datetime import UTC, datetime, timedelta

    fresh = instagram.refresh_login()
    assert fresh.credentials["access_token"] != "ig-token"
    assert fresh.expires_at is not None
    assert fresh.expires_at - datetime.now(UTC) > timedelta(days=59)


def test_comments_replies_hiding_and_figures(instagram, media_server, sandbox) -> None:
    result = instagram.publish(
        OutgoingPost(delivery_id=11, text="Kommentare", media=[media_server.file()])
    )
    first = sandbox.add_comment("instagram", result.remote_id, "Schön!", author_username="anna")
    page = instagram.fetch_comments({}, [result.remote_id])
    assert [c.text for c in page.items] == ["Schön!"]
    assert page.items[0].post_remote_id == result.remote_id and not page.items[0].is_own
    reply_id = instagram.reply(first["id"], "Danke!", idempotency_key="r1")
    assert instagram.find_reply(first["id"], "Danke!") == reply_id
    second = instagram.fetch_comments(page.cursor, [result.remote_id])
    assert [(c.text, c.is_own, c.parent_remote_id) for c in second.items] == [
        ("Danke!", True, first["id"])
    ]
    assert instagram.fetch_comments(second.cursor, [result.remote_id]).items == []
    instagram.set_hidden(first["id"], True)
    assert sandbox.post("instagram", first["id"])["hidden"] is True
    instagram.delete_comment(first["id"])
    instagram.delete_comment(first["id"])  # already gone: no error
    sandbox.set_metrics("instagram", result.remote_id, views=120, likes=7, reach=90)
    figures = instagram.fetch_post_metrics([result.remote_id])[result.remote_id]
    assert (figures.views, figures.likes, figures.reach) == (120, 7, 90)
    sandbox.put_account("instagram", id=IG_USER, followers=4321)
    assert instagram.fetch_account_metrics().followers == 4321


def test_public_media_route_serves_one_file_with_its_type(media_server) -> None:
    import requests

    image = media_server.file()
    answer = requests.get(image.public_url, timeout=5)
    assert answer.status_code == 200 and answer.content == image.path.read_bytes()
    assert answer.headers["Content-Type"] == "image/jpeg"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    token_url = image.public_url.rsplit("/", 1)[0]
    assert requests.get(f"{token_url}/other.jpg", timeout=5).status_code == 404
    forged = image.public_url.replace("/m/", "/m/x")
    assert requests.get(forged, timeout=5).status_code == 404
    from hub.public_media import make_token

    expired = make_token(media_server.settings.secret_key, "ig/0001.jpg", ttl=-1)
    base = media_server.settings.public_url
    assert requests.get(f"{base}/m/{expired}/0001.jpg", timeout=5).status_code == 404
    outside = make_token(media_server.settings.secret_key, "../secret_key")
    assert requests.get(f"{base}/m/{outside}/secret_key", timeout=5).status_code == 404
