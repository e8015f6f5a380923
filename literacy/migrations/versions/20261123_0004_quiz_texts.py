"""the assessment's and pre-check's own title and introduction

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('module_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quiz_texts', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))


def downgrade():
    with op.batch_alter_table('module_version', schema=None) as batch_op:
        batch_op.drop_column('quiz_texts')
