"""Certificate pages: public verification (``/v``, ``/v/<code>``, the JSON API, the
published key and revocation list) and the organiser's pages of an edition (list,
settings, background batches with downloads, revoke and reissue).

The verification endpoints share one rate limit per client (``VERIFY_RATE_LIMIT``,
"60 per minute" by default) and never tell a malformed code from an unknown one.
Public pages show only what the certificate itself shows.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import date
from functools import wraps
from threading import Lock

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from contest.auth.access import PUBLIC, access
from contest.extensions import db, limiter
from contest.fields import VNDateField
from contest.models import CERTIFICATE_KINDS, ORGANISER, Certificate, CertificateBatch
from contest.text import normalize_text, safe_filename
from registration.access import edition_or_404

from . import keys, service
from .codes import format_code, parse_code
from .signing import verify_signed

bp = Blueprint("certificates", __name__)

PAGE_SIZE = 50
STATUS_LABELS = {"valid": "Hợp lệ", "revoked": "Đã thu hồi"}
NOT_FOUND_MESSAGE = (
    "Không tìm thấy giấy chứng nhận nào có mã này. Vui lòng kiểm tra lại mã in trên giấy "
    "(16 ký tự, ví dụ ABCD-EFGH-JKLM-NPQR)."
)
VALID_CACHE = "public, max-age=300"
NO_CACHE = "no-cache"
# Verification pages name minors: keep them out of search engines.
NO_INDEX = "noindex, nofollow"


def _verify_limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT") or "60 per minute"


_shared_verify_limit = limiter.shared_limit(_verify_limit, scope="certificate-verify")


def verify_limit(view):
    """One budget per client shared by every verification endpoint. Flask-Limiter's
    decorator works out the request's limits even when limiting is off; skipping it then
    keeps the verify API near the cost of the health check."""
    limited = _shared_verify_limit(view)

    @wraps(view)
    def wrapper(*args, **kwargs):
        if limiter.enabled:
            return limited(*args, **kwargs)
        return view(*args, **kwargs)

    return wrapper


def _base_url() -> str:
    return current_app.config.get("PUBLIC_BASE_URL") or request.host_url


def _find(code_text: str) -> Certificate | None:
    code = parse_code(code_text)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


# ---------------------------------------------------------------------- public pages


class LookupForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form: nothing changes

    ma = StringField(
        "Mã xác thực in trên giấy chứng nhận",
        validators=[DataRequired("Vui lòng nhập mã xác thực."), Length(max=200)],
        render_kw={"placeholder": "Ví dụ: ABCD-EFGH-JKLM-NPQR", "autocomplete": "off",
                   "autocapitalize": "characters", "spellcheck": "false"},
    )


@bp.route("/v", strict_slashes=False)
@access(PUBLIC)
@verify_limit
def lookup():
    form = LookupForm(request.args)
    if request.args and form.validate():
        code = parse_code(form.ma.data)
        if code is not None:
            return redirect(url_for("certificates.verify_page", code=code))
        form.ma.errors.append(
            "Mã xác thực không đúng định dạng: mã gồm 16 ký tự chữ A–Z và số 2–7, "
            "có thể viết thường và có dấu gạch nối."
        )
    return render_template("certificates/lookup.html", form=form)


def _view(cert: Certificate) -> dict:
    record = (cert.signed or {}).get("record") or {}
    return {
        "status": cert.status,
        "status_label": STATUS_LABELS.get(cert.status, cert.status),
        "code": cert.code,
        "code_formatted": format_code(cert.code),
        "kind": cert.kind,
        "kind_label": CERTIFICATE_KINDS.get(cert.kind, cert.kind),
        "full_name": cert.full_name,
        "prize_label": cert.prize_label,
        "entry_title": cert.entry_title,
        "institution": cert.institution_name,
        "contest": record.get("contest") or cert.edition.contest.name,
        "edition": record.get("edition") or cert.edition.name,
        "issued_on": cert.issued_on,
        "register_number": cert.register_number,
        "revoked_at": cert.revoked_at,
        "revoke_reason": cert.revoke_reason,
        "replaced": cert.replaced_by_id is not None,
        "entry_label": service.ENTRY_LABELS.get(cert.edition.contest.kind, "Bài dự thi"),
    }


@bp.route("/v/<code>")
@access(PUBLIC)
@verify_limit
def verify_page(code: str):
    cert = _find(code)
    if cert is None:
        response = Response(
            render_template("certificates/verify.html", cert=None, message=NOT_FOUND_MESSAGE), 404
        )
        response.headers["Cache-Control"] = NO_CACHE
    else:
        response = Response(
            render_template(
                "certificates/verify.html",
                cert=_view(cert),
                signature_ok=service.signature_ok(cert),
                key_id=keys.current_key_id(),
            )
        )
        # The page header names a signed-in user: such pages must not sit in shared caches.
        if current_user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
        else:
            response.headers["Cache-Control"] = VALID_CACHE if cert.status == "valid" else NO_CACHE
        response.headers["Vary"] = "Cookie"
    response.headers["X-Robots-Tag"] = NO_INDEX
    return response


_PDF_CACHE: OrderedDict[tuple, bytes] = OrderedDict()
_PDF_CACHE_SIZE = 32
_PDF_LOCK = Lock()


def _cached_pdf(cert: Certificate, base_url: str) -> bytes:
    key = (cert.id, (cert.signed or {}).get("signature"), base_url, service.template_fingerprint(cert.edition))
    with _PDF_LOCK:
        data = _PDF_CACHE.get(key)
        if data is not None:
            _PDF_CACHE.move_to_end(key)
            return data
    data = service.render_certificate(cert, base_url)
    with _PDF_LOCK:
        _PDF_CACHE[key] = data
        while len(_PDF_CACHE) > _PDF_CACHE_SIZE:
            _PDF_CACHE.popitem(last=False)
    return data


def _pdf_response(data: bytes, cert: Certificate, *, cache: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    name = safe_filename(f"giay-chung-nhan-{cert.code}.pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = cache
    response.headers["X-Robots-Tag"] = NO_INDEX
    return response


@bp.route("/v/<code>/certificate.pdf")
@access(PUBLIC)
@verify_limit
def verify_pdf(code: str):
    cert = _find(code)
    if cert is None:
        abort(404)
    if cert.status != "valid":
        title = "Giấy chứng nhận đã bị thu hồi"
        message = "Giấy chứng nhận này đã bị thu hồi nên không còn bản để tải về."
        return render_template("errors/error.html", code=410, title=title, message=message), 410
    try:
        data = _cached_pdf(cert, _base_url())
    except service.CertificateError:
        message = ("Tạm thời chưa tạo được bản PDF của giấy chứng nhận này. Thông tin xác thực ở "
                   "trang trước vẫn có giá trị; vui lòng thử lại sau.")
        return render_template("errors/error.html", code=503, title="Chưa tải được bản PDF",
                               message=message), 503
    return _pdf_response(data, cert, cache=VALID_CACHE)


# The JSON API is the hot path (apps and scripts checking many codes): one raw indexed
# query per request, and the response memoised on the exact row it is built from (and
# the key id), so a response is never stale: a revocation changes the row, hence the key.
_VERIFY_SQL = (
    "SELECT status, signed, revoked_at, revoke_reason, replaced_by_id "
    "FROM certificate WHERE code = {placeholder}"
)
_API_MEMO: dict[tuple, tuple[int, bytes, str]] = {}
_API_MEMO_SIZE = 4096


def _verify_row(code: str) -> tuple | None:
    engine = db.engine
    placeholder = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        try:
            cursor.execute(_VERIFY_SQL.format(placeholder=placeholder), (code,))
            row = cursor.fetchone()
        finally:
            cursor.close()
    finally:
        conn.close()
    if row is None:
        return None
    status, signed, revoked_at, reason, replaced_by = row
    if not isinstance(signed, str):  # drivers with native JSON (psycopg) parse it already
        signed = json.dumps(signed, sort_keys=True, ensure_ascii=False)
    revoked_on = str(revoked_at)[:10] if revoked_at is not None else None
    return (code, status, signed, revoked_on, reason, replaced_by is not None)


def _api_body(row: tuple) -> tuple[int, bytes, str]:
    code, status, signed_text, revoked_on, reason, replaced = row
    try:
        signed = json.loads(signed_text) if signed_text else {}
    except ValueError:
        signed = {}
    if not isinstance(signed, dict):
        signed = {}
    record = signed.get("record") if isinstance(signed.get("record"), dict) else {}
    payload = {
        "status": status,
        "status_label": STATUS_LABELS.get(status, status),
        "code": code,
        "code_formatted": format_code(code),
        "signature_valid": record.get("code") == code and verify_signed(keys.public_key(), signed),
        "certificate": record,
        "signed": signed,
        "public_key_url": url_for("certificates.public_key_pem"),
    }
    if status == "valid":
        http_status, cache = 200, VALID_CACHE
    else:
        http_status, cache = 410, NO_CACHE
        payload.update(
            revoked_on=revoked_on,
            reason=reason or "",
            replaced=replaced,
            message="Giấy chứng nhận này đã bị thu hồi.",
        )
    return http_status, current_app.json.dumps(payload).encode("utf-8"), cache


def _json_response(body: bytes, status: int, cache: str) -> Response:
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = cache
    response.headers["X-Robots-Tag"] = NO_INDEX
    return response


def _not_found_json() -> Response:
    body = current_app.json.dumps(
        {"status": "not_found", "status_label": "Không tồn tại", "message": NOT_FOUND_MESSAGE}
    ).encode("utf-8")
    return _json_response(body, 404, NO_CACHE)


@bp.route("/api/v1/verify/<code>")
@access(PUBLIC)
@verify_limit
def verify_api(code: str):
    canonical = parse_code(code)
    row = _verify_row(canonical) if canonical is not None else None
    if row is None:
        return _not_found_json()
    key = (keys.current_key_id(), *row)
    cached = _API_MEMO.get(key)
    if cached is None:
        cached = _api_body(row)
        if len(_API_MEMO) >= _API_MEMO_SIZE:
            _API_MEMO.clear()
        _API_MEMO[key] = cached
    status, body, cache = cached
    return _json_response(body, status, cache)


def _public_for(max_age: int, response: Response) -> Response:
    """``response``, which any cache may keep for ``max_age`` seconds."""
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


@bp.route("/.well-known/certificate-signing-key.pem")
@access(PUBLIC)
def public_key_pem():
    return _public_for(3600, Response(keys.public_pem(), mimetype="application/x-pem-file"))


@bp.route("/.well-known/certificate-keys.json")
@access(PUBLIC)
def public_keys_json():
    return _public_for(3600, jsonify(keys.keys_document()))


@bp.route("/.well-known/certificate-revocations.json")
@access(PUBLIC)
def revocations_json():
    return _public_for(60, jsonify(service.revocation_list()))


# ------------------------------------------------------------------ organiser pages


class CertificateSettingsForm(FlaskForm):
    participation = BooleanField(
        "Cấp giấy chứng nhận tham gia cho mọi thành viên và người hướng dẫn của các bài/đội đã được tiếp nhận"
    )
    mentors = BooleanField("Cấp giấy chứng nhận cho người hướng dẫn của các bài/đội đạt giải")
    signer_title = TextAreaField(
        "Chức danh người ký", validators=[Length(max=200, message="Chức danh dài quá 200 ký tự.")]
    )
    signer_name = StringField(
        "Họ tên người ký", validators=[Length(max=120, message="Họ tên dài quá 120 ký tự.")]
    )
    issued_on = VNDateField(
        "Ngày cấp in trên giấy",
        validators=[Optional()],
        description="Để trống: lấy ngày tạo giấy chứng nhận.",
    )


class BatchForm(FlaskForm):
    pass


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Lý do thu hồi",
        validators=[
            DataRequired("Vui lòng nhập lý do thu hồi."),
            Length(min=3, max=500, message="Lý do thu hồi cần từ 3 đến 500 ký tự."),
        ],
    )


class ReissueForm(FlaskForm):
    full_name = StringField(
        "Họ và tên đúng",
        validators=[
            DataRequired("Vui lòng nhập họ và tên đúng."),
            Length(max=200, message="Họ và tên dài quá 200 ký tự."),
        ],
    )
    note = TextAreaField(
        "Ghi chú (không bắt buộc)",
        validators=[Length(max=500, message="Ghi chú dài quá 500 ký tự.")],
    )


def _settings_form(edition) -> CertificateSettingsForm:
    settings = service.certificate_settings(edition)
    form = CertificateSettingsForm()
    if request.method == "GET":
        form.participation.data = settings["participation"]
        form.mentors.data = settings["mentors"]
        form.signer_title.data = settings.get("signer_title") or ""
        form.signer_name.data = settings.get("signer_name") or ""
        raw = settings.get("issued_on")
        try:
            form.issued_on.data = date.fromisoformat(raw) if raw else None
        except ValueError:
            form.issued_on.data = None
    return form


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _list_page(edition, settings_form: CertificateSettingsForm, status_code: int = 200):
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    q = normalize_text(request.args.get("q", ""))[:100]
    if status not in ("", *STATUS_LABELS):
        flash("Trạng thái cần lọc không hợp lệ; đang hiển thị mọi trạng thái.", "error")
        status = ""
    if kind not in ("", *CERTIFICATE_KINDS):
        flash("Loại giấy chứng nhận cần lọc không hợp lệ; đang hiển thị mọi loại.", "error")
        kind = ""
    stmt = select(Certificate).where(Certificate.edition_id == edition.id)
    if status:
        stmt = stmt.where(Certificate.status == status)
    if kind:
        stmt = stmt.where(Certificate.kind == kind)
    if q:
        conditions = [
            Certificate.full_name.ilike(_like(q), escape="\\"),
            Certificate.entry_title.ilike(_like(q), escape="\\"),
            Certificate.institution_name.ilike(_like(q), escape="\\"),
        ]
        code = parse_code(q)
        if code:
            conditions.append(Certificate.code == code)
        if q.isdigit() and len(q) < 9:
            conditions.append(Certificate.register_number == int(q))
        stmt = stmt.where(or_(*conditions))
    stmt = stmt.order_by(Certificate.register_number)
    try:
        page_no = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page_no = 1
    page = db.paginate(stmt, page=page_no, per_page=PAGE_SIZE, error_out=False)
    counts = {
        (s, k): n
        for s, k, n in db.session.execute(
            select(Certificate.status, Certificate.kind, func.count())
            .where(Certificate.edition_id == edition.id)
            .group_by(Certificate.status, Certificate.kind)
        )
    }
    batches = db.session.scalars(
        select(CertificateBatch)
        .where(CertificateBatch.edition_id == edition.id)
        .order_by(CertificateBatch.id.desc())
        .limit(5)
    ).all()
    try:
        plan = service.plan(edition)
        service.templates_for(edition)
        plan_error = None
    except service.CertificateError as exc:
        plan, plan_error = None, str(exc)
    return (
        render_template(
            "certificates/list.html",
            edition=edition,
            page=page,
            counts=counts,
            totals={s: sum(n for (st, _k), n in counts.items() if st == s) for s in STATUS_LABELS},
            plan=plan,
            plan_error=plan_error,
            batches=[(b, service.batch_status(b)) for b in batches],
            running=service.active_batch(edition),
            settings_form=settings_form,
            batch_form=BatchForm(),
            filters={"status": status, "kind": kind, "q": q},
            status_labels=STATUS_LABELS,
            kind_labels=CERTIFICATE_KINDS,
        ),
        status_code,
    )


@bp.route("/e/<slug>/certificates")
@access(ORGANISER)
def certificate_list(slug: str):
    edition = edition_or_404(slug)
    return _list_page(edition, _settings_form(edition))


@bp.route("/e/<slug>/certificates/settings", methods=["POST"])
@access(ORGANISER)
def certificate_settings(slug: str):
    edition = edition_or_404(slug)
    form = _settings_form(edition)
    if not form.validate_on_submit():
        return _list_page(edition, form, 400)
    service.save_settings(
        edition,
        {
            "participation": bool(form.participation.data),
            "mentors": bool(form.mentors.data),
            "signer_title": (form.signer_title.data or "").strip(),
            "signer_name": normalize_text(form.signer_name.data),
            "issued_on": form.issued_on.data.isoformat() if form.issued_on.data else None,
        },
        user=current_user,
    )
    db.session.commit()
    flash("Đã lưu cấu hình giấy chứng nhận.", "success")
    return redirect(url_for("certificates.certificate_list", slug=slug))


@bp.route("/e/<slug>/certificates/batches", methods=["POST"])
@access(ORGANISER)
def batch_start(slug: str):
    edition = edition_or_404(slug)
    form = BatchForm()
    if not form.validate_on_submit():
        flash("Biểu mẫu đã quá hạn, vui lòng tải lại trang và thử lại.", "error")
        return redirect(url_for("certificates.certificate_list", slug=slug))
    try:
        batch = service.start_batch(
            current_app._get_current_object(),
            edition,
            user=current_user,
            base_url=_base_url(),
            remote_addr=request.remote_addr,
        )
    except service.CertificateError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("certificates.certificate_list", slug=slug))
    return redirect(url_for("certificates.batch_page", slug=slug, batch_id=batch.id))


def _batch_or_404(edition, batch_id: int) -> CertificateBatch:
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None or batch.edition_id != edition.id:
        abort(404)
    return batch


@bp.route("/e/<slug>/certificates/batches/<int:batch_id>")
@access(ORGANISER)
def batch_page(slug: str, batch_id: int):
    edition = edition_or_404(slug)
    batch = _batch_or_404(edition, batch_id)
    files = {kind: service.batch_file(batch, kind) for kind in service.OUTPUT_FILES}
    return render_template(
        "certificates/batch.html",
        edition=edition,
        batch=batch,
        status=service.batch_status(batch),
        files=files,
    )


@bp.route("/e/<slug>/certificates/batches/<int:batch_id>/status.json")
@access(ORGANISER)
def batch_status_json(slug: str, batch_id: int):
    edition = edition_or_404(slug)
    batch = _batch_or_404(edition, batch_id)
    response = jsonify(service.batch_status(batch))
    response.headers["Cache-Control"] = "no-store"
    return response


DOWNLOAD_NAMES = {
    "pdf": ("giay-chung-nhan-{slug}.pdf", "application/pdf"),
    "zip": ("giay-chung-nhan-{slug}-tung-nguoi.zip", "application/zip"),
    "xlsx": (
        "danh-sach-giay-chung-nhan-{slug}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


@bp.route("/e/<slug>/certificates/batches/<int:batch_id>/files/<kind>")
@access(ORGANISER)
def batch_download(slug: str, batch_id: int, kind: str):
    edition = edition_or_404(slug)
    batch = _batch_or_404(edition, batch_id)
    path = service.batch_file(batch, kind) if kind in DOWNLOAD_NAMES else None
    if path is None:
        abort(404)
    name, mimetype = DOWNLOAD_NAMES[kind]
    response = send_file(
        path,
        mimetype=mimetype,
        as_attachment=True,
        download_name=safe_filename(name.format(slug=edition.slug)),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _certificate_or_404(edition, cert_id: int) -> Certificate:
    cert = db.session.get(Certificate, cert_id)
    if cert is None or cert.edition_id != edition.id:
        abort(404)
    return cert


def _detail(edition, cert, revoke_form=None, reissue_form=None, status_code=200):
    related = {}
    if cert.replaced_by_id:
        related["replaced_by"] = db.session.get(Certificate, cert.replaced_by_id)
    related["replaces"] = db.session.scalars(
        select(Certificate).where(Certificate.replaced_by_id == cert.id)
    ).all()
    return (
        render_template(
            "certificates/detail.html",
            edition=edition,
            cert=cert,
            view=_view(cert),
            signature_ok=service.signature_ok(cert),
            related=related,
            revoke_form=revoke_form or RevokeForm(),
            reissue_form=reissue_form or ReissueForm(full_name=cert.full_name),
            verify_url=service.verify_url(_base_url(), cert.code),
        ),
        status_code,
    )


@bp.route("/e/<slug>/certificates/<int:cert_id>")
@access(ORGANISER)
def certificate_detail(slug: str, cert_id: int):
    edition = edition_or_404(slug)
    return _detail(edition, _certificate_or_404(edition, cert_id))


@bp.route("/e/<slug>/certificates/<int:cert_id>/revoke", methods=["POST"])
@access(ORGANISER)
def certificate_revoke(slug: str, cert_id: int):
    edition = edition_or_404(slug)
    cert = _certificate_or_404(edition, cert_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _detail(edition, cert, revoke_form=form, status_code=400)
    try:
        service.revoke(cert, form.reason.data, user=current_user, remote_addr=request.remote_addr)
    except service.CertificateError as exc:
        db.session.rollback()
        form.reason.errors.append(str(exc))
        return _detail(edition, cert, revoke_form=form, status_code=400)
    db.session.commit()
    flash(f"Đã thu hồi giấy chứng nhận số vào sổ {cert.register_number} ({cert.full_name}).", "success")
    return redirect(url_for("certificates.certificate_detail", slug=slug, cert_id=cert.id))


@bp.route("/e/<slug>/certificates/<int:cert_id>/reissue", methods=["POST"])
@access(ORGANISER)
def certificate_reissue(slug: str, cert_id: int):
    edition = edition_or_404(slug)
    cert = _certificate_or_404(edition, cert_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        return _detail(edition, cert, reissue_form=form, status_code=400)
    try:
        new = service.reissue(
            cert,
            form.full_name.data,
            user=current_user,
            note=form.note.data,
            remote_addr=request.remote_addr,
        )
    except service.CertificateError as exc:
        db.session.rollback()
        form.full_name.errors.append(str(exc))
        return _detail(edition, cert, reissue_form=form, status_code=400)
    db.session.commit()
    flash(
        f"Đã cấp giấy chứng nhận mới số vào sổ {new.register_number} cho {new.full_name}; "
        f"giấy số {cert.register_number} đã bị thu hồi (thay thế).",
        "success",
    )
    return redirect(url_for("certificates.certificate_detail", slug=slug, cert_id=new.id))


@bp.route("/e/<slug>/certificates/<int:cert_id>/certificate.pdf")
@access(ORGANISER)
def certificate_pdf(slug: str, cert_id: int):
    edition = edition_or_404(slug)
    cert = _certificate_or_404(edition, cert_id)
    try:
        data = service.render_certificate(cert, _base_url())
    except service.CertificateError as exc:
        flash(str(exc), "error")
        return redirect(url_for("certificates.certificate_detail", slug=slug, cert_id=cert.id))
    return _pdf_response(data, cert, cache="private, no-store")


from . import template_routes  # noqa: E402,F401  (registers the template editor routes on bp)
