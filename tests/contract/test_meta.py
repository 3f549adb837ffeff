"""The Facebook and Instagram connectors on answers recorded from Meta's Graph API.

The connectors run with no base URL, so pyfacebook builds the real URLs (graph.facebook.com,
graph.instagram.com for Instagram Login, graph-video.facebook.com); ``responses`` serves the
real recorded bodies from tests/fixtures/{graph,facebook,instagram} (python-facebook's test
data, see tests/fixtures/README.md) at those URLs, and fails any request nobody recorded. So the
real SDK parses what Meta really sends, including Meta's error bodies, into hub's values and
typed errors. The recordings' ids are Meta's; what hub asks is checked where it matters.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from hub.connectors.base import (
    MediaFile,
    OutgoingPost,
    PostMetrics,
    Published,
    Rejected,
)
from hub.connectors.facebook import FacebookConnector
from hub.connectors.instagram import InstagramConnector
from hub.publishing.network_state import MemoryUploadSessions
from tests.conformance.shapes import real_json
from tests.connectors.conftest import media_file, registry_connector

FACEBOOK = "https://graph.facebook.com/v23.0"
INSTAGRAM = "https://graph.instagram.com/v23.0"
PAGE = "19292868552"
IG_USER = "17841406338772941"
POST = "19292868552_10158407654328553"
MEDIA = "17846368219941692"


def facebook() -> FacebookConnector:
    made = registry_connector(FacebookConnector, PAGE, {"access_token": "EAArecorded"}, timeout=5)
    made.sessions = MemoryUploadSessions()
    return made


def instagram(login: str = "facebook", **credentials: str) -> InstagramConnector:
    token = "IGAArecorded" if login == "instagram" else "EAArecorded"
    credentials = {"access_token": token, "login": login, **credentials}
    made = registry_connector(InstagramConnector, IG_USER, credentials, timeout=5)
    made.sessions = MemoryUploadSessions()
    return made


def recorded_pages(url: str, *recordings: str) -> None:
    """``url`` answers with these recorded bodies, one call after the other."""
    for recording in recordings:
        responses.get(url, json=real_json(recording))


def query(call: responses.Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


# -- Facebook -----------------------------------------------------------------------------------


@responses.activate
def test_facebook_comments_walk_the_recorded_pages() -> None:
    recorded_pages(
        f"{FACEBOOK}/{POST}/comments",
        "facebook/comments/comments_p1.json",
        "facebook/comments/comments_p2.json",
    )
    page = facebook().fetch_comments({}, [POST], full=True)
    # The recording lists no ids (python-facebook trimmed them): what cannot be identified is
    # skipped, never stored under a made-up id, and the listing still goes on to its end.
    assert page.items == [] and page.complete == [POST] and not page.more
    first, second = (query(c) for c in responses.calls)
    assert first["filter"] == ["stream"] and "after" not in first
    assert second["after"] == ["after"]  # page 1's paging.cursors.after
    assert page.cursor["posts"][POST]["after"] == "after"


@responses.activate
def test_facebook_one_comment_and_our_reply() -> None:
    info = real_json("facebook/comments/comment_info.json")
    comment = facebook()._comment(info, POST)
    assert comment.remote_id == info["id"] and comment.text == "This is really nice"
    assert comment.created_at == datetime(2021, 7, 21, 21, 5, 14, tzinfo=UTC)
    assert comment.url == info["permalink_url"]
    made = real_json("facebook/comments/create_resp.json")
    responses.post(f"{FACEBOOK}/{info['id']}/comments", json=made)
    assert facebook().reply(info["id"], "Danke!", idempotency_key="r1") == made["id"]


@responses.activate
def test_facebook_find_published_follows_the_feeds_next_link() -> None:
    recorded_pages(
        f"{FACEBOOK}/{PAGE}/posts",
        "facebook/posts/feed_fields_p1.json",
        "facebook/posts/feed_fields_p2.json",
    )
    wanted = "Thanks @adam.the.creator for designing my next board. The sun never stood a chance."
    found = facebook().find_published(OutgoingPost(delivery_id=1, text=wanted))
    assert found == Published("4_10113332572050531", None)
    missing = facebook().find_published(OutgoingPost(delivery_id=1, text="Nie gepostet"))
    assert missing is None
    # The second request is the first's paging.next: Facebook's time-based paging.
    assert "__paging_token" in query(responses.calls[1]) and "until" in query(responses.calls[1])


@responses.activate
def test_facebook_figures_of_posts_by_ids() -> None:
    recorded = real_json("facebook/posts/multi_posts_data_fields.json")
    responses.get(FACEBOOK, json=recorded)  # pyfacebook asks /v23.0?ids=...
    figures = facebook().fetch_post_metrics(list(recorded))
    assert sorted(figures) == sorted(recorded)
    for found in figures.values():
        assert isinstance(found, PostMetrics)
        # The recording asked no insights: unknown, never 0.
        assert (found.views, found.reach, found.clicks, found.likes) == (None, None, None, None)
    (call,) = responses.calls
    assert query(call)["ids"] == [",".join(recorded)]
    assert "insights.metric(post_media_view" in query(call)["fields"][0]


@responses.activate
def test_facebook_page_followers_from_fan_count() -> None:
    responses.get(f"{FACEBOOK}/{PAGE}", json=real_json("facebook/pages/single_fields_page.json"))
    assert facebook().fetch_account_metrics().followers == 214507731


@pytest.mark.parametrize("name", ["graph/error.json", "graph/error_data.json"])
@responses.activate
def test_facebook_real_error_bodies_are_refusals_in_facebooks_words(name: str) -> None:
    body = real_json(name)
    responses.get(f"{FACEBOOK}/{PAGE}", json=body, status=400)
    with pytest.raises(Rejected) as refused:
        facebook().check_connection()
    reason = body["error"]["message"].split(")", 1)[1].strip()
    assert refused.value.message.endswith(reason)
    assert body["error"]["fbtrace_id"] in (refused.value.detail or "")


@responses.activate
def test_facebook_video_goes_to_graph_video(tmp_path: Path) -> None:
    data = b"\x00\x00\x00\x18ftypmp42" + bytes(200)
    video = media_file(tmp_path / "film.mp4", data, "video/mp4")
    upload = "https://graph-video.facebook.com/v23.0/" + f"{PAGE}/videos"
    video_id = real_json("facebook/videos/video_info_fields.json")["id"]
    responses.post(
        upload,
        json={
            "video_id": video_id,
            "upload_session_id": "1564747013773438",
            "start_offset": "0",
            "end_offset": str(len(data)),
        },
    )
    responses.post(upload, json={"start_offset": str(len(data)), "end_offset": str(len(data))})
    responses.post(upload, json={"success": True})
    responses.get(f"{FACEBOOK}/{video_id}", json={"post_id": f"{PAGE}_777", "id": video_id})
    responses.get(f"{FACEBOOK}/{PAGE}_777", json={"permalink_url": "https://www.facebook.com/x"})
    result = facebook().publish(OutgoingPost(delivery_id=1, text="Film", media=[video]))
    assert result == Published(f"{PAGE}_777", "https://www.facebook.com/x")
    phases = [
        body if isinstance(body, bytes) else body.encode()
        for body in (c.request.body for c in responses.calls if c.request.method == "POST")
    ]
    assert b"upload_phase=start" in phases[0] and b"file_size=" in phases[0]
    assert b'name="upload_phase"\r\n\r\ntransfer' in phases[1] and data in phases[1]
    assert b"upload_phase=finish" in phases[2] and b"description=Film" in phases[2]


# -- Instagram ----------------------------------------------------------------------------------


def _image(tmp_path: Path) -> MediaFile:
    path = tmp_path / "bild.jpg"
    path.write_bytes(b"\xff\xd8\xff" + bytes(64))
    return MediaFile(
        path,
        "image",
        "image/jpeg",
        67,
        hashlib.sha256(path.read_bytes()).hexdigest(),
        alt_text="Das Rathaus",
        public_url="https://hub.stadt.example/m/token/bild.jpg",
    )


@pytest.mark.parametrize(("login", "host"), [("facebook", FACEBOOK), ("instagram", INSTAGRAM)])
@responses.activate
def test_instagram_publishes_through_the_recorded_container_answers(
    login: str, host: str, tmp_path: Path
) -> None:
    created = real_json("instagram/publish/create_photo.json")["id"]
    published = real_json("instagram/publish/publish_container.json")["id"]
    responses.get(
        f"{host}/{IG_USER}/content_publishing_limit",
        json=real_json("instagram/users/content_publish_limit.json"),
    )
    responses.post(f"{host}/{IG_USER}/media", json=real_json("instagram/publish/create_photo.json"))
    responses.get(f"{host}/{created}", json=real_json("instagram/publish/container_info.json"))
    responses.post(
        f"{host}/{IG_USER}/media_publish",
        json=real_json("instagram/publish/publish_container.json"),
    )
    responses.get(f"{host}/{published}", json=real_json("instagram/medias/media_default.json"))
    result = instagram(login).publish(
        OutgoingPost(delivery_id=1, text="Rathaus", media=[_image(tmp_path)])
    )
    assert result == Published(published, "https://www.instagram.com/p/CRyZpmrjYC4/")
    assert all(c.request.url.startswith(host) for c in responses.calls)


@responses.activate
def test_instagram_publishing_limit_used_up(tmp_path: Path) -> None:
    limit = real_json("instagram/publish/publish_limit_resp.json")
    limit["data"][0]["quota_usage"] = limit["data"][0]["config"]["quota_total"]
    responses.get(f"{FACEBOOK}/{IG_USER}/content_publishing_limit", json=limit)
    with pytest.raises(Rejected, match="25 posts per 24 hours"):
        instagram().publish(OutgoingPost(delivery_id=1, text="x", media=[_image(tmp_path)]))


@responses.activate
def test_instagram_find_published_in_the_recorded_media_list() -> None:
    responses.get(f"{FACEBOOK}/{IG_USER}/media", json=real_json("instagram/users/medias_p2.json"))
    found = instagram().find_published(OutgoingPost(delivery_id=1, text="Peach new"))
    assert found == Published("17893085207160254", "https://www.instagram.com/p/CP5Rq0bjBzn/")


@responses.activate
def test_instagram_comments_in_two_recorded_pages() -> None:
    recorded_pages(
        f"{FACEBOOK}/{MEDIA}/comments",
        "instagram/medias/comments_p1.json",
        "instagram/medias/comments_p2.json",
    )
    page = instagram().fetch_comments({}, [MEDIA], full=True)
    assert [c.text for c in page.items] == [
        "Beautiful!",
        "Beautiful!",
        "@ikroskun  Hey, guys",
        "@ikroskun",
    ]
    assert page.items[0].created_at == datetime(2020, 6, 1, 10, 56, 52, tzinfo=UTC)
    assert page.complete == [MEDIA] and not page.more
    assert query(responses.calls[1])["after"] == ["after"]


@responses.activate
def test_instagram_replies_and_one_comment() -> None:
    responses.get(f"{FACEBOOK}/1789/replies", json=real_json("instagram/comments/replies.json"))
    # The recorded reply is someone else's: no reply of ours to find there.
    assert instagram().find_reply("1789", "@lixiangguodu123 nihao") is None
    comment = instagram()._comment(real_json("instagram/comments/comment_fields.json"), MEDIA, None)
    assert (comment.text, comment.author_handle) == ("@ikroskun Hey, guys", "ikroskun")


@responses.activate
def test_instagram_media_insights_as_recorded() -> None:
    responses.get(f"{FACEBOOK}/{MEDIA}/insights", json=real_json("instagram/medias/insights.json"))
    (figures,) = instagram().fetch_post_metrics([MEDIA]).values()
    # The recording is of the old names: impressions is no figure hub reads (views replaced
    # it), so views stay unknown; reach and saves are read.
    assert (figures.reach, figures.saves, figures.views) == (5, 0, None)
    (call,) = responses.calls
    assert query(call)["metric"] == ["views,reach,likes,comments,shares,saved"]


@responses.activate
def test_instagram_new_insight_shape_reads_total_value() -> None:
    body = real_json("instagram/medias/insights_new.json")
    item = body["data"][0]
    item["name"], item["values"] = "views", []  # the new shape without values: total_value
    responses.get(f"{FACEBOOK}/{MEDIA}/insights", json=body)
    (figures,) = instagram().fetch_post_metrics([MEDIA]).values()
    assert figures.views == 11


@responses.activate
def test_instagram_account_followers() -> None:
    responses.get(f"{FACEBOOK}/{IG_USER}", json=real_json("instagram/users/user_fields.json"))
    assert instagram().fetch_account_metrics().followers == 64363


@responses.activate
def test_instagram_login_is_renewed_on_graph_instagram_com() -> None:
    responses.get(
        "https://graph.instagram.com/refresh_access_token",
        json=real_json("graph/long_term_token.json"),
    )
    fresh = instagram("instagram").refresh_login()
    assert fresh.credentials == {"access_token": "token"}
    assert fresh.expires_at is not None
    assert timedelta(days=59) < fresh.expires_at - datetime.now(UTC) <= timedelta(days=60)
    (call,) = responses.calls
    assert query(call)["grant_type"] == ["ig_refresh_token"]
    assert query(call)["access_token"] == ["IGAArecorded"]


@responses.activate
def test_facebook_login_is_renewed_by_exchange() -> None:
    responses.get(f"{FACEBOOK}/oauth/access_token", json=real_json("graph/long_term_token.json"))
    fresh = instagram(app_id="1234", app_secret="geheim").refresh_login()
    assert fresh.credentials == {"access_token": "token"}
    (call,) = responses.calls
    assert query(call)["grant_type"] == ["fb_exchange_token"]
    assert query(call)["fb_exchange_token"] == ["EAArecorded"]


@pytest.mark.parametrize("name", ["graph/error.json", "graph/error_data.json"])
@responses.activate
def test_instagram_real_error_bodies_are_refusals(name: str) -> None:
    responses.get(f"{FACEBOOK}/{IG_USER}", json=real_json(name), status=400)
    with pytest.raises(Rejected, match="Instagram refused"):
        instagram().check_connection()
