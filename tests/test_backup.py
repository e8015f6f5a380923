"""Backups and restore (docs/operations.md, "Backups and restore"): ``flask backup PATH`` copies a live
database that is being written to, consistently; ``flask restore PATH`` puts it into a new instance, which
passes ``flask summaries check`` and on which people sign in and certificates verify; every refusal says
why. SQLite always; PostgreSQL (pg_dump/pg_restore) when the run's database is PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from literacy import backup
from literacy.extensions import db, writing
from literacy.models import (
    Certificate,
    CohortMember,
    LessonProgress,
    Membership,
    Module,
    ModuleCompletion,
    Organisation,
    QuizAttempt,
    User,
)
from literacy.publishing import sync_courses

from .cohorts_support import make_cohort, make_people, visit
from .conftest import PASSWORD, TEST_DATABASE_URL, Auth, make_app, make_config
from .quiz_support import RIGHT, complete_lessons, take, text_of, write_quiz_module
from .test_migrations import empty_database_url  # noqa: F401 - the fixture: a brand-new database

LEARNER = "lee@vale.example"
HEAD = backup.code_heads()[0]
ON_POSTGRESQL = bool(TEST_DATABASE_URL) and make_url(TEST_DATABASE_URL).get_backend_name() == "postgresql"


def instance_app(url: str, folder: Path, **settings: Any) -> Flask:
    """An app on its own database, as an instance of the site (its queue file in its own folder)."""
    return make_app(make_config(url, QUEUE_URL=f"sqlite:///{folder / 'queue.sqlite3'}", **settings))


def close(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def fill(app: Flask, courses: Path) -> dict[str, Any]:
    """Real data through the migrations, the models' helpers and the learner's own pages: an organisation,
    people, a cohort with an assigned module, progress, and a learner who passed and holds a certificate."""
    with app.app_context():
        upgrade()
        write_quiz_module(courses)
        assert not sync_courses(courses).problems
        organisation = Organisation(slug="vale", name="Vale Council")
        db.session.add(organisation)
        db.session.commit()
        learner = User(email=LEARNER, name="Lee Learner")
        learner.set_password(PASSWORD)
        db.session.add(learner)
        db.session.flush()
        db.session.add(Membership(user_id=learner.id, organisation_id=organisation.id, role="learner"))
        db.session.commit()
        others = make_people(organisation, 6)
        module = db.session.scalar(select(Module).where(Module.slug == "quiz-module"))
        make_cohort(organisation, "Autumn 2026", members=[learner, *others], modules=[(module, date(2027, 1, 29))])
        for person in others[:3]:
            visit(person, module)
        auth = Auth(app.test_client())
        assert auth.sign_in(LEARNER).status_code == 302
        complete_lessons(auth, "quiz-module")
        take(auth, "quiz-module", RIGHT)
        code = db.session.scalar(select(Certificate.code))
        assert code, "the learner's pass issued a certificate"
        found, organisation_id = counts(), organisation.id
        db.session.remove()
    return {"code": code, "counts": found, "organisation_id": organisation_id}


def counts() -> dict[str, int]:
    tables = (User, Membership, CohortMember, LessonProgress, QuizAttempt, ModuleCompletion, Certificate)
    return {table.__tablename__: db.session.scalar(select(func.count()).select_from(table)) for table in tables}


def check_restored(app: Flask, data: dict[str, Any]) -> None:
    """The restored instance passes ``flask summaries check``, holds the rows, lets the learner sign in,
    and verifies their certificate."""
    with app.app_context():
        checked = app.test_cli_runner().invoke(args=["summaries", "check"])
        assert checked.exit_code == 0, checked.output
        assert "The summaries match the raw rows." in checked.output
        assert counts() == data["counts"]
    browser = app.test_client()
    assert Auth(browser).sign_in(LEARNER).status_code == 302
    assert "Signed in as Lee Learner" in browser.get("/").get_data(as_text=True)
    page = text_of(app.test_client().get(f"/certificates/{data['code']}").get_data(as_text=True))
    assert "This certificate is genuine" in page and "Lee Learner" in page and "Score 100%" in page


# -- SQLite ----------------------------------------------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Flask, Path, dict[str, Any]]]:
    """A SQLite instance with real data: its app, its database file and what it holds."""
    folder = tmp_path / "live"
    database = folder / "literacy.sqlite3"
    app = instance_app(f"sqlite:///{database}", folder)
    data = fill(app, tmp_path / "courses")
    yield app, database, data
    close(app)


def invoke(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def test_a_backup_taken_while_another_connection_writes_is_a_consistent_snapshot(live, tmp_path):
    app, database, data = live
    written: list[int] = []
    stop = threading.Event()

    def writer() -> None:
        """Each transaction adds a person and their membership: a consistent copy has both or neither."""
        with app.app_context():
            number = 0
            while not stop.is_set():
                with writing():
                    person = User(email=f"writer{number}@vale.example", name=f"Writer {number}")
                    db.session.add(person)
                    db.session.flush()
                    db.session.add(
                        Membership(user_id=person.id, organisation_id=data["organisation_id"], role="learner")
                    )
                    db.session.commit()
                written.append(number)
                number += 1
            db.session.remove()

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 30
        while len(written) < count:
            assert thread.is_alive(), "the writer stopped (its error is printed above)"
            assert time.monotonic() < deadline, f"the writer made {len(written)} of {count} writes in 30 s"
            time.sleep(0.01)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_for(5)
        before = len(written)
        made = backup.backup_sqlite(database, tmp_path / "backup.sqlite3")
        after = len(written)
        wait_for(after + 5)  # the writer carries on after the backup, unharmed
    finally:
        stop.set()
        thread.join()

    assert made.revision == HEAD and made.state == backup.CURRENT
    assert backup.inspect_sqlite(made.path) == ("ok", HEAD)
    with closing(sqlite3.connect(made.path)) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file, no -wal beside it
        emails = {row[0] for row in copy.execute("SELECT email FROM \"user\" WHERE email LIKE 'writer%'")}
        joined = copy.execute(
            "SELECT count(*) FROM \"user\" JOIN membership ON membership.user_id = \"user\".id "
            "WHERE email LIKE 'writer%'"
        ).fetchone()[0]
    copied = len(emails)
    assert before <= copied <= after + 1  # what was committed when the snapshot began
    assert emails == {f"writer{n}@vale.example" for n in range(copied)}  # every transaction before it, none after
    assert joined == copied  # each person with their membership: no half-copied transaction
    assert len(written) > copied  # and the live database went on past the copy


def test_a_writer_holding_the_lock_neither_blocks_the_backup_nor_gets_into_it(live, tmp_path):
    """WAL: the backup reads a snapshot, so an open write transaction does not stop it (it would wait up to
    30 s for the lock in rollback-journal mode), and its uncommitted rows are not copied."""
    _, database, _ = live
    with closing(sqlite3.connect(database, isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO organisation (slug, name, created_at) VALUES ('uncommitted', 'U', '2026-12-01')")
        started = time.perf_counter()
        made = backup.backup_sqlite(database, tmp_path / "backup.sqlite3")
        elapsed = time.perf_counter() - started
        holder.execute("COMMIT")
    assert elapsed < 10, elapsed
    with closing(sqlite3.connect(made.path)) as copy:
        assert copy.execute("SELECT slug FROM organisation").fetchall() == [("vale",)]


def test_a_sqlite_backup_restores_into_a_new_instance_that_passes_the_summaries_check(live, tmp_path):
    app, _, data = live
    result = invoke(app, "backup", str(tmp_path / "backup.sqlite3"))
    assert result.exit_code == 0, result.output
    assert f"Backed up to {tmp_path / 'backup.sqlite3'}" in result.output
    assert f"integrity ok, Alembic revision {HEAD} (this code's head)" in result.output
    assert (tmp_path / "backup.sqlite3").stat().st_mode & 0o077 == 0  # password hashes: the owner's only
    assert sorted(path.name for path in tmp_path.iterdir()) == ["backup.sqlite3", "courses", "live"]  # no leftovers

    folder = tmp_path / "new-instance"  # not there yet: a new instance
    restored = instance_app(f"sqlite:///{folder / 'literacy.sqlite3'}", folder)
    try:
        result = invoke(restored, "restore", str(tmp_path / "backup.sqlite3"))
        assert result.exit_code == 0, result.output
        assert f"Restored {tmp_path / 'backup.sqlite3'} into {folder / 'literacy.sqlite3'}." in result.output
        assert f"Alembic revision {HEAD} (this code's head)." in result.output
        check_restored(restored, data)
    finally:
        close(restored)


def test_backup_refuses_an_existing_file_unless_forced(live, tmp_path):
    app, _, _ = live
    target = tmp_path / "backup.sqlite3"
    target.write_text("yesterday's backup")
    result = invoke(app, "backup", str(target))
    assert result.exit_code == 1
    assert f"Error: {target} already exists: give another name, or --force to replace it" in result.output
    assert target.read_text() == "yesterday's backup"
    result = invoke(app, "backup", "--force", str(target))
    assert result.exit_code == 0, result.output
    assert backup.inspect_sqlite(target) == ("ok", HEAD)


def test_backup_says_why_a_path_cannot_be_written(live, tmp_path):
    app, _, _ = live
    missing = invoke(app, "backup", str(tmp_path / "no-such-folder" / "backup.sqlite3"))
    assert missing.exit_code == 1
    assert f"the folder {tmp_path / 'no-such-folder'} does not exist: create it first" in missing.output
    (tmp_path / "a-file").write_text("")
    under_a_file = invoke(app, "backup", str(tmp_path / "a-file" / "backup.sqlite3"))
    assert under_a_file.exit_code == 1 and f"{tmp_path / 'a-file'} is not a folder" in under_a_file.output
    folder = invoke(app, "backup", str(tmp_path))
    assert folder.exit_code == 2 and "is a directory" in folder.output
    with pytest.raises(backup.BackupError, match="is the live database itself"):
        backup.backup_sqlite(live[1], live[1], force=True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in any folder, so a read-only one cannot be shown")
def test_backup_refuses_a_folder_it_may_not_write_in(live, tmp_path):
    app, _, _ = live
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    result = invoke(app, "backup", str(locked / "backup.sqlite3"))
    assert result.exit_code == 1 and f"cannot write in {locked}: permission denied" in result.output


def test_a_folder_that_refuses_the_file_gives_the_systems_reason(live, tmp_path, monkeypatch):
    """When the file cannot be created after all (a read-only file system, a full disk, or root's view of
    permissions differing from the server's), the system's reason is shown."""

    def refused(*args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(backup.tempfile, "mkstemp", refused)
    result = invoke(live[0], "backup", str(tmp_path / "backup.sqlite3"))
    assert result.exit_code == 1 and f"Error: cannot write in {tmp_path}: Permission denied" in result.output


def test_nothing_is_left_at_path_when_the_copy_fails_its_check(live, tmp_path, monkeypatch):
    monkeypatch.setattr(backup, "inspect_sqlite", lambda path: ("*** in database main *** Page 7 never used", HEAD))
    result = invoke(live[0], "backup", str(tmp_path / "backup.sqlite3"))
    assert result.exit_code == 1 and "the copy failed its integrity check" in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["courses", "live"]  # no PATH, no .partial


def test_backup_says_when_there_is_no_database(tmp_path):
    app = instance_app(f"sqlite:///{tmp_path / 'gone' / 'literacy.sqlite3'}", tmp_path)
    try:
        result = invoke(app, "backup", str(tmp_path / "backup.sqlite3"))
        assert result.exit_code == 1
        assert f"there is no SQLite database at {tmp_path / 'gone' / 'literacy.sqlite3'}" in result.output
        assert not (tmp_path / "gone").exists()  # and none was created
    finally:
        close(app)


def test_restore_refuses_a_database_that_holds_data_unless_forced(live, tmp_path):
    app, database, data = live
    made = backup.backup_sqlite(database, tmp_path / "backup.sqlite3")
    with app.app_context():  # the live site moves on after the backup
        db.session.add(Organisation(slug="later", name="Added later"))
        db.session.commit()
        db.session.remove()
    result = invoke(app, "restore", str(made.path))
    assert result.exit_code == 1
    assert f"the database at {database} already holds data (" in result.output
    assert "restore into a new instance, or stop the site and its consumers and give --force" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2  # untouched
        db.session.remove()
    result = invoke(app, "restore", "--force", str(made.path))
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalars(select(Organisation.slug)).all() == ["vale"]  # the backup's rows
        db.session.remove()
    check_restored(app, data)


def test_restore_into_a_migrated_but_empty_database_needs_no_force(live, tmp_path):
    """`flask db upgrade` first, restore after: the tables are there but hold nothing to lose."""
    _, database, data = live
    made = backup.backup_sqlite(database, tmp_path / "backup.sqlite3")
    folder = tmp_path / "new-instance"
    restored = instance_app(f"sqlite:///{folder / 'literacy.sqlite3'}", folder)
    try:
        with restored.app_context():
            upgrade()
            db.engine.dispose()
        result = invoke(restored, "restore", str(made.path))
        assert result.exit_code == 0, result.output
        check_restored(restored, data)
    finally:
        close(restored)


def test_restore_refuses_a_backup_from_a_newer_release(live, tmp_path):
    _, database, _ = live
    made = backup.backup_sqlite(database, tmp_path / "backup.sqlite3")
    with closing(sqlite3.connect(made.path)) as copy, copy:
        copy.execute("UPDATE alembic_version SET version_num = 'f00dcafe'")
    folder = tmp_path / "new-instance"
    restored = instance_app(f"sqlite:///{folder / 'literacy.sqlite3'}", folder)
    try:
        result = invoke(restored, "restore", str(made.path))
    finally:
        close(restored)
    assert result.exit_code == 1
    assert f"is at Alembic revision f00dcafe, which this code does not know (its head is {HEAD})" in result.output
    assert "a newer release made it" in result.output
    assert not (folder / "literacy.sqlite3").exists()


def test_an_older_backup_is_restored_and_upgraded_when_asked(tmp_path):
    """A backup of an older release's schema: restore says to run `flask db upgrade`; --upgrade runs it."""
    old = tmp_path / "old.sqlite3"
    app = instance_app(f"sqlite:///{old}", tmp_path)
    with app.app_context():
        upgrade(revision="0008")
    close(app)
    made = backup.backup_sqlite(old, tmp_path / "backup.sqlite3")
    assert made.revision == "0008" and made.state == backup.OLDER
    for number, options in enumerate(([], ["--upgrade"])):
        folder = tmp_path / f"instance-{number}"
        restored = instance_app(f"sqlite:///{folder / 'literacy.sqlite3'}", folder)
        try:
            result = invoke(restored, "restore", *options, str(made.path))
            assert result.exit_code == 0, result.output
            if not options:
                assert f"Its schema is at Alembic revision 0008, older than this code's {HEAD}" in result.output
                assert "run `flask --app literacy db upgrade` before starting the site" in result.output
                assert backup.inspect_sqlite(folder / "literacy.sqlite3")[1] == "0008"
            else:
                assert f"Upgraded the schema from 0008 to {HEAD}." in result.output
                assert backup.inspect_sqlite(folder / "literacy.sqlite3") == ("ok", HEAD)
        finally:
            close(restored)


def test_restore_refuses_what_is_not_a_backup_of_this_site(tmp_path):
    folder = tmp_path / "new-instance"
    restored = instance_app(f"sqlite:///{folder / 'literacy.sqlite3'}", folder)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database")
    bare = tmp_path / "bare.sqlite3"  # a SQLite file, but no schema made by the migrations
    with closing(sqlite3.connect(bare)) as other, other:
        other.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")
    try:
        result = invoke(restored, "restore", str(notes))
        assert result.exit_code == 1 and f"{notes} is not a SQLite backup" in result.output
        result = invoke(restored, "restore", str(bare))
        assert result.exit_code == 1 and f"{bare} has no Alembic revision (no alembic_version table)" in result.output
        result = invoke(restored, "restore", str(tmp_path / "missing.sqlite3"))
        assert result.exit_code == 2 and "does not exist" in result.output
    finally:
        close(restored)
    assert not (folder / "literacy.sqlite3").exists()


def test_the_commands_need_the_secret_key_like_every_command_that_uses_the_database(live, tmp_path):
    app, _, _ = live
    app.config["SECRET_KEY"] = None
    result = invoke(app, "backup", str(tmp_path / "backup.sqlite3"))
    assert result.exit_code == 1 and "Set LITERACY_SECRET_KEY" in result.output
    assert not (tmp_path / "backup.sqlite3").exists()


@pytest.mark.slow
def test_the_real_commands_back_up_and_restore_into_a_new_instance_folder(live, tmp_path):
    """`flask backup`, `flask restore` and `flask summaries check` as an operator runs them: separate
    processes, the live instance's settings, then the new instance's."""
    _, database, data = live
    base = {key: value for key, value in os.environ.items() if not key.startswith("LITERACY_")}

    def flask(instance: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **base,
            "LITERACY_SECRET_KEY": "a test secret key that is long enough",
            "LITERACY_DATABASE_URL": f"sqlite:///{instance / 'literacy.sqlite3'}",
            "LITERACY_QUEUE_URL": f"sqlite:///{instance / 'queue.sqlite3'}",
        }
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "literacy", *args],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
        )

    made = flask(database.parent, "backup", str(tmp_path / "backup.sqlite3"))
    assert made.returncode == 0, made.stderr
    new = tmp_path / "new-instance"
    restored = flask(new, "restore", str(tmp_path / "backup.sqlite3"))
    assert restored.returncode == 0, restored.stderr
    checked = flask(new, "summaries", "check")
    assert checked.returncode == 0 and "The summaries match the raw rows." in checked.stdout, checked.stderr
    again = flask(new, "restore", str(tmp_path / "backup.sqlite3"))
    assert again.returncode == 1 and "already holds data" in again.stderr
    assert not (new / "queue.sqlite3").exists()  # restored without the live instance's queue file: not needed
    app = instance_app(f"sqlite:///{new / 'literacy.sqlite3'}", new)
    try:
        check_restored(app, data)
    finally:
        close(app)


