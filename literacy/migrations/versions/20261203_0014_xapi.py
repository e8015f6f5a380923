"""xapi: organisations' learning record stores and the statements queued for them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 17:00:00

Written by hand (issue 22): an organisation's LRS (its address, the names of the environment variables that
hold its credentials, which statements to send and how learners are named) and one row per statement for
it, queued in the learner's transaction and sent in the background with retries, as the outbox does.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "lrs_connection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=500), nullable=False),
        sa.Column("username_env", sa.String(length=100), nullable=False),
        sa.Column("password_env", sa.String(length=100), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=10), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("actor IN ('account', 'mbox')", name=op.f("ck_lrs_connection_actor")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_lrs_connection_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lrs_connection")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_lrs_connection_organisation_id")),
    )
    op.create_table(
        "xapi_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("statement", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed')", name=op.f("ck_xapi_statement_status")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_xapi_statement_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_xapi_statement_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_statement")),
    )
    with op.batch_alter_table("xapi_statement", schema=None) as batch_op:
        batch_op.create_index("ix_xapi_statement_status_next", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(
            "ix_xapi_statement_organisation_status", ["organisation_id", "status", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_xapi_statement_user_id"), ["user_id"], unique=False)


def downgrade():
    op.drop_table("xapi_statement")
    op.drop_table("lrs_connection")
