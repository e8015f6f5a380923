"""dashboard summaries: a row per learner and module, per cohort member, and each cohort's answer tally

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00

Written by hand. The tables are derived from lesson progress, attempts, answers and completions, so
the upgrade fills them from those rows with the application's own set-based rebuild (the same code as
`flask summaries rebuild`). Should a later revision change these two tables, freeze a copy of that SQL
here instead.
"""

import sqlalchemy as sa
from alembic import op


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "learner_module_summary",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lessons_completed", sa.Integer(), nullable=False),
        sa.Column("completed_edition", sa.Integer(), nullable=True),
        sa.Column("first_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completion_percent", sa.Integer(), nullable=True),
        sa.Column("assessment_best", sa.Integer(), nullable=True),
        sa.Column("assessment_passed", sa.Boolean(), nullable=False),
        sa.Column("precheck_lowest", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["module_id"], ["module.id"], name=op.f("fk_learner_module_summary_module_id_module"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_learner_module_summary_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "module_id", name=op.f("pk_learner_module_summary")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_learner_module_summary_module", "learner_module_summary", ["module_id", "completed_edition"], unique=False
    )
    op.create_table(
        "cohort_answer_tally",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("question_key", sa.String(length=80), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("rest_sum", sa.Integer(), nullable=False),
        sa.Column("rest_squares", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_cohort_answer_tally_cohort_id_cohort"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["module_id"], ["module.id"], name=op.f("fk_cohort_answer_tally_module_id_module"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(
            "cohort_id",
            "module_id",
            "question_key",
            "answer",
            "confidence",
            "correct",
            name=op.f("pk_cohort_answer_tally"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "cohort_learner_summary",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.Column("started", sa.Boolean(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("percent_sum", sa.Integer(), nullable=False),
        sa.Column("percent_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohort.id"], name=op.f("fk_cohort_learner_summary_cohort_id_cohort"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_cohort_learner_summary_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("cohort_id", "user_id", name=op.f("pk_cohort_learner_summary")),
        sqlite_with_rowid=False,
    )
    from literacy import summaries

    summaries.rebuild(op.get_bind())


def downgrade():
    op.drop_table("cohort_learner_summary")
    op.drop_table("cohort_answer_tally")
    op.drop_index("ix_learner_module_summary_module", table_name="learner_module_summary")
    op.drop_table("learner_module_summary")
