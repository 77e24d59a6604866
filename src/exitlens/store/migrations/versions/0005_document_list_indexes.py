"""indexes behind the filtered document list (review status, has defectors) at scale

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 08:10:00

With 100k documents and 1M codings the list filtered by review status or "has defectors"
aggregated every coding and person (2–3 s a page). It now asks, per document, whether its
current analysis has a coding in a given status or a defector — one index seek each. The
review page's "least certain defectors" walks persons by (role, role_confidence).
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_codings_analysis_status", "codings", ["analysis_id", "status"])
    op.create_index("ix_persons_analysis_role", "persons", ["analysis_id", "role"])
    op.create_index("ix_analyses_document_latest", "analyses", ["document_id", "id"])
    op.create_index("ix_persons_role_confidence", "persons", ["role", "role_confidence"])


def downgrade() -> None:
    op.drop_index("ix_persons_role_confidence", table_name="persons")
    op.drop_index("ix_analyses_document_latest", table_name="analyses")
    op.drop_index("ix_persons_analysis_role", table_name="persons")
    op.drop_index("ix_codings_analysis_status", table_name="codings")
