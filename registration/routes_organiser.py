"""The organiser's registration pages: the overview (counts and charts), quotas and
deadline extensions of one edition."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from contest import audit
from contest.auth.access import AUTHENTICATED, PUBLIC, access, declared_access
from contest.extensions import db
from contest.models import (
    AREA_ORGANISER,
    ENTRY_STATUSES,
    ORGANISER,
    AdminUnit,
    DeadlineExtension,
    Edition,
    Institution,
    User,
)
from contest.text import ascii_fold, normalize_text
from registration import bp, charts, services, stats
from registration.access import area_unit_ids, edition_or_404, entries_stmt
from registration.forms_organiser import (
    ClearInstitutionQuotaForm,
    DefaultQuotaForm,
    ExtensionForm,
    InstitutionQuotaForm,
    RemoveExtensionForm,
    area_quota_form,
)

# Pages of other modules the overview links to, when they exist (they are written
# alongside this one) and the user may open them.
RELATED_PAGES = [
    ("registration.review_list", "Duyệt bài dự thi"),
    ("registration.entry_list", "Danh sách bài dự thi"),
    ("registration.excel_export", "Xuất danh sách Excel"),
    ("registration.excel_import", "Nhập từ tệp Excel"),
]
AREA_CHART_LIMIT = 20


def related_links(edition: Edition, user) -> list[tuple[str, str]]:
    """(label, url) of the related pages that are registered and open to ``user``."""
    links = []
    for endpoint, label in RELATED_PAGES:
        view = current_app.view_functions.get(endpoint)
        if view is None:
            continue
        roles = declared_access(view) or frozenset()
        if not roles & {PUBLIC, AUTHENTICATED} and not user.has_role(*roles):
            continue
        try:
            links.append((label, url_for(endpoint, slug=edition.slug)))
        except BuildError:
            continue
    return links


def _fold(text: str) -> str:
    return ascii_fold(normalize_text(text)).casefold()


def institution_choices(q: str = "", include: set[int] | None = None, limit: int = 500) -> list[tuple[int, str]]:
    """Active institutions whose name contains ``q`` (accents and case ignored), plus the
    ids in ``include``; labelled "name – unit"."""
    rows = db.session.execute(
        select(Institution.id, Institution.name, AdminUnit.name, Institution.active)
        .join(AdminUnit, AdminUnit.id == Institution.unit_id)
    ).all()
    needle = _fold(q)
    include = include or set()
    picked = [
        (i, f"{name} – {unit}")
        for i, name, unit, active in rows
        if i in include or (active and (not needle or needle in _fold(name)))
    ]
    picked.sort(key=lambda item: stats.name_key(item[1]))
    return picked[:limit]


ACTIVE = "active"  # every status but withdrawn


def status_options() -> list[tuple[str, str]]:
    return [(ACTIVE, "Đang tham gia (trừ bài đã rút)")] + list(ENTRY_STATUSES.items())


def _status_filter() -> tuple[str, list[str] | None]:
    status = request.args.get("status", "")
    if not status:
        return "", None
    if status == ACTIVE:
        return status, list(services.COUNTED_STATUSES)
    if status not in ENTRY_STATUSES:
        flash("Trạng thái cần lọc không hợp lệ; đang hiển thị mọi trạng thái.", "error")
        return "", None
    return status, [status]


# ----- overview ---------------------------------------------------------------------

@bp.route("/e/<slug>/overview")
@access(ORGANISER, AREA_ORGANISER)
def overview(slug: str):
    edition = edition_or_404(slug)
    status, statuses = _status_filter()
    scope = entries_stmt(current_user, edition).whereclause
    data = stats.overview(edition, scope, statuses)
    unit = "đội" if edition.contest.kind == "robocon" else "bài"
    area_items = stats.chart_items(
        stats.area_counts(data.areas), limit=AREA_CHART_LIMIT, by_value=True, other_label="Các địa bàn khác"
    )
    people_items = [("Tác giả, thành viên", data.people.authors), ("Người hướng dẫn", data.people.mentors)]
    chart_svgs = {
        "area": charts.bar_chart(f"Số {unit} dự thi theo địa bàn", area_items, chart_id="chart-area", unit=unit),
        "level": charts.bar_chart(f"Số {unit} đã đến từng cấp thi", stats.level_chart_items(data.by_level),
                                  chart_id="chart-level", unit=unit),
        "category": charts.bar_chart(f"Số {unit} theo lĩnh vực", stats.chart_items(data.by_category),
                                     chart_id="chart-category", unit=unit),
        "division": charts.bar_chart(f"Số {unit} theo bảng, khối", stats.chart_items(data.by_division),
                                     chart_id="chart-division", unit=unit),
        "status": charts.bar_chart(f"Số {unit} theo trạng thái", stats.chart_items(data.by_status),
                                   chart_id="chart-status", unit=unit),
        "people": charts.bar_chart("Số lượt người tham gia", people_items, chart_id="chart-people", unit="lượt"),
    }
    is_organiser = current_user.has_role(ORGANISER)
    scope_units = []
    if not is_organiser:
        ids = area_unit_ids(current_user)
        scope_units = db.session.scalars(select(AdminUnit.name).where(AdminUnit.id.in_(ids))).all() if ids else []
    return render_template(
        "registration/organiser/overview.html",
        edition=edition,
        data=data,
        charts=chart_svgs,
        status=status,
        status_options=status_options(),
        status_label=dict(status_options()).get(status, ""),
        unit=unit,
        links=related_links(edition, current_user),
        is_organiser=is_organiser,
        scope_units=sorted(scope_units, key=stats.name_key),
        share=stats.share,
        quota_text=stats.quota_text,
    )


# ----- quotas ---------------------------------------------------------------------------

def _registration_settings(edition: Edition) -> dict:
    return dict((edition.settings or {}).get("registration") or {})


def set_default_quota(edition: Edition, value: int | None, *, actor) -> None:
    """Store the per-institution default in edition.settings (a new dict, so SQLAlchemy
    sees the change) and audit it. ``None`` means no limit (it overrides the contest
    kind's default)."""
    registration = _registration_settings(edition)
    old = registration.get("entries_per_institution", "mặc định")
    registration["entries_per_institution"] = value
    settings = dict(edition.settings or {})
    settings["registration"] = registration
    edition.settings = settings
    audit.record("quota.default", "edition", edition.id, user=actor,
                 old={"entries_per_institution": old}, new={"entries_per_institution": value})


@bp.route("/e/<slug>/quotas", methods=["GET", "POST"])
@access(ORGANISER)
def quotas(slug: str):
    edition = edition_or_404(slug)
    q = normalize_text(request.args.get("q"))
    action = request.form.get("action") if request.method == "POST" else None
    rules = services.rules_for(edition)

    default_form = DefaultQuotaForm(prefix="default", data={"max_entries": rules.entries_per_institution})
    inst_form = InstitutionQuotaForm(prefix="inst")
    overrides = stats.institution_quotas(edition)
    posted = {inst_form.institution_id.data} if action == "institution" and inst_form.institution_id.data else set()
    inst_form.institution_id.choices = [(0, "— Chọn đơn vị —")] + institution_choices(q, posted)
    area_sections = []
    for level in (lv for lv in edition.levels if lv.area_kind):
        units = stats.area_units(edition, level)
        current = stats.area_quotas(edition, level.id)
        form = area_quota_form(units, current)(prefix=f"area{level.id}")
        area_sections.append({"level": level, "units": units, "current": current, "form": form})

    if action == "default" and default_form.validate_on_submit():
        set_default_quota(edition, default_form.max_entries.data, actor=current_user)
        db.session.commit()
        value = default_form.max_entries.data
        flash("Đã lưu hạn mức chung: " + (f"{value} bài mỗi đơn vị." if value is not None else "không giới hạn."),
              "success")
        return redirect(url_for("registration.quotas", slug=slug))

    if action == "institution" and inst_form.validate_on_submit():
        institution = db.session.get(Institution, inst_form.institution_id.data)
        if institution is None:
            inst_form.institution_id.errors.append("Không tìm thấy đơn vị đã chọn.")
        else:
            value = inst_form.max_entries.data
            services.set_quota(edition, value, institution_id=institution.id, actor=current_user)
            db.session.commit()
            if value is None:
                flash(f"Đã bỏ hạn mức riêng của {institution.name}; đơn vị theo hạn mức chung.", "success")
            else:
                flash(f"Đã đặt hạn mức riêng {value} bài cho {institution.name}.", "success")
                used = services.institution_entry_count(edition.id, institution.id)
                if used > value:
                    flash(f"{institution.name} đã đăng ký {used} bài, nhiều hơn hạn mức mới; các bài đã có "
                          "vẫn được giữ, đơn vị không đăng ký thêm được.", "info")
            return redirect(url_for("registration.quotas", slug=slug, q=q or None))

    if action and action.startswith("area-"):
        section = next((s for s in area_sections if f"area-{s['level'].id}" == action), None)
        if section is None:
            abort(400)
        form = section["form"]
        if form.validate_on_submit():
            changed = 0
            for unit in section["units"]:
                value = getattr(form, f"u{unit.id}").data
                if value != section["current"].get(unit.id):
                    services.set_quota(edition, value, unit_id=unit.id, level_id=section["level"].id, actor=current_user)
                    changed += 1
            db.session.commit()
            if changed:
                flash(f"Đã lưu hạn mức chọn lên cấp trên của {changed} địa bàn ({section['level'].name}).", "success")
            else:
                flash("Không có hạn mức nào thay đổi.", "info")
            return redirect(url_for("registration.quotas", slug=slug))

    return render_template(
        "registration/organiser/quotas.html",
        edition=edition,
        q=q,
        rules=rules,
        default_is_set="entries_per_institution" in _registration_settings(edition),
        default_form=default_form,
        inst_form=inst_form,
        overrides=overrides,
        area_sections=area_sections,
    )


@bp.route("/e/<slug>/quotas/clear", methods=["POST"])
@access(ORGANISER)
def quota_clear(slug: str):
    edition = edition_or_404(slug)
    form = ClearInstitutionQuotaForm(prefix="clear")
    if form.validate_on_submit():
        try:
            institution_id = int(form.institution_id.data or 0)
        except ValueError:
            institution_id = 0
        institution = db.session.get(Institution, institution_id) if institution_id else None
        if institution is None or services.institution_quota(edition, institution.id) is None:
            flash("Đơn vị này không có hạn mức riêng.", "error")
        else:
            services.set_quota(edition, None, institution_id=institution.id, actor=current_user)
            db.session.commit()
            flash(f"Đã bỏ hạn mức riêng của {institution.name}; đơn vị theo hạn mức chung.", "success")
    else:
        flash("Biểu mẫu đã hết hạn, vui lòng thử lại.", "error")
    return redirect(url_for("registration.quotas", slug=slug))


# ----- deadline extensions ----------------------------------------------------------------

def _extensions(edition: Edition):
    rows = db.session.execute(
        select(DeadlineExtension, Institution, User.full_name)
        .join(Institution, Institution.id == DeadlineExtension.institution_id)
        .outerjoin(User, User.id == DeadlineExtension.granted_by_id)
        .where(DeadlineExtension.edition_id == edition.id)
    ).all()
    return sorted(rows, key=lambda r: stats.name_key(r[1].name))


@bp.route("/e/<slug>/deadlines", methods=["GET", "POST"])
@access(ORGANISER)
def deadlines(slug: str):
    edition = edition_or_404(slug)
    q = normalize_text(request.args.get("q"))
    form = ExtensionForm()
    form.general_deadline = edition.registration_deadline
    posted = {form.institution_id.data} if request.method == "POST" and form.institution_id.data else set()
    form.institution_id.choices = [(0, "— Chọn đơn vị —")] + institution_choices(q, posted)
    if request.method == "GET" and request.args.get("institution", type=int):
        form.institution_id.data = request.args.get("institution", type=int)
    if form.validate_on_submit():
        institution = db.session.get(Institution, form.institution_id.data)
        if institution is None:
            form.institution_id.errors.append("Không tìm thấy đơn vị đã chọn.")
        else:
            try:
                ext = services.extend_deadline(edition, institution.id, form.until.data, form.reason.data,
                                               actor=current_user)
            except services.RegistrationError as exc:
                db.session.rollback()
                form.until.errors.extend(exc.messages)
            else:
                db.session.commit()
                flash(f"Đã gia hạn đăng ký cho {institution.name} đến hết ngày {ext.until:%d/%m/%Y}.", "success")
                return redirect(url_for("registration.deadlines", slug=slug))
    return render_template(
        "registration/organiser/deadlines.html",
        edition=edition,
        q=q,
        form=form,
        extensions=_extensions(edition),
        today=services.today_local(),
    )


@bp.route("/e/<slug>/deadlines/<int:extension_id>/remove", methods=["POST"])
@access(ORGANISER)
def deadline_remove(slug: str, extension_id: int):
    edition = edition_or_404(slug)
    ext = db.session.get(DeadlineExtension, extension_id)
    if ext is None or ext.edition_id != edition.id:
        abort(404)
    form = RemoveExtensionForm()
    if not form.validate_on_submit():
        flash("Biểu mẫu đã hết hạn, vui lòng thử lại.", "error")
        return redirect(url_for("registration.deadlines", slug=slug))
    name = ext.institution.name
    audit.record("deadline.remove", "edition", edition.id, user=current_user,
                 old={"institution_id": ext.institution_id, "until": ext.until.isoformat(), "reason": ext.reason},
                 new={"until": None, "institution_id": ext.institution_id})
    db.session.delete(ext)
    db.session.commit()
    flash(f"Đã bỏ gia hạn của {name}; đơn vị theo hạn đăng ký chung.", "success")
    return redirect(url_for("registration.deadlines", slug=slug))
