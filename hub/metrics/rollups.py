"""Daily aggregates, maintained as snapshots arrive, so the dashboard never scans snapshots.

:func:`apply_snapshots` runs in the same transaction that stores a batch of snapshots. For the
usual case (each snapshot is the newest of its delivery) it needs no snapshot reads at all: the
day's row takes the new figures, and a new day's row takes the previous total as its "before".
A snapshot older than the delivery's newest (a late or replayed answer) makes that delivery's
rows be rebuilt from its snapshots, which are few (about a hundred). The channel-day rows that
changed are then summed again from ``metric_daily``.

:func:`rebuild` recomputes everything from the snapshots with set-based SQL (window functions on
both databases); the tests use it as the oracle for the incremental path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, text, tuple_
from sqlalchemy.orm import Session

from hub.metrics.days import day_range, local_day, local_day_sql
from hub.metrics.figures import METRICS, figures_of
from hub.metrics.upsert import upsert
from hub.models import (
    AccountSnapshot,
    ChannelDaily,
    Delivery,
    MetricDaily,
    MetricSchedule,
    MetricSnapshot,
    MetricTotal,
)

Cell = tuple[int, date]  # (channel id, local day)
BEFORE = [f"{name}_before" for name in METRICS]


def apply_snapshots(
    session: Session, pairs: Sequence[tuple[Delivery, MetricSnapshot]], zone: ZoneInfo
) -> None:
    """Fold freshly stored snapshots into the rollups (same transaction, flushed first)."""
    if not pairs:
        return
    session.flush()
    ids = {delivery.id for delivery, _ in pairs}
    totals = {
        t.delivery_id: t
        for t in session.scalars(select(MetricTotal).where(MetricTotal.delivery_id.in_(ids)))
    }
    wanted = {(d.id, local_day(s.collected_at, zone)) for d, s in pairs}
    days = {
        (row.delivery_id, row.day): row
        for row in session.scalars(
            select(MetricDaily).where(
                tuple_(MetricDaily.delivery_id, MetricDaily.day).in_(sorted(wanted))
            )
        )
    }
    touched: set[Cell] = set()
    stale: set[int] = set()
    for delivery, snapshot in sorted(pairs, key=lambda pair: pair[1].collected_at):
        total = totals.get(delivery.id)
        if total is not None and snapshot.collected_at < total.collected_at:
            stale.add(delivery.id)
            continue
        day = local_day(snapshot.collected_at, zone)
        row = days.get((delivery.id, day))
        if row is None:
            row = MetricDaily(
                delivery_id=delivery.id,
                day=day,
                announcement_id=delivery.announcement_id,
                channel_id=delivery.channel_id,
                **{f"{name}_before": getattr(total, name) if total else None for name in METRICS},
            )
            session.add(row)
            days[(delivery.id, day)] = row
        if total is None:
            total = MetricTotal(
                delivery_id=delivery.id,
                announcement_id=delivery.announcement_id,
                channel_id=delivery.channel_id,
                published_at=delivery.published_at or snapshot.collected_at,
            )
            session.add(total)
            totals[delivery.id] = total
        total.collected_at = snapshot.collected_at
        for name, value in figures_of(snapshot).items():
            setattr(row, name, value)
            setattr(total, name, value)
        touched.add((delivery.channel_id, day))
    session.flush()
    for delivery_id in stale:
        touched |= rebuild_delivery(session, delivery_id, zone)
    refresh_channel_days(session, touched, zone)


def rebuild_delivery(session: Session, delivery_id: int, zone: ZoneInfo) -> set[Cell]:
    """Recompute one delivery's rows from its snapshots; returns the channel-days involved."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        return set()
    old_days = set(
        session.scalars(select(MetricDaily.day).where(MetricDaily.delivery_id == delivery_id))
    )
    session.execute(delete(MetricDaily).where(MetricDaily.delivery_id == delivery_id))
    snapshots = list(
        session.scalars(
            select(MetricSnapshot)
            .where(MetricSnapshot.delivery_id == delivery_id)
            .order_by(MetricSnapshot.collected_at, MetricSnapshot.id)
        )
    )
    ends: dict[date, MetricSnapshot] = {}
    for snapshot in snapshots:
        ends[local_day(snapshot.collected_at, zone)] = snapshot
    before: dict[str, Any] = dict.fromkeys(METRICS)
    for day in sorted(ends):
        figures = figures_of(ends[day])
        session.add(
            MetricDaily(
                delivery_id=delivery_id,
                day=day,
                announcement_id=delivery.announcement_id,
                channel_id=delivery.channel_id,
                **figures,
                **{f"{name}_before": before[name] for name in METRICS},
            )
        )
        before = figures
    total = session.get(MetricTotal, delivery_id)
    if snapshots:
        last = snapshots[-1]
        if total is None:
            total = MetricTotal(
                delivery_id=delivery_id,
                announcement_id=delivery.announcement_id,
                channel_id=delivery.channel_id,
                published_at=delivery.published_at or snapshots[0].collected_at,
            )
            session.add(total)
        total.collected_at = last.collected_at
        for name, value in figures_of(last).items():
            setattr(total, name, value)
    elif total is not None:
        session.delete(total)
    session.flush()
    return {(delivery.channel_id, day) for day in old_days | set(ends)}


