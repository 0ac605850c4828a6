"""web sessions remember their last request (idle timeout); companies may store an SMTP password
(encrypted with the server key)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import connectors.cloud.server.sqltypes

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", connectors.cloud.server.sqltypes.UTCDateTime(),
                                   nullable=True))
    with op.batch_alter_table("company_settings") as batch:
        batch.add_column(sa.Column("smtp_password_sealed", sa.Text(), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("company_settings") as batch:
        batch.drop_column("smtp_password_sealed")
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("last_seen_at")
