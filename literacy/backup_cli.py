"""``flask backup PATH`` and ``flask restore PATH``: the database, copied while the site runs, and restored
into a new instance (docs/operations.md, "Backups and restore"; the logic is in ``literacy.backup``).

Not backed up, because it holds nothing the site needs: the embedded task queue's file
(``queue.sqlite3``). It says only *when* to send; what to send is in the database's outbox, which the
sweep sends from every minute.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from . import backup as backups
from .extensions import db


def _url() -> str:
    from .secret_key import require_secret_key

    require_secret_key(current_app)  # like every command that uses the database
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1000  # type: ignore[assignment]
    return str(count)


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
@click.option(
    "--pg-bin",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="The folder of pg_dump and pg_restore (PostgreSQL only; e.g. /usr/lib/postgresql/15/bin).",
)
def backup_command(path: Path, force: bool, pg_bin: Path | None) -> None:
    """Copy the database to PATH while the site keeps running, then check the copy.

    SQLite: SQLite's online backup API. PostgreSQL: pg_dump --format=custom (the password passes in the
    environment). PATH is written only when the copy is complete and checked.
    """
    url = _url()
    backend = make_url(url).get_backend_name()
    try:
        if backend == "sqlite":
            made = backups.backup_sqlite(backups.sqlite_file(url), path, force)
        elif backend == "postgresql":
            made = backups.backup_postgresql(url, path, force, pg_bin)
        else:
            raise backups.BackupError(f"cannot back up a {backend} database (SQLite and PostgreSQL only)")
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    checked = "integrity ok" if made.engine == "sqlite" else "pg_restore reads it"
    click.echo(f"Backed up to {made.path} ({_size(made.size)}): {checked}, {backups.describe_revision(made.revision)}.")


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--force", is_flag=True, help="SQLite: replace a database that holds data (stop the site first).")
@click.option("--upgrade", "run_upgrade", is_flag=True, help="Run the migrations after restoring an older backup.")
@click.option(
    "--pg-bin",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="The folder of pg_restore (PostgreSQL only).",
)
def restore_command(path: Path, force: bool, run_upgrade: bool, pg_bin: Path | None) -> None:
    """Restore a backup made by `flask backup` into this instance's database (normally a new, empty one).

    Refuses a database that holds data (SQLite: unless --force) and a backup from a newer release.
    """
    url = _url()
    backend = make_url(url).get_backend_name()
    db.engine.dispose()  # this process holds no connection to the database being replaced
    try:
        if backend == "sqlite":
            made = backups.restore_sqlite(path, backups.sqlite_file(url), force)
        elif backend == "postgresql":
            if force:
                raise backups.BackupError(
                    "--force is for SQLite only: on PostgreSQL, restore into a new, empty database "
                    f"({backups.DOCS})"
                )
            made = backups.restore_postgresql(path, url, pg_bin)
        else:
            raise backups.BackupError(f"cannot restore into a {backend} database (SQLite and PostgreSQL only)")
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored {path} into {backups.where(url) if backend == 'postgresql' else made.path}.")
    if made.state == backups.OLDER:
        if run_upgrade:
            upgrade()
            click.echo(f"Upgraded the schema from {made.revision} to {', '.join(backups.code_heads())}.")
        else:
            click.echo(
                f"Its schema is at Alembic revision {made.revision}, older than this code's "
                f"{', '.join(backups.code_heads())}: run `flask --app literacy db upgrade` before starting the site."
            )
    else:
        described = backups.describe_revision(made.revision)
        click.echo(described[:1].upper() + described[1:] + ".")
    click.echo("Then check it: `flask --app literacy summaries check`.")
