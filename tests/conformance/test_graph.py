"""The sandbox's Graph API (Facebook Pages, Instagram) held to answers recorded from Meta.

Each test sends the sandbox the request that produced a recorded real body (tests/fixtures/
{graph,facebook,instagram}, from python-facebook's test data: see tests/fixtures/README.md),
with the same path shape, fields and paging parameters the SDK sends, and holds the sandbox's
answer to the recorded answer's shape (:func:`tests.conformance.shapes.assert_conforms`).
Where they disagreed, the sandbox was changed; ``optional``/``ignore`` are used only where the
recording itself is partial, each with its reason.

Bodies keyed by object id (``GET /?ids=a,b``) are compared by their values: the ids differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from tests.conformance.shapes import assert_conforms, real_json
from tests.conftest import image_bytes, tiny_mp4
from tests.support import free_port, serving, wait_until

VERSION = "v23.0"
PAGE = "104729318356812"
IG_USER = "17841400008460056"
TOKEN = "EAApage-token"  # a sandbox token, shaped like a page token
TIMEOUT = 5
# The recordings of comments list no ids (python-facebook trimmed its test data); Graph sends
# the id of every object it lists, and hub needs it.
TRIMMED_IDS = ("$.data[*].id",)
CHILD_FIELDS = "children{id,media_type,media_url,permalink,shortcode,thumbnail_url,timestamp}"
MEDIA_FIELDS = (
    f"id,caption,comments_count,{CHILD_FIELDS},like_count,media_type,media_url,permalink,timestamp"
)


class Graph:
    """Plain HTTP to the sandbox's graph.facebook.com, as pyfacebook sends it."""

    def __init__(self, base: str) -> None:
        self.base = f"{base}/{VERSION}"
        self.session = requests.Session()

    def get(self, path: str, **params: Any) -> Any:
        answer = self.session.get(
            f"{self.base}/{path}", params={"access_token": TOKEN, **params}, timeout=TIMEOUT
        )
        return answer.json()

    def post(self, path: str, files: Any = None, **data: Any) -> Any:
        answer = self.session.post(
            f"{self.base}/{path}",
            data={"access_token": TOKEN, **data},
            files=files,
            timeout=TIMEOUT,
        )
        return answer.json()

    def follow(self, url: str) -> Any:
        return self.session.get(url, timeout=TIMEOUT).json()


@pytest.fixture
def graph(sandbox, sandbox_url: str) -> Graph:  # type: ignore[no-untyped-def]
    sandbox.put_account("facebook", id=PAGE, username="stadtbochum", name="Stadt Bochum")
    return Graph(sandbox_url)


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    """Media files on a URL Instagram's fetcher (the sandbox's) can download."""
    bodies = {
        "/bild.jpg": (image_bytes("JPEG"), "image/jpeg"),
        "/film.mp4": (tiny_mp4(5), "video/mp4"),
    }

    @Request.application  # type: ignore[misc]
    def serve(request: Request) -> Response:
        body, mime = bodies.get(request.path, (b"", "text/plain"))
        return Response(body, status=200 if body else 404, content_type=mime)

    with serving(serve, free_port()) as url:
        yield url


def values(by_id: dict[str, Any]) -> list[Any]:
    return list(by_id.values())


# -- Facebook -----------------------------------------------------------------------------------


def test_page_with_fields(graph) -> None:
    ours = graph.get(PAGE, fields="id,name,username,fan_count")
    assert_conforms(real_json("facebook/pages/single_fields_page.json"), ours)


def test_a_pages_feed_in_two_pages(graph) -> None:
    for n in range(7):
        graph.post(f"{PAGE}/feed", message=f"Meldung {n}")
    first = graph.get(f"{PAGE}/posts", fields="id,message,created_time", limit=5)
    assert_conforms(real_json("facebook/posts/feed_fields_p1.json"), first)
    second = graph.follow(first["paging"]["next"])
    assert_conforms(real_json("facebook/posts/feed_fields_p2.json"), second)
    assert len(first["data"]) + len(second["data"]) == 7


