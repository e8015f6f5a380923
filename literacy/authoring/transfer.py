"""Import and export: a module as a zip of the file format, and its assessment questions as GIFT."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from flask import current_app

from .. import content
from ..content import gift
from ..models import ModuleDraft, Organisation, User
from .drafts import create_draft, save_files, slug_taken
from .files import AuthoringError, DraftFiles, normalise_text
from .preview import check, published_glossary

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_READABLE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what every zip tool writes


def _limit(key: str) -> int:
    return int(current_app.config[key])


def upload_too_large(data: bytes) -> bool:
    """Whether one uploaded file is over LITERACY_IMPORT_MAX_BYTES (checked before reading it)."""
    return len(data) > _limit("IMPORT_MAX_BYTES")


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
    """The archive's files with their paths inside the module folder, or why it cannot be read.

    Everything here comes from the archive's directory, so nothing is unpacked before it is refused.
    """
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > _limit("IMPORT_MAX_FILES"):
        return [], f"too-many-files:{_limit('IMPORT_MAX_FILES')}"
    if sum(info.file_size for info in entries) > _limit("IMPORT_MAX_UNPACKED_BYTES"):
        return [], "too-large-unpacked"
    names = [info.filename.replace("\\", "/") for info in entries]
    for info, name in zip(entries, names, strict=True):
        if info.flag_bits & 0x1:
            return [], f"encrypted:{name}"
        if info.compress_type not in _READABLE:
            return [], f"compression:{name}"
    outside = [name for name in names if name.startswith("/") or ".." in name.split("/")]
    if outside:
        return [], f"outside:{outside[0]}"
    tops = {name.split("/", 1)[0] for name in names}
    prefix = next(iter(tops)) + "/" if len(tops) == 1 and all("/" in name for name in names) else ""
    return [(info, name.removeprefix(prefix)) for info, name in zip(entries, names, strict=True)], None


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, room: int) -> bytes | None:
    """One member's bytes, or None when it is damaged (a bad CRC, a size that lies, broken data).

    At most ``room`` bytes are unpacked, whatever the directory claims, so a lying size cannot fill memory.
    """
    try:
        with archive.open(info) as member:
            data = member.read(room + 1)
    except Exception:  # noqa: BLE001 - a hostile archive raises many kinds (BadZipFile, zlib.error, EOFError...)
        return None
    return data if len(data) <= room and len(data) == info.file_size else None


def read_zip(data: bytes) -> tuple[DraftFiles | None, list[str]]:
    """The files of a module zip (one folder, or the files at the top); problems as messages."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries, refused = _entries(archive)
    except Exception:  # noqa: BLE001 - a damaged directory can raise more than BadZipFile
        return None, ["not-zip"]
    if refused:
        return None, [refused]
    files = DraftFiles()
    problems = []
    room = _limit("IMPORT_MAX_UNPACKED_BYTES")
    for info, path in entries:
        if not path:
            continue
        raw = _unpack(archive, info, room)
        if raw is None:
            return None, [f"damaged:{info.filename}"]
        room -= len(raw)
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
    if upload_too_large(data):
        raise AuthoringError("too-large")
    files, problems = read_zip(data)
    if files is None:
        raise AuthoringError(problems[0])
    too_many = content.question_limit_problem(files.as_bytes(), _limit("MAX_QUESTIONS"))
    if too_many is not None:  # refused before anything is saved: such a draft could not be worked on
        raise AuthoringError(f"too-many-questions:{too_many.path}:{too_many.line}")
    # The slug is all that is needed here: module.yaml alone gives it without rendering every lesson.
    details = {"module.yaml": files.text.get("module.yaml", "").encode("utf-8")}
    slug = content.parse_module(details, glossary=published_glossary()).slug or ""
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


def question_count(files: DraftFiles) -> int:
    """The most questions the draft has in one language (what LITERACY_MAX_QUESTIONS limits)."""
    counts: dict[str, int] = {}
    for path, text in files.text.items():
        match = re.match(r"^[^/.]+(?:\.([^/.]+))?\.md$", path)
        if match:
            found = len(re.findall(r"^ {0,3}::: *(?:question|check)\b", text, re.MULTILINE))
            counts[match.group(1) or ""] = counts.get(match.group(1) or "", 0) + found
    return max(counts.values(), default=0)


@dataclass(frozen=True)
class TooManyQuestions:
    """A GIFT import refused whole: the draft would go over LITERACY_MAX_QUESTIONS."""

    in_file: int  # questions read from the file (counting stops just over what would fit)
    in_draft: int
    limit: int
    more: bool  # the file has more questions than ``in_file``


def import_gift(draft: ModuleDraft, data: bytes, filename: str, user: User) -> gift.GiftImport | TooManyQuestions:
    """Add a GIFT file's questions to the end of the draft's quiz.md (created when missing).

    All or nothing: a file that would take the draft over LITERACY_MAX_QUESTIONS changes nothing.
    """
    files = DraftFiles.loads(draft.files)
    limit, in_draft = _limit("MAX_QUESTIONS"), question_count(files)
    room = max(0, limit - in_draft)
    result = gift.import_gift(data, path=filename, taken=question_keys(files), max_records=room + 1)
    if result.truncated or result.count > room:
        return TooManyQuestions(result.count + len(result.unsupported), in_draft, limit, result.truncated)
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
