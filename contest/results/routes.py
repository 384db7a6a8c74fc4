"""Results pages.

Organiser (``organiser`` role), under ``/e/<slug>/results``: the levels of an edition
with their prize rules and versions, the prize rules form, proposing an allocation, the
version page (awards, adjustments with a reason, totals and money, approval with the
decision number and date, publication, correction), the follow-on lists and the
official outputs (.xlsx, PDF).

Public (``PUBLIC``): the published results of an edition with filters, a gallery of
awarded entries with photos, a search across published results, and the thumbnails of
awarded entries' photos. Public pages show only what a certificate shows and are served
from :mod:`contest.results.cache` until the next publication.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from contest.auth.access import PUBLIC, access
from contest.extensions import db
from contest.models import ORGANISER, AuditLog, Edition, Entry, EntryLevel, ResultVersion, User
from contest.results import cache, exports, publication, service
from contest.results.forms import (
    NO_PRIZE,
    AdjustForm,
    ApproveForm,
    CorrectForm,
    FilterForm,
    ProposeForm,
    PublishForm,
    SearchForm,
    prize_rules_form,
    settings_from_form,
)
from contest.results.service import ResultsError
from contest.text import safe_filename
from registration import uploads
from registration.access import edition_or_404

bp = Blueprint("results", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PHOTO_MAX_AGE = 3600
MAX_ARG = 100
PUBLIC_ARGS = ("level", "category", "division", "area", "prize")


# ---------------------------------------------------------------------------
# Organiser pages
# ---------------------------------------------------------------------------


def _version_or_404(edition: Edition, version_id: int) -> ResultVersion:
    version = db.session.get(ResultVersion, version_id)
    if version is None or version.edition_id != edition.id:
        abort(404)
    return version


def _edition_version(slug: str, version_id: int) -> tuple[Edition, ResultVersion]:
    """The edition of the URL and its result version ``version_id`` (404 otherwise)."""
    edition = edition_or_404(slug)
    return edition, _version_or_404(edition, version_id)


def _to_version(slug: str, version: ResultVersion, anchor: str | None = None):
    """Redirect to the version page."""
    return redirect(url_for("results.version", slug=slug, version_id=version.id, _anchor=anchor))


def _level_or_404(edition: Edition, code: str):
    level = edition.level(code)
    if level is None:
        abort(404)
    return level


def _rules_summary(edition: Edition, level) -> dict | None:
    settings = service.level_settings(edition, level)
    if settings is None:
        return None
    ranks = service.ranks_for(edition)
    quotas = settings.get("quotas") or {}
    amounts = settings.get("amounts") or {}
    return {
        "quotas": [(r.label, int(quotas.get(r.code, 0) or 0), amounts.get(r.code)) for r in ranks],
        "total": sum(int(quotas.get(r.code, 0) or 0) for r in ranks),
        "tie_policy": service.TIE_POLICIES.get(settings.get("tie_policy") or "share", ""),
        "group": service.GROUP_KINDS.get(settings.get("per_group") or "", ""),
        "min_scores": [(r.label, (settings.get("min_scores") or {}).get(r.code)) for r in ranks
                       if (settings.get("min_scores") or {}).get(r.code) not in (None, "")],
    }


@bp.route("/e/<slug>/results")
@access(ORGANISER)
def index(slug: str):
    edition = edition_or_404(slug)
    counts = dict(db.session.execute(
        select(EntryLevel.level_id, func.count())
        .join(Entry, Entry.id == EntryLevel.entry_id)
        .where(Entry.edition_id == edition.id, Entry.status == "accepted", EntryLevel.score.is_not(None))
        .group_by(EntryLevel.level_id)
    ).all())
    levels = [
        {
            "level": lv,
            "rules": _rules_summary(edition, lv),
            "scored": counts.get(lv.id, 0),
            "versions": service.versions_of(edition, lv),
            "published": service.published_version(edition, lv),
            "open": service.open_version(edition, lv),
        }
        for lv in edition.levels
    ]
    return render_template("results/index.html", edition=edition, levels=levels, propose_form=ProposeForm())


@bp.route("/e/<slug>/results/<level_code>/rules", methods=["GET", "POST"])
@access(ORGANISER)
def rules(slug: str, level_code: str):
    edition = edition_or_404(slug)
    level = _level_or_404(edition, level_code)
    ranks = service.ranks_for(edition)
    form = prize_rules_form(edition, ranks, service.level_settings(edition, level))
    problem = None
    if form.validate_on_submit():
        try:
            service.save_prize_settings(edition, level, settings_from_form(form), actor=current_user)
        except ResultsError as exc:
            db.session.rollback()
            problem = str(exc)
        else:
            db.session.commit()
            flash(f"Đã lưu cơ cấu giải của {level.name}.", "success")
            return redirect(url_for("results.index", slug=slug))
    status = 400 if request.method == "POST" else 200
    return render_template("results/rules.html", edition=edition, level=level, form=form,
                           problem=problem), status


@bp.route("/e/<slug>/results/<level_code>/propose", methods=["POST"])
@access(ORGANISER)
def propose(slug: str, level_code: str):
    edition = edition_or_404(slug)
    level = _level_or_404(edition, level_code)
    if not ProposeForm().validate_on_submit():
        abort(400)
    try:
        version = service.propose_allocation(edition, level, actor=current_user)
        db.session.commit()
    except ResultsError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("results.index", slug=slug))
    except IntegrityError:  # someone else proposed at the same moment
        db.session.rollback()
        flash("Một bản kết quả khác vừa được lập cho cấp thi này; vui lòng xem lại rồi thử lại.", "error")
        return redirect(url_for("results.index", slug=slug))
    flash(f"Đã đề xuất phân bổ giải (bản số {version.number}, dự thảo).", "success")
    return _to_version(slug, version)


def _adjust_form(version: ResultVersion) -> AdjustForm:
    form = AdjustForm(prefix="adjust")
    rows = service.award_rows(version)
    others = service.not_awarded_rows(version)
    form.entry_id.choices = [(0, "— Chọn bài dự thi —")] + [
        (r.entry_id, f"{r.code} – {r.title} ({r.rank_label})") for r in rows
    ] + [(r.entry_id, f"{r.code} – {r.title} (không đạt giải, {r.place})") for r in others]
    form.rank.choices = [(r.code, r.label) for r in service._version_ranks(version)] + [
        (NO_PRIZE, "Không đạt giải")
    ]
    return form


def _audit_of(version: ResultVersion) -> tuple[list[tuple[AuditLog, str]], dict[int, str]]:
    """The version's audit records with who made them, and the codes of the entries named."""
    logs = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.object_type == "result_version", AuditLog.object_id == str(version.id))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
    ).all()
    names = {u.id: u.full_name for u in db.session.scalars(
        select(User).where(User.id.in_({log.user_id for log in logs if log.user_id}))
    )}
    entry_ids = {(log.new or {}).get("entry_id") for log in logs if log.action == "results.adjust"} - {None}
    codes = dict(db.session.execute(select(Entry.id, Entry.code).where(Entry.id.in_(entry_ids))).all()) if entry_ids else {}
    return [(log, names.get(log.user_id, "Hệ thống")) for log in logs], codes