# -- PostgreSQL ------------------------------------------------------------------------------------------


def test_the_password_travels_in_the_environment_never_on_the_command_line():
    uri, environment = backup.libpq("postgresql+psycopg://literacy:s3cret%2Fword@db.internal:5433/literacy?sslmode=require")
    assert uri == "postgresql://literacy@db.internal:5433/literacy?sslmode=require"
    assert environment["PGPASSWORD"] == "s3cret/word"
    assert backup.where("postgresql+psycopg://literacy:s3cret@db.internal/literacy") == "literacy on db.internal"


def test_a_missing_pg_dump_points_to_the_documented_procedure(tmp_path):
    with pytest.raises(backup.BackupError) as refused:
        backup.pg_tool("pg_dump", tmp_path)
    assert f"pg_dump is not in {tmp_path}" in str(refused.value)
    assert 'docs/operations.md, "Backups and restore"' in str(refused.value)


def test_a_pg_dump_older_than_the_server_is_refused_before_it_runs(monkeypatch, tmp_path):
    for name in ("pg_dump", "pg_restore"):
        (tmp_path / name).write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 14.11'\n")
        (tmp_path / name).chmod(0o755)
    monkeypatch.setattr(backup, "server_major", lambda url: 15)
    assert backup.tool_major(str(tmp_path / "pg_dump")) == 14
    with pytest.raises(backup.BackupError) as refused:
        backup.pg_tools("postgresql+psycopg://literacy@db.internal/literacy", tmp_path)
    message = str(refused.value)
    assert "is PostgreSQL 14's but the server runs PostgreSQL 15" in message
    assert "install postgresql-client-15 and give --pg-bin /usr/lib/postgresql/15/bin" in message


