"""Backups of the database and their restore, for ``flask backup`` and ``flask restore`` (backup_cli).

SQLite: the copy is made with SQLite's online backup API, from a read-only connection, in **one step**.
The database runs in WAL mode (extensions), so that one step is a snapshot read: writers carry on
appending to the WAL while it runs and never wait for it. Copying in several steps would not help them
and would hurt: SQLite restarts a stepped backup whenever another connection writes between two steps,
so on a busy site it may never finish (bench/backup_steps.py: a 100 MB database with a commit every
millisecond or so, 5,000 steps of 256 pages without finishing; one step took 0.42 s, 188 commits meanwhile).

PostgreSQL: ``pg_dump --format=custom``, with the password in the environment (``PGPASSWORD``), never on
the command line where other users of the machine see it; ``pg_restore`` reads the archive back to check
it. The client must be at least the server's major version (pg_dump refuses a newer server).

Either way the file is written beside PATH under a temporary name and renamed only when complete and
checked, so PATH never holds half a backup; an existing PATH is kept unless ``force``.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from .config import PACKAGE_ROOT
from .operations import readiness

DOCS = 'docs/operations.md, "Backups and restore"'
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"  # the first bytes of a pg_dump custom-format archive
BUSY_SECONDS = 30  # as long as the site's own writers wait for the lock (extensions.SQLITE_BUSY_TIMEOUT_MS)

CURRENT, OLDER, UNKNOWN = "current", "older", "unknown"


class BackupError(Exception):
    """Why a backup or restore was refused or failed, in words for the operator (nothing was written at PATH)."""


@dataclass(frozen=True)
class Copy:
    """A backup written (or a database restored): where, what it holds, and how its schema compares."""

    path: Path
    engine: str  # "sqlite" or "postgresql"
    revision: str | None  # the Alembic revision recorded in the copy
    size: int  # bytes

    @property
    def state(self) -> str:
        return revision_state(self.revision)


# -- the schema's revision -------------------------------------------------------------------------------


def code_heads() -> list[str]:
    """The Alembic head(s) of this code's migrations (readiness reads them once per process)."""
    return sorted(readiness.code_heads())


def revision_state(revision: str | None) -> str:
    """``current`` (this code's head), ``older`` (a revision this code can upgrade) or ``unknown`` (none, or
    one this code does not have: a backup from a newer release, which this code must not run on)."""
    if revision is None:
        return UNKNOWN
    if revision in code_heads():
        return CURRENT
    try:
        known = ScriptDirectory(str(PACKAGE_ROOT / "migrations")).get_revision(revision)
    except CommandError:
        return UNKNOWN
    return OLDER if known is not None else UNKNOWN


def describe_revision(revision: str | None) -> str:
    """The revision in words: how it compares with this code."""
    heads = ", ".join(code_heads())
    state = revision_state(revision)
    if revision is None:
        return "no Alembic revision (the schema was not made by `flask db upgrade`)"
    if state == CURRENT:
        return f"Alembic revision {revision} (this code's head)"
    if state == OLDER:
        return f"Alembic revision {revision} (older than this code's head {heads}: `flask db upgrade` after restoring)"
    return f"Alembic revision {revision} (unknown to this code, whose head is {heads}: a newer release made it)"


# -- where the file goes -----------------------------------------------------------------------------------


