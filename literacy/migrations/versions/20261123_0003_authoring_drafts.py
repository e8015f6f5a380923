"""authoring: module drafts and edits kept across an expired session

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:15:00

Written by hand (authoring tables only). Chained after 0002, the newest revision present when it was
written; the quiz (0003) and cohorts (0004) revisions were not there yet.
"""

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'module_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('module_slug', sa.String(length=80), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('files', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_module_draft_organisation_id_organisation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'],
                                name=op.f('fk_module_draft_updated_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_module_draft')),
        sa.UniqueConstraint('module_slug', name=op.f('uq_module_draft_module_slug')),
    )
    op.create_index(op.f('ix_module_draft_organisation_id'), 'module_draft', ['organisation_id'], unique=False)
    op.create_table(
        'edit_stash',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('module_slug', sa.String(length=80), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_edit_stash')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_edit_stash_token_hash')),
    )
    op.create_index(op.f('ix_edit_stash_created_at'), 'edit_stash', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_edit_stash_created_at'), table_name='edit_stash')
    op.drop_table('edit_stash')
    op.drop_index(op.f('ix_module_draft_organisation_id'), table_name='module_draft')
    op.drop_table('module_draft')
