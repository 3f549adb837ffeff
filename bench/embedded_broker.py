"""Benchmark: the embedded broker's candidates, side by side, before choosing one.

- ``kombu``: kombu's file-system transport as it is (what hub used before issue 13);
- ``hub``: the same folders, every file written whole (``hub/scheduler/broker.py``);
- ``sqlite``: kombu's SQLAlchemy transport on a SQLite file in WAL mode, polled as often (0.2 s).

For each: (1) reads that failed while two processes send as a worker polls without pause (the
race behind ``Unrecoverable error: JSONDecodeError``); (2) a real hub worker (8 threads, every
queue) idle for ``--idle`` seconds: its CPU; (3) ``--hints`` hints (``hub.publish`` of a
delivery that does not exist: one database read) sent by ``--threads`` threads: hints per second
from the first send to the last task done, and whether the worker survived.

    python bench/embedded_broker.py --hints 2000 --idle 30
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from celery import Celery  # noqa: E402
from kombu.transport import sqlalchemy as kombu_sqlalchemy  # noqa: E402
from processes import cpu_seconds, rss_mb  # noqa: E402

from hub.config import Settings  # noqa: E402
from hub.database import upgrade  # noqa: E402
from hub.scheduler.app import make_celery  # noqa: E402
from hub.serving import worker_command  # noqa: E402

TRANSPORTS = ("kombu", "hub", "sqlite")


class SqliteTransport(kombu_sqlalchemy.Transport):  # type: ignore[misc]
    """kombu's SQLAlchemy transport, polling as often as the file-system one (0.2 s, not 1 s;
    its transport options all go to ``create_engine``, so it cannot be set there)."""

    polling_interval = 0.2


STALL = 30.0  # seconds without a hint done: the rest is lost


def bench_celery(settings: Settings | None = None, transport: str | None = None) -> Celery:
    """hub's Celery app with the broker ``transport`` (``$BENCH_TRANSPORT`` by default)."""
    settings = settings or Settings.from_env()
    transport = transport or os.environ.get("BENCH_TRANSPORT", "hub")
    app = make_celery(settings, set_as_current=False)
    if transport == "kombu":
        app.conf.broker_transport = "filesystem"
    elif transport == "sqlite":
        database = settings.data_dir / "broker.sqlite"
        with sqlite3.connect(database) as conn:  # WAL: readers do not wait for the writer
            conn.execute("PRAGMA journal_mode=WAL")
        app.conf.broker_url = f"sqlite:///{database}"
        app.conf.broker_transport = "embedded_broker:SqliteTransport"
        app.conf.broker_transport_options = {}
    return app


def __getattr__(name: str) -> Any:
    # ``celery -A embedded_broker`` (the worker under test) looks up ``celery``.
    if name == "celery":
        global celery
        celery = bench_celery()
        return celery
    raise AttributeError(name)


def _send(data_dir: str, transport: str, first: int, count: int, start: float) -> None:
    """One sending process: two threads, as in the web app and the worker."""
    app = bench_celery(Settings.from_env({"HUB_DATA_DIR": data_dir}), transport)

    def send(ids: range) -> None:
        for delivery_id in ids:
            app.send_task("hub.publish", args=(delivery_id,))
            time.sleep(0.003)  # the queue stays short, as in real use: the race needs that

    half = count // 2
    threads = [
        threading.Thread(target=send, args=(range(first + n * half, first + (n + 1) * half),))
        for n in range(2)
    ]
    while time.time() < start:
        pass
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def race(data_dir: Path, transport: str, hints: int) -> tuple[int, int]:
    """Two processes send ``hints`` while this one reads without pause: (failed reads, lost)."""
    app = bench_celery(Settings.from_env({"HUB_DATA_DIR": str(data_dir)}), transport)
    fork = multiprocessing.get_context("fork")
    start = time.time() + 0.5
    half = hints // 4 * 2
    senders = [
        fork.Process(target=_send, args=(str(data_dir), transport, n * half, half, start))
        for n in range(2)
    ]
    for sender in senders:
        sender.start()
    received, failed = set(), 0
    deadline = time.monotonic() + 120
    with app.connection_for_read() as conn:
        channel = conn.default_channel
        channel.queue_declare("publish")
        while len(received) + failed < 2 * half and time.monotonic() < deadline:
            try:
                message = channel.basic_get("publish", no_ack=True)
            except Exception:
                failed += 1
                continue
            if message is not None:
                received.add(message.decode()[0][0])
    for sender in senders:
        sender.join()
    return failed, 2 * half - len(received)


def count_done(log: Path) -> int:
    text = log.read_text(errors="replace")
    return len(re.findall(r"Task hub\.publish\[[^\]]+\] succeeded", text))


