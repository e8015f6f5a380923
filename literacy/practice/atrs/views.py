"""The workshop's pages under /organisations/<org>/atrs/: check access, call the service, render."""

from __future__ import annotations

import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...auth.access import organisation_role_required
from ...exports import csv_stream
from ...extensions import db
from ...models import AtrsRecord, Organisation, Role
from ..assessment import service as assessment_service
from . import bp, export, feedback, fieldmap, published, service
from .fieldmap import AtrsField, AtrsSection, FieldMap
from .forms import NewRecordForm, SharingForm, section_form
from .messages import CHOICE_LABELS

MEMBERS = (Role.LEARNER,)  # every role implies learner: any member of the organisation


def shown_value(spec: AtrsField, value: str) -> str:
    """An answer as the page shows it: a choice by its (translated) label, text as written."""
    if spec.input == "choice" and value in CHOICE_LABELS:
        return _(CHOICE_LABELS[value])
    return value


def _section_notes(field_map: FieldMap, part: AtrsSection, record: AtrsRecord) -> list[feedback.Note]:
    """The feedback about this section's fields, from what is saved (shown above the form)."""
    keys = {spec.key for spec in part.fields}
    return [note for note in feedback.review(field_map, service.answers_of(record)).notes if note.field in keys]


def _record_or_404(organisation: Organisation, record_id: int):
    record = service.visible_record(organisation, current_user, record_id)
    if record is None:
        abort(404)
    return record


@bp.get("/<org>/atrs/")
@organisation_role_required(*MEMBERS)
def index(organisation: Organisation):
    records = list(db.session.scalars(service.records_query(organisation, current_user).limit(500)))
    return render_template(
        "atrs/index.html",
        organisation=organisation,
        records=records,
        may_edit=service.is_editor(current_user, organisation),
    )


@bp.route("/<org>/atrs/new", methods=["GET", "POST"])
@organisation_role_required(*service.EDITORS)
def new(organisation: Organisation):
    records = published.published_records()
    form = NewRecordForm(published_choices=[(record.slug, record.title.strip()) for record in records])
    if form.validate_on_submit():
        start = published.find(form.published.data) if form.published.data else None
        answers = published.prefill(start, fieldmap.load()) if start else {}
        record = service.create_record(
            organisation,
            current_user,
            form.name.data or answers["name"],
            is_shared=form.is_shared.data,
            answers=answers,
            started_from=start.link if start else None,
        )
        flash(_("Draft record started"), "success")
        return redirect(url_for("atrs.section", org=organisation.slug, record_id=record.id, section_key="summary"))
    return render_template(
        "atrs/new.html", organisation=organisation, form=form, version=fieldmap.CURRENT_VERSION
    ), 400 if form.errors else 200


@bp.get("/<org>/atrs/<int:record_id>/")
@organisation_role_required(*MEMBERS)
def show(organisation: Organisation, record_id: int):
    record = _record_or_404(organisation, record_id)
    field_map = service.field_map_of(record)
    answers = service.answers_of(record)
    return render_template(
        "atrs/show.html",
        organisation=organisation,
        record=record,
        field_map=field_map,
        answers=answers,
        statuses={part.key: service.section_status(part, answers) for part in field_map.sections},
        feedback=feedback.review(field_map, answers),
        started_url=published.GOV_UK + record.started_from if record.started_from else None,
        field_of=field_map.field,
        choice_label=shown_value,
        may_edit=service.is_editor(current_user, organisation),
        sharing=SharingForm(is_shared=record.is_shared),
        assessments=assessment_service.linked_assessments(record, organisation, current_user),
    )


@bp.route("/<org>/atrs/<int:record_id>/<section_key>", methods=["GET", "POST"])
@organisation_role_required(*service.EDITORS)
def section(organisation: Organisation, record_id: int, section_key: str):
    record = _record_or_404(organisation, record_id)
    field_map = service.field_map_of(record)
    part = field_map.section(section_key)
    if part is None:
        abort(404)
    form_class = section_form(field_map.version, part)
    form = form_class(data=service.answers_of(record)) if request.method == "GET" else form_class()
    if form.validate_on_submit():
        service.save_section(record, current_user, part.key, {spec.key: form[spec.key].data for spec in part.fields})
        flash(_("Section saved"), "success")
        keys = [s.key for s in field_map.sections]
        following = keys[keys.index(part.key) + 1] if request.form.get("action") == "continue" else None
        if following and following in keys:
            return redirect(url_for("atrs.section", org=organisation.slug, record_id=record.id, section_key=following))
        return redirect(url_for("atrs.show", org=organisation.slug, record_id=record.id))
    position = [s.key for s in field_map.sections].index(part.key)
    return render_template(
        "atrs/section.html",
        organisation=organisation,
        record=record,
        field_map=field_map,
        part=part,
        form=form,
        is_last=position == len(field_map.sections) - 1,
        notes=_section_notes(field_map, part, record),
    ), 400 if form.errors else 200


@bp.post("/<org>/atrs/<int:record_id>/sharing")
@organisation_role_required(*service.EDITORS)
def sharing(organisation: Organisation, record_id: int):
    record = _record_or_404(organisation, record_id)
    form = SharingForm()
    if form.validate_on_submit():
        service.set_shared(record, current_user, bool(form.is_shared.data))
        flash(_("Draft shared with the organisation") if record.is_shared else _("Draft no longer shared"), "success")
    return redirect(url_for("atrs.show", org=organisation.slug, record_id=record.id))


@bp.get("/<org>/atrs/<int:record_id>/export.<any(md, json, csv):fmt>")
@organisation_role_required(*MEMBERS)
def download(organisation: Organisation, record_id: int, fmt: str):
    """The draft in the template's structure, for whoever may read it."""
    record = _record_or_404(organisation, record_id)
    field_map = service.field_map_of(record)
    answers = service.answers_of(record)
    name = export.file_name(record, fmt)
    if fmt == "csv":
        return csv_stream(export.CSV_COLUMNS, export.csv_rows(field_map, answers), name)
    if fmt == "json":
        body = json.dumps(export.as_json(field_map, record, answers), ensure_ascii=False, indent=2)
        response = Response(body, mimetype="application/json")
    else:
        response = Response(export.as_markdown(field_map, record, answers), mimetype="text/markdown")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
