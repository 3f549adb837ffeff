"""Engagement figures: snapshots per delivery on a decaying schedule, account figures, rollups.

Tasks here are thin: they take ids, re-read rows and call the feature package. Task names start
with ``hub.sync.`` (queue ``sync``) or ``hub.action.`` (queue ``actions``).
"""

from __future__ import annotations

from typing import Any

from hub.config import Settings


def beat_schedule(settings: Settings) -> dict[str, Any]:
    return {}
