"""Migration 0003 builds exactly what the models say, on SQLite and PostgreSQL, and can be
taken back and applied again."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import hub.models  # noqa: F401  (every table)
from hub.database import alembic_config, upgrade
from hub.extensions import db
from tests.conftest import PG_ADMIN_URL, drop_pg_database, run_suffix, service_missing

INBOX_TABLES = {
    "comment",
    "comment_tag",
    "comment_sync",
    "inbox_presence",
    "keyword_rule",
    "moderation_action",
    "note",
    "saved_reply",
    "tag",
    "webhook_receipt",
}


def _tables_of(diff: object) -> set[str]:
    """The tables a compare_metadata entry is about (entries nest in lists for columns)."""
    if isinstance(diff, list):
        return set().union(*(_tables_of(d) for d in diff))
    names = set()
    for part in diff if isinstance(diff, tuple) else ():
        table = getattr(part, "table", None)
        if table is not None:
            names.add(table.name)
        if hasattr(part, "name") and hasattr(part, "columns") and hasattr(part, "metadata"):
            names.add(part.name)
        if isinstance(part, str) and part in INBOX_TABLES:
            names.add(part)
    return names


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    from sqlalchemy import text

    name = f"hub_migrate_{run_suffix()}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:
        service_missing("PostgreSQL (127.0.0.1:5432)", exc)
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    drop_pg_database(name)


def test_the_inbox_schema_matches_the_models_both_ways(fresh_url) -> None:
    upgrade(fresh_url)
    command.downgrade(alembic_config(fresh_url), "0002")
    engine = create_engine(fresh_url)
    try:
        assert "comment_sync" not in inspect(engine).get_table_names()
        assert "url" not in {c["name"] for c in inspect(engine).get_columns("comment")}
    finally:
        engine.dispose()
    upgrade(fresh_url)
    engine = create_engine(fresh_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        indexes = {i["name"] for i in inspect(engine).get_indexes("comment")}
    finally:
        engine.dispose()
    mine = [d for d in diff if _tables_of(d) & INBOX_TABLES]
    assert mine == [], mine
    assert {
        "ix_comment_channel_time",
        "ix_comment_flagged_time",
        "ix_comment_status_time",
    } <= indexes
