"""Thin views of the authoring area: check access, call the module that does the work, render or redirect.

The modules change the session but never commit; a view commits once, when the request has succeeded."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from ..auth import sessions
from ..auth.access import any_role_required, organisation_role_required, organisations_for
from ..content import gift
from ..extensions import csrf, db, limiter
from ..models import Module, ModuleDraft, Organisation, Role
from . import bp, drafts, listing, preview, stash, transfer, versions
from .files import AuthoringError, DraftFiles, normalise_text, title_from
from .forms import AddFileForm, KeptTextForm, NewModuleForm, UploadForm
from .guide import guide_html
from .statistics import question_statistics

# Checker problems and GIFT notes are English Messages; templates show them in the reader's language.
bp.app_template_filter("checker_message")(preview.shown_message)


def _zip_message(reason: str) -> str:
    """The trainer's words for why a zip file could not be imported."""
    code, _sep, detail = reason.partition(":")
    messages = {
        "not-zip": _("The file is not a zip file."),
        "too-large": _("The file is larger than %(size)s, the most this site accepts.", size=_size(_max_upload())),
        "too-large-unpacked": _(
            "The files inside the zip add up to more than %(size)s unpacked, the most this site accepts.",
            size=_size(int(current_app.config["IMPORT_MAX_UNPACKED_BYTES"])),
        ),
        "too-many-files": _("The zip file holds more than %(count)s files, the most this site accepts.", count=detail),
        "encrypted": _("%(name)s is protected by a password. Make the zip file again without a password.", name=detail),
        "compression": _(
            "%(name)s is packed in a way this site cannot unpack. Make the zip file again with your computer's "
            "usual zip tool.",
            name=detail,
        ),
        "damaged": _(
            "%(name)s is damaged inside the zip file. Make the zip file again and try once more.", name=detail
        ),
        "too-many-questions": _(
            "The module has more than %(limit)s questions (the first one too many is in %(place)s). Split it into "
            "several modules before importing it.",
            limit=current_app.config["MAX_QUESTIONS"],
            place=detail,
        ),
        "outside": _("%(name)s is outside the module folder.", name=detail),
        "not-utf8": _("%(name)s is not UTF-8 text. Save it as UTF-8 and try again.", name=detail),
        "no-slug": _("The zip file has no module.yaml with a slug, so it is not a module."),
        "slug-taken": _(
            "A module with this web address name already exists. Change the slug in module.yaml before importing it."
        ),
    }
    return messages.get(code, reason)


def _max_upload() -> int:
    return int(current_app.config["IMPORT_MAX_BYTES"])


def _size(size: int) -> str:
    """A size in the units people know: KB up to a megabyte, MB beyond."""
    if size >= 1024 * 1024:
        return _("%(number)s MB", number=format_decimal(round(size / (1024 * 1024), 1)))
    return _("%(number)s KB", number=format_decimal(max(1, round(size / 1024))))


def _upload_limits() -> dict[str, Any]:
    """What the upload pages say about the limits before anyone tries."""
    return {"max_size": _size(_max_upload()), "max_questions": int(current_app.config["MAX_QUESTIONS"])}


def _upload_bytes(form: UploadForm) -> bytes | None:
    """The uploaded file, or None when it is over LITERACY_IMPORT_MAX_BYTES (read no further than that)."""
    data = form.file.data.read(_max_upload() + 1)
    return None if len(data) > _max_upload() else data


def _trainer_organisations() -> list[Organisation]:
    return organisations_for(current_user, Role.TRAINER)


def _draft_or_404(organisation: Organisation, slug: str) -> ModuleDraft:
    draft = listing.find_draft(organisation, slug)
    if draft is None:
        abort(404)
    return draft


def _draft_file_or_404(organisation: Organisation, slug: str, name: str) -> tuple[ModuleDraft, DraftFiles]:
    """The draft and its files, when it has a text file of this name."""
    draft = _draft_or_404(organisation, slug)
    files = DraftFiles.loads(draft.files)
    if name not in files.text:
        abort(404)
    return draft, files


def _image_url(organisation: Organisation, slug: str):
    return lambda name: url_for("authoring.draft_image", org=organisation.slug, slug=slug, name=name)


