"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-12-04 03:06:33.663281
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import connectors.cloud.server.sqltypes

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("notify_email", sa.String(length=255), nullable=True),
        sa.Column(
            "created_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint("slug", name=op.f("uq_companies_slug")),
    )
    op.create_table(
        "agent_heartbeats",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("agent_version", sa.String(length=40), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column(
            "started_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "sent_at", connectors.cloud.server.sqltypes.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "received_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "last_order_ok_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "last_master_sync_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("orders_pending", sa.Integer(), nullable=False),
        sa.Column("orders_in_error", sa.Integer(), nullable=False),
        sa.Column("errors_last_hour", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_agent_heartbeats_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_agent_heartbeats")),
    )
    op.create_table(
        "agent_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column(
            "created_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "last_used_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "revoked_at", connectors.cloud.server.sqltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_agent_tokens_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_agent_tokens_token_hash")),
    )
    with op.batch_alter_table("agent_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agent_tokens_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "md_articles",
        sa.Column("code", sa.String(length=15), nullable=False),
        sa.Column("description", sa.String(length=50), nullable=False),
        sa.Column("extra_description", sa.String(length=20), nullable=False),
        sa.Column("synonym", sa.String(length=15), nullable=False),
        sa.Column("barcode", sa.String(length=40), nullable=False),
        sa.Column("family", sa.String(length=60), nullable=False),
        sa.Column("sellable", sa.Boolean(), nullable=False),
        sa.Column("manages_stock", sa.Boolean(), nullable=False),
        sa.Column(
            "vat_rate",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=12, scale=7),
            nullable=False,
        ),
        sa.Column("allows_fractions", sa.Boolean(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=40), nullable=False),
        sa.Column(
            "updated_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_md_articles_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "record_key", name=op.f("pk_md_articles")),
    )
    op.create_table(
        "md_customers",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("trade_name", sa.String(length=60), nullable=False),
        sa.Column("tax_id", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("address", sa.String(length=60), nullable=False),
        sa.Column("city", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("sale_condition", sa.Integer(), nullable=True),
        sa.Column("price_list", sa.Integer(), nullable=True),
        sa.Column(
            "discount_pct",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=12, scale=7),
            nullable=False,
        ),
        sa.Column("seller_code", sa.String(length=10), nullable=True),
        sa.Column("transport_code", sa.String(length=10), nullable=True),
        sa.Column(
            "credit_limit",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=22, scale=7),
            nullable=True,
        ),
        sa.Column(
            "balance",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=22, scale=7),
            nullable=True,
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=40), nullable=False),
        sa.Column(
            "updated_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_md_customers_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "record_key", name=op.f("pk_md_customers")),
    )
    with op.batch_alter_table("md_customers", schema=None) as batch_op:
        batch_op.create_index("ix_md_customers_seller", ["company_id", "seller_code"], unique=False)

    op.create_table(
        "md_deposits",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=40), nullable=False),
        sa.Column(
            "updated_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_md_deposits_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "record_key", name=op.f("pk_md_deposits")),
    )
    op.create_table(
        "md_price_lists",
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("includes_vat", sa.Boolean(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=40), nullable=False),
        sa.Column(
            "updated_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_md_price_lists_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "record_key", name=op.f("pk_md_price_lists")),
    )
    op.create_table(
        "md_prices",
        sa.Column("price_list", sa.Integer(), nullable=False),
        sa.Column("article_code", sa.String(length=15), nullable=False),
        sa.Column(
            "price",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=22, scale=7),
            nullable=False,
        ),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=40), nullable=False),
        sa.Column(
            "updated_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_md_prices_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "record_key", name=op.f("pk_md_prices")),
    )
    with op.batch_alter_table("md_prices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_md_prices_list_article", ["company_id", "price_list", "article_code"], unique=False
        )

    op.create_table(
        "md_sale_conditions",
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=60), nullable=False),
        sa.Column("cash", sa.Boolean(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=40), nullable=False),
        sa.Column(
            "updated_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_md_sale_conditions_company_id_companies"),
        ),
        sa.PrimaryKeyConstraint("company_id", "record_key", name=op.f("pk_md_sale_conditions")),
    )
    op.create_table(
        "md_sellers",
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.Column("email", sa.String(length=60), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=40), nullable=False),
        sa.Column(
            "updated_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_md_sellers_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "record_key", name=op.f("pk_md_sellers")),
    )
    op.create_table(
        "md_stock",
        sa.Column("article_code", sa.String(length=15), nullable=False),
        sa.Column("deposit_code", sa.String(length=2), nullable=False),
        sa.Column(
            "on_hand",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=22, scale=7),
            nullable=False,
        ),
        sa.Column(
            "committed",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=22, scale=7),
            nullable=False,
        ),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=40), nullable=False),
        sa.Column(
            "updated_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_md_stock_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "record_key", name=op.f("pk_md_stock")),
    )
    with op.batch_alter_table("md_stock", schema=None) as batch_op:
        batch_op.create_index("ix_md_stock_article", ["company_id", "article_code"], unique=False)

    op.create_table(
        "md_vat_rates",
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=20), nullable=False),
        sa.Column(
            "rate",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=12, scale=7),
            nullable=False,
        ),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=40), nullable=False),
        sa.Column(
            "updated_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_md_vat_rates_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", "record_key", name=op.f("pk_md_vat_rates")),
    )
    op.create_table(
        "order_sequences",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_order_sequences_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_order_sequences")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("seller_code", sa.String(length=10), nullable=True),
        sa.Column("customer_code", sa.String(length=6), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "last_login_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_users_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("company_id", "email", name=op.f("uq_users_company_id")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_email"), ["email"], unique=False)

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("customer_code", sa.String(length=6), nullable=False),
        sa.Column("customer_name", sa.String(length=60), nullable=False),
        sa.Column("seller_code", sa.String(length=10), nullable=True),
        sa.Column("price_list", sa.Integer(), nullable=False),
        sa.Column("prices_include_vat", sa.Boolean(), nullable=False),
        sa.Column("sale_condition", sa.Integer(), nullable=False),
        sa.Column(
            "customer_discount_pct",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=12, scale=7),
            nullable=False,
        ),
        sa.Column("deposit_code", sa.String(length=2), nullable=True),
        sa.Column("transport_code", sa.String(length=10), nullable=True),
        sa.Column("observations", sa.Text(), nullable=False),
        sa.Column("customer_po", sa.String(length=20), nullable=True),
        sa.Column("delivery_date", sa.Date(), nullable=True),
        sa.Column(
            "confirmed_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column("placed_by", sa.String(length=120), nullable=False),
        sa.Column("placed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("lease_token", sa.String(length=64), nullable=True),
        sa.Column(
            "lease_expires_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column(
            "next_attempt_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("tango_talonario", sa.Integer(), nullable=True),
        sa.Column("tango_number", sa.String(length=14), nullable=True),
        sa.Column(
            "tango_written_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=True,
        ),
        sa.Column("error_kind", sa.String(length=20), nullable=True),
        sa.Column("error_message", sa.String(length=500), nullable=True),
        sa.Column("error_detail", sa.Text(), nullable=True),
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
            ["company_id"], ["companies.id"], name=op.f("fk_orders_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["placed_by_user_id"], ["users.id"], name=op.f("fk_orders_placed_by_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("company_id", "code", name=op.f("uq_orders_company_id")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_company_status", ["company_id", "status"], unique=False)

    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "expires_at",
            connectors.cloud.server.sqltypes.UTCDateTime(timezone=True),
            nullable=False,
        ),
        sa.Column(
            "revoked_at", connectors.cloud.server.sqltypes.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_web_sessions_company_id_companies")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "order_lines",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("article_code", sa.String(length=15), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column(
            "quantity",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=22, scale=7),
            nullable=False,
        ),
        sa.Column(
            "unit_price",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=22, scale=7),
            nullable=False,
        ),
        sa.Column(
            "discount_pct",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=12, scale=7),
            nullable=False,
        ),
        sa.Column(
            "vat_rate",
            connectors.cloud.server.sqltypes.ExactDecimal(precision=12, scale=7),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("order_id", "line_no", name=op.f("pk_order_lines")),
    )


def downgrade() -> None:

    op.drop_table("order_lines")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_user_id"))

    op.drop_table("web_sessions")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_company_status")

    op.drop_table("orders")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_email"))
        batch_op.drop_index(batch_op.f("ix_users_company_id"))

    op.drop_table("users")
    op.drop_table("order_sequences")
    op.drop_table("md_vat_rates")
    with op.batch_alter_table("md_stock", schema=None) as batch_op:
        batch_op.drop_index("ix_md_stock_article")

    op.drop_table("md_stock")
    op.drop_table("md_sellers")
    op.drop_table("md_sale_conditions")
    with op.batch_alter_table("md_prices", schema=None) as batch_op:
        batch_op.drop_index("ix_md_prices_list_article")

    op.drop_table("md_prices")
    op.drop_table("md_price_lists")
    op.drop_table("md_deposits")
    with op.batch_alter_table("md_customers", schema=None) as batch_op:
        batch_op.drop_index("ix_md_customers_seller")

    op.drop_table("md_customers")
    op.drop_table("md_articles")
    with op.batch_alter_table("agent_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_tokens_company_id"))

    op.drop_table("agent_tokens")
    op.drop_table("agent_heartbeats")
    op.drop_table("companies")
