"""The sandbox's YouTube answers validate against the discovery document that
google-api-python-client ships (``youtube.v3.json``): every field it sends exists there, with
the type the document gives."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import requests

from hub.connectors.base import ChannelAccess, MediaFile, OutgoingPost
from hub.connectors.youtube import YouTubeConnector, discovery_document
from hub.publishing.network_state import MemoryQuotaLedger, MemoryUploadSessions
from tests.conftest import tiny_mp4

SCHEMAS = discovery_document("http://unused/")["schemas"]
CHANNEL = "UC" + "validate0000000000000a"
TYPES = {"string": str, "boolean": bool, "integer": int, "number": (int, float), "object": dict}


def problems(value: Any, schema: dict[str, Any], where: str = "$") -> list[str]:
    if "$ref" in schema:
        return problems(value, SCHEMAS[schema["$ref"]], where)
    kind = schema.get("type")
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: expected an array"]
        return [
            p
            for i, item in enumerate(value)
            for p in problems(item, schema["items"], f"{where}[{i}]")
        ]
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        found = []
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if props and key in props:
                found += problems(item, props[key], f"{where}.{key}")
            elif extra:
                found += problems(item, extra, f"{where}.{key}")
            elif props is not None:
                found.append(f"{where}.{key}: not in the discovery document")
        return found
    expected = TYPES.get(kind or "", object)
    if isinstance(value, bool) and kind in ("integer", "number"):
        return [f"{where}: a boolean where {kind} belongs"]
    if not isinstance(value, expected):
        return [f"{where}: {type(value).__name__} where {kind} belongs"]
    if kind == "string" and schema.get("enum") and value not in schema["enum"]:
        return [f"{where}: {value!r} is none of {schema['enum']}"]
    if kind == "string" and schema.get("format") in ("uint64", "int64") and not value.isdigit():
        return [f"{where}: {value!r} is not a {schema['format']}"]
    return []


@pytest.fixture
def published(sandbox, sandbox_url: str, tmp_path: Path) -> dict[str, Any]:
    sandbox.put_account("youtube", id=CHANNEL, token="refresh-validate")
    connector = YouTubeConnector(
        ChannelAccess(
            CHANNEL,
            {"refresh_token": "refresh-validate", "client_id": "1-x", "client_secret": "s"},
            sandbox_url,
        ),
        ledger=MemoryQuotaLedger(),
        sessions=MemoryUploadSessions(),
    )
    data = tiny_mp4()
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    subtitles = tmp_path / "clip.vtt"
    subtitles.write_text("WEBVTT\n")
    media = MediaFile(path, "video", "video/mp4", len(data), hashlib.sha256(data).hexdigest())
    result = connector.publish(
        OutgoingPost(
            1,
            "Beschreibung",
            title="Titel",
            media=[media],
            options={"tags": ["Bochum"], "captions": [{"path": str(subtitles), "language": "de"}]},
        )
    )
    comment = sandbox.add_comment("youtube", result.remote_id, "Gut!")
    reply = sandbox.add_comment("youtube", comment["id"], "Finde ich auch")
    token = connector.credentials.token
    return {
        "video": result.remote_id,
        "comment": comment["id"],
        "reply": reply["id"],
        "token": token,
    }


@pytest.mark.parametrize(
    ("path", "params", "schema"),
    [
        (
            "channels",
            {"part": "snippet,contentDetails,statistics", "mine": "true"},
            "ChannelListResponse",
        ),
        ("videos", {"part": "snippet,status,statistics", "id": "{video}"}, "VideoListResponse"),
        (
            "playlistItems",
            {"part": "snippet,contentDetails", "playlistId": "UU" + CHANNEL[2:]},
            "PlaylistItemListResponse",
        ),
        (
            "commentThreads",
            {"part": "snippet,replies", "allThreadsRelatedToChannelId": CHANNEL},
            "CommentThreadListResponse",
        ),
        ("comments", {"part": "snippet", "parentId": "{comment}"}, "CommentListResponse"),
    ],
)
def test_answers_match_the_discovery_document(published, sandbox_url, path, params, schema) -> None:
    params = {k: v.format(**published) for k, v in params.items()}
    answer = requests.get(
        f"{sandbox_url}/youtube/v3/{path}",
        params=params,
        headers={"Authorization": f"Bearer {published['token']}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["items"], body
    assert problems(body, {"$ref": schema}) == []


def test_the_validator_catches_what_does_not_belong() -> None:
    assert problems({"kind": "youtube#video", "nonsense": 1}, {"$ref": "Video"})
    assert problems({"statistics": {"viewCount": 5}}, {"$ref": "Video"})
    assert problems({"status": {"privacyStatus": "secret"}}, {"$ref": "Video"})


def test_error_bodies_have_googles_shape(sandbox, sandbox_url) -> None:
    sandbox.add_fault("youtube", "status", status=403, error={"reason": "quotaExceeded"})
    answer = requests.get(
        f"{sandbox_url}/youtube/v3/channels",
        params={"mine": "true"},
        headers={"Authorization": "Bearer t"},
        timeout=5,
    )
    error = answer.json()["error"]
    assert answer.status_code == 403 and error["code"] == 403
    assert error["errors"][0]["reason"] == "quotaExceeded"
    assert error["errors"][0]["domain"] == "youtube.quota"


def test_resumable_protocol_answers_308_with_range(sandbox, sandbox_url) -> None:
    headers = {
        "Authorization": "Bearer t",
        "X-Upload-Content-Length": "10",
        "X-Upload-Content-Type": "video/mp4",
        "Content-Type": "application/json",
    }
    start = requests.post(
        f"{sandbox_url}/upload/youtube/v3/videos",
        params={"uploadType": "resumable", "part": "snippet,status"},
        json={"snippet": {"title": "t"}},
        headers=headers,
        timeout=5,
    )
    session = start.headers["Location"]
    first = requests.put(
        session,
        data=b"\x00\x00\x00\x18ftyp",
        headers={"Content-Range": "bytes 0-7/10", "Authorization": "Bearer t"},
        timeout=5,
    )
    assert first.status_code == 308 and first.headers["Range"] == "bytes=0-7"
    asked = requests.put(
        session, headers={"Content-Range": "bytes */10", "Authorization": "Bearer t"}, timeout=5
    )
    assert asked.status_code == 308 and asked.headers["Range"] == "bytes=0-7"
    last = requests.put(
        session,
        data=b"mp",
        headers={"Content-Range": "bytes 8-9/10", "Authorization": "Bearer t"},
        timeout=5,
    )
    assert last.status_code == 200 and problems(last.json(), {"$ref": "Video"}) == []
    (post,) = sandbox.posts("youtube")
    assert post["media"][0]["size"] == 10


def test_held_threads_come_only_when_asked_for(published, sandbox, sandbox_url) -> None:
    """commentThreads.list lists published threads unless moderationStatus asks otherwise;
    a thread is held when its top-level comment or one of its replies is."""
    sandbox.settings("youtube", hold_comments="heldForReview")
    held = sandbox.add_comment("youtube", published["video"], "Wartet")
    held_reply = sandbox.add_comment("youtube", published["comment"], "Antwort wartet")
    sandbox.settings("youtube", hold_comments="likelySpam")
    spam = sandbox.add_comment("youtube", published["video"], "Spam")

    def threads(**asked: str) -> dict[str, Any]:
        answer = requests.get(
            f"{sandbox_url}/youtube/v3/commentThreads",
            params={"part": "snippet,replies", "videoId": published["video"], **asked},
            headers={"Authorization": f"Bearer {published['token']}"},
            timeout=5,
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert problems(body, {"$ref": "CommentThreadListResponse"}) == []
        return body

    def statuses(body: dict[str, Any]) -> dict[str, str]:
        found = {}
        for thread in body["items"]:
            top = thread["snippet"]["topLevelComment"]
            found[top["id"]] = top["snippet"]["moderationStatus"]
            for reply in (thread.get("replies") or {}).get("comments") or []:
                found[reply["id"]] = reply["snippet"]["moderationStatus"]
        return found

    assert statuses(threads()) == {
        published["comment"]: "published",
        published["reply"]: "published",
    }
    assert statuses(threads(moderationStatus="heldForReview")) == {
        held["id"]: "heldForReview",
        published["comment"]: "published",  # listed for its held reply
        published["reply"]: "published",
        held_reply["id"]: "heldForReview",
    }
    assert statuses(threads(moderationStatus="likelySpam")) == {spam["id"]: "likelySpam"}
    refused = requests.get(
        f"{sandbox_url}/youtube/v3/commentThreads",
        params={"part": "snippet", "videoId": published["video"], "moderationStatus": "rejected"},
        headers={"Authorization": f"Bearer {published['token']}"},
        timeout=5,
    )
    assert refused.status_code == 400


def test_unverified_project_locks_uploads_to_private(published, sandbox, sandbox_url) -> None:
    assert sandbox.settings("youtube")["unverified_project"] is False
    assert sandbox.settings("youtube", unverified_project=True)["unverified_project"] is True
    headers = {"Authorization": f"Bearer {published['token']}"}
    start = requests.post(
        f"{sandbox_url}/upload/youtube/v3/videos",
        params={"uploadType": "resumable", "part": "snippet,status"},
        json={"snippet": {"title": "t"}, "status": {"privacyStatus": "public"}},
        headers={**headers, "X-Upload-Content-Length": "10"},
        timeout=5,
    )
    made = requests.put(
        start.headers["Location"],
        data=b"\x00\x00\x00\x18ftypmp",
        headers={**headers, "Content-Range": "bytes 0-9/10"},
        timeout=5,
    )
    assert made.status_code == 200 and made.json()["status"]["privacyStatus"] == "private"
    assert problems(made.json(), {"$ref": "Video"}) == []
