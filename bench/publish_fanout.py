"""Benchmark: N announcements x channels through real Celery workers to the sandbox.

The sandbox answers every publish call after ``--latency-ms``. The figures:

- deliveries per second, from the moment they fell due to the last one published;
- the ratio to the ideal (total worker concurrency / latency) and to a baseline measured in this
  process: the same number of publish calls made directly through the connectors from a thread
  pool of the same size (no database, no broker) — what the network alone allows;
- due-to-published lag p50/p95/p99 (reach: ratio >= 0.8, p95 <= 5 s).

    python bench/publish_fanout.py --stack scaled --announcements 200 --latency-ms 200

``scaled`` uses PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379, database 14);
``embedded`` uses SQLite and the file-system broker in a temporary directory.
"""

from __future__ import annotations

import argparse
import atexit
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import redis
from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import PASSWORD, drop_database, fresh_database  # noqa: E402

from hub import create_app  # noqa: E402
from hub.auth.users import create_user, sync_roles  # noqa: E402
from hub.config import Settings  # noqa: E402
from hub.connectors.base import ChannelAccess, OutgoingPost  # noqa: E402
from hub.connectors.registry import connector_for  # noqa: E402
from hub.database import upgrade  # noqa: E402
from hub.extensions import db  # noqa: E402
from hub.models import Announcement, Channel, Delivery, DeliveryState  # noqa: E402
from hub.models.types import utcnow  # noqa: E402
from hub.publishing import workflow  # noqa: E402
from hub.publishing.compose import AnnouncementInput, save_announcement  # noqa: E402
from hub.sandbox.client import SandboxControl  # noqa: E402
from hub.sandbox.server import start_process  # noqa: E402
from hub.scheduler import hints  # noqa: E402

NETWORKS = ("x", "facebook")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def prepare_env(stack: str, tmp: Path, sandbox_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "HUB_DATA_DIR": str(tmp / "data"),
        "HUB_SANDBOX_URL": sandbox_url,
        "HUB_NETWORK_TIMEOUT": "10",
    }
    if stack == "scaled":
        name = f"hub_bench_fanout_{os.getpid()}"  # its own: runs side by side do not collide
        env["HUB_DATABASE_URL"] = fresh_database(name)
        atexit.register(drop_database, name)
        env["HUB_BROKER_URL"] = "redis://127.0.0.1:6379/14"
        redis.Redis.from_url(env["HUB_BROKER_URL"]).flushdb()
    return env


def direct_baseline(sandbox_url: str, calls: int, concurrency: int) -> float:
    """Publish calls per second straight through the connectors, no hub around them."""
    connector = connector_for(
        "x",
        ChannelAccess(
            "9000", {"access_token": "bench", "user_id": "9000", "username": "b"}, sandbox_url
        ),
    )

    def one(i: int) -> None:
        connector.publish(OutgoingPost(delivery_id=10_000_000 + i, text=f"Baseline {i}"))

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(calls)))
    return calls / (time.monotonic() - started)


def approve_batch(editor, approver, channels, dues, label):  # type: ignore[no-untyped-def]
    """Announcements on every channel, each approved and due at its time in ``dues``."""
    ids = []
    for i, due in enumerate(dues):
        ann = save_announcement(
            AnnouncementInput(
                title=f"{label} {i}",
                body=f"{label}: Meldung {i} der Stadt Bochum",
                channel_ids=[c.id for c in channels],
            ),
            user=editor,
        )
        workflow.submit(ann, editor)
        workflow.approve(ann, approver)
        ann.scheduled_at = due
        ids.append(ann.id)
    db.session.commit()
    for due in sorted(set(dues)):
        hints.dispatch_soon(due)  # what the admin and the API do on approval
    return ids


