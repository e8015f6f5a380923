"""Authoring rules and queries, callable without a request: drafts, checking, publishing, versions,
import and export (zip and GIFT), and question statistics.

A draft is the module's files as the trainers last saved them; it goes through the same parser as the
files in ``courses/`` (``content.parse_module``), and publishing stores an immutable version with
``publishing.publish``. Modules synced from ``courses/`` (origin "files") are never changed here.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import io
import json
import re
import secrets
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Text, and_, case, cast, delete, func, select

from .. import content
from ..content import gift
from ..extensions import db
from ..models import (
    EditStash,
    GlossaryTerm,
    Module,
    ModuleDraft,
    ModuleImage,
    ModuleVersion,
    Organisation,
    Question,
    QuizAttempt,
    Response,
    User,
    utcnow,
)
from ..publishing import PublishError, PublishResult, publish
from ..statistics import point_biserial

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILE_NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z]{2,3}(?:-[a-z0-9]{2,8})?)?\.(?:md|yaml)$")
MAX_ZIP_BYTES = 20 * 1024 * 1024  # unpacked size of an imported module
MAX_ZIP_FILES = 500
STASH_HOURS = 24


class AuthoringError(Exception):
    """A request that cannot be carried out, with a message for the trainer."""


@dataclass
class DraftFiles:
    """A draft's files: text files by path, pictures by name (inside ``images/``)."""

    text: dict[str, str] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)

    def as_bytes(self) -> dict[str, bytes]:
        files = {path: value.encode("utf-8") for path, value in self.text.items()}
        files.update({f"images/{name}": data for name, data in self.images.items()})
        return files

    def dumps(self) -> str:
        images = {name: base64.b64encode(data).decode("ascii") for name, data in self.images.items()}
        return json.dumps({"text": self.text, "images": images}, sort_keys=True)

    @classmethod
    def loads(cls, value: str) -> DraftFiles:
        data = json.loads(value)
        images = {name: base64.b64decode(encoded) for name, encoded in data.get("images", {}).items()}
        return cls(dict(data.get("text", {})), images)

    def names(self) -> list[str]:
        """Text files in the order a trainer works through them: details, lessons, then the quizzes."""

        def order(name: str) -> tuple[int, str]:
            if name.startswith("module."):
                return (0, name)
            if name.startswith(("quiz.", "precheck.")):
                return (2, name)
            return (1, name)

        return sorted(self.text, key=order)


def normalise_text(text: str) -> str:
    """Browsers send CRLF line ends; the files use LF (line numbers stay the same)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- Reading what a trainer may see ---------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleEntry:
    """A row of the authoring index: a browser-written module (draft and/or published) or a files one."""

    slug: str
    title: str
    organisation: Organisation | None
    draft: ModuleDraft | None
    module: Module | None
    version: ModuleVersion | None
    unpublished_changes: bool

    @property
    def managed_in_files(self) -> bool:
        return self.module is not None and self.module.origin == "files"


def title_from(files: DraftFiles, fallback: str) -> str:
    match = re.search(r"^title:\s*(.+?)\s*$", files.text.get("module.yaml", ""), re.MULTILINE)
    return match.group(1).strip("'\"") if match else fallback


def modules_for(organisations: list[Organisation]) -> list[ModuleEntry]:
    """Every draft of these organisations with its published module, in one query."""
    ids = [organisation.id for organisation in organisations]
    if not ids:
        return []
    by_id = {organisation.id: organisation for organisation in organisations}
    rows = db.session.execute(
        select(ModuleDraft, Module, ModuleVersion)
        .outerjoin(Module, and_(Module.slug == ModuleDraft.module_slug, Module.origin == "browser"))
        .outerjoin(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(ModuleDraft.organisation_id.in_(ids))
        .order_by(ModuleDraft.module_slug)
    ).all()
    entries = []
    for draft, module, version in rows:
        files = DraftFiles.loads(draft.files)
        changed = version is None or content.content_hash(files.as_bytes()) != version.content_hash
        title = version.texts[version.language]["title"] if version else title_from(files, draft.module_slug)
        entries.append(
            ModuleEntry(draft.module_slug, title, by_id[draft.organisation_id], draft, module, version, changed)
        )
    return entries


def files_modules() -> list[ModuleEntry]:
    """Modules synced from ``courses/``: read-only here, but every trainer may export them."""
    rows = db.session.execute(
        select(Module, ModuleVersion)
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(Module.origin == "files")
        .order_by(Module.slug)
    ).all()
    return [
        ModuleEntry(m.slug, v.texts[v.language]["title"], None, None, m, v, False) for m, v in rows
    ]


def find_draft(organisation: Organisation, slug: str) -> ModuleDraft | None:
    return db.session.scalar(
        select(ModuleDraft).where(ModuleDraft.organisation_id == organisation.id, ModuleDraft.module_slug == slug)
    )


def published_module(slug: str) -> Module | None:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def may_export(user: User, module: Module, trainer_organisation_ids: set[int]) -> bool:
    """Files modules: any trainer; browser modules: trainers of the organisation whose draft it is."""
    if user.is_site_admin or module.origin == "files":
        return True
    owner = db.session.scalar(select(ModuleDraft.organisation_id).where(ModuleDraft.module_slug == module.slug))
    return owner in trainer_organisation_ids


# --- Creating and editing drafts ------------------------------------------------------------------------


def starter_files(slug: str, title: str) -> DraftFiles:
    """A small valid module to start from: details, one lesson and a one-question assessment."""
    title_yaml = json.dumps(title, ensure_ascii=False)
    module_yaml = f"""slug: {slug}
