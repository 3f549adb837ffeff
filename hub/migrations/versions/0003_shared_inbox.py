"""shared inbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

The shared inbox: where each channel's comment sync stands (``comment_sync``), who has an item
open (``inbox_presence``), webhook bodies already taken in (``webhook_receipt``); a lease and
retry schedule for moderation actions; a permalink per comment; whole-word keyword rules; and
composite indexes that let each inbox filter read newest-first pages by key, never by offset.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.models.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COMMENT_INDEXES = {
    "ix_comment_channel_time": ["channel_id", "remote_created_at", "id"],
    "ix_comment_status_time": ["status", "remote_created_at", "id"],
    "ix_comment_assignee_time": ["assignee_id", "remote_created_at", "id"],
    "ix_comment_delivery_time": ["delivery_id", "remote_created_at", "id"],
    "ix_comment_thread": ["channel_id", "remote_post_id"],
    "ix_comment_remote_parent": ["channel_id", "remote_parent_id"],
}
# Replaced by the composite indexes above, which start with the same column.
OLD_COMMENT_INDEXES = {
    "ix_comment_assignee_id": ["assignee_id"],
    "ix_comment_channel_id": ["channel_id"],
    "ix_comment_delivery_id": ["delivery_id"],
    "ix_comment_status": ["status"],
}
FLAGGED = sa.text("priority > 0")
# A starter list, so that a new installation flags the obvious at once; moderators and admins
# edit it under "Inbox settings". Matching ignores case, umlauts and ß.
STARTER_RULES = [
    ("emergency", "Notfall", 10, False),
    ("emergency", "Unfall", 8, False),
    ("emergency", "Wasserrohrbruch", 8, False),
    ("threat", "umbringen", 9, False),
    ("threat", "abstechen", 9, False),
    ("threat", "Bombe", 9, False),
    ("threat", "passiert hier bald was", 9, False),
    ("insult", "Idiot", 3, False),
    ("insult", "Versager", 3, False),
    ("insult", "Arschloch", 3, False),
    ("insult", "Schwachsinn", 2, False),
    ("spam", "ohne Schufa", 1, False),
    ("spam", "Gewinnspiel", 1, False),
]


def upgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("url", sa.String(length=2000), nullable=True))
        for name in OLD_COMMENT_INDEXES:
            batch_op.drop_index(name)
        for name, columns in COMMENT_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
        batch_op.create_index(
            "ix_comment_flagged_time",
            ["remote_created_at", "id"],
            unique=False,
            sqlite_where=FLAGGED,
            postgresql_where=FLAGGED,
        )

    with op.batch_alter_table("moderation_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queued_at", hub.models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("next_attempt_at", hub.models.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("first_attempt_at", hub.models.types.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(sa.Column("lease_token", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("outcome_unknown", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("error_code", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("updated_at", hub.models.types.UTCDateTime(), nullable=True))
        batch_op.drop_index("ix_moderation_action_state")
        batch_op.create_index(
            "ix_moderation_action_state_next", ["state", "next_attempt_at"], unique=False
        )

    with op.batch_alter_table("keyword_rule", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("whole_word", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    rules = sa.table(
        "keyword_rule",
        sa.column("category", sa.String),
        sa.column("keyword", sa.String),
        sa.column("priority", sa.Integer),
        sa.column("whole_word", sa.Boolean),
    )
    if op.get_bind().execute(sa.select(sa.func.count()).select_from(rules)).scalar() == 0:
        op.bulk_insert(
            rules,
            [
                {"category": c, "keyword": k, "priority": p, "whole_word": w}
                for c, k, p, w in STARTER_RULES
            ],
        )

    op.create_table(
        "comment_sync",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.JSON(), nullable=True),
        sa.Column("posts", sa.JSON(), nullable=True),
        sa.Column("next_sync_at", hub.models.types.UTCDateTime(), nullable=True),
        sa.Column("lease_token", sa.String(length=40), nullable=True),
        sa.Column("lease_until", hub.models.types.UTCDateTime(), nullable=True),
        sa.Column("last_synced_at", hub.models.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("quota_day", sa.String(length=10), nullable=True),
        sa.Column("quota_units", sa.Integer(), nullable=False),
        sa.Column("updated_at", hub.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_comment_sync_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_comment_sync")),
    )
    with op.batch_alter_table("comment_sync", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_comment_sync_next_sync_at"), ["next_sync_at"], unique=False
        )

    op.create_table(
        "inbox_presence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(length=10), nullable=False),
        sa.Column("seen_at", hub.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comment.id"],
            name=op.f("fk_inbox_presence_comment_id_comment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_inbox_presence_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_presence")),
        sa.UniqueConstraint(
            "comment_id", "user_id", name=op.f("uq_inbox_presence_comment_id_user_id")
        ),
    )
    with op.batch_alter_table("inbox_presence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_presence_seen_at"), ["seen_at"], unique=False)

    op.create_table(
        "webhook_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("received_at", hub.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_receipt")),
        sa.UniqueConstraint("digest", name=op.f("uq_webhook_receipt_digest")),
    )
    with op.batch_alter_table("webhook_receipt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_receipt_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_receipt_received_at"))
    op.drop_table("webhook_receipt")
    with op.batch_alter_table("inbox_presence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_presence_seen_at"))
    op.drop_table("inbox_presence")
    with op.batch_alter_table("comment_sync", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_sync_next_sync_at"))
    op.drop_table("comment_sync")

    with op.batch_alter_table("keyword_rule", schema=None) as batch_op:
        batch_op.drop_column("whole_word")

    with op.batch_alter_table("moderation_action", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_action_state_next")
        batch_op.create_index("ix_moderation_action_state", ["state"], unique=False)
        for column in (
            "updated_at",
            "error_code",
            "outcome_unknown",
            "lease_token",
            "first_attempt_at",
            "next_attempt_at",
            "queued_at",
        ):
            batch_op.drop_column(column)

    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_flagged_time")
        for name in COMMENT_INDEXES:
            batch_op.drop_index(name)
        for name, columns in OLD_COMMENT_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
        batch_op.drop_column("url")
