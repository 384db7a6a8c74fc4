"""Eligibility rules as pure functions."""

from __future__ import annotations

from datetime import date

from registration.eligibility import (
    DivisionWindow,
    EntryCheck,
    PersonInfo,
    Rules,
    can_transition,
    check,
    deadline_passed,
    editable_by_institution,
)

YOUTH = Rules.for_edition("youth_creativity", {})
WINDOW = DivisionWindow("Bảng B – THCS", date(2011, 1, 1), date(2014, 12, 31))


def author(name="Nguyễn Văn An", born=date(2012, 5, 1), key=None):
    return PersonInfo("author", name, born, born.year if born else None, key or f"{name}|{born}")


def test_a_valid_entry_has_no_problems():
    assert check(YOUTH, EntryCheck("Máy tưới cây", [author()], division=WINDOW)) == []


def test_birth_date_outside_the_division_window():
    problems = check(YOUTH, EntryCheck("Máy tưới cây", [author(born=date(2009, 3, 2))], division=WINDOW))
    assert problems == [
        "Nguyễn Văn An (sinh 02/03/2009) không thuộc độ tuổi của Bảng B – THCS "
        "(sinh từ 01/01/2011 đến 31/12/2014)."
    ]


def test_window_boundaries_are_inclusive():
    for born in (date(2011, 1, 1), date(2014, 12, 31)):
        assert check(YOUTH, EntryCheck("X", [author(born=born)], division=WINDOW)) == []


def test_author_counts():
    many = [author(f"Người {i}", key=f"k{i}") for i in range(4)]
    assert "Tối đa 3 tác giả cho mỗi bài dự thi (hiện có 4)." in check(YOUTH, EntryCheck("X", many))
    assert "Cần ít nhất 1 tác giả (hiện có 0)." in check(YOUTH, EntryCheck("X", []))
    robocon = Rules.for_edition("robocon", {})
    assert "Cần ít nhất 2 thành viên (hiện có 1)." in check(robocon, EntryCheck("Đội A", [author()]))


def test_mentor_limit_and_missing_birth_date():
    mentors = [PersonInfo("mentor", f"Thầy {i}") for i in range(3)]
    problems = check(YOUTH, EntryCheck("X", [author(born=None)] + mentors))
    assert "Tối đa 2 người hướng dẫn (hiện có 3)." in problems
    assert "Nguyễn Văn An: chưa nhập ngày sinh." in problems


def test_person_already_in_another_entry():
    item = EntryCheck("X", [author(key="an")], person_entry_counts={"an": 1})
    assert check(YOUTH, item) == [
        "Nguyễn Văn An đã có trong 1 bài dự thi khác; mỗi người chỉ được tham gia tối đa 1 bài."
    ]


def test_same_person_twice_in_one_entry():
    problems = check(YOUTH, EntryCheck("X", [author(key="an"), author(key="an")]))
    assert "Nguyễn Văn An được khai hai lần trong cùng bài dự thi." in problems


def test_institution_quota_from_rules_or_override():
    rules = Rules.for_edition("youth_creativity", {"registration": {"entries_per_institution": 2}})
    assert check(rules, EntryCheck("X", [author()], institution_entry_count=1)) == []
    assert check(rules, EntryCheck("X", [author()], institution_entry_count=2)) == [
        "Đơn vị đã đăng ký 2 bài; hạn mức của đơn vị là 2 bài."
    ]
    assert check(rules, EntryCheck("X", [author()], institution_entry_count=2, institution_quota=5)) == []


def test_settings_override_contest_defaults_and_ignore_unknown_keys():
    rules = Rules.for_edition("robocon", {"registration": {"max_authors": 5, "bogus": 1}})
    assert rules.max_authors == 5 and rules.min_authors == 2


def test_required_category_and_division_and_title():
    problems = check(YOUTH, EntryCheck("  ", [author()], has_category=False, category_required=True,
                                      division_required=True))
    assert "Chưa nhập tên sản phẩm, giải pháp." in problems
    assert "Chưa chọn lĩnh vực." in problems
    assert "Chưa chọn bảng, khối." in problems


def test_deadline_with_extension():
    assert not deadline_passed(date(2026, 5, 31), None, date(2026, 5, 31))
    assert deadline_passed(date(2026, 5, 31), None, date(2026, 6, 1))
    assert not deadline_passed(date(2026, 5, 31), date(2026, 6, 10), date(2026, 6, 5))
    assert not deadline_passed(None, None, date(2030, 1, 1))


def test_status_flow():
    assert can_transition("draft", "submitted")
    assert can_transition("submitted", "returned")
    assert can_transition("returned", "submitted")
    assert not can_transition("draft", "accepted")
    assert not can_transition("withdrawn", "submitted")
    assert editable_by_institution("returned") and not editable_by_institution("accepted")
