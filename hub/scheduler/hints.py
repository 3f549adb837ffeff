"""Sending hints to workers, always after the commit that made them true.

A hint that cannot be sent (broker down) is logged and dropped: the rows stay ``queued`` and the
dispatcher sends them again, so nothing is lost.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app

from hub.models.types import utcnow
from hub.publishing.pipeline import Outbox

log = logging.getLogger(__name__)


def _send(name: str, *args: object, **options: object) -> None:
    current_app.extensions["celery"].send_task(name, args=args, **options)


def send(outbox: Outbox) -> None:
    try:
        for delivery_id in outbox.publish:
            _send("hub.publish", delivery_id)
        for delivery_id, token in outbox.reconcile:
            _send("hub.reconcile", delivery_id, token)
    except Exception:
        log.exception(
            "broker unreachable: %s hints wait for the next dispatch", len(outbox.publish)
        )


#: How far ahead a dispatch is booked with the broker. Within Redis' visibility timeout (an hour),
#: so a booked task is neither redelivered nor lost; later times are found by the beat.
BOOK_AHEAD = timedelta(minutes=50)


def dispatch_soon(due: datetime | None = None) -> None:
    """Run the dispatcher now (after an approval), or at ``due`` if that is a little ahead,
    rather than at the next beat: a post goes out on its second, not up to a beat later.

    Only a hint: if the broker loses it, the beat dispatches as always.
    """
    now = utcnow()
    options: dict[str, object] = {"expires": 30}
    if due is not None and now < due <= now + BOOK_AHEAD:
        options = {"eta": due, "expires": due + timedelta(seconds=30)}
    try:
        _send("hub.dispatch_due", retry=False, **options)
    except Exception:
        log.warning("broker unreachable; the next beat will dispatch", exc_info=True)
