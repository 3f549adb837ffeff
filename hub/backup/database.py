"""The database half of a backup: a consistent dump (PostgreSQL: ``pg_dump`` of an exported
snapshot; SQLite: the online backup API), the row counts of that same moment, and putting a
dump back into an empty database.

Counts are taken inside the snapshot the dump reads, so a backup taken while hub works still
restores to exactly the counted rows.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Connection, Engine, make_url

log = logging.getLogger(__name__)

# Tables whose rows mean "this installation is in use" (roles alone: only `hub init` ran).
DATA_TABLES = ("user", "channel", "announcement", "comment", "media_asset")


class ToolMissing(RuntimeError):
    """pg_dump or pg_restore is not installed."""


class ToolFailed(RuntimeError):
    """pg_dump or pg_restore stopped with an error (its output is in ``detail``)."""

    def __init__(self, tool: str, detail: str) -> None:
        super().__init__(f"{tool} failed: {detail}")
        self.tool, self.detail = tool, detail


@dataclass(frozen=True)
class Dumped:
    path: Path
    rows: dict[str, int]
    alembic_revision: str | None
    media: frozenset[str]  # the files (below the media folder) the dumped rows name


def dialect_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("postgresql", "sqlite"):
        raise ValueError(f"hub backs up PostgreSQL and SQLite, not {name}")
    return name


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """``postgresql+psycopg://user:pw@host/db?sslmode=…`` as pg_dump/pg_restore take it: a
    libpq URI without the driver and without the password, which goes into ``PGPASSWORD`` so
    that it never shows in the process list. Query parameters (``sslmode``, ``host`` for a
    Unix socket) are libpq's own names in both, so they pass through unchanged."""
    parsed = make_url(url)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    # URL.set() skips None, so it cannot remove a password: build the address anew.
    plain = URL.create(
        "postgresql",
        parsed.username,
        None,
        parsed.host,
        parsed.port,
        parsed.database,
        parsed.query,
    )
    return plain.render_as_string(hide_password=False), env


def row_counts(conn: Connection) -> dict[str, int]:
    """Rows of every table (but Alembic's own), as the connection's transaction sees them."""
    names = sorted(n for n in inspect(conn).get_table_names() if n != "alembic_version")
    return {name: count(conn, name) for name in names}


def count(conn: Connection, name: str) -> int:
    return int(conn.execute(select(func.count()).select_from(table(name))).scalar_one())


def alembic_revision(conn: Connection) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def media_named(conn: Connection) -> frozenset[str]:
    """Every upload and thumbnail the media table names, as paths below the media folder."""
    if "media_asset" not in inspect(conn).get_table_names():
        return frozenset()
    rows = conn.execute(text("SELECT stored_path, thumbnail_path FROM media_asset")).all()
    return frozenset(path for row in rows for path in row if path)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(name)
    return found


def require_tools(url: str, *names: str) -> None:
    """Raise ToolMissing before anything is changed, not halfway (PostgreSQL only)."""
    if dialect_of(url) == "postgresql":
        for name in names:
            _tool(name)


def _run(command: list[str], env: dict[str, str]) -> None:
    log.info("backup: running %s", " ".join(command))  # no password: that is in PGPASSWORD
    done = subprocess.run(  # noqa: S603 (our own arguments, no shell)
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise ToolFailed(Path(command[0]).name, (done.stderr or done.stdout).strip()[-4000:])


# ---------------------------------------------------------------------------------------------
# Dumping


def dump(url: str, into: Path) -> Dumped:
    """Write a consistent copy of the database at ``url`` to ``into``."""
    return (
        _dump_postgresql(url, into) if dialect_of(url) == "postgresql" else _dump_sqlite(url, into)
    )


def _dump_postgresql(url: str, into: Path) -> Dumped:
    target, env = libpq_target(url)
    pg_dump = _tool("pg_dump")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                # pg_dump reads the same snapshot as the counts below (it must be imported while
                # this transaction is open, so the dump runs inside it).
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                rows, revision, media = row_counts(conn), alembic_revision(conn), media_named(conn)
                _run(
                    [
                        pg_dump,
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        f"--file={into}",
                        f"--dbname={target}",
                    ],
                    env,
                )
    finally:
        engine.dispose()
    return Dumped(into, rows, revision, media)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise ValueError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _dump_sqlite(url: str, into: Path) -> Dumped:
    source = sqlite3.connect(sqlite_path(url), timeout=30)
    copy = sqlite3.connect(into)
    try:
        # The online backup API: a consistent copy while web and workers go on writing (WAL).
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        source.close()
        copy.close()
    engine = create_engine(f"sqlite:///{into}")
    try:
        with engine.connect() as conn:
            rows, revision, media = row_counts(conn), alembic_revision(conn), media_named(conn)
    finally:
        engine.dispose()
    return Dumped(into, rows, revision, media)


# ---------------------------------------------------------------------------------------------
# Restoring


@contextmanager
def connected(url: str) -> Iterator[Connection]:
    engine: Engine = create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def tables_in(url: str) -> list[str]:
    """The tables of the target database (none: an empty database; a missing SQLite file is
    empty too)."""
    if dialect_of(url) == "sqlite" and not sqlite_path(url).exists():
        return []
    with connected(url) as conn:
        return sorted(inspect(conn).get_table_names())


def hub_data_in(url: str) -> dict[str, int]:
    """Rows in the tables that mean the installation is in use; {} when it holds none."""
    present = set(tables_in(url))
    with connected(url) as conn:
        counts = {name: count(conn, name) for name in DATA_TABLES if name in present}
    return {name: n for name, n in counts.items() if n}


def clear(url: str) -> None:
    """Drop every table of the target (allowed by the caller: it is empty or may be replaced),
    so the dump's schema goes in whole. SQLite needs nothing: its file is replaced."""
    if dialect_of(url) != "postgresql":
        return
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            metadata = MetaData()
            metadata.reflect(conn)
            metadata.drop_all(conn)
    finally:
        engine.dispose()


def load(url: str, dumped: Path) -> None:
    """Put a dump into the (empty) database at ``url``."""
    if dialect_of(url) == "postgresql":
        target, env = libpq_target(url)
        # One transaction: a dump that does not load leaves the database as it was.
        _run(
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={target}",
                str(dumped),
            ],
            env,
        )
        return
    path = sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.restoring")
    shutil.copyfile(dumped, staged)
    with open(staged, "rb+") as handle:
        os.fsync(handle.fileno())
    # A -wal left beside the old file would be replayed into the new one: remove both first.
    for suffix in ("-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(staged, path)
