"""The organiser's certificate template editor, on the ``certificates`` blueprint:

- ``/e/<slug>/certificates/template`` (GET, POST): texts, positions and sizes of every
  block of the template, the QR code and the rules, as a table of small inputs;
- ``.../template/background`` (POST: upload, GET: the stored image) and
  ``.../template/background/remove`` (POST);
- ``.../template/reset`` (POST): back to the default template;
- ``.../template/preview.pdf`` (GET: the saved template; POST: the values being edited,
  unsaved): a sample certificate, inline.

Imported at the end of :mod:`contest.certificates.routes` so the routes register.
"""

from __future__ import annotations

from decimal import Decimal

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from contest.auth.access import access
from contest.extensions import db
from contest.fields import VNIntegerField, VNSelectField
from contest.models import ORGANISER
from contest.results.forms import VNDecimalField
from contest.text import normalize_text
from registration.access import edition_or_404
from registration.uploads import MB

from . import template_editor as te
from .pdf import PLACEHOLDERS
from .routes import _PDF_CACHE, _PDF_LOCK, NO_INDEX, _base_url, bp

ALIGN_CHOICES = [("L", "Trái"), ("C", "Giữa"), ("R", "Phải")]
KIND_CHOICES = [
    ("all", "Mọi giấy"),
    ("award", "Giấy đạt giải"),
    ("participation", "Giấy tham gia"),
    ("none", "Ẩn"),
]
# (field suffix, column heading, accessible label)
BLOCK_NUMBERS = (
    ("x", "x", "Vị trí ngang x (mm)"),
    ("y", "y", "Vị trí dọc y (mm)"),
    ("w", "Rộng", "Chiều rộng (mm)"),
    ("h", "Cao", "Chiều cao (mm)"),
    ("size", "Cỡ chữ", "Cỡ chữ (pt)"),
    ("min_size", "Cỡ nhỏ nhất", "Cỡ chữ nhỏ nhất khi tên dài (pt)"),
)
RULE_NUMBERS = (("x1", "Điểm đầu x"), ("y1", "Điểm đầu y"), ("x2", "Điểm cuối x"), ("y2", "Điểm cuối y"))
PLACEHOLDER_HELP = {
    "full_name": "Họ và tên người nhận",
    "prize_label": "Giải (ví dụ Giải Nhất)",
    "entry_title": "Tên bài/đội",
    "entry_label": "Tên gọi bài dự thi của cuộc thi (ô bên trên)",
    "institution": "Đơn vị",
    "contest_name": "Tên cuộc thi",
    "edition_name": "Tên kỳ thi",
    "place": "Địa danh (ô bên trên)",
    "issued_on": "Ngày cấp dạng 20/11/2026",
    "issued_on_long": "Ngày cấp dạng “ngày 20 tháng 11 năm 2026”",
    "signer_title": "Chức danh người ký",
    "signer_name": "Họ tên người ký",
    "title": "Tiêu đề (ô bên trên)",
    "issuer": "Cơ quan cấp (ô bên trên)",
    "code": "Mã xác thực liền",
    "code_formatted": "Mã xác thực dạng ABCD-EFGH-JKLM-NPQR",
    "verify_url": "Đường dẫn xác thực",
    "register_number": "Số vào sổ",
}
NUMBER_REQUIRED = "Vui lòng nhập một số."
STALE_MESSAGE = (
    "Mẫu giấy chứng nhận vừa được thay đổi ở nơi khác (hoặc ở một thẻ trình duyệt khác). "
    "Trang đã được tải lại với mẫu mới nhất; thay đổi của bạn chưa được lưu."
)


def _one_line(value):
    return normalize_text(value) if value is not None else value


