"""What a manager picked: a range of local days and, optionally, some channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hub.metrics.days import day_range, local_day

DEFAULT_DAYS = 30
MAX_DAYS = 366 * 2


@dataclass(frozen=True)
class Selection:
    first: date
    last: date
    channel_ids: tuple[int, ...] = ()  # empty: every channel

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("the range ends before it starts")

    @classmethod
    def recent(cls, now: datetime, zone: ZoneInfo, days: int = DEFAULT_DAYS) -> Selection:
        """The last ``days`` local days up to and including today."""
        today = local_day(now, zone)
        return cls(today - timedelta(days=days - 1), today)

    def utc_range(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        return day_range(self.first, self.last, zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1
