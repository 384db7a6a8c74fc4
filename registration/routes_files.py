"""Photos and attachments of entries: upload, view, thumbnail, delete.

Thin routes over ``registration.uploads``. The panel (``registration/files/_panel.html``)
is included by the entry page and reads what it needs through the ``files_panel``
template global.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileRequired, MultipleFileField
from wtforms import SubmitField

from contest.auth.access import AUTHENTICATED, access
from contest.extensions import db
from contest.models import INSTITUTION, ORGANISER, EntryFile
from registration import bp, uploads
from registration.access import can_edit, entry_or_404
from registration.services import rules_for

ENTRY_VIEW = "registration.entry_view"
PANEL_ANCHOR = "anh-tep"
UPLOAD_PREFIX = "up"
CACHE_SECONDS = 3600


class FileUploadForm(FlaskForm):
    files = MultipleFileField(
        "Chọn ảnh hoặc tệp PDF",
        validators=[FileRequired("Chưa chọn tệp nào để tải lên.")],
        render_kw={"accept": uploads.ACCEPT, "multiple": True},
    )
    submit = SubmitField("Tải lên")


class FileDeleteForm(FlaskForm):
    submit = SubmitField("Xoá")


# ----- helpers ------------------------------------------------------------------------

def _file_or_404(file_id: int, check=uploads.can_see_files) -> EntryFile:
    item = db.session.get(EntryFile, file_id)
    if item is None or not check(current_user, item.entry):
        abort(404)
    return item


def _back(entry):
    """Back to the entry page (the panel's anchor), or a small page with the panel if
    the entry page is not there."""
    if ENTRY_VIEW in current_app.view_functions:
        return redirect(url_for(ENTRY_VIEW, entry_id=entry.id, _anchor=PANEL_ANCHOR))
    return render_template("registration/files/done.html", entry=entry, can_edit=can_edit(current_user, entry))


def _send(item: EntryFile, *, thumb: bool):
    path = uploads.file_path(item, thumb=thumb)
    if path is None or not path.is_file():
        abort(404)
    is_pdf = item.kind == uploads.ATTACHMENT
    response = send_file(
        path,
        mimetype="image/jpeg" if thumb else item.content_type,
        as_attachment=is_pdf,
        download_name=uploads.download_name(item, thumb=thumb),
        conditional=True,
        max_age=CACHE_SECONDS,
    )
    response.cache_control.public = False
    response.cache_control.private = True
    response.vary.add("Cookie")
    response.headers["X-Content-Type-Options"] = "nosniff"
    if is_pdf:
        response.headers["Content-Security-Policy"] = "sandbox"
    return response


@bp.app_template_global("files_panel")
def files_panel(entry) -> dict:
    """What the files panel of one entry shows, for the current user."""
    rules = rules_for(entry.edition)
    photos = entry.photos
    attachments = entry.attachments
    if current_user.is_authenticated:
        problem = uploads.change_problem(current_user, entry)
    else:
        problem = "Vui lòng đăng nhập để thay đổi ảnh và tệp đính kèm."
    allows_pdf = rules.max_attachments > 0
    return {
        "rules": rules,
        "photos": [
            {"file": f, "box": uploads.box(f.width, f.height, 240)} for f in photos
        ],
        "attachments": attachments,
        "photo_count": len(photos),
        "attachment_count": len(attachments),
        "allows_pdf": allows_pdf,
        "accept": uploads.ACCEPT if allows_pdf else "image/jpeg,image/png",
        "problem": problem,
        "max_side": uploads.MAX_SIDE,
        "request_max": current_app.config.get("MAX_CONTENT_LENGTH"),
        "upload_form": FileUploadForm(prefix=UPLOAD_PREFIX, formdata=None),
        "delete_form": FileDeleteForm(formdata=None),
    }


bp.add_app_template_filter(uploads.size_vn, "filesize_vn")


# ----- routes -------------------------------------------------------------------------

@bp.route("/entries/<int:entry_id>/files", methods=["POST"])
@access(ORGANISER, INSTITUTION)
def file_upload(entry_id: int):
    entry = entry_or_404(entry_id, current_user, check=can_edit)
    form = FileUploadForm(prefix=UPLOAD_PREFIX)
    if not form.validate_on_submit():
        for message in form.files.errors or ["Biểu mẫu tải tệp không hợp lệ. Vui lòng tải lại trang và thử lại."]:
            flash(message, "error")
        return _back(entry)
    files = [uploads.Upload(f.filename or "", f.stream) for f in form.files.data if f and f.filename]
    try:
        result = uploads.add_files(entry, files, actor=current_user, remote_addr=request.remote_addr)
    except uploads.UploadError as exc:
        db.session.rollback()
        for message in exc.messages:
            flash(message, "error")
        return _back(entry)
    db.session.commit()
    if result.saved:
        flash(f"Đã tải lên {len(result.saved)} tệp.", "success")
    for name, reason in result.rejected:
        flash(f"Không nhận tệp “{name}”: {reason}", "error")
    return _back(entry)


@bp.route("/files/<int:file_id>")
@access(AUTHENTICATED)
def file_view(file_id: int):
    return _send(_file_or_404(file_id), thumb=False)


@bp.route("/files/<int:file_id>/thumb")
@access(AUTHENTICATED)
def file_thumb(file_id: int):
    item = _file_or_404(file_id)
    if not item.thumb_name:
        abort(404)
    return _send(item, thumb=True)


@bp.route("/files/<int:file_id>/delete", methods=["POST"])
@access(ORGANISER, INSTITUTION)
def file_delete(file_id: int):
    item = _file_or_404(file_id, check=can_edit)
    entry = item.entry
    form = FileDeleteForm()
    if not form.validate_on_submit():
        abort(400)
    name = item.original_name
    try:
        uploads.delete_file(item, actor=current_user, remote_addr=request.remote_addr)
    except uploads.UploadError as exc:
        db.session.rollback()
        for message in exc.messages:
            flash(message, "error")
        return _back(entry)
    db.session.commit()
    flash(f"Đã xoá tệp “{name}”.", "success")
    return _back(entry)
