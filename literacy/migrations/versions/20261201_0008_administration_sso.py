"""site administration and single sign-on: organisation theming and archiving, identity providers and
linked identities

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:50:00

Written by hand; each part is marked with who needs it (issue 14).
"""

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    # --- organisations: archive, logo, accent colour ---
    import sqlalchemy as sa
    from alembic import op

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("logo", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("logo_type", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("logo_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("accent_colour", sa.String(length=7), nullable=True))
    # --- end organisations ---
    # --- sso: identity providers, linked identities, SSO required ---
    pass
    # --- end sso ---


def downgrade():
    # --- sso ---
    pass
    # --- end sso ---
    # --- organisations ---
    from alembic import op

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        for column in ("accent_colour", "logo_hash", "logo_type", "logo", "archived_at"):
            batch_op.drop_column(column)
    # --- end organisations ---