def test_posts_by_ids_and_one_post(graph) -> None:
    ids = [graph.post(f"{PAGE}/feed", message=f"Meldung {n}")["id"] for n in range(2)]
    ours = graph.get("", ids=",".join(ids), fields="id,created_time,message,updated_time")
    assert sorted(ours) == sorted(ids)
    assert_conforms(values(real_json("facebook/posts/multi_posts_data_fields.json")), values(ours))
    one = graph.get(ids[0], fields="id,created_time,message")
    assert_conforms(real_json("facebook/posts/single_post_data_fields.json"), one)


def _thread(graph: Graph, sandbox, count: int) -> str:  # type: ignore[no-untyped-def]
    post_id = graph.post(f"{PAGE}/feed", message="Was meint ihr?")["id"]
    for n in range(count):
        made = sandbox.add_comment("facebook", post_id, f"Meinung {n}")
        if n % 3 == 0:
            sandbox.add_comment("facebook", post_id, f"Antwort {n}", parent_id=made["id"])
    return post_id


COMMENT_FIELDS = "id,comment_count,created_time,like_count,message,permalink_url"


def test_comments_in_two_pages_with_cursors(graph, sandbox) -> None:
    post_id = _thread(graph, sandbox, 6)
    first = graph.get(
        f"{post_id}/comments", fields=COMMENT_FIELDS, summary=1, filter="stream", limit=5
    )
    assert_conforms(real_json("facebook/comments/comments_p1.json"), first, optional=TRIMMED_IDS)
    second = graph.follow(first["paging"]["next"])
    assert_conforms(real_json("facebook/comments/comments_p2.json"), second, optional=TRIMMED_IDS)


def test_one_comment_and_a_new_one(graph, sandbox) -> None:
    post_id = _thread(graph, sandbox, 1)
    (comment,) = sandbox.comments("facebook", post_id)[:1]
    ours = graph.get(comment["id"], fields=COMMENT_FIELDS)
    assert_conforms(real_json("facebook/comments/comment_info.json"), ours)
    made = graph.post(
        f"{post_id}/comments",
        message="Danke für den Hinweis",
        fields="id,message,permalink_url,created_time",
    )
    assert_conforms(real_json("facebook/comments/create_resp.json"), made)


def test_photo_object(graph) -> None:
    made = graph.post(
        f"{PAGE}/photos", files={"source": ("a.png", image_bytes(), "image/png")}, caption="Bild"
    )
    ours = graph.get(made["id"], fields="id,created_time,updated_time,link")
    assert_conforms(real_json("facebook/photos/photo_info_fields.json"), ours)


def test_video_object(graph) -> None:
    data = tiny_mp4(4)
    start = graph.post(f"{PAGE}/videos", upload_phase="start", file_size=str(len(data)))
    graph.post(
        f"{PAGE}/videos",
        upload_phase="transfer",
        upload_session_id=start["upload_session_id"],
        start_offset="0",
        files={"video_file_chunk": ("film.mp4", data, "application/octet-stream")},
    )
    done = graph.post(
        f"{PAGE}/videos",
        upload_phase="finish",
        upload_session_id=start["upload_session_id"],
        title="Film",
        description="Ein Film aus dem Rathaus",
    )
    assert done == {"success": True}
    ours = graph.get(start["video_id"], fields="description,updated_time,id")
    assert_conforms(real_json("facebook/videos/video_info_fields.json"), ours)


# -- Graph's errors and tokens ------------------------------------------------------------------


