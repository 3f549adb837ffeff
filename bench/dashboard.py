"""Benchmark: the engagement dashboard over 10,000,000 snapshots, rollups against raw snapshots.

A throwaway PostgreSQL database is filled in SQL (``generate_series``): five channels, about
20,000 announcements over three years on all five networks, and each delivery's snapshots along
the real schedule (15 minutes, hourly, daily, weekly: about 100 per delivery), plus a year of
follower counts and 100,000 answered comments. The rollups are then built from the snapshots
(``hub.metrics.rollups.rebuild``), and the figures:

- p50/p95 of the dashboard page (last 30 days) and of an announcement's page, through the whole
  Flask app as a logged-in manager (reach: p95 <= 200 ms);
- the same figures computed from the raw snapshots (``hub.metrics.raw``), timed in this process
  against the rollup queries: the ratio is what the rollups save.

    python bench/dashboard.py                      # 10,000,000 snapshots
    python bench/dashboard.py --snapshots 500000   # a quick look

Needs PostgreSQL at 127.0.0.1:5432 (user postgres); the database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import (  # noqa: E402
    PASSWORD,
    collected_figures,
    drop_database,
    fresh_database,
    login,
    percentile,
    published_announcements,
    vacuum,
)

from hub import create_app  # noqa: E402
from hub.auth.users import create_user, sync_roles  # noqa: E402
from hub.config import Settings  # noqa: E402
from hub.database import upgrade  # noqa: E402
from hub.extensions import db  # noqa: E402
from hub.metrics import queries, raw, rollups  # noqa: E402
from hub.metrics.inbox import inbox_figures  # noqa: E402
from hub.metrics.schedule import grid  # noqa: E402
from hub.metrics.selection import Selection  # noqa: E402
from hub.models import Announcement, Channel, Delivery  # noqa: E402
from hub.models.types import utcnow  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
NETWORKS = ("facebook", "instagram", "x", "youtube", "flickr")
SPAN_DAYS = 3 * 365


def timed(run: Callable[[], object], times: int) -> list[float]:
    out = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        out.append((time.perf_counter() - start) * 1000)
    return out


def load(target: int) -> dict[str, float]:
    """Fill the database; returns how long each part took (seconds)."""
    seconds: dict[str, float] = {}
    # Deliveries younger than 90 days have fewer snapshots: about 98 on average over 3 years.
    deliveries = round(target / (len(list(grid())) * (1 - 90 / SPAN_DAYS * 0.45)))
    announcements = max(1, deliveries // len(NETWORKS))
    author = create_user("redaktion@bench.example", ["editor"], PASSWORD, full_name="Bench")
    moderator = create_user("moderation@bench.example", ["moderator"], PASSWORD)
    channels = []
    for network in NETWORKS:
        channel = Channel(network=network, name=f"Stadt Bochum {network}", external_id=network)
        db.session.add(channel)
        channels.append(channel)
    db.session.commit()
    params = {
        "author": author.id,
        "moderator": moderator.id,
        "announcements": announcements,
        "span": f"{SPAN_DAYS} days",
        "comments": 100_000,
    }
    # One connection for the whole load: its settings (no per-row foreign-key checks, the rows
    # being consistent by construction; memory for sorting) hold for every statement.
    conn = db.engine.connect()
    started = time.perf_counter()
    conn.execute(text("SET session_replication_role = replica"))
    published_announcements(
        conn,
        author=author.id,
        count=announcements,
        span=params["span"],
        remote_prefix="r-",
    )
    conn.commit()
    seconds["announcements and deliveries"] = time.perf_counter() - started

    started = time.perf_counter()
    collected_figures(conn)
    conn.commit()
    seconds["snapshots and followers"] = time.perf_counter() - started

    started = time.perf_counter()
    conn.execute(
        text(
            """
            INSERT INTO comment (channel_id, delivery_id, remote_id, author_name, text,
                remote_created_at, status, assignee_id, priority, is_own, hidden,
                deleted_on_network, first_answered_at, created_at, updated_at)
            SELECT d.channel_id, d.id, 'c-' || g, 'Bürgerin', 'Frage',
                d.published_at + interval '20 minutes', 'done', :moderator, 0, false, false,
                false, d.published_at + make_interval(mins => 30 + (g * 37) % 3000),
                d.published_at, d.published_at
            FROM generate_series(1, :comments) g
            JOIN delivery d ON d.id = 1 + (g * 13) % (SELECT max(id) FROM delivery)
            """
        ),
        params,
    )
    conn.commit()
    seconds["comments"] = time.perf_counter() - started

    conn.execute(text("SET session_replication_role = DEFAULT"))
    conn.commit()
    conn.close()
    vacuum()
    started = time.perf_counter()
    rollups.rebuild(db.session, ZONE)
    db.session.commit()
    vacuum()
    seconds["rollups (rebuild from snapshots)"] = time.perf_counter() - started
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=40, help="page loads per page")
    parser.add_argument("--raw-runs", type=int, default=5, help="raw computations (slow)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    name = f"hub_bench_dashboard_{os.getpid()}"
    url = fresh_database(name)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            upgrade(url)
            settings = Settings.from_env({"HUB_DATA_DIR": tmp, "HUB_DATABASE_URL": url})
            app = create_app(settings, {"RATELIMIT_ENABLED": False})
            with app.app_context():
                sync_roles()
                db.session.commit()
                print(f"loading {args.snapshots:,} snapshots into {name} ...", flush=True)
                for part, took in load(args.snapshots).items():
                    print(f"  {part:<36} {took:8.1f} s")
                count = db.session.scalar(text("SELECT count(*) FROM metric_snapshot"))
                daily = db.session.scalar(text("SELECT count(*) FROM metric_daily"))
                print(f"  snapshots: {count:,}; metric_daily rows: {daily:,}")
                create_user("leitung@bench.example", ["manager"], PASSWORD)
                db.session.commit()
                run(app, args)
    finally:
        if not args.keep:
            drop_database(name)


def run(app, args) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, "leitung@bench.example")
    recent = Selection.recent(utcnow(), ZONE, 30)
    rng = random.Random(1)
    newest = db.session.scalar(select(Announcement.id).order_by(Announcement.id.desc()))
    oldest = max(newest - 2000, 1)
    # Announcements from the last 90 days (still collecting) and older ones (all ~100 points).
    picks = [rng.randint(oldest, newest) for _ in range(args.runs)]

    def dashboard() -> None:
        response = client.get("/admin/engagement/")
        assert response.status_code == 200, response.status_code

    def announcement_page() -> None:
        response = client.get(f"/admin/engagement/announcements/{picks.pop()}")
        assert response.status_code == 200, response.status_code

    dashboard()  # warm-up: templates compiled, caches filled
    page_dashboard = timed(dashboard, args.runs)
    page_announcement = timed(announcement_page, args.runs)

    def rollup_figures() -> None:
        queries.overview(recent)
        queries.top_announcements(recent, ZONE, "views")

    def raw_figures() -> None:
        raw.channel_days(recent, ZONE)
        raw.top_announcements(recent, ZONE, "views")

    announcement = db.session.get(Announcement, max(newest - 500, 1))
    ids = list(
        db.session.scalars(select(Delivery.id).where(Delivery.announcement_id == announcement.id))
    )

    def rollup_announcement() -> None:
        queries.announcement_report(announcement)

    def raw_announcement() -> None:
        # The curves are the snapshots either way; only the totals differ.
        raw.latest_per_delivery(ids)
        queries.announcement_report(announcement)

    inbox = timed(lambda: inbox_figures(recent, ZONE), 5)
    with_rollups = timed(rollup_figures, args.raw_runs * 4)
    from_raw = timed(raw_figures, args.raw_runs)
    ann_rollups = timed(rollup_announcement, args.runs)
    ann_raw = timed(raw_announcement, args.runs)

    print("\nresults (ms)                          p50       p95")
    for label, values in (
        ("dashboard page (30 days)", page_dashboard),
        ("announcement page", page_announcement),
        ("dashboard figures, rollups", with_rollups),
        ("dashboard figures, raw snapshots", from_raw),
        ("announcement figures, rollups", ann_rollups),
        ("announcement figures, raw snapshots", ann_raw),
        ("inbox figures (on the fly)", inbox),
    ):
        print(f"  {label:<36} {percentile(values, 50):8.1f} {percentile(values, 95):9.1f}")
    print("\nratios (raw / rollups, medians, same process)")
    ratio = statistics.median(from_raw) / statistics.median(with_rollups)
    print(f"  dashboard figures      {ratio:8.1f}x")
    print(
        f"  announcement figures   "
        f"{statistics.median(ann_raw) / statistics.median(ann_rollups):8.1f}x"
    )
    reach = percentile(page_dashboard, 95) <= 200 and percentile(page_announcement, 95) <= 200
    print(f"\nreach (both pages p95 <= 200 ms): {'yes' if reach else 'NO'}")


if __name__ == "__main__":
    main()
