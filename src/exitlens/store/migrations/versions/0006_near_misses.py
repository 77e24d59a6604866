"""near_misses: the codes the coders leaned towards for a defector but did not suggest

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 10:00:00

The review page's "possible missed codes" queue: per defector, the few codes the classifier
scored highest on one of their evidence units among those not suggested. Written with each
analysis (replaced with it); a prompt for reviewers, never counted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "near_misses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("coder", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["analysis_id"], ["analyses.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_near_misses_analysis_id", "near_misses", ["analysis_id"])
    op.create_index("ix_near_misses_document_id", "near_misses", ["document_id"])
    op.create_index("ix_near_misses_person_id", "near_misses", ["person_id"])
    op.create_index("ix_near_misses_score", "near_misses", ["score"])


def downgrade() -> None:
    op.drop_index("ix_near_misses_score", table_name="near_misses")
    op.drop_index("ix_near_misses_person_id", table_name="near_misses")
    op.drop_index("ix_near_misses_document_id", table_name="near_misses")
    op.drop_index("ix_near_misses_analysis_id", table_name="near_misses")
    op.drop_table("near_misses")
