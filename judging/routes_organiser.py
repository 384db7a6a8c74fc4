"""The organiser's judging pages: rubrics, panels and members, conflicts, assignment,
results (with the advice of the severity model), closing panels, writing the official
results into the level, and paper score sheets (PDF and typing them in).

Thin routes: forms are validated here, the work is done by judging.rubrics,
judging.panels, judging.analysis, judging.paper and judging.scoring. One commit per
request; a refused action rolls back and shows its Vietnamese message.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contest.auth.access import access
from contest.extensions import db
from contest.models import (
    JUDGE,
    ORGANISER,
    AdminUnit,
    Assignment,
    Category,
    ConflictDeclaration,
    Edition,
    Entry,
    Institution,
    Level,
    Panel,
    PanelMember,
    Rubric,
    ScoreSheet,
    User,
)
from contest.models.judging import PANEL_ROLES
from contest.text import normalize_text, safe_filename
from judging import analysis, bp, panels, paper, rubrics, scoring
from judging.forms import (
    EXTRA_CRITERION_ROWS,
    AssignmentAddForm,
    AssignmentRemoveForm,
    AssignRunForm,
    ConfirmForm,
    ConflictForm,
    MemberEditForm,
    MemberForm,
    NewJudgeForm,
    NewRubricForm,
    PanelForm,
    PanelReopenForm,
    RubricForm,
    RubricVersionForm,
    WriteResultsForm,
    format_decimal,
    new_nonce,
    paper_form,
)
from registration.access import edition_or_404

PAPER_REASON = "Nhập từ phiếu giấy"
PAPER_DEVICE = "Phiếu chấm giấy (nhập tay)"


# ----------------------------------------------------------------------------- helpers


@bp.app_template_filter("jpoints")
def _points_filter(value, places: int = 2) -> str:
    """Points for people: decimal comma, no trailing zeros; "—" for nothing."""
    if value is None:
        return "—"
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        return "—"
    if not d.is_finite():
        return "—"
    d = d.quantize(Decimal(1).scaleb(-places))
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.replace(".", ",").replace("-", "−")


@bp.app_template_filter("jsigned")
def _signed_filter(value, places: int = 1) -> str:
    if value is None:
        return "—"
    text = _points_filter(value, places)
    return text if text.startswith("−") or text in ("0", "—") else "+" + text


def _level_or_404(edition: Edition, level_id: int) -> Level:
    level = db.session.get(Level, level_id)
    if level is None or level.edition_id != edition.id:
        abort(404)
    return level


def _panel_or_404(panel_id: int) -> Panel:
    panel = db.session.get(Panel, panel_id)
    if panel is None:
        abort(404)
    return panel


def _edition_of(obj) -> Edition:
    return db.session.get(Edition, obj.edition_id)


def _level_choices(edition: Edition) -> list[tuple[int, str]]:
    return [(lv.id, lv.name) for lv in edition.levels]


def _category_choices(edition: Edition, general: str = "Mọi lĩnh vực") -> list[tuple[int, str]]:
    return [(0, general)] + [(c.id, c.name) for c in edition.categories]


def _institution_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Institution.id, Institution.name).where(Institution.active.is_(True)).order_by(Institution.name)
    ).all()
    return [(0, "— Không ghi —")] + [(i, n) for i, n in rows]


def _unit_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(AdminUnit.id, AdminUnit.name, AdminUnit.kind).where(AdminUnit.kind != "province").order_by(AdminUnit.name)
    ).all()
    return [(0, "— Không ghi —")] + [(i, n) for i, n, _ in rows]


def _category(edition: Edition, category_id: int) -> Category | None:
    if not category_id:
        return None
    category = db.session.get(Category, category_id)
    if category is None or category.edition_id != edition.id:
        abort(404)
    return category


def _fail(message: str) -> None:
    db.session.rollback()
    flash(message, "error")


def _is_secretary(user, panel: Panel) -> bool:
    return any(m.user_id == user.id and m.role == "secretary" for m in panel.members)


def _is_chair_or_secretary(user, panel: Panel) -> bool:
    return any(m.user_id == user.id and m.role in ("chair", "secretary") for m in panel.members)


def _entry_by_code(edition: Edition, code: str) -> Entry | None:
    code = normalize_text(code)
    if not code:
        return None
    return db.session.scalar(
        select(Entry).where(Entry.edition_id == edition.id, func.lower(Entry.code) == code.lower())
    )


# ----------------------------------------------------------------------------- overview


@bp.route("/judging/e/<slug>")
@access(ORGANISER)
def org_home(slug: str):
    edition = edition_or_404(slug)
    accepted = dict(
        db.session.execute(
            select(Entry.level_id, func.count())
            .where(Entry.edition_id == edition.id, Entry.status == "accepted")
            .group_by(Entry.level_id)
        ).all()
    )
    all_panels = panels.panels_of(edition)
    by_level: dict[int, list[Panel]] = {}
    for p in all_panels:
        by_level.setdefault(p.level_id, []).append(p)
    rubric_counts = dict(
        db.session.execute(
            select(Rubric.level_id, func.count()).where(Rubric.edition_id == edition.id).group_by(Rubric.level_id)
        ).all()
    )
    panel_ids = [p.id for p in all_panels]
    assigned: dict[int, int] = {}
    submitted: dict[int, int] = {}
    if panel_ids:
        assigned = dict(
            db.session.execute(
                select(Panel.level_id, func.count())
                .select_from(Assignment)
                .join(Panel, Panel.id == Assignment.panel_id)
                .where(Panel.id.in_(panel_ids))
                .group_by(Panel.level_id)
            ).all()
        )
        submitted = dict(
            db.session.execute(
                select(Panel.level_id, func.count())
                .select_from(ScoreSheet)
                .join(Assignment, Assignment.id == ScoreSheet.assignment_id)
                .join(Panel, Panel.id == Assignment.panel_id)
                .where(Panel.id.in_(panel_ids), ScoreSheet.status == "submitted")
                .group_by(Panel.level_id)
            ).all()
        )
    rows = [
        {
            "level": lv,
            "entries": accepted.get(lv.id, 0),
            "rubrics": rubric_counts.get(lv.id, 0),
            "panels": by_level.get(lv.id, []),
            "assigned": assigned.get(lv.id, 0),
            "submitted": submitted.get(lv.id, 0),
        }
        for lv in edition.levels
    ]
    return render_template("judging/organiser/home.html", edition=edition, rows=rows)


# ----------------------------------------------------------------------------- rubrics


@bp.route("/judging/e/<slug>/rubrics")
@access(ORGANISER)
def org_rubrics(slug: str):
    edition = edition_or_404(slug)
    items = rubrics.rubrics_of(edition)
    in_use = dict(
        db.session.execute(
            select(ScoreSheet.rubric_id, func.count())
            .where(ScoreSheet.rubric_id.in_([r.id for r in items] or [-1]))
            .group_by(ScoreSheet.rubric_id)
        ).all()
    )
    newest = {}
    for r in items:
        key = (r.level_id, r.category_id)
        if key not in newest or newest[key].version < r.version:
            newest[key] = r
    return render_template(
        "judging/organiser/rubrics.html",
        edition=edition,
        rubrics=items,
        in_use=in_use,
        newest_ids={r.id for r in newest.values()},
    )


def _fill_criteria(form: RubricForm, specs) -> None:
    while len(form.criteria.entries):
        form.criteria.pop_entry()
    for spec in specs:
        form.criteria.append_entry(
            {
                "name": spec.name,
                "description": spec.description,
                "max_points": spec.max_points,
                "step": spec.step,
                "bands": rubrics.format_bands(spec.bands),
                "code": spec.code or "",
            }
        )
    for _ in range(EXTRA_CRITERION_ROWS):
        form.criteria.append_entry({"step": Decimal("0.5")})


def _specs(form: RubricForm) -> list[rubrics.CriterionSpec]:
    specs = []
    for row in form.criteria:
        sub = row.form
        if sub.blank:
            continue
        specs.append(
            rubrics.CriterionSpec(
                name=sub.name.data,
                max_points=sub.max_points.data,
                step=sub.step.data or Decimal("0.5"),
                description=sub.description.data or "",
                bands=rubrics.parse_bands(sub.bands.data, sub.max_points.data),
                code=normalize_text(sub.code.data) or None,
            )
        )
    return specs


def _form_total(form: RubricForm) -> Decimal:
    return sum((row.form.max_points.data or Decimal(0) for row in form.criteria if not row.form.blank), Decimal(0))


@bp.route("/judging/e/<slug>/rubrics/new", methods=["GET", "POST"])
@access(ORGANISER)
def org_rubric_new(slug: str):
    edition = edition_or_404(slug)
    form = NewRubricForm()
    form.level_id.choices = _level_choices(edition)
    form.category_id.choices = _category_choices(edition, "Mọi lĩnh vực (bảng chung của cấp thi)")
    if request.method == "GET":
        level_id = request.args.get("level", type=int)
        if level_id in {v for v, _ in form.level_id.choices}:
            form.level_id.data = level_id
        form.name.data = "Tiêu chí chấm điểm"
        _fill_criteria(form, rubrics.TEMPLATE_CRITERIA)
    elif form.validate_on_submit():
        level = _level_or_404(edition, form.level_id.data)
        category = _category(edition, form.category_id.data)
        try:
            rubric = rubrics.create_rubric(edition, level, category, form.name.data, _specs(form), actor=current_user)
        except rubrics.RubricError as exc:
            _fail(str(exc))
        else:
            warning = rubrics.total_warning(rubric.criteria)
            db.session.commit()
            flash("Đã lưu bảng tiêu chí.", "success")
            if warning:
                flash(warning, "info")
            return redirect(url_for("judging.org_rubric", rubric_id=rubric.id))
    return render_template(
        "judging/organiser/rubric_form.html", edition=edition, form=form, rubric=None, total=_form_total(form)
    )


@bp.route("/judging/rubrics/<int:rubric_id>", methods=["GET", "POST"])
@access(ORGANISER)
def org_rubric(rubric_id: int):
    rubric = db.session.get(Rubric, rubric_id)
    if rubric is None:
        abort(404)
    edition = _edition_of(rubric)
    used = rubrics.rubric_in_use(rubric)
    editable = not rubric.locked and not used
    versions = db.session.scalars(
        select(Rubric)
        .where(
            Rubric.edition_id == rubric.edition_id,
            Rubric.level_id == rubric.level_id,
            Rubric.category_id.is_(None) if rubric.category_id is None else Rubric.category_id == rubric.category_id,
        )
        .order_by(Rubric.version.desc())
    ).all()
    version_form = RubricVersionForm(prefix="version")
    form = RubricForm()
    if editable:
        if request.method == "GET":
            form.name.data = rubric.name
            _fill_criteria(
                form,
                [
                    rubrics.CriterionSpec(c.name, c.max_points, c.step, c.description or "", c.bands or [], c.code)
                    for c in rubric.criteria
                ],
            )
        elif form.validate_on_submit():
            try:
                rubrics.update_rubric(rubric, form.name.data, _specs(form), actor=current_user)
            except rubrics.RubricError as exc:
                _fail(str(exc))
            else:
                warning = rubrics.total_warning(rubric.criteria)
                db.session.commit()
                flash("Đã lưu bảng tiêu chí.", "success")
                if warning:
                    flash(warning, "info")
                return redirect(url_for("judging.org_rubric", rubric_id=rubric.id))
    elif request.method == "POST":
        flash("Bảng tiêu chí đã khoá vì đã bắt đầu chấm; không sửa được. Hãy dùng “Tạo phiên bản mới”.", "error")
        return redirect(url_for("judging.org_rubric", rubric_id=rubric.id)), 303
    return render_template(
        "judging/organiser/rubric_form.html",
        edition=edition,
        form=form if editable else None,
        rubric=rubric,
        used=used,
        editable=editable,
        versions=versions,
        newest=versions[0].id == rubric.id if versions else True,
        version_form=version_form,
        delete_form=ConfirmForm(prefix="delete"),
        warning=rubrics.total_warning(rubric.criteria),
        total=_form_total(form) if editable else rubric.max_total,
    )


@bp.route("/judging/rubrics/<int:rubric_id>/version", methods=["POST"])
@access(ORGANISER)
def org_rubric_version(rubric_id: int):
    rubric = db.session.get(Rubric, rubric_id)
    if rubric is None:
        abort(404)
    form = RubricVersionForm(prefix="version")
    if not form.validate_on_submit():
        flash("Biểu mẫu đã hết hạn, vui lòng thử lại.", "error")
        return redirect(url_for("judging.org_rubric", rubric_id=rubric.id))
    used = rubrics.rubric_in_use(rubric)
    try:
        copy = rubrics.new_version(rubric, actor=current_user, reason=form.reason.data)
    except rubrics.RubricError as exc:
        _fail(str(exc))
        return redirect(url_for("judging.org_rubric", rubric_id=rubric.id))
    db.session.commit()
    flash(f"Đã tạo phiên bản {copy.version}; các phiếu chấm mới sẽ dùng phiên bản này.", "success")
    if used:
        flash(
            f"{used} phiếu chấm đã chấm theo phiên bản {rubric.version} vẫn giữ phiên bản cũ.", "info"
        )
    return redirect(url_for("judging.org_rubric", rubric_id=copy.id))


@bp.route("/judging/rubrics/<int:rubric_id>/delete", methods=["POST"])
@access(ORGANISER)
def org_rubric_delete(rubric_id: int):
    rubric = db.session.get(Rubric, rubric_id)
    if rubric is None:
        abort(404)
    edition = _edition_of(rubric)
    form = ConfirmForm(prefix="delete")
    if not form.validate_on_submit():
        flash("Biểu mẫu đã hết hạn, vui lòng thử lại.", "error")
        return redirect(url_for("judging.org_rubric", rubric_id=rubric.id))
    try:
        rubrics.delete_rubric(rubric, actor=current_user)
    except rubrics.RubricError as exc:
        _fail(str(exc))
        return redirect(url_for("judging.org_rubric", rubric_id=rubric_id))
    db.session.commit()
    flash("Đã xoá bảng tiêu chí.", "success")
    return redirect(url_for("judging.org_rubrics", slug=edition.slug))


# ----------------------------------------------------------------------------- panels


def _panel_form(edition: Edition, **kwargs) -> PanelForm:
    form = PanelForm(**kwargs)
    form.level_id.choices = _level_choices(edition)
    form.category_id.choices = _category_choices(edition, "Mọi lĩnh vực (các lĩnh vực chưa có tiểu ban riêng)")
    return form


@bp.route("/judging/e/<slug>/panels", methods=["GET", "POST"])
@access(ORGANISER)
def org_panels(slug: str):
    edition = edition_or_404(slug)
    form = _panel_form(edition)
    if request.method == "GET":
        level_id = request.args.get("level", type=int)
        if level_id:
            form.level_id.data = level_id
    if form.validate_on_submit():
        level = _level_or_404(edition, form.level_id.data)
        try:
            panel = panels.create_panel(
                edition,
                level,
                _category(edition, form.category_id.data),
                form.name.data,
                judges_per_entry=form.judges_per_entry.data,
                rule=form.rule.data,
                disagreement_threshold=form.disagreement_threshold.data,
                actor=current_user,
            )
        except panels.PanelError as exc:
            _fail(str(exc))
        else:
            db.session.commit()
            flash(f"Đã lập hội đồng “{panel.name}”. Hãy thêm giám khảo.", "success")
            return redirect(url_for("judging.org_panel", panel_id=panel.id))
    items = panels.panels_of(edition)
    counts: dict[int, int] = {}
    entries_count: dict[int, int] = {}
    if items:
        counts = dict(
            db.session.execute(
                select(Assignment.panel_id, func.count())
                .where(Assignment.panel_id.in_([p.id for p in items]))
                .group_by(Assignment.panel_id)
            ).all()
        )
        for level in edition.levels:
            if any(p.level_id == level.id for p in items):
                for pid, group in panels.entries_by_panel(edition, level).items():
                    entries_count[pid] = len(group)
    return render_template(
        "judging/organiser/panels.html",
        edition=edition,
        panels=items,
        form=form,
        counts=counts,
        entries_count=entries_count,
        rules=panels.RULES,
    )


def _member_forms(panel: Panel) -> dict[int, MemberEditForm]:
    inst, units = _institution_choices(), _unit_choices()
    forms = {}
    for m in panel.members:
        f = MemberEditForm(
            prefix=f"m{m.id}",
            formdata=None,
            data={
                "role": m.role,
                "institution_id": m.institution_id or 0,
                "area_unit_id": m.area_unit_id or 0,
                "max_load": m.max_load,
            },
        )
        f.institution_id.choices = inst
        f.area_unit_id.choices = units
        forms[m.id] = f
    return forms


def _render_panel(panel: Panel, *, settings=None, add=None, new=None, status: int = 200, member_form=None):
    edition = _edition_of(panel)
    inst, units = _institution_choices(), _unit_choices()
    if settings is None:
        settings = _panel_form(
            edition,
            formdata=None,
            data={
                "level_id": panel.level_id,
                "category_id": panel.category_id or 0,
                "name": panel.name,
                "judges_per_entry": panel.judges_per_entry,
                "rule": panel.rule,
                "disagreement_threshold": panel.disagreement_threshold,
            },
        )
    if add is None:
        add = MemberForm(prefix="add", formdata=None)
    member_ids = {m.user_id for m in panel.members}
    add.user_id.choices = [(0, "— Chọn giám khảo —")] + [
        (u.id, f"{u.full_name} ({u.username})") for u in panels.judge_candidates() if u.id not in member_ids
    ]
    add.institution_id.choices = inst
    add.area_unit_id.choices = units
    if new is None:
        new = NewJudgeForm(prefix="new", formdata=None)
    new.institution_id.choices = inst
    new.area_unit_id.choices = units
    forms = _member_forms(panel)
    if member_form is not None:
        forms[member_form[0]] = member_form[1]
        member_form[1].institution_id.choices = inst
        member_form[1].area_unit_id.choices = units
    loads = dict(
        db.session.execute(
            select(Assignment.judge_id, func.count()).where(Assignment.panel_id == panel.id).group_by(Assignment.judge_id)
        ).all()
    )
    level = db.session.get(Level, panel.level_id)
    n_entries = len(panels.entries_by_panel(edition, level).get(panel.id, []))
    return (
        render_template(
            "judging/organiser/panel.html",
            edition=edition,
            panel=panel,
            level=level,
            settings=settings,
            add=add,
            new=new,
            member_forms=forms,
            loads=loads,
            n_entries=n_entries,
            close_form=ConfirmForm(prefix="close"),
            reopen_form=PanelReopenForm(prefix="reopen", formdata=None),
            roles=PANEL_ROLES,
        ),
        status,
    )


@bp.route("/judging/panels/<int:panel_id>", methods=["GET", "POST"])
@access(ORGANISER)
def org_panel(panel_id: int):
    panel = _panel_or_404(panel_id)
    edition = _edition_of(panel)
    if request.method == "GET":
        return _render_panel(panel)
    form = _panel_form(edition)
    if form.validate_on_submit():
        try:
            panels.update_panel(
                panel,
                category=_category(edition, form.category_id.data),
                name=form.name.data,
                judges_per_entry=form.judges_per_entry.data,
                rule=form.rule.data,
                disagreement_threshold=form.disagreement_threshold.data,
                actor=current_user,
            )
        except panels.PanelError as exc:
            _fail(str(exc))
        else:
            db.session.commit()
            flash("Đã lưu hội đồng.", "success")
            return redirect(url_for("judging.org_panel", panel_id=panel.id))
    return _render_panel(panel, settings=form, status=422 if form.errors else 200)


def _member_choices(form) -> None:
    """The institution and area choices of a member form (add, new judge, edit)."""
    form.institution_id.choices = _institution_choices()
    form.area_unit_id.choices = _unit_choices()


def _member_fields(form) -> dict:
    """What a member form says about a panel member, as keyword arguments of the service."""
    return {
        "role": form.role.data,
        "institution_id": _optional_id(form.institution_id.data),
        "area_unit_id": _optional_id(form.area_unit_id.data),
        "max_load": form.max_load.data,
    }


def _optional_id(value: int) -> int | None:
    return value or None


@bp.route("/judging/panels/<int:panel_id>/members", methods=["POST"])
@access(ORGANISER)
def org_member_add(panel_id: int):
    panel = _panel_or_404(panel_id)
    form = MemberForm(prefix="add")
    member_ids = {m.user_id for m in panel.members}
    form.user_id.choices = [(0, "")] + [(u.id, u.full_name) for u in panels.judge_candidates() if u.id not in member_ids]
    _member_choices(form)
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        try:
            panels.add_member(
                panel,
                user,
                actor=current_user,
                **_member_fields(form),
            )
        except panels.PanelError as exc:
            _fail(str(exc))
        else:
            db.session.commit()
            flash(f"Đã thêm {user.full_name} vào hội đồng.", "success")
            return redirect(url_for("judging.org_panel", panel_id=panel.id) + "#members")
    return _render_panel(panel, add=form, status=422)


@bp.route("/judging/panels/<int:panel_id>/judges/new", methods=["POST"])
@access(ORGANISER)
def org_judge_new(panel_id: int):
    panel = _panel_or_404(panel_id)
    edition = _edition_of(panel)
    form = NewJudgeForm(prefix="new")
    _member_choices(form)
    if form.validate_on_submit():
        try:
            user = panels.create_judge_account(
                form.full_name.data, form.username.data, form.password.data, edition, actor=current_user
            )
            panels.add_member(
                panel,
                user,
                actor=current_user,
                **_member_fields(form),
            )
        except panels.PanelError as exc:
            db.session.rollback()
            message = str(exc)
            if "đăng nhập" in message:
                form.username.errors = [*form.username.errors, message]
            elif "Mật khẩu" in message:
                form.password.errors = [*form.password.errors, message]
            else:
                flash(message, "error")
        else:
            db.session.commit()
            flash(f"Đã tạo tài khoản giám khảo “{user.username}” và thêm vào hội đồng.", "success")
            return redirect(url_for("judging.org_panel", panel_id=panel.id) + "#members")
    return _render_panel(panel, new=form, status=422)


def _member_or_404(panel: Panel, member_id: int) -> PanelMember:
    member = db.session.get(PanelMember, member_id)
    if member is None or member.panel_id != panel.id:
        abort(404)
    return member


@bp.route("/judging/panels/<int:panel_id>/members/<int:member_id>", methods=["POST"])
@access(ORGANISER)
def org_member_update(panel_id: int, member_id: int):
    panel = _panel_or_404(panel_id)
    member = _member_or_404(panel, member_id)
    form = MemberEditForm(prefix=f"m{member.id}")
    _member_choices(form)
    if form.validate_on_submit():
        try:
            panels.update_member(
                member,
                actor=current_user,
                **_member_fields(form),
            )
        except panels.PanelError as exc:
            _fail(str(exc))
        else:
            db.session.commit()
            flash(f"Đã lưu thông tin của {member.user.full_name}.", "success")
            return redirect(url_for("judging.org_panel", panel_id=panel.id) + "#members")
    return _render_panel(panel, member_form=(member.id, form), status=422)


@bp.route("/judging/panels/<int:panel_id>/members/<int:member_id>/remove", methods=["POST"])
@access(ORGANISER)
def org_member_remove(panel_id: int, member_id: int):
    panel = _panel_or_404(panel_id)
    member = _member_or_404(panel, member_id)
    form = ConfirmForm(prefix="remove")
    if not form.validate_on_submit():
        flash("Biểu mẫu đã hết hạn, vui lòng thử lại.", "error")
        return redirect(url_for("judging.org_panel", panel_id=panel.id))
    name = member.user.full_name
    try:
        removed = panels.remove_member(member, actor=current_user)
    except panels.PanelError as exc:
        _fail(str(exc))
    else:
        db.session.commit()
        extra = f" và {removed} phân công chưa chấm của giám khảo này" if removed else ""
        flash(f"Đã bớt {name} khỏi hội đồng{extra}.", "success")
    return redirect(url_for("judging.org_panel", panel_id=panel.id) + "#members")


@bp.route("/judging/panels/<int:panel_id>/close", methods=["POST"])
@access(ORGANISER)
def org_panel_close(panel_id: int):
    panel = _panel_or_404(panel_id)
    form = ConfirmForm(prefix="close")
    if form.validate_on_submit():
        try:
            panels.close_panel(panel, actor=current_user)
        except panels.PanelError as exc:
            _fail(str(exc))
        else:
            db.session.commit()
            flash(f"Đã đóng hội đồng “{panel.name}”: không chấm thêm được nữa.", "success")
    else:
        flash("Biểu mẫu đã hết hạn, vui lòng thử lại.", "error")
    return redirect(request.form.get("next_url") if _safe_next() else url_for("judging.org_panel_results", panel_id=panel.id))


@bp.route("/judging/panels/<int:panel_id>/reopen", methods=["POST"])
@access(ORGANISER)
def org_panel_reopen(panel_id: int):
    panel = _panel_or_404(panel_id)
    form = PanelReopenForm(prefix="reopen")
    if form.validate_on_submit():
        try:
            panels.reopen_panel(panel, actor=current_user, reason=form.reason.data)
        except panels.PanelError as exc:
            _fail(str(exc))
        else:
            db.session.commit()
            flash(f"Đã mở lại hội đồng “{panel.name}”.", "success")
    else:
        flash(" ".join(e for errs in form.errors.values() for e in errs) or "Cần ghi lý do mở lại.", "error")
    return redirect(url_for("judging.org_panel", panel_id=panel.id))


def _safe_next() -> bool:
    target = request.form.get("next_url", "")
    return target.startswith("/judging/") and "//" not in target


# ----------------------------------------------------------------------------- conflicts


def _judge_choices(edition: Edition) -> list[tuple[int, str]]:
    users: dict[int, User] = {}
    for p in panels.panels_of(edition):
        for m in p.members:
            users[m.user_id] = m.user
    labels = panels.judge_labels(users.values())
    return [(0, "— Chọn giám khảo —")] + sorted(((uid, label) for uid, label in labels.items()), key=lambda x: x[1])


@bp.route("/judging/e/<slug>/conflicts", methods=["GET", "POST"])
@access(ORGANISER)
def org_conflicts(slug: str):
    edition = edition_or_404(slug)
    form = ConflictForm()
    form.user_id.choices = _judge_choices(edition)
    status = 200
    if form.validate_on_submit():
        entry = _entry_by_code(edition, form.entry_code.data)
        if entry is None:
            form.entry_code.errors.append("Không có bài nào mang mã này trong kỳ thi.")
            status = 422
        else:
            user = db.session.get(User, form.user_id.data)
            try:
                _, removed = panels.declare_conflict(user, entry, form.reason.data, actor=current_user)
            except panels.PanelError as exc:
                _fail(str(exc))
                status = 422
            else:
                db.session.commit()
                flash(f"Đã khai báo xung đột lợi ích giữa {user.full_name} và bài {entry.code}.", "success")
                if removed:
                    flash(f"Đã bỏ {removed} phân công chưa chấm của cặp này.", "info")
                return redirect(url_for("judging.org_conflicts", slug=edition.slug))
    elif request.method == "POST":
        status = 422
    items = db.session.scalars(
        select(ConflictDeclaration)
        .join(Entry, Entry.id == ConflictDeclaration.entry_id)
        .where(Entry.edition_id == edition.id)
        .order_by(ConflictDeclaration.id.desc())
    ).all()
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({c.user_id for c in items} or {-1})))}
    entries = {e.id: e for e in db.session.scalars(select(Entry).where(Entry.id.in_({c.entry_id for c in items} or {-1})))}
    return (
        render_template(
            "judging/organiser/conflicts.html",
            edition=edition,
            form=form,
            conflicts=items,
            users=users,
            entries=entries,
            delete_form=ConfirmForm(prefix="delete"),
        ),
        status,
    )


@bp.route("/judging/conflicts/<int:conflict_id>/delete", methods=["POST"])
@access(ORGANISER)
def org_conflict_delete(conflict_id: int):
    conflict = db.session.get(ConflictDeclaration, conflict_id)
    if conflict is None:
        abort(404)
    entry = db.session.get(Entry, conflict.entry_id)
    edition = db.session.get(Edition, entry.edition_id)
    form = ConfirmForm(prefix="delete")
    if form.validate_on_submit():
        panels.remove_conflict(conflict, actor=current_user)
        db.session.commit()
        flash("Đã bỏ khai báo xung đột lợi ích.", "success")
    else:
        flash("Biểu mẫu đã hết hạn, vui lòng thử lại.", "error")
    return redirect(url_for("judging.org_conflicts", slug=edition.slug))


# ----------------------------------------------------------------------------- assignment


def _render_assignment(edition: Edition, level: Level, *, run_form=None, add_form=None, report=None, status=200):
    level_panels = panels.panels_of(edition, level)
    selected_id = request.args.get("panel", type=int) or (request.form.get("panel_id", type=int) if request.method == "POST" else None)
    selected = next((p for p in level_panels if p.id == selected_id), level_panels[0] if level_panels else None)
    run_form = run_form or AssignRunForm(formdata=None)
    add_form = add_form or AssignmentAddForm(formdata=None)
    rows = []
    members: list[PanelMember] = []
    scored: set[int] = set()
    if selected is not None:
        by_panel = panels.entries_by_panel(edition, level)
        entries = by_panel.get(selected.id, [])
        assignments = db.session.scalars(
            select(Assignment)
            .where(Assignment.panel_id == selected.id)
            .options(selectinload(Assignment.judge), selectinload(Assignment.sheet))
        ).all()
        scored = panels.scored_assignment_ids([a.id for a in assignments])
        by_entry: dict[int, list[Assignment]] = {}
        for a in assignments:
            by_entry.setdefault(a.entry_id, []).append(a)
        known = {e.id for e in entries}
        extra_ids = [eid for eid in by_entry if eid not in known]
        extra = list(db.session.scalars(select(Entry).where(Entry.id.in_(extra_ids)))) if extra_ids else []
        for e in entries + extra:
            judges = sorted(by_entry.get(e.id, []), key=lambda a: (a.is_link, a.judge.full_name))
            own = sum(1 for a in judges if not a.is_link)
            rows.append({"entry": e, "assignments": judges, "short": own < selected.judges_per_entry, "extra": e.id in extra_ids})
        members = [m for m in selected.members if m.role in panels.SCORING_ROLES]
        add_form.user_id.choices = _judge_choices(edition)
    loads: dict[int, int] = {}
    if selected is not None:
        loads = dict(
            db.session.execute(
                select(Assignment.judge_id, func.count()).where(Assignment.panel_id == selected.id).group_by(Assignment.judge_id)
            ).all()
        )
    return (
        render_template(
            "judging/organiser/assignment.html",
            edition=edition,
            level=level,
            panels=level_panels,
            selected=selected,
            rows=rows,
            members=members,
            loads=loads,
            scored=scored,
            run_form=run_form,
            add_form=add_form,
            report=report,
            problems=panels.current_problems(edition, level),
            unjudged=panels.unjudged_entries(edition, level) if level_panels else [],
        ),
        status,
    )


@bp.route("/judging/e/<slug>/levels/<int:level_id>/assignment", methods=["GET", "POST"])
@access(ORGANISER)
def org_assignment(slug: str, level_id: int):
    edition = edition_or_404(slug)
    level = _level_or_404(edition, level_id)
    if request.method == "GET":
        return _render_assignment(edition, level)
    form = AssignRunForm()
    if not form.validate_on_submit():
        return _render_assignment(edition, level, run_form=form, status=422)
    try:
        report = panels.run_assignment(edition, level, links=form.links.data, seed=form.seed.data, actor=current_user)
    except panels.PanelError as exc:
        _fail(str(exc))
        return _render_assignment(edition, level, run_form=form, status=422)
    db.session.commit()
    flash(
        f"Đã phân công: {report.entries} bài; thêm {report.added}, bỏ {report.removed} phân công; "
        f"giữ nguyên {report.kept_scored} phân công đã có điểm; {report.links} lượt chấm nối giữa các tiểu ban.",
        "success",
    )
    if report.infeasible:
        flash(f"{len(report.infeasible)} bài chưa đủ giám khảo; xem lý do bên dưới.", "error")
    return _render_assignment(edition, level, run_form=form, report=report)


@bp.route("/judging/panels/<int:panel_id>/assignments", methods=["POST"])
@access(ORGANISER)
def org_assignment_add(panel_id: int):
    panel = _panel_or_404(panel_id)
    edition = _edition_of(panel)
    level = db.session.get(Level, panel.level_id)
    form = AssignmentAddForm()
    form.user_id.choices = _judge_choices(edition)
    if form.validate_on_submit():
        entry = _entry_by_code(edition, form.entry_code.data)
        if entry is None:
            form.entry_code.errors.append("Không có bài nào mang mã này trong kỳ thi.")
        else:
            user = db.session.get(User, form.user_id.data)
            try:
                panels.add_assignment(panel, entry, user, actor=current_user, reason=form.reason.data)
            except panels.PanelError as exc:
                _fail(str(exc))
            else:
                db.session.commit()
                flash(f"Đã phân {user.full_name} chấm bài {entry.code}.", "success")
                return redirect(url_for("judging.org_assignment", slug=edition.slug, level_id=level.id, panel=panel.id))
    return _render_assignment(edition, level, add_form=form, status=422)


@bp.route("/judging/assignments/<int:assignment_id>/remove", methods=["GET", "POST"])
@access(ORGANISER)
def org_assignment_remove(assignment_id: int):
    a = db.session.get(Assignment, assignment_id)
    if a is None:
        abort(404)
    panel = a.panel
    edition = _edition_of(panel)
    has_scores = bool(panels.scored_assignment_ids([a.id]))
    form = AssignmentRemoveForm()
    back = url_for("judging.org_assignment", slug=edition.slug, level_id=panel.level_id, panel=panel.id)
    status = 200
    if form.validate_on_submit():
        entry_code, name = a.entry.code, a.judge.full_name
        try:
            panels.remove_assignment(a, actor=current_user, reason=form.reason.data)
        except panels.PanelError as exc:
            db.session.rollback()
            form.reason.errors.append(str(exc))
            status = 422
        else:
            db.session.commit()
            flash(f"Đã bỏ phân công {name} chấm bài {entry_code}.", "success")
            return redirect(back)
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "judging/organiser/assignment_remove.html",
            edition=edition,
            panel=panel,
            assignment=a,
            has_scores=has_scores,
            form=form,
            back=back,
        ),
        status,
    )


# ----------------------------------------------------------------------------- results


def _render_results(report: analysis.Report, *, panel: Panel | None, write_form=None, status: int = 200):
    is_organiser = current_user.has_role(ORGANISER)
    return (
        render_template(
            "judging/organiser/results.html",
            report=report,
            edition=report.edition,
            level=report.level,
            panel=panel,
            is_organiser=is_organiser,
            close_form=ConfirmForm(prefix="close"),
            write_form=write_form or WriteResultsForm(formdata=None),
            rules=panels.RULES,
        ),
        status,
    )


@bp.route("/judging/panels/<int:panel_id>/results")
@access(ORGANISER, JUDGE)
def org_panel_results(panel_id: int):
    panel = _panel_or_404(panel_id)
    if not analysis.can_view_results(current_user, panel):
        abort(403)
    return _render_results(analysis.analyse_panel(panel), panel=panel)


@bp.route("/judging/e/<slug>/levels/<int:level_id>/results")
@access(ORGANISER)
def org_level_results(slug: str, level_id: int):
    edition = edition_or_404(slug)
    level = _level_or_404(edition, level_id)
    return _render_results(analysis.analyse_level(edition, level), panel=None)


@bp.route("/judging/e/<slug>/levels/<int:level_id>/results/write", methods=["POST"])
@access(ORGANISER)
def org_results_write(slug: str, level_id: int):
    edition = edition_or_404(slug)
    level = _level_or_404(edition, level_id)
    form = WriteResultsForm()
    if not form.validate_on_submit():
        return _render_results(analysis.analyse_level(edition, level), panel=None, write_form=form, status=422)
    try:
        written, missing = analysis.write_results(edition, level, actor=current_user)
    except panels.PanelError as exc:
        _fail(str(exc))
        return redirect(url_for("judging.org_level_results", slug=edition.slug, level_id=level.id))
    db.session.commit()
    flash(f"Đã ghi điểm và thứ hạng chính thức của {written} bài vào {level.name}.", "success")
    if missing:
        flash(f"{missing} bài chưa có phiếu chấm đã nộp nên chưa có điểm.", "info")
    return redirect(url_for("judging.org_level_results", slug=edition.slug, level_id=level.id))


# ----------------------------------------------------------------------------- paper sheets


def _paper_assignments(panel: Panel, user_id: int) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .join(Entry, Entry.id == Assignment.entry_id)
            .where(Assignment.panel_id == panel.id, Assignment.judge_id == user_id)
            .options(
                selectinload(Assignment.entry).selectinload(Entry.institution),
                selectinload(Assignment.entry).selectinload(Entry.category),
                selectinload(Assignment.sheet).selectinload(ScoreSheet.items),
            )
            .order_by(Entry.code)
        )
    )


def _rubric_of(a: Assignment, level: Level) -> Rubric | None:
    if a.sheet is not None:
        return a.sheet.rubric
    return rubrics.rubric_for(a.entry, level)


def _panel_judges(panel: Panel) -> list[tuple[User, str, int]]:
    """(user, role label, number of assignments) of everyone who scores in the panel."""
    counts = dict(
        db.session.execute(
            select(Assignment.judge_id, func.count()).where(Assignment.panel_id == panel.id).group_by(Assignment.judge_id)
        ).all()
    )
    role_of = {m.user_id: m.role for m in panel.members}
    users = {m.user_id: m.user for m in panel.members if m.role != "secretary"}
    for u in db.session.scalars(select(User).where(User.id.in_(list(counts) or [-1]))):
        users.setdefault(u.id, u)
    labels = {"member": "Giám khảo", "chair": "Chủ tịch hội đồng"}
    out = [(u, labels.get(role_of.get(uid), "Giám khảo nối tiểu ban"), counts.get(uid, 0)) for uid, u in users.items()]
    return sorted(out, key=lambda x: x[0].full_name)


@bp.route("/judging/panels/<int:panel_id>/paper")
@access(ORGANISER, JUDGE)
def org_paper_index(panel_id: int):
    panel = _panel_or_404(panel_id)
    if not (current_user.has_role(ORGANISER) or _is_chair_or_secretary(current_user, panel)):
        abort(403)
    return render_template(
        "judging/organiser/paper_index.html",
        edition=_edition_of(panel),
        panel=panel,
        judges=_panel_judges(panel),
        may_enter=scoring.may_enter_paper(current_user, panel),
        layouts=paper.LAYOUTS,
    )


@bp.route("/judging/panels/<int:panel_id>/paper/<int:user_id>.pdf")
@access(ORGANISER, JUDGE)
def org_paper_pdf(panel_id: int, user_id: int):
    panel = _panel_or_404(panel_id)
    if not (
        current_user.has_role(ORGANISER) or current_user.id == user_id or _is_chair_or_secretary(current_user, panel)
    ):
        abort(403)
    judge = db.session.get(User, user_id)
    if judge is None:
        abort(404)
    layout = request.args.get("layout", "page")
    if layout not in paper.LAYOUTS:
        layout = "page"
    edition = _edition_of(panel)
    level = db.session.get(Level, panel.level_id)
    entries = []
    missing = []
    for a in _paper_assignments(panel, user_id):
        rubric = _rubric_of(a, level)
        if rubric is None:
            missing.append(a.entry.code)
            continue
        entries.append(
            paper.PaperEntry(
                code=a.entry.code,
                title=a.entry.title,
                institution="" if edition.blind_judging else a.entry.institution.name,
                category=a.entry.category.name if a.entry.category else "",
                rubric_label=f"{rubric.name} (phiên bản {rubric.version})",
                criteria=tuple(
                    paper.PaperCriterion(c.name, c.max_points, c.step, c.description or "", tuple(c.bands or ()))
                    for c in rubric.criteria
                ),
            )
        )
    if missing:
        flash(
            "Chưa có bảng tiêu chí cho các bài: " + ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            + ". Hãy tạo bảng tiêu chí trước khi in phiếu.",
            "error",
        )
        return redirect(url_for("judging.org_rubrics", slug=edition.slug))
    sheet = paper.sheet_from_rows(
        edition_name=edition.name,
        level_name=level.name,
        panel_name=panel.name,
        judge_name=judge.full_name,
        entries=entries,
        province=edition.province_name or "Bắc Ninh",
    )
    data = paper.render_sheets(sheet, layout)
    filename = safe_filename(f"phieu-cham-{judge.username}-{panel.name}", default="phieu-cham") + ".pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.route("/judging/panels/<int:panel_id>/paper/<int:user_id>", methods=["GET", "POST"])
@access(ORGANISER, JUDGE)
def org_paper(panel_id: int, user_id: int):
    panel = _panel_or_404(panel_id)
    if not scoring.may_enter_paper(current_user, panel):
        abort(403)
    judge = db.session.get(User, user_id)
    if judge is None:
        abort(404)
    edition = _edition_of(panel)
    level = db.session.get(Level, panel.level_id)
    assignments = _paper_assignments(panel, user_id)
    criteria_of: dict[int, list] = {}
    values: dict[tuple[int, int], Decimal] = {}
    for a in assignments:
        rubric = _rubric_of(a, level)
        criteria_of[a.id] = list(rubric.criteria) if rubric is not None else []
        if a.sheet is not None:
            for item in a.sheet.items:
                values[(a.id, item.criterion_id)] = item.points
    form = paper_form(assignments, criteria_of, values)
    status = 200
    fix_reason = normalize_text(request.form.get("fix_reason", "")) if request.method == "POST" else ""
    if request.method == "POST":
        valid = form.validate_on_submit()
        changes = []
        for a in assignments:
            for c in criteria_of[a.id]:
                field = form[f"p{a.id}_{c.id}"]
                if field.data is None:
                    continue
                try:
                    value = scoring.check_points(field.data, max_points=c.max_points, step=c.step, name=c.name)
                except scoring.ScoringError as exc:
                    field.errors = [*field.errors, exc.message]
                    continue
                if values.get((a.id, c.id)) != value:
                    changes.append((a, c, value))
        submitted_changed = sorted({a.entry.code for a, _, _ in changes if a.sheet is not None and a.sheet.status == "submitted"})
        if submitted_changed and not fix_reason:
            flash(
                "Phiếu của bài " + ", ".join(submitted_changed) + " đã nộp: cần ghi lý do sửa điểm ở ô “Lý do sửa phiếu đã nộp”.",
                "error",
            )
            status = 422
        elif not valid or any(f.errors for f in form):
            status = 422
        else:
            nonce = normalize_text(form.nonce.data) or new_nonce()
            reason = PAPER_REASON + (f": {fix_reason}" if fix_reason else "")

            def action():
                for a, c, value in changes:
                    scoring.record_score(
                        a, c.id, value, user=current_user, idempotency_key=f"{nonce}-p{a.id}-{c.id}",
                        device=PAPER_DEVICE, reason=reason, source="paper",
                    )
                sent = 0
                if form.submit_sheets.data:
                    for a in assignments:
                        sheet = a.sheet
                        if sheet is None or sheet.status == "submitted":
                            continue
                        if {i.criterion_id for i in sheet.items} >= {c.id for c in criteria_of[a.id]}:
                            scoring.submit_sheet(
                                a, current_user, idempotency_key=f"{nonce}-s{a.id}", device=PAPER_DEVICE,
                                source="paper", reason=PAPER_REASON,
                            )
                            sent += 1
                return sent

            try:
                sent = scoring.commit_with_retry(action)
            except scoring.ScoringError as exc:
                flash(exc.message, "error")
                status = 422
            else:
                flash(f"Đã lưu {len(changes)} điểm từ phiếu giấy; đã nộp {sent} phiếu.", "success")
                return redirect(url_for("judging.org_paper", panel_id=panel.id, user_id=user_id))
    form.nonce.data = new_nonce()
    return (
        render_template(
            "judging/organiser/paper_entry.html",
            edition=edition,
            panel=panel,
            judge=judge,
            assignments=assignments,
            criteria_of=criteria_of,
            form=form,
            fix_reason=fix_reason,
            format_decimal=format_decimal,
        ),
        status,
    )