ACTION_LABELS = {
    "results.propose": "Đề xuất phân bổ giải",
    "results.adjust": "Điều chỉnh giải",
    "results.approve": "Phê duyệt",
    "results.publish": "Công bố",
    "results.correct": "Lập bản đính chính",
    "results.discard": "Huỷ dự thảo",
}


def _version_page(edition: Edition, version: ResultVersion, *, adjust_form=None, approve_form=None,
                  correct_form=None, status: int = 200):
    rows = service.award_rows(version)
    money, money_error = None, None
    try:
        money = service.money_summary(version)
    except ResultsError as exc:
        money_error = str(exc)
    ranks = service._version_ranks(version)
    quotas = (version.rules or {}).get("quotas") or {}
    totals = [(r.code, r.label, int(quotas.get(r.code, 0)), service.counts_of(version).get(r.code, 0)) for r in ranks]
    pending = service.open_version(edition, version.level)
    return render_template(
        "results/version.html",
        edition=edition, version=version, rows=rows, others=service.not_awarded_rows(version),
        totals=totals, money=money, money_error=money_error, warnings=service.quota_warnings(version),
        rank_labels={r.code: r.label for r in ranks},
        audit=_audit_of(version), action_labels=ACTION_LABELS,
        adjust_form=adjust_form or (_adjust_form(version) if version.status == "draft" else None),
        approve_form=approve_form or (ApproveForm(prefix="approve") if version.status == "draft" else None),
        publish_form=PublishForm(prefix="publish") if version.status == "approved" else None,
        correct_form=correct_form or (CorrectForm(prefix="correct")
                                      if version.status == "published" and pending is None else None),
        pending=pending,
        supersedes=db.session.get(ResultVersion, version.supersedes_id) if version.supersedes_id else None,
        tie_policies=service.TIE_POLICIES, group_kinds=service.GROUP_KINDS,
    ), status


