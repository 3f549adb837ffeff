"""The open-data export: figures per announcement, network and day, for the city's portal.

No personal data, by construction: the rows are built from the rollups (figures only) and the
public side of each delivery (the network, the city's account name, the post's public link).
No author or approver, no internal title or text, no comment, no user ever enters a row.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hub.extensions import db
from hub.metrics.exports import safe_text
from hub.metrics.figures import METRICS
from hub.metrics.selection import Selection
from hub.models import Channel, Delivery, MetricDaily

FIELDS = (
    "day",
    "announcement_id",
    "network",
    "account",
    "post_url",
    "published_at",
    *METRICS,
    *(f"{name}_total" for name in METRICS),
)
DESCRIPTION = (
    "Engagement of the city's announcements on social networks, per announcement, network "
    "and day (calendar days in {zone}). views..clicks: gained that day; *_total: counted by "
    "the network at the end of the day. Empty: the network does not report this figure."
)


def rows(selection: Selection, zone: ZoneInfo) -> Iterator[dict[str, Any]]:
    stmt = (
        select(MetricDaily, Delivery.url, Delivery.published_at, Channel.network, Channel.name)
        .join(Delivery, Delivery.id == MetricDaily.delivery_id)
        .join(Channel, Channel.id == MetricDaily.channel_id)
        .where(MetricDaily.day >= selection.first, MetricDaily.day <= selection.last)
        .order_by(MetricDaily.day, MetricDaily.announcement_id, Channel.network, Channel.id)
        .execution_options(yield_per=2000)
    )
    if selection.channel_ids:
        stmt = stmt.where(MetricDaily.channel_id.in_(selection.channel_ids))
    for daily, url, published_at, network, account in db.session.execute(stmt):
        row: dict[str, Any] = {
            "day": daily.day.isoformat(),
            "announcement_id": daily.announcement_id,
            "network": network,
            "account": account,
            "post_url": url,
            "published_at": _utc(published_at),
        }
        for name in METRICS:
            end = getattr(daily, name)
            row[name] = None if end is None else end - (getattr(daily, f"{name}_before") or 0)
            row[f"{name}_total"] = end
        yield row


def meta(selection: Selection, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    return {
        "description": DESCRIPTION.format(zone=zone.key),
        "first_day": selection.first.isoformat(),
        "last_day": selection.last.isoformat(),
        "time_zone": zone.key,
        "generated_at": _utc(now),
        "fields": list(FIELDS),
    }


def csv_chunks(selection: Selection, zone: ZoneInfo) -> Iterator[str]:
    """The CSV, streamed in chunks (plain UTF-8, comma-separated, a header line); a text that
    starts like a formula gets a leading apostrophe, as in the dashboard's exports."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    for n, row in enumerate(rows(selection, zone), start=1):
        # Text that starts like a formula is kept as text in a spreadsheet (the JSON is as is).
        writer.writerow({k: safe_text(v) if isinstance(v, str) else v for k, v in row.items()})
        if n % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def json_chunks(selection: Selection, zone: ZoneInfo, now: datetime) -> Iterator[str]:
    """``{"meta": {...}, "data": [rows]}``, streamed."""
    yield '{"meta": ' + json.dumps(meta(selection, zone, now), ensure_ascii=False) + ', "data": ['
    for n, row in enumerate(rows(selection, zone)):
        yield ("," if n else "") + json.dumps(row, ensure_ascii=False)
    yield "]}"


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
