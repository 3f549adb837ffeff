"""Instagram through pyfacebook against the sandbox, which fetches the media from hub's real
public-media route (served over HTTP by a hub app in a thread)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace

import pytest

from hub import create_app
from hub.config import Settings
from hub.connectors.base import ChannelAccess, MediaFile, OutgoingPost, Rejected, Transient
from hub.connectors.instagram import InstagramConnector
from hub.connectors.registry import access_for, connector_for
from hub.models import Channel
from hub.public_media import public_url
from hub.publishing.network_state import MemoryUploadSessions
from tests.conftest import image_bytes, tiny_mp4
from tests.support import free_port, serving, wait_until

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
    with serving(app, port):
        yield MediaServer(settings)


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


def test_a_facebook_login_without_the_apps_secret_is_not_sent_to_a_wrong_endpoint(
    instagram, sandbox
) -> None:
    """Facebook Login renews only by ``fb_exchange_token`` (with the app's id and secret); the
    ``ig_refresh_token`` grant exists only on graph.instagram.com for Instagram Login. Without
    the app's credentials hub says so instead of calling an endpoint that cannot answer."""
    from hub.connectors.base import Unsupported

    with pytest.raises(Unsupported, match="app_id"):
        instagram.refresh_login()
    assert sandbox.requests("instagram") == []


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


# -- Instagram Login: its own host (graph.instagram.com), its own tokens ------------------------

IG_LOGIN_TOKEN = "IGAAsandboxCityOfBochum"  # a sandbox token, shaped like Meta's


def _channel(credentials: dict) -> Channel:
    return Channel(network="instagram", name="Stadt", external_id=IG_USER, credentials=credentials)


@pytest.fixture
def ig_settings(sandbox_url: str, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_SANDBOX_URL": sandbox_url})


@pytest.fixture
def instagram_login(sandbox, ig_settings, monkeypatch) -> InstagramConnector:  # type: ignore[no-untyped-def]
    """An Instagram-Login channel, built the way hub builds every connector (the registry)."""
    monkeypatch.setattr(InstagramConnector, "poll_first", 0.05)
    monkeypatch.setattr(InstagramConnector, "image_processing_seconds", 5.0)
    channel = _channel({"access_token": IG_LOGIN_TOKEN, "login": "instagram"})
    connector = connector_for("instagram", access_for(channel, ig_settings), timeout=TIMEOUT)
    assert isinstance(connector, InstagramConnector)
    connector.sessions = MemoryUploadSessions()
    return connector


def test_the_login_kind_picks_the_host(ig_settings, sandbox_url) -> None:
    facebook_login = access_for(_channel({"access_token": "EAAtoken"}), ig_settings)
    instagram_login = access_for(
        _channel({"access_token": IG_LOGIN_TOKEN, "login": "instagram"}), ig_settings
    )
    assert facebook_login.base_url == sandbox_url  # existing channels: Facebook Login
    assert instagram_login.base_url == f"{sandbox_url}/graph.instagram.com"
    real = Settings.from_env({"HUB_DATA_DIR": ig_settings.data_dir.as_posix()})
    assert access_for(_channel({"access_token": IG_LOGIN_TOKEN, "login": "instagram"}), real)
    assert real.api_url("instagram") is None  # the connector's default: graph.instagram.com
    own = Settings.from_env(
        {
            "HUB_DATA_DIR": ig_settings.data_dir.as_posix(),
            "HUB_INSTAGRAM_API_URL": "https://ig-proxy.stadt.example/",
        }
    )
    assert own.api_url("instagram") == "https://ig-proxy.stadt.example/"


def test_graph_facebook_refuses_an_instagram_login_token_and_vice_versa(sandbox_url) -> None:
    import requests

    on_facebook = requests.get(
        f"{sandbox_url}/v23.0/{IG_USER}",
        params={"access_token": IG_LOGIN_TOKEN, "fields": "id,username"},
        timeout=5,
    )
    assert on_facebook.status_code == 400
    error = on_facebook.json()["error"]
    assert error["code"] == 190 and error["type"] == "OAuthException"
    assert error["message"].startswith("Invalid OAuth access token")
    assert error["fbtrace_id"]
    on_instagram = requests.get(
        f"{sandbox_url}/graph.instagram.com/v23.0/{IG_USER}",
        params={"access_token": "EAApage-token", "fields": "id,username"},
        timeout=5,
    )
    assert on_instagram.status_code == 400 and on_instagram.json()["error"]["code"] == 190
    # The refresh endpoint lives on graph.instagram.com only (and unversioned).
    wrong_host = requests.get(
        f"{sandbox_url}/v23.0/refresh_access_token",
        params={"access_token": "EAApage-token", "grant_type": "ig_refresh_token"},
        timeout=5,
    )
    assert wrong_host.status_code == 400
    assert (wrong_host.json()["error"]["code"], wrong_host.json()["error"]["error_subcode"]) == (
        100,
        33,
    )


def test_an_instagram_login_channel_works_on_its_own_host(
    instagram_login, media_server, sandbox
) -> None:
    assert instagram_login.check_connection().startswith("@")
    result = instagram_login.publish(
        OutgoingPost(delivery_id=21, text="Über Instagram Login", media=[media_server.file()])
    )
    (post,) = sandbox.posts("instagram")
    assert post["id"] == result.remote_id
    first = sandbox.add_comment("instagram", result.remote_id, "Toll!", author_username="anna")
    page = instagram_login.fetch_comments({}, [result.remote_id])
    assert [c.text for c in page.items] == ["Toll!"]
    reply_id = instagram_login.reply(first["id"], "Danke!", idempotency_key="r21")
    assert instagram_login.find_reply(first["id"], "Danke!") == reply_id
    instagram_login.set_hidden(first["id"], True)
    assert sandbox.post("instagram", first["id"])["hidden"] is True
    instagram_login.delete_comment(first["id"])
    sandbox.set_metrics("instagram", result.remote_id, views=50, reach=40, likes=3)
    figures = instagram_login.fetch_post_metrics([result.remote_id])[result.remote_id]
    assert (figures.views, figures.reach, figures.likes) == (50, 40, 3)
    sandbox.put_account("instagram", id=IG_USER, followers=777)
    assert instagram_login.fetch_account_metrics().followers == 777
    # Every call went to graph.instagram.com, none to graph.facebook.com.
    paths = [r["path"] for r in sandbox.requests("instagram")]
    assert paths and all(p.startswith("/graph.instagram.com/v23.0/") for p in paths), paths


def test_an_instagram_login_is_renewed_on_graph_instagram_com(
    instagram_login, sandbox, ig_settings
) -> None:
    from datetime import UTC, datetime, timedelta

    fresh = instagram_login.refresh_login()
    (renewal,) = sandbox.requests("instagram")
    assert renewal["path"] == "/graph.instagram.com/refresh_access_token"
    assert "grant_type=ig_refresh_token" in renewal["query"]
    token = fresh.credentials["access_token"]
    assert token != IG_LOGIN_TOKEN and token.startswith("IGAA")
    assert fresh.expires_at is not None
    assert fresh.expires_at - datetime.now(UTC) > timedelta(days=59)
    renewed = _channel({"access_token": token, "login": "instagram"})
    again = connector_for("instagram", access_for(renewed, ig_settings), timeout=TIMEOUT)
    assert again.check_connection().startswith("@")  # the new token works on its host


def test_a_facebook_login_is_renewed_by_exchange_with_the_app(instagram, sandbox) -> None:
    from dataclasses import replace as replaced

    creds = {"access_token": "EAAlong-lived", "app_id": "1234", "app_secret": "geheim"}
    instagram.access = replaced(instagram.access, credentials=creds)
    instagram._graph = None
    fresh = instagram.refresh_login()
    (renewal,) = sandbox.requests()  # a Facebook Login grant, on graph.facebook.com
    assert renewal["path"] == "/v23.0/oauth/access_token"
    assert "grant_type=fb_exchange_token" in renewal["query"]
    assert fresh.credentials["access_token"].startswith("EAA")


# -- figures: one refused post never costs the others theirs -----------------------------------


def _story(sandbox_url: str, media_server: MediaServer) -> str:
    """A story, posted the way Meta's API takes one (hub itself publishes none)."""
    import requests

    base, auth = f"{sandbox_url}/v23.0/{IG_USER}", {"access_token": "ig-token"}
    made = requests.post(
        f"{base}/media",
        data={**auth, "media_type": "STORIES", "image_url": media_server.file().public_url},
        timeout=5,
    ).json()
    wait_until(
        lambda: (
            requests.get(
                f"{sandbox_url}/v23.0/{made['id']}",
                params={**auth, "fields": "status_code"},
                timeout=5,
            ).json()["status_code"]
            == "FINISHED"
        ),
        timeout=10,
        what="the story's container",
    )
    return requests.post(
        f"{base}/media_publish", data={**auth, "creation_id": made["id"]}, timeout=5
    ).json()["id"]


def test_insights_refused_for_single_posts_leave_only_theirs_empty(
    instagram, media_server, sandbox, sandbox_url
) -> None:
    def publish(n: int) -> str:
        post = OutgoingPost(delivery_id=40 + n, text=f"Beitrag {n}", media=[media_server.file()])
        return instagram.publish(post).remote_id

    seen, few, gone = publish(1), publish(2), publish(3)
    story = _story(sandbox_url, media_server)
    sandbox.set_metrics("instagram", seen, views=300, reach=200, likes=12, saved=4)
    sandbox.set_metrics("instagram", few, reach=2, likes=1)  # too few viewers for insights
    sandbox.set_metrics("instagram", story, reach=80, likes=5)
    instagram.graph.delete_object(gone)  # deleted on Instagram since
    figures = instagram.fetch_post_metrics([seen, few, gone, story])
    assert (figures[seen].views, figures[seen].reach, figures[seen].saves) == (300, 200, 4)
    for refused in (few, story):
        # Insight figures Meta refuses stay unknown ("–"), never 0; likes and comments are
        # the media's own fields, which Instagram always tells.
        assert (figures[refused].views, figures[refused].reach, figures[refused].saves) == (
            None,
            None,
            None,
        )
        assert figures[refused].raw["refused"]
    assert (figures[few].likes, figures[story].likes) == (1, 5)
    assert gone not in figures  # gone: the schedule lets it go after its misses


def test_a_metric_meta_retires_costs_only_its_own_figure(
    instagram, media_server, sandbox, monkeypatch
) -> None:
    from hub.sandbox import instagram as ig_sandbox

    monkeypatch.setattr(InstagramConnector, "retired_metrics", set(), raising=False)
    monkeypatch.setattr(
        ig_sandbox, "INSIGHT_METRICS", tuple(m for m in ig_sandbox.INSIGHT_METRICS if m != "saved")
    )
    monkeypatch.setattr(ig_sandbox, "RETIRED_METRICS", (*ig_sandbox.RETIRED_METRICS, "saved"))
    posts = [
        instagram.publish(
            OutgoingPost(delivery_id=50 + n, text=f"Bild {n}", media=[media_server.file()])
        ).remote_id
        for n in range(2)
    ]
    sandbox.set_metrics("instagram", posts[0], views=90, reach=70, saved=3)
    figures = instagram.fetch_post_metrics(posts)
    assert sorted(figures) == sorted(posts)
    assert (figures[posts[0]].views, figures[posts[0]].reach) == (90, 70)
    assert figures[posts[0]].saves is None  # refused name: unknown, not 0
    assert "saved" in figures[posts[0]].raw["refused_metrics"]
    # Remembered: the next reading (another connector, same process) asks only what works.
    again = connector_for("instagram", instagram.access, timeout=TIMEOUT)
    before = len(sandbox.requests("instagram"))
    assert again.fetch_post_metrics(posts)[posts[0]].views == 90
    asked = sandbox.requests("instagram")[before:]
    assert len(asked) == len(posts)
    assert all("saved" not in r["query"] and r["status"] == 200 for r in asked)
