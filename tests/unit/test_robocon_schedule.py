"""Schedules of mission runs and round-robin matches."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from datetime import datetime, timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from contest.robocon.draw import round_robin_pairs, seeded_groups
from contest.robocon.schedule import (
    DayWindow,
    ScheduleInfeasible,
    build_slots,
    check_schedule,
    per_field,
    per_team,
    schedule_matches,
    schedule_runs,
)

FIELDS6 = [f"Sân {i}" for i in range(1, 7)]
TWO_DAYS = [DayWindow("2025-03-15", "07:30", "17:30"), DayWindow("2025-03-16", "07:30", "17:30")]


def days_with(slot_counts, slot_minutes):
    """Consecutive days from 15/03/2025 with exactly ``n`` slots each, from 06:00."""
    days = []
    for d, n in enumerate(slot_counts):
        start = datetime(2025, 3, 15 + d, 6, 0)
        end = start + timedelta(minutes=n * slot_minutes)
        assert end.date() == start.date()
        days.append(DayWindow(start.date(), start.time(), end.time()))
    return days


def assert_sound(schedule, expected_per_team, gap):
    """The guarantees, checked directly on the entries."""
    slots = {s.index: s for s in schedule.slots}
    by_team = defaultdict(list)
    fields_in_slot = Counter()
    teams_in_slot = Counter()
    for e in schedule.entries:
        s = slots[e.slot]
        assert (e.start, e.end, e.day_index) == (s.start, s.end, s.day_index)
        assert e.field in schedule.fields
        fields_in_slot[(e.slot, e.field)] += 1
        for t in e.teams:
            teams_in_slot[(e.slot, t)] += 1
            by_team[t].append(e)
    assert max(fields_in_slot.values(), default=1) == 1  # one run per field and slot
    assert max(teams_in_slot.values(), default=1) == 1  # no team twice in one slot
    assert {t: len(es) for t, es in by_team.items()} == expected_per_team
    for es in by_team.values():
        es.sort(key=lambda e: e.slot)
        for a, b in zip(es, es[1:], strict=False):
            if a.day_index == b.day_index:
                assert b.slot - a.slot - 1 >= gap
    loads = Counter(e.field for e in schedule.entries)
    counts = [loads.get(f, 0) for f in schedule.fields]
    assert max(counts) - min(counts) <= 1
    assert check_schedule(schedule) == []
    return by_team


# --------------------------------------------------------------------------------------
# Mission runs
# --------------------------------------------------------------------------------------


def test_first_edition_432_teams_three_runs_six_fields_two_days():
    teams = [f"RB{i:03d}" for i in range(432)]
    schedule = schedule_runs(teams, runs_per_team=3, fields=FIELDS6, days=TWO_DAYS,
                             slot_minutes=5, min_gap_slots=2, seed=2024)
    by_team = assert_sound(schedule, dict.fromkeys(teams, 3), 2)
    # Each team's three runs on three different fields, all on one day, in a short stretch.
    assert all(len({e.field for e in es}) == 3 for es in by_team.values())
    assert all(len({e.day_index for e in es}) == 1 for es in by_team.values())
    assert max(es[-1].slot - es[0].slot for es in by_team.values()) <= 6
    assert all([e.run_no for e in es] == [1, 2, 3] for es in by_team.values())
    # Both days carry half of the teams.
    assert Counter(es[0].day_index for es in by_team.values()) == {0: 216, 1: 216}
    assert schedule.field_loads() == dict.fromkeys(FIELDS6, 216)


def test_not_enough_slots_is_reported_with_the_numbers():
    teams = [f"RB{i:03d}" for i in range(432)]
    morning = [DayWindow("2025-03-15", "08:00", "12:00"), DayWindow("2025-03-16", "08:00", "12:00")]
    with pytest.raises(ScheduleInfeasible) as err:
        schedule_runs(teams, runs_per_team=3, fields=FIELDS6, days=morning, slot_minutes=5,
                      min_gap_slots=2, seed=1)
    assert err.value.reasons == [
        "Không đủ chỗ: cần 1296 lượt thi (432 đội × 3 lượt) nhưng chỉ có 96 khung giờ "
        "× 6 sân = 576 lượt."
    ]


def test_gap_that_leaves_no_room_for_all_runs_is_reported():
    with pytest.raises(ScheduleInfeasible) as err:
        schedule_runs(["A", "B"], runs_per_team=3, fields=["Sân 1"], days=days_with([10], 5),
                      slot_minutes=5, min_gap_slots=5, seed=1)
    assert err.value.reasons == [
        "Với khoảng nghỉ tối thiểu 5 khung giờ giữa hai lượt, mỗi đội chỉ thi được tối đa "
        "2 lượt trong các ngày đã chọn (cần 3 lượt)."
    ]


@settings(max_examples=150, deadline=None)
@given(
    n_teams=st.integers(1, 70),
    runs=st.integers(1, 4),
    n_fields=st.integers(1, 6),
    gap=st.integers(0, 3),
    slot_counts=st.lists(st.integers(1, 60), min_size=1, max_size=3),
    seed=st.integers(0, 10**6),
)
def test_run_schedule_is_sound_or_refused_with_reasons(
    n_teams, runs, n_fields, gap, slot_counts, seed
):
    teams = [f"T{i}" for i in range(n_teams)]
    fields = [f"F{i}" for i in range(n_fields)]
    try:
        schedule = schedule_runs(teams, runs_per_team=runs, fields=fields,
                                 days=days_with(slot_counts, 10), slot_minutes=10,
                                 min_gap_slots=gap, seed=seed)
    except ScheduleInfeasible as err:
        event("refused")
        assert err.reasons and all(r.strip() for r in err.reasons)
        # Refused only when the wave layout truly needs more than there is.
        total = sum(slot_counts)
        wave_slots = math.ceil(n_teams * runs / n_fields) if n_teams >= n_fields * (gap + 1) \
            else (runs - 1) * (gap + 1) + math.ceil(n_teams / n_fields)
        assert wave_slots > total or n_teams * runs > total * n_fields
        return
    event("scheduled")
    assert_sound(schedule, dict.fromkeys(teams, runs), gap)


@settings(max_examples=60, deadline=None)
@given(
    n_teams=st.integers(1, 80),
    runs=st.integers(1, 8),
    n_fields=st.integers(1, 6),
    gap=st.integers(0, 3),
    n_days=st.integers(1, 2),
    seed=st.integers(0, 10**6),
)
def test_run_schedule_always_succeeds_with_room_to_spare(
    n_teams, runs, n_fields, gap, n_days, seed
):
    per_day = math.ceil(n_teams * runs / n_fields) + runs * (gap + 1)
    teams = [f"T{i}" for i in range(n_teams)]
    schedule = schedule_runs(teams, runs_per_team=runs, fields=[f"F{i}" for i in range(n_fields)],
                             days=days_with([per_day] * n_days, 1), slot_minutes=1,
                             min_gap_slots=gap, seed=seed)
    by_team = assert_sound(schedule, dict.fromkeys(teams, runs), gap)
    # Each team's runs spread over the fields: all different when they are enough.
    for es in by_team.values():
        per_field = Counter(e.field for e in es)
        assert max(per_field.values()) == math.ceil(runs / n_fields)
        if runs >= n_fields:
            assert len(per_field) == n_fields


def test_same_seed_same_schedule():
    args = dict(runs_per_team=2, fields=["A", "B", "C"], days=days_with([40], 5),
                slot_minutes=5, min_gap_slots=1)
    teams = [f"T{i}" for i in range(30)]
    one = schedule_runs(teams, seed=7, **args).to_dict()
    assert schedule_runs(teams, seed=7, **args).to_dict() == one
    assert schedule_runs(teams, seed=8, **args).to_dict() != one
    json.dumps(one)


def adjacent_same_school(schedule, school_of):
    slots = defaultdict(list)
    for e in schedule.entries:
        slots[e.slot] += [school_of[t] for t in e.teams]
    clashes = 0
    for s, schools in slots.items():
        clashes += sum(c - 1 for c in Counter(schools).values())
        clashes += len(set(schools) & set(slots.get(s + 1, [])))
    return clashes


def test_teams_of_one_school_kept_apart_when_asked():
    teams = [f"T{i:02d}" for i in range(60)]
    school_of = {t: f"Trường {i % 12}" for i, t in enumerate(teams)}
    args = dict(runs_per_team=2, fields=["A", "B"], days=days_with([80], 5),
                slot_minutes=5, min_gap_slots=1, seed=3, school_of=school_of)
    plain = schedule_runs(teams, **args)
    apart = schedule_runs(teams, separate_schools=True, **args)
    assert plain.warnings == []
    assert adjacent_same_school(apart, school_of) < adjacent_same_school(plain, school_of)
    assert len(apart.warnings) == adjacent_same_school(apart, school_of)
    assert_sound(apart, dict.fromkeys(teams, 2), 1)


def test_printable_views_per_team_and_per_field():
    teams = ["C", "A", "B"]
    schedule = schedule_runs(teams, runs_per_team=2, fields=["Sân 1", "Sân 2", "Sân 3"],
                             days=days_with([10], 10), slot_minutes=10, min_gap_slots=1, seed=0)
    teams_view = per_team(schedule)
    assert list(teams_view) == ["A", "B", "C"]
    for entries in teams_view.values():
        assert [e.run_no for e in entries] == [1, 2]
        assert entries[0].start < entries[1].start
    fields_view = per_field(schedule)
    assert list(fields_view) == ["Sân 1", "Sân 2", "Sân 3"]
    assert sum(len(v) for v in fields_view.values()) == 6
    assert all(a.start < b.start for v in fields_view.values() for a, b in zip(v, v[1:],
                                                                               strict=False))


def test_slots_and_bad_input():
    slots = build_slots([DayWindow("2025-03-15", "08:00", "08:25")], 10)
    assert [s.start.strftime("%H:%M") for s in slots] == ["08:00", "08:10"]
    assert slots[0].end - slots[0].start == timedelta(minutes=10)
    with pytest.raises(ValueError, match="giờ kết thúc phải sau giờ bắt đầu"):
        build_slots([DayWindow("2025-03-15", "10:00", "09:00")], 10)
    with pytest.raises(ValueError, match="theo thứ tự thời gian"):
        build_slots([DayWindow("2025-03-16", "08:00", "09:00"),
                     DayWindow("2025-03-15", "08:00", "09:00")], 10)
    with pytest.raises(ValueError, match="Tên sân bị trùng"):
        schedule_runs(["A"], runs_per_team=1, fields=["X", "X"], days=TWO_DAYS,
                      slot_minutes=5, min_gap_slots=0, seed=0)
    with pytest.raises(ValueError, match="Đội bị trùng"):
        schedule_runs(["A", "A"], runs_per_team=1, fields=["X"], days=TWO_DAYS,
                      slot_minutes=5, min_gap_slots=0, seed=0)
    with pytest.raises(ValueError, match="Khoảng nghỉ"):
        schedule_runs(["A"], runs_per_team=1, fields=["X"], days=TWO_DAYS,
                      slot_minutes=5, min_gap_slots=-1, seed=0)


# --------------------------------------------------------------------------------------
# Round-robin matches
# --------------------------------------------------------------------------------------


def group_rounds(n_teams, seed, schools=None):
    teams = [(f"T{i:02d}", schools[i] if schools else None) for i in range(n_teams)]
    draw = seeded_groups(teams, seed=seed)
    per_group = [round_robin_pairs(g.teams) for g in draw.groups]
    return [sum(r, []) for r in zip(*per_group, strict=True)]


def match_counts(rounds):
    return Counter(t for r in rounds for pair in r for t in pair)


def test_group_stage_of_32_teams_on_four_fields():
    rounds = group_rounds(32, seed=4)
    schedule = schedule_matches(rounds, fields=["A", "B", "C", "D"], days=days_with([30], 15),
                                slot_minutes=15, min_gap_slots=1, seed=4)
    assert_sound(schedule, dict(match_counts(rounds)), 1)
    assert len(schedule.entries) == 48
    # Earlier rounds are played first.
    last_of_round = {r: max(e.slot for e in schedule.entries if e.round_no == r) for r in (1, 2)}
    first_of_round = {r: min(e.slot for e in schedule.entries if e.round_no == r) for r in (2, 3)}
    assert last_of_round[1] <= first_of_round[3] and first_of_round[2] >= 0
    pairs = Counter(frozenset(e.teams) for e in schedule.entries)
    assert set(pairs.values()) == {1}


@settings(max_examples=80, deadline=None)
@given(
    n_teams=st.integers(3, 40).filter(lambda n: n != 5),
    n_fields=st.integers(1, 5),
    gap=st.integers(0, 2),
    n_days=st.integers(1, 2),
    seed=st.integers(0, 10**6),
)
def test_match_schedule_plays_every_pairing_once_with_gaps(n_teams, n_fields, gap, n_days, seed):
    rounds = group_rounds(n_teams, seed)
    n_matches = sum(len(r) for r in rounds)
    per_day = math.ceil(n_matches * (gap + 1) / n_days) + gap + 1
    schedule = schedule_matches(rounds, fields=[f"F{i}" for i in range(n_fields)],
                                days=days_with([per_day] * n_days, 1), slot_minutes=1,
                                min_gap_slots=gap, seed=seed)
    assert_sound(schedule, dict(match_counts(rounds)), gap)
    played = Counter(frozenset(e.teams) for e in schedule.entries)
    wanted = Counter(frozenset(p) for r in rounds for p in r)
    assert played == wanted


@settings(max_examples=60, deadline=None)
@given(
    n_teams=st.integers(3, 24).filter(lambda n: n != 5),
    n_fields=st.integers(1, 4),
    gap=st.integers(0, 2),
    slots=st.integers(1, 30),
    seed=st.integers(0, 10**6),
)
def test_tight_match_schedules_are_sound_or_refused(n_teams, n_fields, gap, slots, seed):
    rounds = group_rounds(n_teams, seed)
    try:
        schedule = schedule_matches(rounds, fields=[f"F{i}" for i in range(n_fields)],
                                    days=days_with([slots], 5), slot_minutes=5,
                                    min_gap_slots=gap, seed=seed)
    except ScheduleInfeasible as err:
        event("refused")
        assert err.reasons and all(r.strip() for r in err.reasons)
        return
    event("scheduled")
    assert_sound(schedule, dict(match_counts(rounds)), gap)


def test_flat_pairings_and_schools_apart_in_matches():
    schools = [f"Trường {i % 4}" for i in range(16)]
    rounds = group_rounds(16, seed=9, schools=schools)
    flat = [p for r in rounds for p in r]
    school_of = {f"T{i:02d}": s for i, s in enumerate(schools)}
    schedule = schedule_matches(flat, fields=["A", "B"], days=days_with([40], 10),
                                slot_minutes=10, min_gap_slots=1, seed=9,
                                school_of=school_of, separate_schools=True)
    assert_sound(schedule, dict(match_counts(rounds)), 1)
    assert all(e.round_no is None and e.match_no for e in schedule.entries)
    assert sorted(e.match_no for e in schedule.entries) == list(range(1, len(flat) + 1))
    for s in {e.slot for e in schedule.entries}:
        here = [school_of[t] for e in schedule.entries if e.slot == s for t in e.teams]
        assert len(here) == len(set(here)) or any(
            school_of[e.teams[0]] == school_of[e.teams[1]]
            for e in schedule.entries if e.slot == s)


def test_too_many_matches_for_the_fields():
    rounds = group_rounds(16, seed=1)
    with pytest.raises(ScheduleInfeasible) as err:
        schedule_matches(rounds, fields=["A"], days=days_with([10], 10), slot_minutes=10,
                         min_gap_slots=0, seed=1)
    assert err.value.reasons[0] == (
        "Không đủ chỗ: cần 24 trận nhưng chỉ có 10 khung giờ × 1 sân = 10 trận."
    )
