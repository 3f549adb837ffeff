"""Banners across the top of every admin page: the crisis hold, channels without a login, notices.

The master template calls ``hub_banners()`` on every page. Each feature registers a source with
:func:`banner_source` in its own module; keep each cheap: it runs on every page view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Level = Literal["info", "warning", "danger"]
LEVEL_ORDER = {"danger": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Banner:
    level: Level
    message: str
    link: str | None = None
    link_text: str | None = None


BannerSource = Callable[[], list[Banner]]
_sources: list[BannerSource] = []


def banner_source(source: BannerSource) -> BannerSource:
    """Register ``source`` (a decorator); it is asked for its banners on every page."""
    if source not in _sources:
        _sources.append(source)
    return source


def hub_banners() -> list[Banner]:
    """The banners to show now, most urgent first."""
    banners = [banner for source in _sources for banner in source()]
    return sorted(banners, key=lambda b: LEVEL_ORDER[b.level])