@bp.route("/e/<slug>/results/v/<int:version_id>")
@access(ORGANISER)
def version(slug: str, version_id: int):
    edition, version = _edition_version(slug, version_id)
    return _version_page(edition, version)


@bp.route("/e/<slug>/results/v/<int:version_id>/adjust", methods=["POST"])
@access(ORGANISER)
def adjust(slug: str, version_id: int):
    edition, version = _edition_version(slug, version_id)
    if version.status != "draft":
        flash("Chỉ điều chỉnh được bản dự thảo; kết quả đã phê duyệt hoặc công bố không thể sửa.", "error")
        return _to_version(slug, version)
    form = _adjust_form(version)
    if form.validate_on_submit():
        if not form.entry_id.data:
            form.entry_id.errors.append("Vui lòng chọn bài dự thi.")
        else:
            rank = None if form.rank.data == NO_PRIZE else form.rank.data
            try:
                service.adjust_award(version, form.entry_id.data, rank, form.reason.data, actor=current_user,
                                     remote_addr=request.remote_addr)
            except ResultsError as exc:
                db.session.rollback()
                form.reason.errors.append(str(exc))
            else:
                db.session.commit()
                flash("Đã điều chỉnh giải; thay đổi được ghi vào nhật ký.", "success")
                return _to_version(slug, version, anchor="giai")
    return _version_page(edition, version, adjust_form=form, status=400)


@bp.route("/e/<slug>/results/v/<int:version_id>/approve", methods=["POST"])
@access(ORGANISER)
def approve(slug: str, version_id: int):
    edition, version = _edition_version(slug, version_id)
    form = ApproveForm(prefix="approve")
    if form.validate_on_submit():
        try:
            service.approve(version, decision_number=form.decision_number.data,
                            decision_date=form.decision_date.data, actor=current_user,
                            remote_addr=request.remote_addr)
        except ResultsError as exc:
            db.session.rollback()
            form.decision_number.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Đã phê duyệt bản số {version.number} (Quyết định số {version.decision_number}).", "success")
            return _to_version(slug, version)
    if version.status != "draft":
        flash("Bản này không còn là dự thảo nên không phê duyệt lại được.", "error")
        return _to_version(slug, version)
    return _version_page(edition, version, approve_form=form, status=400)


@bp.route("/e/<slug>/results/v/<int:version_id>/publish", methods=["POST"])
@access(ORGANISER)
def publish(slug: str, version_id: int):
    edition, version = _edition_version(slug, version_id)
    if not PublishForm(prefix="publish").validate_on_submit():
        abort(400)
    try:
        service.publish(version, actor=current_user, remote_addr=request.remote_addr)
    except ResultsError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(f"Đã công bố kết quả {version.level.name} (bản số {version.number}).", "success")
    return _to_version(slug, version)


