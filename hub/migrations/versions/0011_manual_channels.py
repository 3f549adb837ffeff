"""manual channels: the person who posts by hand on a channel without an API

A channel of the network "manual" (a WhatsApp channel, a notice board) names the person who is
told when one of its posts falls due. Empty: the announcement's author is told. The network and
the delivery states are strings, so the new network and the states "waiting_for_person" and
"skipped" need no schema change.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.add_column(sa.Column("responsible_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_channel_responsible_user_id_user"),
            "user",
            ["responsible_user_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_channel_responsible_user_id_user"), type_="foreignkey")
        batch_op.drop_column("responsible_user_id")
