"""``/api/v1/metrics``: engagement figures for the city's systems and its open-data portal.

Everything here is aggregated and free of personal data (no authors, no comments, no users):
figures per channel and day, per announcement, and the open-data rows per announcement,
network and day. Like every API route it needs a bearer token, here of a person allowed to read
the dashboard (managers, admins); the portal pulls with such a token.
"""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
from flask_babel import gettext as _

from hub.api.blueprint import ID, ApiBlueprint, found, user_with
from hub.api.errors import ApiError
from hub.api.metrics_schemas import (
    AnnouncementFiguresOut,
    ChannelsPage,
    OpenDataPage,
    OpenDataQuery,
    RangeQuery,
)
from hub.auth.permissions import Permission
from hub.auth.scopes import Scope
from hub.i18n import local_zone
from hub.metrics import opendata, queries
from hub.metrics.selection import MAX_DAYS, Selection
from hub.models import Announcement
from hub.models.types import utcnow

blp = ApiBlueprint(
    "api_metrics",
    __name__,
    read_scope=Scope.metrics,
    write_scope=Scope.metrics,
    description="Engagement figures (aggregated, no personal data).",
)


def _selection(args: dict[str, Any]) -> Selection:
    recent = Selection.recent(utcnow(), local_zone())
    first, last = args.get("start") or recent.first, args.get("end") or recent.last
    if last < first:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        raise ApiError(
            400, "range_too_long", _("Ask for at most %(days)d days at a time.", days=MAX_DAYS)
        )
    return Selection(first, last, tuple(sorted(set(args.get("channel") or ()))))


@blp.route("/metrics/daily", methods=["GET"])
@blp.arguments(OpenDataQuery, location="query")
@blp.response(200, OpenDataPage)
@blp.errors(400, 403)
def open_data(args: dict[str, Any]) -> Response:
    """Open data: figures per announcement, network and day (CSV with `format=csv`)."""
    user_with(Permission.view_dashboard)
    selection, zone = _selection(args), local_zone()
    if args["format"] == "csv":
        body, mimetype = opendata.csv_chunks(selection, zone), "text/csv"
    else:
        body, mimetype = opendata.json_chunks(selection, zone, utcnow()), "application/json"
    response = Response(stream_with_context(body), mimetype=mimetype)
    name = f"hub-open-data-{selection.first}-{selection.last}.{args['format']}"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@blp.route("/metrics/channels", methods=["GET"])
@blp.arguments(RangeQuery, location="query")
@blp.response(200, ChannelsPage)
@blp.errors(400, 403)
def channels(args: dict[str, Any]) -> dict[str, Any]:
    """Per channel: figures gained per day, posts, followers, and the range's totals."""
    user_with(Permission.view_dashboard)
    overview = queries.overview(_selection(args))
    out = []
    for channel in overview.channels:
        _, last, change = overview.follower_change(channel.id)
        gained = overview.gained.get(channel.id, {})
        followers = overview.followers.get(channel.id, {})
        out.append(
            {
                "channel_id": channel.id,
                "name": channel.name,
                "network": channel.network,
                "totals": overview.totals(channel.id),
                "posts": overview.posts.get(channel.id, 0),
                "followers": last,
                "follower_change": change,
                "days": [
                    {"day": day, **gained.get(day, {}), "followers": followers.get(day)}
                    for day in overview.days
                    if day in gained or day in followers
                ],
            }
        )
    return {
        "first_day": overview.selection.first,
        "last_day": overview.selection.last,
        "channels": out,
    }


@blp.route(f"/metrics/announcements/<{ID}:announcement_id>", methods=["GET"])
@blp.response(200, AnnouncementFiguresOut)
@blp.errors(403, 404)
def announcement(announcement_id: int) -> dict[str, Any]:
    """One announcement's figures to date, per network and in total."""
    user_with(Permission.view_dashboard)
    item = found(Announcement, announcement_id, _("There is no announcement with this id."))
    report = queries.announcement_report(item)
    return {
        "announcement_id": item.id,
        "totals": report.totals,
        "deliveries": [
            {
                "delivery_id": d.delivery_id,
                "channel_id": d.channel.id,
                "network": d.channel.network,
                "url": d.url,
                "published_at": d.published_at,
                "collected_at": d.collected_at,
                "figures": d.figures,
            }
            for d in report.deliveries
        ],
    }
