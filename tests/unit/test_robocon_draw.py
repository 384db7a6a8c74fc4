"""The seeded group draw and round-robin pairings."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from contest.robocon.draw import (
    DrawTeam,
    group_name,
    group_sizes,
    round_robin_pairs,
    seeded_groups,
)


def same_school_pairs(groups, school):
    return sum(c * (c - 1) // 2 for g in groups
               for c in Counter(school[t] for t in g if school[t] is not None).values())


def test_thirty_teams_make_six_groups_of_four_and_two_of_three():
    assert group_sizes(30) == [4] * 6 + [3] * 2
    result = seeded_groups([f"T{i}" for i in range(30)], seed=1)
    assert [len(g.teams) for g in result.groups] == [4] * 6 + [3] * 2
    assert [g.label for g in result.groups[:3]] == ["Bảng A", "Bảng B", "Bảng C"]


def test_impossible_group_counts_are_refused_in_vietnamese():
    with pytest.raises(ValueError, match="Không chia được 5 đội thành các bảng 3–4 đội"):
        group_sizes(5)
    with pytest.raises(ValueError, match="Cần ít nhất 3 đội"):
        seeded_groups(["A", "B"], seed=0)
    with pytest.raises(ValueError, match="Đội bị trùng"):
        seeded_groups(["A", "B", "A"], seed=0)
    with pytest.raises(ValueError, match="không có trong danh sách bốc thăm: Z"):
        seeded_groups(["A", "B", "C"], seed=0, seeds_pots=["Z"])


def test_group_names_continue_after_z():
    assert [group_name(i) for i in (0, 25, 26, 27, 51, 52)] == [
        "A", "Z", "AA", "AB", "AZ", "BA"]


def test_same_seed_same_draw_and_the_seed_matters():
    teams = [DrawTeam(f"T{i}", f"S{i % 6}") for i in range(24)]
    draws = {seed: seeded_groups(teams, seed=seed).to_dict()["groups"] for seed in range(6)}
    assert seeded_groups(teams, seed=3).to_dict()["groups"] == draws[3]
    assert len({repr(d) for d in draws.values()}) > 1


def test_school_with_more_teams_than_groups_is_reported_with_a_reason():
    teams = [(f"A{i}", "THCS Suối Hoa") for i in range(5)] + [(f"B{i}", None) for i in range(3)]
    result = seeded_groups(teams, seed=2)  # 8 teams → 2 groups of 4
    counts = sorted(sum(t.startswith("A") for t in g.teams) for g in result.groups)
    assert counts == [2, 3]  # spread as evenly as possible
    assert {c.group for c in result.conflicts} == {"A", "B"}
    assert result.conflicts[0].reason == (
        "Trường THCS Suối Hoa có 5 đội nhưng chỉ có 2 bảng, "
        "nên buộc phải có đội cùng trường chung bảng."
    )


def test_seeded_pots_put_one_top_seed_in_each_group():
    teams = [DrawTeam(f"T{i:02d}", f"S{i % 4}") for i in range(16)]
    ranking = [t.code for t in teams]
    result = seeded_groups(teams, seed=5, seeds_pots=ranking)
    for g in result.groups:
        pots = sorted(ranking.index(t) // 4 for t in g.teams)
        assert pots == [0, 1, 2, 3]
    assert result.conflicts == []


school_st = st.one_of(st.none(), st.sampled_from([f"Trường {c}" for c in "ABCDEFGHIJ"]))


@settings(max_examples=200, deadline=None)
@given(schools=st.lists(school_st, min_size=3, max_size=60), seed=st.integers(0, 10**6))
def test_free_draw_every_team_once_sizes_three_or_four_schools_apart(schools, seed):
    n = len(schools)
    assume(n != 5)
    teams = [DrawTeam(f"T{i}", s) for i, s in enumerate(schools)]
    school = {t.code: t.school for t in teams}
    result = seeded_groups(teams, seed=seed)
    groups = [g.teams for g in result.groups]
    assert sorted(t for g in groups for t in g) == sorted(school)
    assert all(3 <= len(g) <= 4 for g in groups)
    assert len(groups) == math.ceil(n / 4)
    g = len(groups)
    for s, m in Counter(s for s in schools if s is not None).items():
        per_group = [sum(school[t] == s for t in grp) for grp in groups]
        # At most as many teams as groups: never together; more: as even as possible.
        assert max(per_group) == math.ceil(m / g)
        assert max(per_group) - min(per_group) <= 1
    reported = {(c.group, c.school) for c in result.conflicts}
    actual = {(grp.name, s) for grp in result.groups
              for s, c in Counter(school[t] for t in grp.teams if school[t]).items() if c > 1}
    assert reported == actual


def brute_force_pairs(ranked, school, g):
    pots = [ranked[i:i + g] for i in range(0, len(ranked), g)]
    pots = [p + [None] * (g - len(p)) for p in pots]
    best = math.inf
    for perms in itertools.product(*(itertools.permutations(p) for p in pots[1:])):
        groups = [[x for x in (pots[0][j], *(p[j] for p in perms)) if x is not None]
                  for j in range(g)]
        best = min(best, same_school_pairs(groups, school))
    return best


@settings(max_examples=120, deadline=None)
@given(
    schools=st.lists(st.sampled_from("ABCD"), min_size=3, max_size=12),
    seed=st.integers(0, 10**6),
)
def test_pot_draw_keeps_pots_and_is_as_school_separated_as_possible(schools, seed):
    n = len(schools)
    assume(n != 5)
    codes = [f"T{i:02d}" for i in range(n)]
    school = dict(zip(codes, schools, strict=True))
    result = seeded_groups(list(school.items()), seed=seed, seeds_pots=codes)
    groups = [g.teams for g in result.groups]
    g = len(groups)
    assert sorted(t for grp in groups for t in grp) == codes
    assert [len(x) for x in groups] == group_sizes(n)
    for grp in groups:  # exactly one team of each pot
        pots = [codes.index(t) // g for t in grp]
        assert len(set(pots)) == len(pots)
    for s, m in Counter(schools).items():
        per_group = [sum(school[t] == s for t in grp) for grp in groups]
        assert max(per_group) == math.ceil(m / g)
        assert max(per_group) - min(per_group) <= 1
    if g <= 3:
        assert same_school_pairs(groups, school) == brute_force_pairs(codes, school, g)
    assert len(result.conflicts) == sum(
        1 for grp in groups for c in Counter(school[t] for t in grp).values() if c > 1)
    assert all("đội nhưng chỉ có" in c.reason for c in result.conflicts)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10**6), n_schools=st.integers(27, 120))
def test_large_pot_draw_separates_every_school_that_fits(seed, n_schools):
    teams = [DrawTeam(f"T{i:03d}", f"S{(i * 7919) % n_schools}") for i in range(108)]
    result = seeded_groups(teams, seed=seed, seeds_pots=[t.code for t in teams])
    assert len(result.groups) == 27
    assert result.conflicts == []


@given(n=st.integers(2, 12))
def test_round_robin_pairs_every_pair_once_and_nobody_twice_a_round(n):
    teams = [f"T{i}" for i in range(n)]
    rounds = round_robin_pairs(teams)
    assert len(rounds) == (n - 1 if n % 2 == 0 else n)
    pairs = [frozenset(p) for r in rounds for p in r]
    assert len(pairs) == len(set(pairs)) == n * (n - 1) // 2
    for r in rounds:
        playing = [t for p in r for t in p]
        assert len(playing) == len(set(playing))
        assert len(r) == n // 2
    home = Counter(p[0] for r in rounds for p in r)
    assert max(home.values()) - min(home.get(t, 0) for t in teams) <= 2


def test_round_robin_of_four_is_three_rounds():
    assert round_robin_pairs(["A", "B", "C", "D"]) == [
        [("A", "D"), ("C", "B")],
        [("C", "A"), ("B", "D")],
        [("A", "B"), ("D", "C")],
    ]
