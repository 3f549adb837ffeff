"""Is publishing moving? The dispatcher's last pass and the longest-waiting due post, read from
the database on SQLite and PostgreSQL (hub/publishing/dispatch_health.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from hub.extensions import db
from hub.models import AnnouncementStatus, ChannelStatus, Delivery, DeliveryState
from hub.models.types import utcnow
from hub.publishing import dispatch_health, hold, pipeline
from hub.publishing.dispatch_health import last_pass_at, oldest_waiting_due, overdue_since


def _set(ann, **values) -> None:  # type: ignore[no-untyped-def]
    """Move every delivery of ``ann`` (as a worker or time would)."""
    db.session.execute(update(Delivery).where(Delivery.announcement_id == ann.id).values(**values))
    db.session.commit()


def test_every_dispatch_pass_is_recorded(approved) -> None:
    assert last_pass_at() is None  # never ran
    before = utcnow()
    pipeline.dispatch_due()
    first = last_pass_at()
    assert first is not None and before <= first <= utcnow()
    approved("x")
    pipeline.dispatch_due()  # a pass with work to do is recorded as well
    second = last_pass_at()
    assert second is not None and second >= first


def test_nothing_waits_when_nothing_is_due(approved) -> None:
    approved("x", when=utcnow() + timedelta(hours=1))  # not due yet
    assert oldest_waiting_due() is None


def test_a_due_announcement_the_dispatcher_never_saw_waits_since_its_time(approved) -> None:
    """What a stopped beat leaves behind: announcements due, still "scheduled", no deliveries."""
    due = utcnow() - timedelta(minutes=10)
    ann = approved("x", "facebook", when=due)
    approved("x", when=due + timedelta(minutes=4))
    assert ann.deliveries == []
    assert oldest_waiting_due() == ann.scheduled_at


def test_deliveries_no_worker_took_wait_since_they_fell_due(approved) -> None:
    """What stopped workers leave behind: the dispatcher runs, deliveries stay queued."""
    picked_up = utcnow() - timedelta(minutes=7)
    ann = approved("x", when=picked_up - timedelta(seconds=1))
    pipeline.dispatch_due(now=picked_up)
    assert [d.state for d in ann.deliveries] == [DeliveryState.queued]
    assert oldest_waiting_due() == picked_up
    # Waiting to be handed out (pending) or due again after a failed try: the same.
    for state in (DeliveryState.pending, DeliveryState.retry_wait):
        _set(ann, state=state)
        assert oldest_waiting_due() == picked_up


def test_a_delivery_whose_worker_died_waits_since_its_lease_ran_out(approved) -> None:
    ann = approved("x")
    pipeline.dispatch_due()
    lease_end = utcnow() - timedelta(minutes=3)
    _set(ann, state=DeliveryState.sending, lease_token="t", lease_until=lease_end)
    assert oldest_waiting_due() == lease_end
    _set(ann, lease_until=utcnow() + timedelta(minutes=3))  # still in a worker's hands
    assert oldest_waiting_due() is None


def test_what_waits_on_purpose_or_on_a_person_is_not_stuck(approved, make_user) -> None:
    ann = approved("x")
    pipeline.dispatch_due()
    long_ago = utcnow() - timedelta(hours=1)
    _set(ann, next_attempt_at=long_ago)
    assert oldest_waiting_due() == long_ago
    for state in (
        DeliveryState.published,
        DeliveryState.failed,
        DeliveryState.needs_review,
        DeliveryState.held,
        DeliveryState.cancelled,
    ):
        _set(ann, state=state)
        assert oldest_waiting_due() is None, state
    # A retry whose time has not come.
    _set(ann, state=DeliveryState.retry_wait, next_attempt_at=utcnow() + timedelta(minutes=5))
    assert oldest_waiting_due() is None
    _set(ann, next_attempt_at=long_ago)
    # A channel that needs a new login: its posts wait for a person (another banner says so).
    channel = ann.deliveries[0].channel
    channel.status = ChannelStatus.needs_reauth
    db.session.commit()
    assert oldest_waiting_due() is None
    channel.status = ChannelStatus.active
    # A cancelled announcement's leftovers are cancelled by the next pass, never sent.
    ann.status = AnnouncementStatus.cancelled
    db.session.commit()
    assert oldest_waiting_due() is None
    ann.status = AnnouncementStatus.publishing
    db.session.commit()
    # A crisis hold keeps what was not yet handed out on purpose.
    hold.start_hold("Unwetter", make_user("admin"))
    db.session.commit()
    assert oldest_waiting_due() is None
    _set(ann, state=DeliveryState.queued)  # handed out before the hold: a worker should run it
    assert oldest_waiting_due() == long_ago


def test_overdue_only_past_the_alert_time(approved) -> None:
    now = utcnow()
    ann = approved("x", when=now - timedelta(minutes=4))
    assert overdue_since(timedelta(minutes=5), now) is None
    assert overdue_since(timedelta(minutes=3), now) == ann.scheduled_at


def test_recording_a_pass_keeps_one_row(app) -> None:
    from sqlalchemy import func, select

    from hub.models import Heartbeat

    earlier = utcnow() - timedelta(minutes=1)
    dispatch_health.record_pass(earlier)
    dispatch_health.record_pass()
    assert db.session.scalar(select(func.count()).select_from(Heartbeat)) == 1
    last = last_pass_at()
    assert last is not None and last > earlier
