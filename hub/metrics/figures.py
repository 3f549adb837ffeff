"""The common names of the figures, and what they are called for people.

Every network's own metric names are mapped to these by its connector
(:class:`hub.connectors.base.PostMetrics`); the raw answer is kept next to them in the snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from hub.models.metric_rollups import METRICS

LABELS = {
    "views": _l("Views"),
    "reach": _l("Reach"),
    "likes": _l("Likes / reactions"),
    "comments": _l("Comments"),
    "shares": _l("Shares / reposts"),
    "saves": _l("Saves"),
    "clicks": _l("Clicks"),
}
# What counts as an interaction (views and reach are seeing, not doing).
INTERACTIONS = ("likes", "comments", "shares", "saves", "clicks")

Figures = dict[str, int | None]


def figures_of(row: Any, suffix: str = "") -> Figures:
    """The seven figures of a snapshot, total or rollup row (attribute access)."""
    return {name: getattr(row, f"{name}{suffix}") for name in METRICS}


def figures_from(mapping: Mapping[str, Any], suffix: str = "") -> Figures:
    return {name: _int(mapping.get(f"{name}{suffix}")) for name in METRICS}


def interactions(figures: Mapping[str, int | None]) -> int | None:
    """Likes, comments, shares, saves and clicks added up (None if none of them is known)."""
    known = [figures[name] for name in INTERACTIONS if figures.get(name) is not None]
    return sum(v for v in known if v is not None) if known else None


def add(total: Figures, more: Mapping[str, int | None]) -> Figures:
    """Sum figure by figure; an unknown figure stays unknown until a known one is added."""
    out = dict(total)
    for name in METRICS:
        value = more.get(name)
        if value is not None:
            out[name] = (out.get(name) or 0) + value
    return out


def empty() -> Figures:
    return dict.fromkeys(METRICS)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


__all__ = ["INTERACTIONS", "LABELS", "METRICS", "Figures", "add", "empty", "figures_of"]
