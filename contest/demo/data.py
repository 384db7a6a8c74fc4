"""Realistic demo data for the Bắc Ninh contest platform: pure data plus generators.

Nothing here touches Flask or the database. Every generator takes a ``random.Random``
and is deterministic for a given seed, so demo databases and tests are reproducible.

Administrative units
--------------------
* ``FORMER_BAC_GIANG_UNITS`` / ``FORMER_BAC_NINH_UNITS``: the district-level units
  (city, town, district) of the two provinces that merged on 1 July 2025, one record per
  *version* of a unit (a district that became a town is two records, linked by
  ``successor_code``). Changes since 2018 (the start of the contests' digitised history)
  carry real dates; ``valid_from`` is ``None`` for a unit whose current form predates
  that history. Every unit still existing on 30 June 2025 ends then (districts were
  abolished on 1 July 2025).
* ``BAC_NINH_COMMUNES_2025``: the 99 commune-level units (33 wards, 66 communes) of the
  new Bắc Ninh province, with their official five-digit codes. ``former_district_code``
  is the district-level unit the commune mostly came from *as it stood in 2023* (what the
  school → district → province editions used); ``last_district_code`` is the unit in force
  on 30 June 2025. ``district_on(commune_code, day)`` resolves the unit for any day.
* ``CLUSTERS_2025``: demo clusters (cụm) of communes for the new school → commune/cluster
  → province editions. The grouping is invented for the demo (by former district and
  geography); it is not an official list.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta

__all__ = [
    "BAC_NINH_COMMUNES_2025",
    "CLUSTERS_2025",
    "COMMUNE_BY_CODE",
    "CONTEST_KINDS",
    "DIVISIONS_ROBOCON",
    "DIVISIONS_YOUTH",
    "FAMILY_NAMES",
    "FIELDS_TECHNICAL",
    "FIELDS_YOUTH",
    "FORMER_BAC_GIANG_UNITS",
    "FORMER_BAC_NINH_UNITS",
    "FORMER_DISTRICT_OF_COMMUNE",
    "FORMER_UNITS",
    "FORMER_UNIT_BY_CODE",
    "GENDERS",
    "GIVEN_NAMES_FEMALE",
    "GIVEN_NAMES_MALE",
    "INSTITUTION_KINDS",
    "PROVINCES",
    "REFORM_DATE",
    "base_name",
    "district_on",
    "entry_title",
    "former_units_on",
    "institutions",
    "person_name",
    "robocon_team_name",
    "robot_name",
]

# The day two-tier local government (province → commune/ward) took effect.
REFORM_DATE = date(2025, 7, 1)
_LAST_DAY_OF_DISTRICTS = REFORM_DATE - timedelta(days=1)  # 2025-06-30

# ---------------------------------------------------------------------------
# Provinces
# ---------------------------------------------------------------------------

PROVINCES: list[dict] = [
    {
        "code": "P-BG",
        "name": "Tỉnh Bắc Giang",
        "kind": "province",
        "valid_from": None,
        "valid_to": _LAST_DAY_OF_DISTRICTS,
        "successor_code": "P-BN",
    },
    {
        "code": "P-BN-1997",
        "name": "Tỉnh Bắc Ninh",
        "kind": "province",
        "valid_from": None,
        "valid_to": _LAST_DAY_OF_DISTRICTS,
        "successor_code": "P-BN",
    },
    {
        "code": "P-BN",
        "name": "Tỉnh Bắc Ninh",
        "kind": "province",
        "valid_from": REFORM_DATE,
        "valid_to": None,
        "successor_code": None,
    },
]

# ---------------------------------------------------------------------------
# Former district-level units
# ---------------------------------------------------------------------------


def _unit(code, name, kind, gso_code, *, valid_from=None, valid_to=_LAST_DAY_OF_DISTRICTS,
          successor_code=None, parent_code):
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "valid_from": valid_from,
        "valid_to": valid_to,
        # Statistics office district code: shared by versions of the same territory,
        # None where not known (Chũ, created in 2025).
        "gso_code": gso_code,
        "successor_code": successor_code,
        "parent_code": parent_code,
    }


_BG = "P-BG"
_BN = "P-BN-1997"

FORMER_BAC_GIANG_UNITS: list[dict] = [
    _unit("BG-TP-BAC-GIANG", "Thành phố Bắc Giang", "city", "213", parent_code=_BG),
    _unit("BG-H-YEN-THE", "Huyện Yên Thế", "district", "215", parent_code=_BG),
    _unit("BG-H-TAN-YEN", "Huyện Tân Yên", "district", "216", parent_code=_BG),
    _unit("BG-H-LANG-GIANG", "Huyện Lạng Giang", "district", "217", parent_code=_BG),
    _unit("BG-H-LUC-NAM", "Huyện Lục Nam", "district", "218", parent_code=_BG),
    # Lục Ngạn lost its centre to the new Chũ town on 1 January 2025 but lived on.
    _unit("BG-H-LUC-NGAN", "Huyện Lục Ngạn", "district", "219", parent_code=_BG),
    _unit("BG-H-SON-DONG", "Huyện Sơn Động", "district", "220", parent_code=_BG),
    # Merged into Bắc Giang city (NQ 1191/NQ-UBTVQH15, in force 1 January 2025).
    _unit("BG-H-YEN-DUNG", "Huyện Yên Dũng", "district", "221",
          valid_to=date(2024, 12, 31), successor_code="BG-TP-BAC-GIANG", parent_code=_BG),
    # Became a town (NQ 938/NQ-UBTVQH15, in force 1 February 2024).
    _unit("BG-H-VIET-YEN", "Huyện Việt Yên", "district", "222",
          valid_to=date(2024, 1, 31), successor_code="BG-TX-VIET-YEN", parent_code=_BG),
    _unit("BG-TX-VIET-YEN", "Thị xã Việt Yên", "town", "222",
          valid_from=date(2024, 2, 1), parent_code=_BG),
    _unit("BG-H-HIEP-HOA", "Huyện Hiệp Hòa", "district", "223", parent_code=_BG),
    # Created from ten communes of Lục Ngạn (NQ 1191/NQ-UBTVQH15, in force 1 January 2025).
    _unit("BG-TX-CHU", "Thị xã Chũ", "town", None,
          valid_from=date(2025, 1, 1), parent_code=_BG),
]

FORMER_BAC_NINH_UNITS: list[dict] = [
    _unit("BN-TP-BAC-NINH", "Thành phố Bắc Ninh", "city", "256", parent_code=_BN),
    _unit("BN-H-YEN-PHONG", "Huyện Yên Phong", "district", "258", parent_code=_BN),
    # Quế Võ and Thuận Thành became towns (NQ 721/NQ-UBTVQH15, in force 10 April 2023).
    _unit("BN-H-QUE-VO", "Huyện Quế Võ", "district", "259",
          valid_to=date(2023, 4, 9), successor_code="BN-TX-QUE-VO", parent_code=_BN),
    _unit("BN-TX-QUE-VO", "Thị xã Quế Võ", "town", "259",
          valid_from=date(2023, 4, 10), parent_code=_BN),
    _unit("BN-H-TIEN-DU", "Huyện Tiên Du", "district", "260", parent_code=_BN),
    # Từ Sơn became a city on 1 November 2021.
    _unit("BN-TX-TU-SON", "Thị xã Từ Sơn", "town", "261",
          valid_to=date(2021, 10, 31), successor_code="BN-TP-TU-SON", parent_code=_BN),
    _unit("BN-TP-TU-SON", "Thành phố Từ Sơn", "city", "261",
          valid_from=date(2021, 11, 1), parent_code=_BN),
    _unit("BN-H-THUAN-THANH", "Huyện Thuận Thành", "district", "262",
          valid_to=date(2023, 4, 9), successor_code="BN-TX-THUAN-THANH", parent_code=_BN),
    _unit("BN-TX-THUAN-THANH", "Thị xã Thuận Thành", "town", "262",
          valid_from=date(2023, 4, 10), parent_code=_BN),
    _unit("BN-H-GIA-BINH", "Huyện Gia Bình", "district", "263", parent_code=_BN),
    _unit("BN-H-LUONG-TAI", "Huyện Lương Tài", "district", "264", parent_code=_BN),
]

FORMER_UNITS: list[dict] = FORMER_BAC_GIANG_UNITS + FORMER_BAC_NINH_UNITS
FORMER_UNIT_BY_CODE: dict[str, dict] = {u["code"]: u for u in FORMER_UNITS}


def _valid_on(unit: dict, day: date) -> bool:
    start, end = unit["valid_from"], unit["valid_to"]
    return (start is None or start <= day) and (end is None or day <= end)


def former_units_on(day: date) -> list[dict]:
    """The district-level units of both former provinces in force on ``day``."""
    return [u for u in FORMER_UNITS if _valid_on(u, day)]


def base_name(name: str) -> str:
    """``"Phường Kinh Bắc"`` → ``"Kinh Bắc"``; ``"Thị xã Chũ"`` → ``"Chũ"``."""
    for prefix in ("Thành phố ", "Thị xã ", "Huyện ", "Phường ", "Xã ", "Thị trấn ", "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


# ---------------------------------------------------------------------------
# Communes and wards of the new Bắc Ninh province (from 1 July 2025)
# ---------------------------------------------------------------------------

# (official code, name) grouped by (former district as in 2023, unit on 30 June 2025).
_COMMUNES_BY_DISTRICT: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("BG-TP-BAC-GIANG", "BG-TP-BAC-GIANG", [
        ("07210", "Phường Bắc Giang"), ("07228", "Phường Đa Mai"), ("07699", "Phường Tân Tiến"),
    ]),
    ("BG-H-YEN-DUNG", "BG-TP-BAC-GIANG", [
        ("07696", "Phường Tiền Phong"), ("07682", "Phường Tân An"), ("07681", "Phường Yên Dũng"),
        ("07738", "Phường Cảnh Thụy"), ("07735", "Xã Đồng Việt"),
    ]),
    ("BG-H-VIET-YEN", "BG-TX-VIET-YEN", [
        ("07774", "Phường Tự Lạn"), ("07777", "Phường Việt Yên"), ("07795", "Phường Nếnh"),
        ("07798", "Phường Vân Hà"),
    ]),
    ("BG-H-HIEP-HOA", "BG-H-HIEP-HOA", [
        ("07864", "Xã Hợp Thịnh"), ("07840", "Xã Hiệp Hòa"), ("07822", "Xã Hoàng Vân"),
        ("07870", "Xã Xuân Cẩm"),
    ]),
    ("BG-H-TAN-YEN", "BG-H-TAN-YEN", [
        ("07339", "Xã Tân Yên"), ("07351", "Xã Ngọc Thiện"), ("07306", "Xã Nhã Nam"),
        ("07330", "Xã Phúc Hòa"), ("07333", "Xã Quang Trung"),
    ]),
    ("BG-H-YEN-THE", "BG-H-YEN-THE", [
        ("07288", "Xã Yên Thế"), ("07294", "Xã Bố Hạ"), ("07282", "Xã Đồng Kỳ"),
        ("07246", "Xã Xuân Lương"), ("07264", "Xã Tam Tiến"),
    ]),
    ("BG-H-LANG-GIANG", "BG-H-LANG-GIANG", [
        ("07375", "Xã Lạng Giang"), ("07420", "Xã Mỹ Thái"), ("07399", "Xã Kép"),
        ("07432", "Xã Tân Dĩnh"), ("07381", "Xã Tiên Lục"),
    ]),
    ("BG-H-LUC-NAM", "BG-H-LUC-NAM", [
        ("07444", "Xã Lục Nam"), ("07450", "Xã Đông Phú"), ("07462", "Xã Bảo Đài"),
        ("07486", "Xã Nghĩa Phương"), ("07489", "Xã Trường Sơn"), ("07492", "Xã Lục Sơn"),
        ("07498", "Xã Bắc Lũng"), ("07519", "Xã Cẩm Lý"),
    ]),
    ("BG-H-LUC-NGAN", "BG-H-LUC-NGAN", [
        ("07582", "Xã Lục Ngạn"), ("07573", "Xã Biển Động"), ("07594", "Xã Đèo Gia"),
        ("07543", "Xã Sơn Hải"), ("07531", "Xã Tân Sơn"), ("07537", "Xã Biên Sơn"),
        ("07534", "Xã Sa Lý"),
    ]),
    ("BG-H-LUC-NGAN", "BG-TX-CHU", [
        ("07525", "Phường Chũ"), ("07612", "Phường Phượng Sơn"), ("07603", "Xã Nam Dương"),
        ("07552", "Xã Kiên Lao"),
    ]),
    ("BG-H-SON-DONG", "BG-H-SON-DONG", [
        ("07615", "Xã Sơn Động"), ("07616", "Xã Tây Yên Tử"), ("07621", "Xã Vân Sơn"),
        ("07627", "Xã Đại Sơn"), ("07642", "Xã Yên Định"), ("07654", "Xã An Lạc"),
        ("07663", "Xã Tuấn Đạo"), ("07672", "Xã Dương Hưu"),
    ]),
    ("BN-TP-BAC-NINH", "BN-TP-BAC-NINH", [
        ("09187", "Phường Kinh Bắc"), ("09190", "Phường Võ Cường"), ("09169", "Phường Vũ Ninh"),
        ("09325", "Phường Hạp Lĩnh"), ("09286", "Phường Nam Sơn"),
    ]),
    ("BN-TP-TU-SON", "BN-TP-TU-SON", [
        ("09367", "Phường Từ Sơn"), ("09370", "Phường Tam Sơn"), ("09385", "Phường Đồng Nguyên"),
        ("09379", "Phường Phù Khê"),
    ]),
    ("BN-TX-THUAN-THANH", "BN-TX-THUAN-THANH", [
        ("09400", "Phường Thuận Thành"), ("09409", "Phường Mão Điền"), ("09430", "Phường Trạm Lộ"),
        ("09427", "Phường Trí Quả"), ("09433", "Phường Song Liễu"), ("09445", "Phường Ninh Xá"),
    ]),
    ("BN-TX-QUE-VO", "BN-TX-QUE-VO", [
        ("09247", "Phường Quế Võ"), ("09265", "Phường Phương Liễu"), ("09253", "Phường Nhân Hòa"),
        ("09301", "Phường Đào Viên"), ("09295", "Phường Bồng Lai"), ("09313", "Xã Chi Lăng"),
        ("09292", "Xã Phù Lãng"),
    ]),
    ("BN-H-YEN-PHONG", "BN-H-YEN-PHONG", [
        ("09193", "Xã Yên Phong"), ("09238", "Xã Văn Môn"), ("09202", "Xã Tam Giang"),
        ("09205", "Xã Yên Trung"), ("09208", "Xã Tam Đa"),
    ]),
    ("BN-H-TIEN-DU", "BN-H-TIEN-DU", [
        ("09319", "Xã Tiên Du"), ("09334", "Xã Liên Bão"), ("09343", "Xã Tân Chi"),
        ("09340", "Xã Đại Đồng"), ("09349", "Xã Phật Tích"),
    ]),
    ("BN-H-GIA-BINH", "BN-H-GIA-BINH", [
        ("09454", "Xã Gia Bình"), ("09475", "Xã Nhân Thắng"), ("09469", "Xã Đại Lai"),
        ("09466", "Xã Cao Đức"), ("09487", "Xã Đông Cứu"),
    ]),
    ("BN-H-LUONG-TAI", "BN-H-LUONG-TAI", [
        ("09496", "Xã Lương Tài"), ("09529", "Xã Lâm Thao"), ("09523", "Xã Trung Chính"),
        ("09499", "Xã Trung Kênh"),
    ]),
]

BAC_NINH_COMMUNES_2025: list[dict] = [
    {
        "code": code,
        "name": name,
        "kind": "ward" if name.startswith("Phường ") else "commune",
        "former_district_code": former,
        "last_district_code": last,
        "parent_code": "P-BN",
        "valid_from": REFORM_DATE,
        "valid_to": None,
    }
    for former, last, members in _COMMUNES_BY_DISTRICT
    for code, name in members
]

COMMUNE_BY_CODE: dict[str, dict] = {c["code"]: c for c in BAC_NINH_COMMUNES_2025}

# Commune code → code of the district-level unit (as in 2023) it mostly came from.
FORMER_DISTRICT_OF_COMMUNE: dict[str, str] = {
    c["code"]: c["former_district_code"] for c in BAC_NINH_COMMUNES_2025
}


def _district_history(commune: dict) -> list[dict]:
    """The district-level units the commune's territory belonged to, oldest first."""
    first = FORMER_UNIT_BY_CODE[commune["former_district_code"]]
    chain = [first]
    while True:  # earlier forms of the same territory (Huyện Quế Võ before Thị xã Quế Võ)
        previous = [
            u for u in FORMER_UNITS
            if u["successor_code"] == chain[0]["code"] and u["gso_code"] == chain[0]["gso_code"]
        ]
        if not previous:
            break
        chain.insert(0, previous[0])
    while chain[-1]["successor_code"]:  # successors (Huyện Yên Dũng → Thành phố Bắc Giang)
        chain.append(FORMER_UNIT_BY_CODE[chain[-1]["successor_code"]])
    last = FORMER_UNIT_BY_CODE[commune["last_district_code"]]
    if last is not chain[-1]:  # split off into a new unit (Lục Ngạn → Chũ)
        chain.append(last)
    return chain


