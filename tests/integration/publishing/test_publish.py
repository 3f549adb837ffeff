"""Publishing one delivery through the real connectors against the sandbox (both databases).

The pipeline runs in this process (the Celery wiring has its own end-to-end tests); the
connectors, the SDKs and HTTP are real, the networks are the sandbox.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hub.extensions import db
from hub.models import (
    AnnouncementStatus,
    AuditEvent,
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryState,
    Notification,
)
from hub.models.types import utcnow
from hub.publishing import deliveries, pipeline
from hub.publishing.errors import NotAllowed, ValidationFailed
from tests.support import approved_announcement, publish_due


@pytest.fixture
def settings(sandbox_settings):  # type: ignore[no-untyped-def]
    return sandbox_settings(network_timeout=1.5, retry_base=1.0, max_attempts=3)


def calls(sandbox, network: str, method: str = "POST") -> list[dict]:  # type: ignore[no-untyped-def]
    return [r for r in sandbox.requests(network) if r["method"] == method]


def test_publishes_to_x_and_facebook_exactly_once(approved, sandbox) -> None:
    ann = approved("x", "facebook", body="Die Kortumstraße ist gesperrt. https://www.bochum.de")
    assert sorted(publish_due()) == ["published", "published"]
    assert publish_due() == []  # nothing left, nothing twice
    assert ann.status == AnnouncementStatus.published
    for delivery in ann.deliveries:
        (post,) = sandbox.posts(delivery.channel.network)
        assert post["id"] == delivery.remote_id
        assert delivery.url and delivery.remote_id.split("_")[-1] in delivery.url
        assert "Kortumstraße" in post["text"]
        assert delivery.attempts == 1


def test_image_with_alt_text_reaches_the_network_whole(
    approved, make_channel, make_media, sandbox
) -> None:
    x = make_channel("x")
    image = make_media("image", alt_text="Baustelle an der Kortumstraße")
    approved_announcement(
        approved.editor,
        approved.approver,
        [x.id],
        title="Bild",
        body="Mit Bild",
        media_ids=[image.id],
    )
    assert publish_due() == ["published"]
    (post,) = sandbox.posts("x")
    (media,) = post["media"]
    assert media["sha256"] == image.sha256
    assert media["alt_text"] == "Baustelle an der Kortumstraße"


def test_rate_limit_waits_at_least_retry_after_then_succeeds(approved, sandbox) -> None:
    ann = approved("x")
    sandbox.add_fault("x", "status", status=429, retry_after=120, count=1, method="POST")
    before = utcnow()
    assert publish_due() == ["retry_wait"]
    (delivery,) = ann.deliveries
    assert delivery.error_code == "rate_limited"
    assert delivery.next_attempt_at >= before + timedelta(seconds=119)
    assert not delivery.outcome_unknown  # a 429 means nothing was posted
    assert publish_due() == []  # not before its time
    assert publish_due(now=delivery.next_attempt_at + timedelta(seconds=1)) == ["published"]
    assert len(sandbox.posts("x")) == 1
    assert len(calls(sandbox, "x")) == 2


def test_server_error_retries_with_backoff_and_looks_before_posting_again(
    approved, sandbox
) -> None:
    ann = approved("facebook")
    sandbox.add_fault("facebook", "status", status=500, count=1)
    assert publish_due() == ["retry_wait"]
    (delivery,) = ann.deliveries
    assert delivery.outcome_unknown and delivery.next_attempt_at > utcnow()
    seen = len(sandbox.requests("facebook"))
    assert publish_due(now=delivery.next_attempt_at + timedelta(seconds=1)) == ["published"]
    after = sandbox.requests("facebook")[seen:]
    # The second attempt asked the network for our post first (GET), then posted once (POST).
    methods = [r["method"] for r in after]
    assert methods[0] == "GET" and methods.count("POST") == 1
    assert len(sandbox.posts("facebook")) == 1


def test_backoff_grows_and_gives_up_after_max_attempts(approved, sandbox) -> None:
    ann = approved("x")
    sandbox.add_fault("x", "status", status=503, count=100)
    # The wait is counted from the moment the attempt failed, somewhere inside publish_due:
    # measured from before the call it is at least the wait, from after the call at most it,
    # however long the call itself took on a busy machine.
    waits = []
    now = utcnow()
    for _ in range(3):
        started = utcnow()
        publish_due(now=now)
        finished = utcnow()
        (delivery,) = ann.deliveries
        if delivery.state != DeliveryState.retry_wait:
            break
        due = delivery.next_attempt_at
        waits.append(((due - finished).total_seconds(), (due - started).total_seconds()))
        now = due + timedelta(seconds=0.01)
    assert delivery.state == DeliveryState.needs_review  # 5xx: unclear whether it went out
    assert "3" in delivery.error_message
    # retry_base=1 s: attempt 1 waits 0.5-1 s, attempt 2 waits 1-2 s.
    assert len(waits) == 2
    (low_1, high_1), (low_2, high_2) = waits  # each wait lies between its low and high
    assert low_1 <= 1.0 and high_1 >= 0.5
    assert low_2 <= 2.0 and high_2 >= 1.0
    assert sandbox.posts("x") == []


def test_timeout_is_transient_and_never_hangs(approved, sandbox) -> None:
    ann = approved("x")
    sandbox.add_fault("x", "timeout", seconds=10, count=1, method="POST")
    assert publish_due() == ["retry_wait"]
    (delivery,) = ann.deliveries
    assert delivery.outcome_unknown


def test_rejected_post_fails_with_the_networks_reason(approved, sandbox) -> None:
    ann = approved("x")
    sandbox.add_fault("x", "status", status=403, count=1, method="POST")
    assert publish_due() == ["failed"]
    (delivery,) = ann.deliveries
    assert delivery.error_code == "rejected" and delivery.error_message
    assert ann.status == AnnouncementStatus.failed


def test_expired_token_marks_channel_and_the_rest_waits_without_calls(
    approved,
    make_channel,
    make_user,
    sandbox,
) -> None:
    admin = make_user("admin")
    channel = make_channel("x")
    first = approved(channels=[channel])
    sandbox.add_fault("x", "expired_token")
    assert publish_due() == ["failed"]
    db.session.expire_all()
    assert channel.status == ChannelStatus.needs_reauth
    (delivery,) = first.deliveries
    assert delivery.error_code == "auth_expired" and channel.name in delivery.error_message
    told = {n.user_id for n in db.session.scalars(select(Notification))}
    assert {admin.id, approved.editor.id} <= told
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "channel.needs_reauth"))

    seen = len(sandbox.requests("x"))
    second = approved(channels=[channel], body="Zweite Meldung")
    third = approved(channels=[channel], body="Dritte Meldung")
    for _ in range(3):
        assert publish_due() == []
    assert len(sandbox.requests("x")) == seen  # no retry storm
    assert {d.state for d in second.deliveries + third.deliveries} == {"pending"}

    # The admin reconnects the channel: the waiting posts go out.
    sandbox.clear_faults()
    sandbox.reset()
    db.session.execute(update(Channel).values(status=ChannelStatus.active))
    db.session.commit()
    assert publish_due() == ["published", "published"]


def test_crash_mid_call_is_reconciled_from_the_network(approved, sandbox) -> None:
    ann = approved("x", body="Nach dem Absturz")
    (delivery_id,) = pipeline.dispatch_due().publish
    delivery = db.session.get(Delivery, delivery_id)
    # A worker took the lease, posted, and died before recording the result.
    connector = pipeline.default_connector(delivery.channel)
    started = utcnow() - timedelta(seconds=1)
    db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            state=DeliveryState.sending,
            lease_token="dead-worker",
            lease_until=utcnow(),
            first_attempt_at=started,
            attempts=1,
        )
    )
    db.session.commit()
    db.session.refresh(delivery)
    published = connector.publish(pipeline.outgoing_post(delivery))
    assert publish_due(now=utcnow() + timedelta(seconds=2)) == ["published"]
    assert delivery.remote_id == published.remote_id
    assert len(sandbox.posts("x")) == 1
    assert ann.status == AnnouncementStatus.published


def test_crash_before_the_call_needs_review_and_editor_resolves(
    approved, make_user, sandbox
) -> None:
    ann = approved("x", body="Nie angekommen")
    (delivery_id,) = pipeline.dispatch_due().publish
    db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            state=DeliveryState.sending,
            lease_token="dead",
            lease_until=utcnow(),
            first_attempt_at=utcnow(),
            attempts=1,
        )
    )
    db.session.commit()
    assert publish_due(now=utcnow() + timedelta(seconds=2)) == ["needs_review"]
    delivery = db.session.get(Delivery, delivery_id)
    assert delivery.error_message and sandbox.posts("x") == []
    assert ann.status == AnnouncementStatus.failed

    with pytest.raises(NotAllowed):
        deliveries.publish_again(delivery, make_user("manager"))
    deliveries.publish_again(delivery, approved.editor)
    db.session.commit()
    assert publish_due() == ["published"]
    assert len(sandbox.posts("x")) == 1
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert "delivery.publish_again" in actions


def test_editor_marks_a_needs_review_delivery_as_published(english, approved) -> None:
    ann = approved("x")
    (delivery_id,) = pipeline.dispatch_due().publish
    delivery = db.session.get(Delivery, delivery_id)
    delivery.state = DeliveryState.needs_review
    db.session.commit()
    with pytest.raises(ValidationFailed) as err:
        deliveries.mark_published(delivery, approved.editor, "not a link")
    assert "link" in err.value.fields["url"][0]
    deliveries.mark_published(delivery, approved.editor, "https://x.com/bochum/status/12345")
    db.session.commit()
    assert delivery.state == DeliveryState.published and delivery.remote_id == "12345"
    assert ann.status == AnnouncementStatus.published


def test_editor_retries_a_failed_delivery(approved, sandbox) -> None:
    ann = approved("facebook")
    sandbox.add_fault("facebook", "status", status=400, count=1, method="POST")
    assert publish_due() == ["failed"]
    (delivery,) = ann.deliveries
    deliveries.retry(delivery, approved.editor)
    db.session.commit()
    assert ann.status == AnnouncementStatus.publishing
    assert publish_due() == ["published"]
    assert ann.status == AnnouncementStatus.published