def _module_context(organisation: Organisation, draft: ModuleDraft) -> dict[str, Any]:
    files = DraftFiles.loads(draft.files)
    module = listing.published_module(draft.module_slug)
    result = preview.check(files, draft.module_slug, image_url=_image_url(organisation, draft.module_slug))
    return {
        "organisation": organisation,
        "draft": draft,
        "files": files,
        "module": module if module is not None and module.origin == "browser" else None,
        "result": result,
        "problems": preview.shown_problems(files, result.problems),
        "title": result.module.title if result.module else title_from(files, draft.module_slug),
    }


def _module_page(organisation: Organisation, draft: ModuleDraft, add_form: AddFileForm | None = None, **extra):
    """The module page: its files, problems and version history."""
    context = _module_context(organisation, draft)
    history = versions.versions(context["module"]) if context["module"] else []
    form = add_form if add_form is not None else AddFileForm()
    return render_template("authoring/module.html", **context, versions=history, add_form=form, **extra)


@bp.get("/")
@any_role_required(Role.TRAINER)
def index():
    organisations = _trainer_organisations()
    entries = listing.modules_for(organisations)
    return render_template(
        "authoring/index.html",
        organisations=organisations,
        entries=entries,
        files_modules=listing.files_modules(),
    )


@bp.route("/<org>/new", methods=["GET", "POST"])
@organisation_role_required(Role.TRAINER)
def new_module(organisation: Organisation):
    form = NewModuleForm()
    taken = False
    if form.validate_on_submit():
        slug = form.slug.data or ""
        try:
            if drafts.slug_taken(slug):
                raise AuthoringError("slug-taken")
            files = drafts.starter_files(slug, form.title.data or "")
            drafts.create_draft(organisation, current_user, files, slug, shared=bool(form.shared.data))
        except AuthoringError:  # taken, seen here or by the database (another request a moment ago)
            taken = True
            form.slug.errors = [_("A module with this web address name already exists. Choose another.")]
        else:
            db.session.commit()
            flash(_("Module created. It is a draft until you publish it."), "success")
            return redirect(url_for("authoring.module", org=organisation.slug, slug=slug))
    return render_template("authoring/new.html", organisation=organisation, form=form, taken=taken)


@bp.route("/<org>/import", methods=["GET", "POST"])
@organisation_role_required(Role.TRAINER)
def import_module(organisation: Organisation):
    form = UploadForm()
    if form.validate_on_submit():
        try:
            data = _upload_bytes(form)
            if data is None:
                raise AuthoringError("too-large")
            draft = transfer.import_zip(organisation, current_user, data, shared=bool(request.form.get("shared")))
        except AuthoringError as error:
            form.file.errors = [_zip_message(str(error))]
        else:
            db.session.commit()
            flash(_("Module imported as a draft. Check it and publish it when it is ready."), "success")
            return redirect(url_for("authoring.module", org=organisation.slug, slug=draft.module_slug))
    return render_template("authoring/import.html", organisation=organisation, form=form, **_upload_limits())


@bp.get("/<org>/modules/<slug>")
@organisation_role_required(Role.TRAINER)
def module(organisation: Organisation, slug: str):
    return _module_page(organisation, _draft_or_404(organisation, slug))


@bp.post("/<org>/modules/<slug>/files")
@organisation_role_required(Role.TRAINER)
def add_file(organisation: Organisation, slug: str):
    draft = _draft_or_404(organisation, slug)
    form = AddFileForm()
    if form.validate_on_submit():
        try:
            drafts.add_file(draft, form.name.data or "", current_user)
        except AuthoringError:
            form.name.errors = [_("A file with this name already exists")]
        else:
            db.session.commit()
            return redirect(url_for("authoring.edit_file", org=organisation.slug, slug=slug, name=form.name.data))
    return _module_page(organisation, draft, form), 400


@bp.post("/<org>/modules/<slug>/files/<name>/delete")
@organisation_role_required(Role.TRAINER)
def delete_file(organisation: Organisation, slug: str, name: str):
    draft = _draft_or_404(organisation, slug)
    try:
        drafts.delete_file(draft, name, current_user)
    except AuthoringError:
        abort(404)
    db.session.commit()
    flash(_("%(name)s deleted from the draft.", name=name), "success")
    return redirect(url_for("authoring.module", org=organisation.slug, slug=slug))