def _gain(name: str) -> Any:
    column = getattr(MetricDaily, name)
    return func.sum(column - func.coalesce(getattr(MetricDaily, f"{name}_before"), 0))


def refresh_channel_days(session: Session, cells: Iterable[Cell], zone: ZoneInfo) -> None:
    """Sum the day's gains of every delivery of the channel again, for the cells given."""
    cells = sorted(set(cells))
    if not cells:
        return
    sums = {
        (row.channel_id, row.day): row
        for row in session.execute(
            select(
                MetricDaily.channel_id,
                MetricDaily.day,
                *[_gain(name).label(name) for name in METRICS],
            )
            .where(tuple_(MetricDaily.channel_id, MetricDaily.day).in_(cells))
            .group_by(MetricDaily.channel_id, MetricDaily.day)
        )
    }
    rows = []
    for channel_id, day in cells:
        found = sums.get((channel_id, day))
        start, end = day_range(day, day, zone)
        posts = session.scalar(
            select(func.count())
            .select_from(MetricSchedule)
            .where(
                MetricSchedule.channel_id == channel_id,
                MetricSchedule.published_at >= start,
                MetricSchedule.published_at < end,
            )
        )
        rows.append(
            {
                "channel_id": channel_id,
                "day": day,
                "posts": posts or 0,
                **{name: _int(getattr(found, name)) if found else None for name in METRICS},
            }
        )
    upsert(
        session,
        ChannelDaily,
        rows,
        keys=("channel_id", "day"),
        update=(*METRICS, "posts"),
    )


