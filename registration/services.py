"""Registration services: create, edit and move entries through their status flow.

Services take explicit arguments (never ``request``); routes, the Excel importer, the
CLI and the demo seed share them. They raise ``RegistrationError`` with Vietnamese
messages (per field where a form can show them) and never commit: the caller does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from contest import audit
from contest.extensions import db
from contest.locking import lock_row
from contest.models import (
    AdminUnit,
    DeadlineExtension,
    Edition,
    Entry,
    EntryLevel,
    EntryPerson,
    Institution,
    Quota,
    UnitSuccession,
    cluster_member,
    utcnow,
)
from contest.text import ascii_fold, normalize_name, normalize_text
from registration import eligibility
from registration.eligibility import DivisionWindow, EntryCheck, PersonInfo, Rules

COUNTED_STATUSES = ("draft", "submitted", "accepted", "returned")


class RegistrationError(ValueError):
    def __init__(self, messages: list[str] | str, field_errors: dict[str, list[str]] | None = None):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.field_errors = field_errors or {}
        super().__init__(" ".join(self.messages))


@dataclass
class PersonData:
    role: str
    full_name: str
    birth_date: date | None = None
    birth_year: int | None = None
    gender: str | None = None
    class_name: str | None = None
    organisation: str | None = None
    job_title: str | None = None
    trade_union_member: bool | None = None
    phone: str | None = None
    email: str | None = None


@dataclass
class EntryData:
    title: str
    category_id: int | None = None
    division_id: int | None = None
    description: str | None = None
    summary: str | None = None
    benefits: str | None = None
    first_applied_on: date | None = None
    robot_name: str | None = None
    video_url: str | None = None
    people: list[PersonData] = field(default_factory=list)


def person_key(full_name: str, birth_date: date | None, birth_year: int | None = None) -> str:
    """One person across entries: folded name plus birth date (or year)."""
    name = " ".join(ascii_fold(normalize_text(full_name)).lower().split())
    born = birth_date.isoformat() if birth_date else (str(birth_year) if birth_year else "")
    return f"{name}|{born}"


def rules_for(edition: Edition) -> Rules:
    return Rules.for_edition(edition.contest.kind, edition.settings)


def today_local() -> date:
    from contest.formatting import to_local

    return to_local(utcnow()).date()


# ----- areas, deadlines, quotas ----------------------------------------------------

def area_kind_of(edition: Edition) -> str | None:
    return next((lv.area_kind for lv in edition.levels if lv.area_kind), None)


def area_for(institution: Institution, edition: Edition) -> AdminUnit | None:
    """The unit an institution competes in at the edition's area level: the former
    district for editions before the 2025 reform, the commune or its cluster after."""
    kind = area_kind_of(edition)
    unit = institution.unit
    if kind is None or unit is None:
        return None
    if kind in ("district", "city", "town"):
        if unit.kind in ("district", "city", "town"):
            return unit
        return db.session.scalar(
            select(AdminUnit)
            .join(UnitSuccession, UnitSuccession.predecessor_id == AdminUnit.id)
            .where(UnitSuccession.successor_id == unit.id)
            .order_by(AdminUnit.id)
        )
    if kind == "cluster":
        return db.session.scalar(
            select(AdminUnit)
            .join(cluster_member, cluster_member.c.cluster_id == AdminUnit.id)
            .where(cluster_member.c.unit_id == unit.id, AdminUnit.kind == "cluster")
        )
    return unit


def extension_for(edition: Edition, institution_id: int) -> DeadlineExtension | None:
    return db.session.scalar(
        select(DeadlineExtension).where(
            DeadlineExtension.edition_id == edition.id, DeadlineExtension.institution_id == institution_id
        )
    )


def deadline_for(edition: Edition, institution_id: int) -> date | None:
    ext = extension_for(edition, institution_id)
    dates = [d for d in (edition.registration_deadline, ext.until if ext else None) if d]
    return max(dates) if dates else None


def registration_open(edition: Edition, institution_id: int, today: date | None = None) -> bool:
    today = today or today_local()
    if edition.status != "registration":
        return False
    if edition.registration_opens_on and today < edition.registration_opens_on:
        return False
    ext = extension_for(edition, institution_id)
    return not eligibility.deadline_passed(edition.registration_deadline, ext.until if ext else None, today)


def institution_quota(edition: Edition, institution_id: int) -> int | None:
    return db.session.scalar(
        select(Quota.max_entries).where(
            Quota.edition_id == edition.id,
            Quota.institution_id == institution_id,
            Quota.level_id.is_(None),
            Quota.unit_id.is_(None),
        )
    )


def area_quota(edition: Edition, level_id: int, unit_id: int) -> int | None:
    return db.session.scalar(
        select(Quota.max_entries).where(
            Quota.edition_id == edition.id, Quota.level_id == level_id, Quota.unit_id == unit_id
        )
    )


def set_quota(edition: Edition, max_entries: int | None, *, institution_id=None, unit_id=None, level_id=None, actor=None):
    quota = db.session.scalar(
        select(Quota).where(
            Quota.edition_id == edition.id,
            Quota.institution_id.is_(None) if institution_id is None else Quota.institution_id == institution_id,
            Quota.unit_id.is_(None) if unit_id is None else Quota.unit_id == unit_id,
            Quota.level_id.is_(None) if level_id is None else Quota.level_id == level_id,
        )
    )
    old = quota.max_entries if quota else None
    if max_entries is None:
        if quota is not None:
            db.session.delete(quota)
    else:
        if max_entries < 0:
            raise RegistrationError("Hạn mức phải là số không âm.")
        if quota is None:
            quota = Quota(edition_id=edition.id, institution_id=institution_id, unit_id=unit_id, level_id=level_id,
                          max_entries=max_entries)
            db.session.add(quota)
        quota.max_entries = max_entries
    audit.record("quota.set", "edition", edition.id, user=actor,
                 old={"max_entries": old}, new={"max_entries": max_entries, "institution_id": institution_id,
                                                "unit_id": unit_id, "level_id": level_id})
    return quota


def extend_deadline(edition: Edition, institution_id: int, until: date, reason: str, *, actor=None) -> DeadlineExtension:
    reason = normalize_text(reason)
    if not reason:
        raise RegistrationError("Cần ghi lý do gia hạn.")
    if edition.registration_deadline and until <= edition.registration_deadline:
        raise RegistrationError("Ngày gia hạn phải sau hạn đăng ký chung.")
    ext = extension_for(edition, institution_id)
    old = ext.until.isoformat() if ext else None
    if ext is None:
        ext = DeadlineExtension(edition_id=edition.id, institution_id=institution_id, until=until, reason=reason)
        db.session.add(ext)
    ext.until, ext.reason, ext.granted_by_id, ext.granted_at = until, reason, getattr(actor, "id", None), utcnow()
    audit.record("deadline.extend", "edition", edition.id, user=actor, old={"until": old},
                 new={"until": until.isoformat(), "institution_id": institution_id}, reason=reason)
    return ext


# ----- entries ---------------------------------------------------------------------

def normalise_data(data: EntryData) -> EntryData:
    people = []
    for p in data.people:
        name = normalize_name(p.full_name)
        if not name and not p.birth_date and not p.class_name:
            continue  # an empty row of the form
        people.append(
            PersonData(
                role=p.role,
                full_name=name,
                birth_date=p.birth_date,
                birth_year=p.birth_year or (p.birth_date.year if p.birth_date else None),
                gender=p.gender or None,
                class_name=normalize_text(p.class_name) or None,
                organisation=normalize_text(p.organisation) or None,
                job_title=normalize_text(p.job_title) or None,
                trade_union_member=p.trade_union_member,
                phone=normalize_text(p.phone) or None,
                email=normalize_text(p.email) or None,
            )
        )
    return EntryData(
        title=normalize_text(data.title),
        category_id=data.category_id or None,
        division_id=data.division_id or None,
        description=(data.description or "").strip() or None,
        summary=(data.summary or "").strip() or None,
        benefits=(data.benefits or "").strip() or None,
        first_applied_on=data.first_applied_on,
        robot_name=normalize_text(data.robot_name) or None,
        video_url=normalize_text(data.video_url) or None,
        people=people,
    )


def person_entry_counts(edition_id: int, keys: list[str], exclude_entry_id: int | None = None) -> dict[str, int]:
    if not keys:
        return {}
    stmt = (
        select(EntryPerson.person_key, func.count(func.distinct(EntryPerson.entry_id)))
        .join(Entry, Entry.id == EntryPerson.entry_id)
        .where(
            Entry.edition_id == edition_id,
            Entry.status.in_(COUNTED_STATUSES),
            EntryPerson.person_key.in_(keys),
            EntryPerson.role.in_(("author", "member")),
        )
        .group_by(EntryPerson.person_key)
    )
    if exclude_entry_id is not None:
        stmt = stmt.where(Entry.id != exclude_entry_id)
    return dict(db.session.execute(stmt).all())


def institution_entry_count(edition_id: int, institution_id: int, exclude_entry_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(Entry).where(
        Entry.edition_id == edition_id, Entry.institution_id == institution_id, Entry.status.in_(COUNTED_STATUSES)
    )
    if exclude_entry_id is not None:
        stmt = stmt.where(Entry.id != exclude_entry_id)
    return db.session.scalar(stmt) or 0


def build_check(edition: Edition, data: EntryData, *, institution_count: int, quota: int | None,
                person_counts: dict[str, int]) -> EntryCheck:
    division = next((d for d in edition.divisions if d.id == data.division_id), None)
    return EntryCheck(
        title=data.title,
        people=[
            PersonInfo(p.role, p.full_name, p.birth_date, p.birth_year, person_key(p.full_name, p.birth_date, p.birth_year))
            for p in data.people
        ],
        division=DivisionWindow(division.name, division.born_from, division.born_to) if division else None,
        has_category=data.category_id is not None,
        category_required=bool(edition.categories),
        division_required=bool(edition.divisions),
        institution_entry_count=institution_count,
        institution_quota=quota,
        person_entry_counts=person_counts,
    )


def validate_entry(edition: Edition, institution_id: int, data: EntryData, *, exclude_entry_id: int | None = None) -> list[str]:
    problems = []
    if data.category_id is not None and data.category_id not in {c.id for c in edition.categories}:
        problems.append("Lĩnh vực không thuộc kỳ thi này.")
    if data.division_id is not None and data.division_id not in {d.id for d in edition.divisions}:
        problems.append("Bảng, khối không thuộc kỳ thi này.")
    keys = [person_key(p.full_name, p.birth_date, p.birth_year) for p in data.people if p.role in ("author", "member")]
    item = build_check(
        edition,
        data,
        institution_count=institution_entry_count(edition.id, institution_id, exclude_entry_id),
        quota=institution_quota(edition, institution_id),
        person_counts=person_entry_counts(edition.id, keys, exclude_entry_id),
    )
    return problems + eligibility.check(rules_for(edition), item)


def _next_code_number(edition: Edition) -> int:
    """One more than the highest numeric entry code of the edition (codes are never
    reused). Call under :func:`lock_codes`."""
    codes = db.session.scalars(select(Entry.code).where(Entry.edition_id == edition.id))
    return max((int(c) for c in codes if c and c.isdigit()), default=0) + 1


def next_entry_code(edition: Edition) -> str:
    return f"{_next_code_number(edition):05d}"


def lock_codes(edition: Edition) -> None:
    """Entries of one edition are created one at a time: their codes are numbered, and
    the quotas counted, from what is committed (see :mod:`contest.locking`)."""
    lock_row(Edition, edition.id)


def _apply(entry: Entry, data: EntryData) -> None:
    for name in ("title", "category_id", "division_id", "description", "summary", "benefits",
                 "first_applied_on", "robot_name", "video_url"):
        setattr(entry, name, getattr(data, name))
    entry.people.clear()
    for position, p in enumerate(data.people, start=1):
        entry.people.append(
            EntryPerson(
                role=p.role, position=position, full_name=p.full_name, birth_date=p.birth_date,
                birth_year=p.birth_year, gender=p.gender, class_name=p.class_name, organisation=p.organisation,
                job_title=p.job_title, trade_union_member=p.trade_union_member, phone=p.phone, email=p.email,
                person_key=person_key(p.full_name, p.birth_date, p.birth_year),
            )
        )


def _snapshot(entry: Entry) -> dict:
    return {
        "title": entry.title,
        "category_id": entry.category_id,
        "division_id": entry.division_id,
        "people": [p.full_name for p in entry.people],
        "status": entry.status,
    }


def check_open(edition: Edition, institution_id: int, actor) -> None:
    """Institutions may change entries only while registration is open for them;
    organisers may always."""
    if actor is not None and actor.has_role("organiser"):
        return
    if not registration_open(edition, institution_id):
        deadline = deadline_for(edition, institution_id)
        when = f" (hạn {deadline:%d/%m/%Y})" if deadline else ""
        raise RegistrationError(f"Kỳ thi không còn nhận đăng ký{when}. Liên hệ Ban Tổ chức nếu cần gia hạn.")


def create_entry(edition: Edition, institution: Institution, data: EntryData, *, actor=None,
                 check_deadline: bool = True) -> Entry:
    data = normalise_data(data)
    if check_deadline:
        check_open(edition, institution.id, actor)
    lock_codes(edition)
    problems = validate_entry(edition, institution.id, data)
    if problems:
        raise RegistrationError(problems)
    first_level = edition.levels[0] if edition.levels else None
    entry = Entry(
        edition=edition, institution=institution, area_unit=area_for(institution, edition),
        code=next_entry_code(edition), status="draft", level=first_level,
        created_by_id=getattr(actor, "id", None), extra={},
    )
    _apply(entry, data)
    db.session.add(entry)
    db.session.flush()
    audit.record("entry.create", "entry", entry.id, user=actor, new=_snapshot(entry))
    return entry


def update_entry(entry: Entry, data: EntryData, *, actor=None, expected_version: int | None = None) -> Entry:
    if expected_version is not None and expected_version != entry.version:
        raise RegistrationError("Bài dự thi vừa được người khác sửa. Vui lòng tải lại trang để xem bản mới nhất.")
    is_organiser = actor is not None and actor.has_role("organiser")
    if not is_organiser:
        if not eligibility.editable_by_institution(entry.status):
            raise RegistrationError(f"Bài dự thi ở trạng thái “{entry.status_label}” nên không sửa được.")
        check_open(entry.edition, entry.institution_id, actor)
    data = normalise_data(data)
    problems = validate_entry(entry.edition, entry.institution_id, data, exclude_entry_id=entry.id)
    if problems:
        raise RegistrationError(problems)
    old = _snapshot(entry)
    _apply(entry, data)
    db.session.flush()
    audit.record("entry.update", "entry", entry.id, user=actor, old=old, new=_snapshot(entry))
    return entry


def _transition(entry: Entry, target: str, *, actor, reason: str | None = None) -> None:
    if not eligibility.can_transition(entry.status, target):
        raise RegistrationError(
            f"Không thể chuyển bài dự thi từ “{entry.status_label}” sang trạng thái này."
        )
    old = entry.status
    entry.status = target
    audit.record(f"entry.{target}", "entry", entry.id, user=actor, old={"status": old}, new={"status": target},
                 reason=reason)


def submit_entry(entry: Entry, *, actor=None) -> None:
    check_open(entry.edition, entry.institution_id, actor)
    problems = validate_entry(entry.edition, entry.institution_id, entry_data_of(entry), exclude_entry_id=entry.id)
    if problems:
        raise RegistrationError(problems)
    _transition(entry, "submitted", actor=actor)
    entry.submitted_at = utcnow()
    entry.return_reason = None


def accept_entry(entry: Entry, *, actor=None) -> None:
    _transition(entry, "accepted", actor=actor)
    first = entry.edition.levels[0] if entry.edition.levels else None
    if first is not None and not any(r.level_id == first.id for r in entry.level_results):
        entry.level_results.append(EntryLevel(level_id=first.id, area_unit_id=entry.area_unit_id, decision="pending"))


def return_entry(entry: Entry, reason: str, *, actor=None) -> None:
    reason = normalize_text(reason)
    if not reason:
        raise RegistrationError("Cần ghi lý do trả lại để đơn vị biết cần sửa gì.")
    _transition(entry, "returned", actor=actor, reason=reason)
    entry.return_reason = reason


def withdraw_entry(entry: Entry, *, actor=None) -> None:
    check_open(entry.edition, entry.institution_id, actor)
    _transition(entry, "withdrawn", actor=actor)


def entry_data_of(entry: Entry) -> EntryData:
    return EntryData(
        title=entry.title, category_id=entry.category_id, division_id=entry.division_id,
        description=entry.description, summary=entry.summary, benefits=entry.benefits,
        first_applied_on=entry.first_applied_on, robot_name=entry.robot_name, video_url=entry.video_url,
        people=[
            PersonData(
                role=p.role, full_name=p.full_name, birth_date=p.birth_date, birth_year=p.birth_year,
                gender=p.gender, class_name=p.class_name, organisation=p.organisation, job_title=p.job_title,
                trade_union_member=p.trade_union_member, phone=p.phone, email=p.email,
            )
            for p in entry.people
        ],
    )


# ----- nomination to the next level -------------------------------------------------

def next_level(entry: Entry):
    levels = entry.edition.levels
    idx = next((i for i, lv in enumerate(levels) if lv.id == entry.level_id), None)
    if idx is None or idx + 1 >= len(levels):
        return None
    return levels[idx + 1]


def nominated_count(edition: Edition, level_id: int, unit_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(EntryLevel).join(Entry, Entry.id == EntryLevel.entry_id).where(
            Entry.edition_id == edition.id, EntryLevel.level_id == level_id, Entry.area_unit_id == unit_id,
            EntryLevel.decision == "advanced",
        )
    ) or 0


def nominate(entry: Entry, *, actor=None, reason: str | None = None, unit_id: int | None = None) -> EntryLevel:
    """Send an accepted entry from its current level to the next, within the area's quota."""
    if entry.status != "accepted":
        raise RegistrationError("Chỉ bài dự thi đã được tiếp nhận mới được chọn lên cấp trên.")
    target = next_level(entry)
    if target is None:
        raise RegistrationError("Bài dự thi đã ở cấp cao nhất của kỳ thi.")
    current = _level_result(entry, entry.level_id)
    if current.decision == "advanced":
        raise RegistrationError("Bài dự thi đã được chọn lên cấp trên.")
    area_id = unit_id or entry.area_unit_id
    if area_id is not None:
        quota = area_quota(entry.edition, entry.level_id, area_id)
        if quota is not None:
            lock_row(Edition, entry.edition_id)  # two nominations at once count each other
        if quota is not None and nominated_count(entry.edition, entry.level_id, area_id) + 1 > quota:
            raise RegistrationError(f"Địa bàn đã chọn đủ hạn mức {quota} bài lên cấp trên.")
    current.decision, current.reason = "advanced", normalize_text(reason) or None
    current.decided_by_id, current.decided_at = getattr(actor, "id", None), utcnow()
    old_level = entry.level_id
    entry.level = target
    entry.level_results.append(EntryLevel(level_id=target.id, area_unit_id=entry.area_unit_id, decision="pending"))
    audit.record("entry.nominate", "entry", entry.id, user=actor, old={"level_id": old_level},
                 new={"level_id": target.id}, reason=reason)
    return current