def worker_run(data_dir: Path, transport: str, hints: int, threads: int, idle: float) -> dict:
    """A real worker: idle CPU, then ``hints`` hints end to end."""
    settings = Settings.from_env({"HUB_DATA_DIR": str(data_dir)})
    upgrade(settings.database_url)
    app = bench_celery(settings, transport)
    command = worker_command(settings, concurrency=8, name=f"bench-{transport}@%h")
    command[4] = "embedded_broker:celery"
    env = {
        **os.environ,
        "HUB_DATA_DIR": str(data_dir),
        "BENCH_TRANSPORT": transport,
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)]),
    }
    log = data_dir / "worker.log"
    with log.open("ab") as out:
        worker = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text(errors="replace"):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{transport}: the worker did not start\n{log.read_text()}")
            time.sleep(0.2)
        before = cpu_seconds(worker.pid)
        time.sleep(idle)  # the measurement itself: the worker's CPU while nothing happens
        idle_cpu = (cpu_seconds(worker.pid) - before) / idle

        started = time.monotonic()
        per_thread = hints // threads

        def send(n: int) -> None:
            for i in range(per_thread):
                app.send_task("hub.publish", args=(1_000_000 + n * per_thread + i,))

        senders = [threading.Thread(target=send, args=(n,)) for n in range(threads)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        total = per_thread * threads
        # Until every hint is done, or none was done for STALL seconds: a transport that lost a
        # hint (kombu's own, reading a half-written file) would otherwise keep the bench
        # waiting for good.
        done, progress_at = 0, time.monotonic()
        while done < total and worker.poll() is None:
            if (now_done := count_done(log)) > done:
                done, progress_at = now_done, time.monotonic()
            elif time.monotonic() - progress_at > STALL:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        return {
            "idle_cpu": idle_cpu,
            "rate": done / elapsed,
            "done": done,
            "total": total,
            "alive": worker.poll() is None,
            "rss": rss_mb(worker.pid) if worker.poll() is None else 0.0,
            "unrecoverable": log.read_text(errors="replace").count("Unrecoverable error"),
        }
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def broker_size(data_dir: Path, transport: str) -> str:
    if transport == "sqlite":
        with sqlite3.connect(data_dir / "broker.sqlite") as conn:
            rows = conn.execute("SELECT count(*) FROM kombu_message").fetchone()[0]
        size = sum(p.stat().st_size for p in data_dir.glob("broker.sqlite*"))
        return f"{rows} rows kept, {size / 1024:.0f} KiB"
    files = sum(1 for p in (data_dir / "broker").rglob("*") if p.is_file())
    return f"{files} files left"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transports", default=",".join(TRANSPORTS))
    parser.add_argument("--race-hints", type=int, default=1000)
    parser.add_argument("--hints", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--idle", type=float, default=30.0, help="seconds the worker idles")
    parser.add_argument("--rounds", type=int, default=2, help="the best round is shown")
    args = parser.parse_args()

    transports = args.transports.split(",")
    rows = {name: [] for name in transports}
    with tempfile.TemporaryDirectory() as tmp:
        # Rounds take turns: a machine busy with other work slows every candidate alike.
        for n in range(args.rounds):
            for transport in transports:
                race_dir = Path(tmp) / f"race-{transport}-{n}"
                failed, lost = race(race_dir, transport, args.race_hints)
                data_dir = Path(tmp) / f"worker-{transport}-{n}"
                result = worker_run(data_dir, transport, args.hints, args.threads, args.idle)
                size = broker_size(data_dir, transport)
                rows[transport].append((failed, lost, result, size))
    print(
        f"{args.race_hints} hints raced, {args.hints} hints to a worker ({args.threads} senders); "
        f"failures and losses summed over {args.rounds} rounds, speed and CPU of the best round"
    )
    print(
        f"{'transport':<10} {'failed reads':>12} {'lost':>5} {'idle CPU':>9} {'hints/s':>8} "
        f"{'done':>11} {'worker':>7} {'RSS MiB':>8}  broker afterwards"
    )
    for transport, runs in rows.items():
        failed = sum(run[0] for run in runs)
        lost = sum(run[1] for run in runs)
        r = max((run[2] for run in runs), key=lambda result: result["rate"])
        r["idle_cpu"] = min(run[2]["idle_cpu"] for run in runs)
        size = runs[-1][3]
        worker = "alive" if all(run[2]["alive"] for run in runs) else "died"
        print(
            f"{transport:<10} {failed:>12} {lost:>5} {r['idle_cpu']:>8.1%} {r['rate']:>8.1f} "
            f"{r['done']:>5}/{r['total']:<5} {worker:>7} {r['rss']:>8.0f}  {size}"
        )


if __name__ == "__main__":
    main()
