"""The sandbox's Bluesky answers have the shapes of real ones (``tests/fixtures/bluesky``, fetched
from the network by the atproto SDK's test suite; see tests/fixtures/README.md).

What a real answer may leave out, or the recording predates, is named with its reason.
"""

from __future__ import annotations

import requests

from hub.connectors.base import ChannelAccess, OutgoingPost
from hub.connectors.bluesky import BlueskyConnector
from tests.conformance.shapes import assert_conforms, real_json

DID = "did:plc:bochumtestaaaaaaaaaaaaaa"
PASSWORD = "abcd-efgh-ijkl-mnop"
# The recorded post is a quote with images (recordWithMedia); the sandbox's is plain text. The
# embed's own shape is the lexicon's, not compared here.
EMBEDS = ("$.thread.post.embed", "$.thread.post.record.embed")
# Newer than the 2023 recording: the app view added these counters and viewer flags since.
NEWER = (
    "$.thread.post.quoteCount",
    "$.thread.post.bookmarkCount",
    "$.thread.post.viewer.threadMuted",
    "$.thread.post.viewer.embeddingDisabled",
    "$.thread.replies[*]",
)


def setup(sandbox, sandbox_url: str) -> tuple[BlueskyConnector, str, str]:  # type: ignore[no-untyped-def]
    sandbox.put_account(
        "bluesky", id=DID, username="bochum.de", name="Stadt Bochum", token=PASSWORD
    )
    creds = {"handle": "bochum.de", "app_password": PASSWORD}
    fresh = BlueskyConnector(ChannelAccess(DID, creds, sandbox_url)).refresh_login()
    creds.update({k: v for k, v in fresh.credentials.items() if v})
    connector = BlueskyConnector(ChannelAccess(DID, creds, sandbox_url))
    uri = connector.publish(OutgoingPost(delivery_id=1, text="Hallo Bochum")).remote_id
    return connector, uri, str(creds["access_token"])


def get(sandbox_url: str, nsid: str, token: str, **params: str) -> dict:  # type: ignore[type-arg]
    answer = requests.get(
        f"{sandbox_url}/xrpc/{nsid}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_get_post_thread_has_the_real_shape(sandbox, sandbox_url) -> None:
    _connector, uri, token = setup(sandbox, sandbox_url)
    ours = get(sandbox_url, "app.bsky.feed.getPostThread", token, uri=uri, depth="1")
    real = real_json("bluesky/thread_view_post_with_embed_media.json")
    assert_conforms(
        real,
        ours,
        ignore=EMBEDS,
        optional=NEWER,
    )


def test_get_record_and_resolve_handle_have_the_real_shape(sandbox, sandbox_url) -> None:
    _connector, uri, token = setup(sandbox, sandbox_url)
    rkey = uri.rsplit("/", 1)[1]
    ours = get(
        sandbox_url,
        "com.atproto.repo.getRecord",
        token,
        repo=DID,
        collection="app.bsky.feed.post",
        rkey=rkey,
    )
    # hub's posts say their language and carry facets where the text has links or mentions.
    assert_conforms(
        real_json("bluesky/post_record.json"),
        ours,
        optional=("$.value.langs", "$.value.facets"),
    )
    resolved = get(sandbox_url, "com.atproto.identity.resolveHandle", token, handle="bochum.de")
    assert_conforms(real_json("bluesky/resolve_handle.json"), resolved)