def district_on(commune_code: str, day: date) -> dict | None:
    """The district-level unit the territory of a 2025 commune belonged to on ``day``.

    ``None`` from 1 July 2025, when districts no longer exist.
    """
    if day >= REFORM_DATE:
        return None
    chain = _district_history(COMMUNE_BY_CODE[commune_code])
    found = None
    for index, unit in enumerate(chain):
        if index == 0:
            start = unit["valid_from"]
        elif chain[index - 1]["successor_code"] == unit["code"]:
            start = chain[index - 1]["valid_to"] + timedelta(days=1)
        else:
            start = unit["valid_from"]
        if (start is None or start <= day) and (unit["valid_to"] is None or day <= unit["valid_to"]):
            found = unit
    return found


# ---------------------------------------------------------------------------
# Clusters of communes (demo grouping, not an official list)
# ---------------------------------------------------------------------------

_CLUSTER_PLAN: list[tuple[str, list[str]]] = [
    ("Bắc Giang – Yên Dũng", ["BG-TP-BAC-GIANG", "BG-H-YEN-DUNG"]),
    ("Việt Yên – Hiệp Hòa", ["BG-H-VIET-YEN", "BG-H-HIEP-HOA"]),
    ("Tân Yên – Yên Thế", ["BG-H-TAN-YEN", "BG-H-YEN-THE"]),
    ("Lạng Giang – Lục Nam", ["BG-H-LANG-GIANG", "BG-H-LUC-NAM"]),
    ("Chũ – Lục Ngạn", ["BG-H-LUC-NGAN"]),
    ("Sơn Động", ["BG-H-SON-DONG"]),
    ("Kinh Bắc – Quế Võ", ["BN-TP-BAC-NINH", "BN-TX-QUE-VO"]),
    ("Từ Sơn – Tiên Du – Yên Phong", ["BN-TP-TU-SON", "BN-H-TIEN-DU", "BN-H-YEN-PHONG"]),
    ("Thuận Thành – Gia Bình – Lương Tài", ["BN-TX-THUAN-THANH", "BN-H-GIA-BINH", "BN-H-LUONG-TAI"]),
]

CLUSTERS_2025: list[dict] = [
    {
        "code": f"CUM-{number:02d}",
        "name": f"Cụm số {number} ({label})",
        "kind": "cluster",
        "parent_code": "P-BN",
        "valid_from": REFORM_DATE,
        "valid_to": None,
        "commune_codes": tuple(
            c["code"] for c in BAC_NINH_COMMUNES_2025 if c["former_district_code"] in districts
        ),
    }
    for number, (label, districts) in enumerate(_CLUSTER_PLAN, start=1)
]

# ---------------------------------------------------------------------------
# Person names
# ---------------------------------------------------------------------------

GENDERS = ("male", "female")

# Family names with approximate shares (per cent) in northern Vietnam; Thân, Giáp and
# Nghiêm are typical of Bắc Giang and Bắc Ninh.
FAMILY_NAMES: list[tuple[str, float]] = [
    ("Nguyễn", 38.0), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 4.5),
    ("Huỳnh", 0.3), ("Phan", 2.5), ("Vũ", 3.8), ("Võ", 0.3), ("Đặng", 2.1), ("Bùi", 2.0),
    ("Đỗ", 1.8), ("Hồ", 0.8), ("Ngô", 1.5), ("Dương", 1.2), ("Lý", 0.5), ("Đào", 1.0),
    ("Đinh", 1.0), ("Trịnh", 0.8), ("Mai", 0.5), ("Lương", 0.5), ("Lưu", 0.4), ("Cao", 0.5),
    ("Tạ", 0.4), ("Chu", 0.4), ("Hà", 0.6), ("Thân", 0.9), ("Giáp", 0.4), ("Nghiêm", 0.3),
    ("Tô", 0.3), ("Kiều", 0.2), ("Khổng", 0.1), ("Triệu", 0.2), ("Lã", 0.1), ("Ninh", 0.2),
    ("Nông", 0.2), ("Vương", 0.2), ("Đoàn", 0.6), ("La", 0.1),
]

_MIDDLE_MALE: list[tuple[str, float]] = [
    ("Văn", 30), ("Đức", 8), ("Minh", 8), ("Quang", 5), ("Mạnh", 3), ("Hữu", 4), ("Tiến", 3),
    ("Xuân", 3), ("Thành", 2), ("Công", 3), ("Ngọc", 2), ("Hoàng", 3), ("Duy", 3),
    ("Trọng", 2), ("Anh", 2), ("Gia", 3), ("Bảo", 2), ("Đình", 3), ("Thế", 2), ("Việt", 2),
    ("Quốc", 2), ("Huy", 1), ("Tuấn", 1), ("Khánh", 1), ("Hải", 1), ("Trung", 1),
    ("Hoàng Minh", 1), ("Minh Đức", 0.5), ("Quang Minh", 0.5), ("Đức Minh", 0.5),
    ("Hoàng Gia", 0.5), ("Phúc Gia", 0.3),
]

_MIDDLE_FEMALE: list[tuple[str, float]] = [
    ("Thị", 30), ("Ngọc", 6), ("Thu", 5), ("Thanh", 5), ("Phương", 3), ("Minh", 4),
    ("Khánh", 3), ("Bảo", 3), ("Hồng", 3), ("Thùy", 3), ("Mai", 2), ("Kim", 2), ("Diệu", 1),
    ("Hải", 1), ("Lan", 1), ("Quỳnh", 2), ("Tuyết", 1), ("Hà", 1), ("Hoài", 1), ("Yến", 1),
    ("Linh", 1), ("Thảo", 1), ("Hương", 1), ("Vân", 1),
    ("Thị Ngọc", 1.5), ("Thị Thu", 1.5), ("Thị Thanh", 1), ("Thị Hồng", 1),
    ("Ngọc Bảo", 0.5), ("Hoàng Bảo", 0.3), ("Ngọc Khánh", 0.5), ("Thị Minh", 0.5),
]

GIVEN_NAMES_MALE: list[str] = [
    "An", "Anh", "Bảo", "Bình", "Cường", "Chiến", "Công", "Dũng", "Dương", "Duy", "Đạt",
    "Định", "Đông", "Đức", "Giang", "Hải", "Hào", "Hiếu", "Hiển", "Hiệp", "Hòa", "Hoàng",
    "Huy", "Hùng", "Hưng", "Hậu", "Khải", "Khang", "Khánh", "Khoa", "Khôi", "Kiên", "Lâm",
    "Linh", "Long", "Lộc", "Lợi", "Luân", "Mạnh", "Minh", "Nam", "Nghĩa", "Nguyên", "Nhân",
    "Nhật", "Phong", "Phú", "Phúc", "Quân", "Quang", "Quốc", "Quý", "Quyết", "Sơn", "Tài",
    "Tâm", "Tân", "Thái", "Thắng", "Thành", "Thịnh", "Thông", "Tiến", "Toàn", "Trí",
    "Trung", "Trường", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Khiêm", "Đăng", "Kiệt",
    "Lực", "Thuận", "Hiệu",
]

