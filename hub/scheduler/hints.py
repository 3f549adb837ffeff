"""Sending hints to workers, always after the commit that made them true.

A hint that cannot be sent (broker down) is logged and dropped: the rows stay ``queued`` and the
dispatcher sends them again, so nothing is lost.
"""

from __future__ import annotations

import logging

from flask import current_app

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


def dispatch_soon() -> None:
    """Run the dispatcher now (after an approval) rather than at the next beat."""
    try:
        _send("hub.dispatch_due", expires=30, retry=False)
    except Exception:
        log.warning("broker unreachable; the next beat will dispatch", exc_info=True)
