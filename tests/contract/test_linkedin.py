"""The LinkedIn connector reads LinkedIn's documented answers through requests, at the real
host (``responses`` serves them), and sends what LinkedIn's reference asks for: the version
and Rest.li headers, URNs encoded once, little-text commentary.

The payloads in ``tests/fixtures/linkedin/`` are the examples of LinkedIn's API reference
(learn.microsoft.com/linkedin/marketing), with ids kept; no recording of a live answer was at
hand (see tests/fixtures/README.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import responses

from hub.connectors import linkedin_wire
from hub.connectors.base import (
    AuthExpired,
    ChannelAccess,
    OutgoingPost,
    RateLimited,
)
from hub.connectors.linkedin import LinkedInConnector
from hub.publishing.network_state import MemoryUploadSessions
from tests.connectors.recorded import FIXTURES

REST = "https://api.linkedin.com/rest"
ORG = "5515715"


def fixture(name: str) -> Any:
    return json.loads((Path(FIXTURES) / "linkedin" / name).read_text())


@pytest.fixture
def linkedin() -> LinkedInConnector:
    return LinkedInConnector(
        ChannelAccess(
            ORG,
            {
                "access_token": "AQ-token",
                "refresh_token": "AQ-refresh",
                "client_id": "app",
                "client_secret": "secret",
            },
        ),
        sessions=MemoryUploadSessions(),
    )


@responses.activate
def test_a_post_sends_the_version_and_escaped_commentary(linkedin) -> None:
    responses.post(
        f"{REST}/posts", status=201, headers={"x-restli-id": "urn:li:share:6844785523593134080"}
    )
    made = linkedin.publish(OutgoingPost(1, "Rathaus (Nord) geöffnet #Bochum"))
    assert made.remote_id == "urn:li:share:6844785523593134080"
    assert made.url == "https://www.linkedin.com/feed/update/urn:li:share:6844785523593134080/"
    (call,) = responses.calls
    assert call.request.headers["LinkedIn-Version"] == linkedin_wire.LINKEDIN_VERSION
    assert call.request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert call.request.headers["Authorization"] == "Bearer AQ-token"
    body = json.loads(call.request.body)
    assert body["author"] == f"urn:li:organization:{ORG}"
    assert body["commentary"] == "Rathaus \\(Nord\\) geöffnet #Bochum"
    assert body["lifecycleState"] == "PUBLISHED" and body["visibility"] == "PUBLIC"


@responses.activate
def test_find_published_reads_the_documented_finder_answer(linkedin) -> None:
    responses.get(f"{REST}/posts", json=fixture("posts_by_author.json"))
    post = OutgoingPost(2, "Sample text Post with (parentheses) and #hashtag")
    found = linkedin.find_published(post)
    assert found is not None and found.remote_id == "urn:li:share:6943712391513726976"
    (call,) = responses.calls
    assert call.request.headers["X-RestLi-Method"] == "FINDER"
    assert "author=urn%3Ali%3Aorganization%3A5515715" in call.request.url
    late = OutgoingPost(3, "Image post", not_before=datetime(2026, 1, 1, tzinfo=UTC))
    assert linkedin.find_published(late) is None  # older than the attempt: not ours


@responses.activate
def test_comments_and_replies_from_the_documented_answers(linkedin) -> None:
    post = "urn:li:share:6943712391513726976"
    thread = "urn:li:comment:(urn:li:activity:6943712392528748544,6943713055392346112)"
    responses.get(
        f"{REST}/socialActions/{linkedin_wire.encoded(post)}/comments",
        json=fixture("comments.json"),
    )
    responses.get(
        f"{REST}/socialActions/{linkedin_wire.encoded(thread)}/comments",
        json=fixture("comment_replies.json"),
    )
    page = linkedin.fetch_comments({}, [post])
    first, reply = page.items
    assert first.remote_id == thread and first.text == "Wann öffnet das Bürgerbüro?"
    assert first.author_id == "urn:li:person:4zLvuC8rGz" and not first.is_own
    assert first.created_at == datetime.fromtimestamp(1655499183.920, UTC)
    assert reply.parent_remote_id == thread and reply.is_own and reply.text == "Ab 8 Uhr."
    assert page.cursor[post]["since"] == 1655499257158


@responses.activate
def test_share_statistics_for_shares_and_ugc_posts(linkedin) -> None:
    responses.get(
        f"{REST}/organizationalEntityShareStatistics", json=fixture("share_statistics.json")
    )
    figures = linkedin.fetch_post_metrics(["urn:li:share:1000000", "urn:li:ugcPost:1000001"])
    share = figures["urn:li:share:1000000"]
    assert (share.views, share.reach, share.clicks, share.likes) == (12, 8, 5, 0)
    ugc = figures["urn:li:ugcPost:1000001"]
    assert (ugc.views, ugc.reach, ugc.shares, ugc.likes) == (48, 43, 1, 2)
    (call,) = responses.calls
    query = call.request.url.split("?", 1)[1]
    # Rest.li 2.0: the List(...) stays as it is, each URN in it encoded exactly once.
    assert "shares=List(urn%3Ali%3Ashare%3A1000000)" in query
    assert "ugcPosts=List(urn%3Ali%3AugcPost%3A1000001)" in query
    assert unquote(query).count("urn:li:organization:5515715") == 1


@responses.activate
def test_followers_and_the_page_name(linkedin) -> None:
    responses.get(
        f"{REST}/networkSizes/urn%3Ali%3Aorganization%3A{ORG}", json=fixture("network_size.json")
    )
    responses.get(f"{REST}/organizations/{ORG}", json=fixture("organization.json"))
    assert linkedin.fetch_account_metrics().followers == 63419
    assert "edgeType=COMPANY_FOLLOWED_BY_MEMBER" in responses.calls[0].request.url
    assert linkedin.check_connection() == "Stadt Bochum"


@responses.activate
def test_documented_errors_become_typed_errors(linkedin) -> None:
    responses.get(f"{REST}/organizations/{ORG}", status=401, json=fixture("error_401.json"))
    with pytest.raises(AuthExpired):
        linkedin.check_connection()
    responses.post(f"{REST}/posts", status=429, json=fixture("error_429.json"))
    with pytest.raises(RateLimited) as limited:
        linkedin.publish(OutgoingPost(4, "Zu viel"))
    midnight = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0)
    assert abs(limited.value.retry_after - (midnight - datetime.now(UTC)).total_seconds()) < 60


@responses.activate
def test_refresh_reads_the_documented_token_answer(linkedin) -> None:
    responses.post(linkedin_wire.TOKEN_URL, json=fixture("access_token_refresh.json"))
    fresh = linkedin.refresh_login()
    assert fresh.credentials["access_token"] == "AQUvlL_DYEzvT2wz1QJiEPeLioeA"
    assert fresh.credentials["refresh_token"] == "AQWAft_WjYZKwuWXLC5hQlghgTam"
    form = responses.calls[0].request.body
    assert "grant_type=refresh_token" in form and "refresh_token=AQ-refresh" in form
