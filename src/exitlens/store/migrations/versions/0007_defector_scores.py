"""persons.defector_score: the role model's probability that a person is a defector

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 15:00:00

The review page's "possible defectors": per document, the person the machine did not call a
defector whom its role model rated highest, walked in score order (the index). Null for
people read before this column existed or without a role model; ``analyze`` fills it for
every document it reads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: SQLite (3.35 and later) adds and drops a column in place,
# where a batch would copy ``persons`` into a new table and drop the old one, and the drop
# cascades to its mentions and codings.


def upgrade() -> None:
    op.add_column("persons", sa.Column("defector_score", sa.Float(), nullable=True))
    # people not called defectors only (the condition as in schema.NOT_A_DEFECTOR)
    op.create_index("ix_persons_possible_defectors", "persons", ["defector_score"],
                    sqlite_where=sa.text("role != 'defector'"),
                    postgresql_where=sa.text("role != 'defector'"))


def downgrade() -> None:
    op.drop_index("ix_persons_possible_defectors", table_name="persons")
    op.drop_column("persons", "defector_score")
