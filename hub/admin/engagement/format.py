"""How a table value reads on the page, in the viewer's language and Berlin time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import format_date, format_datetime, format_decimal, format_percent
from flask_babel import gettext as _

DASH = "–"


def duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(minutes)d min", minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        if not minutes:
            return _("%(hours)d h", hours=hours)
        return _("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    days, hours = divmod(hours, 24)
    return _("%(days)d d %(hours)d h", days=days, hours=hours)


def cell(value: Any, kind: str) -> str:
    """Text for one cell; None (not reported) is a dash, never 0."""
    if value is None:
        return DASH
    if kind == "duration":
        return duration(float(value))
    if kind == "percent":
        return format_percent(value, "#,##0.0%")
    if isinstance(value, datetime):
        return format_datetime(value, "short")
    if isinstance(value, date):
        return format_date(value, "medium")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_decimal(value)
    return str(value)
