"""Demo registrations at the real sizes of the Union's reports.

* ``sang-tao-tttn-2023``: 1,552 school-level entries (the 2023 report) from the schools of
  the former Bắc Giang province, spread over the former districts by size;
* ``sang-tao-tttn-2024``: 1,406 school-level entries, the same way a year later;
* ``hoi-thi-sang-tao-ky-thuat-10``: 154 solutions from agencies, hospitals, enterprises,
  colleges and cooperatives;
* ``robocon-2024``: 432 teams with 1,484 pupils and mentors in all;
* ``sang-tao-tttn-2026`` (open for registration): about 40 entries in every status,
  several of them for the demo school account ``truong``.

Everything goes through ``registration.services.bulk_create_entries``, so the demo obeys
the editions' eligibility rules (birth-date windows, authors per entry, one entry per
pupil, three Robocon teams per school). Deterministic (``random.Random`` with fixed
seeds) and idempotent: an edition that already has entries is left alone. Advancement
to the district and province levels is not made here.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contest.demo import data
from contest.extensions import db
from contest.models import Edition, Entry, Institution, RoleGrant, User
from registration.services import BulkError, EntryData, PersonData, bulk_create_entries, person_key

SEED = 2026

YOUTH_2023_ENTRIES = 1552
YOUTH_2024_ENTRIES = 1406
TECHNICAL_10_ENTRIES = 154
ROBOCON_2024_TEAMS = 432
ROBOCON_2024_PEOPLE = 1484  # members and mentors together

SCHOOL_KINDS = ("primary", "lower_secondary", "upper_secondary")
YOUTH_DIVISION_OF_KIND = {"primary": "tieu_hoc", "lower_secondary": "thcs", "upper_secondary": "thpt"}
ROBOCON_DIVISION_OF_KIND = {d["school_kind"]: d["code"].lower() for d in data.DIVISIONS_ROBOCON}
TECHNICAL_KINDS = ("agency", "enterprise", "college", "university", "other")

# Grades of each school level and how often pupils of a grade enter.
GRADES = {
    "primary": {1: 2, 2: 6, 3: 20, 4: 34, 5: 38},
    "lower_secondary": {6: 16, 7: 25, 8: 30, 9: 29},
    "upper_secondary": {10: 35, 11: 45, 12: 20},
}

# Approximate population (thousands, 2023) of the former Bắc Giang districts and how keen
# their schools are on the contest: bigger and keener districts send more entries.
DISTRICT_SIZE = {
    "BG-TP-BAC-GIANG": (180, 1.45), "BG-H-YEN-THE": (100, 0.85), "BG-H-TAN-YEN": (170, 1.0),
    "BG-H-LANG-GIANG": (215, 0.95), "BG-H-LUC-NAM": (220, 0.9), "BG-H-LUC-NGAN": (230, 0.85),
    "BG-H-SON-DONG": (75, 0.8), "BG-H-YEN-DUNG": (135, 1.0), "BG-H-VIET-YEN": (200, 1.15),
    "BG-H-HIEP-HOA": (250, 1.0),
}
SCHOOL_WEIGHT = {"primary": 1.0, "lower_secondary": 1.35, "upper_secondary": 1.7}

YOUTH_FIELD_WEIGHTS = {
    "primary": {"CK": 8, "DDT": 10, "TH": 4, "TDH": 8, "MT": 18, "NN": 12, "YT": 7, "VL": 5, "DDHT": 28},
    "lower_secondary": {"CK": 12, "DDT": 16, "TH": 10, "TDH": 14, "MT": 15, "NN": 10, "YT": 8, "VL": 6, "DDHT": 9},
    "upper_secondary": {"CK": 12, "DDT": 16, "TH": 18, "TDH": 18, "MT": 10, "NN": 8, "YT": 8, "VL": 7, "DDHT": 3},
}

TEACHER_SUBJECTS = {
    "CK": "Công nghệ", "DDT": "Vật lí", "TH": "Tin học", "TDH": "Tin học", "MT": "Sinh học",
    "NN": "Sinh học", "YT": "Hóa học", "VL": "Hóa học", "DDHT": "Toán",
}

YOUTH_DESCRIPTION_OPENINGS = [
    "Ý tưởng xuất phát từ những khó khăn nhóm tác giả gặp trong sinh hoạt hằng ngày ở gia đình và địa phương.",
    "Sản phẩm được thực hiện trong giờ hoạt động trải nghiệm và câu lạc bộ STEM của nhà trường.",
    "Nhóm tác giả tìm hiểu nhu cầu thực tế ở trường, ở thôn xóm rồi lên phương án thiết kế.",
    "Sản phẩm tận dụng vật liệu dễ tìm, một phần là đồ tái chế, nên giá thành thấp.",
    "Nhóm đã làm nhiều bản thử, đo đạc và sửa đổi trước khi hoàn thiện sản phẩm dự thi.",
]
YOUTH_DESCRIPTION_CLOSINGS = [
    "Sản phẩm đã được dùng thử tại trường và cho kết quả khả quan.",
    "Sản phẩm dễ sử dụng, an toàn, có thể áp dụng ngay tại gia đình và trường học.",
    "Nhóm tác giả mong muốn tiếp tục cải tiến để sản phẩm gọn nhẹ và bền hơn.",
    "Chi phí làm sản phẩm khoảng vài trăm nghìn đồng, phù hợp để nhân rộng.",
    "Sản phẩm góp phần giúp học sinh vận dụng kiến thức đã học vào thực tiễn.",
]

TECH_PROBLEMS = [
    "Trước đây công việc này chủ yếu làm thủ công, tốn nhiều thời gian, nhân lực và dễ sai sót.",
    "Phương pháp cũ có chi phí cao, hiệu quả chưa ổn định và phụ thuộc nhiều vào kinh nghiệm của người thực hiện.",
    "Thiết bị, quy trình đang dùng đã lạc hậu, thường xuyên hư hỏng và khó thay thế vật tư.",
    "Khối lượng công việc tăng nhanh trong khi nhân lực không tăng, nhiều khâu còn chồng chéo.",
    "Các giải pháp nhập khẩu có giá thành cao, không phù hợp với điều kiện thực tế của đơn vị.",
]
TECH_CONTENTS = [
    "Nhóm tác giả đã khảo sát thực trạng, thiết kế lại quy trình và chế tạo thử nghiệm trước khi áp dụng chính thức.",
    "Giải pháp kết hợp cải tiến thiết bị hiện có với phần mềm quản lý, vận hành đơn giản, dễ bảo trì.",
    "Giải pháp sử dụng vật tư, linh kiện sẵn có trong nước, có hướng dẫn vận hành và tiêu chí kiểm tra cụ thể.",
    "Giải pháp được xây dựng thành quy trình chuẩn, có biểu mẫu theo dõi và đào tạo cho người lao động trực tiếp.",
]
TECH_SPREAD = [
    "Giải pháp có thể nhân rộng tại các đơn vị có điều kiện tương tự trong tỉnh.",
    "Giải pháp đã được đơn vị đưa vào quy trình làm việc thường xuyên.",
    "Một số đơn vị bạn đã đến học tập và áp dụng giải pháp.",
]
TECH_GAINS = [
    "rút ngắn {p}% thời gian thực hiện",
    "giảm {p}% chi phí vật tư, nhiên liệu",
    "tăng {p}% năng suất lao động",
    "giảm {p}% tỷ lệ sai hỏng",
]
TECH_SOCIAL = [
    "nâng cao an toàn cho người lao động",
    "giảm ô nhiễm môi trường tại nơi làm việc",
    "nâng cao sự hài lòng của người dân",
    "giảm cường độ lao động thủ công",
    "nâng cao chất lượng dịch vụ",
]

RETURN_REASONS = [
    "Thiếu ảnh chụp sản phẩm và bản thuyết minh; đề nghị nhà trường bổ sung rồi gửi lại.",
    "Ngày sinh của tác giả chưa khớp với danh sách học sinh của trường; đề nghị kiểm tra lại.",
    "Tên sản phẩm trùng với bài đã dự thi năm trước; đề nghị làm rõ điểm mới của sản phẩm.",
    "Chưa ghi lớp của tác giả và số điện thoại giáo viên hướng dẫn; đề nghị bổ sung.",
]


@dataclass
class _School:
    inst: Institution
    district: str  # former district code (as in 2023)


# ----- helpers --------------------------------------------------------------------


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (-(shares[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _weighted_key(rng: random.Random, weights: dict) -> object:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


def school_year_start(edition: Edition) -> int:
    """The autumn a school year started: registration in spring belongs to the year before."""
    opens = edition.registration_opens_on or date(edition.year_start, 3, 1)
    return opens.year if opens.month >= 8 else opens.year - 1


def _class_name(rng: random.Random, kind: str, grade: int) -> str:
    if kind == "upper_secondary":
        return f"{grade}{rng.choice('AAAAD')}{rng.randint(1, 8)}"
    return f"{grade}{rng.choice('ABCDE' if kind == 'primary' else 'ABCDEFG')}"


def _birth_date(rng: random.Random, year_start: int, grade: int, division) -> date:
    """A pupil in ``grade`` of the school year starting ``year_start`` was born in the
    year they turned six before starting grade 1; clamped into the division window."""
    year = year_start - 5 - grade
    born = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    if division is not None:
        if division.born_from and born < division.born_from:
            born = division.born_from
        if division.born_to and born > division.born_to:
            born = division.born_to
    return born


class _People:
    """Makes people whose identity (name + birth date/year) is new in the edition."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.keys: set[str] = set()

    def unique(self, make: Callable[[], PersonData]) -> PersonData:
        while True:
            person = make()
            key = person_key(person.full_name, person.birth_date, person.birth_year)
            if key not in self.keys:
                self.keys.add(key)
                return person

    def pupil(self, role: str, kind: str, grade: int, year_start: int, division, class_name: str) -> PersonData:
        rng = self.rng

        def make() -> PersonData:
            name, gender = data.person_name(rng)
            return PersonData(role=role, full_name=name, gender=gender, class_name=class_name,
                              birth_date=_birth_date(rng, year_start, grade, division))

        return self.unique(make)

    def teacher(self, school: Institution, subject: str | None = None) -> PersonData:
        rng = self.rng

        def make() -> PersonData:
            name, gender = data.person_name(rng, "female" if rng.random() < 0.7 else "male")
            title = f"Giáo viên {subject}" if subject else "Giáo viên"
            return PersonData(role="mentor", full_name=name, gender=gender, birth_year=rng.randint(1970, 1998),
                              organisation=school.name, job_title=title)

        return self.unique(make)