@bp.route("/e/<slug>/results/v/<int:version_id>/correct", methods=["POST"])
@access(ORGANISER)
def correct(slug: str, version_id: int):
    edition, version = _edition_version(slug, version_id)
    form = CorrectForm(prefix="correct")
    if form.validate_on_submit():
        try:
            new = service.correct(version, change_note=form.change_note.data, actor=current_user,
                                  remote_addr=request.remote_addr)
        except ResultsError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return _to_version(slug, version)
        db.session.commit()
        flash(f"Đã lập bản đính chính số {new.number} (dự thảo). Điều chỉnh, phê duyệt rồi công bố để thay bản cũ.",
              "success")
        return _to_version(slug, new)
    if version.status != "published":
        flash("Chỉ lập bản đính chính từ bản đã công bố.", "error")
        return _to_version(slug, version)
    return _version_page(edition, version, correct_form=form, status=400)


@bp.route("/e/<slug>/results/v/<int:version_id>/honours")
@access(ORGANISER)
def honours(slug: str, version_id: int):
    edition, version = _edition_version(slug, version_id)
    return render_template("results/honours.html", edition=edition, version=version, h=service.honours(version))


EXPORTS = {
    "danh-sach-cong-nhan-giai.xlsx": ("annex_xlsx", XLSX),
    "chi-tra-tien-thuong.xlsx": ("money_xlsx", XLSX),
    "ket-qua.xlsx": ("results_xlsx", XLSX),
    "de-nghi-khen-thuong.xlsx": ("honours_xlsx", XLSX),
    "danh-sach-cong-nhan-giai.pdf": ("annex_pdf", "application/pdf"),
    "chi-tra-tien-thuong.pdf": ("money_pdf", "application/pdf"),
}


def _export_bytes(kind: str, version: ResultVersion) -> bytes:
    from contest.xlsx import build_workbook

    if kind == "annex_xlsx":
        return build_workbook(exports.annex_sheet(version))
    if kind == "money_xlsx":
        return build_workbook(exports.money_sheet(version))
    if kind == "results_xlsx":
        return exports.results_workbook(version)
    if kind == "honours_xlsx":
        return exports.honours_workbook(version)
    if kind == "annex_pdf":
        return exports.annex_pdf(version)
    return exports.money_pdf(version)


@bp.route("/e/<slug>/results/v/<int:version_id>/<name>")
@access(ORGANISER)
def export(slug: str, version_id: int, name: str):
    import io

    edition, version = _edition_version(slug, version_id)
    if name not in EXPORTS:
        abort(404)
    kind, mimetype = EXPORTS[name]
    data = _export_bytes(kind, version)
    stem, ext = name.rsplit(".", 1)
    download = safe_filename(f"{stem}-{edition.slug}-{version.level.code}-ban-{version.number}.{ext}")
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=download,
                     max_age=0)


# ---------------------------------------------------------------------------
# Public pages
# ---------------------------------------------------------------------------


def _arg(name: str) -> str:
    return (request.args.get(name) or "").strip()[:MAX_ARG]


def _public_edition(slug: str) -> Edition:
    edition = db.session.scalar(select(Edition).where(Edition.slug == slug))
    if edition is None:
        abort(404)
    return edition