def withdraw_nomination(entry: Entry, *, actor=None, reason: str) -> None:
    reason = normalize_text(reason)
    if not reason:
        raise RegistrationError("Cần ghi lý do bỏ chọn.")
    levels = entry.edition.levels
    idx = next(i for i, lv in enumerate(levels) if lv.id == entry.level_id)
    if idx == 0:
        raise RegistrationError("Bài dự thi chưa được chọn lên cấp trên.")
    previous = levels[idx - 1]
    upper = _level_result(entry, entry.level_id)
    if upper.decision != "pending":
        raise RegistrationError("Cấp trên đã có quyết định với bài này; không thể bỏ chọn.")
    entry.level_results.remove(upper)
    lower = _level_result(entry, previous.id)
    lower.decision, lower.reason = "pending", None
    entry.level = previous
    audit.record("entry.unnominate", "entry", entry.id, user=actor, old={"level_id": upper.level_id},
                 new={"level_id": previous.id}, reason=reason)


def _level_result(entry: Entry, level_id: int | None) -> EntryLevel:
    result = next((r for r in entry.level_results if r.level_id == level_id), None)
    if result is None:
        result = EntryLevel(level_id=level_id, area_unit_id=entry.area_unit_id, decision="pending")
        entry.level_results.append(result)
    return result




