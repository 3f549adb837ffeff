"""What the dashboard shows, read from the rollups only (never from the snapshots in bulk).

- :func:`overview`: per channel and day, the figures gained, posts published and followers;
- :func:`top_announcements`: announcements published in the range, by what they achieved so far;
- :func:`announcement_report`: one announcement's deliveries side by side: latest figures, each
  network's curve since publication (its snapshots: about a hundred per delivery at most) and
  the figures gained per day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from hub.extensions import db
from hub.metrics.days import days_between
from hub.metrics.figures import METRICS, Figures, add, empty, figures_of, interactions
from hub.metrics.selection import Selection
from hub.models import (
    Announcement,
    Channel,
    ChannelDaily,
    Delivery,
    MetricDaily,
    MetricSnapshot,
    MetricTotal,
)

SORTABLE = (*METRICS, "interactions")


@dataclass(frozen=True)
class ChannelInfo:
    id: int
    name: str
    network: str


@dataclass
class Overview:
    selection: Selection
    channels: list[ChannelInfo]
    days: list[date]
    gained: dict[int, dict[date, Figures]] = field(default_factory=dict)
    posts: dict[int, int] = field(default_factory=dict)
    followers: dict[int, dict[date, int]] = field(default_factory=dict)

    def totals(self, channel_id: int) -> Figures:
        total = empty()
        for figures in self.gained.get(channel_id, {}).values():
            total = add(total, figures)
        return total

    def series(self, channel_id: int, metric: str) -> list[int | None]:
        """The metric gained per day; a day without figures is None (not zero)."""
        by_day = self.gained.get(channel_id, {})
        return [
            (interactions(by_day[d]) if metric == "interactions" else by_day[d].get(metric))
            if d in by_day
            else None
            for d in self.days
        ]

    def follower_series(self, channel_id: int) -> list[int | None]:
        known = self.followers.get(channel_id, {})
        return [known.get(d) for d in self.days]

    def follower_change(self, channel_id: int) -> tuple[int | None, int | None, int | None]:
        """(first, last, change) of the follower counts known in the range."""
        known = self.followers.get(channel_id, {})
        if not known:
            return None, None, None
        first, last = known[min(known)], known[max(known)]
        return first, last, last - first


def channels_for(selection: Selection) -> list[ChannelInfo]:
    stmt = select(Channel.id, Channel.name, Channel.network).order_by(Channel.network, Channel.name)
    if selection.channel_ids:
        stmt = stmt.where(Channel.id.in_(selection.channel_ids))
    return [ChannelInfo(r.id, r.name, r.network) for r in db.session.execute(stmt)]


def all_channels() -> list[ChannelInfo]:
    return channels_for(Selection(date.min, date.min))


def overview(selection: Selection) -> Overview:
    channels = channels_for(selection)
    result = Overview(selection, channels, days_between(selection.first, selection.last))
    ids = [c.id for c in channels]
    if not ids:
        return result
    rows = db.session.execute(
        select(ChannelDaily).where(
            ChannelDaily.channel_id.in_(ids),
            ChannelDaily.day >= selection.first,
            ChannelDaily.day <= selection.last,
        )
    ).scalars()
    for row in rows:
        figures = figures_of(row)
        if any(v is not None for v in figures.values()):
            result.gained.setdefault(row.channel_id, {})[row.day] = figures
        result.posts[row.channel_id] = result.posts.get(row.channel_id, 0) + (row.posts or 0)
        if row.followers is not None:
            result.followers.setdefault(row.channel_id, {})[row.day] = row.followers
    return result


@dataclass(frozen=True)
class TopAnnouncement:
    id: int
    title: str
    published_at: datetime
    networks: tuple[str, ...]
    figures: Figures

    @property
    def interactions(self) -> int | None:
        return interactions(self.figures)


def top_announcements(
    selection: Selection, zone: ZoneInfo, metric: str = "views", limit: int = 10
) -> list[TopAnnouncement]:
    """Announcements first published in the range, ranked by ``metric`` achieved so far."""
    if metric not in SORTABLE:
        raise ValueError(f"cannot rank by {metric}")
    start, end = selection.utc_range(zone)
    sums = {name: func.sum(getattr(MetricTotal, name)) for name in METRICS}
    rank = (
        sum(
            func.coalesce(sums[name], 0)
            for name in ("likes", "comments", "shares", "saves", "clicks")
        )
        if metric == "interactions"
        else sums[metric]
    )
    stmt = (
        select(
            MetricTotal.announcement_id,
            Announcement.title,
            func.min(MetricTotal.published_at).label("published_at"),
            *[sums[name].label(name) for name in METRICS],
        )
        .join(Announcement, Announcement.id == MetricTotal.announcement_id)
        .where(MetricTotal.published_at >= start, MetricTotal.published_at < end)
        .group_by(MetricTotal.announcement_id, Announcement.title)
        .order_by(rank.desc().nulls_last(), MetricTotal.announcement_id.desc())
        .limit(limit)
    )
    if selection.channel_ids:
        stmt = stmt.where(MetricTotal.channel_id.in_(selection.channel_ids))
    rows = db.session.execute(stmt).all()
    networks: dict[int, set[str]] = {}
    if rows:
        for announcement_id, network in db.session.execute(
            select(MetricTotal.announcement_id, Channel.network)
            .join(Channel, Channel.id == MetricTotal.channel_id)
            .where(MetricTotal.announcement_id.in_([r.announcement_id for r in rows]))
        ):
            networks.setdefault(announcement_id, set()).add(network)
    return [
        TopAnnouncement(
            id=row.announcement_id,
            title=row.title,
            published_at=_aware(row.published_at),
            networks=tuple(sorted(networks.get(row.announcement_id, ()))),
            figures={name: _int(getattr(row, name)) for name in METRICS},
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Point:
    at: datetime
    since_publication: timedelta
    figures: Figures


@dataclass
class DeliveryReport:
    delivery_id: int
    channel: ChannelInfo
    url: str | None
    published_at: datetime | None
    collected_at: datetime | None
    figures: Figures
    points: list[Point]
    daily: dict[date, Figures]


@dataclass
class AnnouncementReport:
    announcement: Announcement
    deliveries: list[DeliveryReport]

    @property
    def days(self) -> list[date]:
        return sorted({d for report in self.deliveries for d in report.daily})

    @property
    def totals(self) -> Figures:
        total = empty()
        for report in self.deliveries:
            total = add(total, report.figures)
        return total


def announcement_report(announcement: Announcement) -> AnnouncementReport:
    deliveries = db.session.execute(
        select(Delivery, Channel)
        .join(Channel, Channel.id == Delivery.channel_id)
        .where(Delivery.announcement_id == announcement.id, Delivery.published_at.is_not(None))
        .order_by(Channel.network, Channel.name)
    ).all()
    ids = [d.id for d, _ in deliveries]
    totals = {
        t.delivery_id: t
        for t in db.session.scalars(select(MetricTotal).where(MetricTotal.delivery_id.in_(ids)))
    }
    points: dict[int, list[Any]] = {}
    # Only indexed columns: an index-only scan on PostgreSQL (ix_metric_snapshot_figures).
    for snapshot in db.session.execute(
        select(
            MetricSnapshot.delivery_id,
            MetricSnapshot.collected_at,
            *[getattr(MetricSnapshot, name) for name in METRICS],
        )
        .where(MetricSnapshot.delivery_id.in_(ids))
        .order_by(MetricSnapshot.delivery_id, MetricSnapshot.collected_at)
    ):
        points.setdefault(snapshot.delivery_id, []).append(snapshot)
    daily: dict[int, dict[date, Figures]] = {}
    for row in db.session.scalars(
        select(MetricDaily).where(MetricDaily.announcement_id == announcement.id)
    ):
        daily.setdefault(row.delivery_id, {})[row.day] = gained(row)
    reports = []
    for delivery, channel in deliveries:
        total = totals.get(delivery.id)
        published = delivery.published_at
        reports.append(
            DeliveryReport(
                delivery_id=delivery.id,
                channel=ChannelInfo(channel.id, channel.name, channel.network),
                url=delivery.url,
                published_at=published,
                collected_at=total.collected_at if total else None,
                figures=figures_of(total) if total else empty(),
                points=[
                    Point(
                        s.collected_at,
                        s.collected_at - (published or s.collected_at),
                        figures_of(s),
                    )
                    for s in points.get(delivery.id, [])
                ],
                daily=daily.get(delivery.id, {}),
            )
        )
    return AnnouncementReport(announcement, reports)


def gained(row: MetricDaily) -> Figures:
    """A day's gain from a ``metric_daily`` row (the first day: everything up to its end)."""
    out: Figures = {}
    for name in METRICS:
        end = getattr(row, name)
        out[name] = None if end is None else end - (getattr(row, f"{name}_before") or 0)
    return out


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
