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
    import sqlalchemy as sa
    from alembic import op

    op.create_table('identity_provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('client_secret_env', sa.String(length=100), nullable=False),
    sa.Column('email_domains', sa.JSON(), nullable=False),
    sa.Column('create_accounts', sa.Boolean(), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_identity_provider_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_provider'))
    )
    with op.batch_alter_table('identity_provider', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_provider_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('user_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_identity_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_identity')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_user_identity_issuer_subject'))
    )
    with op.batch_alter_table('user_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_identity_user_id'), ['user_id'], unique=False)

    # Not in batch mode: on SQLite a batch with a SQL default would copy the table, and dropping the old
    # organisation table would cascade to its memberships and cohorts.
    op.add_column('organisation', sa.Column('sso_required', sa.Boolean(), server_default=sa.false(), nullable=False))
    # --- end sso ---


def downgrade():
    # --- sso ---
    from alembic import op

    op.drop_column('organisation', 'sso_required')  # plain DROP COLUMN: a batch copy would cascade on SQLite
    with op.batch_alter_table('user_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_identity_user_id'))
    op.drop_table('user_identity')
    with op.batch_alter_table('identity_provider', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_provider_organisation_id'))
    op.drop_table('identity_provider')
    # --- end sso ---
    # --- organisations ---
    from alembic import op

    # A plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not a batch: a batch copies the table on SQLite,
    # and dropping the old copy would cascade to every cohort, membership and invitation that points at it.
    for column in ("accent_colour", "logo_hash", "logo_type", "logo", "archived_at"):
        op.drop_column("organisation", column)
    # --- end organisations ---