# ----- bulk creation (Excel import, demo seed) ----------------------------------------

class BulkError(ValueError):
    """Problems per row index (0-based into the rows given); nothing was written."""

    def __init__(self, problems: dict[int, list[str]]):
        self.problems = problems
        super().__init__(f"{len(problems)} dòng có lỗi")


def bulk_create_entries(
    edition: Edition,
    rows: list[tuple[Institution, EntryData]],
    *,
    actor=None,
    status: str = "draft",
    check_deadline: bool = True,
    audit_each: bool = False,
) -> list[Entry]:
    """Validate every row against the edition's rules (counting people and institution
    quotas across the whole batch and the database), then create all entries or none.

    Queries are made once per batch, not per row, so 1,552 rows take well under a second
    of database work.
    """
    lock_codes(edition)
    rules = rules_for(edition)
    problems: dict[int, list[str]] = {}
    normalised = [(inst, normalise_data(data)) for inst, data in rows]

    if check_deadline and not (actor is not None and actor.has_role("organiser")):
        for inst_id in {inst.id for inst, _ in normalised}:
            if not registration_open(edition, inst_id):
                for i, (inst, _) in enumerate(normalised):
                    if inst.id == inst_id:
                        problems.setdefault(i, []).append("Kỳ thi không còn nhận đăng ký đối với đơn vị này.")

    keys_per_row = [
        [person_key(p.full_name, p.birth_date, p.birth_year) for p in data.people if p.role in ("author", "member")]
        for _, data in normalised
    ]
    all_keys = sorted({k for keys in keys_per_row for k in keys})
    db_person_counts: dict[str, int] = {}
    for start in range(0, len(all_keys), 500):
        db_person_counts.update(person_entry_counts(edition.id, all_keys[start : start + 500]))
    inst_ids = sorted({inst.id for inst, _ in normalised})
    db_inst_counts = dict(
        db.session.execute(
            select(Entry.institution_id, func.count())
            .where(Entry.edition_id == edition.id, Entry.status.in_(COUNTED_STATUSES), Entry.institution_id.in_(inst_ids))
            .group_by(Entry.institution_id)
        ).all()
    ) if inst_ids else {}
    quotas = dict(
        db.session.execute(
            select(Quota.institution_id, Quota.max_entries).where(
                Quota.edition_id == edition.id, Quota.institution_id.in_(inst_ids),
                Quota.level_id.is_(None), Quota.unit_id.is_(None),
            )
        ).all()
    ) if inst_ids else {}
    category_ids = {c.id for c in edition.categories}
    division_ids = {d.id for d in edition.divisions}

    batch_person: dict[str, int] = {}
    batch_inst: dict[int, int] = {}
    for i, ((inst, data), keys) in enumerate(zip(normalised, keys_per_row, strict=True)):
        row_problems = []
        if data.category_id is not None and data.category_id not in category_ids:
            row_problems.append("Lĩnh vực không thuộc kỳ thi này.")
        if data.division_id is not None and data.division_id not in division_ids:
            row_problems.append("Bảng, khối không thuộc kỳ thi này.")
        counts = {k: db_person_counts.get(k, 0) + batch_person.get(k, 0) for k in keys}
        item = build_check(
            edition, data,
            institution_count=db_inst_counts.get(inst.id, 0) + batch_inst.get(inst.id, 0),
            quota=quotas.get(inst.id), person_counts=counts,
        )
        row_problems += eligibility.check(rules, item)
        if row_problems:
            problems.setdefault(i, []).extend(row_problems)
        for k in set(keys):
            batch_person[k] = batch_person.get(k, 0) + 1
        batch_inst[inst.id] = batch_inst.get(inst.id, 0) + 1
    if problems:
        raise BulkError(problems)

    first_level = edition.levels[0] if edition.levels else None
    areas: dict[int, AdminUnit | None] = {}
    first_code = _next_code_number(edition)
    now = utcnow()
    entries = []
    for offset, (inst, data) in enumerate(normalised, start=1):
        if inst.id not in areas:
            areas[inst.id] = area_for(inst, edition)
        entry = Entry(
            edition=edition, institution=inst, area_unit=areas[inst.id], code=f"{first_code + offset - 1:05d}",
            status=status, level=first_level, created_by_id=getattr(actor, "id", None), extra={},
            submitted_at=now if status in ("submitted", "accepted") else None,
        )
        _apply(entry, data)
        if status == "accepted" and first_level is not None:
            entry.level_results.append(EntryLevel(level=first_level, area_unit=areas[inst.id], decision="pending"))
        entries.append(entry)
    db.session.add_all(entries)
    db.session.flush()
    if audit_each:
        for entry in entries:
            audit.record("entry.create", "entry", entry.id, user=actor, new=_snapshot(entry))
    else:
        audit.record("entry.bulk_create", "edition", edition.id, user=actor,
                     new={"count": len(entries), "status": status})
    return entries
