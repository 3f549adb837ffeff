"""Benchmark: the shared inbox's pages over 1,000,000 comments, against Flask-Admin's default list.

The inbox (``/admin/inbox/``, ``hub.inbox.queries``) reads newest-first pages by key over
composite indexes and counts nothing; Flask-Admin's default ``ModelView`` counts the whole table
(``COUNT(*)``) and pages by OFFSET. This measures what that design buys where it matters: a
moderator opening the inbox with a year of comments in the table.

A throwaway PostgreSQL database is filled in SQL (``generate_series``, not timed): seven
channels on the five networks, an announcement per 250 comments over the last year (eleven a day
at 1M), each published on Facebook and some of the other channels, and the comments under them:
most in the first hours after a post, the German sample texts of the sandbox's citizens, flagged
and prioritised by hub's own keyword rules (the starter list), 3 % our own replies. Comments of
the last two days are mostly still open (new, assigned); older ones mostly answered or done,
with a backlog; five moderators, one of them the bench's, hold the assigned ones.

``--database NAME`` uses a database kept by ``bench/inbox_ingest.py --keep`` (or by this
script's ``--keep``) instead, and changes it a little: adds the bench's moderator (or hashes
their password again), clears channel credentials encrypted with the earlier run's lost key, and
if nothing is assigned to the moderator, assigns them every 40th new comment, so that "assigned
to me" has rows. Either way the timing starts after ``VACUUM ANALYZE`` (what autovacuum does in
production).

Timed through the whole Flask app (test client, logged in as a moderator; routing, access
check, queries, template): the inbox's first page and three filtered pages a moderator uses all
day (new comments on one network, assigned to me, flagged), and, in the same app and process,
Flask-Admin's default ``ModelView`` of the same ``Comment`` table (as shipped, and sorted newest
first through its own column sort); and both 4,950 rows deep: the inbox's 100th page of all
statuses, reached by following "Older" as a moderator does (keyset), and the default list's page
at that offset. Requests go round-robin over the pages, so the other load on the machine falls
on all pages alike. Printed: p50/p95 per page, SQL statements and database time
per request, the ratio default list / inbox (p50 and p95), and the reach (every inbox page's p95
<= 50 ms; default list / inbox >= 10, on the medians).

    python bench/inbox_page.py                          # 1,000,000 comments
    python bench/inbox_page.py --comments 100000        # a quick look
    python bench/inbox_page.py --database hub_bench_inbox_<pid>   # as inbox_ingest.py --keep says
    python bench/inbox_page.py --explain                # plus each page's plan on comment

Needs PostgreSQL at 127.0.0.1:5432 (user postgres); the throwaway database is dropped at the end
unless ``--keep`` is given (a database given with ``--database`` is never dropped).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_security.utils import hash_password
from sqlalchemy import event, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common import (  # noqa: E402
    PASSWORD,
    PG,
    build_indexes,
    drop_database,
    drop_indexes,
    fresh_database,
    login,
    make_app,
    percentile,
    published_announcements,
    vacuum,
)

from hub.auth.users import create_user, sync_roles  # noqa: E402
from hub.crypto import decrypt_json  # noqa: E402
from hub.extensions import db  # noqa: E402
from hub.inbox.rules import load_matcher  # noqa: E402
from hub.models import Channel, Comment, User  # noqa: E402
from hub.sandbox.citizens import sample_text  # noqa: E402

MODERATOR = "moderation@bench.example"  # the logged-in moderator
COLLEAGUES = 4  # further moderators holding assigned comments
CHANNELS = (  # network, name, external id
    ("facebook", "Stadt Bochum", "104729318356812"),
    ("facebook", "Feuerwehr Bochum", "104729318356999"),
    ("instagram", "stadt.bochum", "17841400000000001"),
    ("instagram", "bochum.kultur", "17841400000000002"),
    ("x", "Stadt Bochum", "stadt_bochum"),
    ("youtube", "Stadt Bochum", "UCbochum0000000000000000"),
    ("flickr", "Stadt Bochum", "bochum@N00"),
)
SPAN_DAYS = 365
COMMENTS_PER_ANNOUNCEMENT = 250
TEXTS = 1000  # sample texts drawn like the sandbox's citizens, then picked per comment
OWN_REPLY = "Danke für Ihre Frage! Die Infos stehen auf bochum.de."
FIRST = ("Anna", "Jürgen", "Sabine", "Lukas", "Fatma", "Heinz", "Olga", "Kevin", "Laura", "Mehmet")
LAST = ("Müller", "Schäfer", "Kowalski", "Yılmaz", "Weißenberg", "Demir", "Nowak", "Şahin")
WARMUP = 3


# ---------------------------------------------------------------------------------------------
# The data (setup, not timed)


def load(target: int, seed: int) -> dict[str, float]:
    """Fill the fresh database with ``target`` comments; returns how long each part took."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    author = create_user("redaktion@bench.example", ["editor"], PASSWORD, full_name="Redaktion")
    moderators = [create_user(MODERATOR, ["moderator"], PASSWORD, full_name="Mira Moderation")]
    for i in range(COLLEAGUES):
        moderators.append(create_user(f"moderation{i + 2}@bench.example", ["moderator"], PASSWORD))
    for network, name, external_id in CHANNELS:
        db.session.add(Channel(network=network, name=name, external_id=external_id))
    db.session.commit()
    rng = random.Random(seed)
    matcher = load_matcher()  # the starter rules the migration put in
    texts = []
    for n in range(1, TEXTS + 1):
        body = sample_text(rng)
        verdict = matcher.check(body)
        flags = "[" + ", ".join(f'"{f}"' for f in verdict.flags) + "]" if verdict.flags else None
        texts.append({"n": n, "body": body, "flags": flags, "priority": verdict.priority})
    params = {
        "author": author.id,
        "moderators": [m.id for m in moderators],
        "announcements": max(1, target // COMMENTS_PER_ANNOUNCEMENT),
        "span": f"{SPAN_DAYS} days",
        "comments": target,
        "texts": TEXTS,
        "first": list(FIRST),
        "last": list(LAST),
        "own": OWN_REPLY,
        "seed": (seed % 1000) / 1000,
    }
    # One connection for the whole load: its settings (no per-row foreign-key checks, the rows
    # being consistent by construction; memory for sorting) hold for every statement.
    conn = db.engine.connect()
    conn.execute(text("SET session_replication_role = replica"))
    conn.execute(text("SET work_mem = '256MB'"))
    conn.execute(text("SET maintenance_work_mem = '1GB'"))
    conn.execute(text("SELECT setseed(:seed)"), params)
    # An announcement every ~9 hours (at 1M comments) over the last year, the newest two hours
    # ago; each on the main Facebook page and on about a third of the other channels.
    published_announcements(
        conn,
        author=author.id,
        count=params["announcements"],
        span=params["span"],
        newest_ago="2 hours",
        channels_where="c.id = (SELECT min(id) FROM channel) OR (a.id + c.id) % 3 = 0",
    )
    conn.execute(
        text(
            """
            CREATE TEMP TABLE bench_delivery AS
            SELECT row_number() OVER (ORDER BY d.id) AS n, d.id, d.channel_id, d.published_at,
                   d.remote_id, c.network, c.name
            FROM delivery d JOIN channel c ON c.id = d.channel_id
            """
        )
    )
    conn.execute(
        text("CREATE TEMP TABLE bench_text (n int PRIMARY KEY, body text, flags json, prio int)")
    )
    conn.execute(
        text("INSERT INTO bench_text VALUES (:n, :body, CAST(:flags AS json), :priority)"), texts
    )
    params["deliveries"] = conn.scalar(text("SELECT count(*) FROM bench_delivery"))
    conn.commit()
    seconds["users, channels, announcements, deliveries"] = time.perf_counter() - started

    started = time.perf_counter()
    indexes = drop_indexes(conn, "comment")
    # Per comment: a post (uniform over the deliveries), minutes after it went out (exponential,
    # mean 6 hours, never in the future), a sample text with its rules' verdict. Status by age:
    # the last two days mostly open, older ones mostly answered or done with a 3 % backlog.
    conn.execute(
        text(
            """
            WITH src AS MATERIALIZED (
                SELECT g, 1 + floor(random() * :deliveries)::int AS d,
                       1 + floor(random() * :texts)::int AS t,
                       random() AS r_time, random() AS r_status, random() AS r_who,
                       random() AS r_own, random() AS r_hide
                FROM generate_series(1, :comments) g
            ), c AS (
                SELECT s.*, d.id AS delivery_id, d.channel_id, d.remote_id AS post, d.network,
                       d.name AS channel_name, x.body, x.flags, x.prio, s.r_own < 0.03 AS own,
                       LEAST(d.published_at + make_interval(secs => -ln(1 - s.r_time) * 21600),
                             (now() AT TIME ZONE 'UTC') - interval '1 minute') AS at
                FROM src s
                JOIN bench_delivery d ON d.n = s.d
                JOIN bench_text x ON x.n = s.t
            ), st AS (
                SELECT c.*,
                    CASE
                        WHEN own THEN 'done'
                        WHEN at > (now() AT TIME ZONE 'UTC') - interval '2 days' THEN
                            CASE WHEN r_status < 0.55 THEN 'new'
                                 WHEN r_status < 0.70 THEN 'assigned'
                                 WHEN r_status < 0.90 THEN 'answered' ELSE 'done' END
                        ELSE CASE WHEN r_status < 0.02 THEN 'new'
                                  WHEN r_status < 0.03 THEN 'assigned'
                                  WHEN r_status < 0.50 THEN 'answered' ELSE 'done' END
                    END AS status
                FROM c
            )
            INSERT INTO comment (channel_id, delivery_id, remote_id, remote_post_id, author_name,
                author_handle, text, url, remote_created_at, status, assignee_id, priority,
                flags, is_own, hidden, deleted_on_network, first_answered_at, created_at,
                updated_at)
            SELECT channel_id, delivery_id, 'c-' || g, post,
                CASE WHEN own THEN channel_name
                     ELSE (CAST(:first AS text[]))[1 + g % cardinality(CAST(:first AS text[]))]
                          || ' ' || (CAST(:last AS text[]))[1 + (g / 7)
                          % cardinality(CAST(:last AS text[]))] END,
                CASE WHEN network IN ('x', 'instagram', 'youtube') THEN 'user' || g % 99991 END,
                CASE WHEN own THEN :own ELSE body END,
                'https://example.invalid/' || network || '/' || post || '/c-' || g,
                at, status,
                CASE WHEN status = 'assigned' OR (status IN ('answered', 'done') AND r_who < 0.6)
                     THEN (CAST(:moderators AS int[]))[1 + floor(r_who * 1000)::int % 5] END,
                CASE WHEN own THEN 0 ELSE prio END,
                CASE WHEN own THEN NULL ELSE flags END,
                own,
                NOT own AND prio BETWEEN 1 AND 3 AND r_hide < 0.3,
                r_hide > 0.998,
                CASE WHEN status = 'answered' OR (status = 'done' AND r_hide < 0.5)
                     THEN at + make_interval(secs => r_who * 86400) END,
                at, at
            FROM st
            ORDER BY at
            """
        ),
        params,
    )
    conn.commit()
    seconds["comments"] = time.perf_counter() - started

    started = time.perf_counter()
    build_indexes(conn, indexes)
    for name in ("Baustelle", "ÖPNV", "Lob"):
        conn.execute(text("INSERT INTO tag (name) VALUES (:name)"), {"name": name})
    conn.execute(
        text(
            """
            INSERT INTO comment_tag (comment_id, tag_id)
            SELECT c.id, t.id FROM comment c
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM tag) t
              ON t.k = c.id % 3
            WHERE c.id % 50 = 0
            """
        )
    )
    conn.execute(text("SET session_replication_role = DEFAULT"))
    conn.commit()
    conn.close()
    vacuum()
    seconds["indexes, tags, VACUUM ANALYZE"] = time.perf_counter() - started
    return seconds


def prepare_kept() -> None:
    """A database kept by an earlier run (inbox_ingest.py --keep, or this one): make it usable
    by this process, and give the bench's moderator work.

    Secrets live in the data directory, a temporary one per run: password hashes (the salt is
    derived from the secret key) and channel credentials (encrypted) of the earlier run do not
    verify or decrypt here. So the bench's moderator gets their password hashed again, and
    credentials this process cannot decrypt (the sandbox's fake tokens) are cleared; otherwise
    every page that loads a channel fails.
    """
    sync_roles()
    db.session.commit()
    moderator = db.session.scalar(select(User).where(User.email == MODERATOR))
    if moderator is None:
        moderator = create_user(MODERATOR, ["moderator"], PASSWORD, full_name="Mira Moderation")
        print(f"  added the moderator {MODERATOR}")
    else:
        moderator.password = hash_password(PASSWORD)
    db.session.commit()
    stale = []
    for row in db.session.execute(text("SELECT id, credentials FROM channel")).all():
        try:
            if row.credentials:
                decrypt_json(row.credentials)
        except RuntimeError:
            stale.append(row.id)
    if stale:
        db.session.execute(
            text("UPDATE channel SET credentials = NULL WHERE id = ANY(:ids)"), {"ids": stale}
        )
        db.session.commit()
        print(f"  cleared the credentials of {len(stale)} channel(s): encrypted with a lost key")
    mine = db.session.scalar(
        text("SELECT count(*) FROM comment WHERE assignee_id = :me AND status = 'assigned'"),
        {"me": moderator.id},
    )
    if not mine:
        changed = db.session.execute(
            text(
                "UPDATE comment SET assignee_id = :me, status = 'assigned' "
                "WHERE status = 'new' AND NOT is_own AND id % 40 = 0"
            ),
            {"me": moderator.id},
        ).rowcount
        db.session.commit()
        print(f"  assigned {changed:,} open comments to {MODERATOR}")
    vacuum()


@dataclass
class Facts:
    comments: int
    channels: int
    networks: int
    open: int
    flagged: int
    mine: int
    quiet_network: str  # the network with the fewest comments: its page reads furthest


def facts() -> Facts:
    moderator_id = db.session.scalar(select(User.id).where(User.email == MODERATOR))
    row = db.session.execute(
        text(
            "SELECT count(*) AS comments, "
            "count(*) FILTER (WHERE status IN ('new', 'assigned') AND NOT is_own) AS open, "
            "count(*) FILTER (WHERE priority > 0 AND status IN ('new', 'assigned')) AS flagged, "
            "count(*) FILTER (WHERE assignee_id = :me AND status IN ('new', 'assigned')) AS mine "
            "FROM comment"
        ),
        {"me": moderator_id},
    ).one()
    per_network = db.session.execute(
        text(
            "SELECT ch.network, count(*) AS n FROM comment c "
            "JOIN channel ch ON ch.id = c.channel_id GROUP BY ch.network ORDER BY n, ch.network"
        )
    ).all()
    channels = db.session.execute(
        text("SELECT count(*) AS channels, count(DISTINCT network) AS networks FROM channel")
    ).one()
    db.session.commit()
    if not row.comments:
        raise SystemExit("no comments in the database")
    return Facts(
        row.comments,
        channels.channels,
        channels.networks,
        row.open,
        row.flagged,
        row.mine,
        per_network[0].network,
    )


# ---------------------------------------------------------------------------------------------
# The baseline: Flask-Admin's default list of the same table


def add_default_list(app: Flask) -> tuple[str, str]:
    """Flask-Admin's plain ``ModelView`` of ``Comment`` in hub's own Admin, before the first
    request (views add a blueprint). Returns its list URL as shipped and sorted newest first.

    No subclass and no settings: the default ``is_accessible`` lets everyone in (hub's views get
    their access check from ``ProtectedView``), so the moderator sees it as is. ``db`` rather
    than ``db.session``: Flask-Admin 2 deprecates passing a session, and hub's views pass ``db``.
    """
    admin = next(a for a in app.extensions["admin"] if isinstance(a, Admin) and a.url == "/admin")
    view = ModelView(
        Comment,
        db,
        name="Comments (Flask-Admin default)",
        endpoint="bench_comments_default",
        url="/admin/bench-comments",
    )
    admin.add_view(view)
    # The list's own column sort (?sort=<column index>&desc=1), the inbox's order.
    column = [name for name, _label in view._list_columns].index("remote_created_at")
    return "/admin/bench-comments/", f"/admin/bench-comments/?sort={column}&desc=1"


# ---------------------------------------------------------------------------------------------
# The measured part

DEEP_PAGES = 99  # "Older" followed this often: the 100th page (fewer if the list is shorter)
INBOX_PAGE_SIZE = 50
DEFAULT_PAGE_SIZE = 20  # Flask-Admin's ModelView.page_size


def deep_inbox_url(client, start: str, clicks: int) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The inbox page a moderator reaches from ``start`` by following "Older" up to ``clicks``
    times (not past the last page); returns it and how many clicks it took."""
    url = start
    for done in range(clicks):
        found = re.search(r'id="older" href="([^"]+)"', client.get(url).text)
        if not found:
            return url, done
        url = found.group(1).replace("&amp;", "&")
    return url, clicks


@dataclass
class SqlMeter:
    """Statements and their time per request (cursor events on hub's engine)."""

    count: int = 0
    seconds: float = 0.0
    capture: list[tuple[float, str, Any]] | None = None
    _started: list[float] = field(default_factory=list)

    def attach(self, engine: Any) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        took = time.perf_counter() - self._started.pop()
        self.count += 1
        self.seconds += took
        if self.capture is not None:
            self.capture.append((took, statement, parameters))

    def reset(self) -> None:
        self.count, self.seconds = 0, 0.0


@dataclass
class Page:
    label: str
    url: str
    marker: str  # counted in the HTML: one per row shown
    ms: list[float] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    statements: int = 0
    rows: int = 0

    def p(self, q: float) -> float:
        return percentile(self.ms, q)


def fetch(client, page: Page) -> int:  # type: ignore[no-untyped-def]
    response = client.get(page.url)
    assert response.status_code == 200, (page.url, response.status_code)
    rows = response.text.count(page.marker)
    assert rows > 0, f"{page.url}: no rows on the page"
    return rows


def measure(client, pages: list[Page], runs: int, meter: SqlMeter) -> None:  # type: ignore[no-untyped-def]
    """``runs`` requests per page, round-robin, after a warm-up (templates, caches, plans)."""
    for page in pages:
        for _ in range(WARMUP):
            page.rows = fetch(client, page)
    for _ in range(runs):
        for page in pages:
            meter.reset()
            started = time.perf_counter()
            fetch(client, page)
            page.ms.append((time.perf_counter() - started) * 1000)
            page.db_ms.append(meter.seconds * 1000)
            page.statements = meter.count


def explain(client, app: Flask, page: Page, meter: SqlMeter) -> None:  # type: ignore[no-untyped-def]
    """The page's slowest statement on the comment table in one request (the list, or the
    count), and PostgreSQL's plan for it."""
    meter.capture = []
    fetch(client, page)
    on_comments = [c for c in meter.capture if re.search(r"\bFROM comment\b", c[1])]
    took, statement, parameters = max(on_comments or meter.capture, key=lambda c: c[0])
    meter.capture = None
    print(f"\n--- {page.label}: its slowest statement on comment, {took * 1000:.1f} ms")
    print("    " + " ".join(statement.split())[:600])
    with app.app_context(), db.engine.connect() as conn:
        plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).scalars()
        for line in plan:
            print("    " + line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50, help="requests per page")
    parser.add_argument("--database", help="use this database (kept by inbox_ingest.py --keep)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE per page")
    args = parser.parse_args()

    name = args.database or f"hub_bench_inbox_page_{os.getpid()}"
    url = PG.rsplit("/", 1)[0] + f"/{name}" if args.database else fresh_database(name)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = make_app(url, tmp)
            urls = add_default_list(app)
            meter = SqlMeter()
            with app.app_context():
                meter.attach(db.engine)
                if args.database:
                    print(f"using {name} ...", flush=True)
                    prepare_kept()
                else:
                    sync_roles()
                    db.session.commit()
                    print(f"loading {args.comments:,} comments into {name} ...", flush=True)
                    for part, took in load(args.comments, args.seed).items():
                        print(f"  {part:<44} {took:8.1f} s")
                known = facts()
            # Timed outside any app context: every request has its own, as in production
            # (its own database session, closed at the end of the request).
            run(app, known, urls, meter, args)
    finally:
        if args.keep and not args.database:
            print(f"\nkept: {url}  (python bench/inbox_page.py --database {name})")
        elif not args.database:
            drop_database(name)


def run(app: Flask, known: Facts, urls: tuple[str, str], meter: SqlMeter, args) -> None:  # type: ignore[no-untyped-def]
    print(
        f"\n{known.comments:,} comments on {known.channels} channels ({known.networks} networks): "
        f"{known.open:,} open, {known.flagged:,} of them flagged, {known.mine:,} assigned to "
        f"{MODERATOR}"
    )
    row = 'data-comment-id="'
    pages = [
        Page("inbox: first page (open, all)", "/admin/inbox/", row),
        Page(
            f"inbox: new on {known.quiet_network} (quietest)",
            f"/admin/inbox/?network={known.quiet_network}&status=new",
            row,
        ),
        Page("inbox: assigned to me (open)", "/admin/inbox/?assignee=me", row),
        Page("inbox: flagged (open)", "/admin/inbox/?flagged=1", row),
        Page("Flask-Admin default list", urls[0], 'class="action-checkbox"'),
        Page("Flask-Admin default, newest first", urls[1], 'class="action-checkbox"'),
    ]
    client = app.test_client()
    login(client, MODERATOR)
    # Deep in the list, as a moderator gets there: "Older" followed 99 times (all statuses); the
    # default list at the same depth by its page number (20 rows a page, pages counted from 0).
    deep, clicks = deep_inbox_url(client, "/admin/inbox/?status=all", DEEP_PAGES)
    depth = clicks * INBOX_PAGE_SIZE
    pages += [
        Page(f"inbox: page {clicks + 1} (all, {depth:,} rows in)", deep, row),
        Page(
            f"Flask-Admin default, {depth:,} rows in",
            f"{urls[1]}&page={depth // DEFAULT_PAGE_SIZE}",
            'class="action-checkbox"',
        ),
    ]
    measure(client, pages, args.runs, meter)

    print(f"\nserver time, {args.runs} requests per page (ms)     p50      p95   rows  SQL  db p50")
    for page in pages:
        print(
            f"  {page.label:<40} {page.p(50):7.1f} {page.p(95):8.1f} {page.rows:6} "
            f"{page.statements:4} {statistics.median(page.db_ms):7.1f}"
        )
    first = pages[0]
    print("\nratios against the inbox's first page (same process)      p50      p95")
    for default in pages[4:6]:
        print(
            f"  {default.label + ' / inbox':<54} {default.p(50) / first.p(50):6.1f}x "
            f"{default.p(95) / first.p(95):7.1f}x"
        )
    print("  (Flask-Admin's default list has no filters: the filtered pages have no counterpart)")
    inbox_deep, default_deep = pages[6], pages[7]
    p50, p95 = (default_deep.p(q) / inbox_deep.p(q) for q in (50, 95))
    print(f"  {'at the same depth: Flask-Admin default / inbox':<54} {p50:6.1f}x {p95:7.1f}x")

    slowest = max(pages[:4], key=lambda p: p.p(95))
    ratio = pages[4].p(50) / first.p(50)
    print(f"\nreach: inbox p95 <= 50 ms: {'yes' if slowest.p(95) <= 50 else 'NO'}", end="")
    print(f"  (slowest: {slowest.label}, {slowest.p(95):.1f} ms)")
    print(
        f"reach: default list / inbox >= 10: {'yes' if ratio >= 10 else 'NO'}  ({ratio:.1f}x, p50)"
    )

    if args.explain:
        for page in pages:
            explain(client, app, page, meter)


if __name__ == "__main__":
    main()
