"""the learners' summary rows by module, edition and validity: one index that covers the organisation
overview's coverage count

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:20:00

Written by hand (issue 16). ``ix_learner_module_summary_module`` (module, edition completed) becomes
``ix_learner_module_summary_module_validity`` (module, edition completed, valid until; on PostgreSQL the
person too, as an included column): the coverage count reads every completion of a module with the day it
stops counting, and now finds all of it in the index, never in the table's rows. On SQLite the table is
WITHOUT ROWID, so its index entries carry the person (the primary key) already. Every query the old index
served reads the new one by the same first two columns.
"""

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    from alembic import op

    op.create_index(
        "ix_learner_module_summary_module_validity",
        "learner_module_summary",
        ["module_id", "completed_edition", "valid_until"],
        unique=False,
        postgresql_include=["user_id"],
    )
    op.drop_index("ix_learner_module_summary_module", table_name="learner_module_summary")
    _statistics_for("ix_learner_module_summary_module_validity")


def _statistics_for(index: str) -> None:
    """On a SQLite database someone has ANALYZEd, give the new index its statistics too: with statistics for
    the other indexes and none for this one, SQLite's planner misjudges it (the cohort dashboard went from
    132 to 341 ms in bench/dashboards.py). PostgreSQL's planner needs nothing for a new B-tree index."""
    from alembic import op
    from sqlalchemy import text

    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first() is not None:
        bind.execute(text(f'ANALYZE "{index}"'))


def downgrade():
    from alembic import op

    op.create_index(
        "ix_learner_module_summary_module",
        "learner_module_summary",
        ["module_id", "completed_edition"],
        unique=False,
    )
    op.drop_index("ix_learner_module_summary_module_validity", table_name="learner_module_summary")
    _statistics_for("ix_learner_module_summary_module")