def _institutions() -> list[Institution]:
    return list(
        db.session.scalars(
            select(Institution).options(selectinload(Institution.unit))
            .where(Institution.active.is_(True)).order_by(Institution.code)
        )
    )


def _former_district(inst: Institution) -> str | None:
    return data.FORMER_DISTRICT_OF_COMMUNE.get(inst.unit.code) if inst.unit is not None else None


def _bac_giang(insts: list[Institution], kinds: tuple[str, ...]) -> list[_School]:
    out = []
    for inst in insts:
        district = _former_district(inst)
        if inst.kind in kinds and district and district.startswith("BG-"):
            out.append(_School(inst, district))
    return out


def _has_entries(edition: Edition) -> bool:
    return (db.session.scalar(select(func.count()).select_from(Entry).where(Entry.edition_id == edition.id)) or 0) > 0


def _division(edition: Edition, code: str):
    return next(d for d in edition.divisions if d.code == code)


def _category_id(edition: Edition, field: str) -> int:
    return next(c.id for c in edition.categories if c.code == field.lower())


# ----- youth creativity -----------------------------------------------------------

# Words in a title that name a school level other than the authors' own.
_OTHER_LEVELS = {
    "primary": ("THCS", "THPT", "trung học"),
    "lower_secondary": ("tiểu học", "THPT", "trung học phổ thông"),
    "upper_secondary": ("tiểu học", "THCS", "trung học cơ sở"),
}