title: {title_yaml}
summary: Say in one sentence what this module is about.
audience: Everyone who works in a public body
level: introductory
edition: 1
language: en
pass_mark: 80
outcomes:
  - Say what a learner can do after this module
lessons:
  - introduction
"""
    lesson = """---
title: Introduction
minutes: 5
---

Write the lesson here in markdown.

## A first section

More text.
"""
    quiz = """---
title: Assessment
---

::: question first-question
type: single

Write the question here.

- [x] The right answer
  > Say why it is right.
- [ ] A wrong answer
  > Say why it is wrong.

Explanation:
Explain the answer.
:::
"""
    return DraftFiles({"module.yaml": module_yaml, "introduction.md": lesson, "quiz.md": quiz})


def slug_taken(slug: str) -> bool:
    module = db.session.scalar(select(Module.id).where(Module.slug == slug))
    draft = db.session.scalar(select(ModuleDraft.id).where(ModuleDraft.module_slug == slug))
    return module is not None or draft is not None


def create_draft(
    organisation: Organisation, user: User, files: DraftFiles, slug: str, *, shared: bool = False
) -> ModuleDraft:
    """A new module's draft; the caller checked the slug is free (``slug_taken``) and commits."""
    draft = ModuleDraft(
        organisation_id=organisation.id,
        module_slug=slug,
        shared=shared and user.is_site_admin,
        files=files.dumps(),
        updated_by_id=user.id,
        updated_at=utcnow(),
    )
    db.session.add(draft)
    db.session.flush()
    return draft


def save_files(draft: ModuleDraft, files: DraftFiles, user: User) -> None:
    draft.files = files.dumps()
    draft.updated_at = utcnow()
    draft.updated_by_id = user.id


def save_file(draft: ModuleDraft, name: str, text: str, user: User) -> DraftFiles:
    files = DraftFiles.loads(draft.files)
    files.text[name] = normalise_text(text)
    save_files(draft, files, user)
    return files


def add_file(draft: ModuleDraft, name: str, user: User) -> DraftFiles:
    """A new text file (a lesson, a translation, the pre-check) with a starter text."""
    if not FILE_NAME_RE.match(name):
        raise AuthoringError("bad-name")
    files = DraftFiles.loads(draft.files)
    if name in files.text:
        raise AuthoringError("exists")
    if name.endswith(".yaml"):
        files.text[name] = "title: \n"
    elif name.startswith(("quiz.", "precheck.")):
        files.text[name] = "---\ntitle: \n---\n\n"
    else:
        files.text[name] = "---\ntitle: \nminutes: 5\n---\n\n"
    save_files(draft, files, user)
    return files