def _lines(value):
    """A multi-line text: each line cleaned (NFC, single spaces), empty lines dropped."""
    if value is None:
        return value
    lines = (normalize_text(line) for line in str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def _number(label: str, *, unit: str = "mm") -> VNDecimalField:
    return VNDecimalField(label, validators=[InputRequired(NUMBER_REQUIRED)],
                          render_kw={"inputmode": "decimal", "size": 5, "autocomplete": "off"},
                          description=unit)


class TemplateFormBase(FlaskForm):
    version = HiddenField()
    title = StringField(
        "Tiêu đề",
        filters=[_one_line],
        validators=[DataRequired("Vui lòng nhập tiêu đề giấy chứng nhận."),
                    Length(max=120, message="Tiêu đề dài quá 120 ký tự.")],
    )
    issuer = TextAreaField(
        "Cơ quan cấp (mỗi dòng là một dòng trên giấy)",
        filters=[_lines],
        validators=[Length(max=300, message="Tên cơ quan cấp dài quá 300 ký tự.")],
    )
    place = StringField(
        "Địa danh in trước ngày cấp",
        filters=[_one_line],
        validators=[Length(max=80, message="Địa danh dài quá 80 ký tự.")],
    )
    entry_label = StringField(
        "Tên gọi bài dự thi (in trước tên bài/đội)",
        filters=[_one_line],
        validators=[Length(max=80, message="Tên gọi dài quá 80 ký tự.")],
    )
    frame = BooleanField("Vẽ khung viền trang trí (nên tắt khi ảnh nền đã có khung)")
    qr_x = _number("Mã QR – vị trí ngang x (mm)")
    qr_y = _number("Mã QR – vị trí dọc y (mm)")
    qr_size = _number("Mã QR – cạnh (mm)")


def _form_class(template) -> type[TemplateFormBase]:
    """The editor's form for ``template``: one row of fields per block and per rule."""
    attrs = {}
    for i in range(len(template.blocks)):
        attrs[f"b{i}_text"] = TextAreaField(
            f"Nội dung khung {i + 1}", filters=[_lines],
            validators=[Length(max=300, message="Nội dung dài quá 300 ký tự.")],
            render_kw={"rows": 1, "cols": 28},
        )
        for name, _heading, label in BLOCK_NUMBERS:
            attrs[f"b{i}_{name}"] = _number(label, unit="pt" if "size" in name else "mm")
        attrs[f"b{i}_align"] = VNSelectField("Căn lề", choices=ALIGN_CHOICES)
        attrs[f"b{i}_max_lines"] = VNIntegerField(
            "Số dòng tối đa",
            validators=[InputRequired("Vui lòng nhập số dòng."),
                        NumberRange(1, te.MAX_LINES, message=f"Số dòng phải từ 1 đến {te.MAX_LINES}.")],
            render_kw={"inputmode": "numeric", "size": 2, "autocomplete": "off"},
        )
        attrs[f"b{i}_kinds"] = VNSelectField("In trên", choices=KIND_CHOICES)
    for i in range(len(template.rules)):
        for name, label in RULE_NUMBERS:
            attrs[f"r{i}_{name}"] = _number(f"Đường kẻ {i + 1} – {label} (mm)")
    return type("TemplateForm", (TemplateFormBase,), attrs)


class BackgroundForm(FlaskForm):
    file = FileField(
        f"Ảnh nền (JPEG hoặc PNG, tối đa {te.BACKGROUND_MAX_MB} MB)",
        validators=[FileRequired("Vui lòng chọn ảnh nền cần tải lên.")],
        render_kw={"accept": "image/jpeg,image/png"},
    )


class ActionForm(FlaskForm):
    """Buttons that only need the CSRF token (remove background, reset)."""


def _dec(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2)))


def _fill(form: TemplateFormBase, template, version: str) -> None:
    form.version.data = version
    form.title.data = template.title
    form.issuer.data = template.issuer
    form.place.data = template.place
    form.entry_label.data = template.entry_label
    form.frame.data = template.frame
    form.qr_x.data, form.qr_y.data, form.qr_size.data = (_dec(v) for v in (template.qr.x, template.qr.y,
                                                                           template.qr.size))
    for i, block in enumerate(template.blocks):
        form[f"b{i}_text"].data = block.text
        for name, _heading, _label in BLOCK_NUMBERS:
            form[f"b{i}_{name}"].data = _dec(getattr(block, name))
        form[f"b{i}_align"].data = block.align
        form[f"b{i}_max_lines"].data = block.max_lines
        form[f"b{i}_kinds"].data = te.kinds_choice(block.kinds)
    for i, rule in enumerate(template.rules):
        for name, _label in RULE_NUMBERS:
            form[f"r{i}_{name}"].data = _dec(getattr(rule, name))


