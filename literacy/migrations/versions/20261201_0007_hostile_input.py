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
    # Races (or an older edition's unfinished attempt) may have left several open attempts for one learner,
    # module and purpose. Keep the newest, the one the intro page resumes; the others were never graded and
    # go with their answers, as starting a new edition now drops them.
    op.execute(
        "DELETE FROM quiz_attempt WHERE submitted_at IS NULL AND id NOT IN ("
        " SELECT MAX(id) FROM quiz_attempt WHERE submitted_at IS NULL GROUP BY user_id, module_id, purpose)"
    )
    op.create_index(
        "ux_quiz_attempt_open",
        "quiz_attempt",
        ["user_id", "module_id", "purpose"],
        unique=True,
        sqlite_where=sa.text("submitted_at IS NULL"),
        postgresql_where=sa.text("submitted_at IS NULL"),
    )
    # --- end races ---
    # --- stash: the editor's stash is tied to its trainer ---
    # Text kept before this had no owner, so nobody could be shown it safely: it goes (it lived a day).
    op.execute("DELETE FROM edit_stash")
    with op.batch_alter_table("edit_stash", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=False))
        batch_op.create_index(batch_op.f("ix_edit_stash_user_id"), ["user_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_edit_stash_user_id_user"), "user", ["user_id"], ["id"], ondelete="CASCADE"
        )
    # --- end stash ---


def downgrade():
    # --- stash ---
    with op.batch_alter_table("edit_stash", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_edit_stash_user_id_user"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_edit_stash_user_id"))
        batch_op.drop_column("user_id")
    # --- end stash ---
    # --- races ---
    op.drop_index("ux_quiz_attempt_open", table_name="quiz_attempt")
    # --- end races ---