def delete_file(draft: ModuleDraft, name: str, user: User) -> DraftFiles:
    files = DraftFiles.loads(draft.files)
    if name == "module.yaml" or name not in files.text:
        raise AuthoringError("cannot-delete")
    del files.text[name]
    save_files(draft, files, user)
    return files


# --- Checking and previewing ----------------------------------------------------------------------------


def published_glossary() -> content.Glossary:
    """The published glossary's terms, so drafts' glossary links are checked against what learners see."""
    rows = db.session.execute(
        select(GlossaryTerm.term_id, GlossaryTerm.language, GlossaryTerm.term, GlossaryTerm.definition_html)
        .order_by(GlossaryTerm.position)
    ).all()
    texts: dict[str, dict[str, content.TermText]] = {}
    for term_id, language, term, definition_html in rows:
        texts.setdefault(term_id, {})[language] = content.TermText(term, "", definition_html)
    terms = tuple(content.Term(term_id, variants, next(iter(variants))) for term_id, variants in texts.items())
    return content.Glossary(terms)


def check(
    files: DraftFiles,
    slug: str,
    *,
    image_url: Callable[[str], str] | None = None,
    glossary: content.Glossary | None = None,
) -> content.ParseResult:
    """Parse a draft with the one parser; a slug in module.yaml that is not the draft's is a problem."""
    result = content.parse_module(
        files.as_bytes(),
        glossary=glossary if glossary is not None else published_glossary(),
        image_url=image_url,
        glossary_url=lambda term: f"/glossary#{term}",
    )
    if result.slug and result.slug != slug:
        line = next(
            (n for n, text in enumerate(files.text.get("module.yaml", "").split("\n"), 1) if text.startswith("slug:")),
            1,
        )
        problem = content.Problem("module.yaml", line, f'the slug must stay "{slug}" (the module\'s web address)')
        return content.ParseResult(None, sorted([*result.problems, problem]), result.content_hash, result.slug)
    return result


@dataclass(frozen=True)
class ShownProblem:
    """A problem as the editor shows it: the file, the line and the offending line quoted."""

    path: str
    line: int
    message: str
    quote: str


def shown_problems(files: DraftFiles, problems: Iterable[content.Problem]) -> list[ShownProblem]:
    shown = []
    for problem in problems:
        lines = files.text.get(problem.path, "").split("\n")
        quote = lines[problem.line - 1].strip() if 0 < problem.line <= len(lines) else ""
        shown.append(ShownProblem(problem.path, problem.line, problem.message, quote[:200]))
    return shown


@dataclass(frozen=True)
class Preview:
    """What the preview pane shows for one file."""

    kind: str  # "lesson", "quiz", "module" or "none"
    title: str = ""
    html: str = ""
    toc_html: str = ""
    questions: tuple[content.Question, ...] = ()
    source: content.ModuleSource | None = None
    language: str = "en"


def _language_of(name: str, source: content.ModuleSource | None) -> tuple[str, str]:
    stem, _, _ = name.rpartition(".")
    base, _, language = stem.partition(".")
    return base, language or (source.language if source else "en")


def preview(files: DraftFiles, name: str, result: content.ParseResult, image_url: Callable[[str], str]) -> Preview:
    """The preview of one file: from the parsed module when the draft is valid, otherwise the file's
    markdown rendered on its own by the same renderer and sanitizer (so a lesson still shows)."""
    source = result.module
    base, language = _language_of(name, source)
    if source is not None:
        if name.startswith("module."):
            return Preview("module", source=source, language=language)
        lesson = source.lesson(base)
        if lesson is not None:
            variant = lesson.variant(language)
            return Preview("lesson", variant.title, variant.html, variant.toc_html, variant.checks, language=language)
        quiz = source.quiz if base == "quiz" else source.precheck if base == "precheck" else None
        if quiz is not None:
            variant_q = quiz.variant(language)
            return Preview("quiz", variant_q.title, variant_q.intro_html, questions=variant_q.questions,
                           language=language)
    text = files.text.get(name, "")
    if name.endswith(".md") and base not in ("quiz", "precheck"):
        body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.DOTALL)
        # Knowledge checks need the whole module parsed; until then the lesson shows without them.
        body = re.sub(r"^::: *(?:question|check)\b.*?^:::[ \t]*$", "", body, flags=re.DOTALL | re.MULTILINE)
        rendered = content.render_markdown(body, image_url=image_url, language=language)
        return Preview("lesson", "", rendered.html, rendered.toc_html, language=language)
    return Preview("none")


