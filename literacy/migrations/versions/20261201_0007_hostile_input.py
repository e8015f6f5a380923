"""hostile and concurrent input: one open attempt per learner, module and purpose; stash ownership

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 12:00:00

Written by hand; each part is marked with who needs it (issue 13).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # --- races: one open attempt per learner, module and purpose (a unique partial index) ---
    pass
    # --- end races ---
    # --- stash: the editor's stash is tied to its trainer ---
    pass
    # --- end stash ---


def downgrade():
    # --- stash ---
    pass
    # --- end stash ---
    # --- races ---
    pass
    # --- end races ---
