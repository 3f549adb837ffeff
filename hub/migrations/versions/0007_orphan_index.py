"""orphan index: replies waiting for their parent, instead of every reply by parent

Comments now go in batch by batch, a reply after its parent, so the insert itself sets
``parent_id``. What is left to link later are the few replies whose parent has not arrived: the
partial index holds only those, and the full index over every reply's parent id is dropped (one
index less to write per comment).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# As in hub.models.comment at this revision (a migration does not import the models).
ORPHANS = "parent_id IS NULL AND remote_parent_id IS NOT NULL"
COLUMNS = ["channel_id", "remote_parent_id"]


def upgrade() -> None:
    op.create_index(
        "ix_comment_orphans",
        "comment",
        COLUMNS,
        unique=False,
        postgresql_where=sa.text(ORPHANS),
        sqlite_where=sa.text(ORPHANS),
    )
    op.drop_index("ix_comment_remote_parent", table_name="comment")


def downgrade() -> None:
    op.create_index("ix_comment_remote_parent", "comment", COLUMNS, unique=False)
    op.drop_index("ix_comment_orphans", table_name="comment")