def check_destination(path: Path, force: bool) -> Path:
    """The absolute PATH to write, or :class:`BackupError` saying why it cannot be written."""
    path = Path(os.path.abspath(path.expanduser()))
    folder = path.parent
    if path.is_dir():
        raise BackupError(f"{path} is a folder: give the backup's file name, e.g. {path / 'literacy.backup'}")
    if not folder.exists():
        raise BackupError(f"the folder {folder} does not exist: create it first (backups go in a folder you choose)")
    if not folder.is_dir():
        raise BackupError(f"{folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BackupError(f"cannot write in {folder}: permission denied")
    if path.exists() and not force:
        raise BackupError(f"{path} already exists: give another name, or --force to replace it")
    return path


@contextmanager
def _temporary(path: Path) -> Iterator[Path]:
    """A new private file beside ``path`` (mode 0600: a backup holds password hashes), removed unless renamed."""
    try:
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as error:
        raise BackupError(f"cannot write in {path.parent}: {error.strerror}") from error
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
    finally:
        for leftover in (temporary, Path(f"{temporary}-journal"), Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            leftover.unlink(missing_ok=True)


def _publish(temporary: Path, path: Path, force: bool) -> None:
    """Give the finished file its name: never over an existing file unless ``force``, and durably."""
    with open(temporary, "rb+") as file:
        os.fsync(file.fileno())
    if force:
        os.replace(temporary, path)
    else:
        try:
            os.link(temporary, path)  # fails if PATH appeared meanwhile, where a rename would replace it
        except FileExistsError as error:
            raise BackupError(f"{path} already exists: give another name, or --force to replace it") from error
        except OSError:  # a file system without hard links
            if path.exists():
                raise BackupError(f"{path} already exists: give another name, or --force to replace it") from None
            os.rename(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def kind_of_file(path: Path) -> str | None:
    """``sqlite`` or ``postgresql`` (a pg_dump custom archive) from the file's first bytes; None otherwise."""
    with open(path, "rb") as file:
        start = file.read(len(SQLITE_MAGIC))
    if start == SQLITE_MAGIC:
        return "sqlite"
    if start.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    return None


# -- SQLite ----------------------------------------------------------------------------------------------


def sqlite_file(url: str | URL) -> Path:
    """The database file a SQLite URL names (an in-memory database has none to back up)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"the SQLite database {database or ':memory:'} is not a file that can be backed up")
    return Path(os.path.abspath(database))


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that can read ``path`` but never create or change it."""
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=BUSY_SECONDS)


def inspect_sqlite(path: Path) -> tuple[str, str | None]:
    """The result of ``PRAGMA integrity_check`` on a SQLite file (``ok`` when sound) and its Alembic revision."""
    try:
        with closing(_read_only(path)) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            try:
                row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.OperationalError:
                row = None
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database: {error}") from error
    return "; ".join(problems[:5]), row[0] if row else None


def backup_sqlite(source: Path, destination: Path, force: bool = False) -> Copy:
    """Copy the live database at ``source`` to ``destination`` while the site runs (see the module's docstring)."""
    if not source.is_file():
        raise BackupError(f"there is no SQLite database at {source} (check LITERACY_DATABASE_URL)")
    path = check_destination(destination, force)
    if path == source:
        raise BackupError(f"{path} is the live database itself: write the backup somewhere else")
    with _temporary(path) as temporary:
        try:
            with closing(_read_only(source)) as live, closing(sqlite3.connect(temporary)) as copy:
                live.backup(copy)  # one step: a snapshot that writers never wait for (the module's docstring)
                copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, not WAL with companions
        except sqlite3.Error as error:
            raise BackupError(f"cannot read the database at {source}: {error}") from error
        integrity, revision = inspect_sqlite(temporary)
        if integrity != "ok":
            raise BackupError(f"the copy failed its integrity check ({integrity}); nothing was written at {path}")
        _publish(temporary, path, force)
    return Copy(path, "sqlite", revision, path.stat().st_size)


def _tables_with_rows(connection: sqlite3.Connection) -> list[str]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        if row[0] != "alembic_version"
    ]
    # the names come from the database's own catalogue, quoted
    exists = 'SELECT EXISTS (SELECT 1 FROM "{}")'
    return [name for name in names if connection.execute(exists.format(name.replace('"', '""'))).fetchone()[0]]


def sqlite_tables_with_rows(path: Path) -> list[str]:
    """The tables of the database at ``path`` that hold rows (none, or no file: a new instance)."""
    if not path.exists() or path.stat().st_size == 0:
        return []
    try:
        with closing(_read_only(path)) as connection:
            return _tables_with_rows(connection)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"cannot read the database at {path}: {error}") from error


def check_restorable(revision: str | None, what: str) -> None:
    """Refuse a backup this code cannot run on: no revision, or one from a newer release."""
    if revision is None:
        raise BackupError(
            f"{what} has no Alembic revision (no alembic_version table): it is not a backup of this site's database"
        )
    if revision_state(revision) == UNKNOWN:
        raise BackupError(
            f"{what} is at Alembic revision {revision}, which this code does not know (its head is "
            f"{', '.join(code_heads())}): a newer release made it; restore it with that release or a later one"
        )


