"""carts kept on the server, catalog search words, and the indexes the channels read by

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import connectors.cloud.server.sqltypes

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "carts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("customer_code", sa.String(length=6), nullable=False),
        sa.Column("observations", sa.Text(), nullable=False),
        sa.Column("delivery_date", sa.String(length=10), nullable=False),
        sa.Column(
            "created_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_carts_company_id_companies")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_carts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carts")),
        sa.UniqueConstraint("company_id", "user_id", "customer_code", name="uq_carts_owner"),
    )
    op.create_table(
        "cart_lines",
        sa.Column("cart_id", sa.Integer(), nullable=False),
        sa.Column("article_code", sa.String(length=15), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "quantity",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=22, scale=7),
            nullable=False,
        ),
        sa.Column("notice", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["cart_id"], ["carts.id"], name=op.f("fk_cart_lines_cart_id_carts")
        ),
        sa.PrimaryKeyConstraint("cart_id", "article_code", name=op.f("pk_cart_lines")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_company_customer",
            ["company_id", "customer_code", "confirmed_at"],
            unique=False,
        )
    with op.batch_alter_table("md_articles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_md_articles_description", ["company_id", "description", "code"], unique=False
        )
        batch_op.create_index(
            "ix_md_articles_family", ["company_id", "family", "description"], unique=False
        )
    words = op.create_table(
        "md_article_words",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=40), nullable=False),
        sa.Column("article_code", sa.String(length=15), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_md_article_words_company_id_companies")
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "word", "article_code", name=op.f("pk_md_article_words")
        ),
    )
    with op.batch_alter_table("md_article_words", schema=None) as batch_op:
        batch_op.create_index(
            "ix_md_article_words_article", ["company_id", "article_code"], unique=False
        )
    _index_existing_articles(words)


def _index_existing_articles(words: sa.Table) -> None:
    """Search words for the articles synced before this revision."""
    from connectors.cloud.server.search_words import article_words

    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT company_id, code, description, extra_description, synonym, barcode "
            "FROM md_articles"
        )
    ).all()
    batch: list[dict[str, object]] = []
    for company_id, code, description, extra, synonym, barcode in rows:
        batch.extend(
            {"company_id": company_id, "word": word, "article_code": code}
            for word in article_words(code, description, extra, synonym, barcode)
        )
    for start in range(0, len(batch), 5000):
        bind.execute(words.insert(), batch[start : start + 5000])


def downgrade() -> None:
    with op.batch_alter_table("md_article_words", schema=None) as batch_op:
        batch_op.drop_index("ix_md_article_words_article")
    op.drop_table("md_article_words")
    with op.batch_alter_table("md_articles", schema=None) as batch_op:
        batch_op.drop_index("ix_md_articles_family")
        batch_op.drop_index("ix_md_articles_description")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_company_customer")
    op.drop_table("cart_lines")
    op.drop_table("carts")
