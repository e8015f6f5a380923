"""the organisation overview from summaries: member rows that know completions of older editions, and each
organisation's people counted per module, edition and day their completion stops counting

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 08:40:00

Written by hand (issue 16). ``cohort_learner_summary`` gains ``stale`` (completions of an older edition
than the module's live one) and ``stale_renew_by`` (the earliest date to renew those by), so the overview's
cohorts side by side no longer reads every older completion; ``organisation_module_summary`` counts each
organisation's people by module, edition completed and the UTC day their latest completion stops counting
(9999-12-31 for never), so its coverage adds up a few rows per module and day. Both are filled here with
frozen SQL computing what ``flask summaries rebuild`` computes (tests/test_organisation_summary.py).
"""

import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SQLITE = {
    "day": "date({})",
    "never": "'9999-12-31'",
    "renew": "date(max(min(coalesce(date(s.valid_until), e.first_on), e.first_on), date(a.assigned_at)), "
    "'+' || coalesce(c.renewal_days, 30) || ' days')",
}
POSTGRESQL = {
    "day": "date(timezone('UTC', {}))",
    "never": "DATE '9999-12-31'",
    "renew": "GREATEST(LEAST(coalesce(date(timezone('UTC', s.valid_until)), e.first_on), e.first_on), "
    "date(timezone('UTC', a.assigned_at))) + coalesce(c.renewal_days, 30)",
}


def _sql():
    from alembic import op

    return POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE


def upgrade():
    from alembic import op

    op.add_column("cohort_learner_summary", sa.Column("stale", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("cohort_learner_summary", sa.Column("stale_renew_by", sa.Date(), nullable=True))
    op.create_table(
        "organisation_module_summary",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("completed_edition", sa.Integer(), nullable=False),
        sa.Column("valid_on", sa.Date(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["module.id"], name=op.f("fk_organisation_module_summary_module_id_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"],
            name=op.f("fk_organisation_module_summary_organisation_id_organisation"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organisation_id", "module_id", "completed_edition", "valid_on", name=op.f("pk_organisation_module_summary")
        ),
        sqlite_with_rowid=False,
    )
    sql = _sql()
    day = sql["day"]
    # completions of an older edition than the live one, with what renewing them needs, per member
    older = f"""
        FROM cohort_assignment a
        JOIN cohort c ON c.id = a.cohort_id
        JOIN module m ON m.id = a.module_id AND m.status = 'published'
        JOIN module_version v ON v.id = m.current_version_id
        JOIN (SELECT module_id, edition, {day.format("min(published_at)")} AS first_on
              FROM module_version GROUP BY module_id, edition) e
          ON e.module_id = v.module_id AND e.edition = v.edition
        JOIN learner_module_summary s ON s.module_id = a.module_id AND s.completed_edition < v.edition
        WHERE a.cohort_id = cohort_learner_summary.cohort_id AND s.user_id = cohort_learner_summary.user_id
    """
    op.execute(
        f"UPDATE cohort_learner_summary SET stale = (SELECT count(*) {older}), "
        f"stale_renew_by = (SELECT min({sql['renew']}) {older})"
    )
    op.execute(
        "INSERT INTO organisation_module_summary (organisation_id, module_id, completed_edition, valid_on, people) "
        f"SELECT p.organisation_id, s.module_id, s.completed_edition, "
        f"coalesce({day.format('s.valid_until')}, {sql['never']}), count(*) "
        "FROM learner_module_summary s "
        "JOIN (SELECT DISTINCT organisation_id, user_id FROM membership) p ON p.user_id = s.user_id "
        "WHERE s.completed_edition IS NOT NULL "
        f"GROUP BY p.organisation_id, s.module_id, s.completed_edition, coalesce({day.format('s.valid_until')}, "
        f"{sql['never']})"
    )


def downgrade():
    from alembic import op

    op.drop_table("organisation_module_summary")
    op.execute("ALTER TABLE cohort_learner_summary DROP COLUMN stale_renew_by")
    op.execute("ALTER TABLE cohort_learner_summary DROP COLUMN stale")
