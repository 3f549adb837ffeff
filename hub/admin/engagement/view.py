"""The engagement pages: the dashboard, one announcement's page, the exports.

Thin: the filters are read here, everything else comes from :mod:`hub.metrics`. Only people
with ``Permission.view_dashboard`` (managers, admins) get in, on every route, exports included.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from flask import Response, abort, current_app, request, send_file, stream_with_context, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _

from hub.admin.access import ProtectedView
from hub.admin.engagement import charts
from hub.admin.engagement.filters import QUICK_RANGES, Filters, read_filters
from hub.admin.engagement.format import cell, duration
from hub.auth.permissions import Permission
from hub.extensions import db
from hub.i18n import local_zone
from hub.metrics import dashboard, exports, opendata
from hub.metrics.figures import LABELS
from hub.metrics.queries import SORTABLE, all_channels
from hub.metrics.settings import MetricsSettings
from hub.metrics.tables import channel_label, metric_label
from hub.models import Announcement
from hub.models.types import utcnow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class EngagementView(ProtectedView, BaseView):
    required_permission = Permission.view_dashboard

    def _filters(self) -> tuple[Filters, list[Any]]:
        channels = all_channels()
        return read_filters(request.args, channels, local_zone()), channels

    # -- pages ------------------------------------------------------------------------------

    @expose("/")
    def index(self) -> str:
        filters, channels = self._filters()
        board = dashboard.build(
            filters.selection,
            local_zone(),
            filters.metric,
            link_for=lambda i: url_for(".announcement", announcement_id=i, metric=filters.metric),
        )
        overview = board.overview
        colors = charts.colors_for(overview.channels)
        label = str(metric_label(filters.metric))
        inbox = board.tables["inbox-channels"]
        chart_specs = {
            "trend": charts.line_chart(board.tables["trend"], label, colors),
            "followers": charts.line_chart(board.tables["followers"], _("Followers"), colors),
            "channels": charts.bar_chart(
                [channel_label(c) for c in overview.channels],
                [row.get(filters.metric) for row in board.tables["channels"].rows],
                label,
                [colors[f"c{c.id}"] for c in overview.channels],
            ),
            "inbox": charts.bar_chart(
                [row["name"] for row in inbox.rows[:-1]],
                [
                    None if row["median_wait"] is None else round(row["median_wait"] / 60)
                    for row in inbox.rows[:-1]
                ],
                _("Median minutes to first answer"),
                [colors[f"c{c.id}"] for c in overview.channels],
            ),
        }
        return self.render(
            "admin/engagement/dashboard.html",
            board=board,
            filters=filters,
            channels=channels,
            charts=chart_specs,
            metrics=[(m, metric_label(m)) for m in SORTABLE],
            quick_ranges=QUICK_RANGES,
            cell=cell,
            duration=duration,
            labels=LABELS,
        )

    @expose("/announcements/<int:announcement_id>")
    def announcement(self, announcement_id: int) -> str:
        filters, _channels = self._filters()
        item = db.session.get(Announcement, announcement_id) or abort(404)
        page = dashboard.announcement_page(item, filters.metric, self._speedup())
        colors = charts.colors_for([d.channel for d in page.report.deliveries], prefix="d")
        colors = {f"d{d.delivery_id}": colors[f"d{d.channel.id}"] for d in page.report.deliveries}
        label = str(metric_label(filters.metric))
        networks = page.tables["networks"]
        chart_specs = {
            "timeline": charts.timeline_chart(
                page.tables["timeline"], label, colors, _("Hours since publication")
            ),
            "daily": charts.line_chart(page.tables["daily"], label, colors),
            "networks": charts.bar_chart(
                [str(c.label) for c in networks.columns[1:-1]],
                [
                    next(r for r in networks.rows if r["key"] == filters.metric).get(c.key)
                    for c in networks.columns[1:-1]
                ],
                label,
                [colors[c.key] for c in networks.columns[1:-1]],
            ),
        }
        return self.render(
            "admin/engagement/announcement.html",
            page=page,
            announcement=item,
            filters=filters,
            charts=chart_specs,
            metrics=[(m, metric_label(m)) for m in SORTABLE],
            cell=cell,
        )

    # -- exports ----------------------------------------------------------------------------

    @expose("/export/<table>.<fmt>")
    def export(self, table: str, fmt: str) -> Response:
        filters, _channels = self._filters()
        board = dashboard.build(filters.selection, local_zone(), filters.metric)
        wanted = list(board.tables) if table == "all" else [table]
        if any(key not in board.tables for key in wanted):
            abort(404)
        stem = f"hub-{table}-{filters.selection.first}-{filters.selection.last}"
        return self._file([board.tables[key] for key in wanted], fmt, stem)

    @expose("/announcements/<int:announcement_id>/export/<table>.<fmt>")
    def announcement_export(self, announcement_id: int, table: str, fmt: str) -> Response:
        filters, _channels = self._filters()
        item = db.session.get(Announcement, announcement_id) or abort(404)
        page = dashboard.announcement_page(item, filters.metric, self._speedup())
        wanted = list(page.tables) if table == "all" else [table]
        if any(key not in page.tables for key in wanted):
            abort(404)
        return self._file(
            [page.tables[key] for key in wanted], fmt, f"hub-announcement-{item.id}-{table}"
        )

    @expose("/open-data.<fmt>")
    def open_data(self, fmt: str) -> Response:
        filters, _channels = self._filters()
        zone, selection = local_zone(), filters.selection
        stem = f"hub-open-data-{selection.first}-{selection.last}"
        if fmt == "csv":
            body = opendata.csv_chunks(selection, zone)
            mimetype = "text/csv"
        elif fmt == "json":
            body = opendata.json_chunks(selection, zone, utcnow())
            mimetype = "application/json"
        else:
            abort(404)
        response = Response(stream_with_context(body), mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
        return response

    def _file(self, tables: list[Any], fmt: str, stem: str) -> Response:
        zone = local_zone()
        if fmt == "csv" and len(tables) == 1:
            body, mimetype = exports.csv_bytes(tables[0], zone), "text/csv; charset=utf-8"
        elif fmt == "xlsx":
            body, mimetype = exports.xlsx_bytes(tables, zone), XLSX
        else:
            abort(404)
        response = Response(body, mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
        return response

    # -- the chart library ------------------------------------------------------------------

    @expose("/assets/plotly.min.js")
    def plotly(self) -> Response:
        """plotly.js as shipped in the ``plotly`` package: served by hub, never from a CDN."""
        bundle = resources.files("plotly") / "package_data" / "plotly.min.js"
        with resources.as_file(bundle) as path:
            response = send_file(path, mimetype="text/javascript", max_age=86400 * 30)
        return response

    def _speedup(self) -> float:
        return MetricsSettings.from_settings(current_app.config["HUB_SETTINGS"]).speedup
