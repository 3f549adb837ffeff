"""The Mastodon connector on answers recorded from a real Mastodon server.

The connector runs with no base URL, so Mastodon.py builds the real URLs
(``https://<instance>/api/...``); ``responses`` serves the bodies recorded in Mastodon.py's own
test suite (tests/fixtures/mastodon, see tests/fixtures/README.md) there and fails any request
nobody recorded. So the real SDK parses what Mastodon really sends into hub's values and typed
errors: the v2 instance's limits, a 202 upload processed later, HTML content, notifications,
a thread's context, Mastodon's error bodies and its ISO-time ``X-RateLimit-Reset``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses

from hub.connectors.base import AuthExpired, OutgoingPost, RateLimited, Rejected
from hub.connectors.mastodon import MastodonConnector, _limits, plain_text
from tests.conformance.shapes import real_json
from tests.conftest import tiny_mp4
from tests.connectors.conftest import media_file, registry_connector

HOST = "https://bochum.social"
STATUS = real_json("mastodon/status.json")
ACCOUNT = real_json("mastodon/account.json")


def connector(**credentials: str) -> MastodonConnector:
    _limits.clear()
    creds = {"instance": "bochum.social", "access_token": "recorded", **credentials}
    return registry_connector(MastodonConnector, "stadt@bochum.social", creds, timeout=5)


def instance(max_characters: int = 500) -> None:
    body = real_json("mastodon/instance_v2.json")
    body["configuration"]["statuses"]["max_characters"] = max_characters
    responses.get(f"{HOST}/api/v2/instance/", json=body)


@responses.activate
def test_publishes_a_video_after_the_server_processed_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("hub.connectors.mastodon.time.sleep", lambda seconds: None)
    instance()
    responses.post(
        f"{HOST}/api/v2/media", json=real_json("mastodon/media_processing.json"), status=202
    )
    processing = {**real_json("mastodon/media_processing.json")}
    responses.get(f"{HOST}/api/v1/media/117020619601888181", json=processing, status=206)
    responses.get(
        f"{HOST}/api/v1/media/117020619601888181", json=real_json("mastodon/media_ready.json")
    )
    posted = responses.post(
        f"{HOST}/api/v1/statuses", json=real_json("mastodon/status_with_video.json")
    )
    video = media_file(tmp_path / "film.mp4", tiny_mp4(), "video/mp4", "me when a cat")
    published = connector().publish(
        OutgoingPost(7, "Toot!", media=[video], options={"spoiler_text": "Content warning"})
    )
    assert published.remote_id == "117020620300441304"
    assert published.url and published.url.endswith("/117020620300441304")
    request = posted.calls[0].request
    assert request.headers["Idempotency-Key"] == "hub-delivery-7"
    assert "media_ids%5B%5D=117020619601888181" in request.body
    assert "spoiler_text=Content+warning" in request.body and "sensitive=1" in request.body
    upload = responses.calls[1].request
    assert b'name="description"' in upload.body and b"me when a cat" in upload.body


@responses.activate
def test_the_instance_limit_is_read_from_api_v2_instance() -> None:
    instance(max_characters=500)
    with pytest.raises(Rejected) as refused:
        connector().publish(OutgoingPost(1, "x" * 501))
    assert "500" in refused.value.message
    assert [c.request.method for c in responses.calls] == ["GET"]  # nothing was posted


@responses.activate
def test_find_published_reads_the_html_content_back() -> None:
    responses.get(f"{HOST}/api/v1/accounts/verify_credentials", json=ACCOUNT)
    responses.get(f"{HOST}/api/v1/accounts/{ACCOUNT['id']}/statuses", json=[STATUS])
    found = connector().find_published(
        OutgoingPost(1, "Toot!", not_before=datetime.now(UTC) - timedelta(minutes=5))
    )
    assert found is not None and found.remote_id == STATUS["id"]
    since = responses.calls[1].request.params["since_id"]
    assert int(since) >> 16 > (datetime.now(UTC) - timedelta(minutes=10)).timestamp() * 1000


@responses.activate
def test_mentions_and_context_become_inbox_items() -> None:
    responses.get(f"{HOST}/api/v1/accounts/verify_credentials", json=ACCOUNT)
    notifications = real_json("mastodon/notifications.json")
    responses.get(f"{HOST}/api/v1/notifications", json=notifications)
    context = real_json("mastodon/context.json")
    responses.get(f"{HOST}/api/v1/statuses/110446983926957470/context", json=context)
    page = connector().fetch_comments({}, ["110446983926957470"], full=False)
    items = {c.remote_id: c for c in page.items}
    mention = notifications[0]["status"]
    # The @name that addresses it goes: "<p>@mastodonpy_test hello!</p>" reads "hello!".
    assert plain_text(mention["content"]).endswith(" hello!")
    assert items[mention["id"]].text == "hello!"
    assert items[mention["id"]].author_handle == mention["account"]["acct"]
    reply = context["descendants"][0]
    assert items[reply["id"]].post_remote_id == "110446983926957470"
    assert items[reply["id"]].created_at.tzinfo is not None
    assert page.cursor["mentions"] == {"since_id": notifications[0]["id"]}
    assert "types[]=mention" in responses.calls[1].request.url.replace("%5B%5D", "[]")


@responses.activate
def test_errors_as_mastodon_words_them() -> None:
    instance()
    responses.post(f"{HOST}/api/v1/statuses", json=real_json("mastodon/error_422.json"), status=422)
    with pytest.raises(Rejected) as refused:
        connector().publish(OutgoingPost(1, "Hallo"))
    assert real_json("mastodon/error_422.json")["error"] in refused.value.message

    reset = (datetime.now(UTC) + timedelta(seconds=90)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    responses.replace(
        responses.POST,
        f"{HOST}/api/v1/statuses",
        json={"error": "Too many requests"},
        status=429,
        headers={
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset,
        },
    )
    with pytest.raises(RateLimited) as limited:
        connector().publish(OutgoingPost(1, "Hallo"))
    assert 60 < (limited.value.retry_after or 0) <= 91

    responses.replace(
        responses.POST,
        f"{HOST}/api/v1/statuses",
        json={"error": "The access token is invalid"},
        status=401,
    )
    with pytest.raises(AuthExpired):
        connector().publish(OutgoingPost(1, "Hallo"))


def test_plain_text_of_real_content() -> None:
    context = real_json("mastodon/context.json")
    text = plain_text(context["ancestors"][0]["account"]["note"])
    assert text.startswith("https://halcy.de/ ~ Local account.")
    assert "\n\nNow also and possibly primarily @halcy ." in text
    assert json.dumps(STATUS)  # the recording itself is intact


@responses.activate
def test_a_file_the_server_does_not_take_is_refused_before_uploading(tmp_path: Path) -> None:
    body = real_json("mastodon/instance_v2.json")
    body["configuration"]["media_attachments"]["video_size_limit"] = 10  # bytes
    responses.get(f"{HOST}/api/v2/instance/", json=body)
    video = media_file(tmp_path / "film.mp4", tiny_mp4(), "video/mp4", "Film")
    with pytest.raises(Rejected, match="MB"):
        connector().publish(OutgoingPost(1, "Film", media=[video]))
    pdf = media_file(tmp_path / "plan.pdf", b"%PDF-1.4", "application/pdf", "Plan")
    with pytest.raises(Rejected, match="application/pdf"):
        connector().publish(OutgoingPost(1, "Plan", media=[pdf]))
    assert all(c.request.method == "GET" for c in responses.calls)
