from __future__ import annotations

from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select

from ..auth import sessions
from ..extensions import db
from ..i18n import current_language
from ..models import ModuleImage, utcnow
from ..publishing import question_from_row
from ..xapi import record as xapi_record
from . import bp, certificates, checks, quiz, service, version_cache
from .forms import RevokeForm


def _module_or_404(slug: str):
    found = service.find_module(current_user, slug)
    if found is None:
        abort(404)
    return found


# the catalogue's modules with a signed-in person's status come with the person (one round trip)
sessions.read_with_person("learning.catalogue", service.CATALOGUE_WITH_PERSON, service.catalogue_parameters)


@bp.get("/modules")
def catalogue():
    entries = service.catalogue(current_user, current_language())
    return render_template("learning/catalogue.html", entries=entries, language=current_language())


@bp.get("/modules/<module_slug>")
def module(module_slug: str):
    module, version = _module_or_404(module_slug)
    language = current_language()
    shown = service.shown_language(version, language)
    lessons = service.lesson_summaries(version, language)
    progress = service.progress_by_module(current_user, [module.id]).get(module.id, service.NO_PROGRESS)
    signed_in = current_user.is_authenticated
    precheck = quiz.quiz_state(current_user, module, version, quiz.PRECHECK) if signed_in else None
    assessment = quiz.quiz_state(current_user, module, version, quiz.ASSESSMENT) if signed_in else None
    now = utcnow()
    return render_template(
        "learning/module.html",
        quiz_url=url_for("learning.quiz_intro", module_slug=module.slug, purpose=quiz.ASSESSMENT)
        if signed_in and version.question_count
        else None,
        precheck=precheck if precheck and precheck.question_count else None,
        assessment_status=quiz.assessment_status(assessment, progress.status(version)) if assessment else None,
        module=module,
        version=version,
        shown=shown,
        language=language,
        lessons=lessons,
        progress=progress,
        status=progress.status(version) if current_user.is_authenticated else None,
        next_lesson=service.continue_lesson(progress, lessons),
        renewal=progress.renewal if progress.renewal_due(version, now) else None,
        now=now,
    )


def _lesson_page(module_slug: str, lesson_slug: str):
    """The module (if this person may take it), its live version and the lesson in the interface language:
    one query for the module; the version and the lesson come from the process's cache (``version_cache``)."""
    found = service.find_live(current_user, module_slug)
    if found is None:
        abort(404)
    module, version = found
    page = version_cache.lesson(version, lesson_slug, current_language())
    if page is None:
        abort(404)
    return module, version, page


# the lesson page's module and visit are read in the session's statement, with the person (one round trip)
sessions.read_with_person("learning.lesson", service.LESSON_WITH_PERSON, service.lesson_visit_parameters)


@bp.get("/modules/<module_slug>/<lesson_slug>")
@login_required
def lesson(module_slug: str, lesson_slug: str):
    """A lesson: a read. Only a first opening writes (the lesson started); later openings move "last opened"
    at most once a minute (``service.record_visit``). A visit that wrote commits before rendering; one that
    did not renders in the same read transaction, so the page takes one connection from the pool (on
    PostgreSQL, a commit and a second checkout with its ping and reset cost four more round trips)."""
    read = sessions.page_rows(current_user, "learning.lesson")
    found = service.find_lesson_visit(current_user, module_slug, lesson_slug, read)
    page = version_cache.lesson(found[1], lesson_slug, current_language()) if found is not None else None
    if found is None or page is None:
        abort(404)
    module, version, visit = found
    done = service.lesson_done(current_user, module, version, visit)
    if service.record_visit(current_user, module, version, page.slug, row=visit):
        xapi_record.lesson_opened(current_user, module, version, page)  # no query unless the org has an LRS
        _commit_keeping_loaded()  # a page that only read keeps its one transaction (and connection) instead
    result = checks.take_result(session, module.slug, page.slug)
    feedback = None
    if result is not None and result["key"] in page.checks:
        feedback = checks.feedback(question_from_row(page.checks[result["key"]]), result["answer"])
    return render_template(
        "learning/lesson.html",
        module=module,
        version=version,
        lesson=page,
        language=current_language(),
        lessons=page.lessons,
        previous=page.previous,
        next=page.next,
        is_complete=done,
        parts=page.parts,
        checks=page.checks,
        check_feedback=feedback,
        check_html=_checks_as_html(module, version, page, feedback),
    )


#: stands for the form's token in a kept knowledge check (never in a page: every one is replaced)
TOKEN_PLACE = "\x00csrf-token\x00"  # noqa: S105 - a placeholder, not a secret
CHECK = '{% from "learning/_check.html" import knowledge_check with context %}{{ knowledge_check(m, l, q, none) }}'


