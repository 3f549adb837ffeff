"""Banners across the top of every admin page (the crisis hold will announce itself here).

The master template calls ``hub_banners()`` on every page; each source of a banner adds its
entries to :func:`hub_banners`. Keep each check cheap: it runs on every page view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["info", "warning", "danger"]


@dataclass(frozen=True)
class Banner:
    level: Level
    message: str
    link: str | None = None


def hub_banners() -> list[Banner]:
    """The banners to show now, most urgent first."""
    return []