def _values(form: TemplateFormBase, template) -> dict:
    values = {name: form[name].data for name in ("title", "issuer", "place", "entry_label", "qr_x", "qr_y",
                                                 "qr_size")}
    values["frame"] = bool(form.frame.data)
    for i in range(len(template.blocks)):
        for name in ("text", "align", "max_lines", *(n for n, _h, _l in BLOCK_NUMBERS)):
            values[f"b{i}_{name}"] = form[f"b{i}_{name}"].data
        values[f"b{i}_text"] = values[f"b{i}_text"] or ""
        values[f"b{i}_kinds"] = te.choice_kinds(form[f"b{i}_kinds"].data)
    for i in range(len(template.rules)):
        for name, _label in RULE_NUMBERS:
            values[f"r{i}_{name}"] = form[f"r{i}_{name}"].data
    return values


def _checked_template(form: TemplateFormBase, template, page):
    """The template the submitted form describes, or None with errors added to the form."""
    valid = form.validate_on_submit()
    values = _values(form, template)
    for name in values:  # what the form refused already is not checked again
        if name in form and form[name].errors:
            values[name] = None
    errors = te.check_layout(values, page)
    for name, messages in errors.items():
        form[name].errors = [*form[name].errors, *messages]
    if errors or not valid:
        return None
    try:
        return te.build_template(template, values)
    except te.TemplateEditError as exc:
        form.form_errors.append(str(exc))
        return None


def _page(edition, template, problem, form=None, background_form=None, status: int = 200):
    page_w, page_h = te.page_size(template)
    if form is None:
        form = _form_class(template)(formdata=None)
        _fill(form, template, te.template_version(edition))
    background = te.own_background(template.background, edition.id)
    background_missing = bool(template.background) and not (background and background.is_file())
    certs = (edition.settings or {}).get("certificates") or {}
    blocks = [
        {"n": i + 1, "prefix": f"b{i}", "label": te.block_label(block), "block": block}
        for i, block in enumerate(template.blocks)
    ]
    return (
        render_template(
            "certificates/template_editor.html",
            edition=edition,
            template=template,
            problem=problem,
            form=form,
            background_form=background_form or BackgroundForm(),
            page_w=page_w,
            page_h=page_h,
            blocks=blocks,
            rules=[{"n": i + 1, "prefix": f"r{i}"} for i in range(len(template.rules))],
            block_numbers=BLOCK_NUMBERS,
            rule_numbers=RULE_NUMBERS,
            has_background=bool(template.background),
            background_url=(url_for("certificates.template_background_image", slug=edition.slug)
                            if background and not background_missing else None),
            background_missing=background_missing,
            has_mentor_template=bool(certs.get("mentor_template")),
            is_default=te.stored_template(edition) is None,
            placeholders=[(name, PLACEHOLDER_HELP.get(name, "")) for name in sorted(PLACEHOLDERS)],
            max_mb=te.BACKGROUND_MAX_MB,
            sample_names=te.SAMPLE_NAMES,
        ),
        status,
    )


def _forget_public_pdfs() -> None:
    """Free this process's PDF memo once a new template is committed. Not needed for
    correctness (the memo is keyed by the template's fingerprint, which every worker reads
    from the database), only to drop pages that will not be served again."""
    with _PDF_LOCK:
        _PDF_CACHE.clear()


def _editor_url(slug: str) -> str:
    return url_for("certificates.template_editor", slug=slug)


def _pdf(data: bytes, slug: str):
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="xem-thu-giay-chung-nhan-{slug}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = NO_INDEX
    return response


@bp.route("/e/<slug>/certificates/template", methods=["GET", "POST"])
@access(ORGANISER)
def template_editor(slug: str):
    edition = edition_or_404(slug)
    template, problem = te.current_template(edition)
    if request.method == "GET":
        return _page(edition, template, problem)
    form = _form_class(template)()
    if form.is_submitted() and form.version.data != te.template_version(edition):
        flash(STALE_MESSAGE, "error")
        return redirect(_editor_url(slug))
    updated = _checked_template(form, template, te.page_size(template))
    if updated is None:
        return _page(edition, template, problem, form=form, status=400)
    if te.save_template(edition, updated, user=current_user):
        db.session.commit()
        _forget_public_pdfs()
        flash("Đã lưu mẫu giấy chứng nhận. Các giấy tải về hoặc in từ nay dùng mẫu mới.", "success")
    else:
        flash("Mẫu giấy chứng nhận không có gì thay đổi.", "info")
    return redirect(_editor_url(slug))


