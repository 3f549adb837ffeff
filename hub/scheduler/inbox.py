"""The shared inbox: syncing comments per channel and carrying out moderation actions.

Tasks here are thin: they take ids, re-read rows and call :mod:`hub.inbox`. Task names start
with ``hub.sync.`` (queue ``sync``) or ``hub.action.`` (queue ``actions``), so a long sync never
delays a reply; the periodic pass ``hub.inbox.dispatch`` is short and runs on ``dispatch``.
Hints are sent only after the transaction that made them true has committed.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from flask import current_app

from hub.config import Settings
from hub.inbox import actions, dispatch, sync
from hub.inbox.dispatch import InboxOutbox

log = logging.getLogger(__name__)


# The inbox's pass has less to do than publishing's: new actions are hinted straight from the
# request, so the pass only finds retries, lost hints, dead workers and channels due a sync.
MIN_PASS_SECONDS = 5.0


def beat_schedule(settings: Settings) -> dict[str, Any]:
    every = max(settings.dispatch_interval, MIN_PASS_SECONDS)
    return {
        "inbox-dispatch": {
            "task": "hub.inbox.dispatch",
            "schedule": every,
            "options": {"expires": every * 3},
        },
        "inbox-prune": {
            "task": "hub.inbox.prune",
            "schedule": 3600.0,
            "options": {"expires": 600},
        },
    }


def _send(name: str, *args: object) -> None:
    current_app.extensions["celery"].send_task(name, args=args)


def send(outbox: InboxOutbox) -> None:
    """Hand the hints to the broker. One that cannot be sent is re-sent by a later pass."""
    try:
        for channel_id, token in outbox.sync:
            _send("hub.sync.channel", channel_id, token)
        for action_id in outbox.run:
            _send("hub.action.run", action_id)
        for action_id, token in outbox.reconcile:
            _send("hub.action.reconcile", action_id, token)
    except Exception:
        log.exception("broker unreachable: inbox hints wait for the next pass")


def run_soon(*action_ids: int) -> None:
    """Carry out these freshly requested actions now (call after the commit)."""
    send(InboxOutbox(run=list(action_ids)))


@shared_task(name="hub.inbox.dispatch", acks_late=False)
def dispatch_inbox() -> int:
    outbox = dispatch.dispatch()
    send(outbox)
    return len(outbox.sync) + len(outbox.run) + len(outbox.reconcile)


@shared_task(name="hub.inbox.prune", acks_late=False)
def prune() -> int:
    return dispatch.prune()


@shared_task(name="hub.sync.channel")
def sync_channel(channel_id: int, token: str) -> str:
    return sync.run_sync(channel_id, token)


@shared_task(name="hub.action.run")
def run_action(action_id: int) -> str:
    return actions.run_action(action_id)


@shared_task(name="hub.action.reconcile")
def reconcile_action(action_id: int, token: str) -> str:
    return actions.reconcile(action_id, token)