def _checks_as_html(module: Any, version: Any, page: Any, feedback: Any) -> dict[str, Markup]:
    """The lesson's knowledge checks as HTML, rendered once per version, lesson, check and interface language
    and kept (``version_cache.fragment``), with this person's form token put in; the check with feedback to
    show is left to the template."""
    token = generate_csrf()
    language = current_language()
    found = {}
    for key, question in page.checks.items():
        if feedback is not None and feedback.key == key:
            continue

        def render(question: Any = question) -> str:
            context = {"m": module, "l": page, "q": question}
            current_app.update_template_context(context)  # as render_template, without its signals: a part
            return current_app.jinja_env.from_string(CHECK).render(context).replace(token, TOKEN_PLACE)

        kept = version_cache.fragment((version.key, module.slug, page.slug, page.language, key, language), render)
        found[key] = Markup(kept.replace(TOKEN_PLACE, token))  # noqa: S704 - our own template's output
    return found


def _commit_keeping_loaded() -> None:
    """Commit the request's writes before rendering (so no row stays locked while the page renders),
    keeping the rows it loaded: the page renders from them, read in this same transaction a moment ago,
    instead of loading each again (the signed-in user among them)."""
    current = db.session()
    keep, current.expire_on_commit = current.expire_on_commit, False
    try:
        current.commit()
    finally:
        current.expire_on_commit = keep


@bp.post("/modules/<module_slug>/<lesson_slug>/complete")
@login_required
def complete(module_slug: str, lesson_slug: str):
    module, version = _module_or_404(module_slug)
    page = version_cache.lesson(version_cache.version_of(version), lesson_slug, current_language())
    if page is None:
        abort(404)
    completion = service.complete_lesson(current_user, module, version, page.slug)
    db.session.commit()
    if completion is not None:
        flash(_("Certificate renewed.") if completion.renewal else _("Module complete."), "success")
        return redirect(url_for("learning.module", module_slug=module_slug))
    following = page.next
    if following is not None:
        return redirect(url_for("learning.lesson", module_slug=module_slug, lesson_slug=following.slug))
    return redirect(url_for("learning.module", module_slug=module_slug))


@bp.post("/modules/<module_slug>/<lesson_slug>/checks/<key>")
@login_required
def check(module_slug: str, lesson_slug: str, key: str):
    """Answer a knowledge check: no JavaScript needed; the feedback shows when the lesson reloads."""
    module, _version, page = _lesson_page(module_slug, lesson_slug)
    row = page.checks.get(key)
    if row is None:
        abort(404)
    answer = checks.read_answer(row, request.form)
    checks.store_result(session, module.slug, page.slug, key, answer)
    anchor = f"check-{key}"
    return redirect(url_for("learning.lesson", module_slug=module_slug, lesson_slug=lesson_slug, _anchor=anchor))


@bp.get("/modules/<module_slug>/images/<path:name>")
def image(module_slug: str, name: str):
    """A picture of a module this person may take (``find_module`` refuses anyone else with a 404).

    Shared caches may keep pictures of modules shared with everyone, fetched without a session; those of
    an organisation's own module are ``private``, so no proxy or CDN hands them to someone outside it.
    A response to someone with a session is ``private`` too: it may carry their session cookie (sent again
    whenever the session changes) and a shared cache must never keep that.
    """
    module, version = _module_or_404(module_slug)
    picture = db.session.scalar(
        select(ModuleImage).where(ModuleImage.version_id == version.id, ModuleImage.name == name)
    )
    if picture is None:
        abort(404)
    response = make_response(picture.data)
    response.headers["Content-Type"] = picture.media_type
    shared = module.organisation_id is None and not session
    response.headers["Cache-Control"] = "public, max-age=3600" if shared else "private, max-age=3600"
    response.vary.add("Cookie")
    # An SVG opened on its own must not run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@bp.route("/certificates/<code>/revoke", methods=["GET", "POST"])
@login_required
def revoke_certificate(code: str):
    """Withdraw a certificate, with a reason the public page shows: site administrators, and the trainers of
    the organisation whose module it is (``certificates.may_revoke``); anyone else gets 403."""
    found = certificates.by_code(code)
    if found is None:
        abort(404)
    if not certificates.may_revoke(current_user, found):
        abort(403)
    verify_url = url_for("learning.verify_certificate", code=found.code)
    if found.is_revoked:
        flash(_("This certificate was already revoked."), "info")
        return redirect(verify_url)
    form = RevokeForm()
    if form.validate_on_submit():
        if certificates.revoke(found.code, current_user, form.reason.data or ""):
            db.session.commit()
            flash(_("Certificate revoked."), "success")
        return redirect(verify_url)
    return render_template("learning/certificate_revoke.html", certificate=found, form=form, now=utcnow())


@bp.get("/glossary")
def glossary():
    return render_template("learning/glossary.html", terms=service.glossary(current_language()))
