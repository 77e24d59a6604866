"""blind coding rounds: review_rounds, round_assignments, round_decisions

Revision ID: 0004
Revises: 0003 (was 0001 before merging branch web; the coordinator re-chains)
Create Date: 2026-12-06 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("blind_to_machine", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=128), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "round_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("coder", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["review_rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "document_id", "coder", name="uq_round_assignments"),
    )
    with op.batch_alter_table("round_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_assignments_document_id"), ["document_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_round_assignments_round_id"), ["round_id"],
                              unique=False)
    op.create_table(
        "round_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("coder", sa.String(length=128), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("unit_key", sa.String(length=200), nullable=False),
        sa.Column("person_key", sa.JSON(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("value", sa.Boolean(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=True),
        sa.Column("end", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["review_rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "coder", "unit_key", name="uq_round_decisions"),
    )
    with op.batch_alter_table("round_decisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_decisions_document_id"), ["document_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_round_decisions_round_id"), ["round_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("round_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_decisions_round_id"))
        batch_op.drop_index(batch_op.f("ix_round_decisions_document_id"))
    op.drop_table("round_decisions")
    with op.batch_alter_table("round_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_assignments_round_id"))
        batch_op.drop_index(batch_op.f("ix_round_assignments_document_id"))
    op.drop_table("round_assignments")
    op.drop_table("review_rounds")
