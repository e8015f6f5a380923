"""practice: team self-assessments

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:30:00

Written by hand (issue 21): an assessment of one AI system for an organisation, its team, its answers (one
row per question, with a revision that a save must still find, so concurrent saves never overwrite each
other) and the history of every change. The questions come from the versioned file the assessment started
with (courses/self-assessment/v<N>.yaml), so a new questionnaire version needs no schema change.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _user(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["user.id"], name=op.f(f"fk_{table}_{column}_user"), ondelete="SET NULL")


def _assessment(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["assessment_id"], ["self_assessment.id"], name=op.f(f"fk_{table}_assessment_id_self_assessment"),
        ondelete="CASCADE",
    )


def upgrade():
    op.create_table(
        "self_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("system_name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("questionnaire_version", sa.String(length=20), nullable=False),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("atrs_record_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_self_assessment_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["atrs_record_id"], ["atrs_record.id"], name=op.f("fk_self_assessment_atrs_record_id_atrs_record"),
            ondelete="SET NULL",
        ),
        _user("self_assessment", "created_by_id"),
        _user("self_assessment", "updated_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_assessment")),
    )
    op.create_index(op.f("ix_self_assessment_organisation_id"), "self_assessment", ["organisation_id"], unique=False)
    op.create_index(op.f("ix_self_assessment_atrs_record_id"), "self_assessment", ["atrs_record_id"], unique=False)

    op.create_table(
        "self_assessment_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        _assessment("self_assessment_member"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_self_assessment_member_user_id_user"), ondelete="CASCADE"
        ),
        _user("self_assessment_member", "added_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_assessment_member")),
        sa.UniqueConstraint("assessment_id", "user_id", name=op.f("uq_self_assessment_member_assessment_id_user_id")),
    )
    op.create_index(op.f("ix_self_assessment_member_user_id"), "self_assessment_member", ["user_id"], unique=False)

    op.create_table(
        "self_assessment_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=60), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _assessment("self_assessment_answer"),
        _user("self_assessment_answer", "updated_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_assessment_answer")),
        sa.UniqueConstraint(
            "assessment_id", "question_id", name=op.f("uq_self_assessment_answer_assessment_id_question_id")
        ),
    )

    op.create_table(
        "self_assessment_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=60), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        _assessment("self_assessment_change"),
        _user("self_assessment_change", "changed_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_assessment_change")),
    )
    op.create_index(
        "ix_self_assessment_change_assessment_changed", "self_assessment_change", ["assessment_id", "changed_at"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_self_assessment_change_assessment_changed", table_name="self_assessment_change")
    op.drop_table("self_assessment_change")
    op.drop_table("self_assessment_answer")
    op.drop_index(op.f("ix_self_assessment_member_user_id"), table_name="self_assessment_member")
    op.drop_table("self_assessment_member")
    op.drop_index(op.f("ix_self_assessment_atrs_record_id"), table_name="self_assessment")
    op.drop_index(op.f("ix_self_assessment_organisation_id"), table_name="self_assessment")
    op.drop_table("self_assessment")
