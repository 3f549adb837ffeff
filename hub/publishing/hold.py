"""The crisis hold: one switch that stops everything not yet sending, on every network.

Lifting the hold does not flush what piled up: held deliveries wait for a person to release,
reschedule or cancel them (each or in bulk).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update

from hub import audit
from hub.extensions import db
from hub.models import Delivery, DeliveryState, PublishingHold, User
from hub.models.types import utcnow
from hub.publishing.errors import NotAllowed, ValidationFailed, WrongState

# A manual post waiting for its person is held too (nobody should post it by hand now);
# released, it is handed over again.
HOLDABLE = (
    DeliveryState.pending,
    DeliveryState.queued,
    DeliveryState.retry_wait,
    DeliveryState.waiting_for_person,
)


def active_hold() -> PublishingHold | None:
    return db.session.scalar(
        select(PublishingHold)
        .where(PublishingHold.lifted_at.is_(None))
        .order_by(PublishingHold.id.desc())
        .limit(1)
    )


def start_hold(reason: str, user: User) -> PublishingHold:
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Please give a reason for the hold.")]})
    if active_hold() is not None:
        raise WrongState(_("Publishing is already on hold."))
    hold = PublishingHold(reason=reason.strip(), started_by_id=user.id)
    db.session.add(hold)
    held = db.session.execute(
        update(Delivery)
        .where(Delivery.state.in_(HOLDABLE))
        .values(state=DeliveryState.held, lease_token=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    audit.record("publishing.hold_started", hold, actor=user, reason=hold.reason, held=held)
    return hold


def lift_hold(user: User) -> PublishingHold:
    hold = active_hold()
    if hold is None:
        raise WrongState(_("Publishing is not on hold."))
    hold.lifted_at = utcnow()
    hold.lifted_by_id = user.id
    audit.record("publishing.hold_lifted", hold, actor=user, held=len(held_deliveries()))
    return hold


def held_deliveries() -> list[Delivery]:
    return list(
        db.session.scalars(
            select(Delivery).where(Delivery.state == DeliveryState.held).order_by(Delivery.id)
        )
    )


def _held(ids: Sequence[int]) -> list[Delivery]:
    if active_hold() is not None:
        raise NotAllowed(_("Lift the hold first; then release, reschedule or cancel."))
    rows = list(
        db.session.scalars(
            select(Delivery).where(Delivery.id.in_(ids), Delivery.state == DeliveryState.held)
        )
    )
    if not rows:
        raise WrongState(_("None of the chosen deliveries is held any more."))
    return rows


def release(ids: Sequence[int], user: User) -> int:
    """Let held deliveries go out now."""
    return _reschedule(ids, user, utcnow(), "delivery.released")


def reschedule(ids: Sequence[int], user: User, when: datetime) -> int:
    if when < utcnow():
        raise ValidationFailed({"when": [_("The new time lies in the past.")]})
    return _reschedule(ids, user, when, "delivery.rescheduled")


def _reschedule(ids: Sequence[int], user: User, when: datetime, action: str) -> int:
    from hub.publishing.pipeline import refresh_announcement_status

    rows = _held(ids)
    for delivery in rows:
        delivery.state = DeliveryState.pending
        delivery.next_attempt_at = when
        audit.record(action, delivery, actor=user, at=when.isoformat())
    db.session.flush()
    for announcement in {d.announcement for d in rows}:
        refresh_announcement_status(announcement)
    return len(rows)


def cancel(ids: Sequence[int], user: User) -> int:
    from hub.publishing.pipeline import refresh_announcement_status

    rows = _held(ids)
    for delivery in rows:
        delivery.state = DeliveryState.cancelled
        audit.record("delivery.cancelled", delivery, actor=user)
    db.session.flush()
    for announcement in {d.announcement for d in rows}:
        refresh_announcement_status(announcement)
    return len(rows)
