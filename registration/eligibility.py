"""Eligibility rules of an edition, checked when an entry is saved.

Pure functions over plain data, so the web form, the Excel importer and the CLI share
them and the rules are tested without Flask. Messages are Vietnamese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

CONTEST_DEFAULTS: dict[str, dict] = {
    "youth_creativity": {
        "min_authors": 1, "max_authors": 3, "max_mentors": 2, "max_entries_per_person": 1,
        "entries_per_institution": None, "require_birth_date": True, "require_class": False,
        "max_photos": 6, "photo_max_mb": 5,
    },
    "technical_innovation": {
        "min_authors": 1, "max_authors": 10, "max_mentors": 0, "max_entries_per_person": 3,
        "entries_per_institution": None, "require_birth_date": False, "require_birth_year": True,
        "max_photos": 6, "photo_max_mb": 5, "max_attachments": 5, "attachment_max_mb": 20,
    },
    "robocon": {
        "min_authors": 2, "max_authors": 4, "max_mentors": 2, "max_entries_per_person": 1,
        "entries_per_institution": 3, "require_birth_date": True, "max_photos": 3, "photo_max_mb": 5,
    },
    "st_award": {
        "min_authors": 1, "max_authors": 15, "max_mentors": 0, "max_entries_per_person": 2,
        "entries_per_institution": None, "require_birth_date": False, "max_photos": 6, "photo_max_mb": 5,
    },
}


@dataclass(frozen=True)
class Rules:
    contest_kind: str
    min_authors: int = 1
    max_authors: int = 3
    max_mentors: int = 2
    max_entries_per_person: int | None = 1
    entries_per_institution: int | None = None
    require_birth_date: bool = True
    require_birth_year: bool = False
    require_class: bool = False
    max_photos: int = 6
    photo_max_mb: int = 5
    max_attachments: int = 5
    attachment_max_mb: int = 20

    @classmethod
    def for_edition(cls, contest_kind: str, settings: dict | None) -> Rules:
        values = dict(CONTEST_DEFAULTS.get(contest_kind, {}))
        registration = (settings or {}).get("registration") or {}
        nullable = {"max_entries_per_person", "entries_per_institution"}
        values.update(
            {k: v for k, v in registration.items() if k in cls.__dataclass_fields__ and (v is not None or k in nullable)}
        )
        values.pop("contest_kind", None)
        return cls(contest_kind=contest_kind, **values)

    @property
    def member_word(self) -> str:
        return "thành viên" if self.contest_kind == "robocon" else "tác giả"


@dataclass
class PersonInfo:
    role: str  # author | member | mentor
    full_name: str
    birth_date: date | None = None
    birth_year: int | None = None
    person_key: str | None = None


@dataclass
class DivisionWindow:
    name: str
    born_from: date | None
    born_to: date | None


@dataclass
class EntryCheck:
    """Everything the rules need about one entry and its surroundings."""

    title: str
    people: list[PersonInfo]
    division: DivisionWindow | None = None
    has_category: bool = True
    category_required: bool = False
    division_required: bool = False
    # How many other entries of this institution already count against its quota.
    institution_entry_count: int = 0
    institution_quota: int | None = None
    # person_key -> number of OTHER entries of the edition this person is already in.
    person_entry_counts: dict[str, int] = field(default_factory=dict)


def check(rules: Rules, item: EntryCheck) -> list[str]:
    """Return the Vietnamese problems that make this entry ineligible (empty = eligible)."""
    problems: list[str] = []
    word = rules.member_word
    if not item.title.strip():
        problems.append("Chưa nhập tên " + ("đội" if rules.contest_kind == "robocon" else "sản phẩm, giải pháp") + ".")
    if item.category_required and not item.has_category:
        problems.append("Chưa chọn lĩnh vực.")
    if item.division_required and item.division is None:
        problems.append("Chưa chọn bảng, khối.")
    authors = [p for p in item.people if p.role in ("author", "member")]
    mentors = [p for p in item.people if p.role == "mentor"]
    if len(authors) < rules.min_authors:
        problems.append(f"Cần ít nhất {rules.min_authors} {word} (hiện có {len(authors)}).")
    if len(authors) > rules.max_authors:
        problems.append(f"Tối đa {rules.max_authors} {word} cho mỗi bài dự thi (hiện có {len(authors)}).")
    if len(mentors) > rules.max_mentors:
        if rules.max_mentors == 0:
            problems.append("Cuộc thi này không khai báo người hướng dẫn.")
        else:
            problems.append(f"Tối đa {rules.max_mentors} người hướng dẫn (hiện có {len(mentors)}).")
    seen: dict[str, str] = {}
    for person in authors:
        if not person.full_name.strip():
            problems.append(f"Có {word} chưa nhập họ và tên.")
            continue
        if rules.require_birth_date and person.birth_date is None:
            problems.append(f"{person.full_name}: chưa nhập ngày sinh.")
        if rules.require_birth_year and person.birth_year is None and person.birth_date is None:
            problems.append(f"{person.full_name}: chưa nhập năm sinh.")
        if item.division is not None and person.birth_date is not None:
            window = item.division
            if (window.born_from and person.birth_date < window.born_from) or (
                window.born_to and person.birth_date > window.born_to
            ):
                problems.append(
                    f"{person.full_name} (sinh {person.birth_date:%d/%m/%Y}) không thuộc độ tuổi của "
                    f"{window.name}{_window_text(window)}."
                )
        if person.person_key:
            if person.person_key in seen:
                problems.append(f"{person.full_name} được khai hai lần trong cùng bài dự thi.")
            seen[person.person_key] = person.full_name
            if rules.max_entries_per_person is not None:
                others = item.person_entry_counts.get(person.person_key, 0)
                if others + 1 > rules.max_entries_per_person:
                    problems.append(
                        f"{person.full_name} đã có trong {others} bài dự thi khác; mỗi người chỉ được tham gia "
                        f"tối đa {rules.max_entries_per_person} bài."
                    )
    quota = item.institution_quota if item.institution_quota is not None else rules.entries_per_institution
    if quota is not None and item.institution_entry_count + 1 > quota:
        problems.append(
            f"Đơn vị đã đăng ký {item.institution_entry_count} bài; hạn mức của đơn vị là {quota} bài."
        )
    return problems


def _window_text(window: DivisionWindow) -> str:
    if window.born_from and window.born_to:
        return f" (sinh từ {window.born_from:%d/%m/%Y} đến {window.born_to:%d/%m/%Y})"
    if window.born_from:
        return f" (sinh từ {window.born_from:%d/%m/%Y})"
    if window.born_to:
        return f" (sinh đến {window.born_to:%d/%m/%Y})"
    return ""


def deadline_passed(deadline: date | None, extension: date | None, today: date) -> bool:
    """Registration is read-only after the deadline unless the organiser extended it
    for this institution."""
    effective = max(d for d in (deadline, extension) if d is not None) if (deadline or extension) else None
    return effective is not None and today > effective


# Status flow: which transitions exist and who may make them.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submitted"): "institution",
    ("returned", "submitted"): "institution",
    ("submitted", "accepted"): "reviewer",
    ("submitted", "returned"): "reviewer",
    ("accepted", "returned"): "reviewer",
    ("draft", "withdrawn"): "institution",
    ("submitted", "withdrawn"): "institution",
    ("returned", "withdrawn"): "institution",
}


def can_transition(current: str, target: str) -> bool:
    return (current, target) in TRANSITIONS


def editable_by_institution(status: str) -> bool:
    return status in ("draft", "returned")