# --- Publishing, versions and restoring ----------------------------------------------------------------


def publish_draft(
    draft: ModuleDraft, user: User, *, image_url: Callable[[str], str] | None = None
) -> PublishResult | list[content.Problem]:
    """Publish the draft as a new version, or return its problems (nothing is written then)."""
    files = DraftFiles.loads(draft.files)
    result = check(files, draft.module_slug, image_url=image_url)
    if result.module is None:
        return list(result.problems)
    try:
        with db.session.begin_nested():
            return publish(
                result.module,
                organisation_id=None if draft.shared else draft.organisation_id,
                origin="browser",
                published_by=user,
            )
    except PublishError as error:
        return [content.Problem("module.yaml", 1, str(error))]


@dataclass(frozen=True)
class VersionRow:
    number: int
    edition: int
    published_at: object
    published_by: str | None
    is_current: bool


def versions(module: Module) -> list[VersionRow]:
    """The version history, newest first, in one query."""
    rows = db.session.execute(
        select(ModuleVersion.id, ModuleVersion.number, ModuleVersion.edition, ModuleVersion.published_at, User.name)
        .outerjoin(User, User.id == ModuleVersion.published_by_id)
        .where(ModuleVersion.module_id == module.id)
        .order_by(ModuleVersion.number.desc())
    ).all()
    return [VersionRow(number, edition, at, name, vid == module.current_version_id) for vid, number, edition, at, name
            in rows]


def version(module: Module, number: int) -> ModuleVersion | None:
    return db.session.scalar(
        select(ModuleVersion).where(ModuleVersion.module_id == module.id, ModuleVersion.number == number)
    )


def version_files(version_row: ModuleVersion) -> DraftFiles:
    """A published version's files, pictures included (they are stored as their own rows)."""
    rows = db.session.execute(
        select(ModuleImage.name, ModuleImage.data).where(ModuleImage.version_id == version_row.id)
    ).all()
    return DraftFiles(dict(version_row.source), {name: bytes(data) for name, data in rows})


@dataclass(frozen=True)
class FileDiff:
    path: str
    status: str  # "changed", "added", "removed"
    lines: tuple[tuple[str, str], ...]  # (kind, text): kind is "add", "remove", "context" or "hunk"


def diff(old: DraftFiles, new: DraftFiles) -> list[FileDiff]:
    """Per file, the lines that differ between two sets of files (unchanged files left out)."""
    result = []
    for path in sorted(set(old.text) | set(new.text)):
        before, after = old.text.get(path), new.text.get(path)
        if before == after:
            continue
        status = "added" if before is None else "removed" if after is None else "changed"
        lines = []
        for line in list(difflib.unified_diff((before or "").split("\n"), (after or "").split("\n"), lineterm=""))[2:]:
            kind = {"+": "add", "-": "remove", "@": "hunk"}.get(line[:1], "context")
            lines.append((kind, line[1:] if kind != "hunk" else line))
        result.append(FileDiff(path, status, tuple(lines)))
    for name in sorted(set(old.images) | set(new.images)):
        if old.images.get(name) != new.images.get(name):
            status = "added" if name not in old.images else "removed" if name not in new.images else "changed"
            result.append(FileDiff(f"images/{name}", status, ()))
    return result


def restore(draft: ModuleDraft, module: Module, number: int, user: User) -> PublishResult | list[content.Problem]:
    """Publish an old version's files again, as a new version, and make them the draft."""
    old = version(module, number)
    if old is None:
        raise AuthoringError("no-version")
    files = version_files(old)
    save_files(draft, files, user)
    return publish_draft(draft, user)