GIVEN_NAMES_FEMALE: list[str] = [
    "An", "Anh", "Ánh", "Bích", "Chi", "Châu", "Cúc", "Diệp", "Dung", "Duyên", "Giang",
    "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng", "Huệ", "Huyền", "Hương", "Hường", "Khánh",
    "Khuê", "Lan", "Liên", "Linh", "Loan", "Ly", "Mai", "My", "Nga", "Ngân", "Ngọc",
    "Nhung", "Nhi", "Oanh", "Phương", "Phượng", "Quyên", "Quỳnh", "Tâm", "Thanh", "Thảo",
    "Thơ", "Thu", "Thủy", "Trang", "Trâm", "Trinh", "Tú", "Tuyết", "Uyên", "Vân", "Vy",
    "Xuân", "Yến", "Hoài", "Ngà", "Nguyệt", "Thư", "Trà", "Hậu", "Lụa", "Thắm", "Điệp",
]

# Real-world spellings that trip up naive code: old-style tone placement ("Thuỷ", "Thuý"),
# a capital with a diacritic ("Ánh"), an initial "Ư".
_TRICKY_NAMES: list[tuple[str, str]] = [
    ("Nguyễn Thị Ngọc Ánh", "female"),
    ("Đặng Thị Thuỷ", "female"),
    ("Ngô Thị Thuý Hằng", "female"),
    ("Lê Văn Ưng", "male"),
    ("Hoàng Văn Ước", "male"),
    ("Trịnh Xuân Khoả", "male"),
]


def _weighted(rng: random.Random, pairs: list[tuple[str, float]]) -> str:
    values = [value for value, _ in pairs]
    weights = [weight for _, weight in pairs]
    return rng.choices(values, weights=weights, k=1)[0]


def person_name(rng: random.Random, gender: str | None = None) -> tuple[str, str]:
    """A Vietnamese full name and the gender it was drawn for (``"male"``/``"female"``)."""
    if gender is None:
        gender = rng.choice(GENDERS)
    if gender not in GENDERS:
        raise ValueError(f"gender must be one of {GENDERS}, not {gender!r}")
    roll = rng.random()
    if roll < 0.012:
        tricky = [name for name, g in _TRICKY_NAMES if g == gender]
        return rng.choice(tricky), gender
    family = _weighted(rng, FAMILY_NAMES)
    if gender == "male":
        middle = _weighted(rng, _MIDDLE_MALE)
        given = rng.choice(GIVEN_NAMES_MALE)
    else:
        middle = _weighted(rng, _MIDDLE_FEMALE)
        given = rng.choice(GIVEN_NAMES_FEMALE)
    if roll > 0.99:  # a few two-word names exist ("Trần Hưng")
        return f"{family} {given}", gender
    if given in middle.split() or family in middle.split():  # no "Ngọc Bảo Bảo"
        middle = "Văn" if gender == "male" else "Thị"
    return f"{family} {middle} {given}", gender


# ---------------------------------------------------------------------------
# Institutions
# ---------------------------------------------------------------------------

INSTITUTION_KINDS = (
    "primary", "lower_secondary", "upper_secondary", "college", "university",
    "agency", "enterprise", "other",
)

# Communes (before 2025) and former towns of each district, as in 2023: names for extra
# schools. A school named after one is attached to a 2025 commune of the same former
# district (plausible at district level, not checked commune by commune).
_OLD_PLACES: dict[str, list[str]] = {
    "BG-TP-BAC-GIANG": [
        "Trần Nguyên Hãn", "Ngô Quyền", "Hoàng Văn Thụ", "Lê Lợi", "Trần Phú", "Thọ Xương",
        "Mỹ Độ", "Xương Giang", "Dĩnh Kế", "Song Mai", "Tân Mỹ", "Song Khê", "Đồng Sơn",
        "Dĩnh Trì",
    ],
    "BG-H-YEN-DUNG": [
        "Nham Biền", "Tân Dân", "Tiến Dũng", "Đồng Phúc", "Tư Mại", "Lãng Sơn", "Trí Yên",
        "Lão Hộ", "Hương Gián", "Xuân Phú", "Quỳnh Sơn", "Tân Liễu", "Yên Lư", "Nội Hoàng",
        "Đức Giang",
    ],
    "BG-H-VIET-YEN": [
        "Bích Động", "Tăng Tiến", "Hồng Thái", "Quảng Minh", "Ninh Sơn", "Vân Trung",
        "Quang Châu", "Minh Đức", "Nghĩa Trung", "Trung Sơn", "Thượng Lan", "Việt Tiến",
        "Tiên Sơn", "Hương Mai",
    ],
    "BG-H-HIEP-HOA": [
        "Thị trấn Thắng", "Bắc Lý", "Châu Minh", "Đại Thành", "Đoan Bái", "Đông Lỗ",
        "Hoàng An", "Hoàng Lương", "Hòa Sơn", "Hùng Sơn", "Hương Lâm", "Lương Phong",
        "Mai Đình", "Mai Trung", "Ngọc Sơn", "Thái Sơn", "Thanh Vân", "Thường Thắng",
        "Danh Thắng", "Đức Thắng", "Bách Nhẫn",
    ],
    "BG-H-TAN-YEN": [
        "Cao Thượng", "Cao Xá", "Lam Cốt", "Liên Chung", "Việt Lập", "Ngọc Châu",
        "Ngọc Vân", "Ngọc Lý", "Song Vân", "Quang Tiến", "Hợp Đức", "Liên Sơn", "An Dương",
        "Lan Giới", "Đại Hóa", "Phúc Sơn", "Quế Nham", "Tân Trung",
    ],
    "BG-H-YEN-THE": [
        "Phồn Xương", "Đồng Hưu", "Đồng Tâm", "Đồng Lạc", "Đồng Vương", "Hương Vĩ",
        "Đông Sơn", "Tam Hiệp", "Tiến Thắng", "Canh Nậu", "An Thượng", "Hồng Kỳ", "Tân Sỏi",
        "Tân Hiệp",
    ],
    "BG-H-LANG-GIANG": [
        "Thị trấn Vôi", "Phi Mô", "Thái Đào", "Xuân Hương", "Dương Đức", "Đại Lâm",
        "Tân Thanh", "Mỹ Hà", "Xương Lâm", "Tân Hưng", "Quang Thịnh", "Hương Lạc",
        "Nghĩa Hòa", "An Hà", "Nghĩa Hưng", "Đào Mỹ", "Tân Thịnh", "Yên Mỹ", "Hương Sơn",
    ],
    "BG-H-LUC-NAM": [
        "Đồi Ngô", "Phương Sơn", "Bảo Sơn", "Chu Điện", "Cương Sơn", "Đan Hội", "Đông Hưng",
        "Huyền Sơn", "Khám Lạng", "Lan Mẫu", "Tam Dị", "Thanh Lâm", "Tiên Nha",
        "Trường Giang", "Vô Tranh", "Vũ Xá", "Yên Sơn", "Bình Sơn", "Tiên Hưng",
    ],
    "BG-H-LUC-NGAN": [
        "Cấm Sơn", "Đồng Cốc", "Giáp Sơn", "Hộ Đáp", "Kim Sơn", "Phì Điền", "Phong Minh",
        "Phong Vân", "Phú Nhuận", "Tân Hoa", "Tân Lập", "Tân Mộc", "Tân Quang", "Hồng Giang",
        "Kiên Thành", "Mỹ An", "Quý Sơn", "Thanh Hải", "Trù Hựu",
    ],
    "BG-H-SON-DONG": [
        "An Châu", "An Bá", "Cẩm Đàn", "Giáo Liêm", "Hữu Sản", "Lệ Viễn", "Long Sơn",
        "Vĩnh An", "Thanh Luận", "Thạch Sơn", "Chiên Sơn",
    ],
    "BN-TP-BAC-NINH": [
        "Đáp Cầu", "Thị Cầu", "Vệ An", "Tiền An", "Đại Phúc", "Suối Hoa", "Hòa Long",
        "Vạn An", "Khúc Xuyên", "Phong Khê", "Kim Chân", "Vân Dương", "Khắc Niệm",
    ],
    "BN-TP-TU-SON": [
        "Đông Ngàn", "Đồng Kỵ", "Trang Hạ", "Đình Bảng", "Tân Hồng", "Châu Khê",
        "Tương Giang", "Hương Mạc", "Phù Chẩn",
    ],
    "BN-TX-THUAN-THANH": [
        "Thị trấn Hồ", "Gia Đông", "An Bình", "Song Hồ", "Xuân Lâm", "Hà Mãn", "Ngũ Thái",
        "Nguyệt Đức", "Hoài Thượng", "Đại Đồng Thành", "Đình Tổ", "Thanh Khương",
    ],
    "BN-TX-QUE-VO": [
        "Phố Mới", "Việt Hùng", "Phượng Mao", "Bằng An", "Cách Bi", "Mộ Đạo", "Châu Phong",
        "Đức Long", "Việt Thống", "Đại Xuân", "Ngọc Xá", "Yên Giả", "Hán Quảng",
    ],
    "BN-H-YEN-PHONG": [
        "Thị trấn Chờ", "Dũng Liệt", "Thụy Hòa", "Hòa Tiến", "Đông Tiến", "Yên Phụ",
        "Đông Phong", "Trung Nghĩa", "Long Châu", "Đông Thọ",
    ],
    "BN-H-TIEN-DU": [
        "Thị trấn Lim", "Hoàn Sơn", "Tri Phương", "Minh Đạo", "Cảnh Hưng", "Việt Đoàn",
        "Nội Duệ", "Hiên Vân", "Lạc Vệ", "Phú Lâm",
    ],
    "BN-H-GIA-BINH": [
        "Song Giang", "Giang Sơn", "Lãng Ngâm", "Thái Bảo", "Bình Dương", "Vạn Ninh",
        "Xuân Lai", "Quỳnh Phú",
    ],
    "BN-H-LUONG-TAI": [
        "Thị trấn Thứa", "An Thịnh", "Phú Hòa", "Mỹ Hương", "Tân Lãng", "Quảng Phú",
        "Trừng Xá", "Lai Hạ", "Minh Tân", "Bình Định", "Phú Lương",
    ],
}

# Named lower secondary schools: (name, former district).
_NAMED_LOWER_SECONDARY: list[tuple[str, str]] = [
    ("Trường THCS Lê Quý Đôn", "BG-TP-BAC-GIANG"),
    ("Trường THCS Ngô Sĩ Liên", "BG-TP-BAC-GIANG"),
    ("Trường THCS Thân Nhân Trung", "BG-H-VIET-YEN"),
    ("Trường THCS Nguyễn Đăng Đạo", "BN-TP-BAC-NINH"),
    ("Trường THCS Nguyễn Cao", "BN-TX-QUE-VO"),
    ("Trường THCS Lê Văn Thịnh", "BN-H-GIA-BINH"),
    ("Trường THCS Hàn Thuyên", "BN-H-LUONG-TAI"),
]

