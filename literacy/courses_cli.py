"""``flask courses check|sync|list``: the course engine's commands, for authors, CI and deployments."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale, get_translations

from . import content

courses = AppGroup("courses", help="Check, publish and list the modules in the courses folder.")


def _default_root() -> Path:
    """The configured courses folder, relative to the working directory when inside it (shorter messages)."""
    root = Path(current_app.config["COURSES_DIR"])
    try:
        return root.resolve().relative_to(Path.cwd())
    except ValueError:
        return root


@courses.command("check")
@click.option("--language", metavar="CODE", help="Write the problems in this interface language (such as cy); "
              "English by default.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check_command(language: str | None, paths: tuple[Path, ...]) -> None:
    """Print every problem as path:line: message; exit 1 when there are any."""
    languages = list(current_app.config["LANGUAGES"])
    if language is not None and language not in languages:
        raise click.BadParameter(f"choose one of {', '.join(languages)}", param_hint="--language")
    result = content.check_paths(paths or (_default_root(),))
    for problem in result.problems:
        click.echo(str(problem) if language is None else _translated(problem, language))
    click.echo(content.summary_line(result.checked, len(result.problems)))
    case_problems = _check_cases(paths or (_default_root(),), language)
    questionnaire_problems = _check_questionnaire(paths or (_default_root(),))
    if result.problems or case_problems or questionnaire_problems:
        raise SystemExit(1)


def _check_questionnaire(paths: tuple[Path, ...]) -> int:
    """The self-assessment questionnaire of each courses folder (``self-assessment/``), when there is one:
    prints its problems as path:line: message and returns how many (practice.assessment.questionnaire)."""
    from .practice.assessment.questionnaire import FOLDER, available_versions, check

    found = 0
    for root in paths:
        folder = root / FOLDER if root.name != FOLDER else root
        if not folder.is_dir():
            continue
        problems = check(folder)
        for problem in problems:
            click.echo(str(problem))
        versions = len(available_versions(folder))
        click.echo(f"{versions} self-assessment questionnaire version(s) checked, {len(problems)} problems")
        found += len(problems)
    return found


def _check_cases(paths: tuple[Path, ...], language: str | None) -> int:
    """The case library of each courses folder checked (``cases/``, against its modules' lessons); prints its
    problems and a summary line when there is one, and returns how many problems it found."""
    from .practice.cases.index import check_folder
    from .practice.cases.loader import case_summary_line

    found = 0
    for root in paths:
        folder = root / content.CASES_FOLDER if root.name != content.CASES_FOLDER else root
        if not folder.is_dir():
            continue
        cases = check_folder(folder, folder.parent)
        for problem in cases.problems:
            click.echo(str(problem) if language is None else _translated(problem, language))
        click.echo(case_summary_line(cases.checked, len(cases.problems)))
        found += len(cases.problems)
    return found


def _translated(problem: content.Problem, language: str) -> str:
    """``path:line: message`` with the message in ``language`` (the location stays as it is)."""
    with force_locale(language):
        message = content.translate(problem.message, get_translations().gettext)
    return f"{problem.path}:{problem.line}: {message}"


@courses.command("sync")
@click.argument("root", required=False, type=click.Path(path_type=Path, file_okay=False))
def sync_command(root: Path | None) -> None:
    """Publish every module whose content changed; an invalid module keeps its live version."""
    from .publishing import sync_courses

    report = sync_courses(root or _default_root())
    for outcome in report.published:
        click.echo(f"published {outcome.module.slug} version {outcome.version.number}")
    for outcome in report.unchanged:
        click.echo(f"unchanged {outcome.module.slug} version {outcome.version.number}")
    for problem in report.problems:
        click.echo(str(problem), err=True)
    for slug in report.refused:
        click.echo(f"refused {slug}: fix the problems above; the published version stays live", err=True)
    if report.glossary_terms >= 0:
        click.echo(f"glossary: {report.glossary_terms} terms")
    if report.problems:
        raise SystemExit(1)


@courses.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.argument("root", required=False, type=click.Path(path_type=Path, file_okay=False))
def list_command(as_json: bool, root: Path | None) -> None:
    """List the modules found, with slug, title, edition, languages and counts."""
    result = content.check_paths([root or _default_root()])
    summaries = [content.module_summary(module) for module in result.modules]
    if as_json:
        click.echo(json.dumps(summaries, indent=2, ensure_ascii=False))
    else:
        for item in summaries:
            click.echo(
                f"{item['slug']}: {item['title']} (edition {item['edition']}, {', '.join(item['languages'])}, "
                f"{item['lesson_count']} lessons, {item['question_count']} questions)"
            )
    for problem in result.problems:
        click.echo(str(problem), err=True)
