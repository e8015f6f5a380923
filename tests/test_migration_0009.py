"""Migration 0009 on a database that already holds certificates: every certificate and completion keeps its
row and id through the upgrade (on SQLite, where changing module_completion's unique constraint copies the
table and would cascade to the certificates), through a downgrade and through a second upgrade."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from literacy import create_app
from literacy.extensions import db

from .conftest import make_config
from .test_migrations import empty_database_url  # noqa: F401  (a fixture)

AT_0008 = [
    *[
        'INSERT INTO "user" (id, email, name, is_site_admin, is_enabled, locale, created_at) '
        f"VALUES ({n}, 'p{n}@example.org', 'P{n}', false, true, 'en', '2026-11-01 09:00:00')"
        for n in (1, 2, 3)
    ],
    *[
        "INSERT INTO module (id, slug, origin, status, created_at) "
        f"VALUES ({n}, '{slug}', 'files', 'published', '2026-11-01 09:00:00')"
        for n, slug in ((1, "basics"), (2, "law"))
    ],
    *[
        "INSERT INTO module_version (id, module_id, number, edition, content_hash, language, languages, texts, "
        "level, minutes, pass_mark, shuffle, lesson_count, question_count, source, published_at) "
        f"VALUES ({n}, {module}, {number}, {edition}, 'hash{n}', 'en', '[\"en\"]', '{{}}', 'introductory', 10, 80, "
        "false, 1, 0, '{}', '2026-11-01 09:00:00')"
        for n, module, number, edition in ((1, 1, 1, 1), (2, 2, 1, 1), (3, 1, 2, 2))
    ],
    *[
        "INSERT INTO module_completion (id, user_id, module_id, version_id, edition, language, completed_at, percent) "
        f"VALUES ({n}, {user}, {module}, {version}, {edition}, 'en', '2026-11-0{n} 10:00:00', NULL)"
        for n, user, module, version, edition in (
            (3, 1, 1, 1, 1),  # ids that are not 1, 2, 3 in order: they must survive exactly
            (5, 1, 1, 3, 2),  # the same person and module, the next edition
            (7, 2, 1, 1, 1),
            (8, 3, 2, 2, 1),
        )
    ],
    *[
        "INSERT INTO certificate (id, code, completion_id, issued_at, revoked_at) "
        f"VALUES ({n}, 'code-{n}', {completion}, '2026-11-0{completion} 10:00:01', {revoked})"
        for n, completion, revoked in (
            (11, 3, "NULL"), (12, 5, "NULL"), (14, 7, "'2026-11-20 12:00:00'"), (15, 8, "NULL")
        )
    ],
]

CERTIFICATES = (
    "SELECT id, code, completion_id, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END FROM certificate ORDER BY id"
)
COMPLETIONS = "SELECT id, user_id, module_id, version_id, edition FROM module_completion ORDER BY id"
EXPECTED_CERTIFICATES = [(11, "code-11", 3, 0), (12, "code-12", 5, 0), (14, "code-14", 7, 1), (15, "code-15", 8, 0)]
EXPECTED_COMPLETIONS = [(3, 1, 1, 1, 1), (5, 1, 1, 3, 2), (7, 2, 1, 1, 1), (8, 3, 2, 2, 1)]


def rows(query: str) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query))]


def revision() -> str:
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def test_0009_keeps_every_certificate_up_down_and_up_again(empty_database_url):  # noqa: F811
    app = create_app(make_config(empty_database_url))
    with app.app_context():
        upgrade(revision="0008")
        with db.engine.begin() as connection:
            for statement in AT_0008:
                connection.execute(text(statement))

        upgrade(revision="0009")
        assert revision() == "0009"
        assert rows(CERTIFICATES) == EXPECTED_CERTIFICATES
        assert rows(COMPLETIONS) == EXPECTED_COMPLETIONS
        with db.engine.connect() as connection:
            renewals = connection.execute(text("SELECT DISTINCT renewal FROM module_completion")).scalars().all()
            assert renewals == [0]  # every existing completion is the first of its edition
            added = connection.execute(
                text("SELECT count(*) FROM certificate WHERE valid_until IS NULL AND revoked_by_id IS NULL "
                     "AND revoked_reason IS NULL")
            ).scalar_one()
            assert added == 4  # no expiry for certificates issued before valid_for existed
            versions = connection.execute(text("SELECT count(*) FROM module_version WHERE valid_for IS NULL"))
            assert versions.scalar_one() == 3

        # A renewal (the new unique constraint allows it), then down: the renewal goes, nothing else does.
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO module_completion (id, user_id, module_id, version_id, edition, language, completed_at, "
                "renewal) VALUES (9, 2, 1, 1, 1, 'en', '2027-11-07 10:00:00', 1)"
            ))
            connection.execute(text(
                "INSERT INTO certificate (id, code, completion_id, issued_at, valid_until, revoked_reason) "
                "VALUES (16, 'code-16', 9, '2027-11-07 10:00:01', '2028-11-07 10:00:00', NULL)"
            ))
            connection.execute(text("UPDATE certificate SET revoked_reason = 'In error' WHERE id = 14"))
        downgrade(revision="0008")
        assert revision() == "0008"
        assert rows(CERTIFICATES) == EXPECTED_CERTIFICATES
        assert rows(COMPLETIONS) == EXPECTED_COMPLETIONS

        upgrade()
        assert rows(CERTIFICATES) == EXPECTED_CERTIFICATES
        assert rows(COMPLETIONS) == EXPECTED_COMPLETIONS
        with db.engine.connect() as connection:
            users = connection.execute(text('SELECT id FROM "user" ORDER BY id')).scalars().all()
            assert users == [1, 2, 3]
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()
