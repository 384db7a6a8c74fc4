"""Robocon results per division feed prize allocation and certificates: a finished
division's final ranking is transferred to the final level (EntryLevel rank and a
ranking score), prizes are allocated per division with fixed quotas, approved and
published, and certificates are issued to every member and mentor. The transfer is
refused (in Vietnamese) while a final is not finished; the stage page has the button."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contest.certificates import service as certificates
from contest.extensions import db as _db
from contest.models import AuditLog, Certificate, Edition, Entry, EntryLevel, EntryPerson, User
from contest.models.robocon import RoboconFixture
from contest.results import service as results
from contest.robocon import results as final_results
from contest.robocon import services as rs
from tests.helpers import login, post_form
from tests.web.test_robocon_web import SLUG, scheduled

CUTS = {"th": 6, "thcs": 4}  # th: a bracket of 8 with two byes (two teams share 5th place)
QUOTAS = {
    "th": {"nhat": 1, "nhi": 1, "ba": 2, "khuyen_khich": 2},
    "thcs": {"nhat": 1, "nhi": 2, "ba": 1, "khuyen_khich": 0},
}
LABELS = {"nhat": "Giải Nhất", "nhi": "Giải Nhì", "ba": "Giải Ba", "khuyen_khich": "Giải Khuyến khích"}


def _user(name: str) -> User:
    return _db.session.scalar(select(User).where(User.username == name))


def finals_ready(app, world) -> None:
    """Qualifying run 1 committed for 8 teams a division, the cut closed (6 and 4
    finalists), a knockout final with a third-place match per division, every finalist
    checked in and inspected. Nothing of the final is played yet."""
    scheduled(app, world, teams=8)
    with app.app_context():
        edition = rs.get_edition(SLUG)
        qual, final = rs.level_of(edition, "vong_loai"), rs.level_of(edition, "chung_ket")
        head = _user("ttt-robocon")
        for division in edition.divisions:
            for i, entry in enumerate(rs.stage_entries(edition, qual, division)):
                fx = _db.session.scalar(select(RoboconFixture).where(RoboconFixture.entry_a_id == entry.id,
                                                                     RoboconFixture.run_no == 1))
                counts = {"dat_khoi": 4 - i // 2, "nem_bong": 5 - i % 2}  # 110, 100, 95, 85, …: no ties
                rs.commit_result(rs.save_result(fx, rs.SheetInput(rs.SideInput(counts, {}, 60))), user=head)
            fmt = rs.stage_format(edition, qual, division)
            fmt.cut_size = CUTS[division.code]
            rs.save_format(edition, qual, division, fmt)
            rs.save_format(edition, final, division, rs.StageFormat(format="head_to_head", group_size=0,
                                                                    third_place=True, cut_size=0))
            rs.close_cut(edition, qual, division)
        _db.session.commit()


def build_brackets(edition) -> None:
    final = rs.level_of(edition, "chung_ket")
    for division in edition.divisions:
        rs.build_stage_bracket(edition, final, division)
        for entry in rs.stage_entries(edition, final, division):
            rs.check_in(edition, final, entry)
            rs.inspect_robot(edition, final, entry, {i["code"]: (True, "") for i in rs.inspection_items(edition)})


def play(edition, division, *, upsets: frozenset[str] = frozenset(), leave: str | None = None,
         commit_last: bool = True) -> None:
    """Play the division's final: the better seed wins 40–20, except in the bracket
    matches listed in ``upsets``; ``leave`` (a bracket match id) is not played; the last
    match is saved but not committed when ``commit_last`` is False."""
    final = rs.level_of(edition, "chung_ket")
    stage = rs.get_stage(edition, final, division)
    seeds = stage.bracket["seeds"]
    last = stage.bracket["rounds"][-1]["matches"][0]["id"]  # the final match
    head = _user("ttt-robocon")
    while True:
        ready = [f for f in _db.session.scalars(select(RoboconFixture).where(
            RoboconFixture.stage_id == stage.id, RoboconFixture.state == "scheduled",
            RoboconFixture.entry_a_id.is_not(None), RoboconFixture.entry_b_id.is_not(None))
            .order_by(RoboconFixture.round_no, RoboconFixture.id)) if f.bracket_match != leave]
        if not ready:
            return
        for fx in ready:
            a_wins = (seeds[fx.entry_a.code] < seeds[fx.entry_b.code]) != (fx.bracket_match in upsets)
            better, worse = {"vuot_cau": 1, "nem_bong": 2}, {"nem_bong": 2}
            result = rs.save_result(fx, rs.SheetInput(rs.SideInput(better if a_wins else worse, {}, 60),
                                                      rs.SideInput(worse if a_wins else better, {}, 60)))
            if fx.bracket_match == last and not commit_last:
                return
            rs.commit_result(result, user=head)


def finalists_scores(edition, division) -> dict[int, tuple[int, Decimal]]:
    final = rs.level_of(edition, "chung_ket")
    return {el.entry_id: (el.rank, el.score) for el in _db.session.scalars(
        select(EntryLevel).join(Entry).where(EntryLevel.level_id == final.id, Entry.division_id == division.id))}


def prize_settings(edition) -> dict:
    return {"quotas": {}, "per_group": "division", "group_split": "fixed", "tie_policy": "share",
            "group_quotas": {d.code: dict(QUOTAS[d.code]) for d in edition.divisions}, "nominations": 0}


# ----- services ---------------------------------------------------------------------------


def test_transfer_is_refused_until_the_division_final_is_finished(app, world, db):
    finals_ready(app, world)
    edition = rs.get_edition(SLUG)
    th = rs.division_of(edition, "th")
    with pytest.raises(rs.RoboconError, match="Chung kết Bảng Tiểu học chưa có lượt/trận nào"):
        final_results.transfer_final_results(edition, th)
    build_brackets(edition)
    db.session.commit()
    with pytest.raises(rs.RoboconError, match=r"chưa kết thúc: còn \d+ lượt/trận chưa có kết quả"):
        final_results.transfer_final_results(edition, th)
    # everything but the final played; then the final saved but not committed by the head referee
    play(edition, th, leave="R3-1")
    with pytest.raises(rs.RoboconError, match="còn 1 lượt/trận chưa có kết quả"):
        final_results.transfer_final_results(edition, th)
    play(edition, th, commit_last=False)
    with pytest.raises(rs.RoboconError, match="còn 1 kết quả chờ tổng trọng tài duyệt"):
        final_results.transfer_final_results(edition, th)
    # all or nothing over the divisions
    with pytest.raises(rs.RoboconError) as refused:
        final_results.transfer_all(edition)
    assert len(refused.value.messages) == 2 and "Bảng THCS" in refused.value.messages[1]
    assert final_results.transferred_count(edition, th) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "robocon.results")) == 0


def test_finished_finals_give_prizes_per_division_and_certificates_to_every_member_and_mentor(app, world, db):
    finals_ready(app, world)
    edition = rs.get_edition(SLUG)
    th, thcs = rs.division_of(edition, "th"), rs.division_of(edition, "thcs")
    build_brackets(edition)
    play(edition, th)
    play(edition, thcs, upsets=frozenset({"R2-1"}))  # the second seed wins the THCS final
    db.session.commit()
    # a bigger team and a second mentor, so the certificate counts are not just "one each"
    seeds = rs.get_stage(edition, rs.level_of(edition, "chung_ket"), thcs).bracket["seeds"]
    second_seed = db.session.scalar(select(Entry).where(Entry.code == next(c for c, n in seeds.items() if n == 2)))
    second_seed.people.append(EntryPerson(role="member", position=2, full_name="Lê Thị Hoa THCS"))
    second_seed.people.append(EntryPerson(role="mentor", position=3, full_name="Phạm Văn Thầy THCS"))
    db.session.commit()

    organiser = _user("btc")
    reports = final_results.transfer_all(edition, user=organiser)
    db.session.commit()
    assert [(r.division.code, r.teams, r.changed) for r in reports] == [("th", 6, 6), ("thcs", 4, 4)]
    for division in (th, thcs):
        ranking = rs.final_ranking(edition, division)
        stored = finalists_scores(edition, division)
        teams = CUTS[division.code]
        assert len(stored) == teams
        assert {eid: rank for eid, rank, _ in ranking if eid in stored} == {eid: r for eid, (r, _) in stored.items()}
        assert all(score == teams + 1 - rank for rank, score in stored.values())
    th_ranks = sorted(r for r, _ in finalists_scores(edition, th).values())
    assert th_ranks == [1, 2, 3, 4, 5, 5]  # two first-round losers share 5th
    thcs_champion = next(eid for eid, (rank, _) in finalists_scores(edition, thcs).items() if rank == 1)
    assert thcs_champion == second_seed.id
    # idempotent: the same ranking writes and records nothing
    again = final_results.transfer_final_results(edition, th, user=organiser)
    assert again.changed == 0 and "không có gì thay đổi" in again.message
    assert db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "robocon.results")) == 2

    # prizes per division with fixed quotas, through the results services
    results.save_prize_settings(edition, "chung_ket", prize_settings(edition), actor=organiser)
    version = results.propose_allocation(edition, "chung_ket", actor=organiser)
    by_group = Counter((a.group_key, a.rank_code) for a in version.awards)
    expected = Counter({(g, code): n for g, quotas in QUOTAS.items() for code, n in quotas.items() if n})
    assert by_group == expected
    prize_of = {a.entry_id: a.rank_code for a in version.awards}
    assert prize_of[thcs_champion] == "nhat"
    rank_of = {eid: rank for d in (th, thcs) for eid, (rank, _) in finalists_scores(edition, d).items()}
    assert sorted(rank_of[e] for e, code in prize_of.items() if code == "khuyen_khich") == [5, 5]
    assert len(version.awards) == 10  # every finalist of both divisions
    results.approve(version, decision_number="120/QĐ-LHH", decision_date=date(2026, 6, 20), actor=organiser)
    results.publish(version, actor=organiser)
    db.session.commit()
    assert results.published_version(edition, "chung_ket").id == version.id

    # once published, a changed ranking is refused (a correction of the results is needed)
    row = db.session.scalar(select(EntryLevel).where(EntryLevel.entry_id == thcs_champion,
                                                     EntryLevel.level_id == version.level_id))
    row.rank = 2
    db.session.flush()
    with pytest.raises(rs.RoboconError, match="đã công bố"):
        final_results.transfer_final_results(edition, thcs, user=organiser)
    db.session.rollback()
    assert final_results.transfer_final_results(edition, thcs).changed == 0

    # certificates: every member and mentor of the awarded teams, plus participation for all
    certificates.save_settings(edition, {"participation": True, "mentors": True}, user=organiser)
    summary = certificates.issue_certificates(edition, user=organiser, issued_on=date(2026, 6, 21))
    db.session.commit()
    awarded = {e.id: e for e in db.session.scalars(select(Entry).where(Entry.id.in_(list(prize_of))))}
    members = sum(len(e.authors) for e in awarded.values())
    mentors = sum(len(e.mentors) for e in awarded.values())
    everyone = db.session.scalar(select(func.count()).select_from(EntryPerson).join(Entry)
                                 .where(Entry.edition_id == edition.id, Entry.status == "accepted"))
    assert (members, mentors) == (11, 11) and everyone == 34
    kinds = Counter(c.kind for c in summary.created)
    assert kinds == {"award": members, "mentor": mentors, "participation": everyone}
    for cert in db.session.scalars(select(Certificate).where(Certificate.kind.in_(("award", "mentor")))):
        assert cert.prize_label == LABELS[prize_of[cert.entry_id]]
        assert cert.entry_title == awarded[cert.entry_id].title
    names = {(c.full_name, c.kind, c.prize_label) for c in summary.created}
    assert ("Lê Thị Hoa THCS", "award", "Giải Nhất") in names
    assert ("Phạm Văn Thầy THCS", "mentor", "Giải Nhất") in names
    assert certificates.plan(edition)["to_issue"] == 0  # issuing again adds nothing


# ----- the stage page --------------------------------------------------------------------


def test_stage_page_button_transfers_a_finished_final(app, world, client):
    finals_ready(app, world)
    with app.app_context():
        edition = rs.get_edition(SLUG)
        build_brackets(edition)
        _db.session.commit()
    url = f"/robocon/{SLUG}/chung_ket/th"
    login(client, "btc")
    page = client.get(url).get_data(as_text=True)
    assert "Chuyển kết quả sang xét giải</button>" in page and "disabled>Chuyển kết quả" in page
    assert "Chung kết Bảng Tiểu học chưa kết thúc" in page
    response = post_form(client, url + "/results", {}, token_from=url, follow=True)
    assert response.status_code == 200 and "chưa kết thúc" in response.get_data(as_text=True)
    # only the final, only known divisions, only organisers
    qual = f"/robocon/{SLUG}/vong_loai/th"
    page = post_form(client, qual + "/results", {}, token_from=qual, follow=True).get_data(as_text=True)
    assert "Chỉ chuyển kết quả của vòng chung kết sang xét giải." in page
    assert "Chuyển kết quả sang xét giải</button>" not in client.get(qual).get_data(as_text=True)
    assert post_form(client, f"/robocon/{SLUG}/chung_ket/khong-co/results", {}, token_from=url).status_code == 404
    referee = app.test_client()
    login(referee, "tt-robocon")
    assert post_form(referee, url + "/results", {}, token_from=url).status_code == 403
    assert "Chuyển kết quả sang xét giải" not in referee.get(url).get_data(as_text=True)

    with app.app_context():
        edition = rs.get_edition(SLUG)
        play(edition, rs.division_of(edition, "th"))
        _db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "disabled>Chuyển kết quả" not in page and "đã thi xong" in page
    page = post_form(client, url + "/results", {}, token_from=url, follow=True).get_data(as_text=True)
    assert "Chung kết Bảng Tiểu học: đã chuyển thứ hạng của 6 đội sang xét giải" in page
    assert "Đã chuyển thứ hạng của 6/6 đội sang xét giải" in page and f"/e/{SLUG}/results" in page
    page = post_form(client, url + "/results", {}, token_from=url, follow=True).get_data(as_text=True)
    assert "không có gì thay đổi" in page
    with app.app_context():
        edition = rs.get_edition(SLUG)
        th = rs.division_of(edition, "th")
        assert sorted(r for r, _ in finalists_scores(edition, th).values()) == [1, 2, 3, 4, 5, 5]
        # the results pages take it from there
        results.save_prize_settings(edition, "chung_ket", prize_settings(edition), actor=_user("btc"))
        _db.session.commit()
    page = client.get(f"/e/{SLUG}/results").get_data(as_text=True)
    assert "Chung kết" in page


# ----- the demo ----------------------------------------------------------------------------


def test_demo_publishes_the_robocon_2024_prizes_per_division(app):
    """robocon-2024: 1/1/2/4 prizes in each of the three divisions (24 in all), approved
    with the award decision and published; certificates set for every member and mentor."""
    from contest.demo import registrations
    from contest.demo.robocon import seed_robocon
    from contest.demo.robocon_results import DECISION
    from contest.demo.seed import seed_accounts, seed_contests, seed_institutions, seed_units

    with app.app_context():
        units = seed_units()
        seed_institutions(units)
        seed_contests()
        seed_accounts(units)
        edition = _db.session.scalar(select(Edition).where(Edition.slug == "robocon-2024"))
        registrations.seed_robocon(edition, registrations.ROBOCON_2024_TEAMS, registrations.ROBOCON_2024_PEOPLE)
        summary = seed_robocon()
        _db.session.commit()
        assert summary["đội có thứ hạng chung kết Robocon"] == 48 and summary["giải Robocon"] == 24
        version = results.published_version(edition, "chung_ket")
        assert (version.decision_number, version.decision_date) == DECISION
        counts = Counter((a.group_key, a.rank_code) for a in version.awards)
        assert counts == {(d, code): n for d in ("th", "thcs", "thpt")
                          for code, n in {"nhat": 1, "nhi": 1, "ba": 2, "khuyen_khich": 4}.items()}
        for division in edition.divisions:
            ranks = {eid: rank for eid, rank, _ in rs.final_ranking(edition, division)}
            awarded = [a for a in version.awards if a.group_key == division.code]
            assert sorted(ranks[a.entry_id] for a in awarded) == [1, 2, 3, 4, 5, 5, 5, 5]
            champion = next(a for a in awarded if ranks[a.entry_id] == 1)
            assert champion.rank_code == "nhat"
        settings = certificates.certificate_settings(edition)
        assert settings["participation"] and settings["mentors"]
        awarded_entries = db_entries([a.entry_id for a in version.awards])
        people = sum(len(e.people) for e in awarded_entries)
        assert certificates.plan(edition)["eligible"] == registrations.ROBOCON_2024_PEOPLE + people
        assert seed_robocon() == {"lượt/trận Robocon mới": 0}  # idempotent


def db_entries(ids: list[int]) -> list[Entry]:
    return list(_db.session.scalars(select(Entry).where(Entry.id.in_(ids))))
