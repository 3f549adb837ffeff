"""Contract: hub's Bluesky connector reads Bluesky's real answers through the ``atproto`` SDK.

The successful answers are real payloads the SDK's own test suite fetched from the network
(``tests/fixtures/bluesky``: ``getRecord``, ``getPostThread``, ``resolveHandle``; MarshalX/atproto,
MIT). The error answers are the PDS's, written from its source (``errors.json``). The SDK speaks
httpx, so an ``httpx.MockTransport`` serves them around the real client, as ``responses`` does
for requests-based SDKs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hub.connectors.base import (
    AuthExpired,
    ChannelAccess,
    OutgoingPost,
    Published,
    RateLimited,
    Rejected,
    Transient,
)
from hub.connectors.bluesky import BlueskyConnector, record_key
from tests.conformance.shapes import real_json

PDS = "https://pds.example"
DID = "did:plc:kvwvcn5iqfooopmyzvb4qzba"  # the account of the recordings
SESSION = {
    "handle": "test.marshal.dev",
    "did": DID,
    "access_token": "a.b.c",
    "refresh_token": "d.e.f",
    "app_password": "abcd-efgh-ijkl-mnop",
}
Handler = Callable[[httpx.Request], httpx.Response]


def error(name: str, **values: str) -> httpx.Response:
    recorded = real_json("bluesky/errors.json")[name]
    body = json.loads(json.dumps(recorded["body"]).replace("{uri}", values.get("uri", "")))
    headers = {
        k: v.replace("{reset}", values.get("reset", "0")) for k, v in recorded["headers"].items()
    }
    return httpx.Response(recorded["status"], json=body, headers=headers)


def connector(
    routes: dict[str, Handler | Any], credentials: dict | None = None
) -> BlueskyConnector:  # type: ignore[type-arg]
    """The connector on a mock transport: ``routes`` maps an XRPC method to a body or handler."""
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        seen.append(nsid)
        answer = routes.get(nsid)
        if answer is None:
            return httpx.Response(501, json={"error": "MethodNotImplemented", "message": nsid})
        if callable(answer):
            return answer(request)
        return httpx.Response(200, json=answer)

    made = BlueskyConnector(
        ChannelAccess(DID, credentials or SESSION, PDS),
        timeout=2.0,
        transport=httpx.MockTransport(handle),
    )
    made.seen = seen  # type: ignore[attr-defined]
    return made


def test_find_published_reads_the_real_get_record_answer() -> None:
    outgoing = OutgoingPost(delivery_id=5, text="new text114")
    found = connector({"com.atproto.repo.getRecord": real_json("bluesky/post_record.json")})
    rkey = record_key(5, None)
    assert found.find_published(outgoing) == Published(
        remote_id=f"at://{DID}/app.bsky.feed.post/{rkey}",
        url=f"https://bsky.app/profile/test.marshal.dev/post/{rkey}",
    )
    missing = connector(
        {"com.atproto.repo.getRecord": lambda r: error("record_not_found", uri="at://x")}
    )
    assert missing.find_published(outgoing) is None


def test_a_taken_record_key_is_the_first_attempts_post() -> None:
    made = connector(
        {
            "com.atproto.repo.createRecord": lambda r: error("record_key_taken"),
            "com.atproto.repo.getRecord": real_json("bluesky/post_record.json"),
        }
    )
    published = made.publish(OutgoingPost(delivery_id=5, text="new text114"))
    assert published.remote_id.endswith(record_key(5, None))
    assert made.seen == ["com.atproto.repo.createRecord", "com.atproto.repo.getRecord"]  # type: ignore[attr-defined]


def test_real_thread_and_post_view_through_the_sdk() -> None:
    thread = real_json("bluesky/thread_view_post_with_embed_media.json")
    uri = thread["thread"]["post"]["uri"]
    made = connector(
        {
            "app.bsky.feed.getPostThread": thread,
            "app.bsky.feed.getPosts": {"posts": [thread["thread"]["post"]]},
        }
    )
    page = made.fetch_comments({}, [uri], full=True)
    assert page.items == [] and page.complete == [uri]
    figures = made.fetch_post_metrics([uri])[uri]
    assert (figures.likes, figures.comments, figures.shares) == (0, 0, 0)
    assert figures.views is None  # Bluesky counts no views


def test_a_mention_resolves_with_the_real_answer() -> None:
    made = connector(
        {"com.atproto.identity.resolveHandle": real_json("bluesky/resolve_handle.json")}
    )
    (facet,) = made.facets("Grüße an @bsky.app!")
    assert facet.features[0].did == "did:plc:z72i7hdynmk6r22z27h6tvur"
    start, end = facet.index.byte_start, facet.index.byte_end
    assert "Grüße an @bsky.app!".encode()[start:end] == b"@bsky.app"


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("expired_access", AuthExpired),
        ("post_too_long", Rejected),
        ("record_not_found", Rejected),
    ],
)
def test_error_answers_become_typed_errors(name: str, typed: type) -> None:
    made = connector(
        {
            "com.atproto.repo.createRecord": lambda r: error(name, uri="at://x"),
            "com.atproto.repo.getRecord": lambda r: error("record_not_found", uri="at://x"),
        }
    )
    with pytest.raises(typed):
        made.publish(OutgoingPost(delivery_id=9, text="Hallo"))


def test_a_server_error_without_a_record_stays_transient() -> None:
    made = connector(
        {
            "com.atproto.repo.createRecord": lambda r: error("record_key_taken"),
            "com.atproto.repo.getRecord": lambda r: error("record_not_found", uri="at://x"),
        }
    )
    with pytest.raises(Transient):
        made.publish(OutgoingPost(delivery_id=9, text="Hallo"))


def test_the_login_limit_waits_until_the_pds_resets_it() -> None:
    reset = str(int(time.time()) + 240)
    made = connector(
        {"com.atproto.server.createSession": lambda r: error("login_limit", reset=reset)},
        {"handle": "bochum.de", "app_password": "abcd-efgh-ijkl-mnop"},
    )
    with pytest.raises(RateLimited) as limited:
        made.refresh_login()
    assert 230 < (limited.value.retry_after or 0) <= 241
    refused = connector(
        {
            "com.atproto.server.refreshSession": lambda r: error("revoked_refresh"),
            "com.atproto.server.createSession": lambda r: error("wrong_password"),
        }
    )
    with pytest.raises(AuthExpired):
        refused.refresh_login()
    assert refused.seen == [  # type: ignore[attr-defined]
        "com.atproto.server.refreshSession",
        "com.atproto.server.createSession",
    ]
