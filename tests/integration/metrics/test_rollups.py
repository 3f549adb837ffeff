"""The rollups kept up to date snapshot by snapshot equal a rebuild from scratch, and the
dashboard's figures from them equal the same figures computed from the raw snapshots."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hub.extensions import db
from hub.metrics import queries, raw, rollups
from hub.metrics.figures import METRICS
from hub.metrics.selection import Selection
from hub.models import ChannelDaily, MetricDaily, MetricSchedule, MetricSnapshot, MetricTotal

BERLIN = ZoneInfo("Europe/Berlin")
# 22:30 UTC on 30 June is already 1 July in Berlin: the day boundary is Berlin's.
T0 = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)


def _state() -> dict[str, list[tuple]]:
    def rows(model, *order):  # type: ignore[no-untyped-def]
        columns = [c.name for c in model.__table__.columns]
        return sorted(
            tuple(getattr(r, c) for c in columns) for r in db.session.scalars(select(model))
        )

    return {
        "daily": rows(MetricDaily),
        "total": rows(MetricTotal),
        "channel": rows(ChannelDaily),
    }


def _snapshot(delivery, at, rng, base):  # type: ignore[no-untyped-def]
    grown = {name: base[name] for name in METRICS}
    for name in METRICS:
        if grown[name] is not None:
            grown[name] += rng.randint(0, 50)
    base.update(grown)
    if delivery.channel.network == "x":
        grown["reach"] = grown["clicks"] = None
    return MetricSnapshot(delivery_id=delivery.id, collected_at=at, raw={}, **grown)


def test_incremental_rollups_equal_a_rebuild_and_the_raw_figures(published) -> None:
    rng = random.Random(7)
    announcements = [published("x", "facebook") for _ in range(3)]
    deliveries = [d for a in announcements for d in a.deliveries]
    for d in deliveries:
        d.published_at = T0 - timedelta(hours=1)
        db.session.get(MetricSchedule, d.id) or db.session.add(
            MetricSchedule(
                delivery_id=d.id,
                channel_id=d.channel_id,
                published_at=d.published_at,
                collected=0,
                misses=0,
            )
        )
    db.session.flush()
    # What enrolment does: count the posts of their publication day.
    rollups.refresh_channel_days(
        db.session, {(d.channel_id, (T0 - timedelta(hours=1)).date()) for d in deliveries}, BERLIN
    )
    db.session.commit()
    bases = {d.id: dict.fromkeys(METRICS, 0) for d in deliveries}
    moments = [T0 + timedelta(minutes=15 * k) for k in range(6)] + [
        T0 + timedelta(days=k, hours=3) for k in range(1, 5)
    ]
    for at in moments:
        pairs = []
        for d in deliveries:
            snapshot = _snapshot(d, at, rng, bases[d.id])
            db.session.add(snapshot)
            pairs.append((d, snapshot))
        rollups.apply_snapshots(db.session, pairs, BERLIN)
        db.session.commit()
    # A late answer: older than the newest snapshot of its delivery.
    late = MetricSnapshot(
        delivery_id=deliveries[0].id,
        collected_at=T0 + timedelta(days=2),
        raw={},
        **{name: 1 for name in METRICS},
    )
    db.session.add(late)
    rollups.apply_snapshots(db.session, [(deliveries[0], late)], BERLIN)
    db.session.commit()

    incremental = _state()
    assert incremental["daily"] and incremental["channel"]
    rollups.rebuild(db.session, BERLIN)
    db.session.commit()
    assert _state() == incremental

    # Day boundary: the snapshots at 22:30 and 22:45 UTC count for 1 July in Berlin.
    days = {row.day for row in db.session.scalars(select(MetricDaily))}
    assert min(days).isoformat() == "2026-07-01"

    selection = Selection(min(days), max(days))
    overview = queries.overview(selection)
    from_raw = raw.channel_days(selection, BERLIN)
    from_rollups = {
        (cid, day): figures
        for cid, by_day in overview.gained.items()
        for day, figures in by_day.items()
    }
    assert from_rollups == from_raw
    top = queries.top_announcements(Selection(T0.date(), max(days)), BERLIN, "views")
    assert [(t.id, t.figures) for t in top] == raw.top_announcements(
        Selection(T0.date(), max(days)), BERLIN, "views"
    )
    latest = raw.latest_per_delivery([d.id for d in deliveries])
    for d in deliveries:
        total = db.session.get(MetricTotal, d.id)
        assert {name: getattr(total, name) for name in METRICS} == latest[d.id]


def test_follower_figures_take_the_days_last_snapshot(published, make_channel) -> None:
    from hub.models import AccountSnapshot

    channel = make_channel("x")
    for hours, followers in ((1, 100), (5, 130), (3, 120), (30, 150)):
        snapshot = AccountSnapshot(
            channel_id=channel.id, collected_at=T0 + timedelta(hours=hours), followers=followers
        )
        db.session.add(snapshot)
        db.session.flush()
        rollups.apply_account_snapshot(db.session, snapshot, BERLIN)
    db.session.commit()
    rows = {
        r.day.isoformat(): r.followers
        for r in db.session.scalars(
            select(ChannelDaily).where(ChannelDaily.channel_id == channel.id)
        )
    }
    assert rows == {"2026-07-01": 130, "2026-07-02": 150}
    overview = queries.overview(Selection(T0.date(), (T0 + timedelta(days=3)).date()))
    assert overview.follower_change(channel.id) == (130, 150, 20)
