"""Excel template, import (with dry run and a downloadable row-by-row report) and export
of entry lists. The work is done by ``registration.importing`` and
``registration.exporting``; these views check who may do what and shape the answer."""

from __future__ import annotations

import io
import re
import secrets
import time
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from sqlalchemy import or_, select
from wtforms import SelectField, SubmitField

from contest.auth.access import access
from contest.extensions import db
from contest.models import AREA_ORGANISER, INSTITUTION, ORGANISER, AdminUnit, Entry, Institution
from contest.text import normalize_text, safe_filename
from registration import bp, exporting, importing
from registration.access import area_unit_ids, edition_or_404, entries_stmt, institutions_for

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_MB = 10
REPORT_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
REPORT_MAX_AGE = 7 * 24 * 3600
PAGE_PROBLEMS = 300
EXCEL_ROLES = (INSTITUTION, AREA_ORGANISER, ORGANISER)


class ImportForm(FlaskForm):
    file = FileField(
        "Tệp danh sách (.xlsx)",
        validators=[
            FileRequired("Vui lòng chọn tệp Excel (.xlsx) cần nhập."),
            FileAllowed(["xlsx"], "Chỉ nhận tệp Excel định dạng .xlsx (tệp .xls cũ: mở bằng Excel và lưu lại "
                                  "dưới dạng .xlsx)."),
            FileSize(MAX_UPLOAD_MB * 1024 * 1024, message=f"Tệp quá lớn (tối đa {MAX_UPLOAD_MB} MB)."),
        ],
    )
    institution_id = SelectField("Đơn vị dự thi", coerce=int, default=0, validate_choice=False)
    check = SubmitField("Kiểm tra trước")
    submit = SubmitField("Nhập dữ liệu")


# ----- who imports for whom -------------------------------------------------------------


def _scope_institutions(user) -> tuple[list[Institution], set[int] | None]:
    """Institutions the user may import for, and the allowed ids (None = any)."""
    if user.has_role(ORGANISER):
        rows = db.session.scalars(select(Institution).where(Institution.active.is_(True)).order_by(Institution.name))
        return list(rows), None
    if user.has_role(AREA_ORGANISER):
        units = area_unit_ids(user)
        rows = list(db.session.scalars(
            select(Institution).where(Institution.unit_id.in_(units), Institution.active.is_(True))
            .order_by(Institution.name)
        )) if units else []
        return rows, {i.id for i in rows}
    rows = institutions_for(user)
    return rows, {i.id for i in rows}


def _is_reviewer(user) -> bool:
    return user.has_role(ORGANISER, AREA_ORGANISER)


