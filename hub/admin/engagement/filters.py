"""Reading the dashboard's filters from the query string, forgiving what people type.

A missing or unreadable date falls back to the last 30 days, an inverted range is swapped, and
unknown channel ids are dropped: a bookmarked link keeps working after a channel is removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from werkzeug.datastructures import MultiDict

from hub.metrics.queries import SORTABLE, ChannelInfo
from hub.metrics.selection import DEFAULT_DAYS, MAX_DAYS, Selection
from hub.models.types import utcnow

QUICK_RANGES = (7, 30, 90, 365)


@dataclass(frozen=True)
class Filters:
    selection: Selection
    metric: str

    def args(self, **changes: object) -> dict[str, object]:
        """The query string that reproduces these filters (for links and exports)."""
        args: dict[str, object] = {
            "start": self.selection.first.isoformat(),
            "end": self.selection.last.isoformat(),
            "metric": self.metric,
        }
        if self.selection.channel_ids:
            args["channel"] = list(self.selection.channel_ids)
        args.update(changes)
        return args


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _date(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return None if day is None else min(max(day, EARLIEST), LATEST)


def read_filters(args: MultiDict[str, str], channels: list[ChannelInfo], zone: ZoneInfo) -> Filters:
    recent = Selection.recent(utcnow(), zone, DEFAULT_DAYS)
    days = args.get("days", type=int)
    first, last = _date(args.get("start")), _date(args.get("end"))
    if days and days > 0:
        last = recent.last
        first = last - timedelta(days=min(days, MAX_DAYS) - 1)
    first, last = first or recent.first, last or recent.last
    if last < first:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        first = last - timedelta(days=MAX_DAYS - 1)
    known = {c.id for c in channels}
    chosen = tuple(sorted({i for i in args.getlist("channel", type=int) if i in known}))
    metric = args.get("metric") or "views"
    if metric not in SORTABLE:
        metric = "views"
    return Filters(Selection(first, last, chosen), metric)
