"""The single-elimination bracket of the Robocon final."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contest.robocon.bracket import (
    BracketError,
    advance,
    build_bracket,
    from_dict,
    placements,
    round_name,
    seed_order,
    to_dict,
)


def teams(n):
    return [f"D{i:02d}" for i in range(1, n + 1)]


def first_round(bracket):
    return [(m.seed_a, m.seed_b, m.bye)
            for m in (bracket.matches[mid] for mid in bracket.rounds[0])]


def play_all(bracket, pick):
    """Decide every ready match with ``pick(match) -> winner`` until none is left."""
    played = 0
    while True:
        ready = [m for m in bracket.matches.values() if m.ready and m.winner is None]
        if not ready:
            return bracket, played
        m = min(ready, key=lambda m: (m.round_no, m.id == "3RD", m.index))
        bracket = advance(bracket, m.id, pick(m))
        played += 1


def test_standard_seeding_of_sixteen():
    assert seed_order(16) == [1, 16, 8, 9, 4, 13, 5, 12, 2, 15, 7, 10, 3, 14, 6, 11]
    b = build_bracket(teams(16))
    assert first_round(b)[:2] == [(1, 16, False), (8, 9, False)]


@pytest.mark.parametrize(("n", "size", "byes"), [(5, 8, 3), (6, 8, 2), (12, 16, 4), (13, 16, 3)])
def test_byes_go_to_the_top_seeds(n, size, byes):
    b = build_bracket(teams(n))
    assert b.size == size
    rows = first_round(b)
    bye_seeds = sorted(a for a, _, bye in rows if bye)
    assert bye_seeds == list(range(1, byes + 1))
    # A bye is resolved at once: the seed already waits in its next match.
    for mid in b.rounds[0]:
        m = b.matches[mid]
        if m.bye:
            assert m.winner == m.team_a and m.team_b is None
            nxt = b.matches[m.next_id]
            assert m.team_a in (nxt.team_a, nxt.team_b)
    real = [(a, bb) for a, bb, bye in rows if not bye]
    assert all(a + bb == size + 1 for a, bb in real)
    assert len(real) == n - size // 2


def test_thirteen_qualifiers_first_round_and_names():
    b = build_bracket(teams(13))
    assert first_round(b) == [
        (1, 16, True), (8, 9, False), (4, 13, False), (5, 12, False),
        (2, 15, True), (7, 10, False), (3, 14, True), (6, 11, False),
    ]
    assert b.round_names == ["Vòng 1/8", "Tứ kết", "Bán kết", "Chung kết"]
    assert b.matches["3RD"].name == "Tranh hạng Ba"


def test_round_names_in_vietnamese():
    b = build_bracket(teams(32))
    assert b.round_names == ["Vòng 1/16", "Vòng 1/8", "Tứ kết", "Bán kết", "Chung kết"]
    assert round_name(1) == "Chung kết"


def test_five_qualifiers_through_to_the_third_place_match():
    b = build_bracket(teams(5))
    # Only 4 v 5 is played in the first round; 2 v 3 can already be played too.
    assert [m.id for m in b.matches.values() if m.ready] == ["R1-2", "R2-2"]
    b = advance(b, "R1-2", "D05")
    semi = b.matches["R2-1"]
    assert (semi.team_a, semi.team_b, semi.seed_b) == ("D01", "D05", 5)
    b = advance(b, "R2-1", "D05")  # upset
    b = advance(b, "R2-2", "D02")
    third = b.matches["3RD"]
    assert (third.team_a, third.team_b) == ("D01", "D03")
    b = advance(b, "3RD", "D03")
    assert not b.finished
    b = advance(b, "R3-1", "D02")
    assert b.finished and b.champion == "D02"
    assert placements(b) == [(1, "D02"), (2, "D05"), (3, "D03"), (4, "D01"), (5, "D04")]


def test_advance_refuses_what_does_not_fit_the_bracket():
    b = build_bracket(teams(6))
    with pytest.raises(BracketError, match="Không có trận “R9-9”"):
        advance(b, "R9-9", "D01")
    with pytest.raises(BracketError, match="lượt miễn đấu"):
        advance(b, "R1-1", "D01")
    with pytest.raises(BracketError, match="chưa đủ hai đội"):
        advance(b, "R3-1", "D01")
    with pytest.raises(BracketError, match="Đội D01 không thi đấu trong trận R1-2"):
        advance(b, "R1-2", "D01")


def test_a_result_can_be_corrected_until_the_next_match_is_played():
    b = build_bracket(teams(6))  # R1-2: 4 v 5, winner meets seed 1 in R2-1
    before = advance(b, "R1-2", "D04")
    assert b.matches["R1-2"].winner is None  # advance returns a new bracket
    corrected = advance(before, "R1-2", "D05")
    assert corrected.matches["R2-1"].team_b == "D05"
    played = advance(corrected, "R2-1", "D01")
    with pytest.raises(BracketError, match="Không thể sửa kết quả trận R1-2 vì trận R2-1"):
        advance(played, "R1-2", "D04")
    # A semi-final correction moves the loser in the third-place match too.
    semis = advance(advance(played, "R1-4", "D03"), "R2-2", "D02")
    semis = advance(semis, "R2-1", "D05")
    assert semis.matches["3RD"].team_a == "D01"
    assert advance(semis, "R2-1", "D01").matches["3RD"].team_a == "D05"


def test_three_qualifiers_have_no_third_place_match():
    b = build_bracket(teams(3))
    assert b.third_place_id is None
    b = advance(b, "R1-2", "D03")
    b = advance(b, "R2-1", "D01")
    assert b.finished
    assert placements(b) == [(1, "D01"), (2, "D03"), (3, "D02")]


def test_too_few_or_duplicate_qualifiers_are_refused():
    with pytest.raises(BracketError, match="ít nhất 2 đội"):
        build_bracket(["D01"])
    with pytest.raises(BracketError, match="bị trùng"):
        build_bracket(["D01", "D02", "D01"])


def test_structure_for_display_is_json_and_round_trips():
    b = advance(build_bracket(teams(12)), "R1-2", "D09")
    data = to_dict(b)
    text = json.dumps(data, ensure_ascii=False)
    assert "Tranh hạng Ba" in text and "Vòng 1/8" in text
    assert [r["name"] for r in data["rounds"]] == ["Vòng 1/8", "Tứ kết", "Bán kết", "Chung kết"]
    again = from_dict(json.loads(text))
    assert to_dict(again) == data
    assert to_dict(advance(again, "R2-1", "D01")) == to_dict(advance(b, "R2-1", "D01"))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 40), seed=st.integers(0, 10**6))
def test_any_bracket_plays_out_to_one_champion(n, seed):
    rng = random.Random(seed)
    b = build_bracket(teams(n))
    b, played = play_all(b, lambda m: rng.choice([m.team_a, m.team_b]))
    assert b.finished
    has_third = n >= 4
    assert played == n - 1 + (1 if has_third else 0)
    places = placements(b)
    assert sorted(t for _, t in places) == teams(n)
    assert [p for p, _ in places] == sorted(p for p, _ in places)
    assert places[0] == (1, b.champion)
    if has_third:
        assert [p for p, _ in places[:4]] == [1, 2, 3, 4]


@pytest.mark.parametrize("n", [5, 6, 12, 13])
def test_favourites_winning_gives_the_seed_order(n):
    b, _ = play_all(build_bracket(teams(n)),
                    lambda m: m.team_a if m.seed_a < m.seed_b else m.team_b)
    places = placements(b)
    assert places[:4] == [(1, "D01"), (2, "D02"), (3, "D03"), (4, "D04")]