# Upper secondary schools: (name, former district).
_UPPER_SECONDARY: list[tuple[str, str]] = [
    ("Trường THPT Chuyên Bắc Giang", "BG-TP-BAC-GIANG"),
    ("Trường THPT Ngô Sĩ Liên", "BG-TP-BAC-GIANG"),
    ("Trường THPT Giáp Hải", "BG-TP-BAC-GIANG"),
    ("Trường THPT Thái Thuận", "BG-TP-BAC-GIANG"),
    ("Trường Phổ thông Dân tộc nội trú tỉnh Bắc Giang", "BG-TP-BAC-GIANG"),
    ("Trường THPT Yên Dũng số 1", "BG-H-YEN-DUNG"),
    ("Trường THPT Yên Dũng số 2", "BG-H-YEN-DUNG"),
    ("Trường THPT Yên Dũng số 3", "BG-H-YEN-DUNG"),
    ("Trường THPT Việt Yên số 1", "BG-H-VIET-YEN"),
    ("Trường THPT Việt Yên số 2", "BG-H-VIET-YEN"),
    ("Trường THPT Lý Thường Kiệt", "BG-H-VIET-YEN"),
    ("Trường THPT Hiệp Hòa số 1", "BG-H-HIEP-HOA"),
    ("Trường THPT Hiệp Hòa số 2", "BG-H-HIEP-HOA"),
    ("Trường THPT Hiệp Hòa số 3", "BG-H-HIEP-HOA"),
    ("Trường THPT Hiệp Hòa số 4", "BG-H-HIEP-HOA"),
    ("Trường THPT Tân Yên số 1", "BG-H-TAN-YEN"),
    ("Trường THPT Tân Yên số 2", "BG-H-TAN-YEN"),
    ("Trường THPT Nhã Nam", "BG-H-TAN-YEN"),
    ("Trường THPT Yên Thế", "BG-H-YEN-THE"),
    ("Trường THPT Bố Hạ", "BG-H-YEN-THE"),
    ("Trường THPT Mỏ Trạng", "BG-H-YEN-THE"),
    ("Trường THPT Lạng Giang số 1", "BG-H-LANG-GIANG"),
    ("Trường THPT Lạng Giang số 2", "BG-H-LANG-GIANG"),
    ("Trường THPT Lạng Giang số 3", "BG-H-LANG-GIANG"),
    ("Trường THPT Lục Nam", "BG-H-LUC-NAM"),
    ("Trường THPT Cẩm Lý", "BG-H-LUC-NAM"),
    ("Trường THPT Tứ Sơn", "BG-H-LUC-NAM"),
    ("Trường THPT Phương Sơn", "BG-H-LUC-NAM"),
    ("Trường THPT Lục Ngạn số 1", "BG-H-LUC-NGAN"),
    ("Trường THPT Lục Ngạn số 2", "BG-H-LUC-NGAN"),
    ("Trường THPT Lục Ngạn số 3", "BG-H-LUC-NGAN"),
    ("Trường THPT Lục Ngạn số 4", "BG-H-LUC-NGAN"),
    ("Trường THPT Sơn Động số 1", "BG-H-SON-DONG"),
    ("Trường THPT Sơn Động số 2", "BG-H-SON-DONG"),
    ("Trường THPT Sơn Động số 3", "BG-H-SON-DONG"),
    ("Trường THPT Chuyên Bắc Ninh", "BN-TP-BAC-NINH"),
    ("Trường THPT Hàn Thuyên", "BN-TP-BAC-NINH"),
    ("Trường THPT Hoàng Quốc Việt", "BN-TP-BAC-NINH"),
    ("Trường THPT Lý Nhân Tông", "BN-TP-BAC-NINH"),
    ("Trường THPT Lý Thái Tổ", "BN-TP-TU-SON"),
    ("Trường THPT Nguyễn Văn Cừ", "BN-TP-TU-SON"),
    ("Trường THPT Từ Sơn", "BN-TP-TU-SON"),
    ("Trường THPT Thuận Thành số 1", "BN-TX-THUAN-THANH"),
    ("Trường THPT Thuận Thành số 2", "BN-TX-THUAN-THANH"),
    ("Trường THPT Thuận Thành số 3", "BN-TX-THUAN-THANH"),
    ("Trường THPT Quế Võ số 1", "BN-TX-QUE-VO"),
    ("Trường THPT Quế Võ số 2", "BN-TX-QUE-VO"),
    ("Trường THPT Quế Võ số 3", "BN-TX-QUE-VO"),
    ("Trường THPT Yên Phong số 1", "BN-H-YEN-PHONG"),
    ("Trường THPT Yên Phong số 2", "BN-H-YEN-PHONG"),
    ("Trường THPT Tiên Du số 1", "BN-H-TIEN-DU"),
    ("Trường THPT Nguyễn Đăng Đạo", "BN-H-TIEN-DU"),
    ("Trường THPT Gia Bình số 1", "BN-H-GIA-BINH"),
    ("Trường THPT Lê Văn Thịnh", "BN-H-GIA-BINH"),
    ("Trường THPT Lương Tài", "BN-H-LUONG-TAI"),
    ("Trường THPT Lương Tài số 2", "BN-H-LUONG-TAI"),
]

# Colleges, universities and provincial agencies: (name, kind, 2025 commune code).
_FIXED_INSTITUTIONS: list[tuple[str, str, str]] = [
    ("Trường Cao đẳng Kỹ thuật Công nghiệp", "college", "07210"),
    ("Trường Cao đẳng Ngô Gia Tự Bắc Giang", "college", "07228"),
    ("Trường Cao đẳng Công nghệ Việt – Hàn Bắc Giang", "college", "07699"),
    ("Trường Cao đẳng Y tế Bắc Ninh", "college", "09187"),
    ("Trường Cao đẳng Thống kê", "college", "09169"),
    ("Trường Cao đẳng Công nghệ Bắc Hà", "college", "09367"),
    ("Trường Đại học Nông Lâm Bắc Giang", "university", "07777"),
    ("Trường Đại học Kinh Bắc", "university", "09190"),
    ("Trường Đại học Thể dục Thể thao Bắc Ninh", "university", "09367"),
    ("Trường Đại học Quốc tế Bắc Hà", "university", "09385"),
    ("Sở Khoa học và Công nghệ", "agency", "09187"),
    ("Sở Giáo dục và Đào tạo", "agency", "09187"),
    ("Sở Y tế", "agency", "09190"),
    ("Sở Nông nghiệp và Môi trường", "agency", "07210"),
    ("Sở Công Thương", "agency", "09187"),
    ("Sở Xây dựng", "agency", "07210"),
    ("Bệnh viện Đa khoa tỉnh Bắc Giang", "agency", "07210"),
    ("Bệnh viện Đa khoa tỉnh Bắc Ninh", "agency", "09190"),
    ("Bệnh viện Sản Nhi Bắc Giang", "agency", "07228"),
    ("Bệnh viện Sản Nhi Bắc Ninh", "agency", "09187"),
    ("Bệnh viện Y học cổ truyền tỉnh", "agency", "07210"),
    ("Trung tâm Kiểm soát bệnh tật tỉnh", "agency", "09169"),
    ("Trung tâm Khuyến nông tỉnh", "agency", "07210"),
    ("Trung tâm Ứng dụng tiến bộ khoa học và công nghệ", "agency", "07228"),
    ("Công ty Điện lực Bắc Giang", "enterprise", "07210"),
    ("Công ty TNHH MTV Khai thác công trình thủy lợi Bắc Ninh", "enterprise", "09190"),
]

_ENTERPRISE_FORMS = [("Công ty TNHH", 5), ("Công ty Cổ phần", 4), ("Công ty TNHH MTV", 1)]
_ENTERPRISE_TRADES = [
    "Cơ khí chính xác", "Điện tử", "Linh kiện điện tử", "May mặc", "Bao bì", "Nhựa",
    "Thực phẩm", "Chế biến nông sản", "Vật liệu xây dựng", "Gạch ốp lát", "Thép",
    "Dược phẩm", "Phân bón", "Thức ăn chăn nuôi", "Cơ điện", "Tự động hóa công nghiệp",
    "Phần mềm", "Giấy", "Đồ gỗ mỹ nghệ", "Xây lắp điện", "Khuôn mẫu", "Kết cấu thép",
    "Thiết bị điện", "Công nghệ môi trường", "Gốm sứ",
]
_ENTERPRISE_BRANDS = [
    "Kinh Bắc", "Hà Bắc", "Xương Giang", "Sông Cầu", "Sông Thương", "Đình Trám",
    "Quang Châu", "Vân Trung", "Song Khê", "Quế Võ", "Yên Phong", "Tiên Sơn", "Đại Đồng",
    "Hoàn Sơn", "Nam Sơn", "An Phát", "Thành Công", "Hưng Thịnh", "Phúc An", "Minh Long",
    "Tân Phát", "Việt – Hàn", "Việt – Nhật", "Đại Dương", "Hồng Phát", "Bắc Hà",
    "Trường Thịnh", "Phú Thành", "Đông Á", "Thiên Long",
]
# Communes with industrial zones (Đình Trám, Quang Châu, Vân Trung, Song Khê – Nội Hoàng,
# Quế Võ, Yên Phong, Tiên Sơn, Đại Đồng – Hoàn Sơn, Thuận Thành, Hòa Phú).
_INDUSTRIAL_COMMUNES = [
    "07795", "07798", "07777", "07774", "07696", "07210", "09247", "09265", "09193",
    "09205", "09343", "09340", "09367", "09400", "07864", "09187",
]

# Cooperatives and farms: (name, former district).
_OTHER_TEMPLATES: list[tuple[str, str]] = [
    ("Hợp tác xã Vải thiều {place}", "BG-H-LUC-NGAN"),
    ("Hợp tác xã Nông nghiệp {place}", "BG-H-LUC-NGAN"),
    ("Hợp tác xã Mỳ Chũ {place}", "BG-H-LUC-NGAN"),
    ("Hợp tác xã Gà đồi {place}", "BG-H-YEN-THE"),
    ("Trang trại gà đồi {place}", "BG-H-YEN-THE"),
    ("Hợp tác xã Cam bưởi {place}", "BG-H-LUC-NAM"),
    ("Trang trại chăn nuôi {place}", "BG-H-LANG-GIANG"),
    ("Hợp tác xã Rau an toàn {place}", "BG-H-TAN-YEN"),
    ("Hợp tác xã Dịch vụ nông nghiệp {place}", "BG-H-HIEP-HOA"),
    ("Hợp tác xã Dược liệu {place}", "BG-H-SON-DONG"),
    ("Trang trại lâm nghiệp {place}", "BG-H-SON-DONG"),
    ("Hợp tác xã Gốm {place}", "BN-TX-QUE-VO"),
    ("Hợp tác xã Đồ gỗ mỹ nghệ {place}", "BN-TP-TU-SON"),
    ("Hợp tác xã Thủy sản {place}", "BN-H-LUONG-TAI"),
    ("Hợp tác xã Nông nghiệp {place}", "BN-H-GIA-BINH"),
    ("Hợp tác xã Nông nghiệp {place}", "BN-H-YEN-PHONG"),
    ("Trang trại nấm {place}", "BN-H-TIEN-DU"),
]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def institutions(
    rng: random.Random,
    communes: list[dict] | None = None,
    former_districts: list[dict] | None = None,
) -> list[dict]:
    """About 350–420 institutions, each ``dict(code, name, kind, unit_code)``.

    ``unit_code`` is always a 2025 commune code; group by former district through
    ``FORMER_DISTRICT_OF_COMMUNE`` (every former district has primary and lower
    secondary schools). Names are unique. ``code`` is a stable identifier for seeding.
    """
    communes = BAC_NINH_COMMUNES_2025 if communes is None else communes
    former_districts = FORMER_UNITS if former_districts is None else former_districts
    by_district: dict[str, list[dict]] = {}
    for commune in communes:
        by_district.setdefault(commune["former_district_code"], []).append(commune)
    district_codes = [u["code"] for u in former_districts if u["code"] in by_district]
    commune_bases = {base_name(c["name"]) for c in communes}

    result: list[dict] = []
    seen: set[str] = set()

    def add(name: str, kind: str, unit_code: str) -> bool:
        if name in seen:
            return False
        seen.add(name)
        result.append({"name": name, "kind": kind, "unit_code": unit_code})
        return True

    def in_district(district_code: str) -> str:
        return rng.choice(by_district[district_code])["code"]

    # One primary and one lower secondary school per commune, named after it.
    for commune in communes:
        place = base_name(commune["name"])
        add(f"Trường Tiểu học {place}", "primary", commune["code"])
        add(f"Trường THCS {place}", "lower_secondary", commune["code"])

    # More schools named after the old communes and towns of each district.
    old_places = [
        (place, district)
        for district in district_codes
        for place in _OLD_PLACES.get(district, [])
        if place not in commune_bases
    ]
    rng.shuffle(old_places)
    extra_primary = rng.randint(22, 36)
    extra_lower = rng.randint(8, 14)
    for place, district in old_places[:extra_primary]:
        add(f"Trường Tiểu học {place}", "primary", in_district(district))
    for place, district in old_places[extra_primary:extra_primary + extra_lower]:
        add(f"Trường THCS {place}", "lower_secondary", in_district(district))
    for name, district in _NAMED_LOWER_SECONDARY:
        if district in by_district:
            add(name, "lower_secondary", in_district(district))

    for name, district in _UPPER_SECONDARY:
        if district in by_district:
            add(name, "upper_secondary", in_district(district))

    known_communes = {c["code"] for c in communes}
    for name, kind, commune_code in _FIXED_INSTITUTIONS:
        if commune_code in known_communes:
            add(name, kind, commune_code)

    # A district medical centre in each former district, at its main commune.
    for unit in former_districts:
        members = by_district.get(unit["code"])
        if not members:
            continue
        short = base_name(unit["name"])
        main = next((c for c in members if base_name(c["name"]) == short), members[0])
        add(f"Trung tâm Y tế {_lower_first(unit['name'])}", "agency", main["code"])

    # Enterprises for the technical innovation contest.
    industrial = [code for code in _INDUSTRIAL_COMMUNES if code in known_communes]
    wanted = rng.randint(36, 46)
    made = 0
    while made < wanted:
        form = _weighted(rng, _ENTERPRISE_FORMS)
        name = f"{form} {rng.choice(_ENTERPRISE_TRADES)} {rng.choice(_ENTERPRISE_BRANDS)}"
        unit_code = rng.choice(industrial) if rng.random() < 0.7 else rng.choice(communes)["code"]
        if add(name, "enterprise", unit_code):
            made += 1

    # Cooperatives and farms, named after an old commune of their district.
    for template, district in _OTHER_TEMPLATES:
        if district not in by_district:
            continue
        for _ in range(5):
            place = rng.choice(_OLD_PLACES[district])
            if add(template.format(place=base_name(place)), "other", in_district(district)):
                break

    prefixes = {
        "primary": "TH", "lower_secondary": "THCS", "upper_secondary": "THPT",
        "college": "CD", "university": "DH", "agency": "CQ", "enterprise": "DN", "other": "KH",
    }
    counters: dict[str, int] = {}
    for item in result:
        prefix = prefixes[item["kind"]]
        counters[prefix] = counters.get(prefix, 0) + 1
        item["code"] = f"{prefix}-{counters[prefix]:03d}"
    return result


