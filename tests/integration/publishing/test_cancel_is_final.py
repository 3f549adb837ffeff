"""Cancel is final (issue 12, finding 4): a delivery of a cancelled announcement is never sent
again, neither by a person (retry, publish again; page and domain) nor by the dispatcher."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from hub.extensions import db
from hub.models import AnnouncementStatus, Delivery, DeliveryState
from hub.publishing import deliveries, pipeline, workflow
from hub.publishing.errors import WrongState


def _cancelled_with(approved, *states: DeliveryState):  # type: ignore[no-untyped-def]
    """An announcement that went out on one channel per state, the deliveries then put in
    ``states`` (a post still sending when it was cancelled ends in one of them), cancelled."""
    ann = approved(*(["x", "facebook", "flickr", "youtube"][: len(states)]))
    claimed = pipeline.dispatch_due().publish
    assert len(claimed) == len(states)
    # The cancel happens while every delivery is sending (they finish, see workflow.cancel) ...
    db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(claimed))
        .values(state=DeliveryState.sending)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.expire_all()
    workflow.cancel(ann, approved.approver)
    db.session.commit()
    # ... and then they end: failed, unclear, or waiting for another attempt.
    for delivery_id, state in zip(sorted(claimed), states, strict=True):
        db.session.get(Delivery, delivery_id).state = state
    db.session.commit()
    db.session.expire_all()
    assert ann.status == AnnouncementStatus.cancelled
    return ann, sorted(claimed)


def test_retry_and_publish_again_are_refused_for_a_cancelled_announcement(approved) -> None:
    _ann, (failed_id, unclear_id) = _cancelled_with(
        approved, DeliveryState.failed, DeliveryState.needs_review
    )
    with pytest.raises(WrongState):
        deliveries.retry(db.session.get(Delivery, failed_id), approved.editor)
    db.session.rollback()
    with pytest.raises(WrongState):
        deliveries.publish_again(db.session.get(Delivery, unclear_id), approved.editor)
    db.session.rollback()
    assert db.session.get(Delivery, failed_id).state == DeliveryState.failed
    assert db.session.get(Delivery, unclear_id).state == DeliveryState.needs_review
    # Nothing for the dispatcher either.
    assert pipeline.dispatch_due().publish == []


def test_the_dispatcher_never_claims_a_delivery_of_a_cancelled_announcement(approved) -> None:
    ann, (waiting_id, _pending_id) = _cancelled_with(
        approved, DeliveryState.retry_wait, DeliveryState.pending
    )
    outbox = pipeline.dispatch_due()
    assert outbox.publish == []
    db.session.expire_all()
    # What was still waiting is cancelled for good, the announcement stays cancelled.
    assert {d.state for d in ann.deliveries} == {DeliveryState.cancelled}
    assert ann.status == AnnouncementStatus.cancelled
    # A hint still on the broker for such a delivery sends nothing either.
    db.session.get(Delivery, waiting_id).state = DeliveryState.queued
    db.session.commit()
    assert pipeline.run_publish(waiting_id) == "skipped"
    db.session.expire_all()
    assert db.session.get(Delivery, waiting_id).state == DeliveryState.cancelled
