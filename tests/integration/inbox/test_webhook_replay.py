"""A signed Meta webhook cannot be replayed after its receipt is forgotten: a delivery whose
events are older than hub keeps receipts is acknowledged (200), logged and not taken in."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub.extensions import db
from hub.inbox import dispatch
from hub.inbox.meta import MAX_EVENT_AGE
from hub.models import Comment, WebhookReceipt
from hub.models.types import utcnow
from hub.models.webhook_receipt import KEEP_RECEIPTS
from tests.integration.inbox.test_webhooks import added, feed_change, post_signed


def _receipts(body: bytes) -> int:
    db.session.expire_all()
    digest = hashlib.sha256(body).hexdigest()
    query = select(func.count()).select_from(WebhookReceipt).where(WebhookReceipt.digest == digest)
    return db.session.scalar(query) or 0


def _sent(payload: dict, seconds_ago: float) -> bytes:  # type: ignore[type-arg]
    for entry in payload["entry"]:
        entry["time"] = int(time.time() - seconds_ago)
    return json.dumps(payload).encode()


def test_events_are_accepted_for_less_time_than_receipts_are_kept() -> None:
    # One constant: a delivery is taken in only while its receipt would still be there.
    assert timedelta(0) < MAX_EVENT_AGE < KEEP_RECEIPTS


def test_a_replay_after_the_receipt_is_purged_changes_nothing(client, channel, caplog) -> None:
    page = channel("facebook")
    post_id = f"{page.external_id}_9"
    fresh = _sent(added(page.external_id, "555_7", "Was kostet der Eintritt?", post_id), 0)
    assert post_signed(client, fresh).json == {"status": "ok", "comments": 1}

    # Eight days ago Meta told hub to hide the comment; hub did and kept the receipt.
    days = KEEP_RECEIPTS.days + 1
    hide = feed_change(
        page.external_id, item="comment", verb="hide", comment_id="555_7", post_id=post_id
    )
    captured = _sent(hide, days * 86400)
    db.session.add(
        WebhookReceipt(
            digest=hashlib.sha256(captured).hexdigest(),
            source="meta",
            received_at=utcnow() - timedelta(days=days),
        )
    )
    db.session.commit()
    # Since then the comment was shown again, and the old receipt was purged.
    unhide = feed_change(
        page.external_id, item="comment", verb="unhide", comment_id="555_7", post_id=post_id
    )
    assert post_signed(client, _sent(unhide, 0)).json["status"] == "ok"
    dispatch.prune()
    assert _receipts(captured) == 0

    with caplog.at_level(logging.WARNING, logger="hub.inbox.webhooks"):
        replay = post_signed(client, captured)
    assert replay.status_code == 200 and replay.json == {"status": "too_old"}
    db.session.expire_all()
    comment = db.session.scalars(select(Comment).where(Comment.remote_id == "555_7")).one()
    assert not comment.hidden
    assert _receipts(captured) == 0
    assert any("too old" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("seconds_ago", "taken_in"),
    [
        (0, True),
        (MAX_EVENT_AGE.total_seconds() - 3600, True),  # Meta's retries end after 36 hours
        (MAX_EVENT_AGE.total_seconds() + 60, False),
        (-2 * 3600, False),  # from the future: its receipt could go before it gets old
    ],
)
def test_the_age_of_a_delivery_decides(client, channel, seconds_ago: float, taken_in) -> None:  # type: ignore[no-untyped-def]
    page = channel("facebook")
    payload = added(page.external_id, "555_8", "Ab wann gilt das?", f"{page.external_id}_9")
    response = post_signed(client, _sent(payload, seconds_ago))
    assert response.status_code == 200
    assert (response.json["status"] == "ok") is taken_in
    db.session.expire_all()
    stored = db.session.scalar(select(func.count()).select_from(Comment)) or 0
    assert stored == (1 if taken_in else 0)


def test_a_delivery_without_a_time_is_not_taken_in(client, channel) -> None:
    page = channel("facebook")
    payload = added(page.external_id, "555_9", "Ohne Zeit", f"{page.external_id}_9")
    del payload["entry"][0]["time"]
    response = post_signed(client, payload)
    assert response.status_code == 200 and response.json == {"status": "too_old"}
    db.session.expire_all()
    assert (db.session.scalar(select(func.count()).select_from(Comment)) or 0) == 0