def restore_sqlite(backup: Path, target: Path, force: bool = False) -> Copy:
    """Restore a SQLite backup into the database file ``target`` (normally a new instance's).

    Refuses a target that holds data unless ``force``, and a backup from a newer release. The pages are
    written with the backup API into the target (so a target's WAL and locks are respected, and a crash
    part-way leaves it as it was), then the result is checked."""
    if not backup.is_file():
        raise BackupError(f"there is no file at {backup}")
    if kind_of_file(backup) != "sqlite":
        raise BackupError(f"{backup} is not a SQLite backup (a PostgreSQL archive goes to pg_restore: see {DOCS})")
    integrity, revision = inspect_sqlite(backup)
    if integrity != "ok":
        raise BackupError(f"{backup} failed its integrity check ({integrity}): use another backup")
    check_restorable(revision, str(backup))
    target = Path(os.path.abspath(target))
    if target == Path(os.path.abspath(backup)):
        raise BackupError(f"{backup} is the database to restore into")
    holding = sqlite_tables_with_rows(target)
    if holding and not force:
        raise BackupError(
            f"the database at {target} already holds data ({', '.join(holding[:5])}"
            f"{', ...' if len(holding) > 5 else ''}): restore into a new instance, or stop the site and its "
            "consumers and give --force to replace it"
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(_read_only(backup)) as source, closing(sqlite3.connect(target, timeout=BUSY_SECONDS)) as copy:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=WAL")  # as the site runs it (extensions)
    except (OSError, sqlite3.Error) as error:
        raise BackupError(f"cannot write the database at {target}: {error}") from error
    integrity, restored = inspect_sqlite(target)
    if integrity != "ok":
        raise BackupError(f"the restored database at {target} failed its integrity check ({integrity})")
    return Copy(target, "sqlite", restored, target.stat().st_size)


# -- PostgreSQL ------------------------------------------------------------------------------------------


def pg_tool(name: str, folder: Path | None = None) -> str:
    """The path of a PostgreSQL client program (``pg_dump``, ``pg_restore``), from ``folder`` or PATH."""
    found = shutil.which(name, path=str(folder)) if folder else shutil.which(name)
    if found is None:
        where = f"in {folder}" if folder else "on PATH"
        raise BackupError(
            f"{name} is not {where}: install the PostgreSQL client of the server's major version (Debian: "
            f"postgresql-client-15 for PostgreSQL 15), or back up by hand as {DOCS} shows"
        )
    return found


def tool_major(program: str) -> int:
    """The major version of a PostgreSQL client program (``pg_dump (PostgreSQL) 15.20`` -> 15)."""
    # a program found by pg_tool, with a fixed argument: no shell, nothing from a request
    output = subprocess.run(  # noqa: S603
        [program, "--version"], capture_output=True, text=True, check=False, timeout=30
    ).stdout
    match = re.search(r"\)\s*(\d+)", output) or re.search(r"(\d+)\.\d+", output)
    if match is None:
        raise BackupError(f"cannot tell the version of {program} from {output.strip()!r}")
    return int(match.group(1))


def libpq(url: str | URL) -> tuple[str, dict[str, str]]:
    """The URL as a libpq connection URI without its password, and the environment that carries it."""
    parsed = make_url(url)
    environment = dict(os.environ)
    if parsed.password:
        environment["PGPASSWORD"] = str(parsed.password)
    environment.setdefault("PGCONNECT_TIMEOUT", "10")
    # URL.set(password=None) would keep the password (None means "unchanged" there): build the URL anew
    bare = URL.create("postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query)
    uri = bare.render_as_string(hide_password=False)
    return uri, environment


def where(url: str | URL) -> str:
    """The database in words, without its password: ``literacy on db.internal:5432``."""
    parsed = make_url(url)
    return f"{parsed.database} on {parsed.host or 'the local socket'}{f':{parsed.port}' if parsed.port else ''}"


def server_major(url: str | URL) -> int:
    """The server's major version; :class:`BackupError` when it cannot be reached."""
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            number = int(connection.execute(text("SHOW server_version_num")).scalar_one())
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        raise BackupError(f"cannot reach the database {where(url)}: {reason}") from error
    finally:
        engine.dispose()
    return number // 10000


def _run(command: list[str], environment: dict[str, str], what: str) -> str:
    # pg_dump/pg_restore found by pg_tool, their arguments built here: no shell, nothing from a request
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or f'exit status {result.returncode}'}")
    return result.stdout


def archive_revision(archive: Path, pg_restore: str) -> str | None:
    """The Alembic revision inside a custom-format archive (reading it proves pg_restore can read the file)."""
    _run([pg_restore, "--list", str(archive)], dict(os.environ), f"pg_restore --list {archive}")
    script = _run(
        [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(archive)],
        dict(os.environ),
        f"pg_restore of {archive}'s alembic_version",
    )
    lines = script.splitlines()
    for number, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and number + 1 < len(lines):
            value = lines[number + 1].strip()
            return None if value == "\\." else value
    return None


@dataclass(frozen=True)
class PgTools:
    pg_dump: str
    pg_restore: str
    major: int


def pg_tools(url: str | URL, folder: Path | None = None) -> PgTools:
    """pg_dump and pg_restore, refused when older than the server (pg_dump would stop with a version mismatch)."""
    dump, restore = pg_tool("pg_dump", folder), pg_tool("pg_restore", folder)
    server, client = server_major(url), tool_major(dump)
    if client < server:
        raise BackupError(
            f"{dump} is PostgreSQL {client}'s but the server runs PostgreSQL {server}, and pg_dump refuses a newer "
            f"server: install postgresql-client-{server} and give --pg-bin /usr/lib/postgresql/{server}/bin"
        )
    return PgTools(dump, restore, client)


def backup_postgresql(url: str | URL, destination: Path, force: bool = False, folder: Path | None = None) -> Copy:
    """``pg_dump --format=custom`` of the database at ``url`` to ``destination``, checked with pg_restore."""
    path = check_destination(destination, force)
    tools = pg_tools(url, folder)
    uri, environment = libpq(url)
    with _temporary(path) as temporary:
        _run(
            [tools.pg_dump, "--format=custom", "--no-password", f"--file={temporary}", f"--dbname={uri}"],
            environment,
            f"pg_dump of {where(url)}",
        )
        revision = archive_revision(temporary, tools.pg_restore)
        _publish(temporary, path, force)
    return Copy(path, "postgresql", revision, path.stat().st_size)


def postgresql_tables(url: str | URL) -> list[str]:
    """The tables already in the database at ``url`` (pg_restore needs a database without them)."""
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        raise BackupError(f"cannot reach the database {where(url)}: {reason}") from error
    finally:
        engine.dispose()


def restore_postgresql(archive: Path, url: str | URL, folder: Path | None = None) -> Copy:
    """``pg_restore --no-owner`` of a custom-format archive into the empty database at ``url``.

    Only into a database without tables: pg_restore would otherwise fail half-way on the tables that
    exist (or, with ``--clean``, drop a live site's), so replacing a database is left to the operator
    (drop and create it, then restore)."""
    if not archive.is_file():
        raise BackupError(f"there is no file at {archive}")
    if kind_of_file(archive) != "postgresql":
        raise BackupError(f"{archive} is not a pg_dump custom-format archive (made by `flask backup` on PostgreSQL)")
    tools = pg_tools(url, folder)
    check_restorable(archive_revision(archive, tools.pg_restore), str(archive))
    existing = postgresql_tables(url)
    if existing:
        raise BackupError(
            f"the database {where(url)} already has tables ({', '.join(existing[:5])}"
            f"{', ...' if len(existing) > 5 else ''}): create a new, empty database, point "
            "LITERACY_DATABASE_URL at it and restore there"
        )
    uri, environment = libpq(url)
    _run(
        [tools.pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         "--no-password", f"--dbname={uri}", str(archive)],
        environment,
        f"pg_restore into {where(url)}",
    )
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    return Copy(archive, "postgresql", revision, archive.stat().st_size)