# ---------------------------------------------------------------------------
# Fields (lĩnh vực) and divisions (bảng)
# ---------------------------------------------------------------------------

CONTEST_KINDS = ("youth", "technical", "robocon")

FIELDS_YOUTH: list[dict] = [
    {"code": "CK", "name": "Kỹ thuật cơ khí"},
    {"code": "DDT", "name": "Kỹ thuật điện – điện tử"},
    {"code": "TH", "name": "Tin học – phần mềm"},
    {"code": "TDH", "name": "Tự động hoá"},
    {"code": "MT", "name": "Môi trường"},
    {"code": "NN", "name": "Nông nghiệp – sinh học"},
    {"code": "YT", "name": "Y tế – chăm sóc sức khỏe"},
    {"code": "VL", "name": "Hóa học – vật liệu mới"},
    {"code": "DDHT", "name": "Đồ dùng học tập"},
]

FIELDS_TECHNICAL: list[dict] = [
    {"code": "CK-TDH", "name": "Cơ khí – Tự động hoá"},
    {"code": "DT-CNTT", "name": "Điện – Điện tử – Viễn thông – Công nghệ thông tin"},
    {"code": "NLN", "name": "Nông – Lâm – Ngư nghiệp"},
    {"code": "YD", "name": "Y – Dược"},
    {"code": "GD", "name": "Giáo dục – Đào tạo"},
    {"code": "MT", "name": "Môi trường"},
    {"code": "XD-GT", "name": "Xây dựng – Giao thông"},
    {"code": "KHAC", "name": "Khác"},
]

DIVISIONS_YOUTH: list[dict] = [
    {"code": "A", "name": "Bảng A – Tiểu học", "school_kind": "primary"},
    {"code": "B", "name": "Bảng B – THCS", "school_kind": "lower_secondary"},
    {"code": "C", "name": "Bảng C – THPT", "school_kind": "upper_secondary"},
]

DIVISIONS_ROBOCON: list[dict] = [
    {"code": "TH", "name": "Tiểu học", "school_kind": "primary"},
    {"code": "THCS", "name": "THCS", "school_kind": "lower_secondary"},
    {"code": "THPT", "name": "THPT", "school_kind": "upper_secondary"},
]

# ---------------------------------------------------------------------------
# Entry titles: youth models/products
# ---------------------------------------------------------------------------

_MAKE = [("", 6), ("Thiết kế, chế tạo ", 2), ("Nghiên cứu, chế tạo ", 2), ("Chế tạo ", 1),
         ("Thiết kế và chế tạo ", 1)]
_BUILD = [("", 6), ("Xây dựng ", 2), ("Thiết kế ", 1), ("Lập trình ", 1)]
_PRODUCE = [("", 5), ("Nghiên cứu, sản xuất ", 2), ("Sản xuất ", 1), ("Nghiên cứu chế tạo ", 1)]
_MODEL = [("", 6), ("Thiết kế ", 1), ("Nghiên cứu, chế tạo ", 1), ("Chế tạo ", 1),
          ("Làm ", 1)]

_SENSING = ["sử dụng cảm biến", "gửi cảnh báo qua điện thoại", "ứng dụng IoT",
            "dùng vi điều khiển Arduino", "có định vị GPS", "dùng năng lượng mặt trời",
            "ứng dụng trí tuệ nhân tạo", "phát cảnh báo bằng âm thanh và ánh sáng"]
_SMART = ["điều khiển bằng giọng nói", "điều khiển qua điện thoại", "ứng dụng IoT",
          "sử dụng cảm biến hồng ngoại", "dùng vi điều khiển Arduino", "dùng năng lượng mặt trời",
          "ứng dụng trí tuệ nhân tạo", "kết nối Wi-Fi"]

