"""The dashboard's figures computed straight from the snapshots, without the rollups.

This is what the rollups save: the benchmark times it against :mod:`hub.metrics.queries`, and
the tests use it as an independent oracle (the rollups must give the same figures). Only the
snapshots that can matter are read: a delivery is sampled for 90 days, so its figures gained in
the range come from snapshots at most 90 days before the range.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, bindparam, text

from hub.extensions import db
from hub.metrics.days import local_day_sql
from hub.metrics.figures import METRICS, Figures
from hub.metrics.schedule import HORIZON
from hub.metrics.selection import Selection
from hub.models.types import UTCDateTime


def channel_days(selection: Selection, zone: ZoneInfo) -> dict[tuple[int, date], Figures]:
    """Per (channel, day) in the range: the figures gained, summed over the deliveries."""
    start, end = selection.utc_range(zone)
    day = local_day_sql(db.session, "s.collected_at")
    figures = ", ".join(f"s.{name}" for name in METRICS)
    lags = ", ".join(f"LAG(r.{name}) OVER w AS {name}_before" for name in METRICS)
    gains = ", ".join(f"SUM({name} - COALESCE({name}_before, 0)) AS {name}" for name in METRICS)
    channels = "AND d.channel_id IN :channels" if selection.channel_ids else ""
    sql = text(
        f"""
        SELECT channel_id, day, {gains} FROM (
            SELECT r.channel_id, r.day, {", ".join(f"r.{name}" for name in METRICS)}, {lags}
            FROM (
                SELECT s.delivery_id, d.channel_id, {day} AS day, {figures},
                    ROW_NUMBER() OVER (PARTITION BY s.delivery_id, {day}
                                       ORDER BY s.collected_at DESC, s.id DESC) AS rn
                FROM metric_snapshot s JOIN delivery d ON d.id = s.delivery_id
                WHERE s.collected_at >= :scan_from AND s.collected_at < :end {channels}
            ) r
            WHERE r.rn = 1
            WINDOW w AS (PARTITION BY r.delivery_id ORDER BY r.day)
        ) g
        WHERE day >= :first
        GROUP BY channel_id, day
        """  # noqa: S608 (column names and SQL functions are constants)
    )
    sql = sql.bindparams(_moment("scan_from"), _moment("end"), bindparam("first", type_=Date()))
    params: dict[str, Any] = {
        "zone": zone.key,
        "scan_from": start - HORIZON,
        "end": end,
        "first": selection.first,
    }
    if selection.channel_ids:
        sql = sql.bindparams(_expanding("channels"))
        params["channels"] = list(selection.channel_ids)
    out = {}
    for row in db.session.execute(sql, params):
        out[(row.channel_id, _day(row.day))] = {
            name: None if getattr(row, name) is None else int(getattr(row, name))
            for name in METRICS
        }
    return out


def top_announcements(
    selection: Selection, zone: ZoneInfo, metric: str = "views", limit: int = 10
) -> list[tuple[int, Figures]]:
    """Announcements published in the range by ``metric`` to date, from each delivery's newest
    snapshot."""
    if metric not in METRICS:
        raise ValueError(f"cannot rank by {metric}")
    start, end = selection.utc_range(zone)
    channels = "AND d.channel_id IN :channels" if selection.channel_ids else ""
    sums = ", ".join(f"SUM(l.{name}) AS {name}" for name in METRICS)
    sql = text(
        f"""
        SELECT l.announcement_id, {sums} FROM (
            SELECT d.announcement_id, {", ".join(f"s.{name}" for name in METRICS)},
                ROW_NUMBER() OVER (PARTITION BY s.delivery_id
                                   ORDER BY s.collected_at DESC, s.id DESC) AS rn
            FROM metric_snapshot s JOIN delivery d ON d.id = s.delivery_id
            WHERE d.published_at >= :start AND d.published_at < :end {channels}
        ) l
        WHERE l.rn = 1
        GROUP BY l.announcement_id
        ORDER BY SUM(l.{metric}) DESC NULLS LAST, l.announcement_id DESC
        LIMIT :limit
        """  # noqa: S608
    )
    sql = sql.bindparams(_moment("start"), _moment("end"))
    params: dict[str, Any] = {"start": start, "end": end, "limit": limit}
    if selection.channel_ids:
        sql = sql.bindparams(_expanding("channels"))
        params["channels"] = list(selection.channel_ids)
    return [
        (
            row.announcement_id,
            {n: None if getattr(row, n) is None else int(getattr(row, n)) for n in METRICS},
        )
        for row in db.session.execute(sql, params)
    ]


def latest_per_delivery(delivery_ids: list[int]) -> dict[int, Figures]:
    """Each delivery's newest snapshot (what ``metric_total`` keeps)."""
    if not delivery_ids:
        return {}
    sql = text(
        f"""
        SELECT delivery_id, {", ".join(METRICS)} FROM (
            SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.delivery_id
                                           ORDER BY s.collected_at DESC, s.id DESC) AS rn
            FROM metric_snapshot s WHERE s.delivery_id IN :ids
        ) l WHERE rn = 1
        """  # noqa: S608
    ).bindparams(_expanding("ids"))
    return {
        row.delivery_id: {n: getattr(row, n) for n in METRICS}
        for row in db.session.execute(sql, {"ids": delivery_ids})
    }


def _expanding(name: str) -> Any:
    return bindparam(name, expanding=True)


def _moment(name: str) -> Any:
    return bindparam(name, type_=UTCDateTime())


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
