"""``/webhooks/meta``: signatures good, bad, missing and replayed; broken bodies; and a webhook
and a poll that bring the same comment give one inbox item."""

from __future__ import annotations

import json
import logging
import time

import pytest
from sqlalchemy import func, select

from hub.extensions import db
from hub.inbox import sync
from hub.inbox.meta import sign
from hub.models import Comment
from tests.integration.inbox.conftest import APP_SECRET, IG, VERIFY_TOKEN, by_text

URL = "/webhooks/meta"


def feed_change(page: str, **value) -> dict:  # type: ignore[no-untyped-def]
    return {
        "object": "page",
        "entry": [
            {"id": page, "time": int(time.time()), "changes": [{"field": "feed", "value": value}]}
        ],
    }


def post_signed(client, payload, secret: str = APP_SECRET, **headers):  # type: ignore[no-untyped-def]
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    sent = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(secret, body)}
    sent.update(headers)
    return client.post(URL, data=body, headers={k: v for k, v in sent.items() if v is not None})


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Comment)) or 0


def added(page: str, comment_id: str, text: str, post_id: str, **extra) -> dict:  # type: ignore[no-untyped-def]
    return feed_change(
        page,
        item="comment",
        verb="add",
        comment_id=comment_id,
        post_id=post_id,
        parent_id=post_id,
        message=text,
        created_time=1767225600,
        **{"from": {"id": "9001", "name": "Anna Kowalski"}},
        **extra,
    )


def test_subscription_check(client) -> None:
    ok = client.get(
        URL,
        query_string={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    for token in ("wrong", None):
        refused = client.get(
            URL,
            query_string={
                k: v
                for k, v in {
                    "hub.mode": "subscribe",
                    "hub.verify_token": token,
                    "hub.challenge": "x",
                }.items()
                if v
            },
        )
        assert refused.status_code == 403 and "1158201444" not in refused.text


def test_a_signed_comment_is_taken_in(client, channel) -> None:
    page = channel("facebook")
    response = post_signed(
        client, added(page.external_id, "555_1", "Gilt das auch sonntags?", f"{page.external_id}_9")
    )
    assert response.status_code == 200 and response.json == {"status": "ok", "comments": 1}
    row = by_text(page)["Gilt das auch sonntags?"]
    assert row.author_name == "Anna Kowalski" and row.remote_post_id == f"{page.external_id}_9"


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (None, "no X-Hub-Signature-256"),
        ("sha256=" + "0" * 64, "bad signature"),
        ("sha1=abc", "bad signature"),
        ("", "no X-Hub-Signature-256"),
    ],
)
def test_bad_or_missing_signatures_are_refused_and_logged(
    client, channel, caplog, header, why
) -> None:
    page = channel("facebook")
    body = json.dumps(added(page.external_id, "555_2", "Fälschung", "p")).encode()
    with caplog.at_level(logging.WARNING, logger="hub.inbox.webhooks"):
        response = client.post(
            URL,
            data=body,
            headers={
                "Content-Type": "application/json",
                **({"X-Hub-Signature-256": header} if header is not None else {}),
            },
        )
    assert response.status_code == 403
    assert count() == 0
    assert any(why in r.getMessage() and "403" in r.getMessage() for r in caplog.records)


def test_a_signature_with_another_secret_is_refused(client, channel) -> None:
    page = channel("facebook")
    response = post_signed(client, added(page.external_id, "555_3", "x", "p"), secret="not-ours")
    assert response.status_code == 403 and count() == 0


def test_a_replayed_delivery_is_taken_in_once(client, channel, caplog) -> None:
    page = channel("facebook")
    payload = added(page.external_id, "555_4", "Einmal bitte", "p")
    assert post_signed(client, payload).json["status"] == "ok"
    # Someone edits the comment after; an old delivery replayed must not undo that.
    edited = feed_change(
        page.external_id,
        item="comment",
        verb="edited",
        comment_id="555_4",
        post_id="p",
        message="Neu",
        **{"from": {"id": "9001", "name": "Anna Kowalski"}},
    )
    assert post_signed(client, edited).status_code == 200
    with caplog.at_level(logging.INFO, logger="hub.inbox.webhooks"):
        again = post_signed(client, payload)
    assert again.status_code == 200 and again.json == {"status": "duplicate"}
    assert count() == 1 and list(by_text(page)) == ["Neu"]
    assert any("replayed" in r.getMessage() for r in caplog.records)


def test_broken_bodies_are_refused_and_logged(client, channel, caplog) -> None:
    channel("facebook")
    with caplog.at_level(logging.WARNING, logger="hub.inbox.webhooks"):
        broken = post_signed(client, b'{"object": "page", "entry": [')
        not_a_webhook = post_signed(client, {"object": "page", "entry": "nope"})
    assert broken.status_code == 400 and not_a_webhook.status_code == 400
    assert sum("400" in r.getMessage() for r in caplog.records) == 2
    assert count() == 0


def test_hide_remove_and_instagram_comments(client, channel) -> None:
    page = channel("facebook")
    post_signed(client, added(page.external_id, "555_5", "Weg damit", "p"))
    hide = feed_change(
        page.external_id, item="comment", verb="hide", comment_id="555_5", post_id="p"
    )
    remove = feed_change(
        page.external_id, item="comment", verb="remove", comment_id="555_5", post_id="p"
    )
    assert post_signed(client, hide).status_code == 200
    assert by_text(page)["Weg damit"].hidden
    assert post_signed(client, remove).status_code == 200
    assert by_text(page)["Weg damit"].deleted_on_network

    insta = channel("instagram")
    payload = {
        "object": "instagram",
        "entry": [
            {
                "id": IG,
                "time": int(time.time()),
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": "1789", "username": "ruhrpott_maedel"},
                            "media": {"id": "18000000001", "media_product_type": "FEED"},
                            "id": "17865799348089039",
                            "text": "Tolles Foto!",
                        },
                    }
                ],
            }
        ],
    }
    assert post_signed(client, payload).json["comments"] == 1
    row = by_text(insta)["Tolles Foto!"]
    assert row.author_handle == "ruhrpott_maedel" and row.remote_post_id == "18000000001"


def test_webhook_and_poll_bring_one_item(client, publish, channel, sandbox) -> None:
    delivery = publish("facebook")
    page = channel("facebook")
    comment = sandbox.add_comment("facebook", delivery.remote_id, "Doppelt hält besser?")
    payload = added(page.external_id, comment["id"], comment["text"], delivery.remote_id)
    assert post_signed(client, payload).json["comments"] == 1
    assert sync.sync_now(page) == "synced"
    assert post_signed(client, payload).json["status"] == "duplicate"
    (row,) = [c for c in by_text(page).values()]
    assert row.remote_id == comment["id"] and row.delivery_id == delivery.id
    assert count() == 1
