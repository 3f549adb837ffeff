"""Benchmark: 1,000,000 comments synced from the sandbox into PostgreSQL, against a bulk insert.

The sandbox (its own process) holds a Facebook page with our posts of the last four weeks and
the comments citizens wrote under them, seeded through ``POST /_sandbox/comments/bulk``: German
sample texts (some hostile, which the keyword rules flag), answers to earlier comments, and a
few of our own replies. hub then syncs the channel exactly as a worker does
(``hub.inbox.sync.sync_now``, repeated while it says "more"): the Facebook connector pages
through ``GET /{post}/comments`` over HTTP and ``hub.inbox.ingest.prepare`` applies the rules
and forms the rows (one call ahead, in a thread); ``hub.inbox.ingest.store_batch`` copies every
batch into a scratch table and upserts it into PostgreSQL in a few statements, links threads,
marks answered comments, and the sync commits each batch with its cursor.

The baseline, in the same run: the same rows (read back from the table) inserted again into the
emptied table with a plain bulk insert: ``executemany`` of one INSERT (psycopg's pipeline), and
``COPY``. Both load the same table with the same indexes and foreign keys. Printed: comments/s
of the sync, the time spent reading the sandbox and storing (they overlap), and the ratio to
each baseline (reach: sync / plain bulk insert >= 0.5).

Why Facebook: its sandbox keeps each post's comments together, so a page costs what a network's
page costs. The other networks' sandboxes (X search, YouTube threads, Instagram, Flickr) scan
everything they hold on every request: at a million comments that measures the simulator.

    python bench/inbox_ingest.py                        # 1,000,000 comments
    python bench/inbox_ingest.py --comments 100000      # a quick look
    python bench/inbox_ingest.py --keep                 # then: bench/inbox_page.py --database

Needs PostgreSQL at 127.0.0.1:5432 (user postgres); the database is dropped at the end unless
``--keep`` is given.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import PASSWORD, drop_database, fresh_database, make_app  # noqa: E402

from hub.auth.users import create_user, sync_roles  # noqa: E402
from hub.connectors.base import Connector, OutgoingPost  # noqa: E402
from hub.connectors.registry import access_for, connector_for  # noqa: E402
from hub.extensions import db  # noqa: E402
from hub.inbox import sync  # noqa: E402
from hub.models import Announcement, Channel, Comment, Delivery, DeliveryState  # noqa: E402
from hub.models.types import utcnow  # noqa: E402
from hub.sandbox.citizens import sample_text  # noqa: E402
from hub.sandbox.client import SandboxControl  # noqa: E402
from hub.sandbox.server import start_process  # noqa: E402

PAGE_ID = "104729318356812"
WINDOW_DAYS = 28  # posts published over the last four weeks (hub's window: 30 days)
REPLY_SHARE = 0.25  # citizens answering an earlier comment
OWN_SHARE = 0.03  # our replies, written on the network directly
OWN_REPLY = "Danke für Ihre Frage! Die Infos stehen auf bochum.de."
BULK = 10_000  # comments per seeding call (the sandbox's limit)
FIRST_NAMES = (
    "Anna Jürgen Sabine Lukas Fatma Heinz Olga Kevin Laura Mehmet Petra Tobias Ayşe Klaus "
    "Nina Dirk Elif Stefan Monika Jan Katarzyna Uwe Lea Murat Ingrid Tim Svetlana Frank Mia "
    "Ralf"
)
FIRST = FIRST_NAMES.split()
LAST_NAMES = (
    "Müller Schäfer Kowalski Yılmaz Weißenberg Demir Nowak Brökelmann Schmidt Wagner Becker "
    "Hoffmann Koch Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger "
    "Hofmann Hartmann Lange Schmitt Werner Krause Meier Lehmann Şahin Öztürk Kaya Wiśniewski "
    "Jansen"
)
LAST = LAST_NAMES.split()


# ---------------------------------------------------------------------------------------------
# The world: our page, our posts, the citizens' comments (setup, not timed)


@dataclass
class Post:
    delivery_id: int
    remote_id: str
    published_at: datetime


def publish_posts(
    app: Flask,
    count: int,
    rng: random.Random,
    *,
    page_id: str = PAGE_ID,
    name: str = "Stadt Bochum",
    author_id: int | None = None,
) -> tuple[int, list[Post]]:
    """Our Facebook page ``page_id`` and ``count`` posts on it, published through the connector
    over the last four weeks by ``author_id`` (a new editor if not given); hub's deliveries
    point at them. Returns (channel id, posts)."""
    if author_id is None:
        author_id = create_user(
            "redaktion@bench.example", ["editor"], PASSWORD, full_name="Bench"
        ).id
    channel = Channel(
        network="facebook",
        name=name,
        external_id=page_id,
        credentials={"access_token": "bench-page-token"},
    )
    db.session.add(channel)
    db.session.commit()
    connector = connector_for("facebook", access_for(channel, app.config["HUB_SETTINGS"]))
    now = utcnow()
    posts = []
    for i in range(count):
        # Oldest first; the newest an hour ago.
        published_at = now - timedelta(hours=1) - timedelta(days=WINDOW_DAYS) * (1 - i / count)
        published_at -= timedelta(seconds=rng.randrange(3600))
        announcement = Announcement(
            title=f"Meldung {i}",
            body=f"Meldung {i} der Stadt Bochum",
            status="published",
            author_id=author_id,
            scheduled_at=published_at,
        )
        delivery = Delivery(
            announcement=announcement,
            channel_id=channel.id,
            state=DeliveryState.published,
            attempts=1,
            published_at=published_at,
        )
        db.session.add_all([announcement, delivery])
        db.session.flush()
        remote = connector.publish(OutgoingPost(delivery_id=delivery.id, text=announcement.body))
        delivery.remote_id = remote.remote_id
        posts.append(Post(delivery.id, remote.remote_id, published_at))
    db.session.commit()
    return channel.id, posts


def comments_for(post: Post, count: int, now: datetime, rng: random.Random) -> list[dict]:  # type: ignore[type-arg]
    """``count`` comments under one post, oldest first: most in the first hours after it went
    out; a quarter answer an earlier comment, a few are our replies."""
    span = max((now - post.published_at).total_seconds() - 60, 60)
    offsets = sorted(min(rng.expovariate(1 / 21600), span) for _ in range(count))
    out: list[dict[str, Any]] = []
    for i, offset in enumerate(offsets):
        at = (post.published_at + timedelta(seconds=offset)).isoformat()
        roll = rng.random()
        if i and roll < OWN_SHARE:
            item = {"text": OWN_REPLY, "from_owner": True, "reply_to": rng.randrange(i)}
        else:
            item = {"text": sample_text(rng), "author": f"{rng.choice(FIRST)} {rng.choice(LAST)}"}
            if i and roll < OWN_SHARE + REPLY_SHARE:
                item["reply_to"] = rng.randrange(max(0, i - 50), i)  # a recent comment
        item["created_at"] = at
        out.append(item)
    return out


def seed_comments(control: SandboxControl, posts: list[Post], total: int, seed: int) -> int:
    """``total`` comments spread over ``posts`` (some posts draw more than others)."""
    rng = random.Random(seed)
    weights = [rng.uniform(0.5, 1.5) for _ in posts]
    scale = total / sum(weights)
    counts = [math.floor(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    now = utcnow()
    made = 0
    for post, count in zip(posts, counts, strict=True):
        for start in range(0, count, BULK):
            batch = comments_for(post, min(BULK, count - start), now, rng)
            made += control.add_comments("facebook", post.remote_id, batch)["count"]
    return made


# ---------------------------------------------------------------------------------------------
# The measured part: hub's sync


@dataclass
class SyncStats:
    seconds: float = 0.0
    runs: int = 0
    fetch_seconds: float = 0.0  # inside fetch_comments (read-ahead thread): sandbox, HTTP, JSON
    prepare_seconds: float = 0.0  # inside prepare (read-ahead thread): rules, clean text, rows
    store_seconds: float = 0.0  # inside store_batch: COPY, upsert, threads, answered
    results: dict[str, int] = field(default_factory=dict)


def timed(function: Callable[..., Any], stats: SyncStats, name: str) -> Callable[..., Any]:
    """``function``, adding the seconds each call takes to ``stats.<name>``."""

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            setattr(stats, name, getattr(stats, name) + time.perf_counter() - started)

    return call


def timing_factory(stats: SyncStats) -> Callable[[Channel], Connector]:
    """hub's own connector for the channel, with its ``fetch_comments`` timed."""

    def make(channel: Channel) -> Connector:
        connector = sync.default_connector(channel)
        connector.fetch_comments = timed(connector.fetch_comments, stats, "fetch_seconds")  # type: ignore[method-assign]
        return connector

    return make