def _reports_dir() -> Path:
    configured = current_app.config.get("IMPORT_REPORTS_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "import-reports"


def _report_path(user_id: int, edition_id: int, token: str) -> Path:
    return _reports_dir() / f"u{user_id}-e{edition_id}-{token}.xlsx"


def _store_report(content: bytes, edition) -> str:
    folder = _reports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - REPORT_MAX_AGE
    for old in folder.glob("u*-e*-*.xlsx"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    token = secrets.token_urlsafe(24)
    _report_path(current_user.id, edition.id, token).write_bytes(content)
    return token


def _xlsx_response(content: bytes, filename: str):
    response = send_file(io.BytesIO(content), mimetype=XLSX_MIMETYPE, as_attachment=True,
                         download_name=safe_filename(filename), max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def _list_url(edition) -> str:
    views = current_app.view_functions
    if _is_reviewer(current_user) and "registration.review_list" in views:
        return url_for("registration.review_list", slug=edition.slug)
    if current_user.has_role(INSTITUTION) and "registration.entry_list" in views:
        return url_for("registration.entry_list", slug=edition.slug)
    return url_for("registration.excel_import", slug=edition.slug)


# ----- views ----------------------------------------------------------------------------


@bp.get("/e/<slug>/template.xlsx")
@access(*EXCEL_ROLES)
def excel_template(slug: str):
    edition = edition_or_404(slug)
    with_institution = _is_reviewer(current_user)
    institutions = _scope_institutions(current_user)[0] if with_institution else []
    content = importing.build_template(edition, with_institution=with_institution, institutions=institutions)
    return _xlsx_response(content, f"mau-danh-sach-{edition.slug}.xlsx")


@bp.route("/e/<slug>/import", methods=["GET", "POST"])
@access(*EXCEL_ROLES)
def excel_import(slug: str):
    edition = edition_or_404(slug)
    institutions, allowed = _scope_institutions(current_user)
    reviewer = _is_reviewer(current_user)
    if not reviewer and not institutions:
        abort(403)  # a school account not linked to any school
    form = ImportForm()
    if reviewer:
        form.institution_id.choices = [(0, "— Theo cột Trường trong tệp —")] + [(i.id, i.name) for i in institutions]
    else:
        form.institution_id.choices = [(i.id, i.name) for i in institutions]
        if len(institutions) == 1 and not form.institution_id.data:
            form.institution_id.data = institutions[0].id
    status = importing.default_status(current_user)
    result = token = None
    if form.validate_on_submit():
        institution = next((i for i in institutions if i.id == form.institution_id.data), None)
        if institution is None and (form.institution_id.data or not reviewer):
            form.institution_id.errors = ["Vui lòng chọn đơn vị dự thi trong danh sách."]
            return _render_import(edition, form, status, reviewer, institutions), 400
        upload = form.file.data
        result = importing.import_entries(
            edition, upload.read(), actor=current_user, institution=institution, allowed_institution_ids=allowed,
            status=status, dry_run=bool(form.check.data), filename=upload.filename,
        )
        if result.imported:
            db.session.commit()
            message = result.summary()
            if result.warnings:
                message += f" Có {len(result.warnings)} cảnh báo về khả năng trùng lặp, vui lòng rà soát."
            flash(message, "success")
            return redirect(_list_url(edition))
        db.session.rollback()
        if result.errors or result.warnings:
            title = f"Kết quả kiểm tra tệp {normalize_text(upload.filename)} – {edition.name}"
            token = _store_report(result.report_xlsx(title), edition)
    return _render_import(edition, form, status, reviewer, institutions, result, token)


def _render_import(edition, form, status, reviewer, institutions, result=None, token=None):
    return render_template(
        "registration/excel/import.html", edition=edition, form=form, result=result, token=token,
        status_label=importing.ENTRY_STATUSES[status], reviewer=reviewer, institutions=institutions,
        page_problems=PAGE_PROBLEMS, max_upload_mb=MAX_UPLOAD_MB,
        title_label=importing.label_of(edition.contest.kind, "title"),
        school_label=importing.label_of(edition.contest.kind, "institution"),
        rules=importing.services.rules_for(edition),
    )


@bp.get("/e/<slug>/import/reports/<token>.xlsx")
@access(*EXCEL_ROLES)
def excel_report(slug: str, token: str):
    edition = edition_or_404(slug)
    if not REPORT_TOKEN_RE.fullmatch(token):
        abort(404)
    path = _report_path(current_user.id, edition.id, token)
    if not path.is_file():
        abort(404)
    return _xlsx_response(path.read_bytes(), f"ket-qua-kiem-tra-{edition.slug}.xlsx")


def _area_choices(edition) -> list[AdminUnit]:
    if current_user.has_role(ORGANISER):
        used = select(Entry.area_unit_id).where(Entry.edition_id == edition.id)
        schools = select(Institution.unit_id).join(Entry, Entry.institution_id == Institution.id).where(
            Entry.edition_id == edition.id)
        return list(db.session.scalars(
            select(AdminUnit).where(or_(AdminUnit.id.in_(used), AdminUnit.id.in_(schools))).order_by(AdminUnit.name)
        ))
    if current_user.has_role(AREA_ORGANISER):
        ids = area_unit_ids(current_user)
        return list(db.session.scalars(select(AdminUnit).where(AdminUnit.id.in_(ids)).order_by(AdminUnit.name)))
    return []


def _export_page(edition, error: str | None = None, status: int = 200):
    args = {k: normalize_text(request.args.get(k)) for k in ("level", "area", "category")}
    return render_template(
        "registration/excel/export.html", edition=edition, error=error, args=args, areas=_area_choices(edition),
    ), status


@bp.get("/e/<slug>/export")
@access(*EXCEL_ROLES)
def excel_export_form(slug: str):
    return _export_page(edition_or_404(slug))


@bp.get("/e/<slug>/export.xlsx")
@access(*EXCEL_ROLES)
def excel_export(slug: str):
    edition = edition_or_404(slug)
    try:
        filters = exporting.resolve_filters(
            edition, level=request.args.get("level"), area=request.args.get("area"),
            category=request.args.get("category"),
        )
    except exporting.ExportError as exc:
        return _export_page(edition, str(exc), 400)
    exported = exporting.export_entries(edition, stmt=entries_stmt(current_user, edition), filters=filters)
    return _xlsx_response(exported.content, exported.filename)
