"""``/webhooks/threads``: Threads' reply and delete webhooks (Meta's reference examples, made
current and pointed at our channel), signed with the Threads app's secret; a reply that comes
both by webhook and by the sync is one inbox item."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest

from hub.inbox import sync
from hub.inbox.meta import sign
from tests.conformance.shapes import real_json
from tests.integration.inbox.conftest import APP_SECRET, VERIFY_TOKEN, by_text, comments_of

URL = "/webhooks/threads"
THREADS_SECRET = "threads-app-secret-for-tests"


@pytest.fixture
def settings(sandbox_settings, public_port):  # type: ignore[no-untyped-def]
    return sandbox_settings(
        public_url=f"http://127.0.0.1:{public_port}",
        network_timeout=2.0,
        meta_app_secret=APP_SECRET,
        meta_verify_token=VERIFY_TOKEN,
        threads_app_secret=THREADS_SECRET,
    )


def reply_webhook(owner: str, post: str, reply_id: str, text: str, parent: str) -> dict[str, Any]:
    payload = copy.deepcopy(real_json("threads/docs/webhook_replies.json"))
    payload["time"] = int(time.time())
    value = payload["values"]["value"]
    value.update(id=reply_id, text=text, replied_to={"id": parent})
    value["root_post"].update(id=post, owner_id=owner, username="stadt.bochum")
    return payload


def post_signed(client, payload: dict[str, Any], secret: str = THREADS_SECRET):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(secret, body)}
    return client.post(URL, data=body, headers=headers)


def test_the_subscription_check_answers_on_the_threads_path(client) -> None:
    ok = client.get(
        URL,
        query_string={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "42",
        },
    )
    assert ok.status_code == 200 and ok.text == "42"


def test_a_signed_reply_is_taken_in_once_with_the_sync(client, publish, channel, sandbox) -> None:
    post = publish("threads").remote_id
    ch = channel("threads")
    made = sandbox.add_comment("threads", post, "Gilt das auch sonntags?", author="Anna")
    payload = reply_webhook(ch.external_id, post, made["id"], "Gilt das auch sonntags?", post)
    # Meta's own app secret is not the Threads app's: refused.
    assert post_signed(client, payload, secret=APP_SECRET).status_code == 403
    answer = post_signed(client, payload)
    assert answer.status_code == 200 and answer.json["comments"] == 1
    (item,) = comments_of(ch)
    assert (item.remote_id, item.remote_post_id, item.text) == (
        made["id"],
        post,
        "Gilt das auch sonntags?",
    )
    assert item.author_name == "test_username" and not item.is_own
    assert post_signed(client, payload).json["status"] == "duplicate"
    assert sync.sync_now(ch) == "synced"
    assert list(by_text(ch)) == ["Gilt das auch sonntags?"]  # still one item

    gone = copy.deepcopy(real_json("threads/docs/webhook_delete.json"))
    gone["time"] = int(time.time())
    gone["values"]["value"].update(id=made["id"], owner={"owner_id": ch.external_id})
    assert post_signed(client, gone).status_code == 200
    (item,) = comments_of(ch)
    assert item.deleted_on_network


def test_a_body_that_is_no_threads_webhook_is_refused(client) -> None:
    assert post_signed(client, {"object": "page", "entry": []}).status_code == 400
