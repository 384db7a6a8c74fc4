"""Robocon services over the database: schedules written as fixtures, rankings and
tie-breaks through the service, bracket progression with byes, versioned results,
disqualification, the cut line and the CSV import."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, time

import pytest
from sqlalchemy import func, select

from contest.extensions import db
from contest.models import Edition, Entry, EntryLevel, User
from contest.models.robocon import RoboconFixture, RoboconResult
from contest.robocon import services as rs
from contest.robocon.schedule import DayWindow
from tests.web.test_robocon_web import build_robocon, ready_all


def _ctx(edition, level="vong_loai", division="th"):
    return rs.stage_context(edition, rs.level_of(edition, level), rs.division_of(edition, division))


def _edition() -> Edition:
    return rs.get_edition("robocon-2026")


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _params(**kw) -> rs.ScheduleParams:
    values = dict(
        venues=[("Điểm thi Bắc Giang", ["Sân 1", "Sân 2"]), ("Điểm thi Lục Nam", ["Sân 1"])],
        days=[DayWindow(date(2026, 5, 16), time(7, 30), time(11, 30)),
              DayWindow(date(2026, 5, 16), time(13, 30), time(17, 0))],
        slot_minutes=6, min_gap_slots=2, seed=7)
    values.update(kw)
    return rs.ScheduleParams(**values)


def _run(fx, points_items: dict, time_s=None, *, penalties=None, dq=False, reason=None, note=None, user=None):
    return rs.save_result(fx, rs.SheetInput(rs.SideInput(points_items, penalties or {}, time_s, dq, reason),
                                            note=note), user=user)


def _set_format(edition, level, division, **kw):
    lv, div = rs.level_of(edition, level), rs.division_of(edition, division)
    fmt = rs.stage_format(edition, lv, div)
    for k, v in kw.items():
        setattr(fmt, k, v)
    rs.save_format(edition, lv, div, fmt)


# ----- schedules ----------------------------------------------------------------------


def test_schedule_is_persisted_with_every_team_its_runs_and_gaps_respected(app, world, db):
    build_robocon(app, world, teams_per_division=14)
    edition = _edition()
    level = rs.level_of(edition, "vong_loai")
    summary = rs.generate_schedule(edition, level, edition.divisions, _params(), user=_user("btc"))
    db.session.commit()
    fixtures = db.session.scalars(select(RoboconFixture)).all()
    assert summary.fixtures == len(fixtures) == 28 * 3
    per_team = Counter(f.entry_a_id for f in fixtures)
    assert len(per_team) == 28 and set(per_team.values()) == {3}
    # run numbers 1..3 in time order, the gap (2 free slots) kept within a day
    by_team = defaultdict(list)
    for f in fixtures:
        by_team[f.entry_a_id].append(f)
    for runs in by_team.values():
        runs.sort(key=lambda f: f.starts_at)
        assert [f.run_no for f in runs] == [1, 2, 3]
        assert len({f.venue for f in runs}) == 1  # a team stays at one venue
        for a, b in zip(runs, runs[1:], strict=False):
            if a.day_index == b.day_index:
                assert b.slot_index - a.slot_index - 1 >= 2
    # no field hosts two runs at once; field loads within a venue differ by at most one
    assert len({(f.venue, f.field, f.starts_at) for f in fixtures}) == len(fixtures)
    loads = Counter((f.venue, f.field) for f in fixtures)
    bg = [n for (v, _), n in loads.items() if v == "Điểm thi Bắc Giang"]
    assert max(bg) - min(bg) <= 1
    # a school's teams are at the same venue
    venue_of_school = defaultdict(set)
    for f in fixtures:
        venue_of_school[db.session.get(Entry, f.entry_a_id).institution_id].add(f.venue)
    assert all(len(v) == 1 for v in venue_of_school.values())


def test_schedule_refuses_what_does_not_fit_and_after_results(app, world, db):
    build_robocon(app, world, teams_per_division=14)
    edition = _edition()
    level = rs.level_of(edition, "vong_loai")
    one_hour = [DayWindow(date(2026, 5, 16), time(7, 30), time(8, 30))]
    with pytest.raises(rs.RoboconError) as exc:
        rs.generate_schedule(edition, level, edition.divisions, _params(days=one_hour))
    assert "Không đủ chỗ" in exc.value.message or "không xếp được" in exc.value.message.lower()
    rs.generate_schedule(edition, level, edition.divisions, _params())
    ready_all(edition, level)
    fx = db.session.scalars(select(RoboconFixture)).first()
    _run(fx, {"xuat_phat": 1}, 50)
    with pytest.raises(rs.RoboconError, match="Đã có kết quả thi"):
        rs.generate_schedule(edition, level, edition.divisions, _params())


def test_schedule_of_one_division_must_not_clash_with_another(app, world, db):
    build_robocon(app, world, teams_per_division=6)
    edition = _edition()
    level = rs.level_of(edition, "vong_loai")
    th, thcs = edition.divisions
    rs.generate_schedule(edition, level, [th], _params())
    with pytest.raises(rs.RoboconError, match="trùng sân"):
        rs.generate_schedule(edition, level, [thcs], _params())
    later = [DayWindow(date(2026, 5, 17), time(7, 30), time(11, 30))]
    rs.generate_schedule(edition, level, [thcs], _params(days=later))


def test_parse_venues_and_days_explain_mistakes():
    assert rs.parse_venues("Điểm A: Sân 1, Sân 2\nĐiểm B: Sân 1") == [("Điểm A", ["Sân 1", "Sân 2"]),
                                                                      ("Điểm B", ["Sân 1"])]
    with pytest.raises(rs.RoboconError, match="trùng"):
        rs.parse_venues("Điểm A: Sân 1, Sân 1")
    days = rs.parse_days("16/05/2026 07:30-11:30\n16/05/2026 13:30-17:00")
    assert [d.start for d in days] == [time(7, 30), time(13, 30)]
    with pytest.raises(rs.RoboconError, match="chồng lên nhau"):
        rs.parse_days("16/05/2026 07:30-11:30\n16/05/2026 11:00-12:00")
    with pytest.raises(rs.RoboconError, match="Dòng 1"):
        rs.parse_days("ngày mai buổi sáng")


# ----- results: versions, commit, DQ ---------------------------------------------------


def _scheduled(app, world, n=6):
    build_robocon(app, world, teams_per_division=n)
    edition = _edition()
    level = rs.level_of(edition, "vong_loai")
    rs.generate_schedule(edition, level, edition.divisions, _params())
    ready_all(edition, level)
    db.session.commit()
    return edition, level


def _fixtures_of(code: str, edition) -> list[RoboconFixture]:
    entry = db.session.scalar(select(Entry).where(Entry.edition_id == edition.id, Entry.code == code))
    return sorted(db.session.scalars(select(RoboconFixture).where(RoboconFixture.entry_a_id == entry.id)),
                  key=lambda f: f.run_no)


def test_only_committed_results_count_and_edits_keep_earlier_versions(app, world, db):
    edition, level = _scheduled(app, world)
    referee, head = _user("tt-robocon"), _user("ttt-robocon")
    fx = _fixtures_of("TH01", edition)[0]
    v1 = _run(fx, {"xuat_phat": 1, "vuot_cau": 1}, 62.5, user=referee)
    assert (v1.version, v1.status, v1.points_a) == (1, "pending", 30)
    ranking = {r.team: r for r in rs.mission_ranking(_ctx(edition))}
    assert ranking["TH01"].points == 0 and ranking["TH01"].played == 0  # not committed yet

    rs.commit_result(v1, user=head)
    db.session.commit()
    ranking = {r.team: r for r in rs.mission_ranking(_ctx(edition))}
    assert ranking["TH01"].points == 30 and ranking["TH01"].rank == 1

    with pytest.raises(rs.RoboconError, match="lý do sửa"):
        _run(fx, {"xuat_phat": 1, "vuot_cau": 1, "dat_khoi": 2}, 70, user=referee)
    v2 = _run(fx, {"xuat_phat": 1, "vuot_cau": 1, "dat_khoi": 2}, 70, note="Bỏ sót hai khối hộp", user=referee)
    assert v2.version == 2 and v2.status == "pending"
    # the committed version still counts until the head referee commits the correction
    assert {r.team: r for r in rs.mission_ranking(_ctx(edition))}["TH01"].points == 30
    with pytest.raises(rs.RoboconError, match="đã được duyệt rồi"):
        rs.commit_result(v1, user=head)
    v3 = _run(fx, {"xuat_phat": 1, "vuot_cau": 1, "dat_khoi": 2}, 68, note="Sửa thời gian", user=referee)
    with pytest.raises(rs.RoboconError, match="mới nhất"):
        rs.commit_result(v2, user=head)
    rs.commit_result(v3, user=head)
    db.session.commit()
    assert {r.team: r for r in rs.mission_ranking(_ctx(edition))}["TH01"].points == 60
    versions = db.session.scalars(select(RoboconResult).where(RoboconResult.fixture_id == fx.id)
                                  .order_by(RoboconResult.version)).all()
    assert [(v.version, v.status, v.points_a, v.time_a) for v in versions] == [
        (1, "superseded", 30, 62.5), (2, "superseded", 60, 70), (3, "committed", 60, 68)]
    assert versions[1].note == "Bỏ sót hai khối hộp"
    assert versions[2].committed_by_id == head.id and versions[0].created_by_id == referee.id


def test_disqualification_needs_a_reason_and_counts_zero(app, world, db):
    edition, level = _scheduled(app, world)
    head = _user("ttt-robocon")
    fx = _fixtures_of("TH02", edition)[0]
    with pytest.raises(rs.RoboconError, match="cần ghi lý do"):
        _run(fx, {"xuat_phat": 1}, 40, dq=True)
    r = _run(fx, {"xuat_phat": 1, "vuot_cau": 1}, 40, dq=True, reason="Robot vượt kích thước khi xuất phát")
    rs.commit_result(r, user=head)
    db.session.commit()
    stored = db.session.get(RoboconResult, r.id)
    assert stored.dq_a and stored.points_a == 0
    assert stored.dq_reason_a == "Robot vượt kích thước khi xuất phát"
    row = {x.team: x for x in rs.mission_ranking(_ctx(edition))}["TH02"]
    assert row.points == 0 and row.runs[0].dq


def test_a_team_must_pass_inspection_before_its_first_run(app, world, db):
    build_robocon(app, world, teams_per_division=4)
    edition = _edition()
    level = rs.level_of(edition, "vong_loai")
    rs.generate_schedule(edition, level, edition.divisions, _params())
    fx = _fixtures_of("TH01", edition)[0]
    with pytest.raises(rs.RoboconError, match="chưa đạt kiểm tra kỹ thuật"):
        _run(fx, {"xuat_phat": 1}, 40)
    entry = fx.entry_a
    with pytest.raises(rs.RoboconError, match="chưa điểm danh"):
        rs.inspect_robot(edition, level, entry, {})
    rs.check_in(edition, level, entry)
    items = rs.inspection_items(edition)
    answers = {i["code"]: (True, "") for i in items}
    answers[items[0]["code"]] = (False, "")
    with pytest.raises(rs.RoboconError, match="cần ghi rõ lỗi"):
        rs.inspect_robot(edition, level, entry, answers)
    answers[items[0]["code"]] = (False, "Robot cao 65 cm")
    failed = rs.inspect_robot(edition, level, entry, answers)
    assert not failed.passed
    with pytest.raises(rs.RoboconError, match="chưa đạt"):
        _run(fx, {"xuat_phat": 1}, 40)
    rs.inspect_robot(edition, level, entry, {i["code"]: (True, "") for i in items})
    assert _run(fx, {"xuat_phat": 1}, 40).points_a == 10


def test_sheet_errors_are_listed_in_vietnamese(app, world, db):
    edition, level = _scheduled(app, world)
    fx = _fixtures_of("TH03", edition)[0]
    with pytest.raises(rs.RoboconError) as exc:
        _run(fx, {"dat_khoi": 9, "khong_co": 1}, 500)
    text = exc.value.message
    assert "vượt số lần tối đa là 4" in text and "không có trong phiếu chấm" in text
    assert "vượt thời gian tối đa" in text


# ----- rankings and tie-breaks through the service -------------------------------------


def _commit_runs(edition, table: dict[str, list[tuple[int, float | None]]]):
    """table: code -> [(vuot_cau count → 20 points each… as points via items), time]"""
    head = _user("ttt-robocon")
    for code, runs in table.items():
        for fx, (counts, time_s) in zip(_fixtures_of(code, edition), runs, strict=False):
            rs.commit_result(_run(fx, counts, time_s), user=head)
    db.session.commit()


def test_mission_ranking_best_run_ties_broken_by_time_then_second_run(app, world, db):
    edition, level = _scheduled(app, world)
    full = {"xuat_phat": 1, "vuot_cau": 1, "ve_dich": 1}  # 60 points
    part = {"xuat_phat": 1, "vuot_cau": 1}  # 30 points
    _commit_runs(edition, {
        "TH01": [(full, 80), (part, 50)],
        "TH02": [(full, 75), ({}, None)],   # same best points, faster → above TH01
        "TH03": [(full, 80), ({"xuat_phat": 1}, 40)],  # same best run as TH01, worse second run
        "TH04": [(part, 30)],
    })
    rows = rs.mission_ranking(_ctx(edition))
    order = [r.team for r in rows[:4]]
    assert order == ["TH02", "TH01", "TH03", "TH04"]
    assert [r.rank for r in rows[:4]] == [1, 2, 3, 4]
    th03 = rows[2]
    assert "lượt tốt thứ hai" in th03.tie_break


def test_mission_ranking_sum_of_best_k(app, world, db):
    edition, level = _scheduled(app, world)
    _set_format(edition, "vong_loai", "th", ranking="sum_best_k", best_k=2)
    full = {"xuat_phat": 1, "vuot_cau": 1, "ve_dich": 1}  # 60
    part = {"xuat_phat": 1, "vuot_cau": 1}  # 30
    _commit_runs(edition, {
        "TH01": [(full, 80), ({}, None), ({}, None)],     # best 60, sum of 2 best 60
        "TH02": [(part, 50), (part, 55), ({}, None)],     # best 30, sum 60, total time 105
        "TH03": [(part, 40), (part, 45), ({"xuat_phat": 1}, 20)],  # sum 60, time 85
    })
    rows = rs.mission_ranking(_ctx(edition))
    assert [r.team for r in rows[:3]] == ["TH03", "TH02", "TH01"]
    assert rows[0].points == 60


def _h2h_final(app, world, n=8, **fmt):
    """Qualifying committed for division th, cut of n teams into a head-to-head final."""
    edition, level = _scheduled(app, world, n=n + 2)
    _set_format(edition, "vong_loai", "th", cut_size=n)
    head = _user("ttt-robocon")
    teams = [e.code for e in rs.stage_entries(edition, level, rs.division_of(edition, "th"))]
    for i, code in enumerate(teams):
        fx = _fixtures_of(code, edition)[0]
        rs.commit_result(_run(fx, {"dat_khoi": min(4, i // 2), "nem_bong": 5 - i % 5}, 60 + i), user=head)
    rs.close_cut(edition, level, rs.division_of(edition, "th"))
    final = rs.level_of(edition, "chung_ket")
    _set_format(edition, "chung_ket", "th", format="head_to_head", **fmt)
    db.session.commit()
    return edition, final


def _match(fx, a_points_items, b_points_items, time_a=None, time_b=None, winner=None):
    return rs.save_result(fx, rs.SheetInput(rs.SideInput(a_points_items, {}, time_a),
                                            rs.SideInput(b_points_items, {}, time_b), winner=winner))


def test_cut_line_moves_the_top_teams_up_and_records_every_rank(app, world, db):
    edition, final = _h2h_final(app, world, n=4, group_size=0)
    th = rs.division_of(edition, "th")
    qual = rs.level_of(edition, "vong_loai")
    entrants = rs.stage_entries(edition, final, th)
    assert len(entrants) == 4
    ranking = rs.mission_ranking(_ctx(edition))
    assert [e.code for e in entrants] == [r.team for r in ranking[:4]]  # seeded by qualifying rank
    levels = db.session.scalars(select(EntryLevel).where(EntryLevel.level_id == qual.id)).all()
    decided = Counter(lv.decision for lv in levels if lv.entry.division_id == th.id)
    assert decided["advanced"] == 4 and decided["not_advanced"] == len(ranking) - 4
    assert all(lv.rank is not None for lv in levels if lv.entry.division_id == th.id)


def test_group_standings_with_configurable_tie_breaks(app, world, db):
    edition, final = _h2h_final(app, world, n=4, group_size=4, advance_per_group=2,
                                tie_breaks=["points_scored", "head_to_head"])
    th = rs.division_of(edition, "th")
    rs.draw_groups(edition, final, th, seed=3)
    stage = rs.get_stage(edition, final, th)
    fixtures = [f for f in stage.fixtures if f.phase == "group"]
    assert len(fixtures) == 6  # round robin of 4
    for e in {f.entry_a for f in fixtures} | {f.entry_b for f in fixtures}:
        rs.check_in(edition, final, e)
        rs.inspect_robot(edition, final, e, {i["code"]: (True, "") for i in rs.inspection_items(edition)})
    codes = sorted({f.entry_a.code for f in fixtures} | {f.entry_b.code for f in fixtures})
    a, b, c, d = codes
    # a beats b, b beats c, c beats a (a three-way tie on table points); everyone beats d.
    wins = {(a, b): a, (b, c): b, (a, c): c, (a, d): a, (b, d): b, (c, d): c}
    big = {"dat_khoi": 4}      # 60 points
    small = {"xuat_phat": 1}   # 10 points
    head = _user("ttt-robocon")
    for fx in fixtures:
        pair = tuple(sorted((fx.entry_a.code, fx.entry_b.code)))
        winner = wins[pair]
        # c wins its match with a big score, so c scored most overall
        win_items = big if winner == c else {"dat_khoi": 2}
        a_items, b_items = (win_items, small) if fx.entry_a.code == winner else (small, win_items)
        rs.commit_result(_match(fx, a_items, b_items), user=head)
    db.session.commit()
    table = rs.group_tables(rs.stage_context(edition, final, th))[0]
    assert [r.team for r in table.rows][3] == d
    assert table.rows[0].team == c  # three tied on 6 points; c scored most
    assert "tổng điểm ghi được" in table.rows[1].tie_break
    # Same results, head-to-head first: the mini-table is a cycle, so it falls to points scored
    _set_format(edition, "chung_ket", "th", tie_breaks=["head_to_head", "wins"])
    table = rs.group_tables(rs.stage_context(edition, final, th))[0]
    assert {r.rank for r in table.rows[:3]} == {1}  # still tied: head-to-head and wins are equal
    _set_format(edition, "chung_ket", "th", tie_breaks=["score_difference"])
    table = rs.group_tables(rs.stage_context(edition, final, th))[0]
    assert table.rows[0].team == c


def test_knockout_with_byes_advances_on_commit_and_gives_final_ranking(app, world, db):
    edition, final = _h2h_final(app, world, n=6, group_size=0, third_place=True)
    th = rs.division_of(edition, "th")
    data = rs.build_stage_bracket(edition, final, th)
    assert data["size"] == 8
    stage = rs.get_stage(edition, final, th)
    ko = [f for f in stage.fixtures if f.phase == "knockout"]
    assert len(ko) == 2 + 2 + 1 + 1  # two byes: 2 first-round matches, semis, final, third place
    seeds = data["seeds"]
    semis = [f for f in ko if f.bracket_match.startswith("R2")]
    # seeds 1 and 2 got byes and already sit in the semi-finals
    placed = {f.entry_a.code for f in semis if f.entry_a} | {f.entry_b.code for f in semis if f.entry_b}
    top = sorted(seeds, key=seeds.get)[:2]
    assert set(top) <= placed
    for e in rs.stage_entries(edition, final, th):
        rs.check_in(edition, final, e)
        rs.inspect_robot(edition, final, e, {i["code"]: (True, "") for i in rs.inspection_items(edition)})
    head = _user("ttt-robocon")

    def play(fx):
        # the better seed wins 40-20
        a_better = seeds[fx.entry_a.code] < seeds[fx.entry_b.code]
        better, worse = {"vuot_cau": 1, "nem_bong": 2}, {"nem_bong": 2}
        r = _match(fx, better if a_better else worse, worse if a_better else better)
        rs.commit_result(r, user=head)
        db.session.commit()

    first_round = [f for f in ko if f.bracket_match.startswith("R1")]
    assert sorted(f.bracket_match for f in first_round) == ["R1-2", "R1-4"]  # 4 v 5 and 3 v 6
    for fx in first_round:
        play(fx)
    ko_by = {f.bracket_match: f for f in rs.get_stage(edition, final, th).fixtures}
    assert all(ko_by[m].entry_a and ko_by[m].entry_b for m in ("R2-1", "R2-2"))
    play(ko_by["R2-1"])
    play(ko_by["R2-2"])
    ko_by = {f.bracket_match: f for f in rs.get_stage(edition, final, th).fixtures}
    assert ko_by["R3-1"].entry_a and ko_by["3RD"].entry_a and ko_by["3RD"].entry_b
    # a draw in knockout needs the tie settled
    with pytest.raises(rs.RoboconError, match="chọn đội thắng"):
        _match(ko_by["3RD"], {"nem_bong": 1}, {"nem_bong": 1})
    rs.commit_result(_match(ko_by["3RD"], {"nem_bong": 1}, {"nem_bong": 1}, time_a=50, time_b=40), user=head)
    play(ko_by["R3-1"])
    assert rs.division_finished(edition, th)
    ranking = rs.final_ranking(edition, th)
    by_seed = sorted(seeds, key=seeds.get)
    codes = {e.id: e.code for e in db.session.scalars(select(Entry))}
    first = [(codes[eid], rank) for eid, rank, _ in ranking[:4]]
    assert first[0] == (by_seed[0], 1) and first[1] == (by_seed[1], 2)
    assert [r for _, r in first] == [1, 2, 3, 4]
    assert ranking[4][1] == 5 and ranking[5][1] == 5  # first-round losers share 5th
    # then the teams out in the qualifying round, after the finalists
    assert len(ranking) == len(rs.mission_ranking(_ctx(edition)))
    assert ranking[6][1] == 7


def test_knockout_correction_is_refused_once_the_next_match_has_a_sheet(app, world, db):
    edition, final = _h2h_final(app, world, n=4, group_size=0)
    th = rs.division_of(edition, "th")
    rs.build_stage_bracket(edition, final, th)
    for e in rs.stage_entries(edition, final, th):
        rs.check_in(edition, final, e)
        rs.inspect_robot(edition, final, e, {i["code"]: (True, "") for i in rs.inspection_items(edition)})
    head = _user("ttt-robocon")
    ko = {f.bracket_match: f for f in rs.get_stage(edition, final, th).fixtures}
    rs.commit_result(_match(ko["R1-1"], {"nem_bong": 3}, {"nem_bong": 1}), user=head)
    rs.commit_result(_match(ko["R1-2"], {"nem_bong": 3}, {"nem_bong": 1}), user=head)
    ko = {f.bracket_match: f for f in rs.get_stage(edition, final, th).fixtures}
    _match(ko["R2-1"], {"nem_bong": 3}, {"nem_bong": 1})
    fix = rs.save_result(ko["R1-1"], rs.SheetInput(rs.SideInput({"nem_bong": 1}), rs.SideInput({"nem_bong": 3}),
                                                   note="Đảo kết quả"))
    with pytest.raises(rs.RoboconError, match="trận tiếp theo"):
        rs.commit_result(fix, user=head)


# ----- CSV import ---------------------------------------------------------------------


def test_csv_import_reports_row_errors_and_writes_nothing(app, world, db):
    edition, level = _scheduled(app, world)
    content = ("Mã đội;Lượt;Điểm;Thời gian;Sân\n"
               "TH01;1;45;62,5;Sân 1\n"
               "XX99;1;30;50;Sân 1\n"
               "TH02;7;30;50;Sân 1\n"
               "TH03;1;abc;50;Sân 1\n"
               "TH04;1;20;999;Sân 1\n").encode()
    report = rs.import_runs(edition, level, content)
    text = " | ".join(report.errors)
    assert "XX99" in text and "lượt 7 vượt số lượt thi" in text
    assert "Dòng 5" in text and "không phải là số" in text
    assert "vượt thời gian tối đa" in text
    assert db.session.scalar(select(func.count(RoboconResult.id))) == 0


def test_csv_import_commits_runs_from_every_venue_into_one_ranking(app, world, db):
    edition, level = _scheduled(app, world)
    content = ("TH01,1,45,62.5,Điểm thi Bắc Giang\n"
               "TH02,1,50,70,Điểm thi Lục Nam\n"
               "TH02,2,DQ,,Điểm thi Lục Nam\n"
               "TH03,1,50,65,Điểm thi Bắc Giang\n").encode()
    report = rs.import_runs(edition, level, content, user=_user("btc"))
    db.session.commit()
    assert report.errors == [] and report.imported == 4 and report.teams == 3
    rows = rs.mission_ranking(_ctx(edition))
    assert [r.team for r in rows[:3]] == ["TH03", "TH02", "TH01"]
    again = rs.import_runs(edition, level, content)
    assert again.imported == 0 and again.unchanged == 4


# ----- groups: the draw keeps schools apart ---------------------------------------------


def test_draw_keeps_teams_of_one_school_in_different_groups(app, world, db):
    build_robocon(app, world, teams_per_division=9)
    edition = _edition()
    qual = rs.level_of(edition, "vong_loai")
    thcs = rs.division_of(edition, "thcs")  # 9 teams of three schools, 3 each: three groups of 3
    _set_format(edition, "vong_loai", "thcs", format="head_to_head", group_size=4, advance_per_group=2)
    draw = rs.draw_groups(edition, qual, thcs, seed=11)
    assert len(draw["groups"]) == 3 and draw["conflicts"] == []
    school = {e.code: e.institution_id for e in rs.stage_entries(edition, qual, thcs)}
    for g in draw["groups"]:
        assert len({school[t] for t in g["teams"]}) == len(g["teams"])
    stage = rs.get_stage(edition, qual, thcs)
    assert len([f for f in stage.fixtures if f.phase == "group"]) == 3 * 3
    # the same seed gives the same draw
    again = rs.draw_groups(edition, qual, thcs, seed=11)
    assert again["groups"] == draw["groups"]
    # group matches are scheduled with the gap and without clashes
    summary = rs.generate_schedule(edition, qual, [thcs], _params(min_gap_slots=1))
    assert summary.fixtures == 9
    fixtures = [f for f in rs.get_stage(edition, qual, thcs).fixtures]
    assert all(f.starts_at is not None for f in fixtures)
    busy = Counter((f.starts_at, e) for f in fixtures for e in (f.entry_a_id, f.entry_b_id))
    assert max(busy.values()) == 1
    # a group plays at one venue
    venues = defaultdict(set)
    for f in fixtures:
        venues[f.group_name].add(f.venue)
    assert all(len(v) == 1 for v in venues.values())


def test_only_teams_of_a_level_check_in_there(app, world, db):
    edition, final = _h2h_final(app, world, n=4, group_size=0)
    th = rs.division_of(edition, "th")
    qual = rs.level_of(edition, "vong_loai")
    finalists = {e.id for e in rs.stage_entries(edition, final, th)}
    out = next(e for e in rs.stage_entries(edition, qual, th) if e.id not in finalists)
    with pytest.raises(rs.RoboconError, match="không thi ở chung kết"):
        rs.check_in(edition, final, out)
    assert rs.final_ranking(edition, rs.division_of(edition, "thcs")) == []


def test_a_forced_same_school_pair_is_explained(app, world, db):
    build_robocon(app, world, teams_per_division=12)  # 3 schools of 4 teams, 3 groups
    edition = _edition()
    _set_format(edition, "vong_loai", "thcs", format="head_to_head", group_size=4)
    draw = rs.draw_groups(edition, rs.level_of(edition, "vong_loai"), rs.division_of(edition, "thcs"), seed=1)
    assert len(draw["conflicts"]) == 3
    assert "Trường THCS Trần Phú có 4 đội nhưng chỉ có 3 bảng" in " ".join(c["reason"] for c in draw["conflicts"])


def test_an_absent_team_is_recorded_as_disqualified(app, world, db):
    build_robocon(app, world, teams_per_division=4)
    edition = _edition()
    level = rs.level_of(edition, "vong_loai")
    rs.generate_schedule(edition, level, edition.divisions, _params())
    fx = _fixtures_of("TH01", edition)[0]
    result = _run(fx, {}, None, dq=True, reason="Đội vắng mặt")
    assert result.dq_a and result.points_a == 0 and fx.state == "pending"


def test_csv_import_without_a_schedule_makes_the_runs(app, world, db):
    build_robocon(app, world, teams_per_division=4)
    edition = _edition()
    level = rs.level_of(edition, "vong_loai")
    report = rs.import_runs(edition, level, "TH01;1;45;1:02,5;Sân 1\nTHCS02;3;30;;Sân 2\n")
    assert report.errors == [] and report.imported == 2
    runs = db.session.scalars(select(RoboconFixture).order_by(RoboconFixture.id)).all()
    assert [(f.run_no, f.venue, f.starts_at, f.state) for f in runs] == [(1, "Sân 1", None, "committed"),
                                                                         (3, "Sân 2", None, "committed")]
    assert runs[0].results[0].time_a == 62.5
