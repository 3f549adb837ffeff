"""Migration 0004 creates exactly what the models say, on SQLite and PostgreSQL, and goes back."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from hub.database import alembic_config, upgrade
from hub.extensions import db

OURS = {"metric_schedule", "metric_total", "metric_daily", "channel_daily"}


def _touches_ours(diff) -> bool:  # type: ignore[no-untyped-def]
    for item in diff if isinstance(diff, list) else [diff]:
        text = repr(item)
        if any(name in text for name in OURS):
            return True
    return False


def test_models_and_migration_agree_and_downgrade_works(database_url) -> None:
    upgrade(database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
        assert [d for d in diff if _touches_ours(d)] == []
        config = alembic_config(database_url)
        command.downgrade(config, "0003")
        assert OURS.isdisjoint(inspect(engine).get_table_names())
        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) >= OURS
    finally:
        engine.dispose()
