"""dashboard summaries: a row per learner and module, per cohort member, and each cohort's answer tally

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00

Written by hand. The tables are derived from lesson progress, attempts, answers and completions, so
the upgrade fills them from those rows: plain SQL for SQLite and PostgreSQL, frozen here as the schema
stood at this revision (a migration never imports the application, whose models move on). It computes
what `flask summaries rebuild` computes; tests/test_summaries.py checks the two agree.
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
    for statement in FILL:
        op.execute(sa.text(statement))


# Completions come first in the union so that PostgreSQL takes the timestamp type of completed_at from
# them; the NULLs elsewhere are typed for the same reason.
LEARNERS = """
INSERT INTO learner_module_summary (user_id, module_id, last_activity_at, lessons_completed, completed_edition,
    first_completed_at, completion_percent, assessment_best, assessment_passed, precheck_lowest)
SELECT user_id, module_id, max(moment), coalesce(sum(lesson_done), 0), max(edition), min(completed_at),
    max(completion_percent), max(assessment_percent), CAST(coalesce(max(passed), 0) AS BOOLEAN),
    min(precheck_percent)
FROM (
    SELECT user_id, module_id, completed_at AS moment, CAST(NULL AS INTEGER) AS lesson_done, edition,
        completed_at, percent AS completion_percent, CAST(NULL AS INTEGER) AS assessment_percent,
        CAST(NULL AS INTEGER) AS passed, CAST(NULL AS INTEGER) AS precheck_percent
    FROM module_completion
    UNION ALL
    SELECT user_id, module_id, coalesce(submitted_at, started_at) AS moment, NULL AS lesson_done,
        NULL AS edition, NULL AS completed_at, NULL AS completion_percent,
        CASE WHEN purpose = 'assessment' THEN percent END AS assessment_percent,
        CASE WHEN purpose = 'assessment' AND passed IS TRUE THEN 1 ELSE 0 END AS passed,
        CASE WHEN purpose = 'precheck' THEN percent END AS precheck_percent
    FROM quiz_attempt
    UNION ALL
    SELECT user_id, module_id,
        CASE WHEN completed_at > started_at THEN completed_at ELSE started_at END AS moment,
        CASE WHEN completed_at IS NOT NULL THEN 1 ELSE 0 END AS lesson_done,
        NULL AS edition, NULL AS completed_at, NULL AS completion_percent, NULL AS assessment_percent,
        NULL AS passed, NULL AS precheck_percent
    FROM lesson_progress
) AS facts
GROUP BY user_id, module_id
"""

# Current members of cohorts with modules assigned, from the learners' rows just filled.
MEMBERS = """
INSERT INTO cohort_learner_summary (cohort_id, user_id, assigned, completed, started, next_due_on, percent_sum,
    percent_count)
SELECT m.cohort_id, m.user_id, count(a.module_id), count(s.completed_edition),
    CAST(max(CASE WHEN s.user_id IS NOT NULL THEN 1 ELSE 0 END) AS BOOLEAN),
    min(CASE WHEN s.completed_edition IS NULL THEN a.due_on END),
    coalesce(sum(CASE WHEN s.completed_edition IS NOT NULL THEN s.completion_percent END), 0),
    count(CASE WHEN s.completed_edition IS NOT NULL THEN s.completion_percent END)
FROM cohort_member AS m
JOIN cohort_assignment AS a ON a.cohort_id = m.cohort_id
LEFT JOIN learner_module_summary AS s ON s.user_id = m.user_id AND s.module_id = a.module_id
WHERE m.removed_at IS NULL
GROUP BY m.cohort_id, m.user_id
"""

# Submitted assessment answers of current members for assigned modules. The answer is kept as stored
# (JSON text) for questions with options, empty for typed answers; the rest score is the attempt's marks
# without this question's.
TALLY = """
INSERT INTO cohort_answer_tally (cohort_id, module_id, question_key, answer, confidence, correct, answers,
    rest_sum, rest_squares)
SELECT cohort_id, module_id, question_key, answer, confidence, correct, count(*), sum(rest), sum(rest * rest)
FROM (
    SELECT m.cohort_id, t.module_id, r.question_key,
        CASE WHEN EXISTS (
            SELECT 1 FROM question AS q
            WHERE q.version_id = t.version_id AND q."key" = r.question_key
                AND q.kind IN ('single', 'multiple', 'true-false')
        ) THEN CAST(r.answer AS TEXT) ELSE '' END AS answer,
        coalesce(r.confidence, 0) AS confidence,
        r.is_correct AS correct,
        coalesce(t.score, 0) - CASE WHEN r.is_correct IS TRUE THEN 1 ELSE 0 END AS rest
    FROM response AS r
    JOIN quiz_attempt AS t ON t.id = r.attempt_id
    JOIN cohort_member AS m ON m.user_id = t.user_id AND m.removed_at IS NULL
    JOIN cohort_assignment AS a ON a.cohort_id = m.cohort_id AND a.module_id = t.module_id
    WHERE t.purpose = 'assessment' AND t.submitted_at IS NOT NULL AND r.is_correct IS NOT NULL
) AS answers
GROUP BY cohort_id, module_id, question_key, answer, confidence, correct
"""

FILL = (LEARNERS, MEMBERS, TALLY)  # in this order: member rows read the learners' rows


def downgrade():
    op.drop_table("cohort_learner_summary")
    op.drop_table("cohort_answer_tally")
    op.drop_index("ix_learner_module_summary_module", table_name="learner_module_summary")
    op.drop_table("learner_module_summary")