def _choices(values, empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + sorted(set(values), key=lambda kv: kv[1].casefold())


def _render_results(slug: str, args: dict[str, str]) -> str:
    edition = _public_edition(slug)
    data = publication.public_results(edition, args.get("level") or None)
    if data is None:
        return render_template("public/results.html", edition=edition, data=None, form=None, rows=[],
                               problems=[], sections=[])
    form = FilterForm(formdata=None)
    form.level.choices = [(code, name) for code, name in data.levels]
    form.category.choices = _choices(((r.category_code, r.category) for r in data.rows if r.category_code),
                                     "Tất cả lĩnh vực")
    form.division.choices = _choices(((r.division_code, r.division) for r in data.rows if r.division_code),
                                     "Tất cả bảng, khối")
    form.area.choices = _choices(((r.area_key, r.area) for r in data.rows if r.area_key), "Tất cả địa bàn")
    form.prize.choices = [("", "Tất cả các giải")] + [(r.code, r.label) for r in data.ranks
                                                      if data.counts.get(r.code)]
    problems = []
    rows = data.rows
    names = {"level": "Cấp thi", "category": "Lĩnh vực", "division": "Bảng, khối", "area": "Địa bàn", "prize": "Giải"}
    attr = {"category": "category_code", "division": "division_code", "area": "area_key", "prize": "rank_code"}
    form.level.data = data.level_code
    if args.get("level") and args["level"] != data.level_code:
        problems.append(f"Không có kết quả đã công bố cho cấp thi “{args['level']}”; đang hiển thị {data.level_name}.")
    for key, field_attr in attr.items():
        value = args.get(key)
        field = getattr(form, key)
        if not value:
            field.data = ""
            continue
        if value not in {v for v, _ in field.choices}:
            problems.append(f"{names[key]} “{value}” không có trong kết quả; bộ lọc này được bỏ qua.")
            field.data = ""
            continue
        field.data = value
        rows = [r for r in rows if getattr(r, field_attr) == value]
    sections = []
    for rank in data.ranks:
        items = [r for r in rows if r.rank_code == rank.code]
        if items:
            sections.append((rank, items))
    return render_template("public/results.html", edition=edition, data=data, form=form, rows=rows,
                           problems=problems, sections=sections,
                           show_category=any(r.category for r in data.rows),
                           show_division=any(r.division for r in data.rows))


@bp.route("/editions/<slug>/results")
@access(PUBLIC)
def public_results(slug: str):
    args = {name: _arg(name) for name in PUBLIC_ARGS}
    key = ("results", slug, *(args[name] for name in PUBLIC_ARGS))
    return cache.serve(key, lambda: _render_results(slug, args))


def _render_gallery(slug: str, level: str) -> str:
    edition = _public_edition(slug)
    data = publication.public_results(edition, level or None)
    return render_template("public/results_gallery.html", edition=edition, data=data)


@bp.route("/editions/<slug>/results/gallery")
@access(PUBLIC)
def public_gallery(slug: str):
    level = _arg("level")
    return cache.serve(("gallery", slug, level), lambda: _render_gallery(slug, level))


def _search_index():
    """The search index, kept beside the cached pages (same generation)."""
    page_cache = cache.page_cache()
    current = cache.generation()
    found = page_cache.get(("search-index",), current)
    if found is not None:
        return found.payload
    index = publication.search_index()
    page_cache.put(("search-index",), current, b"", payload=index)
    return index


def _render_search(q: str, edition_slug: str, asked: bool) -> str:
    editions = db.session.execute(
        select(Edition.slug, Edition.name)
        .where(Edition.id.in_(select(ResultVersion.edition_id).where(ResultVersion.status == "published")))
        .order_by(Edition.year_start.desc(), Edition.name)
    ).all()
    form = SearchForm(formdata=MultiDict({"q": q, "edition": edition_slug}) if asked else None)
    form.edition.choices = [("", "Tất cả các kỳ thi")] + [(s, n) for s, n in editions]
    known = {s for s, _ in editions}
    hits, total, searched = [], 0, False
    if not asked:
        form.edition.data = edition_slug if edition_slug in known else ""
    elif edition_slug and edition_slug not in known:
        form.validate()
        form.edition.errors = ["Kỳ thi này chưa công bố kết quả hoặc không tồn tại."]
    elif form.validate():
        searched = True
        hits, total = publication.search(_search_index(), form.q.data, edition_slug or None)
    return render_template("public/results_search.html", form=form, hits=hits, total=total, searched=searched)


@bp.route("/results/search")
@access(PUBLIC)
def public_search():
    q = _arg("q")
    edition_slug = _arg("edition")
    asked = "q" in request.args
    key = ("search", asked, q, edition_slug)
    return cache.serve(key, lambda: _render_search(q, edition_slug, asked), cache_name="search")


@bp.route("/results/photos/<int:file_id>.jpg")
@access(PUBLIC)
def public_photo(file_id: int):
    """The thumbnail of a photo of an awarded entry of published results (else 404)."""
    from contest.models import EntryFile

    if not publication.photo_is_public(file_id):
        abort(404)
    item = db.session.get(EntryFile, file_id)
    path = uploads.file_path(item, thumb=True)
    if path is None or not path.is_file():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", conditional=True, max_age=PHOTO_MAX_AGE,
                         download_name=f"anh-{file_id}.jpg")
    response.cache_control.public = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
