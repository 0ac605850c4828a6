"""article images: both WebP renditions per company and article code

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import connectors.cloud.server.sqltypes

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("article_code", sa.String(length=15), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("thumb", sa.LargeBinary(), nullable=False),
        sa.Column("detail", sa.LargeBinary(), nullable=False),
        sa.Column("thumb_bytes", sa.Integer(), nullable=False),
        sa.Column("detail_bytes", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_article_images_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_images")),
        sa.UniqueConstraint(
            "company_id", "article_code", name=op.f("uq_article_images_company_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("article_images")
