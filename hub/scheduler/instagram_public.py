"""The public Instagram monitor's periodic read (instaloader; optional, off by default).

Registered only while ``HUB_INSTAGRAM_PUBLIC_PROFILE`` is set. The task runs on the ``sync``
queue (``hub.sync.*``), never on ``publish`` or ``actions``, and it never raises: a refused
read (private or unknown profile, rate limit, login wall, a changed page) is logged with its
reason and the next scheduled read tries again, so it cannot hold up or fail other sync work.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from hub.config import Settings
from hub.connectors.instagram_public import MIN_INTERVAL

log = logging.getLogger(__name__)
TASK = "hub.sync.instagram_public.read"


def interval(settings: Settings) -> float:
    """Seconds between reads: as configured, but never more often than hourly."""
    if settings.instagram_public_interval < MIN_INTERVAL:
        log.warning(
            "HUB_INSTAGRAM_PUBLIC_INTERVAL=%s is below %s s; Instagram blocks frequent anonymous "
            "reads, so hub reads hourly",
            settings.instagram_public_interval,
            MIN_INTERVAL,
        )
    return max(float(settings.instagram_public_interval), float(MIN_INTERVAL))


def beat_schedule(settings: Settings) -> dict[str, Any]:
    if not settings.instagram_public_profile:
        return {}
    every = interval(settings)
    # A read that could not start within half an interval is dropped: the next one comes.
    return {
        "instagram-public": {"task": TASK, "schedule": every, "options": {"expires": every / 2}}
    }


@shared_task(name=TASK, acks_late=False)
def read() -> int:
    """One read of the public profile; returns the number of figures stored."""
    from hub.metrics import instagram_public
    from hub.models.types import utcnow

    try:
        outcome = instagram_public.read_and_store(utcnow())
    except Exception:
        # A bug or a database hiccup: logged with its traceback, never retried in a loop.
        log.exception("public Instagram monitor: the read failed")
        return 0
    return outcome.snapshots + (1 if outcome.followers is not None else 0)
