"""Chart specifications (plotly.js figures as JSON) drawn from the dashboard's tables.

The figures are plain dicts: the page embeds them as ``application/json`` data blocks and
``engagement.js`` draws them with the plotly.js bundle shipped inside the ``plotly`` Python
package (no CDN). Every chart is drawn from a :class:`~hub.metrics.tables.Table` that is shown
beside it, so what the chart says can always be read as numbers too.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import get_locale

from hub.metrics.queries import ChannelInfo
from hub.metrics.tables import Table

NETWORK_COLORS = {
    "facebook": "#1877f2",
    "instagram": "#c13584",
    "x": "#14171a",
    "youtube": "#e00000",
    "flickr": "#ff0084",
    "bluesky": "#1185fe",
    "linkedin": "#0a66c2",
    "mastodon": "#6364ff",
    "threads": "#000000",
}
SPARE_COLORS = ("#2a9d8f", "#e9c46a", "#f4a261", "#6d597a", "#8ab17d", "#b56576")


def colors_for(channels: list[ChannelInfo], prefix: str = "c") -> dict[str, str]:
    """One colour per series: the network's own for its first channel, then spare ones."""
    taken: set[str] = set()
    spare = iter(SPARE_COLORS * 4)
    out = {}
    for channel in channels:
        color = NETWORK_COLORS.get(channel.network)
        if color is None or color in taken:
            color = next(spare)
        taken.add(color)
        out[f"{prefix}{channel.id}"] = color
    return out


def _layout(y_title: str, **extra: Any) -> dict[str, Any]:
    german = str(get_locale() or "de").startswith("de")
    layout: dict[str, Any] = {
        "margin": {"l": 60, "r": 10, "t": 10, "b": 50},
        "height": 320,
        "separators": ",." if german else ".,",
        "legend": {"orientation": "h", "y": -0.2},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", "tickformat": ",d"},
        "hovermode": "x unified",
        "font": {"family": "system-ui, sans-serif", "size": 12},
    }
    layout.update(extra)
    return layout


def _x(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def line_chart(table: Table, y_title: str, colors: dict[str, str], **layout: Any) -> dict[str, Any]:
    """One line per column after the first; the first column is the x axis."""
    x_column, *series = table.columns
    x = [_x(row.get(x_column.key)) for row in table.rows]
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": str(column.label),
            "x": x,
            "y": [row.get(column.key) for row in table.rows],
            "line": {"color": colors.get(column.key), "width": 2},
            "marker": {"size": 5},
            "connectgaps": False,
        }
        for column in series
    ]
    if x_column.kind == "date":
        step = max(1, len(x) // 10) * 86_400_000  # whole days between ticks
        layout.setdefault("xaxis", {"type": "date", "tickformat": "%d.%m.", "dtick": step})
    return {"data": data, "layout": _layout(y_title, **layout)}


def bar_chart(
    labels: list[str], values: list[Any], y_title: str, colors: list[str] | None = None
) -> dict[str, Any]:
    return {
        "data": [
            {
                "type": "bar",
                "x": labels,
                "y": values,
                "marker": {"color": colors} if colors else {},
                "hovertemplate": "%{x}: %{y:,d}<extra></extra>",
            }
        ],
        "layout": _layout(y_title, hovermode="closest", showlegend=False),
    }


def timeline_chart(
    table: Table, y_title: str, colors: dict[str, str], x_title: str
) -> dict[str, Any]:
    """The networks by the post's age: hours since publication on a log axis, so the first
    hours (snapshots every 15 minutes) and the last weeks fit in one chart."""
    hours = Table(
        table.key,
        table.title,
        table.columns,
        [{**row, "since": (row.get("since") or 0) / 3600} for row in table.rows],
    )
    spec = line_chart(hours, y_title, colors)
    spec["layout"]["xaxis"] = {"type": "log", "title": {"text": x_title, "standoff": 4}}
    spec["layout"]["legend"] = {"orientation": "h", "y": -0.35}
    spec["layout"]["margin"]["b"] = 80
    return spec
