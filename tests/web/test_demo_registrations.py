"""The demo registrations: the real sizes of the Union's reports, eligible, idempotent.

Seeding is the expensive part (a few seconds) and tables are emptied after every test, so
all checks of the seeded data live in one test function.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import date
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contest.demo import data
from contest.demo.registrations import (
    ROBOCON_DIVISION_OF_KIND,
    TECHNICAL_KINDS,
    YOUTH_2024_ENTRIES,
    YOUTH_DIVISION_OF_KIND,
    _robocon_plan,
    apportion,
)
from contest.demo.seed import seed
from contest.extensions import db
from contest.models import Edition, Entry, EntryLevel, EntryPerson, Institution, RoleGrant, User
from registration.services import person_key

SCHOOL_KINDS = ("primary", "lower_secondary", "upper_secondary")


def _nfc(text: str | None) -> bool:
    return text is None or unicodedata.normalize("NFC", text) == text


def _entries(slug: str) -> list[Entry]:
    return list(
        db.session.scalars(
            select(Entry)
            .join(Edition, Edition.id == Entry.edition_id)
            .where(Edition.slug == slug)
            .options(
                selectinload(Entry.people),
                selectinload(Entry.level_results).selectinload(EntryLevel.level),
                selectinload(Entry.institution).selectinload(Institution.unit),
                selectinload(Entry.division),
                selectinload(Entry.category),
                selectinload(Entry.area_unit),
            )
            .order_by(Entry.code)
        )
    )


def _totals() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Entry, EntryPerson, EntryLevel)
    }


def _former_district(inst: Institution) -> str:
    return data.FORMER_DISTRICT_OF_COMMUNE[inst.unit.code]


def _check_youth_school_level(slug: str, expected: int) -> None:
    edition = db.session.scalar(select(Edition).where(Edition.slug == slug))
    entries = _entries(slug)
    assert len(entries) == expected
    assert {e.status for e in entries} == {"accepted"}
    first = edition.levels[0]
    keys = []
    per_district = Counter()
    for entry in entries:
        inst = entry.institution
        assert inst.kind in SCHOOL_KINDS
        district = _former_district(inst)
        assert district.startswith("BG-"), inst.name
        per_district[district] += 1
        # The area is the former district, as services.area_for computes it.
        assert entry.area_unit.code == district
        assert [(r.level.code, r.decision) for r in entry.level_results] == [(first.code, "pending")]
        assert entry.level_id == first.id
        assert entry.division.code == YOUTH_DIVISION_OF_KIND[inst.kind]
        assert entry.category is not None and entry.title
        authors = [p for p in entry.people if p.role == "author"]
        mentors = [p for p in entry.people if p.role == "mentor"]
        assert 1 <= len(authors) <= 3 and len(mentors) <= 2
        for person in authors:
            assert entry.division.born_from <= person.birth_date <= entry.division.born_to, (entry.code, person.full_name)
            assert person.gender in ("male", "female") and person.class_name
            keys.append(person.person_key)
    assert len(keys) == len(set(keys)), "a pupil is in two entries"
    with_mentor = sum(1 for e in entries if e.mentors)
    assert with_mentor > 0.8 * len(entries)
    # Bigger districts send more: Hiệp Hòa (the most populous) outnumbers Sơn Động.
    assert per_district["BG-H-HIEP-HOA"] > 2 * per_district["BG-H-SON-DONG"] > 0
    assert len(per_district) == 10


def test_demo_registrations_have_the_reports_sizes(app, monkeypatch):
    # Registrations only: the later demo stages (judging, Robocon, the results pipeline)
    # move entries on and have their own tests.
    for stage in ("seed_judging", "seed_robocon", "run_pipeline"):
        monkeypatch.setattr(f"contest.demo.seed.{stage}", lambda: {})
    with app.app_context():
        summary = seed()
        db.session.commit()
        assert summary["bài dự thi mới sang-tao-tttn-2023"] == 1552
        assert summary["bài dự thi mới hoi-thi-sang-tao-ky-thuat-10"] == 154
        assert summary["bài dự thi mới robocon-2024"] == 432

        # Youth creativity 2023 (1,552 at school level) and 2024.
        _check_youth_school_level("sang-tao-tttn-2023", 1552)
        _check_youth_school_level("sang-tao-tttn-2024", YOUTH_2024_ENTRIES)

        # Technical innovation, 10th edition: 154 solutions.
        tech = _entries("hoi-thi-sang-tao-ky-thuat-10")
        assert len(tech) == 154
        assert {e.status for e in tech} == {"accepted"}
        authors = [p for e in tech for p in e.people]
        assert {p.role for p in authors} == {"author"}
        for entry in tech:
            assert entry.institution.kind in TECHNICAL_KINDS
            assert _former_district(entry.institution).startswith("BG-")
            assert 1 <= len(entry.people) <= 6
            assert entry.category is not None and entry.summary and entry.benefits
            assert date(2021, 1, 1) <= entry.first_applied_on <= date(2023, 12, 31)
            assert len(entry.level_results) == 1
        for person in authors:
            assert 1960 <= person.birth_year <= 2005
            assert person.organisation and person.job_title and person.trade_union_member is not None
        assert sum(p.trade_union_member for p in authors) > 0.7 * len(authors)
        assert len({e.institution_id for e in tech}) >= 30
        assert len({e.category.code for e in tech}) >= 6

        # Robocon 2024: 432 teams, 1,484 pupils and mentors.
        robocon = _entries("robocon-2024")
        assert len(robocon) == 432
        people = [p for e in robocon for p in e.people]
        assert len(people) == 1484
        assert len({p.person_key for p in people}) == 1484
        per_school = Counter(e.institution_id for e in robocon)
        assert max(per_school.values()) <= 3
        for entry in robocon:
            inst = entry.institution
            assert inst.kind in SCHOOL_KINDS and _former_district(inst).startswith("BG-")
            assert entry.division.code == ROBOCON_DIVISION_OF_KIND[inst.kind]
            members = [p for p in entry.people if p.role == "member"]
            assert 2 <= len(members) <= 4 and len(entry.mentors) <= 2
            assert all(p.birth_date for p in members)
            assert entry.title and entry.robot_name and entry.status == "accepted"
        titles = Counter((e.institution_id, e.title) for e in robocon)
        assert max(titles.values()) == 1
        assert len({e.division.code for e in robocon}) == 3

        # Youth creativity 2026, open for registration: every status, some for "truong".
        open_entries = _entries("sang-tao-tttn-2026")
        assert 35 <= len(open_entries) <= 45
        statuses = Counter(e.status for e in open_entries)
        assert set(statuses) == {"draft", "submitted", "accepted", "returned"}
        for entry in open_entries:
            assert (entry.status == "returned") == bool(entry.return_reason)
            assert (entry.status == "accepted") == bool(entry.level_results)
            assert entry.area_unit is not None and entry.area_unit.kind == "cluster"
            for person in entry.authors:
                assert entry.division.born_from <= person.birth_date <= entry.division.born_to
        school_id = db.session.scalar(
            select(RoleGrant.institution_id).join(User, User.id == RoleGrant.user_id)
            .where(User.username == "truong", RoleGrant.role == "institution")
        )
        own = [e for e in open_entries if e.institution_id == school_id]
        assert len(own) >= 4 and len({e.status for e in own}) == 4

        # Eligibility identity: person keys are what the services compute.
        sample = open_entries[0].authors[0]
        assert sample.person_key == person_key(sample.full_name, sample.birth_date, sample.birth_year)

        # Every stored text is NFC.
        for entry in db.session.scalars(select(Entry)):
            for text in (entry.title, entry.description, entry.summary, entry.benefits, entry.robot_name,
                         entry.return_reason):
                assert _nfc(text), text
        for person in db.session.scalars(select(EntryPerson)):
            for text in (person.full_name, person.class_name, person.organisation, person.job_title):
                assert _nfc(text), text

        # A second run adds nothing.
        before = _totals()
        again = seed()
        db.session.commit()
        assert _totals() == before
        assert all(n == 0 for key, n in again.items() if key.startswith("bài dự thi mới"))


def test_apportion_is_exact_and_proportional():
    assert apportion(1552, [1, 1, 2]) == [388, 388, 776]
    assert sum(apportion(154, [0.3, 2.7, 1.1, 5.0])) == 154
    assert apportion(0, [1, 2]) == [0, 0]


def test_robocon_plan_hits_the_totals():
    import random

    schools = [SimpleNamespace(inst=SimpleNamespace(kind=kind)) for kind in SCHOOL_KINDS * 60]
    per_school, sizes = _robocon_plan(random.Random(1), schools, 432, 1484)
    assert sum(per_school) == 432 and max(per_school) <= 3
    assert len(sizes) == 432
    assert sum(m + t for m, t in sizes) == 1484
    assert all(2 <= m <= 4 and 0 <= t <= 2 for m, t in sizes)