def sync_channel(channel_id: int, until: float | None = None) -> SyncStats:
    """Sync the channel as a worker does, run after run, until nothing is left (or, given
    ``until``, a ``time.perf_counter()`` value, until the first run that ends after it)."""
    stats = SyncStats()
    factory = timing_factory(stats)
    store, prepare = sync.store_batch, sync.prepare
    sync.store_batch = timed(store, stats, "store_seconds")  # type: ignore[assignment]
    sync.prepare = timed(prepare, stats, "prepare_seconds")  # type: ignore[assignment]
    started = time.perf_counter()
    while True:
        channel = db.session.get(Channel, channel_id)
        result = sync.sync_now(channel, factory)
        stats.runs += 1
        stats.results[result] = stats.results.get(result, 0) + 1
        if result == "synced" or (until is not None and time.perf_counter() >= until):
            break
        if result != "more":
            raise SystemExit(f"the sync stopped: {result}")
    stats.seconds = time.perf_counter() - started
    sync.store_batch, sync.prepare = store, prepare  # type: ignore[assignment]
    return stats


# ---------------------------------------------------------------------------------------------
# The baseline: the same rows, bulk-inserted


@contextmanager
def raw_connection() -> Iterator[Any]:
    conn = db.engine.raw_connection()
    try:
        yield conn.driver_connection
    finally:
        conn.close()


