"""codebook_versions: the project's codebook stored in the database (newest version in use).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 06:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "codebook_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("yaml", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("codebook_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_codebook_versions_sha256"), ["sha256"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("codebook_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_codebook_versions_sha256"))
    op.drop_table("codebook_versions")
