"""review web app: users table; codings.version (optimistic concurrency),
codings.review_key (the stable identity human decisions are replayed under), an index
for the review queue's order, and indexes on events by entity and by actor (history,
replay, undo).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 06:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("codings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("review_key", sa.String(length=512), nullable=True))
    op.create_index("ix_events_entity", "events", ["entity", "entity_id"])
    op.create_index("ix_events_actor", "events", ["actor"])
    # the review queue's order (suggested codings, confidence nearest 0.5 first)
    op.create_index("ix_codings_uncertainty", "codings",
                    ["status", sa.text("abs(confidence - 0.5)")])


def downgrade() -> None:
    op.drop_index("ix_codings_uncertainty", table_name="codings")
    op.drop_index("ix_events_actor", table_name="events")
    op.drop_index("ix_events_entity", table_name="events")
    with op.batch_alter_table("codings", schema=None) as batch_op:
        batch_op.drop_column("review_key")
        batch_op.drop_column("version")
    op.drop_table("users")