# field code → groups of (prefixes, devices, purposes, technologies); a title takes a
# device, maybe a purpose and maybe a technology from the same group, so the parts fit.
_YOUTH_THEMES: dict[str, list[tuple[list, list[str], list[str], list[str]]]] = {
    "CK": [
        (
            _MAKE,
            ["Máy bóc vỏ lạc", "Máy tách hạt ngô", "Máy thái chuối", "Máy băm cỏ", "Máy gieo hạt",
             "Máy tuốt lúa mini", "Máy nghiền thức ăn chăn nuôi", "Máy cán bánh đa",
             "Máy cuốn nem", "Máy sàng cát", "Máy lột vỏ tỏi", "Máy ép viên phân hữu cơ",
             "Máy bóc vỏ hành", "Máy xay bột gạo", "Máy rửa rau củ", "Máy tách vỏ trứng vịt lộn",
             "Máy đánh bóng nông sản", "Máy băm bèo"],
            ["cho hộ gia đình", "quy mô nhỏ", "cho làng nghề", "cho vùng trung du miền núi",
             "đa năng", "loại nhỏ gọn", "năng suất cao", "an toàn cho người sử dụng",
             "tiết kiệm điện", "giá thành thấp"],
            ["chạy bằng động cơ điện", "dùng năng lượng mặt trời", "truyền động bằng xích",
             "có bộ hẹn giờ", "từ vật liệu tái chế", "điều chỉnh được tốc độ", "dùng pin sạc",
             "truyền động bằng dây đai"],
        ),
        (
            _MAKE,
            ["Xe đẩy hàng leo cầu thang", "Xe rùa trợ lực", "Xe đạp phát điện", "Xe chở lúa mini",
             "Cần cẩu mini", "Xe nâng hàng mini"],
            ["cho hộ gia đình", "cho nông dân", "loại nhỏ gọn", "đa năng", "cho chợ nông thôn"],
            ["chạy bằng động cơ điện", "dùng pin sạc", "từ vật liệu tái chế", "điều khiển từ xa",
             "có phanh an toàn"],
        ),
    ],
    "DDT": [
        (
            _MAKE,
            ["Thiết bị cảnh báo đuối nước", "Thiết bị cảnh báo cháy",
             "Thiết bị cảnh báo rò rỉ khí gas", "Thiết bị cảnh báo sạt lở đất",
             "Hệ thống cảnh báo ngập lụt", "Thiết bị cảnh báo lũ quét",
             "Thiết bị cảnh báo quên tắt bếp điện", "Thiết bị cảnh báo điện giật"],
            ["cho gia đình", "giá thành thấp", "nhỏ gọn", "dễ lắp đặt", "cho khu dân cư",
             "cho vùng đồi núi", "cho trường học"],
            _SENSING,
        ),
        (
            _MAKE,
            ["Thiết bị cảnh báo buồn ngủ cho lái xe", "Mũ bảo hiểm thông minh",
             "Thiết bị chống trộm xe máy", "Thiết bị cảnh báo trẻ bị bỏ quên trên ô tô",
             "Thiết bị cảnh báo tàu hỏa tại đường ngang dân sinh",
             "Thiết bị cảnh báo điểm mù cho xe tải"],
            ["giá thành thấp", "nhỏ gọn", "đa năng", "dễ lắp đặt", "thế hệ mới"],
            _SENSING,
        ),
        (
            _MAKE,
            ["Đèn học chống cận", "Ổ cắm điện an toàn", "Đèn chiếu sáng tự động",
             "Bộ sạc điện thoại", "Đồng hồ đo điện năng", "Thiết bị tiết kiệm điện",
             "Quạt tự điều chỉnh tốc độ", "Bộ nguồn dự phòng", "Loa phát thanh",
             "Chuông báo giờ học", "Bộ đèn trang trí", "Đèn ngủ thông minh"],
            ["cho học sinh", "cho phòng học", "cho gia đình", "cho nhà văn hóa thôn",
             "cho trường học", "cho đường làng", "ở vùng thường mất điện"],
            ["dùng năng lượng mặt trời", "điều khiển qua điện thoại", "sử dụng cảm biến ánh sáng",
             "sử dụng cảm biến chuyển động", "điều khiển bằng giọng nói",
             "dùng vi điều khiển Arduino", "tích hợp hẹn giờ", "kết nối Wi-Fi"],
        ),
    ],
    "TH": [(
        _BUILD,
        ["Phần mềm quản lý thư viện", "Ứng dụng học tiếng Anh", "Phần mềm ôn luyện Toán",
         "Trang web giới thiệu di tích lịch sử", "Ứng dụng học lịch sử địa phương",
         "Phần mềm quản lý điểm rèn luyện", "Ứng dụng nhận biết cây thuốc nam",
         "Trò chơi giáo dục về an toàn giao thông", "Hệ thống điểm danh",
         "Ứng dụng quản lý chi tiêu", "Phần mềm luyện gõ bàn phím", "Phần mềm tạo đề kiểm tra",
         "Ứng dụng học dân ca quan họ", "Trò chơi học từ vựng tiếng Anh",
         "Ứng dụng nhắc lịch học", "Trang web chia sẻ sách cũ"],
        ["cho học sinh tiểu học", "cho học sinh THCS", "cho trường học", "cho giáo viên",
         "trên điện thoại di động", "trên nền tảng web", "cho học sinh vùng cao"],
        ["ứng dụng trí tuệ nhân tạo", "sử dụng nhận diện khuôn mặt",
         "tích hợp nhận dạng giọng nói", "sử dụng mã QR", "viết bằng ngôn ngữ Python",
         "trên nền tảng Scratch", "sử dụng học máy", "lưu trữ trên điện toán đám mây"],
    )],
    "TDH": [
        (
            _MAKE,
            ["Mô hình nhà thông minh", "Robot lau nhà", "Cửa cuốn tự động", "Khóa cửa thông minh",
             "Máy rót nước tự động", "Rèm cửa tự động", "Hệ thống phơi quần áo tự động",
             "Giàn phơi thóc tự động", "Tủ giày khử mùi tự động", "Hệ thống tưới cây ban công"],
            ["cho gia đình", "cho người cao tuổi", "cho căn hộ chung cư", "cho nhà ở nông thôn"],
            _SMART,
        ),
        (
            _MAKE,
            ["Robot phục vụ", "Robot khử khuẩn", "Xe tự hành giao hàng", "Xe chữa cháy mini",
             "Hệ thống rửa tay tự động", "Robot hướng dẫn khách", "Máy phát khẩu trang tự động"],
            ["cho bệnh viện", "cho trường học", "cho nhà hàng", "cho khu dân cư",
             "tại nơi công cộng"],
            _SMART + ["sử dụng camera nhận dạng", "tự tìm đường bằng cảm biến dò line"],
        ),
        (
            _MAKE,
            ["Cánh tay robot phân loại sản phẩm", "Mô hình băng chuyền phân loại",
             "Hệ thống đỗ xe thông minh", "Mô hình kho hàng tự động", "Xe vận chuyển tự hành",
             "Mô hình dây chuyền đóng chai"],
            ["cho kho hàng", "cho nhà máy", "cho hợp tác xã", "quy mô nhỏ"],
            ["sử dụng camera nhận dạng màu", "điều khiển bằng PLC", "dùng vi điều khiển Arduino",
             "ứng dụng IoT", "ứng dụng trí tuệ nhân tạo", "sử dụng cảm biến hồng ngoại"],
        ),
    ],
    "MT": [
        (
            _MAKE,
            ["Thùng rác thông minh", "Thiết bị phân loại rác", "Máy ép chai nhựa",
             "Máy ủ phân hữu cơ từ rác thải", "Máy tái chế giấy", "Máy nghiền vỏ lon"],
            ["cho trường học", "cho hộ gia đình", "cho khu dân cư", "tại nơi công cộng"],
            ["dùng năng lượng mặt trời", "ứng dụng IoT", "sử dụng cảm biến",
             "từ vật liệu tái chế", "ứng dụng trí tuệ nhân tạo", "sử dụng chế phẩm sinh học"],
        ),
        (
            _MAKE,
            ["Máy lọc nước", "Bể lọc nước mưa", "Bình lọc nước", "Thiết bị khử trùng nước"],
            ["cho hộ gia đình", "cho vùng ngập lụt", "cho trường học", "cho vùng núi"],
            ["sử dụng than hoạt tính", "sử dụng vật liệu tự nhiên", "dùng năng lượng mặt trời",
             "dùng đèn UV", "từ vật liệu tái chế"],
        ),
        (
            _MAKE,
            ["Thuyền vớt rác", "Thiết bị thu gom dầu loang", "Thiết bị làm sạch mặt nước",
             "Phao đo chất lượng nước"],
            ["cho ao hồ nông thôn", "trên sông", "cho hồ điều hòa"],
            ["điều khiển từ xa", "dùng năng lượng mặt trời", "ứng dụng IoT",
             "từ vật liệu tái chế"],
        ),
        (
            _MAKE,
            ["Thiết bị lọc không khí", "Thiết bị đo chất lượng không khí",
             "Máy hút bụi phấn"],
            ["cho phòng học", "cho gia đình", "cho lớp học"],
            ["sử dụng cảm biến bụi mịn", "ứng dụng IoT", "dùng màng lọc tự nhiên",
             "dùng năng lượng mặt trời", "hiển thị qua điện thoại"],
        ),
        (
            _MAKE,
            ["Hệ thống xử lý nước thải chăn nuôi", "Hầm biogas cải tiến"],
            ["cho trang trại", "quy mô hộ gia đình"],
            ["sử dụng chế phẩm sinh học", "kết hợp trồng cây thủy sinh", "ứng dụng IoT"],
        ),
    ],
    "NN": [
        (
            _MAKE,
            ["Máy tưới cây tự động", "Hệ thống tưới nhỏ giọt", "Thiết bị đuổi chim",
             "Nhà màng trồng rau", "Hệ thống trồng rau thủy canh", "Máy phun thuốc trừ sâu",
             "Thiết bị bẫy côn trùng", "Thiết bị đo độ ẩm đất", "Máy làm cỏ mini"],
            ["cho vườn rau", "cho vườn vải thiều", "cho vườn cây ăn quả", "cho hộ gia đình",
             "quy mô nhỏ", "cho vùng đồi", "cho sân thượng"],
            ["dùng năng lượng mặt trời", "điều khiển qua điện thoại", "ứng dụng IoT",
             "sử dụng cảm biến độ ẩm đất", "có hẹn giờ", "dùng vi điều khiển Arduino",
             "tiết kiệm nước"],
        ),
        (
            _MAKE,
            ["Máy cho cá ăn tự động", "Hệ thống giám sát ao nuôi", "Máy sục khí ao nuôi",
             "Chuồng gà thông minh", "Máy ấp trứng", "Máng uống nước tự động",
             "Hệ thống làm mát chuồng trại"],
            ["cho ao nuôi cá", "cho trang trại gà đồi", "cho hộ chăn nuôi", "quy mô nhỏ",
             "cho trang trại"],
            ["dùng năng lượng mặt trời", "điều khiển qua điện thoại", "ứng dụng IoT",
             "sử dụng cảm biến nhiệt độ", "có hẹn giờ", "cảnh báo qua tin nhắn"],
        ),
        (
            _MAKE,
            ["Máy sấy vải thiều", "Máy sấy nông sản", "Tủ bảo quản rau quả", "Máy sấy nấm"],
            ["cho hộ gia đình", "quy mô nhỏ", "cho hợp tác xã"],
            ["dùng năng lượng mặt trời", "dùng bơm nhiệt", "tận dụng nhiệt thải",
             "tự động điều chỉnh nhiệt độ"],
        ),
    ],
    "YT": [
        (
            _MAKE,
            ["Gậy dò đường", "Kính hỗ trợ", "Vòng tay định vị", "Mũ cảnh báo vật cản",
             "Giày cảnh báo vật cản"],
            ["cho người khiếm thị", "cho người mắt kém"],
            ["sử dụng cảm biến siêu âm", "kết nối điện thoại", "có định vị GPS",
             "phát cảnh báo bằng rung", "ứng dụng trí tuệ nhân tạo", "dùng pin sạc"],
        ),
        (
            _MAKE,
            ["Xe lăn", "Giường bệnh nâng hạ", "Thiết bị hỗ trợ đi lại",
             "Thiết bị nhắc uống thuốc", "Thiết bị đo nhịp tim và SpO2", "Thiết bị cảnh báo té ngã",
             "Máy tập phục hồi chức năng tay", "Hộp thuốc thông minh"],
            ["cho người cao tuổi", "cho bệnh nhân", "cho người khuyết tật", "tại gia đình"],
            ["điều khiển bằng giọng nói", "điều khiển bằng cử chỉ", "kết nối điện thoại",
             "ứng dụng IoT", "dùng pin sạc", "cảnh báo qua tin nhắn"],
        ),
        (
            _MAKE,
            ["Găng tay phiên dịch ngôn ngữ ký hiệu", "Thiết bị hỗ trợ giao tiếp"],
            ["cho người khiếm thính", "cho người câm điếc"],
            ["ứng dụng trí tuệ nhân tạo", "sử dụng cảm biến uốn", "kết nối điện thoại"],
        ),
    ],
    "VL": [(
        _PRODUCE,
        ["Gạch không nung từ tro xỉ", "Vật liệu cách nhiệt từ vỏ trấu",
         "Màng bọc thực phẩm từ tinh bột sắn", "Chế phẩm khử mùi từ vỏ bưởi",
         "Xà phòng từ dầu ăn đã qua sử dụng", "Nước rửa bát từ bồ hòn", "Ống hút từ cỏ bàng",
         "Túi sinh học tự phân hủy", "Sơn chống nóng", "Than sinh học từ lõi ngô",
         "Giấy từ bã mía", "Bê tông nhẹ từ xốp phế thải", "Nến thơm từ sáp ong",
         "Chế phẩm trừ sâu từ tỏi và ớt", "Keo dán sinh học từ tinh bột",
         "Tấm lợp từ vỏ hộp sữa"],
        ["thân thiện với môi trường", "giá thành thấp", "dùng trong gia đình",
         "quy mô hộ gia đình", "an toàn cho người sử dụng"],
        ["bằng phương pháp thủ công", "ứng dụng công nghệ nano", "sử dụng chế phẩm vi sinh",
         "không dùng hóa chất độc hại", "tận dụng phế phẩm nông nghiệp"],
    )],
    "DDHT": [
        (
            _MODEL,
            ["Mô hình dạy học Hệ Mặt Trời", "Bộ thí nghiệm định luật Ôm",
             "Bộ thí nghiệm khúc xạ ánh sáng", "Mô hình vòng tuần hoàn của nước",
             "Mô hình động cơ điện một chiều", "Mô hình máy phát điện xoay chiều",
             "Mô hình quá trình quang hợp", "Bộ đồ dùng học hình học",
             "Mô hình hệ tuần hoàn của người", "Bộ thí nghiệm sự nở vì nhiệt",
             "Mô hình tế bào thực vật", "Bảng tương tác", "Mô hình địa hình Việt Nam",
             "Bộ thí nghiệm điều chế khí oxi", "Mô hình chu kỳ ngày và đêm",
             "Mô hình hệ tiêu hóa", "Bộ thí nghiệm lực đẩy Ác-si-mét", "Bàn tính học toán"],
            ["dùng trong giờ thực hành", "cho lớp học STEM", "cho học sinh THCS",
             "cho học sinh tiểu học", "hỗ trợ giáo viên"],
            ["từ vật liệu tái chế", "kết hợp thực tế ảo", "có mã QR hướng dẫn",
             "điều khiển bằng máy tính", "dễ tháo lắp", "tích hợp cảm biến số"],
        ),
        (
            _MAKE,
            ["Bàn học chống gù", "Cặp sách chống gù", "Đèn bàn chống cận", "Hộp bút thông minh",
             "Giá sách xoay", "Ghế học điều chỉnh độ cao"],
            ["cho học sinh tiểu học", "cho học sinh vùng cao", "cho học sinh bán trú"],
            ["từ vật liệu tái chế", "có cảnh báo ngồi sai tư thế", "dùng pin sạc",
             "tích hợp đèn học"],
        ),
    ],
}

# ---------------------------------------------------------------------------
# Entry titles: technical innovation solutions
# ---------------------------------------------------------------------------


def _tail(goals: list[str]) -> list[str]:
    """An optional "nhằm …" ending: empty half of the time."""
    return [""] * len(goals) + [f"nhằm {goal}" for goal in goals]


def _pairs(*groups: tuple[list[str], list[str]]) -> list[str]:
    """Phrases joining each head with each compatible ending of its group."""
    return [f"{head} {end}".strip() for heads, ends in groups for head in heads for end in ends]


_CK_GOALS = [
    "nâng cao năng suất lao động", "giảm tiêu hao điện năng", "giảm tỷ lệ sản phẩm lỗi",
    "bảo đảm an toàn cho người vận hành", "giảm thời gian dừng máy",
    "tiết kiệm chi phí bảo dưỡng", "kéo dài tuổi thọ thiết bị", "giảm tiếng ồn và bụi",
    "thay thế thiết bị nhập khẩu", "giảm sức lao động thủ công", "nâng cao độ chính xác gia công",
]
_DT_GOALS = [
    "nâng cao hiệu quả quản lý", "giảm chi phí vận hành", "tiết kiệm thời gian xử lý công việc",
    "nâng cao chất lượng dịch vụ", "bảo đảm an toàn thông tin", "hỗ trợ ra quyết định kịp thời",
    "giảm sử dụng giấy tờ",
]
_NLN_GOALS = [
    "nâng cao giá trị sản phẩm", "giảm chi phí sản xuất", "tăng năng suất",
    "giảm sử dụng thuốc bảo vệ thực vật", "thích ứng với biến đổi khí hậu",
    "đáp ứng yêu cầu xuất khẩu", "nâng cao thu nhập cho nông dân",
]
_YD_GOALS = [
    "rút ngắn thời gian nằm viện", "giảm chi phí điều trị", "nâng cao sự hài lòng của người bệnh",
    "giảm tai biến", "nâng cao chất lượng điều trị", "giảm thời gian chờ đợi",
]
_GD_GOALS = [
    "phát triển năng lực học sinh", "nâng cao chất lượng dạy học",
    "đáp ứng Chương trình giáo dục phổ thông 2018", "tăng hứng thú học tập",
    "phát triển phẩm chất và năng lực người học",
]
_MT_GOALS = [
    "giảm ô nhiễm môi trường", "tiết kiệm chi phí xử lý", "tái sử dụng tài nguyên",
    "bảo vệ nguồn nước", "góp phần xây dựng nông thôn mới",
]
_XD_GOALS = [
    "rút ngắn thời gian thi công", "giảm giá thành công trình", "bảo đảm an toàn giao thông",
    "nâng cao chất lượng công trình", "tiết kiệm vật liệu",
]
_KH_GOALS = [
    "nâng cao chất lượng phục vụ người dân", "tiết kiệm thời gian và chi phí",
    "góp phần cải cách hành chính", "phục vụ chuyển đổi số",
]

