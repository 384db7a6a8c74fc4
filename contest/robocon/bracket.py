"""The single-elimination bracket of the Robocon final.

``build_bracket`` seeds a ranked list of qualifiers (best first) into a bracket of the
next power of two with the standard order (1 v 16, 8 v 9, 4 v 13, …); when the number of
qualifiers is not a power of two, the top seeds get byes. The two semi-final losers meet
in a third-place match. ``advance`` records a winner and returns a new bracket (the old
one is left untouched), refusing anything that does not fit the bracket. ``to_dict`` /
``from_dict`` give a plain structure for display and storage, with Vietnamese round names.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

THIRD_PLACE_ID = "3RD"
THIRD_PLACE_NAME = "Tranh hạng Ba"


class BracketError(ValueError):
    """A result that does not fit the bracket (message in Vietnamese)."""


@dataclass
class BracketMatch:
    id: str
    round_no: int
    index: int
    name: str
    team_a: str | None = None
    team_b: str | None = None
    seed_a: int | None = None
    seed_b: int | None = None
    winner: str | None = None
    bye: bool = False
    next_id: str | None = None
    next_slot: str | None = None
    loser_next_id: str | None = None
    loser_next_slot: str | None = None

    @property
    def loser(self) -> str | None:
        if self.winner is None or self.bye:
            return None
        return self.team_b if self.winner == self.team_a else self.team_a

    @property
    def ready(self) -> bool:
        return self.team_a is not None and self.team_b is not None and not self.bye


@dataclass
class Bracket:
    size: int
    seeds: dict[str, int]
    rounds: list[list[str]]
    matches: dict[str, BracketMatch]
    third_place_id: str | None = None
    round_names: list[str] = field(default_factory=list)

    def match(self, match_id: str) -> BracketMatch:
        try:
            return self.matches[match_id]
        except KeyError:
            raise BracketError(f"Không có trận “{match_id}” trong sơ đồ thi đấu.") from None

    @property
    def final(self) -> BracketMatch:
        return self.matches[self.rounds[-1][0]]

    @property
    def champion(self) -> str | None:
        return self.final.winner

    @property
    def finished(self) -> bool:
        done = self.final.winner is not None
        if self.third_place_id:
            done = done and self.matches[self.third_place_id].winner is not None
        return done


def round_name(matches_in_round: int) -> str:
    """Vietnamese name of a knockout round by its number of matches."""
    if matches_in_round == 1:
        return "Chung kết"
    if matches_in_round == 2:
        return "Bán kết"
    if matches_in_round == 4:
        return "Tứ kết"
    return f"Vòng 1/{matches_in_round}"


def seed_order(size: int) -> list[int]:
    """Standard seed positions for a bracket of ``size`` (a power of two).

    ``seed_order(8) == [1, 8, 4, 5, 2, 7, 3, 6]``: read in pairs, 1 v 8, 4 v 5, …; the two
    best seeds can only meet in the final.
    """
    if size < 1 or size & (size - 1):
        raise ValueError("Kích thước sơ đồ phải là lũy thừa của 2.")
    order = [1]
    while len(order) < size:
        total = 2 * len(order) + 1
        order = [x for s in order for x in (s, total - s)]
    return order


def build_bracket(qualifiers: Sequence[str], *, third_place: bool = True) -> Bracket:
    """A bracket for qualifiers ranked best first (seed 1 = ``qualifiers[0]``).

    Byes go to the top seeds and are resolved at once. A third-place match is added when
    there are at least four qualifiers (and ``third_place`` is true).
    """
    teams = list(qualifiers)
    if len(teams) < 2:
        raise BracketError("Cần ít nhất 2 đội để lập sơ đồ loại trực tiếp.")
    if len(set(teams)) != len(teams):
        raise BracketError("Danh sách đội vào vòng loại trực tiếp có đội bị trùng.")
    size = 1
    while size < len(teams):
        size *= 2
    seeds = {team: i + 1 for i, team in enumerate(teams)}
    by_seed = {i + 1: team for i, team in enumerate(teams)}
    order = seed_order(size)

    n_rounds = size.bit_length() - 1
    rounds: list[list[str]] = []
    names: list[str] = []
    matches: dict[str, BracketMatch] = {}
    for r in range(1, n_rounds + 1):
        count = size >> r
        name = round_name(count)
        names.append(name)
        ids = []
        for i in range(count):
            mid = f"R{r}-{i + 1}"
            m = BracketMatch(mid, r, i, name)
            if r < n_rounds:
                m.next_id = f"R{r + 1}-{i // 2 + 1}"
                m.next_slot = "a" if i % 2 == 0 else "b"
            matches[mid] = m
            ids.append(mid)
        rounds.append(ids)

    third_id = None
    if third_place and len(teams) >= 4:
        third_id = THIRD_PLACE_ID
        matches[third_id] = BracketMatch(third_id, n_rounds, 0, THIRD_PLACE_NAME)
        for i, mid in enumerate(rounds[-2]):
            matches[mid].loser_next_id = third_id
            matches[mid].loser_next_slot = "a" if i == 0 else "b"

    bracket = Bracket(size, seeds, rounds, matches, third_id, names)
    for i, mid in enumerate(rounds[0]):
        m = matches[mid]
        sa, sb = order[2 * i], order[2 * i + 1]
        m.seed_a, m.team_a = sa, by_seed.get(sa)
        m.seed_b, m.team_b = sb, by_seed.get(sb)
        if m.team_b is None:
            m.bye = True
            m.winner = m.team_a
            _place(bracket, m.next_id, m.next_slot, m.team_a)
    return bracket


def _place(bracket: Bracket, match_id: str | None, slot: str | None, team: str | None) -> None:
    if match_id is None or slot is None:
        return
    target = bracket.matches[match_id]
    seed = bracket.seeds.get(team) if team is not None else None
    if slot == "a":
        target.team_a, target.seed_a = team, seed
    else:
        target.team_b, target.seed_b = team, seed


def advance(bracket: Bracket, match_id: str, winner: str) -> Bracket:
    """Record ``winner`` of ``match_id``; returns a new bracket.

    The winner moves on to its next match; a semi-final loser moves to the third-place
    match. A result may be corrected as long as the matches it feeds have no result yet.
    Raises ``BracketError`` (Vietnamese) for an unknown match, a bye, a match still waiting
    for a team, a winner who is not in the match, or a correction that is too late.
    """
    new = copy.deepcopy(bracket)
    m = new.match(match_id)
    if m.bye:
        raise BracketError(f"Trận {m.id} là lượt miễn đấu, không cần nhập kết quả.")
    if not m.ready:
        raise BracketError(f"Trận {m.id} ({m.name}) chưa đủ hai đội.")
    if winner not in (m.team_a, m.team_b):
        raise BracketError(
            f"Đội {winner} không thi đấu trong trận {m.id} ({m.team_a} – {m.team_b})."
        )
    if m.winner == winner:
        return new
    if m.winner is not None:
        for nid in (m.next_id, m.loser_next_id):
            if nid is not None and new.matches[nid].winner is not None:
                raise BracketError(
                    f"Không thể sửa kết quả trận {m.id} vì trận {nid} "
                    f"({new.matches[nid].name}) đã có kết quả."
                )
    m.winner = winner
    _place(new, m.next_id, m.next_slot, winner)
    _place(new, m.loser_next_id, m.loser_next_slot, m.loser)
    return new


def placements(bracket: Bracket) -> list[tuple[int, str]]:
    """Final places known so far: 1 champion, 2 runner-up, 3 and 4 from the third-place
    match (both semi-final losers share 3 without one); losers of earlier rounds share the
    place after those of the next round (5 for quarter-final losers, 9, 17, …)."""
    result: list[tuple[int, str]] = []
    final = bracket.final
    if final.winner is not None:
        result += [(1, final.winner), (2, final.loser)]
    n_rounds = len(bracket.rounds)
    if n_rounds >= 2:
        semi_losers = [bracket.matches[mid].loser for mid in bracket.rounds[-2]]
        third = bracket.matches.get(bracket.third_place_id) if bracket.third_place_id else None
        if third is not None:
            if third.winner is not None:
                result += [(3, third.winner), (4, third.loser)]
        else:
            result += [(3, t) for t in semi_losers if t is not None]
    for r in range(n_rounds - 2, 0, -1):
        place = (bracket.size >> r) + 1
        for mid in bracket.rounds[r - 1]:
            loser = bracket.matches[mid].loser
            if loser is not None:
                result.append((place, loser))
    return result


def to_dict(bracket: Bracket) -> dict[str, Any]:
    """A JSON-ready structure: rounds with their Vietnamese names and matches, the
    third-place match, and the places known so far."""
    def match(m: BracketMatch) -> dict[str, Any]:
        data = asdict(m)
        data["loser"] = m.loser
        return data

    return {
        "size": bracket.size,
        "teams": len(bracket.seeds),
        "seeds": dict(bracket.seeds),
        "rounds": [
            {"round_no": r + 1, "name": bracket.round_names[r],
             "matches": [match(bracket.matches[mid]) for mid in ids]}
            for r, ids in enumerate(bracket.rounds)
        ],
        "third_place": match(bracket.matches[bracket.third_place_id])
        if bracket.third_place_id else None,
        "champion": bracket.champion,
        "placements": [{"place": p, "team": t} for p, t in placements(bracket)],
    }


def from_dict(data: Mapping[str, Any]) -> Bracket:
    """Rebuild a bracket from ``to_dict`` output."""
    names = [m for m in BracketMatch.__dataclass_fields__]
    matches: dict[str, BracketMatch] = {}
    rounds: list[list[str]] = []
    for rnd in data["rounds"]:
        ids = []
        for md in rnd["matches"]:
            m = BracketMatch(**{k: md[k] for k in names if k in md})
            matches[m.id] = m
            ids.append(m.id)
        rounds.append(ids)
    third = data.get("third_place")
    third_id = None
    if third:
        m = BracketMatch(**{k: third[k] for k in names if k in third})
        matches[m.id] = m
        third_id = m.id
    return Bracket(
        size=data["size"],
        seeds=dict(data["seeds"]),
        rounds=rounds,
        matches=matches,
        third_place_id=third_id,
        round_names=[r["name"] for r in data["rounds"]],
    )
