"""The shapes of ``/api/v1/metrics``: what a client may ask and what it gets back.

Figures are whole numbers or ``null`` (the network does not report that figure: X has no
reach, YouTube no shares), never a made-up 0.
"""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from hub.api.errors import N_
from hub.api.schemas import MAX_ID
from hub.metrics.figures import METRICS
from hub.metrics.opendata import FIELDS
from hub.metrics.selection import MAX_DAYS


def _figures(suffix: str = "", description: str = "") -> dict[str, fields.Field]:
    return {
        f"{name}{suffix}": fields.Integer(allow_none=True, metadata={"description": description})
        for name in METRICS
    }


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
IN_RANGE = validate.Range(EARLIEST, LATEST, error=N_("Not a date hub keeps figures for."))


class RangeQuery(ma.Schema):
    start = fields.Date(
        validate=IN_RANGE,
        metadata={"description": "First day (Europe/Berlin); default: 29 days ago"},
    )
    end = fields.Date(
        validate=IN_RANGE,
        metadata={"description": f"Last day, inclusive (at most {MAX_DAYS} days); default: today"},
    )
    channel = fields.List(
        fields.Integer(validate=validate.Range(1, MAX_ID, error=N_("Not a valid id."))),
        metadata={"description": "Only these channels (repeat the parameter); default: all"},
    )


class OpenDataQuery(RangeQuery):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv"], error=N_("Not an allowed value.")),
        metadata={"description": "`json` (default) or `csv` (text/csv, same columns)"},
    )


OpenDataRow = ma.Schema.from_dict(
    {
        "day": fields.Date(),
        "announcement_id": fields.Integer(),
        "network": fields.String(),
        "account": fields.String(metadata={"description": "The city's account on the network"}),
        "post_url": fields.String(allow_none=True),
        "published_at": fields.DateTime(allow_none=True),
        **_figures(description="Gained that day"),
        **_figures("_total", "Counted by the network at the end of the day"),
    },
    name="OpenDataRow",
)
assert set(OpenDataRow().fields) == set(FIELDS)


class OpenDataMeta(ma.Schema):
    description = fields.String()
    first_day = fields.Date()
    last_day = fields.Date()
    time_zone = fields.String()
    generated_at = fields.DateTime()
    fields_ = fields.List(fields.String(), data_key="fields")


class OpenDataPage(ma.Schema):
    meta = fields.Nested(OpenDataMeta)
    data = fields.List(fields.Nested(OpenDataRow))


ChannelDayOut = ma.Schema.from_dict(
    {
        "day": fields.Date(),
        **_figures(description="Gained that day"),
        "posts": fields.Integer(metadata={"description": "Posts published that day"}),
        "followers": fields.Integer(allow_none=True),
    },
    name="ChannelDayOut",
)
FiguresOut = ma.Schema.from_dict(_figures(), name="FiguresOut")


class ChannelFiguresOut(ma.Schema):
    channel_id = fields.Integer()
    name = fields.String()
    network = fields.String()
    totals = fields.Nested(FiguresOut, metadata={"description": "Gained in the range"})
    posts = fields.Integer()
    followers = fields.Integer(allow_none=True, metadata={"description": "At the range's end"})
    follower_change = fields.Integer(allow_none=True)
    days = fields.List(fields.Nested(ChannelDayOut))


class ChannelsPage(ma.Schema):
    first_day = fields.Date()
    last_day = fields.Date()
    channels = fields.List(fields.Nested(ChannelFiguresOut))


class DeliveryFiguresOut(ma.Schema):
    delivery_id = fields.Integer()
    channel_id = fields.Integer()
    network = fields.String()
    url = fields.String(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    collected_at = fields.DateTime(allow_none=True, metadata={"description": "Of the figures"})
    figures = fields.Nested(FiguresOut)


class AnnouncementFiguresOut(ma.Schema):
    announcement_id = fields.Integer()
    totals = fields.Nested(FiguresOut, metadata={"description": "All networks, to date"})
    deliveries = fields.List(fields.Nested(DeliveryFiguresOut))