# field code → (templates with weights, slot values).
_TECHNICAL_THEMES: dict[str, tuple[list[tuple[str, int]], dict[str, list[str]]]] = {
    "CK-TDH": (
        [
            ("Cải tiến {machine} nhằm {goal}", 3),
            ("Thiết kế, chế tạo {new_machine} {feature} {tail}", 3),
            ("Giải pháp cải tiến dây chuyền {line} nhằm {goal}", 3),
            ("Tự động hoá công đoạn {step} tại {workshop} {tail}", 2),
            ("Ứng dụng {control} điều khiển {machine} {tail}", 2),
            ("Chế tạo đồ gá {jig} {tail}", 1),
        ],
        {
            "machine": ["máy ép thủy lực", "máy cắt tôn", "máy hàn bán tự động",
                        "hệ thống băng tải", "máy đột dập", "máy tiện CNC", "máy nén khí",
                        "cầu trục dầm đơn", "máy chấn tôn", "lò sấy", "máy đóng gói",
                        "máy dán nhãn", "máy cắt ống thép", "máy ép phun nhựa",
                        "hệ thống cấp phôi", "máy phay CNC", "máy cắt laser", "máy sấy tầng sôi"],
            "goal": _CK_GOALS,
            "tail": _tail(_CK_GOALS),
            "new_machine": ["máy bóc vỏ vải thiều", "máy sấy vải thiều bằng bơm nhiệt",
                            "máy cắt cỏ đa năng", "robot hàn", "máy gấp thùng carton",
                            "máy rửa quả", "máy xay xát gạo liên hoàn", "máy tráng bánh đa",
                            "xe nâng hàng mini", "máy trộn bê tông",
                            "máy ép viên nhiên liệu sinh khối", "máy phân loại quả theo kích thước",
                            "máy bóc bẹ ngô", "máy thái dược liệu"],
            "feature": ["điều khiển bằng PLC", "công suất nhỏ", "dùng cho hộ sản xuất",
                        "vận hành bán tự động", "sử dụng biến tần",
                        "điều khiển qua màn hình cảm ứng", "tiết kiệm năng lượng", ""],
            "line": ["sản xuất linh kiện điện tử", "lắp ráp bo mạch", "may mặc",
                     "sản xuất gạch không nung", "chế biến thức ăn chăn nuôi",
                     "đóng gói vải thiều xuất khẩu", "sản xuất bao bì carton",
                     "sản xuất phân bón NPK", "sơn tĩnh điện", "ép nhựa", "mạ kẽm nhúng nóng",
                     "chế biến gỗ", "sản xuất mỳ Chũ", "sản xuất gạch ốp lát"],
            "step": ["cấp phôi", "kiểm tra ngoại quan", "đóng gói", "dán nhãn",
                     "phân loại sản phẩm", "xếp pallet", "đếm sản phẩm", "kiểm tra kích thước",
                     "vặn vít", "cắt ba via"],
            "workshop": ["xưởng dập", "dây chuyền lắp ráp", "nhà máy may", "xưởng cơ khí",
                         "kho thành phẩm", "phân xưởng ép nhựa", "xưởng chế biến gỗ"],
            "control": ["bộ điều khiển PLC", "biến tần", "vi điều khiển", "cảm biến quang",
                        "màn hình HMI", "động cơ servo"],
            "jig": ["hàn khung xe", "khoan lỗ mặt bích", "kiểm tra bo mạch", "uốn ống thép",
                    "lắp ráp vỏ động cơ", "gia công trục"],
        },
    ),
    "DT-CNTT": (
        [
            ("Ứng dụng IoT trong quản lý {iot_target} {tail}", 3),
            ("Xây dựng phần mềm quản lý {software} {tail}", 3),
            ("Hệ thống giám sát {mon_target} từ xa {mon_tech} {tail}", 2),
            ("Ứng dụng trí tuệ nhân tạo trong {ai_domain} {tail}", 2),
            ("Giải pháp chuyển đổi số {ds_domain} {tail}", 2),
            ("Giải pháp {grid_fix} cho {grid}", 1),
        ],
        {
            "iot_target": ["trạm bơm tiêu úng", "điện năng tiêu thụ tại nhà xưởng",
                           "kho lạnh bảo quản nông sản", "chiếu sáng công cộng",
                           "hệ thống tưới tiêu", "chất lượng nước nuôi trồng thủy sản",
                           "trạm biến áp phân phối", "bãi đỗ xe", "nhà màng trồng rau",
                           "phòng máy chủ", "trang trại chăn nuôi", "hệ thống cấp nước sạch"],
            "tail": _tail(_DT_GOALS),
            "software": _pairs(
                (["hồ sơ bệnh án", "thiết bị y tế", "kho thuốc"],
                 ["tại bệnh viện tuyến huyện", "tại trung tâm y tế", ""]),
                (["kho vật tư", "nhân sự và chấm công", "hồ sơ khách hàng", "đơn hàng"],
                 ["tại doanh nghiệp vừa và nhỏ", "trên nền tảng web", ""]),
                (["văn bản điều hành", "tài sản cố định", "hồ sơ đất đai", "hồ sơ hộ tịch"],
                 ["tại cơ quan nhà nước", "tại UBND cấp xã", ""]),
                (["học bạ điện tử", "thiết bị dạy học", "thời khóa biểu"],
                 ["tại trường học", "trên thiết bị di động", ""]),
            ),
            "mon_target": ["nhiệt độ máy biến áp", "mực nước hồ chứa", "độ ẩm kho hàng",
                           "chất lượng không khí", "tình trạng đường dây trung thế",
                           "máy phát điện dự phòng", "trạm bơm", "tủ điện phân phối"],
            "mon_tech": ["qua mạng 4G", "sử dụng công nghệ LoRa",
                         "trên nền tảng điện toán đám mây", "kết nối hệ thống SCADA", ""],
            "ai_domain": ["phát hiện lỗi sản phẩm", "nhận diện biển số xe",
                          "dự báo phụ tải điện", "chẩn đoán bệnh cây trồng",
                          "chấm bài thi trắc nghiệm", "kiểm soát ra vào nhà máy",
                          "phân loại văn bản đến", "hỗ trợ đọc phim X-quang"],
            "ds_domain": ["trong quản lý nhà trường", "trong công tác văn thư",
                          "trong quản lý khám chữa bệnh", "trong sản xuất nông nghiệp",
                          "trong quản lý chất lượng", "trong hoạt động khuyến nông",
                          "tại doanh nghiệp sản xuất"],
            "grid_fix": ["nâng cao độ tin cậy cung cấp điện", "giảm tổn thất điện năng",
                         "chống sét", "tự động đóng lặp"],
            "grid": ["lưới điện trung áp", "lưới điện nông thôn", "trạm biến áp 110 kV",
                     "khu công nghiệp"],
        },
    ),
    "NLN": (
        [
            ("Quy trình {practice} {crop} theo tiêu chuẩn {std} {tail}", 3),
            ("Ứng dụng {farming} {tail}", 3),
            ("Giải pháp bảo quản {produce} sau thu hoạch {method}", 2),
            ("Nghiên cứu chọn tạo giống {crop2} {trait}", 1),
        ],
        {
            "practice": ["trồng và chăm sóc", "sản xuất", "thâm canh", "canh tác"],
            "crop": ["vải thiều", "cam đường canh", "bưởi Diễn", "na dai", "lúa chất lượng cao",
                     "rau an toàn", "khoai tây", "dưa lưới", "chè", "nhãn chín muộn"],
            "std": ["VietGAP", "GlobalGAP", "hữu cơ"],
            "farming": _pairs(
                (["chế phẩm sinh học", "công nghệ tưới nhỏ giọt", "thiết bị bay không người lái",
                  "công nghệ nhà màng", "cảm biến độ ẩm đất", "nhật ký sản xuất điện tử"],
                 ["trong phòng trừ sâu bệnh trên cây vải", "trong sản xuất lúa hàng hóa",
                  "trong trồng rau trái vụ", "trong trồng cây dược liệu",
                  "trong thâm canh cây có múi"]),
                (["đệm lót sinh học", "chế phẩm sinh học", "công nghệ thụ tinh nhân tạo",
                  "nhật ký sản xuất điện tử"],
                 ["trong chăn nuôi gà đồi", "trong chăn nuôi lợn nái", "trong chăn nuôi bò thịt"]),
                (["công nghệ nuôi tuần hoàn", "chế phẩm vi sinh", "thiết bị quan trắc nước"],
                 ["trong nuôi cá lồng trên sông Cầu", "trong nuôi cá rô phi thâm canh"]),
            ),
            "tail": _tail(_NLN_GOALS),
            "produce": ["vải thiều tươi", "cam", "bưởi", "nhãn", "rau ăn lá", "khoai tây giống"],
            "method": ["bằng màng phủ sinh học", "bằng công nghệ CAS", "bằng kho lạnh",
                       "bằng chế phẩm nano bạc", "quy mô hộ gia đình", ""],
            "crop2": ["lúa", "lạc", "ngô", "khoai tây", "đậu tương", "vải"],
            "trait": ["chịu hạn", "ngắn ngày", "năng suất cao", "kháng bệnh bạc lá", "chín sớm",
                      "phù hợp vùng đồi"],
        },
    ),
    "YD": (
        [
            ("Ứng dụng kỹ thuật {treatment} {tail}", 3),
            ("Cải tiến quy trình {process} tại {dept} {tail}", 3),
            ("Giải pháp {improve} cho {patient} {tail}", 2),
            ("Nghiên cứu bào chế {drug_form} từ {herb}", 1),
        ],
        {
            "treatment": _pairs(
                (["nội soi", "phẫu thuật nội soi", "tán sỏi qua da"],
                 ["trong điều trị sỏi thận", "trong điều trị sỏi túi mật",
                  "trong điều trị sỏi niệu quản"]),
                (["laser công suất thấp", "châm cứu kết hợp xoa bóp", "vật lý trị liệu",
                  "điện châm", "tiêm khớp dưới hướng dẫn siêu âm"],
                 ["trong điều trị thoát vị đĩa đệm", "trong điều trị viêm khớp gối",
                  "trong điều trị đau vai gáy", "trong điều trị liệt dây thần kinh số VII",
                  "trong phục hồi di chứng tai biến mạch máu não",
                  "trong điều trị thoái hóa cột sống"]),
            ),
            "tail": _tail(_YD_GOALS),
            "process": ["tiếp đón người bệnh", "cấp phát thuốc", "tiệt khuẩn dụng cụ",
                        "lấy mẫu xét nghiệm", "chuyển tuyến", "quản lý hồ sơ bệnh án",
                        "bàn giao người bệnh"],
            "dept": ["khoa Cấp cứu", "khoa Khám bệnh", "khoa Xét nghiệm", "khoa Dược",
                     "khoa Hồi sức tích cực", "trạm y tế xã", "khoa Nhi"],
            "improve": ["chăm sóc dinh dưỡng", "phục hồi chức năng", "phòng ngừa té ngã",
                        "giảm đau sau mổ", "quản lý bệnh mạn tính", "phòng chống nhiễm khuẩn"],
            "patient": ["người bệnh cao tuổi", "bệnh nhân sau phẫu thuật", "trẻ sinh non",
                        "bệnh nhân đái tháo đường", "sản phụ sau sinh", "bệnh nhân tăng huyết áp"],
            "drug_form": ["cao lỏng", "viên hoàn", "trà túi lọc", "dầu xoa", "siro"],
            "herb": ["lá vối", "cây xạ đen", "gừng", "nghệ vàng", "cây ba kích", "lá tía tô",
                     "cây đinh lăng"],
        },
    ),
    "GD": (
        [
            ("Ứng dụng {edtech} trong dạy học môn {subject} {grade} {tail}", 4),
            ("Ứng dụng phần mềm GeoGebra trong dạy học {math_topic} {tail}", 1),
            ("Giải pháp nâng cao {skill} cho học sinh {grade2}", 2),
            ("Thiết kế thiết bị dạy học {topic} {tail}", 1),
            ("Xây dựng {resource} môn {subject} {tail}", 2),
        ],
        {
            "edtech": ["công nghệ thực tế ảo", "bảng tương tác thông minh", "trí tuệ nhân tạo",
                       "mô hình STEM", "học liệu số", "mô hình lớp học đảo ngược",
                       "trò chơi học tập", "sơ đồ tư duy"],
            "subject": ["Toán", "Ngữ văn", "Tiếng Anh", "Vật lí", "Hóa học", "Sinh học",
                        "Lịch sử", "Địa lí", "Tin học", "Công nghệ", "Khoa học tự nhiên"],
            "grade": ["ở trường trung học cơ sở", "ở trường trung học phổ thông", "lớp 10",
                      "lớp 6", "lớp 9", ""],
            "math_topic": ["hình học không gian", "hàm số bậc hai", "hình học lớp 9",
                           "đồ thị hàm số", "phép biến hình"],
            "tail": _tail(_GD_GOALS),
            "skill": ["kỹ năng tự học", "kỹ năng giải quyết vấn đề", "năng lực tin học",
                      "kỹ năng thuyết trình", "năng lực nghiên cứu khoa học", "kỹ năng sống",
                      "khả năng giao tiếp tiếng Anh"],
            "grade2": ["tiểu học", "trung học cơ sở", "trung học phổ thông",
                       "vùng đặc biệt khó khăn", "dân tộc thiểu số"],
            "topic": ["phần điện từ học", "phần quang học", "phần cơ học", "phần di truyền học",
                      "môn Công nghệ lớp 8", "thực hành hóa học an toàn"],
            "resource": ["kho học liệu số", "ngân hàng câu hỏi trực tuyến",
                         "hệ thống bài giảng điện tử", "thư viện video thí nghiệm"],
        },
    ),
    "MT": (
        [
            ("Giải pháp xử lý {waste} {tail}", 3),
            ("Ứng dụng chế phẩm sinh học xử lý {waste2} {tail}", 2),
            ("Hệ thống quan trắc {thing} tự động {where2} {tail}", 2),
            ("Tái chế {material} thành {product}", 2),
        ],
        {
            "waste": _pairs(
                (["nước thải chăn nuôi lợn", "rơm rạ sau thu hoạch", "rác thải sinh hoạt"],
                 ["tại khu dân cư nông thôn", "tại trang trại", "quy mô hộ gia đình", ""]),
                (["nước thải làng nghề", "bùn thải", "rác thải nhựa"],
                 ["tại làng nghề", "tại cụm công nghiệp", ""]),
                (["khí thải lò hơi", "nước thải công nghiệp"], ["tại cụm công nghiệp", "tại nhà máy"]),
                (["nước thải y tế", "chất thải rắn y tế"],
                 ["tại bệnh viện tuyến huyện", "tại trạm y tế xã"]),
            ),
            "tail": _tail(_MT_GOALS),
            "waste2": ["chất thải chăn nuôi", "rác thải hữu cơ", "ao nuôi thủy sản",
                       "phụ phẩm nông nghiệp", "nước thải sinh hoạt", "mùi hôi chuồng trại"],
            "thing": ["chất lượng nước mặt", "bụi mịn PM2.5", "nước thải công nghiệp",
                      "khí thải ống khói", "mực nước sông"],
            "where2": ["tại khu công nghiệp", "trên sông Cầu", "trên sông Thương", "tại nhà máy",
                       "khu vực đô thị", ""],
            "material": ["chai nhựa PET", "lốp xe cũ", "xỉ than", "vỏ trấu", "bã mía", "tro bay",
                         "giấy vụn", "mùn cưa"],
            "product": ["vật liệu xây dựng", "gạch không nung", "phân bón hữu cơ",
                        "viên nén nhiên liệu", "đồ dùng gia đình", "than sinh học"],
        },
    ),
    "XD-GT": (
        [
            ("Giải pháp gia cố {reinforcement} {tail}", 3),
            ("Ứng dụng {material} trong {construction} {tail}", 3),
            ("Cải tiến {formwork} {tail}", 2),
            ("Giải pháp {traffic}", 1),
        ],
        {
            "reinforcement": _pairs(
                (["nền đất yếu"], ["bằng cọc xi măng đất", "bằng vải địa kỹ thuật", "bằng bấc thấm"]),
                (["mái taluy đường miền núi"], ["bằng lưới thép", "bằng rọ đá", "bằng cỏ vetiver"]),
                (["đê sông", "kè bờ sông"], ["bằng rọ đá", "bằng cừ thép", "bằng thảm bê tông"]),
                (["cầu dân sinh", "dầm cầu bê tông"], ["bằng tấm sợi carbon", "bằng bản thép dán"]),
            ),
            "tail": _tail(_XD_GOALS),
            "material": ["bê tông cốt sợi", "vật liệu địa kỹ thuật", "bê tông nhựa tái chế",
                         "tro bay", "gạch không nung", "phụ gia siêu dẻo", "cốt liệu tái chế"],
            "construction": ["làm đường giao thông nông thôn", "xây dựng kênh mương nội đồng",
                             "thi công mặt đường", "xây dựng nhà ở nông thôn", "sửa chữa cầu cống"],
            "formwork": _pairs(
                (["ván khuôn"], ["thi công bê tông cột", "thi công sàn nhà dân dụng",
                                 "thi công kênh mương", "thi công dầm cầu"]),
                (["máy đầm", "xe rải đá"], ["thi công mặt đường bê tông", "thi công nền đường"]),
                (["giàn giáo"], ["thi công nhà cao tầng", "sửa chữa mặt ngoài công trình"]),
            ),
            "traffic": ["tổ chức giao thông tại nút giao", "cảnh báo tai nạn tại đường ngang",
                        "quản lý bảo trì đường bộ bằng bản đồ số",
                        "chiếu sáng tiết kiệm năng lượng cho đường tỉnh",
                        "giảm ùn tắc tại cổng trường học", "kiểm soát tải trọng xe qua cầu"],
        },
    ),
    "KHAC": (
        [
            ("Giải pháp nâng cao hiệu quả {work} {tail}", 3),
            ("Số hoá {archive} {tail}", 2),
            ("Ứng dụng mã QR trong {qr}", 1),
        ],
        {
            "work": ["công tác văn thư, lưu trữ", "công tác tuyên truyền", "quản lý tài chính",
                     "công tác thi đua, khen thưởng", "hoạt động thư viện", "quản lý nhân sự",
                     "công tác cải cách hành chính", "công tác tiếp công dân"],
            "tail": _tail(_KH_GOALS),
            "archive": _pairs(
                (["tài liệu Hán Nôm", "hồ sơ di tích", "tư liệu dân ca quan họ",
                  "hiện vật bảo tàng"], ["của tỉnh", "tại Bảo tàng tỉnh", ""]),
                (["hồ sơ địa chính", "sổ hộ tịch", "hồ sơ lưu trữ"], ["tại UBND cấp xã", ""]),
            ),
            "qr": ["quản lý tài sản", "giới thiệu di tích lịch sử",
                   "truy xuất nguồn gốc nông sản", "quản lý thiết bị trường học",
                   "giải quyết thủ tục hành chính"],
        },
    ),
}