@bp.route("/<org>/modules/<slug>/files/<name>", methods=["GET", "POST"])
@csrf.exempt  # checked below, so an expired token re-shows the text instead of losing it
@limiter.limit("30 per hour", methods=["POST"], exempt_when=lambda: current_user.is_authenticated)
def edit_file(org: str, slug: str, name: str):
    """The editor. A post after the trainer's own session expired keeps the text and asks them to sign in.

    ``stash.may_keep`` decides whether a post may be kept (the trainer's own expired session, from this site,
    not too long), so nobody else can plant text in a trainer's editor; anonymous posts are rate-limited.
    """
    if request.method == "POST" and not current_user.is_authenticated:
        target = url_for("authoring.edit_file", org=org, slug=slug, name=name)
        source = request.form.get("source", "")
        cookie = current_app.session_interface.open_session(current_app, request)  # read afresh: see stash.Post
        post = stash.Post(
            org, slug, name, source,
            claimed_origin=request.headers.get("Origin") or request.headers.get("Referer"),
            host_url=request.host_url,
            session_id=cookie.get(sessions.SESSION_ID) if cookie is not None else None,
        )
        owner = stash.may_keep(post)
        if owner is not None:
            token = stash.keep(owner, slug, name, source)
            db.session.commit()
            target = url_for("authoring.edit_file", org=org, slug=slug, name=name, restore=token)
        return redirect(url_for("auth.sign_in", next=target))
    return _edit_file(org=org, slug=slug, name=name)


@organisation_role_required(Role.TRAINER)
def _edit_file(organisation: Organisation, slug: str, name: str):
    draft, files = _draft_file_or_404(organisation, slug, name)
    expired = False
    kept = None
    action = request.form.get("action", "preview")
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError:
            expired = True
        files.text[name] = normalise_text(request.form.get("source", ""))
        if not expired and action == "save":
            drafts.save_files(draft, files, current_user)
            db.session.commit()
            flash(_("Draft saved."), "success")
            return redirect(url_for("authoring.edit_file", org=organisation.slug, slug=slug, name=name))
    elif request.args.get("restore"):
        token = request.args["restore"]
        row = stash.find(token, current_user, slug, name)
        if row is not None:
            kept = {"groups": stash.compare(files.text[name], row.text), "form": KeptTextForm(token=token)}
    return _editor_page(
        organisation, draft, files, name, expired=expired, kept=kept, unsaved=request.method == "POST"
    )


def _editor_page(organisation: Organisation, draft: ModuleDraft, files: DraftFiles, name: str, **extra: Any):
    context = _editor_context(organisation, draft, files, name)
    return render_template("authoring/editor.html", **context, **{"notice": None, "expired": False, **extra})


@bp.post("/<org>/modules/<slug>/files/<name>/kept")
@organisation_role_required(Role.TRAINER)
def kept_text(organisation: Organisation, slug: str, name: str):
    """Use or discard text kept from an expired session: nothing replaces the draft's text unasked."""
    draft, files = _draft_file_or_404(organisation, slug, name)
    form = KeptTextForm()
    editor = url_for("authoring.edit_file", org=organisation.slug, slug=slug, name=name)
    if not form.validate_on_submit():
        abort(400)
    text = stash.take(form.token.data or "", current_user, slug, name)
    db.session.commit()
    if text is None:
        flash(_("The kept text is no longer there: it is kept for a day, and only once."), "info")
        return redirect(editor)
    if request.form.get("action") != "use":
        flash(_("The kept text was discarded. The draft is as it was saved."), "success")
        return redirect(editor)
    files.text[name] = text
    notice = _("Your kept text is in the editor below. It is not saved yet: check it and select Save draft.")
    return _editor_page(organisation, draft, files, name, notice=notice, unsaved=True)


def _editor_context(organisation: Organisation, draft: ModuleDraft, files: DraftFiles, name: str):
    image_url = _image_url(organisation, draft.module_slug)
    result = preview.check(files, draft.module_slug, image_url=image_url)
    problems = preview.shown_problems(files, result.problems)
    return {
        "organisation": organisation,
        "draft": draft,
        "files": files,
        "name": name,
        "source": files.text[name],
        "problems": problems,
        "here": [p for p in problems if p.path == name],
        "preview": preview.preview(files, name, result, image_url),
        "title": result.module.title if result.module else title_from(files, draft.module_slug),
    }