def _fits_level(title: str, kind: str) -> bool:
    lowered = title.lower()
    return not any(word.lower() in lowered for word in _OTHER_LEVELS.get(kind, ()))



def _youth_entry(rng: random.Random, people: _People, edition: Edition, inst: Institution, year_start: int,
                 used_titles: set[str], teachers: dict[int, list[PersonData]]) -> EntryData:
    kind = inst.kind
    division = _division(edition, YOUTH_DIVISION_OF_KIND[kind])
    field = _weighted_key(rng, YOUTH_FIELD_WEIGHTS[kind])
    for _ in range(12):
        title = data.entry_title(rng, "youth", field)
        if (inst.id, title) not in used_titles and _fits_level(title, kind):
            break
    used_titles.add((inst.id, title))
    grade = _weighted_key(rng, GRADES[kind])
    class_name = _class_name(rng, kind, grade)
    n_authors = rng.choices((1, 2, 3), weights=(45, 35, 20))[0]
    authors = []
    for _ in range(n_authors):
        if authors and rng.random() < 0.25:  # a friend from the next class or grade
            other_grade = min(max(GRADES[kind]), max(min(GRADES[kind]), grade + rng.choice((-1, 0, 1))))
            authors.append(people.pupil("author", kind, other_grade, year_start, division,
                                        _class_name(rng, kind, other_grade)))
        else:
            authors.append(people.pupil("author", kind, grade, year_start, division, class_name))
    # Each school has a few teachers who mentor most of its entries.
    pool = teachers.setdefault(inst.id, [])
    roll = rng.random()
    n_mentors = 0 if roll < 0.12 else (2 if roll > 0.92 else 1)
    mentors: list[PersonData] = []
    for _ in range(n_mentors):
        if pool and (len(pool) >= 6 or rng.random() < 0.7):
            choice = rng.choice(pool)
            if choice in mentors:
                continue
            mentors.append(choice)
        else:
            teacher = people.teacher(inst, TEACHER_SUBJECTS[field] if kind != "primary" else None)
            pool.append(teacher)
            mentors.append(teacher)
    description = " ".join((rng.choice(YOUTH_DESCRIPTION_OPENINGS), rng.choice(YOUTH_DESCRIPTION_CLOSINGS)))
    return EntryData(title=title, category_id=_category_id(edition, field), division_id=division.id,
                     description=description, people=authors + mentors)


