"""Import and export: a module as a zip of the file format, and its assessment questions as GIFT."""

from __future__ import annotations

import io
import re
import zipfile

from .. import content
from ..content import gift
from ..models import ModuleDraft, Organisation, User
from .drafts import create_draft, save_files, slug_taken
from .files import AuthoringError, DraftFiles, normalise_text
from .preview import check, published_glossary

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ZIP_BYTES = 20 * 1024 * 1024  # unpacked size of an imported module
MAX_ZIP_FILES = 500


def export_zip(slug: str, files: DraftFiles) -> bytes:
    """The module as a zip of the file format: one folder named after the slug."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.as_bytes().items()):
            info = zipfile.ZipInfo(f"{slug}/{path}", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _entries(archive: zipfile.ZipFile) -> tuple[list[tuple[zipfile.ZipInfo, str]], str | None]:
    """The archive's files with their paths inside the module folder, or why it cannot be read."""
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > MAX_ZIP_FILES or sum(info.file_size for info in entries) > MAX_ZIP_BYTES:
        return [], "too-large"
    names = [info.filename.replace("\\", "/") for info in entries]
    outside = [name for name in names if name.startswith("/") or ".." in name.split("/")]
    if outside:
        return [], f"outside:{outside[0]}"
    tops = {name.split("/", 1)[0] for name in names}
    prefix = next(iter(tops)) + "/" if len(tops) == 1 and all("/" in name for name in names) else ""
    return [(info, name.removeprefix(prefix)) for info, name in zip(entries, names, strict=True)], None


def read_zip(data: bytes) -> tuple[DraftFiles | None, list[str]]:
    """The files of a module zip (one folder, or the files at the top); problems as messages."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None, ["not-zip"]
    entries, refused = _entries(archive)
    if refused:
        return None, [refused]
    files = DraftFiles()
    problems = []
    for info, path in entries:
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
