"""The broker seen from outside: can we reach it, and how many messages wait in each queue.

Asked through kombu's own channel (``queue_declare(passive=True)`` answers with the message
count), so it is the same call for Redis and for the embedded transport, whichever transport
that is (:mod:`hub.scheduler.broker`). Short timeouts: a probe must answer while the broker is
away.
"""

from __future__ import annotations

from celery import Celery
from flask import current_app

from hub.scheduler.app import QUEUES

TIMEOUT = 2.0  # seconds for a probe or a scrape to give up on the broker


def _celery() -> Celery:
    return current_app.extensions["celery"]


def check_reachable() -> None:
    """Raises when the broker cannot be reached within :data:`TIMEOUT`."""
    with _celery().connection_for_read() as connection:
        connection.ensure_connection(max_retries=1, timeout=TIMEOUT)


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each of hub's queues (not counting those a worker holds); raises
    when the broker cannot be reached. A queue that does not exist yet holds nothing."""
    from kombu.exceptions import ChannelError

    lengths: dict[str, int] = {}
    with _celery().connection_for_read() as connection:
        connection.ensure_connection(max_retries=1, timeout=TIMEOUT)
        channel = connection.default_channel
        for name in QUEUES:
            try:
                lengths[name] = channel.queue_declare(queue=name, passive=True).message_count
            except ChannelError:  # never declared: nothing was ever sent to it
                lengths[name] = 0
    return lengths