def _youth_school_rows(rng: random.Random, edition: Edition, total: int) -> list[tuple[Institution, EntryData]]:
    """``total`` school-level entries from the former Bắc Giang schools, by district size."""
    schools = _bac_giang(_institutions(), SCHOOL_KINDS)
    districts = sorted({s.district for s in schools})
    weights = [DISTRICT_SIZE.get(d, (100, 1.0))[0] * DISTRICT_SIZE.get(d, (100, 1.0))[1] * rng.uniform(0.9, 1.1)
               for d in districts]
    year_start = school_year_start(edition)
    people = _People(rng)
    used_titles: set = set()
    teachers: dict[int, list[PersonData]] = {}
    rows = []
    for district, count in zip(districts, apportion(total, weights), strict=True):
        members = [s for s in schools if s.district == district]
        school_weights = [SCHOOL_WEIGHT[s.inst.kind] * rng.uniform(0.3, 1.7) for s in members]
        for school, n in zip(members, apportion(count, school_weights), strict=True):
            for _ in range(n):
                rows.append((school.inst, _youth_entry(rng, people, edition, school.inst, year_start,
                                                       used_titles, teachers)))
    return rows


def seed_youth(edition: Edition, total: int) -> int:
    rng = random.Random(f"{SEED}:{edition.slug}")
    rows = _youth_school_rows(rng, edition, total)
    return len(bulk_create_entries(edition, rows, status="accepted", check_deadline=False))


def _truong_institution() -> Institution | None:
    return db.session.scalar(
        select(Institution).join(RoleGrant, RoleGrant.institution_id == Institution.id)
        .join(User, User.id == RoleGrant.user_id)
        .where(User.username == "truong", RoleGrant.role == "institution")
    )


