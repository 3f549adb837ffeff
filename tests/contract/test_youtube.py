"""The YouTube connector reads YouTube's real answers through the real SDK.

The bodies were recorded from the YouTube Data API v3 (python-youtube's test data, see
tests/fixtures/README.md). google-api-python-client's own ``HttpMockSequence`` answers the
client's requests in order with them, so the discovery document, the client's request building
and its error handling run as in production; nothing of hub is replaced but the transport.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from googleapiclient.discovery import build_from_document
from googleapiclient.http import HttpMockSequence

from hub.connectors.base import (
    AuthExpired,
    ChannelAccess,
    OutgoingPost,
    Rejected,
)
from hub.connectors.youtube import API_ROOT, YouTubeConnector, discovery_document
from tests.conftest import tiny_mp4
from tests.connectors.conftest import media_file, youtube_connector
from tests.connectors.recorded import FIXTURES

CHANNEL = "UCa-vrCLQHviTOVnEKDOdetQ"  # the channel of comment_threads_all_to_me.json


def body(name: str) -> str:
    path = Path(FIXTURES) / "youtube" / name
    assert path.exists(), f"recorded fixture {path} is missing"
    return path.read_text(encoding="utf-8")


def empty_listing() -> str:
    """An empty queue (nothing held): a recorded listing's envelope without items."""
    listing = json.loads(body("comment_threads/comment_threads_by_video_paged_2.json"))
    listing["items"] = []
    listing["pageInfo"]["totalResults"] = 0
    return json.dumps(listing)


class Recording(HttpMockSequence):
    """The SDK's mock transport, keeping the URIs it was asked for."""

    def __init__(self, answers: Sequence[tuple[dict[str, str], str]]) -> None:
        super().__init__(list(answers))
        self.asked: list[tuple[str, dict[str, list[str]]]] = []

    def request(self, uri: str, method: str = "GET", *args: Any, **kwargs: Any) -> Any:
        self.asked.append((urlparse(uri).path.rsplit("/", 1)[-1], parse_qs(urlparse(uri).query)))
        return super().request(uri, method, *args, **kwargs)


def connector_over(
    answers: Sequence[tuple[dict[str, str], str]],
) -> tuple[YouTubeConnector, Recording]:
    connector = youtube_connector(CHANNEL, "r")
    http = Recording(answers)
    connector.__dict__["youtube"] = build_from_document(discovery_document(API_ROOT), http=http)
    return connector, http


OK = {"status": "200"}


def test_a_complete_listing_reads_every_thread_and_every_page_of_replies() -> None:
    replies = [
        (OK, body("comments/comments_by_parent_paged_1.json")),
        (OK, body("comments/comments_by_parent_paged_2.json")),
    ]
    connector, http = connector_over(
        [
            (OK, body("comment_threads/comment_threads_by_video_paged_1.json")),
            *replies,
            (OK, body("comment_threads/comment_threads_by_video_paged_2.json")),
            *replies,
            (OK, empty_listing()),  # held for review
            (OK, empty_listing()),  # likely spam
        ]
    )
    page = connector.fetch_comments({}, ["F1UP7wRCPH8"], full=True)
    assert list(page.complete) == ["F1UP7wRCPH8"] and not page.more
    threads = [c for c in page.items if c.parent_remote_id is None]
    answers = [c for c in page.items if c.parent_remote_id is not None]
    assert len(threads) == 5 and len(answers) == 3  # each once, all three replies
    first = next(c for c in threads if c.remote_id == "UgyZ1jqkHKYvi1-ruOZ4AaABAg")
    assert first.text == "Google.com"  # textOriginal, not the HTML of textDisplay
    assert first.author_id == "UCzj-CjKYmGlZ7vTL-vOe57A" and first.author_name == "himani agarwal"
    assert first.created_at == datetime(2019, 11, 26, 15, 51, 44, tzinfo=UTC)
    assert first.post_remote_id == "F1UP7wRCPH8" and first.hidden is False
    assert {c.parent_remote_id for c in answers} == {"Ugw5zYU6n9pmIgAZWvN4AaABAg"}
    assert all(c.post_remote_id == "F1UP7wRCPH8" for c in answers)
    statuses = [q.get("moderationStatus") for path, q in http.asked if path == "commentThreads"]
    assert statuses == [None, None, ["heldForReview"], ["likelySpam"]]
    assert page.units == len(http.asked)


