"""Edition statistics and multi-year trends: the numbers the office writes its reports
from (entries per level, nominations, prizes per rank, prize money, national results).

:func:`edition_statistics` returns one JSON-ready dict of aggregate numbers only (no
names, no birth dates): the public API, the CLI and the annual-report page all show
this dict, so they can never disagree. A handful of GROUP BY queries, never one per
entry: an edition of 4,000 entries takes a few tens of milliseconds.

Prizes come from the newest *published* result version of a level
(:func:`contest.results.service.published_version`); a draft or an approved version
that is not published yet counts for nothing.

:func:`contest_trends` merges, year by year, the real editions in the database with the
summary figures of past editions known only from reports (``EditionHistory``): a
figure from the system wins when the system has it, otherwise the report's figure is
used and marked as such.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from contest.extensions import db
from contest.models import (
    AdminUnit,
    Award,
    Contest,
    Edition,
    EditionHistory,
    Entry,
    Level,
    NationalResult,
    ResultVersion,
)
from contest.results.ranks import PRIZE_RANKS, PrizeRank
from registration import stats as reg_stats

__all__ = [
    "MAIN_LEVEL_CODES",
    "NATIONAL_CODE",
    "Trends",
    "contest_trends",
    "edition_statistics",
    "prize_level",
    "report_sentence",
    "to_json",
]

NATIONAL_CODE = "toan_quoc"
# The level whose prizes a report calls "the contest's prizes", best first.
MAIN_LEVEL_CODES = ("tinh", "chung_khao", "chung_ket")
COUNTED = ("accepted",)  # entries that take part (registered and accepted)
NO_KEY = "khac"


def to_json(data: Mapping[str, Any]) -> str:
    """The one serialisation used by the API and the CLI (sorted keys, UTF-8 text)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _ranks(edition: Edition) -> tuple[PrizeRank, ...]:
    from contest.results.service import ranks_for

    return ranks_for(edition)


def prize_level(edition: Edition) -> Level | None:
    """The level whose prizes the report counts: the province level (or the final of a
    Robocon, the final round of the technical contest), else the last level below the
    national nomination."""
    for code in MAIN_LEVEL_CODES:
        level = edition.level(code)
        if level is not None:
            return level
    below = [lv for lv in edition.levels if lv.code != NATIONAL_CODE]
    return below[-1] if below else None


# ----------------------------------------------------------------------------- queries


def _reached(edition: Edition) -> list[tuple[int | None, int | None, int | None, int | None, int]]:
    """(area unit, category, division, highest level position reached, entries) for the
    edition's counted entries; the highest position comes from the entry's current level
    and its level history."""
    scope = (Entry.edition_id == edition.id) & Entry.status.in_(COUNTED)
    per_entry = reg_stats.highest_positions(scope)
    return [
        tuple(row)
        for row in db.session.execute(
            select(Entry.area_unit_id, Entry.category_id, Entry.division_id, per_entry.c.pos, func.count())
            .join(per_entry, per_entry.c.entry_id == Entry.id)
            .group_by(Entry.area_unit_id, Entry.category_id, Entry.division_id, per_entry.c.pos)
        ).all()
    ]


def _published(edition: Edition) -> dict[int, ResultVersion]:
    """The published version of each level that has one."""
    from contest.results.service import published_version

    out = {}
    for level in edition.levels:
        version = published_version(edition, level)
        if version is not None:
            out[level.id] = version
    return out


def _award_cube(version: ResultVersion) -> list[tuple[str, int | None, int | None, int | None, int, int]]:
    """(rank, area, category, division, prizes, money) of a version's awards."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(
                Award.rank_code, Entry.area_unit_id, Entry.category_id, Entry.division_id,
                func.count(), func.coalesce(func.sum(Award.prize_money), 0),
            )
            .join(Entry, Entry.id == Award.entry_id)
            .where(Award.version_id == version.id)
            .group_by(Award.rank_code, Entry.area_unit_id, Entry.category_id, Entry.division_id)
        ).all()
    ]


def _money(version: ResultVersion, cube: Sequence[tuple]) -> tuple[int, dict[str, int], dict[str, int], bool]:
    """(total, per rank, amount per rank, complete) from the amounts frozen with the
    version (:func:`contest.results.service.money_summary`); when a rank has no amount,
    the sum of the awards' own money and ``complete`` False."""
    from contest.results.service import ResultsError, money_summary

    try:
        summary = money_summary(version)
    except ResultsError:
        per_rank: dict[str, int] = defaultdict(int)
        for rank, *_rest, money in cube:
            per_rank[rank] += int(money or 0)
        return sum(per_rank.values()), dict(per_rank), {}, False
    return (
        int(summary.total),
        {code: int(item.subtotal) for code, item in summary.per_rank.items()},
        {code: int(item.amount) for code, item in summary.per_rank.items() if item.count or item.amount},
        True,
    )


