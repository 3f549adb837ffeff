"""Chaos benchmark: hundreds of deliveries while workers, beat and Redis keep failing.

PostgreSQL and a private Redis (``redis-server`` on a free port, so wiping it disturbs nobody);
``--workers`` ``hub worker`` processes and one ``hub beat``, started as in production; the sandbox
as the networks, answering every post after ``--latency-ms``. While the announcements fall due
(spread over ``--spread`` seconds):

- every ``--kill-every`` seconds (a random time in that range) one worker is killed with SIGKILL,
  mid-publish, and started again a second later, as systemd's ``Restart=always`` would;
- once, a third into the run, beat is killed, started again, and Redis is emptied (FLUSHALL) while
  the new beat waits for the dead beat's lock: the sequence that once stopped publishing for good;
- ``--redis-restarts`` times (two thirds in), Redis itself goes away for ``--redis-down`` seconds
  and comes back empty (a restart without persistence).

Then it waits until every delivery has ended (or ``--deadline``) and prints deliveries,
duplicates (posts on the network more than once) and lost (deliveries whose post is not on the
network and about which nobody was told: still waiting, or dropped), both to reach 0; then the
deliveries' states, any a person must look at (needs review: a worker killed after it took the
delivery and before its post reached the network; hub asks instead of posting blindly), worker
crashes in the logs, and the due-to-published lag.

    python bench/chaos.py --announcements 150 --kill-every 2-4
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import PASSWORD, drop_database, fresh_database  # noqa: E402

from hub import create_app  # noqa: E402
from hub.auth.users import create_user, sync_roles  # noqa: E402
from hub.config import Settings  # noqa: E402
from hub.database import upgrade  # noqa: E402
from hub.extensions import db  # noqa: E402
from hub.models import Announcement, Channel, Delivery, DeliveryState  # noqa: E402
from hub.models.types import utcnow  # noqa: E402
from hub.publishing import workflow  # noqa: E402
from hub.publishing.compose import AnnouncementInput, save_announcement  # noqa: E402
from hub.sandbox.client import SandboxControl  # noqa: E402
from hub.sandbox.server import start_process  # noqa: E402
from hub.scheduler.app import beat_schedule  # noqa: E402

NETWORKS = ("x", "facebook")
FINAL = {DeliveryState.published, DeliveryState.failed, DeliveryState.needs_review}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Redis:
    """A private redis-server that can be stopped, started (empty) and wiped."""

    def __init__(self) -> None:
        self.port = free_port()
        self.server: subprocess.Popen[bytes] | None = None
        self.client = redis.Redis(port=self.port, socket_timeout=5)
        self.start()
        atexit.register(self.stop)

    def start(self) -> None:
        self.server = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if self.client.ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.kill()
            self.server.wait()


class Stack:
    """``hub worker`` and ``hub beat`` processes, each in its own process group (killing the
    group kills hub's supervisor and the Celery process under it, like a machine failing)."""

    def __init__(self, env: dict[str, str], logs: Path, concurrency: int) -> None:
        self.env, self.logs, self.concurrency = env, logs, concurrency
        self.generation = 0
        self.kills: list[datetime] = []  # when each process was killed

    def _start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "hub.cli", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def worker(self, slot: int) -> subprocess.Popen[bytes]:
        self.generation += 1
        name = f"chaos{slot}-{self.generation}@%h"
        return self._start(f"worker{slot}", "worker", "-n", name, "-c", str(self.concurrency))

    def beat(self) -> subprocess.Popen[bytes]:
        return self._start("beat", "beat")

    def kill(self, process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        self.kills.append(utcnow())
        process.wait()

    def crashes(self) -> int:
        """Workers and beats that stopped on their own (not killed by this script)."""
        text = "".join(p.read_text(errors="replace") for p in self.logs.glob("*.log"))
        return text.count("Unrecoverable error")


def announce(editor, approver, channels, count: int, start, spread: float) -> list[int]:  # type: ignore[no-untyped-def]
    """``count`` approved announcements on every channel, due evenly over ``spread`` seconds."""
    ids = []
    for i in range(count):
        ann = save_announcement(
            AnnouncementInput(
                title=f"Chaos {i}",
                body=f"Chaos {i}: Meldung der Stadt Bochum",
                channel_ids=[c.id for c in channels],
            ),
            user=editor,
        )
        workflow.submit(ann, editor)
        workflow.approve(ann, approver)
        ann.scheduled_at = start + timedelta(seconds=spread * i / max(count - 1, 1))
        ids.append(ann.id)
    db.session.commit()
    return ids


def beat_then_wipe(stack: Stack, beat: subprocess.Popen[bytes], store: Redis, settings: Settings):  # type: ignore[no-untyped-def]
    """Kill beat, start it again, and empty Redis once the new beat has written its schedule
    (it then waits for the dead beat's lock, which the wipe takes away)."""
    last_task = list(beat_schedule(settings))[-1]
    store.client.config_set("notify-keyspace-events", "Kh")
    events = store.client.pubsub()
    events.subscribe(f"__keyspace@0__:redbeat:{last_task}")
    stack.kill(beat)
    beat = stack.beat()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        message = events.get_message(ignore_subscribe_messages=True, timeout=0.5)
        if message and message["data"] == b"hset":
            break
    events.close()
    store.client.flushall()
    return beat


def outcome(ids: list[int]) -> list[Any]:
    """Every delivery: its announcement's number, network, state, lag and first attempt."""
    db.session.rollback()
    return db.session.execute(
        select(
            Announcement.title,
            Channel.network,
            Delivery.state,
            Delivery.published_at,
            Delivery.first_attempt_at,
            Announcement.scheduled_at,
        )
        .join(Announcement, Announcement.id == Delivery.announcement_id)
        .join(Channel, Channel.id == Delivery.channel_id)
        .where(Delivery.announcement_id.in_(ids))
    ).all()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--announcements", type=int, default=150, help="x 2 networks")
    parser.add_argument("--spread", type=float, default=90, help="seconds over which they fall due")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4, help="threads per worker")
    parser.add_argument("--kill-every", default="2-4", help="seconds between worker kills: a-b")
    parser.add_argument("--latency-ms", type=int, default=1000, help="per publish call")
    parser.add_argument("--redis-restarts", type=int, default=1)
    parser.add_argument("--redis-down", type=float, default=3.0, help="seconds Redis is away")
    parser.add_argument("--deadline", type=float, default=600, help="seconds, after the spread")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this folder")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    low, high = (float(x) for x in args.kill_every.split("-"))

    with tempfile.TemporaryDirectory() as tmpdir, start_process() as sandbox:
        tmp = Path(tmpdir)
        logs = args.logs or tmp / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        control = SandboxControl(sandbox.url)
        for network in NETWORKS:
            control.add_fault(
                network, "latency", seconds=args.latency_ms / 1000, probability=1.0, method="POST"
            )
        store = Redis()
        name = f"hub_bench_chaos_{os.getpid()}"
        env = {
            **os.environ,
            "HUB_DATA_DIR": str(tmp / "data"),
            "HUB_SANDBOX_URL": sandbox.url,
            "HUB_DATABASE_URL": fresh_database(name),
            "HUB_BROKER_URL": f"redis://127.0.0.1:{store.port}/0",
            # Short clocks, as in the end-to-end tests: a dead worker's lease runs out in 9 s.
            "HUB_DISPATCH_INTERVAL": "1",
            "HUB_REQUEUE_AFTER": "5",
            "HUB_NETWORK_TIMEOUT": "3",
            "HUB_PUBLISH_LEASE": "5",
        }
        atexit.register(drop_database, name)
        settings = Settings.from_env(env)
        upgrade(settings.database_url)
        app = create_app(settings)
        stack = Stack(env, logs, args.concurrency)
        with app.app_context():
            sync_roles()
            editor = create_user("chaos-editor@bochum.example", ["editor"], PASSWORD)
            approver = create_user("chaos-approver@bochum.example", ["approver"], PASSWORD)
            channels = [
                Channel(
                    network=network,
                    name=f"Chaos {network}",
                    external_id=str(8000 + i),
                    credentials={"access_token": "chaos", "user_id": str(8000 + i)},
                )
                for i, network in enumerate(NETWORKS)
            ]
            db.session.add_all(channels)
            db.session.commit()
            workers = [stack.worker(slot) for slot in range(args.workers)]
            beat = stack.beat()
            begin = utcnow() + timedelta(seconds=15)  # the processes start meanwhile
            ids = announce(editor, approver, channels, args.announcements, begin, args.spread)
            started = time.monotonic()
            wipe_at = 15 + args.spread / 3
            restarts_at = [
                15 + args.spread * (2 / 3 + k / (3 * args.redis_restarts))
                for k in range(args.redis_restarts)
            ]
            next_kill = 15 + rng.uniform(low, high)
            wiped = False
            try:
                while time.monotonic() - started < 15 + args.spread:
                    elapsed = time.monotonic() - started
                    if elapsed >= next_kill:
                        slot = rng.randrange(args.workers)
                        stack.kill(workers[slot])
                        time.sleep(1)  # what a supervisor waits before starting it again
                        workers[slot] = stack.worker(slot)
                        next_kill = time.monotonic() - started + rng.uniform(low, high)
                    if not wiped and elapsed >= wipe_at:
                        beat = beat_then_wipe(stack, beat, store, settings)
                        wiped = True
                    if restarts_at and elapsed >= restarts_at[0]:
                        restarts_at.pop(0)
                        store.stop()
                        time.sleep(args.redis_down)
                        store.start()
                    time.sleep(0.2)
                print(f"chaos over after {time.monotonic() - started:.0f} s; waiting for the rest")
                deadline = time.monotonic() + args.deadline
                while time.monotonic() < deadline:
                    rows = outcome(ids)
                    if sum(row.state in FINAL for row in rows) == len(ids) * len(NETWORKS):
                        break
                    time.sleep(1)
                rows = outcome(ids)
            finally:
                for process in [*workers, beat]:
                    if process.poll() is None:
                        os.killpg(process.pid, signal.SIGTERM)
                for process in [*workers, beat]:
                    try:
                        process.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        os.killpg(process.pid, signal.SIGKILL)
            db.session.remove()
        sent: Counter[tuple[str, int]] = Counter()
        for network in NETWORKS:
            for post in control.posts(network):
                for i in range(args.announcements):
                    if f"Chaos {i}: " in post["text"]:
                        sent[(network, i)] += 1
        crashes = stack.crashes()

    deliveries = args.announcements * len(NETWORKS)
    duplicates = sum(count - 1 for count in sent.values() if count > 1)
    absent = [row for row in rows if (row.network, int(row.title.split()[1])) not in sent]
    # Lost: no post on the network, and nobody was told (stuck, or dropped without a word).
    lost = [row for row in absent if row.state != DeliveryState.needs_review]
    review = [row for row in rows if row.state == DeliveryState.needs_review]
    states = Counter(row.state for row in rows)
    lags = [(r.published_at - r.scheduled_at).total_seconds() for r in rows if r.published_at]
    print(
        f"workers={args.workers}x{args.concurrency}; killed with SIGKILL: {len(stack.kills) - 1} "
        f"workers (one every {args.kill_every} s) and beat once, then Redis wiped; Redis "
        f"restarted {args.redis_restarts}x; every post {args.latency_ms} ms on the network"
    )
    print(f"deliveries: {deliveries}")
    print(f"duplicates: {duplicates}")
    print(f"lost: {len(lost)}")
    print(f"states: {dict(sorted(states.items()))}")
    for row in review:
        # A worker killed after it took the delivery and before the post reached the network:
        # hub finds no post and asks a person instead of posting blindly.
        after = [(k - row.first_attempt_at).total_seconds() for k in stack.kills]
        gap = min((a for a in after if a >= 0), default=float("nan"))
        on_network = "on the network" if row not in absent else "not on the network"
        print(
            f"needs review: {row.title} on {row.network}, {on_network}; its worker was "
            f"killed {gap * 1000:.0f} ms after its first attempt began"
        )
    print(
        f"due-to-published lag p50 {percentile(lags, 50):.1f} s, p95 {percentile(lags, 95):.1f} s, "
        f"max {max(lags, default=0):.0f} s; crashes in the logs: {crashes}"
    )


if __name__ == "__main__":
    main()
