"""The Threads connector on Threads' real answers, at graph.threads.net.

The connector runs with no base URL, so pyfacebook's ThreadsGraphAPI builds the real URLs;
``responses`` serves the bodies of tests/fixtures/threads (the token renewal recorded by
python-facebook; the rest Meta's reference examples, see tests/fixtures/README.md) and Graph's
recorded error bodies there, and fails any request nobody answered. So the real client parses
what Threads sends into hub's values and typed errors.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from hub.connectors.base import AuthExpired, OutgoingPost, RateLimited, Rejected
from hub.connectors.threads import ThreadsConnector
from hub.publishing.network_state import MemoryUploadSessions
from tests.conformance.shapes import real_json
from tests.connectors.conftest import registry_connector

THREADS = "https://graph.threads.net/v1.0"
USER = "37602215421583"


def threads() -> ThreadsConnector:
    made = registry_connector(ThreadsConnector, USER, {"access_token": "THQVJrecorded"}, timeout=5)
    made.sessions = MemoryUploadSessions()
    made.poll_first = 0.0
    return made


def form(call: responses.Call) -> dict[str, list[str]]:
    return parse_qs(str(call.request.body or ""))


@responses.activate
def test_a_text_post_is_made_and_published_in_two_steps() -> None:
    responses.get(
        f"{THREADS}/{USER}/threads_publishing_limit",
        json=real_json("threads/docs/publishing_limit.json"),
    )
    responses.post(f"{THREADS}/{USER}/threads", json=real_json("threads/docs/container.json"))
    responses.get(f"{THREADS}/1234567", json=real_json("threads/docs/container_status.json"))
    responses.post(f"{THREADS}/{USER}/threads_publish", json=real_json("threads/docs/publish.json"))
    responses.get(
        f"{THREADS}/1234567",
        json={"id": "1234567", "permalink": "https://www.threads.net/@stadt.bochum/post/abc"},
    )
    post = OutgoingPost(delivery_id=1, text="Hallo Bochum", options={"reply_control": "everyone"})
    made = threads().publish(post)
    assert made.remote_id == "1234567"
    assert made.url == "https://www.threads.net/@stadt.bochum/post/abc"
    sent = form(responses.calls[1])
    assert sent["media_type"] == ["TEXT"] and sent["text"] == ["Hallo Bochum"]
    assert form(responses.calls[3])["creation_id"] == ["1234567"]


@responses.activate
def test_a_container_error_is_said_with_threads_reason() -> None:
    responses.get(
        f"{THREADS}/{USER}/threads_publishing_limit",
        json=real_json("threads/docs/publishing_limit.json"),
    )
    responses.post(f"{THREADS}/{USER}/threads", json=real_json("threads/docs/container.json"))
    responses.get(f"{THREADS}/1234567", json=real_json("threads/docs/container_status_error.json"))
    with pytest.raises(Rejected, match="FAILED_DOWNLOADING_VIDEO"):
        threads().publish(OutgoingPost(delivery_id=2, text="Film"))


@responses.activate
def test_find_published_looks_through_the_profiles_threads() -> None:
    responses.get(f"{THREADS}/{USER}/threads", json=real_json("threads/docs/user_threads.json"))
    since = datetime(2023, 10, 17, 5, tzinfo=UTC)
    found = threads().find_published(
        OutgoingPost(delivery_id=3, text="Today  Is Monday\n", not_before=since)
    )
    assert found is not None and found.remote_id == "1234567"
    assert found.url == "https://www.threads.net/@threadsapitestuser/post/abcdefg"
    asked = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert asked["since"] == [str(int((since - timedelta(minutes=2)).timestamp()))]
    assert threads().find_published(OutgoingPost(delivery_id=4, text="Anderes")) is None


@responses.activate
def test_the_conversation_becomes_inbox_items() -> None:
    responses.get(
        f"{THREADS}/1234567890/conversation", json=real_json("threads/docs/conversation.json")
    )
    page = threads().fetch_comments({}, ["1234567890"], full=True)
    by_id = {c.remote_id: c for c in page.items}
    assert by_id["1234567890"].parent_remote_id is None
    assert by_id["1234567892"].parent_remote_id == "1234567891"
    assert by_id["1234567891"].hidden is True and by_id["1234567890"].hidden is False
    assert by_id["1234567890"].created_at == datetime(2024, 1, 1, 18, 20, tzinfo=UTC)
    assert page.complete == ["1234567890"]  # the example has no "next": its only page


@responses.activate
def test_hiding_and_deleting_use_threads_edges() -> None:
    responses.post(
        f"{THREADS}/1234567891/manage_reply", json=real_json("threads/docs/manage_reply.json")
    )
    responses.delete(f"{THREADS}/1234567", json=real_json("threads/docs/delete.json"))
    threads().set_hidden("1234567891", True)
    assert form(responses.calls[0])["hide"] == ["true"]
    threads().delete_comment("1234567")


@responses.activate
def test_figures_from_insights() -> None:
    responses.get(f"{THREADS}/1234567/insights", json=real_json("threads/docs/insights.json"))
    responses.get(
        f"{THREADS}/{USER}/threads_insights",
        json={
            "data": [
                {
                    **real_json("threads/docs/user_insights_total.json")["data"][0],
                    "name": "followers_count",
                    "total_value": {"value": 6400},
                }
            ]
        },
    )
    figures = threads().fetch_post_metrics(["1234567"])["1234567"]
    assert (figures.likes, figures.comments, figures.views) == (100, 10, None)
    assert threads().fetch_account_metrics().followers == 6400


@responses.activate
def test_the_login_is_renewed_with_the_recorded_answer() -> None:
    responses.get(
        "https://graph.threads.net/refresh_access_token",
        json=real_json("threads/threads_user_long_lived_token.json"),
    )
    before = datetime.now(UTC)
    fresh = threads().refresh_login()
    assert fresh.credentials == {"access_token": "THQVJ..."}
    assert fresh.expires_at is not None
    assert timedelta(days=59) < fresh.expires_at - before < timedelta(days=61)
    asked = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert asked["grant_type"] == ["th_refresh_token"]


@responses.activate
def test_graph_error_bodies_become_typed_errors() -> None:
    error = real_json("graph/error.json")
    responses.get(
        f"{THREADS}/{USER}",
        json={"error": {**error["error"], "code": 190, "message": "Error validating access token"}},
        status=400,
    )
    with pytest.raises(AuthExpired, match="Threads login"):
        threads().check_connection()
    responses.replace(
        responses.GET,
        f"{THREADS}/{USER}",
        json={"error": {**error["error"], "code": 4}},
        status=400,
        headers={"Retry-After": "60"},
    )
    with pytest.raises(RateLimited) as limited:
        threads().check_connection()
    assert limited.value.retry_after == 60
    responses.replace(responses.GET, f"{THREADS}/{USER}", json=error, status=400)
    with pytest.raises(Rejected, match="Threads refused"):
        threads().check_connection()
