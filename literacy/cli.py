"""Flask commands: ``start``, ``demo``, ``create-admin``, ``summaries``, ``accounts`` (``courses``: courses_cli,
``users``: users_cli, ``orgs``: orgs_cli, ``backup``/``restore``: backup_cli)."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask, current_app
from flask_migrate import upgrade

from . import audit
from .extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(start_command)
    app.cli.add_command(summaries_group)
    app.cli.add_command(accounts_group)
    from .orgs_cli import orgs_group
    from .users_cli import users_group

    # one implementation, under both names: ``users`` as issue 14 names it, ``accounts`` for old scripts
    users_group.add_command(accounts_deactivate_command)
    users_group.add_command(accounts_activate_command)
    app.cli.add_command(users_group)
    app.cli.add_command(orgs_group)
    from .courses_cli import courses
    from .notifications_cli import notifications_group

    app.cli.add_command(courses)
    app.cli.add_command(notifications_group)
    from .backup_cli import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("demo")
def demo_command() -> None:
    """Publish the courses, then create the demo organisation, cohort and accounts (safe to run again)."""
    from pathlib import Path

    from .demo import ensure_demo
    from .publishing import sync_courses

    report = sync_courses(Path(current_app.config["COURSES_DIR"]))
    click.echo(f"courses: {len(report.published)} published, {len(report.unchanged)} unchanged", err=True)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    for role, email, password in ensure_demo():
        click.echo(f"{role} {email} {password}")


#: where ``create-admin`` finds the password when run unattended (never stored by the site)
ADMIN_PASSWORD_VARIABLE = "LITERACY_ADMIN_PASSWORD"  # noqa: S105 - a variable's name


def _interactive() -> bool:
    """Whether a person is at a terminal to be asked for the password (never when run unattended)."""
    return sys.stdin is not None and sys.stdin.isatty()


def _given_or_asked(value: str | None, option: str, prompt: str) -> str:
    """An option's value, asked for only at a terminal (unattended, a prompt would read the password line)."""
    if value is not None:
        return value
    if not _interactive():
        raise click.UsageError(f"give {option} (nobody is at a terminal to be asked)")
    return click.prompt(prompt)


