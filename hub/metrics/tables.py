"""Every table the dashboard shows, as plain data: the page, its charts and the CSV/XLSX exports
all read the same :class:`Table`, so an export always has exactly what the page showed.

Values stay raw (ints, dates, seconds, fractions); :class:`Column.kind` says how to show them.
``None`` means "the network does not report this" and is shown as a dash, never as 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from hub.metrics.figures import LABELS, METRICS, interactions
from hub.metrics.inbox import InboxFigures, ResponseFigures
from hub.metrics.queries import AnnouncementReport, ChannelInfo, Overview, TopAnnouncement
from hub.metrics.schedule import grid
from hub.publishing import labels

INTERACTIONS_LABEL = _l("Interactions")


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # str or a lazy translation
    kind: str = "number"  # text | number | date | datetime | percent | duration


@dataclass
class Table:
    key: str
    title: Any
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Row key -> link target, for the first column (an announcement's page).
    links: dict[int, str] = field(default_factory=dict)

    def values(self) -> list[list[Any]]:
        return [[row.get(c.key) for c in self.columns] for row in self.rows]


def metric_label(metric: str) -> Any:
    return INTERACTIONS_LABEL if metric == "interactions" else LABELS[metric]


def channel_label(channel: ChannelInfo) -> str:
    return f"{channel.name} ({labels.NETWORK.get(channel.network, channel.network)})"


def _figure_columns(with_interactions: bool = True) -> list[Column]:
    columns = [Column(name, LABELS[name]) for name in METRICS]
    if with_interactions:
        columns.append(Column("interactions", INTERACTIONS_LABEL))
    return columns


# ---------------------------------------------------------------------------------------------
# The dashboard


def channel_table(overview: Overview) -> Table:
    table = Table(
        "channels",
        _l("Totals per channel"),
        [
            Column("channel", _l("Channel"), "text"),
            Column("posts", _l("Posts")),
            *_figure_columns(),
            Column("followers", _l("Followers")),
            Column("follower_change", _l("Follower change")),
        ],
    )
    for channel in overview.channels:
        totals = overview.totals(channel.id)
        _, last, change = overview.follower_change(channel.id)
        table.rows.append(
            {
                "channel": channel_label(channel),
                "posts": overview.posts.get(channel.id, 0),
                **totals,
                "interactions": interactions(totals),
                "followers": last,
                "follower_change": change,
            }
        )
    return table


def trend_table(overview: Overview, metric: str) -> Table:
    table = Table(
        "trend",
        _l("%(metric)s per day", metric=metric_label(metric)),
        [Column("day", _l("Day"), "date")]
        + [Column(f"c{c.id}", channel_label(c)) for c in overview.channels],
    )
    series = {c.id: overview.series(c.id, metric) for c in overview.channels}
    for index, day in enumerate(overview.days):
        table.rows.append({"day": day, **{f"c{cid}": s[index] for cid, s in series.items()}})
    return table


def follower_table(overview: Overview) -> Table:
    table = Table(
        "followers",
        _l("Followers"),
        [Column("day", _l("Day"), "date")]
        + [Column(f"c{c.id}", channel_label(c)) for c in overview.channels],
    )
    series = {c.id: overview.follower_series(c.id) for c in overview.channels}
    for index, day in enumerate(overview.days):
        values = {f"c{cid}": s[index] for cid, s in series.items()}
        if any(v is not None for v in values.values()):
            table.rows.append({"day": day, **values})
    return table


def top_table(top: Sequence[TopAnnouncement], link_for: Any = None) -> Table:
    table = Table(
        "top",
        _l("Top announcements published in this period (figures to date)"),
        [
            Column("rank", _l("Rank")),
            Column("title", _l("Announcement"), "text"),
            Column("published_at", _l("Published"), "datetime"),
            Column("networks", _l("Networks"), "text"),
            *_figure_columns(),
        ],
    )
    for rank, item in enumerate(top, start=1):
        table.rows.append(
            {
                "rank": rank,
                "id": item.id,
                "title": item.title,
                "published_at": item.published_at,
                "networks": ", ".join(labels.NETWORK.get(n, n) for n in item.networks),
                **item.figures,
                "interactions": item.interactions,
            }
        )
        if link_for is not None:
            table.links[rank - 1] = link_for(item.id)
    return table


def _response_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("received", _l("Comments received")),
        Column("answered", _l("Answered")),
        Column("median_wait", _l("Median time to first answer"), "duration"),
        Column("within_24h", _l("Answered within 24 hours"), "percent"),
    ]


def _response_row(label: str, figures: ResponseFigures) -> dict[str, Any]:
    return {
        "name": label,
        "received": figures.received,
        "answered": figures.answered,
        "median_wait": figures.median_seconds,
        "within_24h": figures.share_within_24h,
    }


def inbox_channel_table(inbox: InboxFigures, channels: Sequence[ChannelInfo]) -> Table:
    table = Table(
        "inbox-channels",
        _l("Inbox per channel"),
        _response_columns(Column("name", _l("Channel"), "text")),
    )
    for channel in channels:
        figures = inbox.channels.get(channel.id, ResponseFigures(channel.id))
        table.rows.append(_response_row(channel_label(channel), figures))
    table.rows.append(_response_row(str(_l("All channels")), inbox.total))
    return table


def inbox_moderator_table(inbox: InboxFigures) -> Table:
    table = Table(
        "inbox-moderators",
        _l("Inbox per moderator"),
        _response_columns(Column("name", _l("Moderator"), "text")),
    )
    named = sorted(
        inbox.moderators.items(),
        key=lambda item: (item[0] is None, inbox.names.get(item[0] or 0, "").lower()),
    )
    for user_id, figures in named:
        name = inbox.names.get(user_id, "") if user_id else str(_l("Not assigned"))
        table.rows.append(_response_row(name, figures))
    return table


# ---------------------------------------------------------------------------------------------
# One announcement


def _delivery_label(report: Any) -> str:
    return channel_label(report.channel)


def networks_table(report: AnnouncementReport) -> Table:
    """The networks side by side: one column per delivery, one row per figure."""
    table = Table(
        "networks",
        _l("Figures to date, side by side"),
        [Column("figure", _l("Figure"), "text")]
        + [Column(f"d{d.delivery_id}", _delivery_label(d)) for d in report.deliveries]
        + [Column("total", _l("All networks"))],
    )
    totals = report.totals
    for name in (*METRICS, "interactions"):
        row: dict[str, Any] = {"key": name, "figure": str(metric_label(name))}
        for d in report.deliveries:
            row[f"d{d.delivery_id}"] = (
                interactions(d.figures) if name == "interactions" else d.figures[name]
            )
        row["total"] = interactions(totals) if name == "interactions" else totals[name]
        table.rows.append(row)
    return table


def timeline_table(report: AnnouncementReport, metric: str, speedup: float = 1.0) -> Table:
    """Each network's figure at the schedule's points since its publication: the networks line
    up by the post's age, not by the clock (they may have gone out minutes apart)."""
    table = Table(
        "timeline",
        _l("%(metric)s since publication", metric=metric_label(metric)),
        [Column("since", _l("Time since publication"), "duration")]
        + [Column(f"d{d.delivery_id}", _delivery_label(d)) for d in report.deliveries],
    )
    points = list(grid(speedup))
    rows: dict[timedelta, dict[str, Any]] = {}
    for d in report.deliveries:
        for point in d.points:
            nearest = min(points, key=lambda p: abs(p - point.since_publication))
            value = (
                interactions(point.figures) if metric == "interactions" else point.figures[metric]
            )
            rows.setdefault(nearest, {"since": nearest.total_seconds()})[f"d{d.delivery_id}"] = (
                value
            )
    table.rows = [rows[key] for key in sorted(rows)]
    return table


def daily_table(report: AnnouncementReport, metric: str) -> Table:
    table = Table(
        "daily",
        _l("%(metric)s gained per day", metric=metric_label(metric)),
        [Column("day", _l("Day"), "date")]
        + [Column(f"d{d.delivery_id}", _delivery_label(d)) for d in report.deliveries],
    )
    for day in report.days:
        row: dict[str, Any] = {"day": day}
        for d in report.deliveries:
            figures = d.daily.get(day)
            if figures is not None:
                row[f"d{d.delivery_id}"] = (
                    interactions(figures) if metric == "interactions" else figures[metric]
                )
        table.rows.append(row)
    return table