_TECHNICAL_FIELD_WEIGHTS = {
    "CK-TDH": 20, "DT-CNTT": 25, "NLN": 15, "YD": 15, "GD": 10, "MT": 6, "XD-GT": 6, "KHAC": 3,
}

# ---------------------------------------------------------------------------
# Robocon teams and robots
# ---------------------------------------------------------------------------

_ROBOT_NOUNS = [
    "Rồng", "Hổ", "Báo", "Đại Bàng", "Sói", "Kỳ Lân", "Phượng Hoàng", "Chiến Binh", "Hiệp Sĩ",
    "Chim Ưng", "Tê Giác", "Bọ Cạp", "Cá Mập", "Ong", "Kiến", "Ngựa", "Trâu", "Voi", "Sư Tử",
    "Rùa",
]
_ROBOT_MODIFIERS = [
    "Lửa", "Thép", "Vàng", "Bạc", "Xanh", "Đỏ", "Đen", "Trắng", "Sắt", "Kinh Bắc", "Xứ Bắc",
    "Sông Cầu", "Quan Họ", "Thần Tốc", "Dũng Mãnh", "Bất Bại", "Tí Hon", "Nhí", "Khổng Lồ",
    "Sấm Sét",
]
_ROBOT_FIXED = [
    "Tia Chớp", "Thần Gió", "Sấm Sét", "Cơn Lốc", "Bão Táp", "Thánh Gióng", "Phù Đổng",
    "Mũi Tên Vàng", "Ngôi Sao Sáng", "Vũ Bão", "Siêu Tốc", "Tốc Chiến",
]
_ROBOT_SUFFIXES = [" 2", " 3", " X", " Pro", " 2.0"]


def _render(text: str) -> str:
    return " ".join(text.split())


def _initials(place: str) -> str:
    letters = [word[0] for word in place.split()]
    return unicodedata.normalize("NFC", "".join(letters).upper())


def robot_name(rng: random.Random) -> str:
    """A robot name such as "Rồng Lửa", "Tia Chớp" or "Đại Bàng Thép 2"."""
    if rng.random() < 0.25:
        name = rng.choice(_ROBOT_FIXED)
    else:
        name = f"{rng.choice(_ROBOT_NOUNS)} {rng.choice(_ROBOT_MODIFIERS)}"
    if rng.random() < 0.1:
        name += rng.choice(_ROBOT_SUFFIXES)
    return name


def robocon_team_name(rng: random.Random, school: str | None = None) -> str:
    """A Robocon team name, built on ``school`` (a full school name) when given."""
    if school is None:
        level = rng.choice(["Tiểu học", "THCS", "THCS", "THPT"])
        school = f"Trường {level} {base_name(rng.choice(BAC_NINH_COMMUNES_2025)['name'])}"
    place = school
    for marker in ("Tiểu học ", "THCS ", "THPT Chuyên ", "THPT "):
        if marker in school:
            place = school.split(marker, 1)[1]
            break
    roll = rng.random()
    if roll < 0.35:
        return f"Đội Robot {school}"
    if roll < 0.7:
        return f"Đội {robot_name(rng)} – {school}"
    if roll < 0.85:
        return f"CLB Robotics {school}"
    return f"{_initials(place)} Robotics – {school}"


def entry_title(rng: random.Random, contest_kind: str, field: str | None = None,
                school: str | None = None) -> str:
    """A plausible entry title.

    * ``"youth"``: a model/product of the youth creativity contest; ``field`` is a
      ``FIELDS_YOUTH`` code (random if omitted).
    * ``"technical"``: a technical innovation solution; ``field`` is a
      ``FIELDS_TECHNICAL`` code (random, weighted, if omitted).
    * ``"robocon"``: a team name (see ``robocon_team_name``); ``school`` optional.
    """
    if contest_kind == "youth":
        code = field or rng.choice([f["code"] for f in FIELDS_YOUTH])
        groups = _YOUTH_THEMES[code]
        prefixes, devices, purposes, techs = rng.choices(
            groups, weights=[len(g[1]) for g in groups], k=1
        )[0]
        prefix = _weighted(rng, prefixes)
        device = rng.choice(devices)
        title = prefix + (_lower_first(device) if prefix else device)
        if rng.random() < 0.75:
            title += " " + rng.choice(purposes)
        if rng.random() < 0.65:
            title += " " + rng.choice(techs)
        return _render(title)
    if contest_kind == "technical":
        if field is None:
            codes = list(_TECHNICAL_FIELD_WEIGHTS)
            field = rng.choices(codes, weights=[_TECHNICAL_FIELD_WEIGHTS[c] for c in codes])[0]
        templates, slots = _TECHNICAL_THEMES[field]
        template = _weighted(rng, templates)
        values = {name: rng.choice(options) for name, options in slots.items()}
        return _render(template.format(**values))
    if contest_kind == "robocon":
        return robocon_team_name(rng, school)
    raise ValueError(f"contest_kind must be one of {CONTEST_KINDS}, not {contest_kind!r}")