def _admin_password(password_stdin: bool, given: str | None) -> str:
    """The password from standard input (one line), ``--password``, ``LITERACY_ADMIN_PASSWORD`` or, at a
    terminal only, a prompt: a deployment script can create the first administrator unattended."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if given is not None:
        return given
    from_environment = os.environ.get(ADMIN_PASSWORD_VARIABLE)
    if from_environment:
        return from_environment
    if not _interactive():
        raise click.UsageError(
            f"give the password with --password-stdin or the {ADMIN_PASSWORD_VARIABLE} environment variable"
        )
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-admin")
@click.option("--email", help="The administrator's email address (asked for at a terminal).")
@click.option("--name", help="The administrator's full name (asked for at a terminal).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.option("--password", hidden=True, help="The password (visible to other users of the machine: avoid).")
def create_admin_command(email: str | None, name: str | None, password_stdin: bool, password: str | None) -> None:
    """Create a site administrator, or make an existing account one.

    The password comes from --password-stdin, else LITERACY_ADMIN_PASSWORD, else a prompt at a terminal.
    """
    from .auth.service import create_user
    from .cohorts.roster import EMAIL_RE
    from .fields import PASSWORD_MIN_LENGTH
    from .models import user_by_email, utcnow

    email, name = _given_or_asked(email, "--email", "Email"), _given_or_asked(name, "--name", "Name")
    email, name = email.strip().lower(), name.strip()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise click.BadParameter("enter an email address", param_hint="--email")
    if not name or len(name) > 200:
        raise click.BadParameter("enter a name of at most 200 characters", param_hint="--name")
    secret = _admin_password(password_stdin, password)
    if len(secret) < PASSWORD_MIN_LENGTH:
        raise click.BadParameter(f"use at least {PASSWORD_MIN_LENGTH} characters", param_hint="password")
    if len(secret) > 1000:
        raise click.BadParameter("use at most 1000 characters", param_hint="password")
    user = db.session.scalar(user_by_email(email))
    if user is None:
        user = create_user(email, name, secret, is_site_admin=True)
        action = "Created"
    else:
        user.is_site_admin = True
        user.set_password(secret)
        action = "Updated"
    user.email_verified_at = user.email_verified_at or utcnow()  # the operator vouches for the address
    audit.record(None, None, "account.site_admin_set", user, email=user.email, by="create-admin")
    db.session.commit()
    click.echo(f"{action} site administrator {user.email}")


@click.command("start")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-consumer", is_flag=True, help="Do not run the task queue's consumer in this process.")
def start_command(host: str, port: int, no_consumer: bool) -> None:
    """Migrate the database, load the demo data and serve the site with its task queue (for trying it out)."""
    upgrade()
    demo_command.callback()  # type: ignore[misc]
    import threading

    from werkzeug.serving import run_simple

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Flask refuses app.run() inside its own CLI, so serve with Werkzeug directly (a development server).
    def serve() -> None:
        run_simple(host, port, app, threaded=True, use_debugger=app.debug, use_reloader=False)

    click.echo(f"Serving on http://{host}:{port}/ - press Ctrl+C to stop.")
    if no_consumer:
        serve()
        return
    # The embedded case: Huey's own consumer runs here (it needs the main thread for its signal handlers),
    # the web server in a thread beside it; production runs huey_consumer as a service instead.
    threading.Thread(target=serve, name="web", daemon=True).start()
    from .notifications import jobs
    from .notifications.queue import huey

    jobs.use_app(app)
    workers = int(app.config.get("QUEUE_WORKERS") or 2)
    click.echo(f"Sending mail and reminders with {workers} worker thread(s) (Huey, {app.config['QUEUE_URL']}).")
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


@click.group("summaries")
def summaries_group() -> None:
    """The dashboards' derived tables (kept up to date as people learn; rebuild after a bulk import)."""


@summaries_group.command("rebuild")
def summaries_rebuild_command() -> None:
    """Recompute the learner, cohort member and answer summaries from the raw rows."""
    from . import summaries

    counts = summaries.rebuild()
    db.session.commit()
    click.echo(", ".join(f"{name}: {count} rows" for name, count in counts.items()))


@summaries_group.command("check")
def summaries_check_command() -> None:
    """Compare the derived tables with a fresh computation; exits with 1 when they differ."""
    from . import summaries

    found = summaries.differences()
    for line in found:
        click.echo(line)
    if found:
        raise click.ClickException("the summaries differ from the raw rows: run `flask summaries rebuild`")
    click.echo("The summaries match the raw rows.")


@click.group("accounts")
def accounts_group() -> None:
    """Deactivate or reactivate an account (site administrators get a page for this later)."""


def _account(email: str):  # type: ignore[no-untyped-def]
    from .models import user_by_email

    user = db.session.scalar(user_by_email(email))
    if user is None:
        raise click.ClickException(f"no account has the email address {email.strip().lower()}")
    return user


@accounts_group.command("deactivate")
@click.argument("email")
def accounts_deactivate_command(email: str) -> None:
    """Refuse the account's sign-in and end every session it has, at once (recorded in the audit log)."""
    from .account.service import set_enabled
    from .auth.sessions import open_sessions

    user = _account(email)
    signed_in = len(open_sessions(user))
    if not set_enabled(None, user, False):
        click.echo(f"{user.email} is already deactivated")
        return
    db.session.commit()
    click.echo(f"Deactivated {user.email} and ended {signed_in} open session(s)")


@accounts_group.command("activate")
@click.argument("email")
def accounts_activate_command(email: str) -> None:
    """Let a deactivated account sign in again (recorded in the audit log)."""
    from .account.service import set_enabled

    user = _account(email)
    if not set_enabled(None, user, True):
        click.echo(f"{user.email} is already active")
        return
    db.session.commit()
    click.echo(f"Activated {user.email}: they can sign in again")