# --- Import and export ----------------------------------------------------------------------------------


def export_zip(slug: str, files: DraftFiles) -> bytes:
    """The module as a zip of the file format: one folder named after the slug."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.as_bytes().items()):
            info = zipfile.ZipInfo(f"{slug}/{path}", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def read_zip(data: bytes) -> tuple[DraftFiles | None, list[str]]:
    """The files of a module zip (one folder, or the files at the top); problems as messages."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None, ["not-zip"]
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > MAX_ZIP_FILES or sum(info.file_size for info in entries) > MAX_ZIP_BYTES:
        return None, ["too-large"]
    names = [info.filename.replace("\\", "/") for info in entries]
    outside = [name for name in names if name.startswith("/") or ".." in name.split("/")]
    if outside:
        return None, [f"outside:{outside[0]}"]
    tops = {name.split("/", 1)[0] for name in names}
    prefix = next(iter(tops)) + "/" if len(tops) == 1 and all("/" in name for name in names) else ""
    files = DraftFiles()
    problems = []
    for info, name in zip(entries, names, strict=True):
        path = name.removeprefix(prefix)
        if not path:
            continue
        raw = archive.read(info)
        if path.startswith("images/") and "/" not in path.removeprefix("images/"):
            files.images[path.removeprefix("images/")] = raw
            continue
        try:
            files.text[path] = normalise_text(raw.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(f"not-utf8:{path}")
    return (None, problems) if problems else (files, [])


def import_zip(organisation: Organisation, user: User, data: bytes, *, shared: bool = False) -> ModuleDraft:
    """A new draft from a module zip. Raises AuthoringError with a message for the trainer."""
    files, problems = read_zip(data)
    if files is None:
        raise AuthoringError(problems[0])
    result = content.parse_module(files.as_bytes(), glossary=published_glossary())
    slug = result.slug or ""
    if not SLUG_RE.match(slug):
        raise AuthoringError("no-slug")
    if slug_taken(slug):
        raise AuthoringError("slug-taken")
    return create_draft(organisation, user, files, slug, shared=shared)


def question_keys(files: DraftFiles) -> set[str]:
    return {
        match.group(1)
        for text in files.text.values()
        for match in re.finditer(r"^::: *(?:question|check) +([^\s]+)", text, re.MULTILINE)
    }


def import_gift(draft: ModuleDraft, data: bytes, filename: str, user: User) -> gift.GiftImport:
    """Add a GIFT file's questions to the end of the draft's quiz.md (created when missing)."""
    files = DraftFiles.loads(draft.files)
    result = gift.import_gift(data, path=filename, taken=question_keys(files))
    if result.count:
        quiz = files.text.get("quiz.md") or "---\ntitle: Assessment\n---\n"
        files.text["quiz.md"] = quiz.rstrip("\n") + "\n\n" + result.markdown
        save_files(draft, files, user)
    return result


def export_gift(files: DraftFiles, slug: str) -> tuple[str, list[str]] | list[content.Problem]:
    """The assessment as GIFT (HTML formats), or the module's problems when it does not parse."""
    result = check(files, slug)
    if result.module is None:
        return list(result.problems)
    if result.module.quiz is None:
        return "", []
    return gift.export_gift(result.module.quiz.questions, category=slug)


# --- Keeping text across an expired session ------------------------------------------------------------


def stash(slug: str, name: str, text: str) -> str:
    """Keep text posted without a session; returns the token for the sign-in link's ``next``."""
    token = secrets.token_urlsafe(24)
    cutoff = utcnow() - timedelta(hours=STASH_HOURS)
    db.session.execute(delete(EditStash).where(EditStash.created_at < cutoff))
    db.session.add(
        EditStash(
            token_hash=hashlib.sha256(token.encode()).hexdigest(), module_slug=slug, file_name=name,
            text=normalise_text(text),
        )
    )
    return token


def take_stash(token: str, slug: str, name: str) -> str | None:
    """The kept text for this file (once: it is deleted when taken)."""
    row = db.session.scalar(
        select(EditStash).where(EditStash.token_hash == hashlib.sha256(token.encode()).hexdigest())
    )
    if row is None or row.module_slug != slug or row.file_name != name:
        return None
    if row.created_at < utcnow() - timedelta(hours=STASH_HOURS):
        return None
    db.session.delete(row)
    return row.text


# --- Question statistics --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionShare:
    key: str
    html: str
    is_correct: bool
    count: int
    share: float  # of the attempts at the question


@dataclass(frozen=True)
class QuestionStats:
    key: str
    kind: str
    prompt_html: str
    attempts: int
    facility: float | None  # share answering correctly
    discrimination: float | None  # correlation of this question with the rest of the score
    options: tuple[OptionShare, ...]

    @property
    def flagged(self) -> bool:
        """Worth a look: nearly everyone or nearly no one gets it right, or good learners miss it."""
        if self.attempts < 5 or self.facility is None:
            return False
        return self.facility < 0.3 or self.facility > 0.95 or (self.discrimination or 0) < 0.2


def question_statistics(module: Module) -> list[QuestionStats]:
    """For each assessment question of the live version: attempts, facility, discrimination, option shares.

    Submitted assessment attempts of every version count (question keys are stable). Four queries,
    whatever the number of attempts: the version, the questions, the per-question sums, and the chosen
    options (grouped by answer in SQL).
    Discrimination is the point-biserial correlation between a question's mark and the attempt's
    marks on the other questions, computed from sums in SQL.
    """
    if module.current_version_id is None:
        return []
    version_row = db.session.get(ModuleVersion, module.current_version_id)
    questions = list(
        db.session.scalars(
            select(Question)
            .where(
                Question.version_id == module.current_version_id,
                Question.purpose == "assessment",
                Question.language == version_row.language,
            )
            .order_by(Question.position)
        )
    )
    submitted = select(QuizAttempt.id).where(
        QuizAttempt.module_id == module.id, QuizAttempt.purpose == "assessment", QuizAttempt.submitted_at.is_not(None)
    )
    mark = case((Response.is_correct.is_(True), 1), else_=0)
    totals = (
        select(Response.attempt_id.label("attempt_id"), func.sum(mark).label("total"))
        .where(Response.attempt_id.in_(submitted))
        .group_by(Response.attempt_id)
        .subquery()
    )
    rest = totals.c.total - mark
    sums = db.session.execute(
        select(
            Response.question_key,
            func.count(Response.id),
            func.sum(mark),
            func.sum(rest),
            func.sum(rest * rest),
            func.sum(mark * rest),
        )
        .join(totals, totals.c.attempt_id == Response.attempt_id)
        .group_by(Response.question_key)
    ).all()
    by_key = {row[0]: row[1:] for row in sums}
    chosen: dict[str, Counter[str]] = defaultdict(Counter)
    with_options = [question.key for question in questions if question.options]
    answers = (
        select(Response.question_key, cast(Response.answer, Text), func.count(Response.id))
        .where(Response.attempt_id.in_(submitted), Response.question_key.in_(with_options))
        .group_by(Response.question_key, cast(Response.answer, Text))
    )
    for key, answer_json, count in db.session.execute(answers) if with_options else ():
        answer = json.loads(answer_json) if answer_json else None
        for option in answer if isinstance(answer, list) else [answer]:
            if isinstance(option, str):
                chosen[key][option] += count
    stats = []
    for question in questions:
        n, right, sum_y, sum_yy, sum_xy = (int(value or 0) for value in by_key.get(question.key, (0, 0, 0, 0, 0)))
        facility = right / n if n else None
        discrimination = point_biserial(n, right, sum_y, sum_yy, sum_xy)
        correct = set(question.answer.get("correct", []))
        options = tuple(
            OptionShare(
                option["key"], option["html"], option["key"] in correct, chosen[question.key][option["key"]],
                chosen[question.key][option["key"]] / n if n else 0.0,
            )
            for option in question.options
        )
        stats.append(
            QuestionStats(question.key, question.kind, question.prompt_html, n, facility, discrimination, options)
        )
    return stats