def seed_youth_open(edition: Edition) -> int:
    """About 40 entries of an edition open for registration, in every status."""
    rng = random.Random(f"{SEED}:{edition.slug}")
    insts = [i for i in _institutions() if i.kind in SCHOOL_KINDS and _former_district(i)]
    own = _truong_institution()
    others = [i for i in insts if own is None or i.id != own.id]
    chosen = rng.sample(others, 16)
    year_start = school_year_start(edition)
    people = _People(rng)
    used_titles: set = set()
    teachers: dict[int, list[PersonData]] = {}
    # (institution, status) pairs; "returned" entries are sent in and then returned.
    plan: list[tuple[Institution, str]] = []
    if own is not None:
        plan += [(own, s) for s in ("draft", "draft", "submitted", "submitted", "accepted", "returned")]
    statuses = ["draft"] * 8 + ["submitted"] * 12 + ["accepted"] * 11 + ["returned"] * 3
    rng.shuffle(statuses)
    for i, status in enumerate(statuses):
        plan.append((chosen[i % len(chosen)], status))
    rows = {s: [] for s in ("draft", "submitted", "accepted", "returned")}
    for inst, status in plan:
        rows[status].append((inst, _youth_entry(rng, people, edition, inst, year_start, used_titles, teachers)))
    created = 0
    for status in ("accepted", "submitted", "returned", "draft"):
        if not rows[status]:
            continue
        bulk_status = "submitted" if status == "returned" else status
        entries = bulk_create_entries(edition, rows[status], status=bulk_status, check_deadline=False)
        if status == "returned":
            for i, entry in enumerate(entries):
                entry.status = "returned"
                entry.return_reason = RETURN_REASONS[i % len(RETURN_REASONS)]
        created += len(entries)
    return created


# ----- technical innovation -------------------------------------------------------


def _tech_profile(inst: Institution) -> tuple[float, dict[str, int], list[str], float]:
    """(weight, field weights, job titles, share of trade-union members) for an institution."""
    name = inst.name
    if "Bệnh viện" in name or "Y tế" in name or "Kiểm soát bệnh tật" in name:
        titles = ["Bác sĩ", "Bác sĩ chuyên khoa I", "Bác sĩ chuyên khoa II", "Điều dưỡng", "Điều dưỡng trưởng",
                  "Dược sĩ", "Kỹ thuật viên xét nghiệm", "Trưởng khoa", "Phó Trưởng khoa", "Y sĩ"]
        weight = 7.0 if "Bệnh viện" in name else 2.5
        return weight, {"YD": 85, "DT-CNTT": 8, "MT": 4, "KHAC": 3}, titles, 0.95
    if "Điện lực" in name:
        titles = ["Kỹ sư điện", "Công nhân quản lý vận hành lưới điện", "Trưởng phòng Kỹ thuật",
                  "Đội trưởng Đội quản lý điện", "Kỹ sư công nghệ thông tin", "Công nhân sửa chữa điện"]
        return 7.0, {"DT-CNTT": 60, "CK-TDH": 35, "KHAC": 5}, titles, 0.98
    if inst.kind in ("college", "university"):
        titles = ["Giảng viên", "Giảng viên chính", "Trưởng khoa", "Phó Trưởng khoa", "Trưởng phòng Đào tạo",
                  "Kỹ thuật viên phòng thí nghiệm"]
        fields = {"GD": 35, "CK-TDH": 20, "DT-CNTT": 25, "NLN": 10, "MT": 5, "YD": 5}
        if "Nông Lâm" in name:
            fields = {"NLN": 55, "GD": 20, "MT": 15, "DT-CNTT": 10}
        return 5.0, fields, titles, 0.95
    if inst.kind == "other":
        titles = ["Giám đốc hợp tác xã", "Thành viên hợp tác xã", "Chủ trang trại", "Kỹ thuật viên"]
        return 1.2, {"NLN": 80, "CK-TDH": 10, "MT": 10}, titles, 0.35
    if inst.kind == "enterprise":
        titles = ["Kỹ sư cơ khí", "Kỹ sư điện", "Kỹ sư tự động hóa", "Công nhân kỹ thuật", "Tổ trưởng sản xuất",
                  "Quản đốc phân xưởng", "Trưởng phòng Kỹ thuật", "Kỹ thuật viên", "Giám đốc"]
        fields = {"CK-TDH": 45, "DT-CNTT": 25, "MT": 12, "XD-GT": 10, "KHAC": 8}
        if "Thủy lợi" in name:
            fields = {"XD-GT": 50, "NLN": 30, "CK-TDH": 20}
        return 2.2, fields, titles, 0.9
    # agencies and public service units
    titles = ["Chuyên viên", "Chuyên viên chính", "Trưởng phòng", "Phó Trưởng phòng", "Phó Giám đốc", "Kỹ sư"]
    fields = {"KHAC": 40, "DT-CNTT": 30, "NLN": 15, "MT": 15}
    if "Khuyến nông" in name or "Nông nghiệp" in name:
        fields = {"NLN": 75, "MT": 15, "DT-CNTT": 10}
    elif "Xây dựng" in name:
        fields = {"XD-GT": 75, "DT-CNTT": 15, "KHAC": 10}
    elif "Giáo dục" in name:
        fields = {"GD": 80, "DT-CNTT": 20}
    return 2.5, fields, titles, 0.97


