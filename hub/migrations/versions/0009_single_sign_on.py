"""single sign-on: who a person is at the city's identity provider (issuer and subject)

A person who logs in through OpenID Connect is found again by the ID token's ``iss`` and
``sub``, never by an e-mail address alone; the pair is unique (an index, so SQLite does not
rebuild the user table).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE INDEX: on SQLite neither rebuilds the user table (a rebuild
    # drops it first, and with foreign keys on that deletes or blocks everything that points at
    # a person: API tokens, role memberships). So the pair is unique by an index, not a
    # table constraint.
    op.add_column("user", sa.Column("sso_issuer", sa.String(length=500), nullable=True))
    op.add_column("user", sa.Column("sso_subject", sa.String(length=255), nullable=True))
    op.create_index("ix_user_sso_identity", "user", ["sso_issuer", "sso_subject"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_user_sso_identity", table_name="user")
    op.drop_column("user", "sso_subject")  # SQLite >= 3.35 drops a column in place too
    op.drop_column("user", "sso_issuer")