@bp.post("/<org>/modules/<slug>/files/<name>/preview")
@organisation_role_required(Role.TRAINER)
def preview_fragment(organisation: Organisation, slug: str, name: str):
    """The preview and problems only, for the editor's script to refresh them as the trainer types."""
    draft, files = _draft_file_or_404(organisation, slug, name)
    files.text[name] = normalise_text(request.form.get("source", ""))
    context = _editor_context(organisation, draft, files, name)
    return render_template("authoring/_preview_fragment.html", **context)


@bp.get("/<org>/modules/<slug>/images/<path:name>")
@organisation_role_required(Role.TRAINER)
def draft_image(organisation: Organisation, slug: str, name: str):
    files = DraftFiles.loads(_draft_or_404(organisation, slug).files)
    data = files.images.get(name)
    if data is None:
        abort(404)
    response = make_response(data)
    response.headers["Content-Type"] = _media_type(name)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


def _media_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower()
    return {
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "gif": "image/gif",
        "webp": "image/webp",
        "svg": "image/svg+xml",
    }.get(extension, "application/octet-stream")


@bp.post("/<org>/modules/<slug>/publish")
@organisation_role_required(Role.TRAINER)
def publish(organisation: Organisation, slug: str):
    draft = _draft_or_404(organisation, slug)
    outcome = versions.publish_draft(draft, current_user)
    if isinstance(outcome, list):
        db.session.rollback()
        return _module_page(organisation, draft, publish_refused=True), 400
    db.session.commit()
    if outcome.created:
        flash(_("Version %(number)s published.", number=outcome.version.number), "success")
    elif versions.published_a_moment_ago(outcome.version, request.form.get("number", type=int)):
        flash(_("This draft was published a moment ago as version %(number)s.", number=outcome.version.number), "info")
    else:
        flash(
            _("Nothing has changed since version %(number)s, so nothing was published.", number=outcome.version.number),
            "info",
        )
    return redirect(url_for("authoring.module", org=organisation.slug, slug=slug))


def _browser_module_or_404(slug: str) -> Module:
    module = listing.published_module(slug)
    if module is None or module.origin != "browser":
        abort(404)
    return module


@bp.get("/<org>/modules/<slug>/versions/compare")
@organisation_role_required(Role.TRAINER)
def compare(organisation: Organisation, slug: str):
    draft = _draft_or_404(organisation, slug)
    module = _browser_module_or_404(slug)
    history = versions.versions(module)
    numbers = [row.number for row in history]
    old_number = request.args.get("from", type=int) or (numbers[1] if len(numbers) > 1 else numbers[-1])
    new_number = request.args.get("to", type=int) or numbers[0]
    old, new = versions.version(module, old_number), versions.version(module, new_number)
    if old is None or new is None:
        abort(404)
    changes = versions.diff(versions.version_files(old), versions.version_files(new))
    page = {"organisation": organisation, "draft": draft, "module": module, "history": history}
    return render_template("authoring/compare.html", **page, old=old, new=new, changes=changes)


@bp.post("/<org>/modules/<slug>/versions/<int:number>/restore")
@organisation_role_required(Role.TRAINER)
def restore(organisation: Organisation, slug: str, number: int):
    draft = _draft_or_404(organisation, slug)
    module = _browser_module_or_404(slug)
    try:
        outcome = versions.restore(draft, module, number, current_user)
    except AuthoringError:
        abort(404)
    db.session.commit()  # either way the draft now holds the old files
    if isinstance(outcome, list):  # their problems show on the module page
        flash(
            _(
                "Version %(number)s was copied into the draft but cannot be published as it is: fix the "
                "problems shown.",
                number=number,
            ),
            "info",
        )
    else:
        flash(_("Version %(old)s restored as version %(new)s.", old=number, new=outcome.version.number), "success")
    return redirect(url_for("authoring.module", org=organisation.slug, slug=slug))


def _zip_response(slug: str, data: bytes):
    response = make_response(data)
    response.headers["Content-Type"] = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}.zip"'
    return response


def _gift_response(slug: str, text: str):
    response = make_response(text)
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}.gift.txt"'
    return response


@bp.get("/<org>/modules/<slug>/draft.zip")
@organisation_role_required(Role.TRAINER)
def export_draft(organisation: Organisation, slug: str):
    files = DraftFiles.loads(_draft_or_404(organisation, slug).files)
    return _zip_response(slug, transfer.export_zip(slug, files))


