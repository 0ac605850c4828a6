"""order submission id

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 03:20:26.917690
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_id", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            "uq_orders_company_submission", ["company_id", "submission_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint("uq_orders_company_submission", type_="unique")
        batch_op.drop_column("submission_id")