def _money(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def technical_entry(rng: random.Random, people: _People, edition: Edition, inst: Institution,
                    fields: dict[str, int], titles: list[str], union_share: float, used_titles: set[str],
                    first_day: date, last_day: date) -> EntryData:
    """One technical solution of ``inst``: a field drawn from ``fields`` (codes and
    weights, as in :func:`_tech_profile`), a title not yet in ``used_titles``, first
    applied between ``first_day`` and 60 days before ``last_day``, 1–6 authors of the
    institution (birth year, job title from ``titles``, trade-union flag), summary and
    benefits."""
    field = _weighted_key(rng, fields)
    for _ in range(10):
        title = data.entry_title(rng, "technical", field)
        if title not in used_titles:
            break
    used_titles.add(title)
    applied = first_day + timedelta(days=rng.randrange((last_day - first_day).days - 60))
    n_authors = rng.choices((1, 2, 3, 4, 5, 6), weights=(14, 24, 26, 17, 11, 8))[0]
    authors = []
    for _ in range(n_authors):
        def make() -> PersonData:
            name, gender = data.person_name(rng)
            return PersonData(role="author", full_name=name, gender=gender,
                              birth_year=rng.randint(1965, 1998), organisation=inst.name,
                              job_title=rng.choice(titles), trade_union_member=rng.random() < union_share)
        authors.append(people.unique(make))
    summary = " ".join((
        f"Giải pháp được nghiên cứu và áp dụng tại {inst.name} từ tháng {applied:%m/%Y}.",
        rng.choice(TECH_PROBLEMS), rng.choice(TECH_CONTENTS), rng.choice(TECH_SPREAD),
    ))
    gain = rng.choice(TECH_GAINS).format(p=rng.choice((10, 15, 20, 25, 30, 35, 40, 50)))
    benefits = (
        f"Làm lợi ước tính khoảng {_money(rng.choice((50, 80, 120, 150, 200, 250, 300, 450, 600, 850, 1200)))}"
        f" triệu đồng mỗi năm; {gain}; {rng.choice(TECH_SOCIAL)}."
    )
    return EntryData(title=title, category_id=_category_id(edition, field), summary=summary,
                     benefits=benefits, first_applied_on=applied, people=authors)


def seed_technical(edition: Edition, total: int) -> int:
    rng = random.Random(f"{SEED}:{edition.slug}")
    units = _bac_giang(_institutions(), TECHNICAL_KINDS)
    profiles = [_tech_profile(u.inst) for u in units]
    counts = apportion(total, [p[0] * rng.uniform(0.5, 1.5) for p in profiles])
    people = _People(rng)
    used_titles: set[str] = set()
    first_day, last_day = date(2021, 1, 1), min(edition.registration_deadline or date(2023, 6, 30), date(2023, 6, 30))
    rows = []
    for unit, (_, fields, titles, union_share), n in zip(units, profiles, counts, strict=True):
        for _ in range(n):
            rows.append((unit.inst, technical_entry(rng, people, edition, unit.inst, fields, titles, union_share,
                                                    used_titles, first_day, last_day)))
    return len(bulk_create_entries(edition, rows, status="accepted", check_deadline=False))


# ----- Robocon --------------------------------------------------------------------


def _robocon_plan(rng: random.Random, schools: list[_School], teams: int, people: int):
    """Teams per school (0–3) and (members, mentors) per team, with exact totals."""
    team_weights = {
        "primary": (20, 25, 30, 25), "lower_secondary": (2, 8, 20, 70), "upper_secondary": (0, 3, 12, 85),
    }
    per_school = [rng.choices((0, 1, 2, 3), weights=team_weights[s.inst.kind])[0] for s in schools]
    if teams > 3 * len(schools):
        raise ValueError("not enough schools for the Robocon teams")
    while sum(per_school) != teams:
        if sum(per_school) < teams:
            i = rng.choice([i for i, n in enumerate(per_school) if n < 3])
            per_school[i] += 1
        else:
            i = rng.choice([i for i, n in enumerate(per_school) if n > 0])
            per_school[i] -= 1
    sizes = [[rng.choices((2, 3, 4), weights=(50, 40, 10))[0], rng.choices((0, 1, 2), weights=(25, 65, 10))[0]]
             for _ in range(teams)]
    if not 2 * teams <= people <= 6 * teams:
        raise ValueError("impossible Robocon team sizes")
    while (total := sum(m + t for m, t in sizes)) != people:
        team = rng.choice(sizes)
        which = rng.randrange(2)
        low, high = ((2, 4), (0, 2))[which]
        step = 1 if total < people else -1
        if low <= team[which] + step <= high:
            team[which] += step
    return per_school, sizes


def seed_robocon(edition: Edition, teams: int, people_total: int) -> int:
    rng = random.Random(f"{SEED}:{edition.slug}")
    schools = _bac_giang(_institutions(), SCHOOL_KINDS)
    per_school, sizes = _robocon_plan(rng, schools, teams, people_total)
    year_start = school_year_start(edition)
    people = _People(rng)
    rows = []
    sizes_iter = iter(sizes)
    for school, n in zip(schools, per_school, strict=True):
        inst = school.inst
        division = _division(edition, ROBOCON_DIVISION_OF_KIND[inst.kind])
        names: set[str] = set()
        for number in range(1, n + 1):
            members, mentors = next(sizes_iter)
            for _ in range(10):
                title = data.robocon_team_name(rng, inst.name)
                if title not in names:
                    break
            else:
                title = f"{title} {number}"
            names.add(title)
            grades = GRADES[inst.kind]
            grade = _weighted_key(rng, grades)
            team = []
            for _ in range(members):
                g = min(max(grades), max(min(grades), grade + rng.choice((-1, 0, 0, 1))))
                team.append(people.pupil("member", inst.kind, g, year_start, division, _class_name(rng, inst.kind, g)))
            team += [people.teacher(inst, rng.choice(("Tin học", "Công nghệ", "Vật lí", "Toán"))) for _ in range(mentors)]
            rows.append((inst, EntryData(title=title, division_id=division.id, robot_name=data.robot_name(rng),
                                         people=team)))
    return len(bulk_create_entries(edition, rows, status="accepted", check_deadline=False))


# ----- entry point ----------------------------------------------------------------

PLAN: list[tuple[str, Callable[[Edition], int]]] = [
    ("sang-tao-tttn-2023", lambda e: seed_youth(e, YOUTH_2023_ENTRIES)),
    ("sang-tao-tttn-2024", lambda e: seed_youth(e, YOUTH_2024_ENTRIES)),
    ("hoi-thi-sang-tao-ky-thuat-10", lambda e: seed_technical(e, TECHNICAL_10_ENTRIES)),
    ("robocon-2024", lambda e: seed_robocon(e, ROBOCON_2024_TEAMS, ROBOCON_2024_PEOPLE)),
    ("sang-tao-tttn-2026", seed_youth_open),
]


def seed_registrations() -> dict[str, int]:
    """Register the demo entries; returns the number of new entries per edition slug.

    An edition that is missing or already has entries is skipped (0)."""
    summary: dict[str, int] = {}
    for slug, build in PLAN:
        edition = db.session.scalar(select(Edition).where(Edition.slug == slug))
        if edition is None or _has_entries(edition):
            summary[slug] = 0
            continue
        try:
            summary[slug] = build(edition)
        except (StopIteration, BulkError) as exc:
            # An organiser changed the edition (a division or field is gone, a rule is
            # stricter): nothing was written for it; leave it empty rather than fail.
            current_app.logger.warning("demo registrations skipped for %s: %r", slug, exc)
            summary[slug] = 0
            continue
        db.session.flush()
    return summary