def _exportable(slug: str) -> Module:
    module = listing.published_module(slug)
    if module is None or module.current_version is None:
        abort(404)
    ids = {organisation.id for organisation in _trainer_organisations()}
    if not listing.may_export(current_user, module, ids):
        abort(403)
    return module


@bp.get("/export/<slug>.zip")
@any_role_required(Role.TRAINER)
def export_module(slug: str):
    """The live version of any module a trainer may export (files modules: every trainer)."""
    module = _exportable(slug)
    return _zip_response(slug, transfer.export_zip(slug, versions.version_files(module.current_version)))


@bp.get("/export/<slug>.gift")
@any_role_required(Role.TRAINER)
def export_module_gift(slug: str):
    module = _exportable(slug)
    outcome = transfer.export_gift(versions.version_files(module.current_version), slug)
    if isinstance(outcome, list):  # a published version always parses; a changed glossary can break it
        abort(409)
    text, _skipped = outcome
    return _gift_response(slug, text)


@bp.get("/<org>/modules/<slug>/quiz.gift")
@organisation_role_required(Role.TRAINER)
def export_draft_gift(organisation: Organisation, slug: str):
    draft = _draft_or_404(organisation, slug)
    outcome = transfer.export_gift(DraftFiles.loads(draft.files), slug)
    if isinstance(outcome, list):
        flash(_("Fix the problems in the draft before exporting its questions."), "info")
        return redirect(url_for("authoring.module", org=organisation.slug, slug=slug))
    text, _skipped = outcome
    return _gift_response(slug, text)


@bp.route("/<org>/modules/<slug>/import-gift", methods=["GET", "POST"])
@organisation_role_required(Role.TRAINER)
def import_gift(organisation: Organisation, slug: str):
    draft = _draft_or_404(organisation, slug)
    form = UploadForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        data = _upload_bytes(form)
        outcome = None if data is None else transfer.import_gift(
            draft, data, upload.filename or "questions.gift", current_user
        )
        if outcome is None:
            form.file.errors = [_("The file is larger than %(size)s, the most this site accepts.",
                                  size=_size(_max_upload()))]
        elif isinstance(outcome, transfer.TooManyQuestions):
            form.file.errors = [_gift_limit_message(outcome)]
        elif outcome.count == 0 and outcome.unsupported and outcome.unsupported[0].message == gift.NOT_UTF8:
            form.file.errors = [_("The file is not UTF-8 text. Save it as UTF-8 and try again.")]
        else:
            report = outcome
            db.session.commit()
    return render_template(
        "authoring/import_gift.html",
        organisation=organisation,
        draft=draft,
        form=form,
        report=report,
        **_upload_limits(),
    )


def _gift_limit_message(refused: transfer.TooManyQuestions) -> str:
    if refused.in_draft >= refused.limit:
        return _(
            "Nothing was imported: the module already has %(limit)s questions, the most a module may have. "
            "Put these questions in another module.",
            limit=refused.limit,
        )
    return _(
        "Nothing was imported: the module has %(count)s questions and may have at most %(limit)s, so it has room "
        "for %(room)s more, and this file has more than that. Split the file, or put the questions in another "
        "module.",
        count=refused.in_draft,
        limit=refused.limit,
        room=refused.limit - refused.in_draft,
    )


@bp.get("/<org>/modules/<slug>/statistics")
@organisation_role_required(Role.TRAINER)
def statistics(organisation: Organisation, slug: str):
    draft = _draft_or_404(organisation, slug)
    module = _browser_module_or_404(slug)
    return render_template(
        "authoring/statistics.html",
        organisation=organisation,
        draft=draft,
        module=module,
        stats=question_statistics(module),
    )


@bp.get("/modules/<slug>/statistics")
@any_role_required(Role.TRAINER)
def module_statistics(slug: str):
    """Question statistics of any published module the trainer may export: every files module (synced from
    courses/, so without a draft), and the browser modules of their own organisations."""
    module = _exportable(slug)
    return render_template("authoring/statistics.html", organisation=None, draft=None, module=module,
                           stats=question_statistics(module))


@bp.get("/guide")
@any_role_required(Role.TRAINER)
def guide():
    """The guide for writing modules (docs/authoring.md, shipped in the package), linked from the editor."""
    html = guide_html()
    if html is None:
        abort(404)
    return render_template("authoring/guide.html", guide_html=html)
