"""open inbox indexes: partial indexes for the moderator's open items

A moderator's default views ("open", "assigned to me", "flagged") look for the few open items
among many closed ones. Without these, PostgreSQL reads back through closed comments until it
has a page (hundreds of milliseconds at a million comments when the open items are old).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# As in hub.models.comment at this revision (a migration does not import the models).
OPEN_ITEMS = "status IN ('new', 'assigned')"
INDEXES = {
    "ix_comment_open_time": (["remote_created_at", "id"], f"is_own IS false AND {OPEN_ITEMS}"),
    "ix_comment_open_assignee": (["assignee_id", "remote_created_at", "id"], OPEN_ITEMS),
    "ix_comment_open_flagged": (["remote_created_at", "id"], f"priority > 0 AND {OPEN_ITEMS}"),
}


def upgrade() -> None:
    for name, (columns, where) in INDEXES.items():
        op.create_index(
            name,
            "comment",
            columns,
            unique=False,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="comment")
