"""The dashboard and an announcement's page, assembled from the queries as tables.

The admin views call :func:`build` and :func:`announcement_page`, render the tables (and charts
drawn from them) and hand the same tables to the exports: nothing is computed twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from hub.metrics import inbox as inbox_figures
from hub.metrics import queries, tables
from hub.metrics.figures import Figures, add, empty, interactions
from hub.metrics.inbox import InboxFigures
from hub.metrics.queries import AnnouncementReport, Overview, TopAnnouncement
from hub.metrics.selection import Selection
from hub.metrics.tables import Table
from hub.models import Announcement

DASHBOARD_TABLES = ("channels", "trend", "followers", "top", "inbox-channels", "inbox-moderators")
ANNOUNCEMENT_TABLES = ("networks", "timeline", "daily")


@dataclass
class Dashboard:
    selection: Selection
    metric: str
    overview: Overview
    top: list[TopAnnouncement]
    inbox: InboxFigures
    tables: dict[str, Table]

    @property
    def totals(self) -> Figures:
        total = empty()
        for channel in self.overview.channels:
            total = add(total, self.overview.totals(channel.id))
        return total

    @property
    def interactions(self) -> int | None:
        return interactions(self.totals)

    @property
    def follower_change(self) -> int | None:
        changes = [self.overview.follower_change(c.id)[2] for c in self.overview.channels]
        known = [c for c in changes if c is not None]
        return sum(known) if known else None


def build(
    selection: Selection,
    zone: ZoneInfo,
    metric: str = "views",
    link_for: Callable[[int], str] | None = None,
    top_limit: int = 10,
) -> Dashboard:
    overview = queries.overview(selection)
    top = queries.top_announcements(selection, zone, metric, top_limit)
    inbox = inbox_figures.inbox_figures(selection, zone)
    built = {
        "channels": tables.channel_table(overview),
        "trend": tables.trend_table(overview, metric),
        "followers": tables.follower_table(overview),
        "top": tables.top_table(top, link_for),
        "inbox-channels": tables.inbox_channel_table(inbox, overview.channels),
        "inbox-moderators": tables.inbox_moderator_table(inbox),
    }
    return Dashboard(selection, metric, overview, top, inbox, built)


@dataclass
class AnnouncementPage:
    report: AnnouncementReport
    metric: str
    tables: dict[str, Table]


def announcement_page(
    announcement: Announcement, metric: str = "views", speedup: float = 1.0
) -> AnnouncementPage:
    report = queries.announcement_report(announcement)
    built = {
        "networks": tables.networks_table(report),
        "timeline": tables.timeline_table(report, metric, speedup),
        "daily": tables.daily_table(report, metric),
    }
    return AnnouncementPage(report, metric, built)
