"""The sandbox's YouTube answers have the shapes of YouTube's real answers.

For each body recorded from the real YouTube Data API v3 (python-youtube's test data, see
tests/fixtures/README.md) the sandbox gets the request that produced it, and its answer is held
to the recorded shape (:mod:`tests.conformance.shapes`); every answer is also validated against
the discovery document google-api-python-client ships (``youtube.v3.json``). Where the sandbox
differed, the sandbox was changed. ``optional`` names what the sandbox sends beyond a recording,
each with the reason it is right to send it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from hub.connectors.base import OutgoingPost
from tests.conformance.shapes import assert_conforms, real_json
from tests.conftest import tiny_mp4
from tests.connectors.conftest import media_file, youtube_connector
from tests.sandbox.test_youtube_api import problems

CHANNEL = "UC" + "conformance00000000000"
TIMEOUT = (2.0, 10.0)

# What the sandbox sends beyond a recording, and why that is right.
OWNER_ONLY = (
    # Comment.snippet.moderationStatus is set for the channel's owner (hub lists as the owner;
    # the recordings were made with an API key). Discovery document: Comment.snippet.
    "$.items[*].snippet.topLevelComment.snippet.moderationStatus",
    "$.items[*].replies.comments[*].snippet.moderationStatus",
    "$.items[*].snippet.moderationStatus",
)
REPLIES = (
    # part=snippet,replies, which hub asks for; the recordings asked for part=snippet. The shape
    # of CommentThread.replies is the discovery document's (checked below).
    "$.items[*].replies",
)
CHANNEL_IDS = (
    # Listed by allThreadsRelatedToChannelId, threads and their top-level comments carry the
    # channel's id (comment_threads_all_to_me.json); the by-video recording (2019) has none.
    "$.items[*].snippet.channelId",
    "$.items[*].snippet.topLevelComment.snippet.channelId",
)


class Caller:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.request(method, f"{self.base}/youtube/v3/{path}", **kwargs)


@pytest.fixture
def world(sandbox, sandbox_url: str, tmp_path: Path) -> dict[str, Any]:
    """Two videos of our channel with a caption track, seven citizen threads on the first, a
    thread with three replies (one ours)."""
    sandbox.put_account("youtube", id=CHANNEL, name="Stadt Bochum", token="refresh-conform")
    connector = youtube_connector(CHANNEL, "refresh-conform", sandbox_url)
    videos = []
    for n in range(2):
        media = media_file(tmp_path / f"clip{n}.mp4", tiny_mp4() + bytes([n]), "video/mp4")
        post = OutgoingPost(
            n + 1, "Beschreibung", title=f"Titel {n}", media=[media], options={"tags": ["Bochum"]}
        )
        videos.append(connector.publish(post).remote_id)
    threads = [sandbox.add_comment("youtube", videos[0], f"Frage {i}")["id"] for i in range(7)]
    for i in range(2):
        sandbox.add_comment("youtube", videos[0], f"Antwort {i}", parent_id=threads[0])
    connector.reply(threads[0], "Danke für die Frage!", idempotency_key="k")
    return {
        "call": Caller(sandbox_url, str(connector.credentials.token)),
        "videos": videos,
        "threads": threads,
        "connector": connector,
    }


def ok(response: requests.Response, schema: str) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert problems(body, {"$ref": schema}) == []
    return body


def test_comment_threads_of_a_video_in_two_pages(world) -> None:
    call, video = world["call"], world["videos"][0]
    asked = {"part": "snippet", "videoId": video, "maxResults": 5, "textFormat": "html"}
    first = ok(call("GET", "commentThreads", params=asked), "CommentThreadListResponse")
    second = ok(
        call("GET", "commentThreads", params={**asked, "pageToken": first["nextPageToken"]}),
        "CommentThreadListResponse",
    )
    optional = OWNER_ONLY + CHANNEL_IDS
    assert_conforms(
        real_json("youtube/comment_threads/comment_threads_by_video_paged_1.json"),
        first,
        optional=optional,
    )
    assert_conforms(
        real_json("youtube/comment_threads/comment_threads_by_video_paged_2.json"),
        second,
        optional=optional,
    )
    assert len(first["items"]) == 5 and len(second["items"]) == 2 and "nextPageToken" not in second


def test_all_threads_related_to_the_channel(world) -> None:
    body = ok(
        world["call"](
            "GET",
            "commentThreads",
            params={"part": "snippet,replies", "allThreadsRelatedToChannelId": CHANNEL},
        ),
        "CommentThreadListResponse",
    )
    assert_conforms(
        real_json("youtube/comment_threads/comment_threads_all_to_me.json"),
        body,
        optional=OWNER_ONLY + REPLIES,
    )


def test_replies_by_parent_in_two_pages(world) -> None:
    call, parent = world["call"], world["threads"][0]
    asked = {"part": "snippet", "parentId": parent, "maxResults": 2}
    first = ok(call("GET", "comments", params=asked), "CommentListResponse")
    second = ok(
        call("GET", "comments", params={**asked, "pageToken": first["nextPageToken"]}),
        "CommentListResponse",
    )
    optional = ("$.items[*].snippet.moderationStatus",)  # OWNER_ONLY, for replies
    assert_conforms(
        real_json("youtube/comments/comments_by_parent_paged_1.json"), first, optional=optional
    )
    assert_conforms(
        real_json("youtube/comments/comments_by_parent_paged_2.json"), second, optional=optional
    )
    assert len(first["items"]) + len(second["items"]) == 3


def test_comments_by_id(world) -> None:
    body = ok(
        world["call"](
            "GET", "comments", params={"part": "snippet", "id": ",".join(world["threads"][1:3])}
        ),
        "CommentListResponse",
    )
    # The recording has no pageInfo: a listing by id has no pages.
    assert_conforms(real_json("youtube/comments/comments_multi.json"), body)
    assert [c["id"] for c in body["items"]] == world["threads"][1:3]


def test_a_reply_and_a_new_thread_as_youtube_makes_them(world) -> None:
    call = world["call"]
    reply = call(
        "POST",
        "comments",
        params={"part": "snippet"},
        json={"snippet": {"parentId": world["threads"][1], "textOriginal": "Gern geschehen"}},
    )
    assert_conforms(
        real_json("youtube/comments/insert_response.json"),
        ok(reply, "Comment"),
        optional=("$.snippet.moderationStatus",),  # OWNER_ONLY
    )
    thread = call(
        "POST",
        "commentThreads",
        params={"part": "snippet"},
        json={
            "snippet": {
                "videoId": world["videos"][1],
                "topLevelComment": {"snippet": {"textOriginal": "Neu von der Stadt"}},
            }
        },
    )
    assert_conforms(
        real_json("youtube/comment_threads/insert_response.json"),
        ok(thread, "CommentThread"),
        optional=("$.snippet.topLevelComment.snippet.moderationStatus",),  # OWNER_ONLY
    )


@pytest.mark.parametrize(
    ("recorded", "count"),
    [("youtube/videos/videos_info_single.json", 1), ("youtube/videos/videos_info_multi.json", 2)],
)
def test_videos_by_id(world, recorded, count) -> None:
    ids = ",".join(world["videos"][:count])
    body = ok(
        world["call"]("GET", "videos", params={"part": "snippet,player", "id": ids}),
        "VideoListResponse",
    )
    assert_conforms(real_json(recorded), body)
    assert len(body["items"]) == count


def test_the_answer_to_an_upload(world, sandbox_url) -> None:
    """The last chunk of a resumable ``videos.insert`` answers the video. The recording asked
    for part=snippet,player; the sandbox always adds ``status`` (hub asks for snippet,status and
    reads ``status.privacyStatus`` and ``uploadStatus`` from it: the Video schema's)."""
    call = world["call"]
    data = tiny_mp4()
    start = call.session.post(
        f"{sandbox_url}/upload/youtube/v3/videos",
        params={"uploadType": "resumable", "part": "snippet,player"},
        json={"snippet": {"title": "Titel", "description": "Text", "tags": ["Bochum"]}},
        headers={"X-Upload-Content-Length": str(len(data))},
        timeout=TIMEOUT,
    )
    assert start.status_code == 200, start.text
    made = call.session.put(
        start.headers["Location"],
        data=data,
        headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"},
        timeout=TIMEOUT,
    )
    assert_conforms(
        real_json("youtube/videos/insert_response.json"), ok(made, "Video"), optional=("$.status",)
    )


def test_a_caption_track_as_youtube_makes_it(world, sandbox_url) -> None:
    call = world["call"]
    start = call.session.post(
        f"{sandbox_url}/upload/youtube/v3/captions",
        params={"uploadType": "resumable", "part": "snippet"},
        json={"snippet": {"videoId": world["videos"][0], "language": "de", "name": "Deutsch"}},
        headers={"X-Upload-Content-Length": "7"},
        timeout=TIMEOUT,
    )
    assert start.status_code == 200, start.text
    made = call.session.put(
        start.headers["Location"],
        data=b"WEBVTT\n",
        headers={"Content-Range": "bytes 0-6/7"},
        timeout=TIMEOUT,
    )
    assert_conforms(real_json("youtube/captions/insert_response.json"), ok(made, "Caption"))


def test_our_channel(world) -> None:
    body = ok(
        world["call"]("GET", "channels", params={"part": "snippet", "mine": "true"}),
        "ChannelListResponse",
    )
    assert_conforms(
        real_json("youtube/channels/info.json"),
        body,
        # A channel's country is set only where its owner chose one.
        ignore=("$.items[*].snippet.country",),
    )


def test_error_bodies(sandbox, sandbox_url) -> None:
    """A refused request (403) and a bad one (400) have Google's error body."""
    sandbox.add_fault("youtube", "status", status=403, count=1)
    denied = requests.get(
        f"{sandbox_url}/youtube/v3/channels",
        params={"part": "snippet", "mine": "true"},
        headers={"Authorization": "Bearer t"},
        timeout=TIMEOUT,
    )
    assert denied.status_code == 403
    assert_conforms(real_json("youtube/error_permission_resp.json"), denied.json())
    bad = requests.get(
        f"{sandbox_url}/youtube/v3/commentThreads",
        params={"part": "snippet"},
        headers={"Authorization": "Bearer t"},
        timeout=TIMEOUT,
    )
    assert bad.status_code == 400
    # error.status (the gRPC code name) is in newer answers (error_permission_resp.json).
    assert_conforms(
        real_json("youtube/error_response.json"), bad.json(), optional=("$.error.status",)
    )