def test_error_bodies(graph, sandbox_url) -> None:
    # Graph adds error_subcode where it has one (33: an object that does not exist); the
    # recorded refusals (a permission, a missing feature) had none.
    subcode = ("$.error.error_subcode",)
    gone = graph.get(f"{PAGE}_999", fields="id")
    assert gone["error"]["code"] == 100
    assert_conforms(real_json("graph/error_data.json"), gone, optional=subcode)
    retired = graph.get(
        "",
        ids=graph.post(f"{PAGE}/feed", message="x")["id"],
        fields="insights.metric(post_impressions)",
    )
    assert_conforms(real_json("graph/error.json"), retired)
    foreign = requests.get(
        f"{sandbox_url}/{VERSION}/{PAGE}",
        params={"access_token": "IGAAinstagram-login", "fields": "id"},
        timeout=TIMEOUT,
    ).json()
    assert foreign["error"]["code"] == 190
    assert_conforms(real_json("graph/error.json"), foreign)


def test_long_lived_token(graph) -> None:
    ours = graph.get(
        "oauth/access_token",
        grant_type="fb_exchange_token",
        client_id="1234",
        client_secret="geheim",
        fb_exchange_token=TOKEN,
    )
    assert_conforms(real_json("graph/long_term_token.json"), ours)


# -- Instagram ----------------------------------------------------------------------------------


def _finished(graph: Graph, container: str) -> None:
    wait_until(
        lambda: graph.get(container, fields="status_code").get("status_code") == "FINISHED",
        timeout=15,
        what=f"container {container}",
    )


def _image(graph: Graph, files: str, caption: str | None = None, **extra: str) -> str:
    data = {"image_url": f"{files}/bild.jpg", "alt_text": "Bild", **extra}
    if caption:
        data["caption"] = caption
    made = graph.post(f"{IG_USER}/media", **data)
    _finished(graph, made["id"])
    return str(made["id"])


def _publish(graph: Graph, container: str) -> str:
    return str(graph.post(f"{IG_USER}/media_publish", creation_id=container)["id"])


def _carousel(graph: Graph, files: str, caption: str) -> str:
    children = [_image(graph, files, is_carousel_item="true") for _ in range(2)]
    film = graph.post(
        f"{IG_USER}/media",
        media_type="VIDEO",
        video_url=f"{files}/film.mp4",
        is_carousel_item="true",
    )
    _finished(graph, film["id"])
    made = graph.post(
        f"{IG_USER}/media",
        media_type="CAROUSEL",
        children=",".join([*children, film["id"]]),
        caption=caption,
    )
    _finished(graph, made["id"])
    return _publish(graph, made["id"])


def test_instagram_content_publishing(graph, files) -> None:
    made = graph.post(f"{IG_USER}/media", image_url=f"{files}/bild.jpg", caption="Rathaus")
    assert_conforms(real_json("instagram/publish/create_photo.json"), made)
    video = graph.post(
        f"{IG_USER}/media", media_type="REELS", video_url=f"{files}/film.mp4", caption="Film"
    )
    assert_conforms(real_json("instagram/publish/create_video.json"), video)
    _finished(graph, made["id"])
    _finished(graph, video["id"])
    status = graph.get(made["id"], fields="id,status,status_code")
    assert_conforms(real_json("instagram/publish/container_info.json"), status)
    both = graph.get("", ids=f"{made['id']},{video['id']}", fields="id,status,status_code")
    assert_conforms(values(real_json("instagram/publish/containers_info.json")), values(both))
    published = graph.post(f"{IG_USER}/media_publish", creation_id=made["id"])
    assert_conforms(real_json("instagram/publish/publish_container.json"), published)
    limit = graph.get(f"{IG_USER}/content_publishing_limit", fields="quota_usage,config")
    assert_conforms(real_json("instagram/publish/publish_limit_resp.json"), limit)
    assert_conforms(real_json("instagram/users/content_publish_limit.json"), limit)


