"""engagement metrics

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

The snapshot schedule (``metric_schedule``, one row per published delivery, with a partial index
on what is due), a covering index on the snapshots for an announcement's curves, and the
rollups the dashboard reads (``metric_total``, ``metric_daily``, ``channel_daily``). Existing
snapshots, if any, are rolled up by ``hub.metrics.rollups``'s ``rebuild`` on first use; the
tables start empty here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

METRICS = ("views", "reach", "likes", "comments", "shares", "saves", "clicks")


def _figures(suffix: str = "") -> list[sa.Column]:
    return [sa.Column(f"{name}{suffix}", sa.BigInteger(), nullable=True) for name in METRICS]


def upgrade() -> None:
    op.create_table(
        "metric_schedule",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("last_collected_at", sa.DateTime(), nullable=True),
        sa.Column("collected", sa.Integer(), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_metric_schedule_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_metric_schedule_delivery_id_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_metric_schedule")),
    )
    op.create_index(
        "ix_metric_schedule_due",
        "metric_schedule",
        ["next_due_at"],
        unique=False,
        postgresql_where=sa.text("next_due_at IS NOT NULL"),
        sqlite_where=sa.text("next_due_at IS NOT NULL"),
    )

    op.create_index(
        "ix_metric_snapshot_figures",
        "metric_snapshot",
        ["delivery_id", "collected_at"],
        unique=False,
        postgresql_include=list(METRICS),
    )

    op.create_table(
        "metric_total",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("collected_at", sa.DateTime(), nullable=False),
        *_figures(),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcement.id"],
            name=op.f("fk_metric_total_announcement_id_announcement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_metric_total_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_metric_total_delivery_id_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_metric_total")),
    )
    op.create_index("ix_metric_total_published", "metric_total", ["published_at"], unique=False)
    op.create_index(
        "ix_metric_total_announcement", "metric_total", ["announcement_id"], unique=False
    )

    op.create_table(
        "metric_daily",
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        *_figures(),
        *_figures("_before"),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcement.id"],
            name=op.f("fk_metric_daily_announcement_id_announcement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_metric_daily_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_metric_daily_delivery_id_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("delivery_id", "day", name=op.f("pk_metric_daily")),
    )
    op.create_index(
        "ix_metric_daily_channel_day", "metric_daily", ["channel_id", "day"], unique=False
    )
    op.create_index(
        "ix_metric_daily_announcement_day",
        "metric_daily",
        ["announcement_id", "day"],
        unique=False,
    )
    op.create_index("ix_metric_daily_day", "metric_daily", ["day"], unique=False)

    op.create_table(
        "channel_daily",
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        *_figures(),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("followers", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channel.id"],
            name=op.f("fk_channel_daily_channel_id_channel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("channel_id", "day", name=op.f("pk_channel_daily")),
    )


def downgrade() -> None:
    op.drop_table("channel_daily")
    op.drop_index("ix_metric_daily_day", table_name="metric_daily")
    op.drop_index("ix_metric_daily_announcement_day", table_name="metric_daily")
    op.drop_index("ix_metric_daily_channel_day", table_name="metric_daily")
    op.drop_table("metric_daily")
    op.drop_index("ix_metric_total_announcement", table_name="metric_total")
    op.drop_index("ix_metric_total_published", table_name="metric_total")
    op.drop_table("metric_total")
    op.drop_index("ix_metric_snapshot_figures", table_name="metric_snapshot")
    op.drop_index("ix_metric_schedule_due", table_name="metric_schedule")
    op.drop_table("metric_schedule")
