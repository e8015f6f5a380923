"""notifications and renewal: the outbox, reminder settings and preferences, certificate validity,
revocation and renewals

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:40:00

Written by hand; each part is marked with who needs it (issue 15). On SQLite, columns with a SQL default
are added with a plain ALTER TABLE, never a batch: a batch copies the table, and dropping the old copy
would cascade to every row that points at it.
"""

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    # --- outbox ---
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("is_optional", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed', 'not_sent', 'skipped')",
            name=op.f("ck_outbox_message_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_outbox_message_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_outbox_message_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_message_dedupe_key")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_status_next", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_outbox_message_user_created", ["user_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_organisation_id"), ["organisation_id"], unique=False)

    # A batch (a copy on SQLite) is safe here: no table points at invitation, so nothing cascades.
    with op.batch_alter_table("invitation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_invitation_message_id_outbox_message"), "outbox_message", ["message_id"], ["id"],
            ondelete="SET NULL",
        )
    # --- end outbox ---
    # --- reminders: organisation settings, people's preferences ---
    import sqlalchemy as sa
    from alembic import op

    op.add_column("organisation", sa.Column("reminder_days_before", sa.JSON(), server_default="[7, 1]", nullable=False))
    op.add_column("organisation", sa.Column("overdue_reminders", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("organisation", sa.Column("expiry_notice_days", sa.Integer(), server_default="30", nullable=False))
    op.add_column("user", sa.Column("notify_reminders", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("user", sa.Column("notify_renewals", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("user", sa.Column("notify_digest", sa.Boolean(), server_default=sa.false(), nullable=False))
    # --- end reminders ---
    # --- validity: module versions, certificates, revocation ---
    import sqlalchemy as sa
    from alembic import op

    op.add_column("module_version", sa.Column("valid_for", sa.String(length=20), nullable=True))
    # A batch (a copy on SQLite) is safe here: no table points at certificate, so nothing cascades.
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revoked_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_certificate_revoked_by_id_user"), "user", ["revoked_by_id"], ["id"], ondelete="SET NULL"
        )
    # --- end validity ---
    # --- renewal: cohorts' renewal window, several completions of one edition ---
    import sqlalchemy as sa
    from alembic import op

    op.add_column("cohort", sa.Column("renewal_days", sa.Integer(), server_default="30", nullable=False))
    op.add_column("module_completion", sa.Column("renewal", sa.Integer(), server_default="0", nullable=False))
    _replace_completion_unique(
        old=["user_id", "module_id", "edition"], new=["user_id", "module_id", "edition", "renewal"]
    )
    # --- end renewal ---
    # --- summaries: validity at read time ---
    import sqlalchemy as sa
    from alembic import op

    op.add_column("learner_module_summary", sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True))
    # When each person's latest completion stops counting, as literacy.summaries computes it (a frozen copy):
    # the latest completion's certificate's revocation if that came first, else its expiry. Before this
    # migration no certificate expired, so only revoked ones give a value; every other row stays NULL.
    op.execute(
        """
        UPDATE learner_module_summary SET valid_until = (
            SELECT CASE WHEN c.revoked_at IS NOT NULL AND (c.valid_until IS NULL OR c.revoked_at < c.valid_until)
                        THEN c.revoked_at ELSE c.valid_until END
            FROM module_completion mc LEFT JOIN certificate c ON c.completion_id = mc.id
            WHERE mc.user_id = learner_module_summary.user_id AND mc.module_id = learner_module_summary.module_id
            ORDER BY mc.edition DESC, mc.renewal DESC
            LIMIT 1
        )
        WHERE completed_edition IS NOT NULL
        """
    )
    # Per cohort member: the earliest of those among the cohort's modules, and the earliest date to renew by
    # once it has passed (its day, or the assignment's if later, plus the cohort's renewal_days).
    op.add_column("cohort_learner_summary", sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("cohort_learner_summary", sa.Column("renew_by", sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        renew_by = (
            "GREATEST(date(timezone('UTC', s.valid_until)), date(timezone('UTC', a.assigned_at))) + c.renewal_days"
        )
    else:
        renew_by = "date(max(date(s.valid_until), date(a.assigned_at)), '+' || c.renewal_days || ' days')"
    for column, value in (("valid_until", "s.valid_until"), ("renew_by", renew_by)):
        op.execute(
            f"""
            UPDATE cohort_learner_summary SET {column} = (
                SELECT min({value})
                FROM cohort_assignment a
                JOIN cohort c ON c.id = a.cohort_id
                JOIN learner_module_summary s ON s.module_id = a.module_id
                WHERE a.cohort_id = cohort_learner_summary.cohort_id
                  AND s.user_id = cohort_learner_summary.user_id
                  AND s.completed_edition IS NOT NULL AND s.valid_until IS NOT NULL
            )
            """
        )
    # --- end summaries ---


def _replace_completion_unique(old: list[str], new: list[str]) -> None:
    """Swap module_completion's unique constraint. PostgreSQL alters it in place. SQLite must copy the
    table, and dropping the old copy would cascade to every certificate (its foreign key is ON DELETE
    CASCADE, and PRAGMA foreign_keys cannot be turned off inside the migration's transaction), so the
    certificates are kept aside and put back, ids and all."""
    from alembic import op

    bind = op.get_bind()
    old_name = "uq_module_completion_" + "_".join(old)
    new_name = "uq_module_completion_" + "_".join(new)
    if bind.dialect.name != "sqlite":
        op.drop_constraint(old_name, "module_completion", type_="unique")
        op.create_unique_constraint(new_name, "module_completion", new)
        return
    op.execute("CREATE TEMPORARY TABLE certificate_kept AS SELECT * FROM certificate")
    with op.batch_alter_table("module_completion", recreate="always") as batch_op:
        batch_op.drop_constraint(old_name, type_="unique")
        batch_op.create_unique_constraint(new_name, new)
    op.execute("DELETE FROM certificate")  # nothing left after the cascade; certain either way
    op.execute("INSERT INTO certificate SELECT * FROM certificate_kept")
    op.execute("DROP TABLE certificate_kept")


def downgrade():
    # --- summaries ---
    from alembic import op

    op.drop_column("cohort_learner_summary", "renew_by")
    op.drop_column("cohort_learner_summary", "valid_until")
    op.drop_column("learner_module_summary", "valid_until")
    # --- end summaries ---
    # --- renewal ---
    from alembic import op

    op.execute("DELETE FROM module_completion WHERE renewal > 0")
    _replace_completion_unique(
        old=["user_id", "module_id", "edition", "renewal"], new=["user_id", "module_id", "edition"]
    )
    op.drop_column("module_completion", "renewal")
    op.drop_column("cohort", "renewal_days")
    # --- end renewal ---
    # --- validity ---
    from alembic import op

    with op.batch_alter_table("certificate") as batch_op:  # a copy on SQLite: nothing points at certificate
        batch_op.drop_constraint("fk_certificate_revoked_by_id_user", type_="foreignkey")
        for column in ("revoked_reason", "revoked_by_id", "valid_until"):
            batch_op.drop_column(column)
    op.drop_column("module_version", "valid_for")
    # --- end validity ---
    # --- reminders ---
    from alembic import op

    for column in ("notify_digest", "notify_renewals", "notify_reminders"):
        op.drop_column("user", column)
    for column in ("expiry_notice_days", "overdue_reminders", "reminder_days_before"):
        op.drop_column("organisation", column)
    # --- end reminders ---
    # --- outbox ---
    from alembic import op

    with op.batch_alter_table("invitation") as batch_op:  # a copy on SQLite: nothing points at invitation
        batch_op.drop_constraint("fk_invitation_message_id_outbox_message", type_="foreignkey")
        batch_op.drop_column("message_id")
    op.drop_table("outbox_message")
    # --- end outbox ---