def wait_published(announcement_ids: list[int], timeout: float = 1800) -> list[tuple]:  # type: ignore[type-arg]
    """Poll until every delivery of these announcements is published; return (published, due)."""
    expected = len(announcement_ids) * len(NETWORKS)
    deadline = time.monotonic() + timeout
    query = (
        select(Delivery.published_at, Announcement.scheduled_at)
        .join(Announcement)
        .where(
            Delivery.announcement_id.in_(announcement_ids),
            Delivery.state == DeliveryState.published,
        )
    )
    while True:
        rows = db.session.execute(query).all()
        db.session.rollback()
        if len(rows) >= expected:
            return rows
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(rows)}/{expected} published")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", choices=["scaled", "embedded"], default="scaled")
    parser.add_argument("--announcements", type=int, default=300, help="burst, due at once")
    parser.add_argument("--steady", type=int, default=60, help="then one every --every seconds")
    parser.add_argument("--every", type=float, default=0.5)
    parser.add_argument("--latency-ms", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16, help="threads per worker")
    args = parser.parse_args()

    latency = args.latency_ms / 1000
    concurrency = args.workers * args.concurrency
    burst_total = args.announcements * len(NETWORKS)
    with tempfile.TemporaryDirectory() as tmpdir, start_process() as sandbox:
        tmp = Path(tmpdir)
        control = SandboxControl(sandbox.url)

        def slow_network() -> None:
            control.reset()
            for network in NETWORKS:
                control.add_fault(
                    network, "latency", seconds=latency, probability=1.0, method="POST"
                )

        slow_network()
        baseline = direct_baseline(sandbox.url, min(burst_total, 4 * concurrency), concurrency)
        slow_network()

        env = prepare_env(args.stack, tmp, sandbox.url)
        settings = Settings.from_env(env)
        upgrade(settings.database_url)
        app = create_app(settings)
        processes = []
        with app.app_context():
            sync_roles()
            editor = create_user("bench-editor@bochum.example", ["editor"], PASSWORD)
            approver = create_user("bench-approver@bochum.example", ["approver"], PASSWORD)
            channels = []
            for i, network in enumerate(NETWORKS):
                # Stored user id and name: X needs no "who am I" call per post.
                channel = Channel(
                    network=network,
                    name=f"Bench {network}",
                    external_id=str(7000 + i),
                    credentials={
                        "access_token": "bench",
                        "user_id": str(7000 + i),
                        "username": "bench",
                    },
                )
                db.session.add(channel)
                channels.append(channel)
            db.session.commit()

            log = (tmp / "workers.log").open("ab")
            for w in range(args.workers):
                processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "hub.cli",
                            "worker",
                            "-n",
                            f"bench{w}@%h",
                            "-c",
                            str(args.concurrency),
                        ],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "hub.cli", "beat"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            try:
                # Burst: everything due at one moment -> throughput.
                due = utcnow() + timedelta(seconds=20)
                burst = approve_batch(
                    editor, approver, channels, [due] * args.announcements, "Burst"
                )
                burst_rows = wait_published(burst)
                # Steady: one announcement every --every seconds -> due-to-published lag.
                start = utcnow() + timedelta(seconds=10)
                dues = [start + timedelta(seconds=i * args.every) for i in range(args.steady)]
                steady_rows = wait_published(
                    approve_batch(editor, approver, channels, dues, "Steady")
                )
            finally:
                for process in processes:
                    process.terminate()
                for process in processes:
                    process.wait(timeout=30)
        posts = len(control.posts("x")) + len(control.posts("facebook"))

    span = (max(p for p, _ in burst_rows) - due).total_seconds()
    rate = burst_total / max(span, 1e-9)
    ideal = concurrency / latency
    lags = [(p - d).total_seconds() for p, d in steady_rows]
    expected_posts = burst_total + args.steady * len(NETWORKS)
    print(
        f"stack={args.stack} workers={args.workers}x{args.concurrency} "
        f"latency={args.latency_ms}ms per publish call"
    )
    print(
        f"posts on the sandbox: {posts} of {expected_posts} (duplicates: {posts - expected_posts})"
    )
    print(f"burst of {burst_total} deliveries: {rate:.1f} deliveries/s")
    print(f"  ideal (concurrency/latency) {ideal:.1f}/s -> ratio {rate / ideal:.2f}")
    print(
        f"  baseline (direct connector calls, same concurrency) {baseline:.1f}/s -> "
        f"ratio {rate / baseline:.2f}"
    )
    print(
        f"steady ({args.steady} announcements, one every {args.every}s), due-to-published lag: "
        f"p50 {percentile(lags, 50):.2f}s  p95 {percentile(lags, 95):.2f}s  "
        f"p99 {percentile(lags, 99):.2f}s"
    )


if __name__ == "__main__":
    main()