def comment_rows() -> tuple[list[str], list[tuple[Any, ...]]]:
    """Every row of ``comment`` as stored (``flags`` as JSON text), in id order."""
    columns = [c.name for c in Comment.__table__.columns]
    select_list = ", ".join(f"{c}::text" if c == "flags" else f'"{c}"' for c in columns)
    with raw_connection() as conn:
        rows = conn.execute(f"SELECT {select_list} FROM comment ORDER BY id").fetchall()
        conn.rollback()
    return columns, rows


def empty_comments(conn: Any) -> None:
    conn.execute("TRUNCATE comment CASCADE")
    conn.commit()
    conn.execute("CHECKPOINT")  # the sync did not start with a backlog of dirty pages either


def bulk_insert(columns: list[str], rows: list[tuple[Any, ...]], how: str) -> float:
    """Seconds to put ``rows`` into the emptied ``comment`` table in one transaction."""
    names = ", ".join(f'"{c}"' for c in columns)
    with raw_connection() as conn:
        empty_comments(conn)
        started = time.perf_counter()
        with conn.cursor() as cursor:
            if how == "executemany":
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO comment ({names}) VALUES ({marks})", rows)
            else:
                with cursor.copy(f"COPY comment ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("SELECT setval(pg_get_serial_sequence('comment', 'id'), max(id)) FROM comment")
        conn.commit()
    return seconds


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument(
        "--posts", type=int, default=sync.POSTS_PER_SYNC, help="our posts they are spread over"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not 1 <= args.posts <= sync.POSTS_PER_SYNC:
        parser.error(f"--posts: 1 to {sync.POSTS_PER_SYNC} (what one sync looks at)")

    name = f"hub_bench_inbox_{os.getpid()}"  # its own: runs side by side do not collide
    url = fresh_database(name)
    try:
        with tempfile.TemporaryDirectory() as tmp, start_process() as sandbox:
            app = make_app(url, tmp, HUB_SANDBOX_URL=sandbox.url, HUB_NETWORK_TIMEOUT="30")
            with app.app_context():
                run(app, SandboxControl(sandbox.url, timeout=120), args)
    finally:
        if args.keep:
            print(f"\nkept: {url}  (python bench/inbox_page.py --database {name})")
        else:
            drop_database(name)


def run(app: Flask, control: SandboxControl, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    sync_roles()
    db.session.commit()
    started = time.perf_counter()
    channel_id, posts = publish_posts(app, args.posts, rng)
    made = seed_comments(control, posts, args.comments, args.seed)
    print(
        f"sandbox: {len(posts)} posts on one Facebook page, {made:,} comments "
        f"(set up in {time.perf_counter() - started:.0f} s)",
        flush=True,
    )

    stats = sync_channel(channel_id)
    stored = db.session.scalar(text("SELECT count(*) FROM comment"))
    figures = db.session.execute(
        text(
            "SELECT count(*) FILTER (WHERE parent_id IS NOT NULL) AS threaded, "
            "count(*) FILTER (WHERE remote_parent_id IS NOT NULL) AS replies, "
            "count(*) FILTER (WHERE priority > 0) AS flagged, "
            "count(*) FILTER (WHERE is_own) AS own, "
            "count(*) FILTER (WHERE status = 'answered') AS answered FROM comment"
        )
    ).one()
    db.session.commit()
    if stored != made or figures.threaded != figures.replies:
        raise SystemExit(f"the sync stored {stored:,} of {made:,} comments")
    rate = stored / stats.seconds
    print(
        f"\nsync: {stored:,} comments in {stats.seconds:.1f} s = {rate:,.0f} comments/s "
        f"({stats.runs} sync runs)"
    )
    print(
        f"  read-ahead thread: reading the sandbox (HTTP, JSON)   {stats.fetch_seconds:6.1f} s\n"
        f"  read-ahead thread: preparing (rules, text, rows)      {stats.prepare_seconds:6.1f} s\n"
        f"  storing (COPY, upsert, threads, answered)            {stats.store_seconds:6.1f} s "
        f"= {stored / stats.store_seconds:,.0f} comments/s\n"
        f"  (they overlap: the next page is read and prepared while one is stored)"
    )
    print(
        f"  stored: {figures.replies:,} replies (all linked to their parent), "
        f"{figures.flagged:,} flagged by the rules, {figures.own:,} our replies, "
        f"{figures.answered:,} comments marked answered"
    )

    columns, rows = comment_rows()
    baselines = {how: bulk_insert(columns, rows, how) for how in ("executemany", "copy")}
    print("\nbaseline: the same rows into the emptied table, one transaction")
    for how, seconds in baselines.items():
        print(
            f"  {how:<12} {seconds:7.1f} s = {len(rows) / seconds:9,.0f} rows/s   "
            f"sync / {how}: {rate / (len(rows) / seconds):.2f}"
        )
    reach = rate / (len(rows) / baselines["executemany"]) >= 0.5
    print(f"\nreach (sync >= 0.5 x plain bulk insert): {'yes' if reach else 'NO'}")


if __name__ == "__main__":
    main()