def test_an_unreachable_postgresql_server_is_named_without_its_password(tmp_path):
    url = "postgresql+psycopg://literacy:hunter2-secret@127.0.0.1:1/literacy"
    with pytest.raises(backup.BackupError) as refused:
        backup.backup_postgresql(url, tmp_path / "backup.dump", folder=None)
    assert "cannot reach the database literacy on 127.0.0.1:1" in str(refused.value)
    assert "hunter2" not in str(refused.value)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def restore_database() -> Iterator[str]:
    """A new, empty PostgreSQL database owned by a new role with a password (not a superuser), dropped after."""
    suffix = uuid.uuid4().hex[:8]
    name, role, password = f"literacy_backup_restore_{suffix}", f"literacy_backup_{suffix}", f"pw-{uuid.uuid4().hex}"
    base = make_url(TEST_DATABASE_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{password}'"))
        connection.execute(text(f'CREATE DATABASE "{name}" OWNER "{role}"'))
    try:
        yield base.set(database=name, username=role, password=password).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs LITERACY_TEST_DATABASE_URL pointing at PostgreSQL")
@pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")), reason="pg_dump and pg_restore are not on PATH"
)
def test_a_postgresql_backup_restores_into_a_new_database_that_passes_the_summaries_check(
    empty_database_url, restore_database, tmp_path  # noqa: F811 - the imported fixture
):
    source = instance_app(empty_database_url, tmp_path)
    data = fill(source, tmp_path / "courses")
    try:
        result = invoke(source, "backup", str(tmp_path / "literacy.dump"))
    finally:
        close(source)
    assert result.exit_code == 0, result.output
    assert f"pg_restore reads it, Alembic revision {HEAD} (this code's head)" in result.output
    assert backup.kind_of_file(tmp_path / "literacy.dump") == "postgresql"

    # into a new database, as its own (non-superuser) owner: --no-owner; the password through PGPASSWORD
    restored = instance_app(restore_database, tmp_path)
    try:
        result = invoke(restored, "restore", str(tmp_path / "literacy.dump"))
        assert result.exit_code == 0, result.output
        assert f"Restored {tmp_path / 'literacy.dump'} into {make_url(restore_database).database} on" in result.output
        check_restored(restored, data)
        again = invoke(restored, "restore", str(tmp_path / "literacy.dump"))
        assert again.exit_code == 1
        assert "already has tables (" in again.output and "create a new, empty database" in again.output
    finally:
        close(restored)
