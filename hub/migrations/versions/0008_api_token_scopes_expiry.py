"""api token scopes and expiry: every token expires, and works only for its scopes

Tokens made before this revision keep working, with every scope (they had all their owner's
roles before, and a scope never widens the roles), until they expire like any other.

When they expire: 90 days after this upgrade, for each of them however old it is, not 90 days
after its ``created_at``. The upgrade is when their owners first hear that tokens expire; one
date for all old tokens is one renewal to plan (``hub token list`` shows it), and no token stops
on the day of the upgrade or a few days later without warning (a CMS token made 89 days ago
would otherwise end the next morning). No old token outlives a token made the same day. The 90
are fixed here rather than read from ``HUB_API_TOKEN_DAYS``: a migration gives the same result
wherever it runs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import hub.models.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OLD_TOKEN_DAYS = 90
# Every scope of hub.auth.scopes at this revision, as stored (a migration does not import it).
ALL_SCOPES = "announcements:read announcements:write channels inbox metrics"


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", hub.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("scopes", sa.String(length=200), nullable=True))
    tokens = sa.table(
        "api_token",
        sa.column("expires_at", hub.models.types.UTCDateTime()),
        sa.column("scopes", sa.String()),
    )
    op.execute(
        tokens.update().values(
            expires_at=datetime.now(UTC) + timedelta(days=OLD_TOKEN_DAYS), scopes=ALL_SCOPES
        )
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=hub.models.types.UTCDateTime(), nullable=False
        )
        batch_op.alter_column("scopes", existing_type=sa.String(length=200), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("scopes")
        batch_op.drop_column("expires_at")
