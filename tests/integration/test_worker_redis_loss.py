"""A worker's broker connection survives Redis going away while a task message is unacknowledged.

Seen in a chaos run: ``CRITICAL Unrecoverable error: AttributeError("'NoneType' object has no
attribute 'hostname'")`` right after ``Restoring 1 unacknowledged message(s)``, and the worker
stopped. Celery's consumer handles a lost connection by ``collect()``, then ``close()``, ignoring
only connection errors. kombu's Redis transport closes the channels newest first; with the
remote-control channel (Celery's pidbox, a fanout queue it deletes on close) the loop stops at
that channel while Redis is down, the transport is detached from its connection anyway, and the
task channel, closed afterwards, restores its unacknowledged message through the detached
transport: AttributeError, which no one catches. hub's workers open no remote-control channel
(``worker_enable_remote_control`` off; hub never uses ``celery inspect``/``control``).

The test opens the channels a Celery worker opens with hub's configuration, real Redis (a private
server, stopped mid-test), and goes through the consumer's steps.
"""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

from kombu.common import ignore_errors

from hub.config import Settings
from hub.scheduler.app import make_celery
from tests.support import private_redis, wait_until


def test_losing_redis_with_a_task_unacknowledged_leaves_the_worker_running(
    tmp_path: Path,
) -> None:
    with private_redis() as redis_server:
        settings = Settings.from_env(
            {"HUB_DATA_DIR": str(tmp_path), "HUB_BROKER_URL": redis_server.url}
        )
        app = make_celery(settings, set_as_current=False)
        connection = app.connection_for_read()
        # The worker's channels: tasks on the connection's default channel (Celery's Tasks
        # step), and the remote-control mailbox on a channel of its own if enabled (Control).
        received = []
        consumer = connection.Consumer(
            [app.amqp.queues["publish"]], callbacks=[lambda body, message: received.append(message)]
        )
        consumer.consume()
        app.send_task("hub.publish", args=(1,))  # what the dispatcher sends
        if app.conf.worker_enable_remote_control:
            node = app.control.mailbox.Node("w@chaos", channel=connection.channel())
            node.listen()

        def arrived() -> bool:  # one event at a time (the mailbox's subscription is one too)
            with contextlib.suppress(socket.timeout):
                connection.drain_events(timeout=1)
            return bool(received)

        wait_until(arrived, timeout=15, what="the task message")  # running, not yet acked
        with contextlib.suppress(socket.timeout):
            connection.drain_events(timeout=0.3)  # idle: the task channel waits in BRPOP
        redis_server.stop()

        # What Celery's consumer does on a lost connection (on_connection_error_after_connected).
        with contextlib.suppress(Exception):
            connection.collect(socket_timeout=0.25)
        ignore_errors(connection, connection.close)  # anything else stops the worker
