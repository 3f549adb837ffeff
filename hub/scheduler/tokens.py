"""Channel logins: refreshing tokens and warning admins before they expire.

Tasks here are thin: they take ids, re-read rows and call :mod:`hub.publishing.tokens`. Task
names start with ``hub.sync.`` (queue ``sync``), so a slow network never delays a post.

- ``hub.sync.refresh_logins`` (daily): refresh what can be refreshed (Instagram long-lived
  tokens, Google and X refresh tokens); a refused refresh marks the channel "needs a new
  login" so its deliveries wait; an expired login does the same. A refresh that failed for
  now marks nothing; the next pass tries again.
- ``hub.sync.refresh_short_logins`` (every 15 minutes): renew short-lived access tokens (X's
  last two hours) that expire within the next 30 minutes, so they never run out between uses.
- ``hub.sync.warn_expiring_logins`` (daily, after the refresh): notify admins 14 and 3 days
  before a login expires, once each.
- ``hub.sync.check_channel`` (on demand): the admin's "Test connection", off the web request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.schedules import crontab

from hub.config import Settings


def beat_schedule(settings: Settings) -> dict[str, Any]:
    day = 24 * 3600
    return {
        "refresh-logins": {
            "task": "hub.sync.refresh_logins",
            # 03:15 UTC: before the press office's day, and away from the full hour.
            "schedule": crontab(hour=3, minute=15),
            "options": {"expires": day / 2},
        },
        "refresh-short-logins": {
            "task": "hub.sync.refresh_short_logins",
            # X's access tokens last two hours; a pass every 15 minutes renews each one at
            # least once in its last half hour, with a missed pass to spare.
            "schedule": timedelta(minutes=15),
            "options": {"expires": 14 * 60},
        },
        "warn-expiring-logins": {
            "task": "hub.sync.warn_expiring_logins",
            "schedule": crontab(hour=3, minute=45),
            "options": {"expires": day / 2},
        },
    }


@shared_task(name="hub.sync.refresh_logins")
def refresh_logins() -> dict[str, int]:
    from hub.publishing import tokens

    return tokens.refresh_due()


@shared_task(name="hub.sync.refresh_short_logins")
def refresh_short_logins() -> dict[str, int]:
    from hub.publishing import tokens

    return tokens.refresh_due(within=tokens.SHORT_PASS_WITHIN)


@shared_task(name="hub.sync.warn_expiring_logins")
def warn_expiring_logins() -> int:
    from hub.publishing import tokens

    return tokens.warn_expiring()


@shared_task(name="hub.sync.check_channel")
def check_channel(channel_id: int) -> bool:
    from hub.extensions import db
    from hub.models import Channel
    from hub.publishing import tokens

    channel = db.session.get(Channel, channel_id)
    return channel is not None and tokens.check_channel(channel).ok