def test_instagram_media_objects(graph, files) -> None:
    image = _publish(graph, _image(graph, files, "Peach new"))
    album = _carousel(graph, files, "ALBUM")
    one = graph.get(album, fields=MEDIA_FIELDS)
    assert_conforms(real_json("instagram/medias/media_default.json"), one)
    both = graph.get("", ids=f"{image},{album}", fields=MEDIA_FIELDS)
    assert_conforms(values(real_json("instagram/medias/medias_fields.json")), values(both))
    children = graph.get(
        f"{album}/children", fields="id,media_type,media_url,permalink,shortcode,timestamp"
    )
    # The recorded children were two images; ours have a video too, whose thumbnail_url the
    # real media_default.json shows for its video child.
    assert_conforms(
        real_json("instagram/medias/children.json"),
        children,
        optional=("$.data[*].thumbnail_url",),
    )


def test_instagram_media_list_in_two_pages(graph, files) -> None:
    # Oldest first: an image and an album with captions, then two without (the recording's).
    _publish(graph, _image(graph, files, "Peach new"))
    _carousel(graph, files, "ALBUM")
    for _ in range(2):
        _publish(graph, _image(graph, files))
    first = graph.get(f"{IG_USER}/media", fields=MEDIA_FIELDS, limit=2)
    assert_conforms(real_json("instagram/users/medias_p1.json"), first)
    second = graph.follow(first["paging"]["next"])
    assert_conforms(real_json("instagram/users/medias_p2.json"), second)


def test_instagram_user(graph, sandbox) -> None:
    sandbox.put_account("instagram", id=IG_USER, username="stadtbochum", followers=21300)
    ours = graph.get(
        IG_USER,
        fields="id,biography,name,username,profile_picture_url,followers_count,media_count",
    )
    assert_conforms(real_json("instagram/users/user_fields.json"), ours)


def test_instagram_comments_replies_and_fields(graph, sandbox, files) -> None:
    media = _publish(graph, _image(graph, files, "Kommentare bitte"))
    made = [sandbox.add_comment("instagram", media, f"Schön {n}") for n in range(4)]
    first = graph.get(f"{media}/comments", limit=2)
    assert_conforms(real_json("instagram/medias/comments_p1.json"), first)
    second = graph.follow(first["paging"]["next"])
    assert_conforms(real_json("instagram/medias/comments_p2.json"), second)
    graph.post(f"{made[0]['id']}/replies", message="Danke!")
    replies = graph.get(f"{made[0]['id']}/replies")
    assert_conforms(real_json("instagram/comments/replies.json"), replies)
    fields = "id,like_count,text,timestamp,username"
    one = graph.get(made[1]["id"], fields=fields)
    assert_conforms(real_json("instagram/comments/comment_fields.json"), one)
    both = graph.get("", ids=f"{made[1]['id']},{made[2]['id']}", fields=fields)
    assert_conforms(values(real_json("instagram/comments/comments_fields.json")), values(both))


def test_instagram_media_insights_new_names(graph, sandbox, files) -> None:
    media = _publish(graph, _image(graph, files, "Zahlen"))
    sandbox.set_metrics("instagram", media, views=120, reach=90, saved=3)
    ours = graph.get(f"{media}/insights", metric="views,reach,likes,comments,shares,saved")
    # The recording asked for a breakdown (profile_activity by action type); hub asks none, and
    # without one Graph sends no breakdowns.
    assert_conforms(
        real_json("instagram/medias/insights_new.json"),
        ours,
        ignore=("$.data[*].total_value.breakdowns",),
    )
    # The names of insights.json (impressions ...) are retired: the whole request is refused.
    old = graph.get(f"{media}/insights", metric="impressions,reach,saved")
    assert "no longer supported" in old["error"]["message"]
    assert_conforms(real_json("graph/error.json"), old)


def test_instagram_user_insights(graph, sandbox, files) -> None:
    sandbox.put_account("instagram", id=IG_USER, followers=21300)
    media = _publish(graph, _image(graph, files, "Reichweite"))
    sandbox.set_metrics("instagram", media, reach=900)
    ours = graph.get(
        f"{IG_USER}/insights",
        metric="reach",
        metric_type="total_value",
        period="day",
        breakdown="media_product_type,follow_type",
        timeframe="last_14_days",
    )
    assert_conforms(real_json("instagram/users/user_insights_new.json"), ours)
