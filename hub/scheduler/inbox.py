"""The shared inbox: syncing comments per channel and carrying out moderation actions.

Tasks here are thin: they take ids, re-read rows and call the feature package. Task names start
with ``hub.sync.`` (queue ``sync``) or ``hub.action.`` (queue ``actions``).
"""

from __future__ import annotations

from typing import Any

from hub.config import Settings


def beat_schedule(settings: Settings) -> dict[str, Any]:
    return {}