@bp.route("/e/<slug>/certificates/template/preview.pdf", methods=["GET", "POST"])
@access(ORGANISER)
def template_preview(slug: str):
    edition = edition_or_404(slug)
    template, problem = te.current_template(edition)
    if request.method == "POST":
        form = _form_class(template)()
        if form.is_submitted() and form.version.data != te.template_version(edition):
            flash(STALE_MESSAGE, "error")
            return redirect(_editor_url(slug))
        edited = _checked_template(form, template, te.page_size(template))
        if edited is None:
            return _page(edition, template, problem, form=form, status=400)
        template = edited
    elif problem:
        flash(problem, "error")
        return redirect(_editor_url(slug))
    try:
        data = te.render_preview(edition, template, _base_url())
    except te.TemplateEditError as exc:
        flash(str(exc), "error")
        return redirect(_editor_url(slug))
    return _pdf(data, edition.slug)


@bp.route("/e/<slug>/certificates/template/background", methods=["POST"])
@access(ORGANISER)
def template_background(slug: str):
    edition = edition_or_404(slug)
    template, problem = te.current_template(edition)
    form = BackgroundForm()
    if not form.validate_on_submit():
        return _page(edition, template, problem, background_form=form, status=400)
    data = form.file.data.stream.read(te.BACKGROUND_MAX_MB * MB + 1)
    try:
        info = te.store_background(edition, data, template)
    except te.TemplateEditError as exc:
        db.session.rollback()
        form.file.errors = [*form.file.errors, str(exc)]
        return _page(edition, template, problem, background_form=form, status=400)
    old = te.set_background(edition, template, info.path, user=current_user)
    db.session.commit()
    _forget_public_pdfs()
    te.discard_background(edition, old)
    flash(f"Đã tải ảnh nền ({info.width} × {info.height} điểm ảnh); ảnh được trải kín trang giấy. "
          "Khung viền vẽ sẵn đã được tắt, có thể bật lại trong phần nội dung bên dưới.", "success")
    for warning in info.warnings:
        flash(warning, "info")
    return redirect(_editor_url(slug))


@bp.route("/e/<slug>/certificates/template/background")
@access(ORGANISER)
def template_background_image(slug: str):
    edition = edition_or_404(slug)
    template, _problem = te.current_template(edition)
    path = te.own_background(template.background, edition.id)
    if path is None or not path.is_file():
        abort(404)
    mimetype = "image/png" if path.suffix == ".png" else "image/jpeg"
    response = send_file(path, mimetype=mimetype, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/e/<slug>/certificates/template/background/remove", methods=["POST"])
@access(ORGANISER)
def template_background_remove(slug: str):
    edition = edition_or_404(slug)
    template, _problem = te.current_template(edition)
    if not ActionForm().validate_on_submit():
        flash("Biểu mẫu đã quá hạn, vui lòng tải lại trang và thử lại.", "error")
        return redirect(_editor_url(slug))
    if not template.background:
        flash("Mẫu giấy chứng nhận hiện không có ảnh nền.", "info")
        return redirect(_editor_url(slug))
    old = te.set_background(edition, template, None, user=current_user)
    db.session.commit()
    _forget_public_pdfs()
    te.discard_background(edition, old)
    flash("Đã xoá ảnh nền; khung viền vẽ sẵn được bật lại.", "success")
    return redirect(_editor_url(slug))


@bp.route("/e/<slug>/certificates/template/reset", methods=["POST"])
@access(ORGANISER)
def template_reset(slug: str):
    edition = edition_or_404(slug)
    if not ActionForm().validate_on_submit():
        flash("Biểu mẫu đã quá hạn, vui lòng tải lại trang và thử lại.", "error")
        return redirect(_editor_url(slug))
    if te.stored_template(edition) is None:
        flash("Kỳ thi đang dùng mẫu mặc định.", "info")
        return redirect(_editor_url(slug))
    old_background = te.reset_template(edition, user=current_user)
    db.session.commit()
    _forget_public_pdfs()
    te.discard_background(edition, old_background)
    flash("Đã khôi phục mẫu giấy chứng nhận mặc định.", "success")
    return redirect(_editor_url(slug))
