"""The dispatcher's database work on SQLite and PostgreSQL: due -> deliveries -> claimed once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from hub.extensions import db
from hub.models import AnnouncementStatus, Channel, ChannelStatus, Delivery, DeliveryState
from hub.models.types import utcnow
from hub.publishing import hold, pipeline


def states(announcement) -> list[str]:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return sorted(d.state for d in announcement.deliveries)


def test_due_announcement_gets_one_delivery_per_channel_and_is_claimed_once(approved) -> None:
    ann = approved("x", "facebook")
    outbox = pipeline.dispatch_due()
    assert sorted(outbox.publish) == sorted(d.id for d in ann.deliveries)
    assert states(ann) == ["queued", "queued"]
    assert ann.status == AnnouncementStatus.publishing
    # A second pass finds nothing new to claim and creates no second set of deliveries.
    again = pipeline.dispatch_due()
    assert again.publish == [] and len(ann.deliveries) == 2


def test_future_announcements_wait(approved) -> None:
    ann = approved("x", when=utcnow() + timedelta(hours=1))
    assert not pipeline.dispatch_due()
    assert ann.deliveries == [] and ann.status == AnnouncementStatus.scheduled


def test_concurrent_dispatchers_claim_each_delivery_once(app, approved) -> None:
    anns = [approved("x", "facebook") for _ in range(10)]
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                results.append(pipeline.dispatch_due().publish)
            except BaseException as exc:  # SQLite may report "database is locked" under load
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    claimed = [i for r in results for i in r]
    assert not errors, errors
    assert len(claimed) == len(set(claimed)) == 20
    db.session.expire_all()
    assert db.session.query(Delivery).count() == 20
    assert {a.status for a in anns} == {AnnouncementStatus.publishing}


def test_lost_hints_are_sent_again_after_the_requeue_delay(app, approved) -> None:
    ann = approved("x")
    first = pipeline.dispatch_due().publish
    assert pipeline.dispatch_due().publish == []
    later = utcnow() + timedelta(seconds=app.config["HUB_SETTINGS"].requeue_after + 1)
    assert pipeline.dispatch_due(now=later).publish == first
    assert states(ann) == ["queued"]


def test_expired_lease_is_handed_to_reconcile_once(approved) -> None:
    ann = approved("x")
    (delivery_id,) = pipeline.dispatch_due().publish
    db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(state=DeliveryState.sending, lease_token="dead", lease_until=utcnow())
    )
    db.session.commit()
    later = utcnow() + timedelta(seconds=1)
    outbox = pipeline.dispatch_due(now=later)
    assert [d for d, _ in outbox.reconcile] == [delivery_id]
    assert pipeline.dispatch_due(now=later).reconcile == []
    assert states(ann) == ["sending"]


def test_channel_without_login_makes_deliveries_wait_with_a_reason(approved, make_channel) -> None:
    channel = make_channel("x", status=ChannelStatus.needs_reauth)
    ann = approved(channels=[channel])
    assert pipeline.dispatch_due().publish == []
    db.session.expire_all()
    (delivery,) = ann.deliveries
    assert delivery.state == DeliveryState.pending
    assert channel.name in delivery.error_message
    db.session.execute(update(Channel).values(status=ChannelStatus.active))
    db.session.commit()
    assert pipeline.dispatch_due().publish == [delivery.id]


def test_crisis_hold_holds_everything_and_lifting_does_not_flush(english, approved) -> None:
    admin = approved.editor  # any user object works as the actor
    ann1 = approved("x")
    pipeline.dispatch_due()  # ann1's delivery is queued
    hold.start_hold("Großschadenslage", admin)
    db.session.commit()
    ann2 = approved("facebook")
    assert not pipeline.dispatch_due()
    assert states(ann1) == ["held"] and states(ann2) == ["held"]
    with pytest.raises(Exception, match="Lift the hold"):
        hold.release([d.id for d in ann1.deliveries], admin)
    hold.lift_hold(admin)
    db.session.commit()
    assert pipeline.dispatch_due().publish == []  # nothing flushed
    hold.release([d.id for d in ann1.deliveries], admin)
    hold.cancel([d.id for d in ann2.deliveries], admin)
    db.session.commit()
    assert pipeline.dispatch_due().publish == [ann1.deliveries[0].id]
    assert states(ann2) == ["cancelled"]


def test_reschedule_held_delivery(approved) -> None:
    admin = approved.editor
    ann = approved("x")
    hold.start_hold("Trauerbeflaggung", admin)
    assert not pipeline.dispatch_due()
    hold.lift_hold(admin)
    when = utcnow() + timedelta(hours=2)
    hold.reschedule([ann.deliveries[0].id], admin, when)
    db.session.commit()
    assert pipeline.dispatch_due().publish == []
    assert pipeline.dispatch_due(now=when + timedelta(seconds=1)).publish == [ann.deliveries[0].id]


def test_announcement_status_follows_deliveries(approved) -> None:
    ann = approved("x", "facebook")
    pipeline.dispatch_due()
    first, second = ann.deliveries
    first.state = DeliveryState.published
    db.session.commit()
    pipeline.refresh_announcement_status(ann)
    assert ann.status == AnnouncementStatus.publishing
    second.state = DeliveryState.failed
    db.session.commit()
    pipeline.refresh_announcement_status(ann)
    assert ann.status == AnnouncementStatus.partly_failed
    first.state = DeliveryState.failed
    db.session.commit()
    pipeline.refresh_announcement_status(ann)
    assert ann.status == AnnouncementStatus.failed
    assert db.session.scalar(select(Delivery.state).where(Delivery.id == first.id)) == "failed"


@pytest.mark.postgresql_only
def test_two_deliveries_ending_at_once_leave_the_announcement_published(app, approved) -> None:
    """Two workers finish the two deliveries of one announcement at the same moment. Neither
    sees the other's uncommitted end; without a lock each counted the other as still sending
    and the announcement stayed "publishing" although both posts were out."""
    from sqlalchemy import text

    from tests.support import wait_until

    ann = approved("x", "facebook")
    pipeline.dispatch_due()
    first, second = (d.id for d in ann.deliveries)

    def end(delivery_id: int) -> None:
        db.session.execute(
            update(Delivery).where(Delivery.id == delivery_id).values(state=DeliveryState.published)
        )
        pipeline.refresh_announcement_status(ann.id)

    end(first)  # this "worker" has ended its delivery and not committed yet
    errors: list[BaseException] = []

    def other_worker() -> None:
        with app.app_context():
            try:
                end(second)
                db.session.commit()
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=other_worker)
    thread.start()

    def other_waits_or_is_done() -> bool:
        if not thread.is_alive():
            return True
        with db.engine.connect() as conn:
            return bool(
                conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
            )

    wait_until(other_waits_or_is_done, timeout=30, what="the other worker to count or wait")
    db.session.commit()
    thread.join(30)
    assert not errors, errors
    db.session.expire_all()
    assert states(ann) == ["published", "published"]
    assert ann.status == AnnouncementStatus.published
