"""Demo data: administrative units, clusters, names, institutions and titles."""

from __future__ import annotations

import ast
import random
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from contest.demo import data as d

LAST_DAY = date(2025, 6, 30)
END_2023 = date(2023, 12, 31)

BAC_GIANG_2023 = {
    "Thành phố Bắc Giang", "Huyện Yên Dũng", "Huyện Việt Yên", "Huyện Hiệp Hòa", "Huyện Tân Yên",
    "Huyện Lạng Giang", "Huyện Lục Nam", "Huyện Lục Ngạn", "Huyện Sơn Động", "Huyện Yên Thế",
}
BAC_NINH_2023 = {
    "Thành phố Bắc Ninh", "Thành phố Từ Sơn", "Thị xã Quế Võ", "Thị xã Thuận Thành",
    "Huyện Tiên Du", "Huyện Yên Phong", "Huyện Gia Bình", "Huyện Lương Tài",
}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)


def _assert_nfc(value):
    bad = [s for s in _strings(value) if unicodedata.normalize("NFC", s) != s]
    assert not bad, bad[:5]


# --- administrative units ---------------------------------------------------


def test_module_is_pure_data():
    tree = ast.parse(Path(d.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "sqlalchemy", "contest"}


def test_commune_counts():
    communes = d.BAC_NINH_COMMUNES_2025
    assert len(communes) == 99
    kinds = Counter(c["kind"] for c in communes)
    assert kinds == {"ward": 33, "commune": 66}
    for c in communes:
        assert c["name"].startswith("Phường " if c["kind"] == "ward" else "Xã ")
        assert c["valid_from"] == date(2025, 7, 1) and c["valid_to"] is None
        assert len(c["code"]) == 5 and c["code"].isdigit()


def test_codes_are_unique():
    all_units = d.PROVINCES + d.FORMER_UNITS + d.BAC_NINH_COMMUNES_2025 + d.CLUSTERS_2025
    codes = [u["code"] for u in all_units]
    assert len(codes) == len(set(codes))
    names = [c["name"] for c in d.BAC_NINH_COMMUNES_2025]
    assert len(names) == len(set(names))


def test_former_units_as_in_2023():
    bg = {u["name"] for u in d.FORMER_BAC_GIANG_UNITS if d._valid_on(u, END_2023)}
    bn = {u["name"] for u in d.FORMER_BAC_NINH_UNITS if d._valid_on(u, END_2023)}
    assert bg == BAC_GIANG_2023
    assert bn == BAC_NINH_2023
    assert len(d.former_units_on(END_2023)) == 18


def test_former_unit_records_are_consistent():
    for unit in d.FORMER_UNITS:
        assert unit["kind"] in {"city", "town", "district"}
        prefix = {"city": "Thành phố ", "town": "Thị xã ", "district": "Huyện "}[unit["kind"]]
        assert unit["name"].startswith(prefix)
        assert unit["valid_to"] is not None and unit["valid_to"] <= LAST_DAY
        if unit["valid_from"] is not None:
            assert unit["valid_from"] < unit["valid_to"]
        if unit["successor_code"]:
            successor = d.FORMER_UNIT_BY_CODE[unit["successor_code"]]
            assert successor["valid_to"] == LAST_DAY or successor["successor_code"]
        else:
            assert unit["valid_to"] == LAST_DAY  # every unit still standing ends with the reform
    by_name = {u["name"]: u for u in d.FORMER_UNITS}
    assert by_name["Huyện Yên Dũng"]["successor_code"] == "BG-TP-BAC-GIANG"
    assert by_name["Thị xã Việt Yên"]["valid_from"] == date(2024, 2, 1)
    assert by_name["Thị xã Chũ"]["valid_from"] == date(2025, 1, 1)
    assert by_name["Thị xã Quế Võ"]["valid_from"] == date(2023, 4, 10)
    on_last_day = d.former_units_on(LAST_DAY)
    assert {u["name"] for u in on_last_day} >= {"Thị xã Chũ", "Thị xã Việt Yên", "Huyện Lục Ngạn"}
    assert "Huyện Yên Dũng" not in {u["name"] for u in on_last_day}


def test_every_commune_points_to_existing_former_units():
    for c in d.BAC_NINH_COMMUNES_2025:
        former = d.FORMER_UNIT_BY_CODE[c["former_district_code"]]
        last = d.FORMER_UNIT_BY_CODE[c["last_district_code"]]
        assert d._valid_on(former, END_2023), c
        assert d._valid_on(last, LAST_DAY), c
        assert d.FORMER_DISTRICT_OF_COMMUNE[c["code"]] == c["former_district_code"]
    # Every district of 2023 gave at least one commune.
    used = set(d.FORMER_DISTRICT_OF_COMMUNE.values())
    assert {u["code"] for u in d.former_units_on(END_2023)} == used
    bg_communes = [c for c in d.BAC_NINH_COMMUNES_2025 if c["former_district_code"].startswith("BG-")]
    assert len(bg_communes) == 58  # and 41 from the former Bắc Ninh


def test_district_on_follows_the_history():
    assert d.district_on("07681", date(2023, 5, 1))["name"] == "Huyện Yên Dũng"
    assert d.district_on("07681", date(2025, 3, 1))["name"] == "Thành phố Bắc Giang"
    assert d.district_on("07210", date(2020, 1, 1))["name"] == "Thành phố Bắc Giang"
    assert d.district_on("07525", date(2024, 12, 31))["name"] == "Huyện Lục Ngạn"
    assert d.district_on("07525", date(2025, 1, 1))["name"] == "Thị xã Chũ"
    assert d.district_on("07582", date(2025, 3, 1))["name"] == "Huyện Lục Ngạn"
    assert d.district_on("07777", date(2024, 1, 31))["name"] == "Huyện Việt Yên"
    assert d.district_on("07777", date(2024, 2, 1))["name"] == "Thị xã Việt Yên"
    assert d.district_on("09247", date(2020, 1, 1))["name"] == "Huyện Quế Võ"
    assert d.district_on("09367", date(2020, 1, 1))["name"] == "Thị xã Từ Sơn"
    assert d.district_on("09367", date(2025, 7, 1)) is None
    for c in d.BAC_NINH_COMMUNES_2025:
        for day in (date(2019, 1, 1), END_2023, LAST_DAY):
            assert d.district_on(c["code"], day) is not None


def test_clusters_cover_every_commune_once():
    assert 8 <= len(d.CLUSTERS_2025) <= 12
    members = [code for cluster in d.CLUSTERS_2025 for code in cluster["commune_codes"]]
    assert Counter(members) == Counter(c["code"] for c in d.BAC_NINH_COMMUNES_2025)
    for number, cluster in enumerate(d.CLUSTERS_2025, start=1):
        assert cluster["name"].startswith(f"Cụm số {number} (")
        assert cluster["commune_codes"]


def test_base_name():
    assert d.base_name("Phường Kinh Bắc") == "Kinh Bắc"
    assert d.base_name("Thị xã Chũ") == "Chũ"
    assert d.base_name("Xã Tân Yên") == "Tân Yên"


def test_static_data_is_nfc():
    _assert_nfc([
        d.PROVINCES, d.FORMER_UNITS, d.BAC_NINH_COMMUNES_2025, d.CLUSTERS_2025,
        d.FAMILY_NAMES, d.GIVEN_NAMES_MALE, d.GIVEN_NAMES_FEMALE, d.FIELDS_YOUTH,
        d.FIELDS_TECHNICAL, d.DIVISIONS_YOUTH, d.DIVISIONS_ROBOCON, d._OLD_PLACES,
        d._YOUTH_THEMES, d._TECHNICAL_THEMES, d._FIXED_INSTITUTIONS, d._TRICKY_NAMES,
    ])


# --- fields and divisions ---------------------------------------------------


def test_fields_and_divisions():
    for items in (d.FIELDS_YOUTH, d.FIELDS_TECHNICAL, d.DIVISIONS_YOUTH, d.DIVISIONS_ROBOCON):
        codes = [item["code"] for item in items]
        assert len(codes) == len(set(codes))
    assert len(d.FIELDS_YOUTH) >= 7
    assert {f["name"] for f in d.FIELDS_TECHNICAL} >= {"Cơ khí – Tự động hoá", "Y – Dược", "Khác"}
    assert [x["school_kind"] for x in d.DIVISIONS_YOUTH] == [
        "primary", "lower_secondary", "upper_secondary",
    ]
    assert [x["name"] for x in d.DIVISIONS_ROBOCON] == ["Tiểu học", "THCS", "THPT"]
    assert set(d._YOUTH_THEMES) == {f["code"] for f in d.FIELDS_YOUTH}
    assert set(d._TECHNICAL_THEMES) == {f["code"] for f in d.FIELDS_TECHNICAL}


# --- person names -----------------------------------------------------------


def test_person_name_is_deterministic():
    first = [d.person_name(random.Random(42)) for _ in range(3)]
    rng_a, rng_b = random.Random(7), random.Random(7)
    assert [d.person_name(rng_a) for _ in range(200)] == [d.person_name(rng_b) for _ in range(200)]
    assert len(set(first)) == 1


def test_person_names_look_vietnamese():
    rng = random.Random(2024)
    drawn = [d.person_name(rng) for _ in range(4000)]
    families = {name for name, _ in d.FAMILY_NAMES}
    names = [name for name, _ in drawn]
    _assert_nfc(names)
    assert all(name.split()[0] in families for name in names)
    assert sum(len(name.split()) >= 3 for name in names) / len(names) >= 0.95
    share = Counter(name.split()[0] for name in names)
    assert 0.30 <= share["Nguyễn"] / len(names) <= 0.46
    assert share["Trần"] > share["Đặng"] > share["Lý"]
    assert set(Counter(g for _, g in drawn)) == {"male", "female"}
    assert len(set(names)) > 2000
    tricky = {name for name, _ in d._TRICKY_NAMES}
    assert tricky & set(names)


def test_person_name_respects_gender():
    rng = random.Random(3)
    for _ in range(300):
        name, gender = d.person_name(rng, "female")
        assert gender == "female"
        assert " Văn " not in f" {name} "
    males = [d.person_name(rng, "male")[0] for _ in range(300)]
    assert not any(" Thị " in f" {name} " for name in males)
    with pytest.raises(ValueError):
        d.person_name(rng, "x")


def test_given_name_lists_are_long_and_include_tricky_spellings():
    assert len(set(d.GIVEN_NAMES_MALE)) >= 60
    assert len(set(d.GIVEN_NAMES_FEMALE)) >= 60
    tricky = {name for name, _ in d._TRICKY_NAMES}
    assert {"Nguyễn Thị Ngọc Ánh", "Đặng Thị Thuỷ", "Lê Văn Ưng"} <= tricky


# --- institutions -----------------------------------------------------------


def test_institutions_are_deterministic_and_sized():
    first = d.institutions(random.Random(5), d.BAC_NINH_COMMUNES_2025, d.FORMER_UNITS)
    again = d.institutions(random.Random(5), d.BAC_NINH_COMMUNES_2025, d.FORMER_UNITS)
    assert first == again
    for seed in range(8):
        items = d.institutions(random.Random(seed))
        assert 300 <= len(items) <= 450


def test_institutions_shape_and_proportions():
    items = d.institutions(random.Random(1))
    _assert_nfc(items)
    assert len({i["name"] for i in items}) == len(items)
    assert len({i["code"] for i in items}) == len(items)
    kinds = Counter(i["kind"] for i in items)
    assert set(kinds) == set(d.INSTITUTION_KINDS)
    assert kinds["primary"] > kinds["upper_secondary"] > kinds["college"]
    assert kinds["lower_secondary"] > kinds["upper_secondary"]
    assert kinds["university"] >= 2 and kinds["enterprise"] >= 20 and kinds["other"] >= 5
    prefixes = {
        "primary": "Trường Tiểu học ", "lower_secondary": "Trường THCS ",
        "college": "Trường Cao đẳng ", "university": "Trường Đại học ",
        "enterprise": "Công ty ",
    }
    for item in items:
        assert item["unit_code"] in d.COMMUNE_BY_CODE
        if item["kind"] in prefixes:
            assert item["name"].startswith(prefixes[item["kind"]]), item
    names = {i["name"] for i in items}
    assert {
        "Trường THPT Chuyên Bắc Giang", "Trường THPT Chuyên Bắc Ninh", "Trường THPT Ngô Sĩ Liên",
        "Trường THPT Hàn Thuyên", "Trường THCS Lê Quý Đôn", "Trường Đại học Nông Lâm Bắc Giang",
        "Trường Cao đẳng Kỹ thuật Công nghiệp", "Sở Khoa học và Công nghệ",
    } <= names
    assert any(n.startswith("Trung tâm Y tế ") for n in names)
    assert any(n.startswith("Công ty Cổ phần ") for n in names)
    assert any(n.startswith("Hợp tác xã ") for n in names)


def test_schools_in_every_former_district():
    items = d.institutions(random.Random(9))
    for district in d.former_units_on(END_2023):
        kinds = {
            i["kind"] for i in items
            if d.FORMER_DISTRICT_OF_COMMUNE[i["unit_code"]] == district["code"]
        }
        assert {"primary", "lower_secondary", "upper_secondary"} <= kinds, district["name"]


# --- titles -----------------------------------------------------------------


def test_titles_are_deterministic():
    for kind in d.CONTEST_KINDS:
        rng_a, rng_b = random.Random(11), random.Random(11)
        assert [d.entry_title(rng_a, kind) for _ in range(100)] == [
            d.entry_title(rng_b, kind) for _ in range(100)
        ]
    with pytest.raises(ValueError):
        d.entry_title(random.Random(1), "quiz")


def test_youth_titles_are_many_and_distinct():
    rng = random.Random(2025)
    titles = [d.entry_title(rng, "youth") for _ in range(1600)]
    _assert_nfc(titles)
    assert len(set(titles)) >= 1400
    for title in titles:
        assert title == title.strip() and "  " not in title
        assert title[0].isupper()


def test_technical_titles_are_many_and_field_specific():
    rng = random.Random(2025)
    titles = [d.entry_title(rng, "technical") for _ in range(1600)]
    _assert_nfc(titles)
    assert len(set(titles)) >= 1100
    assert all("  " not in t and t == t.strip() for t in titles)
    for field in d.FIELDS_TECHNICAL:
        sample = [d.entry_title(rng, "technical", field=field["code"]) for _ in range(50)]
        assert len(set(sample)) >= 25
    for field in d.FIELDS_YOUTH:
        sample = [d.entry_title(rng, "youth", field=field["code"]) for _ in range(50)]
        assert len(set(sample)) >= 30


def test_robocon_names():
    rng = random.Random(4)
    teams = [d.entry_title(rng, "robocon") for _ in range(300)]
    _assert_nfc(teams)
    assert all("Đội " in t or "Robotics" in t for t in teams)
    named = d.robocon_team_name(rng, "Trường THCS Lê Quý Đôn")
    assert "Trường THCS Lê Quý Đôn" in named
    robots = {d.robot_name(rng) for _ in range(500)}
    _assert_nfc(robots)
    assert len(robots) >= 200
    assert all(1 <= len(r.split()) <= 5 for r in robots)