def test_the_channels_threads_include_those_on_the_channel_itself() -> None:
    connector, http = connector_over(
        [
            (OK, body("comment_threads/comment_threads_all_to_me.json")),
            (OK, body("comments/comments_by_parent_paged_2.json")),
        ]
    )
    cursor = {"held": {"at": datetime.now(UTC).isoformat()}}  # the held queues read just now
    page = connector.fetch_comments(cursor, [])
    tops = [c for c in page.items if c.parent_remote_id is None]
    assert len(tops) == 4 and len(page.items) == 5
    assert {c.post_remote_id for c in tops} == {"JE8xdDp5B8Q", None}  # None: on the channel
    assert not any(c.is_own for c in page.items)
    # The position is the newest comment read, a reply here.
    assert page.cursor["threads"]["since"] == "2019-12-01T04:46:00+00:00"
    assert [path for path, _ in http.asked] == ["commentThreads", "comments"]


def test_an_upload_reads_the_real_answer(tmp_path: Path) -> None:
    video = media_file(tmp_path / "clip.mp4", tiny_mp4(), "video/mp4")
    connector, _http = connector_over(
        [
            (
                {"status": "200", "location": "https://youtube.googleapis.com/upload?upload_id=x"},
                "",
            ),
            (OK, body("videos/insert_response.json")),
        ]
    )
    result = connector.publish(OutgoingPost(1, "Beschreibung", title="Titel", media=[video]))
    assert result.remote_id == "D-lhorsDlUQ"
    assert result.url == "https://www.youtube.com/watch?v=D-lhorsDlUQ" and result.note is None


def test_a_reply_and_the_login_check_read_the_real_answers() -> None:
    connector, _http = connector_over(
        [(OK, body("comments/insert_response.json")), (OK, body("channels/info.json"))]
    )
    made = connector.reply("Ugy_CAftKrIUCyPr9GR4AaABAg", "wow", idempotency_key="k")
    assert made == "Ugy_CAftKrIUCyPr9GR4AaABAg.9iPXEClD9lW9iPXLqKy_Pt"
    assert connector.check_connection() == "@googledevelopers"


@pytest.mark.parametrize(
    ("status", "recorded", "error", "words"),
    [
        ("400", "error_response.json", Rejected, "Bad Request"),
        ("403", "error_permission_resp.json", Rejected, "The caller does not have permission"),
        ("400", "error_response_simple.json", Rejected, "error message"),
        ("401", "error_response.json", AuthExpired, "connect it again"),
    ],
)
def test_real_error_bodies_become_typed_errors(status, recorded, error, words) -> None:
    connector, _http = connector_over([({"status": status}, body(recorded))])
    with pytest.raises(error) as raised:
        connector.check_connection()
    assert words in raised.value.message
    assert raised.value.detail and f"HTTP {status}" in raised.value.detail


def test_the_token_endpoint_is_always_google_s() -> None:
    """An admin-set ``token_uri`` in the credentials would send the refresh token and the
    client secret to any host: the connector posts them to Google's endpoint only."""
    connector = YouTubeConnector(
        ChannelAccess(
            "UCbochum",
            {
                "refresh_token": "1//secret",
                "client_id": "1-x",
                "client_secret": "s",
                "token_uri": "https://evil.example/token",
            },
        )
    )
    assert connector.credentials.token_uri == "https://oauth2.googleapis.com/token"
