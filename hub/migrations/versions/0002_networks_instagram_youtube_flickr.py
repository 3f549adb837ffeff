"""networks instagram youtube flickr

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

What the Instagram, YouTube and Flickr connectors and the token lifecycle remember between
attempts: quota spent per Google project and day, uploads that can be resumed, and which
"login expires soon" warnings went out (see hub/models/network_state.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import hub.models.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quota_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("project", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("bucket", sa.String(length=40), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("updated_at", hub.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quota_usage")),
        sa.UniqueConstraint(
            "network",
            "project",
            "day",
            "bucket",
            name=op.f("uq_quota_usage_network_project_day_bucket"),
        ),
    )
    op.create_table(
        "upload_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", hub.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_session")),
        sa.UniqueConstraint("network", "key", name=op.f("uq_upload_session_network_key")),
    )
    op.create_table(
        "login_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", hub.models.types.UTCDateTime(), nullable=False),
        sa.Column("threshold_days", sa.Integer(), nullable=False),
        sa.Column("sent_at", hub.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_login_warning_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_warning")),
        sa.UniqueConstraint(
            "channel_id",
            "expires_at",
            "threshold_days",
            name=op.f("uq_login_warning_channel_id_expires_at_threshold_days"),
        ),
    )


def downgrade() -> None:
    op.drop_table("login_warning")
    op.drop_table("upload_session")
    op.drop_table("quota_usage")
