"""Entries: a school registers and edits its own; area organisers and the province
review, accept or return them and nominate them to the next level."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import FieldList, FormField

from contest.auth.access import access
from contest.extensions import db
from contest.models import (
    AREA_ORGANISER,
    ENTRY_STATUSES,
    INSTITUTION,
    ORGANISER,
    AdminUnit,
    AuditLog,
    Entry,
    EntryPerson,
    Institution,
)
from contest.text import normalize_text
from registration import access as acl
from registration import bp, services
from registration.eligibility import editable_by_institution
from registration.forms import EntryForm, MentorForm, PersonForm, ReasonForm, ReviewFilterForm

PAGE_SIZE = 50
TITLE_LABELS = {
    "youth_creativity": "Tên sản phẩm, mô hình",
    "technical_innovation": "Tên giải pháp",
    "robocon": "Tên đội",
    "st_award": "Tên công trình",
}
PEOPLE_LABELS = {
    "youth_creativity": "Tác giả",
    "technical_innovation": "Tác giả, đồng tác giả",
    "robocon": "Thành viên đội",
    "st_award": "Tác giả",
}


def _kind(edition) -> str:
    return edition.contest.kind


def _person_role(edition) -> str:
    return "member" if _kind(edition) == "robocon" else "author"


def _form_class(n_people: int, n_mentors: int):
    class _EntryForm(EntryForm):
        pass

    _EntryForm.people = FieldList(FormField(PersonForm), min_entries=n_people, max_entries=n_people)
    _EntryForm.mentors = FieldList(FormField(MentorForm), min_entries=n_mentors, max_entries=n_mentors)
    return _EntryForm


def _entry_form(edition, entry=None):
    rules = services.rules_for(edition)
    cls = _form_class(rules.max_authors, rules.max_mentors)
    data = None
    if entry is not None and request.method == "GET":
        data = {
            "version": str(entry.version),
            "institution_id": entry.institution_id,
            "title": entry.title,
            "category_id": entry.category_id or 0,
            "division_id": entry.division_id or 0,
            "description": entry.description,
            "summary": entry.summary,
            "benefits": entry.benefits,
            "first_applied_on": entry.first_applied_on,
            "robot_name": entry.robot_name,
            "video_url": entry.video_url,
            "people": [
                {
                    "full_name": p.full_name, "birth_date": p.birth_date, "birth_year": p.birth_year,
                    "gender": p.gender or "", "class_name": p.class_name, "organisation": p.organisation,
                    "job_title": p.job_title, "trade_union_member": bool(p.trade_union_member),
                }
                for p in entry.authors
            ],
            "mentors": [
                {"full_name": p.full_name, "organisation": p.organisation, "phone": p.phone} for p in entry.mentors
            ],
        }
    form = cls(data=data) if data is not None else cls()
    form.title.label.text = TITLE_LABELS.get(_kind(edition), "Tên bài dự thi")
    form.category_id.choices = [(0, "— Chọn lĩnh vực —")] + [(c.id, c.name) for c in edition.categories]
    form.division_id.choices = [(0, "— Chọn bảng —")] + [(d.id, d.name) for d in edition.divisions]
    if current_user.has_role(ORGANISER):
        institutions = db.session.execute(select(Institution.id, Institution.name).order_by(Institution.name)).all()
        form.institution_id.choices = [(0, "— Chọn đơn vị —")] + [(i, n) for i, n in institutions]
    else:
        form.institution_id.choices = [(i.id, i.name) for i in acl.institutions_for(current_user)]
    return form


def _data_from_form(form, edition) -> services.EntryData:
    role = _person_role(edition)
    kind = _kind(edition)
    people = []
    for sub in form.people:
        p = sub.form
        people.append(
            services.PersonData(
                role=role,
                full_name=p.full_name.data or "",
                birth_date=p.birth_date.data if kind != "technical_innovation" else None,
                birth_year=p.birth_year.data if kind == "technical_innovation" else None,
                gender=p.gender.data or None,
                class_name=p.class_name.data if kind != "technical_innovation" else None,
                organisation=p.organisation.data if kind == "technical_innovation" else None,
                job_title=p.job_title.data if kind == "technical_innovation" else None,
                trade_union_member=bool(p.trade_union_member.data) if kind == "technical_innovation" else None,
            )
        )
    for sub in form.mentors:
        m = sub.form
        people.append(
            services.PersonData(role="mentor", full_name=m.full_name.data or "", organisation=m.organisation.data,
                                phone=m.phone.data)
        )
    return services.EntryData(
        title=form.title.data or "",
        category_id=form.category_id.data or None,
        division_id=form.division_id.data or None,
        description=form.description.data,
        summary=form.summary.data,
        benefits=form.benefits.data,
        first_applied_on=form.first_applied_on.data,
        robot_name=form.robot_name.data,
        video_url=form.video_url.data,
        people=people,
    )


def _registration_state(edition, institution_id: int | None) -> dict:
    if institution_id is None:
        return {"open": False, "deadline": edition.registration_deadline}
    return {
        "open": services.registration_open(edition, institution_id),
        "deadline": services.deadline_for(edition, institution_id),
    }


# ----- the school's own entries ----------------------------------------------------

@bp.route("/e/<slug>/entries")
@access(INSTITUTION, ORGANISER, AREA_ORGANISER)
def entry_list(slug: str):
    edition = acl.edition_or_404(slug)
    if not current_user.has_role(INSTITUTION):
        return redirect(url_for("registration.review_list", slug=slug))
    institutions = acl.institutions_for(current_user)
    entries = db.session.scalars(
        acl.entries_stmt(current_user, edition).order_by(Entry.created_at.desc(), Entry.id.desc())
    ).all()
    states = {i.id: _registration_state(edition, i.id) for i in institutions}
    return render_template(
        "registration/entries/list.html", edition=edition, entries=entries, institutions=institutions,
        states=states, rules=services.rules_for(edition),
    )


@bp.route("/e/<slug>/entries/new", methods=["GET", "POST"])
@access(INSTITUTION, ORGANISER)
def entry_new(slug: str):
    edition = acl.edition_or_404(slug)
    form = _entry_form(edition)
    problems: list[str] = []
    if not form.institution_id.choices:
        abort(403)
    if request.method == "GET" and len(form.institution_id.choices) == 1:
        form.institution_id.data = form.institution_id.choices[0][0]
    if request.method == "POST" and not form.institution_id.data and len(form.institution_id.choices) == 1:
        form.institution_id.data = form.institution_id.choices[0][0]  # a school's own, not shown on the form
        form.institution_id.raw_data = [str(form.institution_id.data)]
    institution_id = form.institution_id.data if request.method == "POST" else form.institution_id.choices[0][0]
    state = _registration_state(edition, institution_id or None)
    if form.validate_on_submit():
        institution = db.session.get(Institution, form.institution_id.data or 0)
        allowed = {i for i, _ in form.institution_id.choices if i}
        if institution is None or institution.id not in allowed:
            form.institution_id.errors = ["Vui lòng chọn đơn vị dự thi."]
        else:
            try:
                entry = services.create_entry(edition, institution, _data_from_form(form, edition), actor=current_user)
            except services.RegistrationError as exc:
                db.session.rollback()
                problems = exc.messages
            else:
                db.session.commit()
                flash(f"Đã lưu bản nháp bài dự thi số {entry.code}. Kiểm tra lại rồi bấm “Gửi Ban Tổ chức”.", "success")
                return redirect(url_for("registration.entry_view", entry_id=entry.id))
    return render_template(
        "registration/entries/form.html", edition=edition, form=form, entry=None, problems=problems,
        state=state, kind=_kind(edition), people_label=PEOPLE_LABELS.get(_kind(edition), "Tác giả"),
    )


@bp.route("/entries/<int:entry_id>")
@access(INSTITUTION, AREA_ORGANISER, ORGANISER)
def entry_view(entry_id: int):
    entry = acl.entry_or_404(entry_id, current_user)
    edition = entry.edition
    history = db.session.scalars(
        select(AuditLog).options(selectinload(AuditLog.user))
        .where(AuditLog.object_type == "entry", AuditLog.object_id == str(entry.id))
        .order_by(AuditLog.id)
    ).all()
    can_edit = acl.can_edit(current_user, entry) and (
        current_user.has_role(ORGANISER)
        or (editable_by_institution(entry.status) and services.registration_open(edition, entry.institution_id))
    )
    nomination = None
    target = services.next_level(entry)
    if target is not None and entry.area_unit_id is not None:
        quota = services.area_quota(edition, entry.level_id, entry.area_unit_id)
        used = services.nominated_count(edition, entry.level_id, entry.area_unit_id)
        nomination = {"target": target, "quota": quota, "used": used}
    return render_template(
        "registration/entries/view.html", entry=entry, edition=edition, history=history,
        can_edit=can_edit, can_review=acl.can_review(current_user, entry),
        is_owner=acl.is_own_entry(current_user, entry), reason_form=ReasonForm(),
        open=services.registration_open(edition, entry.institution_id), nomination=nomination,
        kind=_kind(edition), people_label=PEOPLE_LABELS.get(_kind(edition), "Tác giả"),
        title_label=TITLE_LABELS.get(_kind(edition), "Tên bài dự thi"),
    )


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@access(INSTITUTION, ORGANISER)
def entry_edit(entry_id: int):
    entry = acl.entry_or_404(entry_id, current_user, check=acl.can_edit)
    edition = entry.edition
    form = _entry_form(edition, entry)
    form.institution_id.choices = [(entry.institution_id, entry.institution.name)]
    problems: list[str] = []
    state = _registration_state(edition, entry.institution_id)
    if form.validate_on_submit():
        try:
            version = int(form.version.data) if (form.version.data or "").isdigit() else None
            services.update_entry(entry, _data_from_form(form, edition), actor=current_user, expected_version=version)
            db.session.commit()
        except services.RegistrationError as exc:
            db.session.rollback()
            problems = exc.messages
        else:
            flash("Đã lưu thay đổi.", "success")
            return redirect(url_for("registration.entry_view", entry_id=entry.id))
    return render_template(
        "registration/entries/form.html", edition=edition, form=form, entry=entry, problems=problems,
        state=state, kind=_kind(edition), people_label=PEOPLE_LABELS.get(_kind(edition), "Tác giả"),
    )


def _act(entry_id: int, check, action, success: str):
    entry = acl.entry_or_404(entry_id, current_user, check=check)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(entry, form.reason.data)
    except services.RegistrationError as exc:
        db.session.rollback()
        for message in exc.messages:
            flash(message, "error")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for("registration.entry_view", entry_id=entry.id))


@bp.route("/entries/<int:entry_id>/submit", methods=["POST"])
@access(INSTITUTION, ORGANISER)
def entry_submit(entry_id: int):
    return _act(entry_id, acl.can_edit, lambda e, _r: services.submit_entry(e, actor=current_user),
                "Đã gửi bài dự thi tới Ban Tổ chức.")


@bp.route("/entries/<int:entry_id>/withdraw", methods=["POST"])
@access(INSTITUTION, ORGANISER)
def entry_withdraw(entry_id: int):
    return _act(entry_id, acl.can_edit, lambda e, _r: services.withdraw_entry(e, actor=current_user),
                "Đã rút bài dự thi.")


@bp.route("/entries/<int:entry_id>/accept", methods=["POST"])
@access(AREA_ORGANISER, ORGANISER)
def entry_accept(entry_id: int):
    return _act(entry_id, acl.can_review, lambda e, _r: services.accept_entry(e, actor=current_user),
                "Đã tiếp nhận bài dự thi.")


@bp.route("/entries/<int:entry_id>/return", methods=["POST"])
@access(AREA_ORGANISER, ORGANISER)
def entry_return(entry_id: int):
    return _act(entry_id, acl.can_review, lambda e, r: services.return_entry(e, r or "", actor=current_user),
                "Đã trả lại bài dự thi cho đơn vị kèm lý do.")


@bp.route("/entries/<int:entry_id>/nominate", methods=["POST"])
@access(AREA_ORGANISER, ORGANISER)
def entry_nominate(entry_id: int):
    return _act(entry_id, acl.can_review, lambda e, r: services.nominate(e, actor=current_user, reason=r),
                "Đã chọn bài dự thi lên cấp trên.")


@bp.route("/entries/<int:entry_id>/unnominate", methods=["POST"])
@access(AREA_ORGANISER, ORGANISER)
def entry_unnominate(entry_id: int):
    return _act(entry_id, acl.can_review,
                lambda e, r: services.withdraw_nomination(e, actor=current_user, reason=r or ""),
                "Đã bỏ chọn bài dự thi.")


# ----- review list ------------------------------------------------------------------

@bp.route("/e/<slug>/review")
@access(AREA_ORGANISER, ORGANISER)
def review_list(slug: str):
    edition = acl.edition_or_404(slug)
    form = ReviewFilterForm(request.args)
    stmt = acl.entries_stmt(current_user, edition).options(
        selectinload(Entry.category), selectinload(Entry.division), selectinload(Entry.level),
        selectinload(Entry.area_unit),
    )
    areas = db.session.scalars(
        select(AdminUnit).where(
            AdminUnit.id.in_(select(Entry.area_unit_id).where(Entry.edition_id == edition.id).distinct())
        ).order_by(AdminUnit.name)
    ).all()
    if not current_user.has_role(ORGANISER):
        scope = acl.area_unit_ids(current_user)
        areas = [a for a in areas if a.id in scope]
    form.status.choices = [("", "Tất cả")] + list(ENTRY_STATUSES.items())
    form.area.choices = [(0, "Tất cả")] + [(a.id, a.name) for a in areas]
    form.category.choices = [(0, "Tất cả")] + [(c.id, c.name) for c in edition.categories]
    form.level.choices = [(0, "Tất cả")] + [(lv.id, lv.name) for lv in edition.levels]
    for field in (form.area, form.category, form.level):
        if field.data not in {c[0] for c in field.choices}:
            field.data = 0
    status = request.args.get("status") or ""
    if status in ENTRY_STATUSES:
        stmt = stmt.where(Entry.status == status)
    if form.area.data:
        stmt = stmt.where(Entry.area_unit_id == form.area.data)
    if form.category.data:
        stmt = stmt.where(Entry.category_id == form.category.data)
    if form.level.data:
        stmt = stmt.where(Entry.level_id == form.level.data)
    q = normalize_text(request.args.get("q"))
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Entry.title).like(like),
                Entry.code == q,
                Entry.id.in_(select(EntryPerson.entry_id).where(func.lower(EntryPerson.full_name).like(like))),
                Entry.institution_id.in_(select(Institution.id).where(func.lower(Institution.name).like(like))),
            )
        )
    stmt = stmt.order_by(Entry.code)
    page_no = max(request.args.get("page", 1, type=int) or 1, 1)
    page = db.paginate(stmt, page=page_no, per_page=PAGE_SIZE, error_out=False)
    counts = dict(
        db.session.execute(
            acl.entries_stmt(current_user, edition).with_only_columns(Entry.status, func.count())
            .group_by(Entry.status).order_by(None)
        ).all()
    )
    return render_template(
        "registration/entries/review.html", edition=edition, page=page, form=form, counts=counts,
        reason_form=ReasonForm(), title_label=TITLE_LABELS.get(_kind(edition), "Tên bài dự thi"),
    )
