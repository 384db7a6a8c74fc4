"""The demo reproduces the Union's 2023 report through the real pipeline (school scores,
advancement by district quotas, district and province judging, allocation, approval,
publication, national nomination and results). Seeding is expensive and tables are
emptied after each test, so everything is checked in one test."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from contest.demo.history import PROVINCE_ENTRIES
from contest.demo.pipeline import TECH_AMOUNTS, run_pipeline
from contest.demo.seed import seed
from contest.extensions import db
from contest.models import (
    Assignment,
    Edition,
    EditionHistory,
    Entry,
    EntryLevel,
    NationalResult,
    Panel,
    Quota,
    ResultVersion,
    ScoreChange,
    ScoreItem,
    ScoreSheet,
)
from tests.helpers import login

YOUTH = "sang-tao-tttn-2023"
TECH = "hoi-thi-sang-tao-ky-thuat-10"


def _count(stmt) -> int:
    return db.session.scalar(stmt) or 0


def test_demo_pipeline_reproduces_the_reports(app, client, runner):
    with app.app_context():
        seed()
        db.session.commit()

        editions = {e.slug: e for e in db.session.scalars(select(Edition))}
        youth, tech = editions[YOUTH], editions[TECH]
        lv = {lv.code: lv for lv in youth.levels}

        # School level: every entry has the school's score; 560 go up, none left pending.
        decisions = Counter(db.session.scalars(select(EntryLevel.decision).where(EntryLevel.level_id == lv["truong"].id)))
        assert decisions == {"advanced": 560, "not_advanced": 992}
        assert _count(select(func.count()).select_from(EntryLevel).where(
            EntryLevel.level_id == lv["truong"].id, EntryLevel.score.is_(None))) == 0
        quotas = {
            level_id: total for level_id, total in db.session.execute(
                select(Quota.level_id, func.sum(Quota.max_entries)).where(Quota.edition_id == youth.id)
                .group_by(Quota.level_id))
        }
        assert quotas == {lv["truong"].id: 560, lv["huyen"].id: 111}
        per_district = Counter(db.session.scalars(select(Entry.area_unit_id).join(
            EntryLevel, EntryLevel.entry_id == Entry.id).where(EntryLevel.level_id == lv["huyen"].id)))
        assert len(per_district) == 10

        # Judging: 3 judges per entry at the district level, 5 at the province level,
        # every sheet submitted with its items and change log.
        for code, k, n in (("huyen", 3, 560), ("tinh", 5, 111)):
            panel_ids = list(db.session.scalars(select(Panel.id).where(Panel.level_id == lv[code].id)))
            assert panel_ids and all(p.closed for p in db.session.scalars(select(Panel).where(Panel.id.in_(panel_ids))))
            own = Counter(db.session.scalars(select(Assignment.entry_id).where(
                Assignment.panel_id.in_(panel_ids), Assignment.is_link.is_(False))))
            assert len(own) == n and set(own.values()) == {k}
            scored = _count(select(func.count()).select_from(EntryLevel).where(
                EntryLevel.level_id == lv[code].id, EntryLevel.score.is_not(None), EntryLevel.rank.is_not(None)))
            assert scored == n
        sheets = db.session.scalars(select(ScoreSheet).join(Assignment).join(Panel).where(Panel.edition_id == youth.id)).all()
        assert {s.status for s in sheets} == {"submitted"}
        sheet_ids = [s.id for s in sheets]
        items = _count(select(func.count()).select_from(ScoreItem).where(ScoreItem.sheet_id.in_(sheet_ids)))
        changes = _count(select(func.count()).select_from(ScoreChange).where(ScoreChange.sheet_id.in_(sheet_ids)))
        assert items >= 4 * len(sheets) and changes == items + len(sheets)

        # The technical contest's panels were closed and their results written.
        tech_level = tech.level("tinh")
        assert all(p.closed for p in db.session.scalars(select(Panel).where(Panel.level_id == tech_level.id)))
        assert _count(select(func.count()).select_from(EntryLevel).where(
            EntryLevel.level_id == tech_level.id, EntryLevel.score.is_not(None))) == 154

        # Published results with the award decision; national results recorded.
        version = db.session.scalars(select(ResultVersion).where(
            ResultVersion.edition_id == youth.id, ResultVersion.status == "published")).one()
        assert version.decision_number == "1234/QĐ-LHH" and version.decision_date.isoformat() == "2023-10-20"
        national = db.session.scalars(select(NationalResult).where(NationalResult.edition_id == youth.id)).all()
        assert len(national) == 12 and Counter(n.rank_code for n in national) == {None: 10, "nhi": 1, "khuyen_khich": 1}

        history = {h.year: h for h in db.session.scalars(
            select(EditionHistory).where(EditionHistory.contest_id == youth.contest_id))}
        assert {y: h.figures["entries_by_level"]["tinh"] for y, h in history.items()} == PROVINCE_ENTRIES
        assert all(h.source and "“" in h.source for h in db.session.scalars(select(EditionHistory)))

        # Idempotent.
        before = {m.__name__: _count(select(func.count()).select_from(m))
                  for m in (EntryLevel, ScoreSheet, ResultVersion, NationalResult, EditionHistory, Quota)}
        again = run_pipeline()
        db.session.commit()
        assert all(v == 0 for v in again.values()), again
        assert {m.__name__: _count(select(func.count()).select_from(m))
                for m in (EntryLevel, ScoreSheet, ResultVersion, NationalResult, EditionHistory, Quota)} == before

    # The statistics API reproduces the reports' numbers.
    data = client.get(f"/api/v1/editions/{YOUTH}/statistics").get_json()
    assert data["entries_by_level"] == {"truong": 1552, "huyen": 560, "tinh": 111, "toan_quoc": 12}
    assert data["national_nominations"] == 12
    assert data["prizes_by_rank"] == {"nhat": 2, "nhi": 4, "ba": 6, "khuyen_khich": 18}
    assert data["national_results"] == {"nhat": 0, "nhi": 1, "ba": 0, "khuyen_khich": 1}
    assert data["prize_money_total_vnd"] == sum(
        n * data["prize_amounts_vnd"][code] for code, n in data["prizes_by_rank"].items())

    tech_data = client.get(f"/api/v1/editions/{TECH}/statistics").get_json()
    assert tech_data["entries_by_level"]["tinh"] == 154
    assert tech_data["prizes_by_rank"] == {"nhat": 4, "nhi": 6, "ba": 16, "khuyen_khich": 20}
    expected = sum(n * TECH_AMOUNTS[code] for code, n in tech_data["prizes_by_rank"].items())
    assert tech_data["prize_money_total_vnd"] == expected == 430_000_000
    assert tech_data["prize_amounts_vnd"] == TECH_AMOUNTS

    # The CLI prints exactly the API's JSON.
    for slug in (YOUTH, TECH):
        result = runner.invoke(args=["stats", slug, "--json"])
        assert result.exit_code == 0, result.output
        assert result.output.rstrip("\n") == client.get(f"/api/v1/editions/{slug}/statistics").get_data(as_text=True)

    # The trends page: report years and the real 2023 edition.
    html = client.get("/contests/sang-tao-thanh-thieu-nien/trends").get_data(as_text=True)
    entries = html.split('id="entries-table"', 1)[1].split("</table>", 1)[0]
    for year, n in PROVINCE_ENTRIES.items():
        row = entries.split(f'<th scope="row">{year}</th>', 1)[1].split("</tr>", 1)[0]
        assert f">{n}<" in row.replace("<sup", "<"), (year, row)

    # The organiser's report page carries the Union's sentence.
    login(client, "btc", "demo-2026")
    html = client.get(f"/e/{YOUTH}/statistics").get_data(as_text=True)
    assert ("Kết quả toàn tỉnh có 1.552 mô hình tham gia Cuộc thi cấp cơ sở (trường); 560 mô hình tham gia "
            "Cuộc thi cấp huyện; 111 mô hình tham gia Cuộc thi cấp tỉnh, giới thiệu 12 mô hình tham gia Cuộc thi "
            "toàn quốc, trong đó có 01 mô hình đạt giải Nhì, 01 mô hình đạt giải Khuyến khích. Đã trao 30 giải gồm: "
            "02 giải Nhất, 04 giải Nhì, 06 giải Ba và 18 giải Khuyến khích") in html
