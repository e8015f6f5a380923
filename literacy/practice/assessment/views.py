"""The self-assessment's pages under /organisations/<org>/assessments/: check access, call the service, render."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...auth.access import organisation_role_required
from ...exports import csv_stream
from ...extensions import db
from ...models import Module, ModuleVersion, Organisation, Role, SelfAssessment, utcnow
from ...titles import InLanguage, page_language, title_in
from ..atrs import service as atrs_service
from ..atrs.service import EDITORS
from . import bp, forms, pdf, report, service
from .questionnaire import Questionnaire, Section

MEMBERS = (Role.LEARNER,)  # every role implies learner: any member of the organisation


def _assessment_or_404(organisation: Organisation, assessment_id: int) -> SelfAssessment:
    assessment = service.visible_assessment(organisation, current_user, assessment_id)
    if assessment is None:
        abort(404)
    return assessment


def _questionnaire(assessment: SelfAssessment) -> Questionnaire:
    return service.questionnaire_of(assessment, page_language())


def _go(endpoint: str, organisation: Organisation, assessment: SelfAssessment, **values: str):
    return redirect(url_for(endpoint, org=organisation.slug, assessment_id=assessment.id, **values))


def module_links(slugs: list[str]) -> list[tuple[str, InLanguage]]:
    """(slug, title in the page's language) of each published catalogue module among ``slugs``."""
    if not slugs:
        return []
    query = (
        select(Module.slug, ModuleVersion.texts, ModuleVersion.language)
        .join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
        .where(Module.slug.in_(slugs), Module.organisation_id.is_(None))
    )
    rows = db.session.execute(query)
    titles = {slug: title_in(texts or {}, language, page_language()) for slug, texts, language in rows}
    return [(slug, titles[slug]) for slug in slugs if slug in titles]


@bp.get("/<org>/assessments/")
@organisation_role_required(*MEMBERS)
def index(organisation: Organisation):
    assessments = list(db.session.scalars(service.assessments_query(organisation, current_user).limit(500)))
    return render_template(
        "assessment/index.html",
        organisation=organisation,
        assessments=assessments,
        may_edit=service.is_editor(current_user, organisation),
    )


@bp.route("/<org>/assessments/new", methods=["GET", "POST"])
@organisation_role_required(*EDITORS)
def new(organisation: Organisation):
    form = forms.NewAssessmentForm()
    if form.validate_on_submit():
        assessment = service.create_assessment(
            organisation, current_user, form.system_name.data, form.description.data or "",
            is_published=bool(form.is_published.data),
        )
        flash(_("Self-assessment started"), "success")
        return _go("assessment.show", organisation, assessment)
    return render_template("assessment/new.html", organisation=organisation, form=form), 400 if form.errors else 200


@bp.get("/<org>/assessments/<int:assessment_id>/")
@organisation_role_required(*MEMBERS)
def show(organisation: Organisation, assessment_id: int):
    assessment = _assessment_or_404(organisation, assessment_id)
    questions = _questionnaire(assessment)
    values = service.values_of(assessment)
    progress = {item.section.id: item for item in service.progress(questions, values)}
    linked = None
    if assessment.atrs_record_id is not None:
        linked = atrs_service.visible_record(organisation, current_user, assessment.atrs_record_id)
    return render_template(
        "assessment/show.html",
        organisation=organisation,
        assessment=assessment,
        questionnaire=questions,
        progress=progress,
        team=service.team(assessment),
        may_answer=service.may_answer(assessment, organisation, current_user),
        may_edit=service.is_editor(current_user, organisation),
        linked=linked,
        visibility=forms.VisibilityForm(is_published=assessment.is_published),
        pdf_available=pdf.available(),
    )


def _section_or_404(questions: Questionnaire, section_id: str) -> Section:
    section = questions.section(section_id)
    if section is None:
        abort(404)
    return section


@bp.route("/<org>/assessments/<int:assessment_id>/sections/<section_id>", methods=["GET", "POST"])
@organisation_role_required(*MEMBERS)
def section(organisation: Organisation, assessment_id: int, section_id: str):
    assessment = _assessment_or_404(organisation, assessment_id)
    if not service.may_answer(assessment, organisation, current_user):
        abort(403)
    questions = _questionnaire(assessment)
    part = _section_or_404(questions, section_id)
    form = forms.SectionForm()
    errors: list[tuple[str, str]] = []
    typed: dict = {}
    conflicts: dict = {}
    status = 200
    if form.validate_on_submit():
        labels = {question.id: question.text for question in part.questions}
        submitted, typed, errors = forms.read_section(part, request.form, labels)
        if not errors:
            result = service.save_answers(assessment, organisation, current_user, part, submitted)
            if not result.conflicts:
                flash(_("Answers saved") if result.saved else _("Nothing was changed"), "success")
                keys = [item.id for item in questions.sections]
                following = keys[keys.index(part.id) + 1] if request.form.get("action") == "continue" else None
                if following and following in keys:
                    return _go("assessment.section", organisation, assessment, section_id=following)
                return _go("assessment.show", organisation, assessment)
            conflicts = result.conflicts
            for question in part.questions:
                if question.id in conflicts:
                    errors.append((forms.field_name(question.id) + _first_choice(question),
                                   _("Someone else saved an answer to “%(question)s” while you were editing. "
                                     "Check their answer below and save again to keep yours.",
                                     question=question.text)))
            if result.saved:
                flash(_("Your other changes were saved"), "success")
            status = 409
        else:
            status = 400
    elif request.method == "POST":
        status = 400
    answers = service.answers_of(assessment)
    users = service.people({answer.updated_by_id for answer in answers.values()})
    values: dict[str, object] = {}
    revisions: dict[str, str] = {}
    for question in part.questions:
        saved = answers.get(question.id)
        if status == 400 and question.id in typed:  # nothing saved: what was typed, on what was seen
            values[question.id] = typed[question.id]
            revisions[question.id] = request.form.get(forms.revision_name(question.id), "")[:12]
            continue
        if question.id in conflicts:  # what this person typed, now based on the other person's save
            values[question.id] = typed[question.id]
        else:
            value = saved.value if saved is not None else ""
            values[question.id] = value if question.type in ("text", "long_text") else service.chosen(value)
        revisions[question.id] = str(saved.revision if saved is not None else 0)
    problems = {}
    for field_id, message in errors:
        problems.setdefault(field_id.removeprefix("q-").split("-")[0], message)
    return render_template(
        "assessment/section.html",
        organisation=organisation,
        assessment=assessment,
        questionnaire=questions,
        part=part,
        form=form,
        answers=answers,
        values=values,
        revisions=revisions,
        conflicts=conflicts,
        errors=errors,
        problems=problems,
        users=users,
        shown=report.shown,
        when=format_datetime,
        is_last=part.id == questions.sections[-1].id,
    ), status


def _first_choice(question) -> str:
    return f"-{question.choices[0].id}" if question.type in ("single", "multiple") else ""


@bp.route("/<org>/assessments/<int:assessment_id>/details", methods=["GET", "POST"])
@organisation_role_required(*EDITORS)
def details(organisation: Organisation, assessment_id: int):
    assessment = _assessment_or_404(organisation, assessment_id)
    form = forms.DetailsForm(obj=assessment) if request.method == "GET" else forms.DetailsForm()
    if form.validate_on_submit():
        name, description = form.system_name.data, form.description.data or ""
        service.update_details(assessment, organisation, current_user, name, description)
        flash(_("Details saved"), "success")
        return _go("assessment.show", organisation, assessment)
    return render_template(
        "assessment/details.html", organisation=organisation, assessment=assessment, form=form
    ), 400 if form.errors else 200


@bp.get("/<org>/assessments/<int:assessment_id>/history")
@organisation_role_required(*MEMBERS)
def history(organisation: Organisation, assessment_id: int):
    assessment = _assessment_or_404(organisation, assessment_id)
    questions = _questionnaire(assessment)
    changes = service.history(assessment)
    return render_template(
        "assessment/history.html",
        organisation=organisation,
        assessment=assessment,
        questionnaire=questions,
        changes=changes,
        users=service.people({change.changed_by_id for change in changes}),
        shown=report.shown,
        when=format_datetime,
    )


@bp.route("/<org>/assessments/<int:assessment_id>/team", methods=["GET", "POST"])
@organisation_role_required(*EDITORS)
def team(organisation: Organisation, assessment_id: int):
    assessment = _assessment_or_404(organisation, assessment_id)
    form = forms.TeamForm()
    candidates = service.candidates(assessment, organisation)
    form.user_id.choices = [("", _("Choose a person"))] + [
        (str(person.id), f"{person.name} ({person.email})") for person in candidates
    ]
    remove = forms.RemoveMemberForm()
    status = 200
    if request.method == "POST":
        if request.form.get("action") == "remove":
            if remove.validate_on_submit() and (remove.user_id.data or "").isascii() and remove.user_id.data.isdigit():
                removed = service.remove_member(assessment, organisation, current_user, int(remove.user_id.data))
                if removed is not None:
                    flash(_("%(name)s is no longer in the team", name=removed.name), "success")
                return _go("assessment.team", organisation, assessment)
            status = 400
        elif form.validate_on_submit() and form.user_id.data:
            added = service.add_member(assessment, organisation, current_user, int(form.user_id.data))
            if added is not None:
                flash(_("%(name)s is now in the team", name=added.name), "success")
                return _go("assessment.team", organisation, assessment)
            form.user_id.errors = [_("Choose a member of the organisation who is not in the team yet")]
            status = 400
        else:
            if not form.user_id.errors:
                form.user_id.errors = [_("Choose a person to invite")]
            status = 400
    return render_template(
        "assessment/team.html",
        organisation=organisation,
        assessment=assessment,
        form=form,
        remove=remove,
        team=service.team(assessment),
    ), status


@bp.post("/<org>/assessments/<int:assessment_id>/visibility")
@organisation_role_required(*EDITORS)
def visibility(organisation: Organisation, assessment_id: int):
    assessment = _assessment_or_404(organisation, assessment_id)
    form = forms.VisibilityForm()
    if form.validate_on_submit():
        service.set_published(assessment, organisation, current_user, bool(form.is_published.data))
        flash(_("Published to everyone in the organisation") if assessment.is_published
              else _("Now private to the team"), "success")
    return _go("assessment.show", organisation, assessment)


@bp.route("/<org>/assessments/<int:assessment_id>/atrs", methods=["GET", "POST"])
@organisation_role_required(*EDITORS)
def atrs_link(organisation: Organisation, assessment_id: int):
    assessment = _assessment_or_404(organisation, assessment_id)
    drafts = service.atrs_drafts(organisation)
    form = forms.AtrsLinkForm()
    form.record.choices = [("", _("No linked draft"))] + [(str(record.id), record.name) for record in drafts]
    if request.method == "GET":
        form.record.data = str(assessment.atrs_record_id or "")
    if form.validate_on_submit():
        chosen = int(form.record.data) if form.record.data else None
        if service.link_atrs(assessment, organisation, current_user, chosen):
            flash(_("ATRS draft linked") if chosen else _("No ATRS draft is linked now"), "success")
            return _go("assessment.show", organisation, assessment)
    return render_template(
        "assessment/atrs.html", organisation=organisation, assessment=assessment, form=form, drafts=drafts
    ), 400 if request.method == "POST" else 200


def _report_data(assessment: SelfAssessment):
    questions = _questionnaire(assessment)
    answers = service.answers_of(assessment)
    values = {key: answer.value for key, answer in answers.items() if answer.value}
    return questions, answers, values


def _render_report(organisation: Organisation, assessment: SelfAssessment) -> str:
    questions, answers, values = _report_data(assessment)
    return render_template(
        "assessment/report.html",
        organisation=organisation,
        assessment=assessment,
        questionnaire=questions,
        values=values,
        progress={item.section.id: item for item in service.progress(questions, values)},
        modules=module_links(service.recommended_modules(questions, values)),
        team=service.team(assessment),
        shown=report.shown,
        risks_of=report.risks_of,
        today=utcnow(),
        pdf_available=pdf.available(),
    )


@bp.get("/<org>/assessments/<int:assessment_id>/report")
@organisation_role_required(*MEMBERS)
def report_page(organisation: Organisation, assessment_id: int):
    assessment = _assessment_or_404(organisation, assessment_id)
    return _render_report(organisation, assessment)


@bp.get("/<org>/assessments/<int:assessment_id>/report.pdf")
@organisation_role_required(*MEMBERS)
def report_pdf(organisation: Organisation, assessment_id: int):
    """The report page as a PDF (one A4 page per part), when WeasyPrint is installed; 404 otherwise."""
    assessment = _assessment_or_404(organisation, assessment_id)
    if not pdf.available():
        abort(404)
    body = pdf.render(_render_report(organisation, assessment), request.base_url)  # print.css hides the links
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{report.file_name(assessment, "pdf")}"'
    return response


@bp.get("/<org>/assessments/<int:assessment_id>/report.<any(csv, json):fmt>")
@organisation_role_required(*MEMBERS)
def download(organisation: Organisation, assessment_id: int, fmt: str):
    assessment = _assessment_or_404(organisation, assessment_id)
    questions = service.questionnaire_of(assessment)  # English: see report.py
    answers = service.answers_of(assessment)
    users = service.people({answer.updated_by_id for answer in answers.values()})
    name = report.file_name(assessment, fmt)
    if fmt == "csv":
        return csv_stream(report.CSV_COLUMNS, report.csv_rows(questions, answers, users), name)
    body = json.dumps(
        report.as_json(questions, assessment, answers, users, service.team(assessment)), ensure_ascii=False, indent=2
    )
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
