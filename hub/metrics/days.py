"""Calendar days in the office's time zone, in Python and inside SQL.

A manager's "Tuesday" is a Berlin Tuesday, so the rollups group snapshots by the local date of
their UTC time. PostgreSQL converts with ``AT TIME ZONE``; SQLite knows no time zones, so the
same conversion is registered on each SQLite connection as the SQL function ``hub_local_day``.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

DEFAULT_ZONE = "Europe/Berlin"


def office_zone() -> ZoneInfo:
    """The zone of the running app (``HUB_TIMEZONE``), Berlin outside an app."""
    from flask import current_app, has_app_context

    if has_app_context():
        return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE)
    return ZoneInfo(DEFAULT_ZONE)


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first UTC instant of a local day (23 or 25 hours long around DST switches)."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def day_range(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC covering the local days ``first`` to ``last`` inclusive."""
    return day_start(first, zone), day_start(last + timedelta(days=1), zone)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _sqlite_local_day(value: str | None, zone_name: str) -> str | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return moment.astimezone(_zone(zone_name)).date().isoformat()


def local_day_sql(session: Session, column: str) -> str:
    """SQL for the local date of a naive-UTC ``column``; the zone is a bound ``:zone``.

    On SQLite the function is (re-)registered on the session's connection, which is cheap and
    covers connections opened before this module was imported.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return f"CAST(({column} AT TIME ZONE 'UTC') AT TIME ZONE :zone AS DATE)"
    raw = connection.connection.driver_connection
    if isinstance(raw, sqlite3.Connection):
        raw.create_function("hub_local_day", 2, _sqlite_local_day, deterministic=True)
    return f"hub_local_day({column}, :zone)"
