"""Benchmark: the whole press office at once, on 1,000,000 comments, while comments stream in.

hub's web app runs under gunicorn as ``hub web`` starts it (its configuration, 4 worker
processes of 4 threads, ``hub:create_app()``) on a throwaway PostgreSQL database holding a
year of comments (1,000,000, filled as ``bench/inbox_page.py`` fills them) and the figures
of every announcement in it (snapshots along the collection schedule and the rollups built
from them, as ``bench/dashboard.py`` makes them). Two more Facebook pages live in the
sandbox (its own process) with fresh comments waiting: this process syncs them exactly as a
worker does (``bench/inbox_ingest.py``'s sync), as fast as it goes.

The office is Locust, headless in its own process (``bench/office_staff.py``): 10 moderators
paging, filtering and answering in the inbox, 5 editors composing (the live preview) and saving
drafts, 5 managers on the dashboard and an announcement's figures; each logged in through the
login form, a few seconds between steps.

Three phases, each ``--seconds`` long, in this order:

1. **ingest, idle**: the sync of the first page alone (nobody in the office);
2. **pages, idle**: one moderator, one editor and one manager, no sync;
3. **the office at work**: all 20 people and the sync of the second page at once.

Printed: p50/p95 per page idle and under load (Locust's own percentiles, which it rounds above
100 ms to 10 ms), the sync's comments/s idle and under load, the web's CPU time per request
(what a page costs whatever else runs on the machine), the machine's load average before and
during each phase, and the reach: the inbox's list pages (first page, filters, next pages) p95
<= 150 ms, the dashboard p95 <= 300 ms, the sync under load >= 0.7 of its idle rate.

    python bench/office_load.py                                  # the sizes of issue 13
    python bench/office_load.py --comments 100000 --seconds 30   # a quick look

Needs PostgreSQL at 127.0.0.1:5432 (user postgres), gunicorn and locust (``pip install -e
'.[test,dev]'``); the database is dropped at the end unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from flask import Flask
from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import inbox_ingest  # noqa: E402
import inbox_page  # noqa: E402
from common import (  # noqa: E402
    PASSWORD,
    collected_figures,
    drop_database,
    fresh_database,
    make_app,
    vacuum,
)
from processes import children, cpu_seconds  # noqa: E402

from hub.auth.users import create_user, sync_roles  # noqa: E402
from hub.extensions import db  # noqa: E402
from hub.i18n import local_zone  # noqa: E402
from hub.metrics import rollups  # noqa: E402
from hub.models import Announcement, Channel, Role, User  # noqa: E402
from hub.sandbox.client import SandboxControl  # noqa: E402
from hub.sandbox.server import start_process  # noqa: E402

INGEST_PAGES = (
    ("104729318357001", "Stadt Bochum Bürgerservice"),
    ("104729318357002", "Stadt Bochum Kultur"),
)
GUNICORN_CONFIG = "hub.gunicorn_config"  # what `hub web` runs with (workers of 4 threads)
STAFF_FILE = ROOT / "bench" / "office_staff.py"
REACH = {"inbox": 150.0, "dashboard": 300.0}
INGEST_REACH = 0.7
RAMP_SECONDS = 5  # everybody logs in within the first seconds; statistics start after that


# ---------------------------------------------------------------------------------------------
# The office's world (setup, not timed)


@dataclass
class Office:
    staff_file: Path
    ingest_channels: list[int]
    waiting: int  # comments in the sandbox per ingest page


def staff(role: str, wanted: int, prefix: str) -> list[str]:
    """``wanted`` accounts with ``role``: those there are, then new ones."""
    have = list(
        db.session.scalars(
            select(User.email).join(User.roles).where(Role.name == role).order_by(User.id)
        )
    )
    for i in range(len(have), wanted):
        email = f"{prefix}{i + 1}@office.example"
        create_user(email, [role], PASSWORD)
        have.append(email)
    db.session.commit()
    return have[:wanted]


def prepare(app: Flask, control: SandboxControl, args: argparse.Namespace, tmp: str) -> Office:
    sync_roles()
    db.session.commit()
    print(f"loading {args.comments:,} comments ...", flush=True)
    for part, took in inbox_page.load(args.comments, args.seed).items():
        print(f"  {part:<44} {took:8.1f} s", flush=True)
    started = time.perf_counter()
    with db.engine.connect() as conn:
        conn.execute(text("SET session_replication_role = replica"))
        collected_figures(conn)
        conn.execute(text("SET session_replication_role = DEFAULT"))
        conn.commit()
    vacuum()
    rollups.rebuild(db.session, local_zone())
    db.session.commit()
    snapshots = db.session.scalar(text("SELECT count(*) FROM metric_snapshot"))
    print(
        f"  {'figures: ' + f'{snapshots:,} snapshots, rollups':<44} "
        f"{time.perf_counter() - started:8.1f} s",
        flush=True,
    )

    channels = list(db.session.scalars(select(Channel.id).order_by(Channel.id)))
    # Editors write text: channels that take a post without a photo or video.
    text_channels = list(
        db.session.scalars(select(Channel.id).where(Channel.network.in_(("facebook", "x"))))
    )
    networks = sorted(set(db.session.scalars(select(Channel.network))))
    announcements = list(
        db.session.scalars(select(Announcement.id).order_by(Announcement.id.desc()).limit(500))
    )
    people = {
        "moderator": staff("moderator", max(args.moderators, 1), "moderation"),
        "editor": staff("editor", max(args.editors, 1), "redaktion"),
        "manager": staff("manager", max(args.managers, 1), "leitung"),
    }

    # The pages whose comments stream in: fresh posts, comments waiting in the sandbox.
    started = time.perf_counter()
    rng = random.Random(args.seed)
    author = db.session.scalar(select(User.id).where(User.email == people["editor"][0]))
    ingest_channels = []
    for page_id, name in INGEST_PAGES:
        channel_id, posts = inbox_ingest.publish_posts(
            app, args.posts, rng, page_id=page_id, name=name, author_id=author
        )
        inbox_ingest.seed_comments(control, posts, args.ingest, args.seed + channel_id)
        ingest_channels.append(channel_id)
    vacuum()
    print(
        f"  {'sandbox: 2 pages, ' + f'{args.ingest:,} comments waiting on each':<44} "
        f"{time.perf_counter() - started:8.1f} s",
        flush=True,
    )
    staff_file = Path(tmp) / "office_staff.json"
    staff_file.write_text(
        json.dumps(
            {
                "password": PASSWORD,
                **people,
                "channels": channels,
                "text_channels": text_channels,
                "networks": networks,
                "announcements": announcements,
            }
        )
    )
    return Office(staff_file, ingest_channels, args.ingest)


# ---------------------------------------------------------------------------------------------
# The web server and the office


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_command(port: int, workers: int) -> list[str]:
    """gunicorn as ``hub web`` starts it, with its configuration; the address and the number of
    worker processes given here win."""
    return [
        *(sys.executable, "-m", "gunicorn", "--config", f"python:{GUNICORN_CONFIG}"),
        *("-w", str(workers), "-b", f"127.0.0.1:{port}", "hub:create_app()"),
    ]


@contextmanager
def web_server(env: dict[str, str], workers: int, log: Path) -> Iterator[tuple[str, int]]:
    """gunicorn serving hub; yields its base URL and process id once every worker answers."""
    port = free_port()
    command = gunicorn_command(port, workers)
    print(f"\nweb: {' '.join(command[1:])}", flush=True)
    with log.open("w") as out:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        answered = 0
        while answered < workers * 3:  # several answers: the workers have imported hub
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            try:
                answered += requests.get(f"{base}/healthz", timeout=30).status_code == 200
            except requests.RequestException:  # not listening yet, or a worker still starting
                time.sleep(0.2)
        yield base, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


@dataclass
class PageStats:
    requests: int
    failures: int
    p50: float
    p95: float


def office(
    base: str, office_: Office, people: tuple[int, int, int], seconds: float, out: Path, pause: str
) -> subprocess.Popen[bytes]:
    """Locust with ``people`` (moderators, editors, managers), headless, for ``seconds``; its
    statistics are reset once everybody has logged in."""
    total = sum(people)
    env = {
        **os.environ,
        "OFFICE_STAFF": str(office_.staff_file),
        "OFFICE_MODERATORS": str(people[0]),
        "OFFICE_EDITORS": str(people[1]),
        "OFFICE_MANAGERS": str(people[2]),
        "OFFICE_PAUSE": pause,
    }
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(STAFF_FILE),
        "--headless",
        "--host",
        base,
        "-u",
        str(total),
        "-r",
        str(max(total / RAMP_SECONDS, 1)),
        "-t",
        f"{int(seconds)}s",
        "--reset-stats",
        "--csv",
        str(out),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=(out.with_suffix(".log")).open("w")
    )


def read_stats(out: Path) -> dict[str, PageStats]:
    stats = {}
    with Path(f"{out}_stats.csv").open() as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated" or not int(row["Request Count"]):
                continue
            stats[row["Name"]] = PageStats(
                int(row["Request Count"]),
                int(row["Failure Count"]),
                float(row["50%"]),
                float(row["95%"]),
            )
    return stats


def finish(locust: subprocess.Popen[bytes], out: Path) -> dict[str, PageStats]:
    if locust.wait(timeout=300) not in (0, 1):  # 1: some requests failed (shown per page)
        raise SystemExit(f"locust failed:\n{out.with_suffix('.log').read_text()[-3000:]}")
    with Path(f"{out}_failures.csv").open() as f:
        for row in csv.DictReader(f):
            print(f"   failed: {row['Name']}: {row['Error']} ({row['Occurrences']}x)")
    return read_stats(out)


# ---------------------------------------------------------------------------------------------
# The sync, and the machine's load


@dataclass
class Ingest:
    comments: int
    seconds: float
    done: bool  # the page's comments all synced before the time was up

    @property
    def rate(self) -> float:
        return self.comments / self.seconds


def ingest(channel_id: int, seconds: float) -> Ingest:
    """The sync of one page, run after run, for ``seconds`` (or until all is in)."""

    def stored() -> int:
        count = db.session.scalar(
            text("SELECT count(*) FROM comment WHERE channel_id = :c"), {"c": channel_id}
        )
        db.session.commit()
        return count

    before = stored()
    started = time.perf_counter()
    stats = inbox_ingest.sync_channel(channel_id, until=started + seconds)
    took = time.perf_counter() - started
    return Ingest(stored() - before, took, stats.results.get("synced", 0) > 0)


@dataclass
class LoadMeter:
    """The machine's 1-minute load average, sampled every few seconds while it runs."""

    samples: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> LoadMeter:
        def sample() -> None:
            while True:
                self.samples.append(os.getloadavg()[0])
                if self._stop.wait(5):
                    return

        threading.Thread(target=sample, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def summary(self) -> str:
        if not self.samples:
            return "n/a"
        return f"mean {statistics.mean(self.samples):.1f}, max {max(self.samples):.1f}"


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000, help="in the inbox at the start")
    parser.add_argument("--ingest", type=int, default=800_000, help="waiting on each synced page")
    parser.add_argument(
        "--posts", type=int, default=inbox_ingest.sync.POSTS_PER_SYNC, help="per synced page"
    )
    parser.add_argument("--seconds", type=float, default=120, help="length of each phase")
    parser.add_argument("--moderators", type=int, default=10)
    parser.add_argument("--editors", type=int, default=5)
    parser.add_argument("--managers", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--pause", default="1-4", help="seconds between a person's steps")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    name = f"hub_bench_office_{os.getpid()}"
    url = fresh_database(name)
    try:
        with tempfile.TemporaryDirectory() as tmp, start_process() as sandbox:
            env = {"HUB_DATA_DIR": tmp, "HUB_DATABASE_URL": url, "HUB_SANDBOX_URL": sandbox.url}
            app = make_app(url, tmp, HUB_SANDBOX_URL=sandbox.url, HUB_NETWORK_TIMEOUT="30")
            with app.app_context():
                office_ = prepare(app, SandboxControl(sandbox.url, timeout=120), args, tmp)
                with web_server(env, args.workers, Path(tmp) / "gunicorn.log") as (base, pid):
                    run(base, pid, office_, args, Path(tmp))
    finally:
        if args.keep:
            print(f"\nkept: {url}")
        else:
            drop_database(name)


def web_cpu(pid: int) -> float:
    """CPU seconds gunicorn's workers have used so far: what a request costs, whatever the
    machine's other load does to the time it takes."""
    return sum(cpu_seconds(worker) for worker in children(pid))


def after_login(pid: int) -> list[float]:
    """The web's CPU seconds read once the office has logged in (password hashing is costly
    and happens once a day, not per page), in the list returned."""
    mark: list[float] = []
    threading.Timer(RAMP_SECONDS + 1, lambda: mark.append(web_cpu(pid))).start()
    return mark


def run(base: str, pid: int, office_: Office, args: argparse.Namespace, tmp: Path) -> None:
    load_before = os.getloadavg()
    print(
        f"load average before (1/5/15 min): {load_before[0]:.1f} / {load_before[1]:.1f} / "
        f"{load_before[2]:.1f}",
        flush=True,
    )

    print(f"\n1. ingest, idle: syncing page 1 for {args.seconds:.0f} s ...", flush=True)
    with LoadMeter() as load_idle_ingest:
        idle_ingest = ingest(office_.ingest_channels[0], args.seconds)
    print(
        f"   {idle_ingest.comments:,} comments in {idle_ingest.seconds:.1f} s "
        f"= {idle_ingest.rate:,.0f}/s (load {load_idle_ingest.summary()})",
        flush=True,
    )

    print(
        f"2. pages, idle: one moderator, one editor, one manager for {args.seconds:.0f} s ...",
        flush=True,
    )
    cpu = after_login(pid)
    with LoadMeter() as load_idle_pages:
        idle_pages = finish(
            office(base, office_, (1, 1, 1), args.seconds, tmp / "idle", args.pause), tmp / "idle"
        )
    idle_cpu = cpu_per_request(web_cpu(pid) - cpu[0], idle_pages)
    print(f"   load {load_idle_pages.summary()}", flush=True)

    people = (args.moderators, args.editors, args.managers)
    print(
        f"3. the office at work: {sum(people)} people and the sync of page 2 for "
        f"{args.seconds:.0f} s ...",
        flush=True,
    )
    cpu = after_login(pid)
    with LoadMeter() as load_office:
        locust = office(base, office_, people, args.seconds, tmp / "office", args.pause)
        busy_ingest = ingest(office_.ingest_channels[1], args.seconds)
        busy_pages = finish(locust, tmp / "office")
    busy_cpu = cpu_per_request(web_cpu(pid) - cpu[0], busy_pages)
    print(
        f"   {busy_ingest.comments:,} comments in {busy_ingest.seconds:.1f} s "
        f"= {busy_ingest.rate:,.0f}/s (load {load_office.summary()})",
        flush=True,
    )

    report(idle_pages, busy_pages, idle_ingest, busy_ingest, people)
    print(
        f"web CPU per request (all gunicorn workers, after the logins): idle {idle_cpu:.0f} ms, "
        f"office {busy_cpu:.0f} ms"
    )
    print(
        f"\nload average (1 min): before {load_before[0]:.1f}; ingest idle "
        f"{load_idle_ingest.summary()}; pages idle {load_idle_pages.summary()}; "
        f"office {load_office.summary()}"
    )
    if idle_ingest.done or busy_ingest.done:
        print(
            f"note: a page's {office_.waiting:,} comments were all in before the time was up; "
            f"give --ingest more so the sync runs through the whole phase"
        )


def cpu_per_request(seconds: float, stats: dict[str, PageStats]) -> float:
    return seconds * 1000 / max(sum(s.requests for s in stats.values()), 1)


def reach_of(page: str) -> float | None:
    """The aim a page is held to: the inbox's list (first page, filters, next pages) and the
    dashboard; an item with its whole conversation, the answer, the editor's pages and an
    announcement's figures are shown without one."""
    if page.startswith("inbox:") and page not in ("inbox: an item", "inbox: answer"):
        return REACH["inbox"]
    if page.startswith("dashboard:"):
        return REACH["dashboard"]
    return None


def report(
    idle: dict[str, PageStats],
    busy: dict[str, PageStats],
    idle_ingest: Ingest,
    busy_ingest: Ingest,
    people: tuple[int, int, int],
) -> None:
    print(
        f"\nper page (ms; idle: 1+1+1 people, office: {'+'.join(map(str, people))} people "
        f"and the sync)"
    )
    print(
        f"  {'page':<34} {'idle p50':>9} {'idle p95':>9} {'office p50':>11} {'office p95':>11} "
        f"{'requests':>9} {'failed':>7}  reach"
    )
    missed = []
    for page in sorted(set(idle) | set(busy)):
        if page.startswith("login"):
            continue
        i, b = idle.get(page), busy.get(page)
        limit = reach_of(page)
        verdict = ""
        if limit is not None and b is not None:
            ok = b.p95 <= limit
            verdict = f"p95 <= {limit:.0f}: {'yes' if ok else 'NO'}"
            if not ok:
                missed.append(page)
        print(
            f"  {page:<34} {i.p50 if i else float('nan'):9.0f} {i.p95 if i else float('nan'):9.0f} "
            f"{b.p50 if b else float('nan'):11.0f} {b.p95 if b else float('nan'):11.0f} "
            f"{b.requests if b else 0:9} {b.failures if b else 0:7}  {verdict}"
        )
    ratio = busy_ingest.rate / idle_ingest.rate
    print(
        f"\ningest (comments/s): idle {idle_ingest.rate:,.0f}, with the office "
        f"{busy_ingest.rate:,.0f}, ratio {ratio:.2f}  (reach >= {INGEST_REACH})"
    )
    if ratio < INGEST_REACH:
        missed.append("ingest")
    print(
        f"\nreach (inbox p95 <= {REACH['inbox']:.0f} ms, dashboard p95 <= "
        f"{REACH['dashboard']:.0f} ms, ingest >= {INGEST_REACH} x idle): "
        + ("yes" if not missed else "NO: " + ", ".join(missed))
    )


if __name__ == "__main__":
    main()