# ----------------------------------------------------------------------------- pure roll-ups


def reached_by_level(levels: Sequence[tuple[str, int]], positions: Mapping[int | None, int]) -> dict[str, int]:
    """Entries that reached each level (code, position): their highest position is at or
    above the level's. ``positions`` maps highest position -> entries."""
    return {
        code: sum(n for pos, n in positions.items() if pos is not None and pos >= position)
        for code, position in levels
    }


def rank_counts(codes: Iterable[str], pairs: Iterable[tuple[str | None, int]]) -> dict[str, int]:
    """Counts per rank code, every code of ``codes`` present (0 when none); unknown codes kept."""
    out = {code: 0 for code in codes}
    for code, n in pairs:
        if code is None:
            continue
        out[code] = out.get(code, 0) + int(n)
    return out


def _codes(items, missing: str = NO_KEY) -> dict[int | None, str]:
    out = {item.id: item.code for item in items}
    out[None] = missing
    return out


# ----------------------------------------------------------------------------- statistics


def edition_statistics(edition: Edition) -> dict[str, Any]:
    """Aggregate numbers of one edition (see the module docstring)."""
    ranks = _ranks(edition)
    rank_codes = [r.code for r in ranks]
    levels = list(edition.levels)
    level_pairs = [(lv.code, lv.position) for lv in levels]
    position_code = {lv.position: lv.code for lv in levels}
    cat_code = _codes(edition.categories)
    div_code = _codes(edition.divisions)

    cube = _reached(edition)
    by_pos: dict[int | None, int] = defaultdict(int)
    for _area, _cat, _div, pos, n in cube:
        by_pos[pos] += n
    entries_by_level = reached_by_level(level_pairs, by_pos)
    total = sum(by_pos.values())

    def level_table(index: int, code_of: Mapping[int | None, str]) -> dict[str, dict[str, int]]:
        table: dict[str, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
        for row in cube:
            table[code_of.get(row[index], NO_KEY)][row[3]] += row[4]
        return {key: reached_by_level(level_pairs, counts) for key, counts in table.items()}

    by_category = level_table(1, cat_code)
    by_division = level_table(2, div_code)
    area_ids = {row[0] for row in cube if row[0] is not None}

    published = _published(edition)
    main = prize_level(edition)
    main_version = published.get(main.id) if main is not None else None
    prizes_by_level: dict[str, dict[str, int]] = {}
    award_cubes: dict[int, list[tuple]] = {}
    for level in levels:
        version = published.get(level.id)
        if version is None:
            continue
        award_cubes[level.id] = _award_cube(version)
        prizes_by_level[level.code] = rank_counts(rank_codes, ((r[0], r[4]) for r in award_cubes[level.id]))
    main_cube = award_cubes.get(main.id, []) if main_version is not None else []
    area_ids.update(r[1] for r in main_cube if r[1] is not None)
    units = {
        uid: (code, name)
        for uid, code, name in db.session.execute(
            select(AdminUnit.id, AdminUnit.code, AdminUnit.name).where(AdminUnit.id.in_(area_ids))
        ).all()
    } if area_ids else {}

    prizes_by_rank = rank_counts(rank_codes, ((r[0], r[4]) for r in main_cube))
    money_total, money_by_rank, amounts, money_complete = 0, {}, {}, True
    result: dict[str, Any] | None = None
    if main_version is not None:
        money_total, money_by_rank, amounts, money_complete = _money(main_version, main_cube)
        result = {
            "level": main.code,
            "version": main_version.number,
            "decision_number": main_version.decision_number,
            "decision_date": main_version.decision_date.isoformat() if main_version.decision_date else None,
            "published_at": main_version.published_at.isoformat(timespec="seconds") + "Z"
            if main_version.published_at else None,
        }
    prizes_by_category: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(rank_codes, 0))
    prizes_by_division: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(rank_codes, 0))
    prizes_by_area: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(rank_codes, 0))
    for rank, area, cat, div, n, _money_sum in main_cube:
        for table, key in ((prizes_by_category, cat_code.get(cat, NO_KEY)),
                           (prizes_by_division, div_code.get(div, NO_KEY)), (prizes_by_area, area)):
            table[key][rank] = table[key].get(rank, 0) + n

    areas_cube: dict[int | None, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    for area, _cat, _div, pos, n in cube:
        areas_cube[area][pos] += n
    areas = []
    for uid in set(areas_cube) | set(prizes_by_area):
        code, name = units.get(uid, (NO_KEY, reg_stats.NO_AREA))
        areas.append({
            "code": code,
            "name": name,
            "entries_by_level": reached_by_level(level_pairs, areas_cube.get(uid, {})),
            "prizes_by_rank": dict(prizes_by_area[uid]) if uid in prizes_by_area else dict.fromkeys(rank_codes, 0),
        })
    areas.sort(key=lambda a: (a["code"] == NO_KEY, reg_stats.name_key(a["name"])))

    national = edition.level(NATIONAL_CODE)
    nat_rows = db.session.execute(
        select(NationalResult.rank_code, func.count()).where(NationalResult.edition_id == edition.id)
        .group_by(NationalResult.rank_code)
    ).all()
    national_results = rank_counts(rank_codes, nat_rows)

    people = reg_stats.overview(edition, statuses=list(COUNTED)).people
    institutions = db.session.scalar(
        select(func.count(func.distinct(Entry.institution_id))).where(
            Entry.edition_id == edition.id, Entry.status.in_(COUNTED)
        )
    ) or 0

    return {
        "edition": edition.slug,
        "name": edition.name,
        "contest": edition.contest.slug,
        "contest_kind": edition.contest.kind,
        "number": edition.number,
        "year_start": edition.year_start,
        "year_end": edition.year_end,
        "province": edition.province_name,
        "status": edition.status,
        "levels": [{"code": lv.code, "name": lv.name, "position": lv.position} for lv in levels],
        "entries_total": total,
        "entries_by_level": entries_by_level,
        "highest_level_counts": {position_code.get(pos, NO_KEY): n for pos, n in sorted(by_pos.items(), key=lambda kv: kv[0] or 0)},
        "national_nominations": entries_by_level.get(NATIONAL_CODE, 0) if national is not None else 0,
        "prize_level": main.code if main is not None else None,
        "prizes_by_rank": prizes_by_rank,
        "prizes_total": sum(prizes_by_rank.values()),
        "prizes_by_level": prizes_by_level,
        "prize_money_total_vnd": money_total,
        "prize_money_by_rank_vnd": money_by_rank,
        "prize_amounts_vnd": amounts,
        "prize_money_complete": money_complete,
        "result": result,
        "national_results": national_results,
        "national_prizes_total": sum(national_results.values()),
        "national_results_recorded": sum(n for _code, n in nat_rows),
        "ranks": [{"code": r.code, "label": r.label} for r in ranks],
        "entries_by_category": by_category,
        "entries_by_division": by_division,
        "prizes_by_category": dict(prizes_by_category),
        "prizes_by_division": dict(prizes_by_division),
        "categories": {c.code: c.name for c in edition.categories},
        "divisions": {d.code: d.name for d in edition.divisions},
        "areas": areas,
        "institutions": institutions,
        "people": {
            "authors": people.authors,
            "authors_distinct": people.authors_distinct,
            "mentors": people.mentors,
            "mentors_distinct": people.mentors_distinct,
        },
    }


# ----------------------------------------------------------------------------- report text

NOUNS = {
    "youth_creativity": "mô hình",
    "technical_innovation": "giải pháp",
    "robocon": "đội",
    "st_award": "công trình",
}
EVENTS = {
    "youth_creativity": "Cuộc thi",
    "technical_innovation": "Hội thi",
    "robocon": "Cuộc thi",
    "st_award": "Giải thưởng",
}


def count_vn(n: int) -> str:
    """A count as the reports write it: two digits below ten ("02"), thousands with a
    dot ("1.552")."""
    return f"{n:02d}" if 0 <= n < 10 else f"{n:,}".replace(",", ".")


def _join_vn(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " và " + parts[-1]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def report_sentence(data: Mapping[str, Any]) -> str:
    """The paragraph of an annual report built from an edition's statistics (pure), in the
    Union's own wording: entries at each level, national nominations and results, prizes
    per rank and the prize money."""
    kind = data.get("contest_kind")
    noun = NOUNS.get(kind, "bài")
    event = EVENTS.get(kind, "Cuộc thi")
    labels = {r["code"]: r["label"] for r in data.get("ranks", [])}
    names = {lv["code"]: lv["name"] for lv in data.get("levels", [])}
    counts = data.get("entries_by_level", {})

    def at(code: str) -> str:
        name = _lower_first(names.get(code, code))
        return f"{event} {name}" if name.startswith("cấp ") else name

    steps = [f"{count_vn(n)} {noun} tham gia {at(code)}" for code, n in counts.items() if code != NATIONAL_CODE and n]
    sentences = []
    if steps:
        sentences.append("Kết quả toàn tỉnh có " + "; ".join(steps))
    nominated = data.get("national_nominations") or 0
    if nominated:
        text = f"giới thiệu {count_vn(nominated)} {noun} tham gia {event} toàn quốc"
        won = [
            f"{count_vn(n)} {noun} đạt {_lower_first(labels.get(code, code))}"
            for code, n in (data.get("national_results") or {}).items()
            if n
        ]
        if won:
            text += ", trong đó có " + ", ".join(won)
        if sentences:
            sentences[-1] += ", " + text
        else:
            sentences.append(text[:1].upper() + text[1:])
    prizes = data.get("prizes_by_rank") or {}
    total = sum(prizes.values())
    if total and data.get("result"):
        parts = [f"{count_vn(n)} {_lower_first(labels.get(code, code))}"
                 for code, n in prizes.items() if n]
        text = f"Đã trao {count_vn(total)} giải gồm: {_join_vn(parts)}"
        money = data.get("prize_money_total_vnd") or 0
        if money:
            text += f", tổng trị giá tiền thưởng {count_vn(money) if money >= 10 else money} đồng"
        decision = data["result"].get("decision_number")
        if decision:
            text += f" (Quyết định số {decision}"
            day = data["result"].get("decision_date")
            if day:
                y, m, d = day.split("-")
                text += f" ngày {d}/{m}/{y}"
            text += ")"
        sentences.append(text)
    return ". ".join(sentences) + ("." if sentences else "")


# ----------------------------------------------------------------------------- trends

SYSTEM = "system"
REPORT = "report"
SOURCE_LABELS = {SYSTEM: "Hệ thống", REPORT: "Báo cáo"}


@dataclass
class Figure:
    value: int | None
    source: str | None = None  # SYSTEM | REPORT
    report_value: int | None = None  # the report's figure when the system has its own

    @property
    def differs(self) -> bool:
        return self.source == SYSTEM and self.report_value is not None and self.report_value != self.value


@dataclass
class YearRow:
    year: int
    label: str
    edition_slug: str | None = None
    entries: dict[str, Figure] = field(default_factory=dict)  # level code -> figure
    prizes: dict[str, int] = field(default_factory=dict)
    prizes_source: str | None = None
    prizes_total: int | None = None
    nominations: Figure = field(default_factory=lambda: Figure(None))
    national: dict[str, int] = field(default_factory=dict)
    national_source: str | None = None
    money: int | None = None
    sources: list[str] = field(default_factory=list)

    @property
    def national_total(self) -> int | None:
        return sum(self.national.values()) if self.national_source else None


@dataclass
class Trends:
    contest: Contest
    level_codes: list[str]  # columns: levels seen in any year, in chain order
    level_names: dict[str, str]
    main_level: str
    ranks: tuple[PrizeRank, ...]
    rows: list[YearRow]  # oldest first


def _history_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _dict_ints(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    out = {}
    for key, raw in value.items():
        number = _history_int(raw)
        if number is not None:
            out[str(key)] = number
    return out


def merge_year(row: YearRow, stats: Mapping[str, Any] | None, history: Mapping[str, Any] | None, source: str | None,
               rank_codes: Sequence[str]) -> YearRow:
    """Fill ``row`` from an edition's statistics (system) and a report's figures; a
    system figure wins when it is non-zero, else the report's (pure)."""
    history = history or {}
    hist_levels = _dict_ints(history.get("entries_by_level"))
    sys_levels = dict((stats or {}).get("entries_by_level") or {})
    for code in set(hist_levels) | set(sys_levels):
        value = sys_levels.get(code) or 0
        if value:
            row.entries[code] = Figure(value, SYSTEM, hist_levels.get(code))
        elif code in hist_levels:
            row.entries[code] = Figure(hist_levels[code], REPORT)
    sys_prizes = (stats or {}).get("prizes_by_rank") or {}
    if stats is not None and stats.get("result") is not None and sum(sys_prizes.values()):
        row.prizes, row.prizes_source = dict(sys_prizes), SYSTEM
        row.money = stats.get("prize_money_total_vnd") or None
    else:
        hist_prizes = _dict_ints(history.get("prizes_by_rank"))
        if hist_prizes:
            row.prizes, row.prizes_source = {c: hist_prizes.get(c, 0) for c in rank_codes}, REPORT
    if row.prizes_source:
        row.prizes_total = sum(row.prizes.values())
    sys_nom = (stats or {}).get("national_nominations") or 0
    hist_nom = _history_int(history.get("national_nominations"))
    if sys_nom:
        row.nominations = Figure(sys_nom, SYSTEM, hist_nom)
    elif hist_nom is not None:
        row.nominations = Figure(hist_nom, REPORT)
    sys_nat = (stats or {}).get("national_results") or {}
    if stats is not None and (stats.get("national_results_recorded") or 0) > 0:
        row.national, row.national_source = {c: sys_nat.get(c, 0) for c in rank_codes}, SYSTEM
    else:
        hist_nat = _dict_ints(history.get("national_results"))
        if "national_results" in history:
            row.national, row.national_source = {c: hist_nat.get(c, 0) for c in rank_codes}, REPORT
    if source:
        row.sources.append(source)
    return row


def contest_trends(contest: Contest) -> Trends:
    """Year-by-year figures of a contest: real editions and report-only history."""
    editions = list(db.session.scalars(select(Edition).where(Edition.contest_id == contest.id)))
    histories = list(db.session.scalars(select(EditionHistory).where(EditionHistory.contest_id == contest.id)))
    ranks = _ranks(editions[0]) if editions else PRIZE_RANKS
    rank_codes = [r.code for r in ranks]

    level_order: dict[str, int] = {}
    level_names: dict[str, str] = {}
    for e in sorted(editions, key=lambda e: e.year_start):
        for lv in e.levels:
            level_order.setdefault(lv.code, lv.position * 10)
            level_names.setdefault(lv.code, lv.name)
    for code in ("truong", "huyen", "xa", "cum", "tinh", "toan_quoc"):
        level_names.setdefault(code, _default_level_name(code))

    by_year: dict[int, YearRow] = {}
    stats_of: dict[int, dict] = {}
    for e in editions:
        year = e.year_end
        stats = edition_statistics(e)
        if year in stats_of:  # two editions in one year: keep the one with more data
            if stats["entries_total"] <= stats_of[year]["entries_total"]:
                continue
        stats_of[year] = stats
        by_year[year] = YearRow(year, f"Lần thứ {e.number} ({e.years_label})", e.slug)
    history_of = {h.year: h for h in histories}
    for h in histories:
        if h.year not in by_year:
            by_year[h.year] = YearRow(h.year, h.label)
    rows = []
    for year in sorted(by_year):
        h = history_of.get(year)
        row = merge_year(by_year[year], stats_of.get(year), h.figures if h else None, h.source if h else None,
                         rank_codes)
        rows.append(row)
    codes = {code for r in rows for code in r.entries}
    fallback = {"truong": 10, "huyen": 20, "xa": 20, "cum": 20, "tinh": 30, "toan_quoc": 40}
    level_codes = sorted((c for c in codes if c != NATIONAL_CODE), key=lambda c: (level_order.get(c, fallback.get(c, 99)), c))
    main = next((c for c in MAIN_LEVEL_CODES if c in codes), level_codes[-1] if level_codes else "tinh")
    return Trends(contest, level_codes, {c: level_names.get(c, c) for c in level_codes}, main, ranks, rows)


def _default_level_name(code: str) -> str:
    from contest.models import LEVEL_CODES

    return LEVEL_CODES.get(code, code)
