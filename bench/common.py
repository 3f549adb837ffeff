"""What every benchmark here does the same way: a throwaway PostgreSQL database, hub's app on
it, a logged-in test client, and percentiles. Imported by the scripts next to it (each puts
the repository on ``sys.path`` first, so they run from a checkout without installing hub)."""

from __future__ import annotations

import os
import re
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, text

from hub import create_app
from hub.config import Settings
from hub.database import upgrade
from hub.extensions import db
from hub.metrics.schedule import grid

PG = os.environ.get("HUB_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench password 123"  # a throwaway database's users


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def fresh_database(name: str) -> str:
    """An empty database ``name`` (dropped first if it exists); returns its URL."""
    engine = create_engine(PG, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return PG.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str) -> None:
    engine = create_engine(PG, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def make_app(url: str, data_dir: str, **env: str) -> Flask:
    """hub on the database at ``url`` (migrated first); ``env``: more ``HUB_*`` settings."""
    upgrade(url)
    settings = Settings.from_env({"HUB_DATA_DIR": data_dir, "HUB_DATABASE_URL": url, **env})
    return create_app(settings, {"RATELIMIT_ENABLED": False})


def vacuum() -> None:
    """What autovacuum does in production: statistics and the visibility map (index-only scans)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def login(client, email: str) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert token, "no CSRF token on the login page"
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)})


def drop_indexes(conn: Any, table: str) -> list[Any]:
    """Drop ``table``'s secondary indexes before a big load; build them again with
    :func:`build_indexes` (once after the load is much faster than row by row). Constraint
    indexes stay: they cannot be dropped on their own."""
    indexes = conn.execute(
        text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :table "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ),
        {"table": table},
    ).all()
    for index in indexes:
        conn.execute(text(f'DROP INDEX "{index.indexname}"'))
    return indexes


def build_indexes(conn: Any, indexes: list[Any]) -> None:
    """Build the indexes :func:`drop_indexes` dropped, as the models define them."""
    for index in indexes:
        conn.execute(text(index.indexdef))


def published_announcements(
    conn: Any,
    *,
    author: int,
    count: int,
    span: str,
    newest_ago: str = "0 hours",
    channels_where: str = "true",
    remote_prefix: str = "p-",
) -> None:
    """``count`` published announcements, evenly over ``span`` (an interval, e.g. "365 days")
    up to ``newest_ago`` ago, each delivered to the channels ``channels_where`` picks (SQL on
    ``a`` announcement and ``c`` channel), with remote ids ``<prefix><announcement>-<channel>``."""
    conn.execute(
        text(
            """
            INSERT INTO announcement (title, body, status, author_id, version, created_at,
                updated_at, scheduled_at)
            SELECT 'Meldung ' || g, '', 'published', :author, 1, t, t, t
            FROM generate_series(1, :count) g,
                 LATERAL (SELECT (now() AT TIME ZONE 'UTC') - CAST(:newest_ago AS interval)
                                 - CAST(:span AS interval) * (1 - g::float / :count) AS t) s
            """
        ),
        {"author": author, "count": count, "span": span, "newest_ago": newest_ago},
    )
    conn.execute(
        text(
            f"""
            INSERT INTO delivery (announcement_id, channel_id, state, attempts, outcome_unknown,
                published_at, remote_id, created_at, updated_at)
            SELECT a.id, c.id, 'published', 1, false,
                a.scheduled_at + make_interval(secs => c.id * 7),
                :prefix || a.id || '-' || c.id, a.created_at, a.created_at
            FROM announcement a CROSS JOIN channel c
            WHERE {channels_where}
            """
        ),
        {"prefix": remote_prefix},
    )


def collected_figures(conn: Any) -> None:
    """The figures hub would have collected for every delivery in the database: its snapshots
    along the real schedule (15 minutes, hourly, daily, weekly, up to now; about 100 for a
    delivery older than three months), its schedule row, and a year of follower counts per
    channel. Build the rollups afterwards (``hub.metrics.rollups.rebuild``)."""
    conn.execute(
        text(
            """
            INSERT INTO metric_schedule (delivery_id, channel_id, published_at, next_due_at,
                collected, misses)
            SELECT id, channel_id, published_at, NULL, 0, 0 FROM delivery
            """
        )
    )
    conn.execute(text("SET work_mem = '256MB'"))
    conn.execute(text("SET maintenance_work_mem = '1GB'"))
    conn.execute(text("CREATE TEMP TABLE grid_points (off interval)"))
    values = ",".join(f"('{p.total_seconds()} seconds')" for p in grid())
    conn.execute(text(f"INSERT INTO grid_points VALUES {values}"))
    indexes = drop_indexes(conn, "metric_snapshot")
    # A curve per delivery: fast in the first hours, then settling (like the sandbox's). Rows go
    # in by time, as collection writes them: a delivery's snapshots are spread over the table.
    conn.execute(
        text(
            """
            INSERT INTO metric_snapshot (delivery_id, collected_at, views, reach, likes, comments,
                shares, saves, clicks)
            SELECT d.id, d.published_at + g.off, v.views,
                CASE WHEN c.network IN ('facebook', 'instagram') THEN v.views * 7 / 10 END,
                CASE WHEN c.network <> 'flickr' THEN v.views * 3 / 100 END,
                v.views / 250,
                CASE WHEN c.network IN ('facebook', 'instagram', 'x') THEN v.views / 200 END,
                CASE WHEN c.network IN ('instagram', 'x', 'flickr') THEN v.views / 300 END,
                CASE WHEN c.network = 'facebook' THEN v.views / 60 END
            FROM delivery d
            JOIN channel c ON c.id = d.channel_id
            JOIN grid_points g ON d.published_at + g.off <= (now() AT TIME ZONE 'UTC')
            CROSS JOIN LATERAL (
                SELECT CAST((500 + (d.id * 7919) % 40000)
                       * (1 - exp(-extract(epoch FROM g.off) / 28800.0)) AS bigint) AS views
            ) v
            ORDER BY d.published_at + g.off
            """
        )
    )
    build_indexes(conn, indexes)
    conn.execute(
        text(
            """
            INSERT INTO account_snapshot (channel_id, collected_at, followers)
            SELECT c.id, (now() AT TIME ZONE 'UTC') - make_interval(days => g),
                   10000 * c.id + (400 - g) * 5
            FROM channel c CROSS JOIN generate_series(0, 400) g
            """
        )
    )
