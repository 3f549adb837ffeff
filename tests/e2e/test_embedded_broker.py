"""The embedded broker under several writing processes at once: every hint arrives, once, and
reading never fails.

kombu's file-system transport created a message's file empty and wrote it afterwards; a worker
polling in that moment read an empty file and stopped with ``Unrecoverable error:
JSONDecodeError`` (issue 13, seen in a ten-minute demo run). The same gap was in the exchange
tables that processes write when they first declare a queue. Here real processes send through
hub's own Celery app while this process reads as fast as it can, which opens the gap thousands of
times a second instead of once in ten minutes.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from kombu import Exchange, Queue

from hub.config import Settings
from hub.scheduler.app import make_celery

pytestmark = pytest.mark.e2e

SENDERS = 2  # processes
THREADS = 2  # threads per process, as in the web app and the worker
HINTS = 250  # per thread
PROCESSES, ATTEMPTS = 8, 20  # processes starting at once on a fresh data dir; how often
PACE = 0.003  # seconds between one thread's hints: the queue stays short, as in real use


def _settings(data_dir: str) -> Settings:
    return Settings.from_env({"HUB_DATA_DIR": data_dir})


def _send_hints(data_dir: str, sender: int, start: float) -> None:
    """What the web app and a worker do: hints through hub's Celery app, from several threads."""
    app = make_celery(_settings(data_dir), set_as_current=False)

    def send(thread: int) -> None:
        first = (sender * THREADS + thread) * HINTS
        for delivery_id in range(first, first + HINTS):
            app.send_task("hub.publish", args=(delivery_id,))
            time.sleep(PACE)

    while time.time() < start:  # every sender begins at the same moment
        pass
    threads = [threading.Thread(target=send, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _bind_and_send(
    data_dir: str, sender: int, start: Barrier, errors: multiprocessing.Queue
) -> None:
    """A process starting on a fresh data dir: declares queues bound to one exchange (as every
    worker's remote-control queue is) and sends to them."""
    app = make_celery(_settings(data_dir), set_as_current=False)
    exchange = Exchange("shared", "direct")
    start.wait()  # every process at the same moment
    try:
        with app.connection_for_write() as conn:
            producer = conn.Producer()
            for n in range(12):
                name = f"q{(sender + n) % 6}"
                queue = Queue(name, exchange, routing_key=name)
                producer.publish(
                    {"sender": sender}, exchange=exchange, routing_key=name, declare=[queue]
                )
    except Exception as exc:
        errors.put(f"{type(exc).__name__}: {exc}")


def test_every_hint_arrives_once_while_a_worker_polls(tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")
    app = make_celery(_settings(data_dir), set_as_current=False)
    spawn = multiprocessing.get_context("spawn")
    start = time.time() + 3  # time for the senders to import hub
    senders = [spawn.Process(target=_send_hints, args=(data_dir, n, start)) for n in range(SENDERS)]
    for sender in senders:
        sender.start()
    received: list[int] = []
    failures: list[str] = []
    expected = SENDERS * THREADS * HINTS
    deadline = time.monotonic() + 120
    with app.connection_for_read() as conn:
        conn.default_channel.queue_declare("publish")
        # A worker's read, without its pause between empty polls: the gap is hit far more often.
        while len(received) + len(failures) < expected and time.monotonic() < deadline:
            try:
                message = conn.default_channel.basic_get("publish", no_ack=True)
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
                continue
            if message is not None:
                args, _kwargs, _embed = message.decode()
                received.append(args[0])
    for sender in senders:
        sender.join(timeout=30)
    assert all(sender.exitcode == 0 for sender in senders)
    assert failures == [], f"{len(failures)} reads failed, e.g. {failures[:3]}"
    assert sorted(received) == list(range(expected))


def test_processes_declaring_queues_at_once_on_a_fresh_data_dir(tmp_path: Path) -> None:
    fork = multiprocessing.get_context("fork")  # starts at once: hub is imported already
    failures: list[str] = []
    for attempt in range(ATTEMPTS):
        data_dir = str(tmp_path / f"data{attempt}")
        make_celery(_settings(data_dir), set_as_current=False)  # creates the broker's folders
        errors = fork.Queue()
        start = fork.Barrier(PROCESSES)
        senders = [
            fork.Process(target=_bind_and_send, args=(data_dir, n, start, errors))
            for n in range(PROCESSES)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(timeout=60)
        while not errors.empty():
            failures.append(errors.get())
        app = make_celery(_settings(data_dir), set_as_current=False)
        with app.connection_for_read() as conn:
            channel = conn.default_channel
            stored = sum(
                channel.queue_declare(f"q{n}", passive=True).message_count for n in range(6)
            )
        if stored != PROCESSES * 12:
            failures.append(f"{PROCESSES * 12 - stored} messages routed nowhere")
    assert failures == []


def test_a_data_dir_written_by_an_older_hub_is_read_and_a_broken_file_set_aside(
    tmp_path: Path,
) -> None:
    """Messages and tables that kombu's own transport wrote (hub before issue 13) are read; an
    empty message file (what a sender killed while writing left behind) is set aside, not a
    reason to stop."""
    settings = _settings(str(tmp_path / "data"))
    older = make_celery(settings, set_as_current=False)
    older.conf.broker_transport = "filesystem"  # kombu's transport, as hub used it before
    for delivery_id in (1, 2, 3):
        older.send_task("hub.publish", args=(delivery_id,))
    queue = settings.data_dir / "broker" / "queue"
    (queue / "0_00000000-0000-0000-0000-000000000000.publish.msg").write_bytes(b"")

    app = make_celery(settings, set_as_current=False)
    received = []
    with app.connection_for_read() as conn:
        while (message := conn.default_channel.basic_get("publish", no_ack=True)) is not None:
            received.append(message.decode()[0][0])
    assert sorted(received) == [1, 2, 3]
    assert [p.name for p in (settings.data_dir / "broker" / "unreadable").iterdir()] == [
        "0_00000000-0000-0000-0000-000000000000.publish.msg"
    ]
    assert list(queue.iterdir()) == []
