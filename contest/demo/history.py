"""Summary figures of past editions known only from the Union's reports, as
``EditionHistory`` rows (for the trend pages), each with the sentence it comes from.

Youth creativity contest (Cuộc thi Sáng tạo thanh thiếu niên, nhi đồng): entries at the
province level 2018–2025, prizes where a report gives them (2020, 2023), national
nominations and national results per year. Technical innovation contest: the 10th
edition's solutions and prizes. The figures are the reports' own; nothing is derived.

Idempotent: a row is looked up by (contest, year) and updated in place.
"""

from __future__ import annotations

from sqlalchemy import select

from contest.extensions import db
from contest.models import Contest, EditionHistory

YOUTH_CONTEST = "sang-tao-thanh-thieu-nien"
TECH_CONTEST = "hoi-thi-sang-tao-ky-thuat"

REPORT_2020 = (
    "Báo cáo tổng kết phong trào thi đua, công tác khen thưởng năm 2020 của Liên hiệp các hội "
    "Khoa học và Kỹ thuật tỉnh Bắc Giang (tháng 12/2020)"
)
REPORT_2023 = (
    "Báo cáo tổng kết công tác thi đua, khen thưởng năm 2023 của Liên hiệp các hội Khoa học và "
    "Kỹ thuật tỉnh Bắc Giang"
)
REPORT_CONGRESS = (
    "Dự thảo Báo cáo chính trị trình Đại hội Liên hiệp các hội Khoa học và Kỹ thuật tỉnh Bắc Ninh "
    "lần thứ I, nhiệm kỳ 2026–2031 (tháng 12/2025)"
)

ENTRIES_SENTENCE = (
    "“Năm 2018: 426; 2019: 471; 2020: 106; 2021: 103; 2022: 648; năm 2023: 111; năm 2024: 132; "
    "năm 2025: 107 mô hình, sản phẩm dự Cuộc thi cấp tỉnh.”"
)
NATIONAL_SENTENCE = (
    "“Năm 2018: 01 giải ba, 01 giải KK; năm 2019: 02 giải ba; năm 2020: 01 giải nhì, 01 giải ba, "
    "01 giải KK; năm 2021: 01 giải nhì, 01 giải ba; năm 2022: 01 giải ba; năm 2023: 01 giải nhì, "
    "01 giải KK; năm 2024: 01 giải nhì, 01 giải ba, 01 giải KK.” (kết quả Cuộc thi toàn quốc)"
)
SENTENCE_2020 = (
    "“Kết quả Cuộc thi cấp huyện đã có trên 836 mô hình, sản phẩm tham gia và lựa chọn 106 mô hình, "
    "sản phẩm dự thi cấp tỉnh. Ban Tổ chức đã đánh giá và quyết định công nhận 30 mô hình, sản phẩm "
    "tiêu biểu để trao giải thưởng, trong đó có 02 giải nhất; 04 giải nhì; 06 giải ba; 18 giải khuyến "
    "khích. Xét chọn đề cử 12 mô hình, sản phẩm tiêu biểu tham dự Cuộc thi Sáng tạo thanh thiếu niên, "
    "nhi đồng toàn quốc lần thứ 16 năm 2020.”"
)
SENTENCE_2023 = (
    "“Có 1552 mô hình tham gia Cuộc thi cấp cơ sở; 560 mô hình tham gia Cuộc thi cấp huyện, 111 mô "
    "hình tham gia Cuộc thi cấp tỉnh, giới thiệu 12 mô hình tham gia Cuộc thi toàn quốc, trong đó có "
    "01 mô hình đạt giải nhì, 01 mô hình đạt giải khuyến khích.” … “trao giải thưởng Cuộc thi gồm: 02 "
    "giải Nhất, 04 giải Nhì, 06 giải Ba và 18 giải khuyến khích”"
)
SENTENCE_TECH_10 = (
    "“Kết quả toàn tỉnh có 154 giải pháp tham gia Hội thi.” … “UBND tỉnh đã trao thưởng cho 50 giải "
    "pháp đoạt giải Hội thi gồm: 04 giải Nhất, 06 giải Nhì, 16 giải Ba và 20 giải Khuyến khích”"
)

PROVINCE_ENTRIES = {2018: 426, 2019: 471, 2020: 106, 2021: 103, 2022: 648, 2023: 111, 2024: 132, 2025: 107}
NATIONAL_RESULTS = {
    2018: {"ba": 1, "khuyen_khich": 1},
    2019: {"ba": 2},
    2020: {"nhi": 1, "ba": 1, "khuyen_khich": 1},
    2021: {"nhi": 1, "ba": 1},
    2022: {"ba": 1},
    2023: {"nhi": 1, "khuyen_khich": 1},
    2024: {"nhi": 1, "ba": 1, "khuyen_khich": 1},
}
# Edition numbers: the 16th ran in 2020, the 19th in 2023, the 20th in 2024.
FIRST_YEAR_NUMBER = (2018, 14)


def youth_rows() -> list[dict]:
    rows = []
    for year, n in PROVINCE_ENTRIES.items():
        number = FIRST_YEAR_NUMBER[1] + year - FIRST_YEAR_NUMBER[0]
        figures: dict = {"entries_by_level": {"tinh": n}}
        sources = [f"{REPORT_CONGRESS}: {ENTRIES_SENTENCE}"]
        if year in NATIONAL_RESULTS:
            figures["national_results"] = dict(NATIONAL_RESULTS[year])
            sources.append(f"{REPORT_CONGRESS}: {NATIONAL_SENTENCE}")
        if year == 2020:
            figures["entries_by_level"]["huyen"] = 836
            figures["prizes_by_rank"] = {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18}
            figures["national_nominations"] = 12
            sources.append(f"{REPORT_2020}: {SENTENCE_2020}")
        if year == 2023:
            figures["entries_by_level"].update({"truong": 1552, "huyen": 560})
            figures["prizes_by_rank"] = {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18}
            figures["national_nominations"] = 12
            sources.append(f"{REPORT_2023}: {SENTENCE_2023}")
        rows.append({
            "year": year,
            "label": f"Lần thứ {number} ({year})",
            "figures": figures,
            "source": "\n".join(sources),
        })
    return rows


def tech_rows() -> list[dict]:
    return [{
        "year": 2023,
        "label": "Lần thứ 10 (2022–2023)",
        "figures": {
            "entries_by_level": {"tinh": 154},
            "prizes_by_rank": {"nhat": 4, "nhi": 6, "ba": 16, "khuyen_khich": 20},
        },
        "source": f"{REPORT_2023}: {SENTENCE_TECH_10}",
    }]


def seed_history() -> int:
    """Create or update the history rows; returns the number of rows created."""
    made = 0
    for slug, rows in ((YOUTH_CONTEST, youth_rows()), (TECH_CONTEST, tech_rows())):
        contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
        if contest is None:
            continue
        existing = {
            h.year: h for h in db.session.scalars(select(EditionHistory).where(EditionHistory.contest_id == contest.id))
        }
        for row in rows:
            item = existing.get(row["year"])
            if item is None:
                item = EditionHistory(contest_id=contest.id, year=row["year"])
                db.session.add(item)
                made += 1
            item.label, item.figures, item.source = row["label"], row["figures"], row["source"]
    db.session.flush()
    return made


__all__ = ["PROVINCE_ENTRIES", "seed_history", "tech_rows", "youth_rows"]
