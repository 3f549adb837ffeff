"""Is publishing moving? When the dispatcher last ran, and how long due posts have been waiting.

The dispatcher (:func:`hub.publishing.pipeline.dispatch_due`, every few seconds from beat) turns
due announcements into deliveries and hands them to workers. When beat or every worker stops,
nothing fails and nothing is logged: posts simply stay due. These two figures, both read from the
database, make that visible to the admin banner (:mod:`hub.admin.dispatch_banner`), to readiness
checks and to metrics:

- :func:`last_pass_at`: when the dispatcher last finished a pass (beat or the workers stopped if
  it is older than a few dispatch intervals);
- :func:`oldest_waiting_due`: since when the longest-waiting due post has been waiting to go out
  (workers stopped, or too few of them, if it is older than a few minutes).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from hub.extensions import db
from hub.models import (
    Announcement,
    AnnouncementStatus,
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryState,
    Heartbeat,
)
from hub.models.types import utcnow
from hub.publishing.hold import active_hold

#: The heartbeat row the dispatcher writes.
DISPATCH = "dispatch"
#: Deliveries the dispatcher hands out; a crisis hold stops these on purpose.
_SENDABLE = (DeliveryState.pending, DeliveryState.retry_wait)


def record_pass(at: datetime | None = None) -> None:
    """Note that a dispatcher pass has just finished (called by ``dispatch_due`` after its own
    commit). Its own short transaction: one row, overwritten, locked only for the moment of the
    write, so concurrent passes never wait on each other for long."""
    at = at or utcnow()
    table = Heartbeat.__table__
    on_postgresql = db.session.get_bind().dialect.name == "postgresql"
    insert = postgresql.insert if on_postgresql else sqlite.insert
    statement = insert(table).values(name=DISPATCH, beat_at=at)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name], set_={"beat_at": statement.excluded.beat_at}
    )
    db.session.execute(statement)
    db.session.commit()


def last_pass_at() -> datetime | None:
    """When the dispatcher last finished a pass (aware UTC), or None if it never has.

    Beat starts a pass every ``HUB_DISPATCH_INTERVAL`` seconds (2 by default) and a worker runs
    it at once, so in a healthy deployment this is a few seconds old. Older than a minute means
    beat or every worker that serves the ``dispatch`` queue is not running. One primary-key read.
    """
    return db.session.scalar(select(Heartbeat.beat_at).where(Heartbeat.name == DISPATCH))


def oldest_waiting_due(now: datetime | None = None) -> datetime | None:
    """Since when the longest-waiting due post has been waiting to go out (aware UTC), or None
    if nothing due is waiting.

    Counted, each since the moment it should have moved on:

    - announcements due but not yet started (still ``scheduled``): since their time;
    - deliveries due to be sent (``pending``, ``retry_wait``, ``queued``): since their
      ``next_attempt_at``;
    - deliveries whose worker died mid-call (``sending``, lease run out): since the lease ended.

    Not counted: what waits on purpose or on a person (deliveries ``held`` in a crisis hold, and
    during a hold those not yet handed out; channels that need a new login, switched off;
    cancelled announcements) and retries whose time has not come. ``now - oldest_waiting_due()``
    is the lag to alert on: a few seconds when all is well, minutes when publishing is stuck.
    Three indexed queries (on ``announcement.status`` and ``delivery (state, next_attempt_at)``).
    """
    now = now or utcnow()
    waiting_states = [DeliveryState.queued]
    if active_hold() is None:
        waiting_states += _SENDABLE
    deliveries = (
        select()
        .select_from(Delivery)
        .join(Channel, Channel.id == Delivery.channel_id)
        .join(Announcement, Announcement.id == Delivery.announcement_id)
        .where(
            Channel.status == ChannelStatus.active,
            Announcement.status != AnnouncementStatus.cancelled,
        )
    )
    due_since = func.coalesce(Delivery.next_attempt_at, Delivery.created_at)
    candidates = [
        db.session.scalar(
            select(func.min(Announcement.scheduled_at)).where(
                Announcement.status == AnnouncementStatus.scheduled,
                Announcement.scheduled_at <= now,
            )
        ),
        db.session.scalar(
            deliveries.add_columns(func.min(due_since)).where(
                Delivery.state.in_(waiting_states), due_since <= now
            )
        ),
        db.session.scalar(
            deliveries.add_columns(func.min(Delivery.lease_until)).where(
                Delivery.state == DeliveryState.sending, Delivery.lease_until < now
            )
        ),
    ]
    found = [_aware(moment) for moment in candidates if moment is not None]
    return min(found) if found else None


def overdue_since(alert_after: timedelta, now: datetime | None = None) -> datetime | None:
    """:func:`oldest_waiting_due` if that post has waited longer than ``alert_after``, else
    None: what the admin banner warns about."""
    now = now or utcnow()
    oldest = oldest_waiting_due(now)
    return oldest if oldest is not None and now - oldest > alert_after else None


def _aware(moment: datetime) -> datetime:
    # Should ``min()`` come back as the database stores it (naive UTC), it is still UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