def apply_account_snapshot(session: Session, snapshot: AccountSnapshot, zone: ZoneInfo) -> None:
    """The day's follower count is its last account snapshot's."""
    day = local_day(snapshot.collected_at, zone)
    _, end = day_range(day, day, zone)
    later = session.scalar(
        select(func.count())
        .select_from(AccountSnapshot)
        .where(
            AccountSnapshot.channel_id == snapshot.channel_id,
            AccountSnapshot.collected_at > snapshot.collected_at,
            AccountSnapshot.collected_at < end,
        )
    )
    if later:
        return  # a newer figure of the same day is already there
    upsert(
        session,
        ChannelDaily,
        [
            {
                "channel_id": snapshot.channel_id,
                "day": day,
                "posts": 0,
                "followers": snapshot.followers,
            }
        ],
        keys=("channel_id", "day"),
        update=("followers",),
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


# ---------------------------------------------------------------------------------------------
# Rebuilding everything (first use after an upgrade, the benchmark, the tests' oracle)


def rebuild(session: Session, zone: ZoneInfo) -> None:
    """Recompute every rollup from the snapshots, in set-based SQL."""
    params = {"zone": zone.key}
    snapshot_day = local_day_sql(session, "s.collected_at")
    figures = ", ".join(f"s.{name}" for name in METRICS)
    ends = ", ".join(f"e.{name}" for name in METRICS)
    lags = ", ".join(f"LAG(e.{name}) OVER w" for name in METRICS)
    if session.connection().dialect.name == "postgresql":
        # One big sort per window; in memory it takes seconds, spilled to disk minutes.
        session.execute(text("SET LOCAL work_mem = '256MB'"))
    for model in (ChannelDaily, MetricDaily, MetricTotal):
        session.execute(delete(model))
    session.execute(
        text(
            f"""
            INSERT INTO metric_daily (delivery_id, day, announcement_id, channel_id,
                {", ".join(METRICS)}, {", ".join(BEFORE)})
            SELECT e.delivery_id, e.day, d.announcement_id, d.channel_id, {ends}, {lags}
            FROM (
                SELECT s.delivery_id, {snapshot_day} AS day, {figures},
                    ROW_NUMBER() OVER (PARTITION BY s.delivery_id, {snapshot_day}
                                       ORDER BY s.collected_at DESC, s.id DESC) AS rn
                FROM metric_snapshot s
            ) e
            JOIN delivery d ON d.id = e.delivery_id
            WHERE e.rn = 1
            WINDOW w AS (PARTITION BY e.delivery_id ORDER BY e.day)
            """  # noqa: S608 (column names and SQL functions are constants)
        ),
        params,
    )
    session.execute(
        text(
            f"""
            INSERT INTO metric_total (delivery_id, announcement_id, channel_id, published_at,
                collected_at, {", ".join(METRICS)})
            SELECT l.delivery_id, d.announcement_id, d.channel_id,
                COALESCE(d.published_at, l.first_at), l.collected_at,
                {", ".join(f"l.{name}" for name in METRICS)}
            FROM (
                SELECT s.delivery_id, s.collected_at, {figures},
                    MIN(s.collected_at) OVER (PARTITION BY s.delivery_id) AS first_at,
                    ROW_NUMBER() OVER (PARTITION BY s.delivery_id
                                       ORDER BY s.collected_at DESC, s.id DESC) AS rn
                FROM metric_snapshot s
            ) l
            JOIN delivery d ON d.id = l.delivery_id
            WHERE l.rn = 1
            """  # noqa: S608
        )
    )
    gains = ", ".join(f"SUM({name} - COALESCE({name}_before, 0))" for name in METRICS)
    session.execute(
        text(
            f"""
            INSERT INTO channel_daily (channel_id, day, {", ".join(METRICS)}, posts)
            SELECT channel_id, day, {gains}, 0 FROM metric_daily GROUP BY channel_id, day
            """  # noqa: S608
        )
    )
    published_day = local_day_sql(session, "published_at")
    posts = [
        {"channel_id": row.channel_id, "day": _day(row.day), "posts": row.posts}
        for row in session.execute(
            text(
                f"SELECT channel_id, {published_day} AS day, COUNT(*) AS posts "  # noqa: S608
                f"FROM metric_schedule GROUP BY channel_id, {published_day}"
            ),
            params,
        )
    ]
    upsert(session, ChannelDaily, posts, keys=("channel_id", "day"), update=("posts",))
    account_day = local_day_sql(session, "collected_at")
    followers = [
        {"channel_id": row.channel_id, "day": _day(row.day), "posts": 0, "followers": row.followers}
        for row in session.execute(
            text(
                f"""
                SELECT channel_id, day, followers FROM (
                    SELECT channel_id, {account_day} AS day, followers,
                        ROW_NUMBER() OVER (PARTITION BY channel_id, {account_day}
                                           ORDER BY collected_at DESC, id DESC) AS rn
                    FROM account_snapshot
                ) a WHERE rn = 1
                """  # noqa: S608
            ),
            params,
        )
    ]
    upsert(session, ChannelDaily, followers, keys=("channel_id", "day"), update=("followers",))
    session.flush()


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
