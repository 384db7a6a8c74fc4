"""Organiser administration: accounts and roles, units, institutions, contests, editions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from contest.admin import services
from contest.admin.forms import (
    RULE_FIELDS,
    ContestForm,
    EditionForm,
    GrantForm,
    InstitutionForm,
    ResetPasswordForm,
    UserEditForm,
    UserForm,
)
from contest.auth.access import access
from contest.auth.services import AccountError, create_user, grant_role, revoke_grant
from contest.extensions import db
from contest.models import (
    INSTITUTION_KINDS,
    ORGANISER,
    AdminUnit,
    AuditLog,
    Contest,
    Edition,
    Institution,
    RoleGrant,
    User,
)
from contest.text import normalize_text

bp = Blueprint("admin", __name__)
PAGE_SIZE = 50
_T = TypeVar("_T")


def _unit_choices(blank: str | None = "— Không —") -> list[tuple[int, str]]:
    units = db.session.scalars(
        select(AdminUnit).where(AdminUnit.kind != "province").order_by(AdminUnit.valid_to.is_not(None), AdminUnit.kind, AdminUnit.name)
    ).all()
    choices = [(0, blank)] if blank else []
    for u in units:
        label = u.name if u.valid_to is None else f"{u.name} (đến {u.valid_to:%d/%m/%Y})"
        choices.append((u.id, label))
    return choices


def _institution_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(Institution.id, Institution.name).order_by(Institution.name)).all()
    return [(0, "— Không —")] + [(i, n) for i, n in rows]


def _edition_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(select(Edition).order_by(Edition.year_start.desc())).all()
    return [(0, "— Mọi kỳ thi —")] + [(e.id, e.name) for e in rows]


def _grant_choices(form) -> None:
    form.unit_id.choices = _unit_choices()
    form.institution_id.choices = _institution_choices()
    form.edition_id.choices = _edition_choices()


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _apply_errors(form, exc: services.ValidationError) -> None:
    for field, messages in exc.messages.items():
        target = getattr(form, field, None)
        if target is not None and hasattr(target, "errors"):
            if isinstance(target.errors, tuple):
                target.errors = list(target.errors)
            target.errors.extend(messages)
        else:
            for message in messages:
                flash(message, "error")


def _edited(model, object_id: int | None):
    """The row an edit page works on (404 when there is none), or None on a "new" page."""
    if object_id is None:
        return None
    return db.session.get(model, object_id) or abort(404)


def _save(form, save: Callable[[], _T], success: str) -> _T | None:
    """Run ``save()`` and commit, flashing ``success``, and return what it saved; on a
    ``services.ValidationError`` roll back, show its messages on ``form`` and return None."""
    try:
        saved = save()
    except services.ValidationError as exc:
        db.session.rollback()
        _apply_errors(form, exc)
        return None
    db.session.commit()
    flash(success, "success")
    return saved


def _grant_from(form, user: User) -> None:
    """Grant ``user`` the role chosen in ``form`` (a UserForm or a GrantForm)."""
    grant_role(
        user,
        form.role.data,
        unit_id=form.unit_id.data or None,
        institution_id=form.institution_id.data or None,
        edition_id=form.edition_id.data or None,
        actor=current_user,
    )


# ----- accounts -----------------------------------------------------------------

@bp.route("/users")
@access(ORGANISER)
def users():
    q = normalize_text(request.args.get("q"))
    role = request.args.get("role") or ""
    stmt = select(User).options(selectinload(User.grants)).order_by(User.username)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(User.username).like(like), func.lower(User.full_name).like(like)))
    if role:
        stmt = stmt.where(User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == role)))
    page = db.paginate(stmt, page=_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", page=page, q=q, role=role)


@bp.route("/users/new", methods=["GET", "POST"])
@access(ORGANISER)
def user_new():
    form = UserForm()
    _grant_choices(form)
    if form.validate_on_submit():
        try:
            user = create_user(
                form.username.data,
                form.full_name.data,
                form.password.data,
                email=form.email.data,
                phone=form.phone.data,
                actor=current_user,
            )
            _grant_from(form, user)
        except AccountError as exc:
            db.session.rollback()
            form.username.errors.append(str(exc)) if "đăng nhập" in str(exc) else form.role.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Đã tạo tài khoản {user.username}.", "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@access(ORGANISER)
def user_edit(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserEditForm(obj=user, prefix="u")
    grant_form = GrantForm(prefix="g")
    _grant_choices(grant_form)
    reset_form = ResetPasswordForm(prefix="p")
    action = request.form.get("action")
    if request.method == "POST" and action == "profile" and form.validate():
        if user.id == current_user.id and not form.active.data:
            form.active.errors = ["Không thể tự khóa tài khoản của chính mình."]
        else:
            from contest import audit

            values = {
                "full_name": normalize_text(form.full_name.data),
                "email": normalize_text(form.email.data) or None,
                "phone": normalize_text(form.phone.data) or None,
                "active": form.active.data,
            }
            old, new = audit.changes(user, list(values), values)
            audit.record("user.update", "user", user.id, user=current_user, old=old, new=new)
            db.session.commit()
            flash("Đã lưu thông tin tài khoản.", "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    elif request.method == "POST" and action == "grant" and grant_form.validate():
        try:
            _grant_from(grant_form, user)
        except AccountError as exc:
            db.session.rollback()
            grant_form.role.errors = [str(exc)]
        else:
            db.session.commit()
            flash("Đã thêm vai trò.", "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    elif request.method == "POST" and action == "password" and reset_form.validate():
        from contest import audit

        user.set_password(reset_form.password.data)
        audit.record("user.password_reset", "user", user.id, user=current_user)
        db.session.commit()
        flash("Đã đặt lại mật khẩu. Các phiên đăng nhập cũ của tài khoản này bị đăng xuất.", "success")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_edit.html", user=user, form=form, grant_form=grant_form, reset_form=reset_form)


@bp.route("/users/<int:user_id>/grants/<int:grant_id>/revoke", methods=["POST"])
@access(ORGANISER)
def grant_revoke(user_id: int, grant_id: int):
    user = db.session.get(User, user_id) or abort(404)
    try:
        revoke_grant(user, grant_id, actor=current_user)
    except AccountError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("Đã thu hồi vai trò.", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


# ----- units and institutions ---------------------------------------------------

@bp.route("/units")
@access(ORGANISER)
def units():
    all_units = db.session.scalars(
        select(AdminUnit).options(selectinload(AdminUnit.members)).order_by(AdminUnit.name)
    ).all()
    counts = dict(db.session.execute(select(Institution.unit_id, func.count()).group_by(Institution.unit_id)).all())
    provinces = [u for u in all_units if u.kind == "province"]
    current = [u for u in all_units if u.kind in ("ward", "commune") and u.valid_to is None]
    former = [u for u in all_units if u.kind in ("city", "town", "district")]
    clusters = [u for u in all_units if u.kind == "cluster"]
    return render_template(
        "admin/units.html", provinces=provinces, current=current, former=former, clusters=clusters, counts=counts
    )


@bp.route("/institutions")
@access(ORGANISER)
def institutions():
    q = normalize_text(request.args.get("q"))
    kind = request.args.get("kind") or ""
    unit_id = request.args.get("unit", 0, type=int)
    stmt = select(Institution).options(selectinload(Institution.unit)).order_by(Institution.name)
    if q:
        stmt = stmt.where(func.lower(Institution.name).like(f"%{q.lower()}%"))
    if kind in INSTITUTION_KINDS:
        stmt = stmt.where(Institution.kind == kind)
    if unit_id:
        stmt = stmt.where(Institution.unit_id == unit_id)
    page = db.paginate(stmt, page=_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "admin/institutions.html",
        page=page,
        q=q,
        kind=kind,
        unit_id=unit_id,
        unit_choices=_unit_choices("— Mọi địa bàn —"),
        kinds=INSTITUTION_KINDS,
    )


@bp.route("/institutions/new", methods=["GET", "POST"])
@bp.route("/institutions/<int:institution_id>", methods=["GET", "POST"])
@access(ORGANISER)
def institution_edit(institution_id: int | None = None):
    institution = _edited(Institution, institution_id)
    form = InstitutionForm(obj=institution)
    form.unit_id.choices = _unit_choices(blank=None)
    if form.validate_on_submit():
        saved = _save(form, lambda: services.save_institution(institution, form.data, actor=current_user),
                      "Đã lưu đơn vị.")
        if saved is not None:
            return redirect(url_for("admin.institution_edit", institution_id=saved.id))
    return render_template("admin/institution_edit.html", form=form, institution=institution)


# ----- contests and editions ----------------------------------------------------

@bp.route("/editions")
@access(ORGANISER)
def editions():
    contests = db.session.scalars(
        select(Contest).options(selectinload(Contest.editions)).order_by(Contest.position, Contest.id)
    ).all()
    return render_template("admin/editions.html", contests=contests)


@bp.route("/contests/new", methods=["GET", "POST"])
@bp.route("/contests/<int:contest_id>", methods=["GET", "POST"])
@access(ORGANISER)
def contest_edit(contest_id: int | None = None):
    contest = _edited(Contest, contest_id)
    form = ContestForm(obj=contest)
    if form.validate_on_submit():
        saved = _save(form, lambda: services.save_contest(contest, form.data, actor=current_user),
                      "Đã lưu cuộc thi.")
        if saved is not None:
            return redirect(url_for("admin.editions"))
    return render_template("admin/contest_edit.html", form=form, contest=contest)


@bp.route("/editions/new", methods=["GET", "POST"])
@bp.route("/editions/<int:edition_id>", methods=["GET", "POST"])
@access(ORGANISER)
def edition_edit(edition_id: int | None = None):
    edition = _edited(Edition, edition_id)
    form = EditionForm(obj=edition)
    form.contest_id.choices = [
        (c.id, c.name) for c in db.session.scalars(select(Contest).order_by(Contest.position)).all()
    ]
    if request.method == "GET":
        from registration.services import rules_for

        if edition is not None:
            rules = rules_for(edition)
            for name in RULE_FIELDS:
                getattr(form, f"rule_{name}").data = getattr(rules, name)
        if edition is not None:
            form.levels_text.data = services.levels_text(edition)
            form.categories_text.data = services.items_text(edition.categories)
            form.divisions_text.data = services.divisions_text(edition)
        else:
            form.contest_id.data = request.args.get("contest", type=int)
    if form.validate_on_submit():

        def save() -> Edition:
            levels = services.parse_levels(form.levels_text.data)
            categories = services.parse_items(form.categories_text.data)
            divisions = services.parse_divisions(form.divisions_text.data)
            rules = {name: getattr(form, f"rule_{name}").data for name in RULE_FIELDS}
            # Blank keeps the contest default, except "entries per person" where blank means no limit.
            rules = {k: v for k, v in rules.items() if v is not None or (k == "max_entries_per_person" and edition)}
            return services.save_edition(
                edition, form.data, levels=levels, categories=categories, divisions=divisions,
                registration_rules=rules, actor=current_user,
            )

        saved = _save(form, save, "Đã lưu kỳ thi.")
        if saved is not None:
            return redirect(url_for("admin.edition_edit", edition_id=saved.id))
    return render_template("admin/edition_edit.html", form=form, edition=edition)


@bp.route("/audit")
@access(ORGANISER)
def audit_log():
    stmt = select(AuditLog).options(selectinload(AuditLog.user)).order_by(AuditLog.id.desc())
    action = request.args.get("action") or ""
    if action:
        stmt = stmt.where(AuditLog.action.like(f"{action}%"))
    page = db.paginate(stmt, page=_page(), per_page=100, error_out=False)
    return render_template("admin/audit.html", page=page, action=action)
