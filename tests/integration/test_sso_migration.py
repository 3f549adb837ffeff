"""Migration 0009 (single sign-on) keeps everything hanging off a person on SQLite, where a
table rebuilt by a batch migration would take its rows' dependants with it (foreign keys are
on, and API tokens go ON DELETE CASCADE)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

import hub.database  # noqa: F401  (the SQLite pragmas: foreign keys on, as in production)
from hub.database import alembic_config


def test_single_sign_on_columns_come_without_losing_anything(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'before.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0008")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO role (id, name) VALUES (1, 'editor')"))
            conn.execute(
                text(
                    "INSERT INTO user (id, email, active, fs_uniquifier, create_datetime, "
                    "update_datetime) VALUES (1, 'anna@bochum.example', 1, 'u1', "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                )
            )
            conn.execute(text("INSERT INTO roles_users (user_id, role_id) VALUES (1, 1)"))
            conn.execute(
                text(
                    "INSERT INTO api_token (user_id, name, prefix, token_hash, created_at, "
                    "expires_at, scopes) VALUES (1, 'cms', 'hub_abcdefgh', :hash, "
                    "'2026-01-01 00:00:00', '2027-01-01 00:00:00', 'announcements:read')"
                ),
                {"hash": "0" * 64},
            )

        command.upgrade(config, "0009")

        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM api_token")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM roles_users")).scalar() == 1
            row = conn.execute(text("SELECT email, sso_issuer, sso_subject FROM user")).one()
            assert tuple(row) == ("anna@bochum.example", None, None)

        command.downgrade(config, "0008")  # and back, as undone by an operator

        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM api_token")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM roles_users")).scalar() == 1
    finally:
        engine.dispose()
