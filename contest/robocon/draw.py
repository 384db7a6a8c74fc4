"""The seeded group draw and round-robin pairings.

``seeded_groups`` draws teams into groups of ``group_size`` (groups one smaller absorb the
remainder: 30 teams → 6 groups of 4 and 2 of 3), one team of each seeding pot per group
when a seed ranking is given, and keeps teams of the same school apart wherever it can.
Where it cannot, the result lists the conflict with a Vietnamese reason.

Without pots the draw is optimal: teams are laid out school by school (largest school
first) across the groups, so a school with at most as many teams as there are groups never
shares a group, and a larger school is spread as evenly as possible. With pots the draw is
a bipartite edge colouring (pots × schools, groups as colours), which is just as optimal: a
same-school pair is left only where a school has more teams than there are groups.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DrawTeam:
    """A team entering the draw; ``school`` is ``None`` when unknown."""

    code: str
    school: str | None = None


@dataclass
class Group:
    name: str
    teams: list[str]

    @property
    def label(self) -> str:
        return f"Bảng {self.name}"


@dataclass(frozen=True)
class DrawConflict:
    """Teams of one school that share a group, and why that could not be avoided."""

    group: str
    school: str
    teams: tuple[str, ...]
    reason: str


@dataclass
class DrawResult:
    groups: list[Group]
    conflicts: list[DrawConflict] = field(default_factory=list)
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "groups": [{"name": g.name, "label": g.label, "teams": list(g.teams)}
                       for g in self.groups],
            "conflicts": [{"group": c.group, "school": c.school, "teams": list(c.teams),
                           "reason": c.reason} for c in self.conflicts],
        }


def group_name(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA, … (as spreadsheet columns)."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(ord("A") + rem) + name
    return name


def group_sizes(n: int, group_size: int = 4) -> list[int]:
    """Sizes of the groups for ``n`` teams: ``group_size`` first, then one smaller."""
    if group_size < 2:
        raise ValueError("Số đội mỗi bảng phải từ 2 trở lên.")
    if n < group_size - 1:
        raise ValueError(
            f"Cần ít nhất {group_size - 1} đội để chia bảng {group_size} đội (hiện có {n})."
        )
    groups = math.ceil(n / group_size)
    small = groups * group_size - n
    if small > groups:
        raise ValueError(
            f"Không chia được {n} đội thành các bảng {group_size - 1}–{group_size} đội."
        )
    return [group_size] * (groups - small) + [group_size - 1] * small


def _normalise(teams: Sequence[Any]) -> list[DrawTeam]:
    result = []
    for t in teams:
        if isinstance(t, DrawTeam):
            result.append(t)
        elif isinstance(t, str):
            result.append(DrawTeam(t))
        else:
            code, school = t
            result.append(DrawTeam(code, school))
    codes = [t.code for t in result]
    dupes = sorted(c for c, n in Counter(codes).items() if n > 1)
    if dupes:
        raise ValueError(f"Đội bị trùng trong danh sách bốc thăm: {', '.join(dupes)}.")
    return result


def _draw_free(teams: list[DrawTeam], sizes: list[int], rng: random.Random) -> list[list[DrawTeam]]:
    """No pots: lay teams out school by school across the groups, layer by layer."""
    by_school: dict[Any, list[DrawTeam]] = defaultdict(list)
    for i, t in enumerate(teams):
        by_school[t.school if t.school is not None else ("", i)].append(t)
    blocks = list(by_school.values())
    for block in blocks:
        rng.shuffle(block)
    rng.shuffle(blocks)
    blocks.sort(key=len, reverse=True)
    order = [t for block in blocks for t in block]
    groups: list[list[DrawTeam]] = [[] for _ in sizes]
    slots = [(layer, g) for layer in range(max(sizes)) for g in range(len(sizes))
             if sizes[g] > layer]
    for team, (_, g) in zip(order, slots, strict=True):
        groups[g].append(team)
    # Random labels among groups of the same size.
    for size in set(sizes):
        idx = [i for i, s in enumerate(sizes) if s == size]
        shuffled = idx[:]
        rng.shuffle(shuffled)
        contents = [groups[i] for i in shuffled]
        for i, c in zip(idx, contents, strict=True):
            groups[i] = c
    return groups


def edge_colouring(
    edges: Sequence[tuple[Hashable, Hashable]], colours: int, rng: random.Random
) -> list[int]:
    """A proper edge colouring of a bipartite multigraph: edges sharing a vertex get
    different colours. Each edge is ``(left vertex, right vertex)``; the two sides must
    not share vertex names, and no vertex may have more than ``colours`` edges (then such a
    colouring always exists, by König's theorem).

    Built one edge at a time: take a colour ``a`` free at the left end; if it is taken at
    the right end, swap ``a`` with a colour ``b`` free there along the path from the right
    end that alternates ``a, b, a, …`` (in a bipartite graph it never reaches the left end).
    """
    at: dict[Hashable, dict[int, int]] = defaultdict(dict)  # vertex → colour → edge
    colour: list[int] = [-1] * len(edges)
    palette = list(range(colours))
    for e, (u, v) in enumerate(edges):
        rng.shuffle(palette)
        free_u = [c for c in palette if c not in at[u]]
        free_v = [c for c in palette if c not in at[v]]
        if not free_u or not free_v:
            raise ValueError(f"Một đỉnh có nhiều hơn {colours} cạnh.")
        common = [c for c in free_u if c not in at[v]]
        if common:
            a = common[0]
        else:
            a, b = free_u[0], free_v[0]
            path, x, c = [], v, a
            while c in at[x]:
                f = at[x][c]
                path.append(f)
                fu, fv = edges[f]
                x = fv if fu == x else fu
                c = b if c == a else a
            for f in path:
                for w in edges[f]:
                    if at[w].get(colour[f]) == f:
                        del at[w][colour[f]]
            for f in path:
                colour[f] = b if colour[f] == a else a
                for w in edges[f]:
                    at[w][colour[f]] = f
        colour[e] = a
        at[u][a] = e
        at[v][a] = e
    return colour


def _draw_pots(
    pots: list[list[DrawTeam]], sizes: list[int], rng: random.Random
) -> list[list[DrawTeam]]:
    """One team of each pot per group, schools spread as evenly as possible.

    Teams are the edges of a bipartite multigraph between pots and schools, groups are
    colours: a proper edge colouring puts each pot's teams in different groups and, with
    every school cut into parts of at most ``g`` teams, gives each school ``⌊m/g⌋`` or
    ``⌈m/g⌉`` teams per group, the least any draw can do. A bipartite graph of maximum
    degree ``g`` always has a ``g``-edge colouring (König); it is built one edge at a time,
    swapping two colours along an alternating path when needed.
    """
    g = len(sizes)
    edges: list[tuple[tuple[Any, ...], tuple[Any, ...], DrawTeam]] = []
    by_school: dict[Any, list[tuple[int, DrawTeam]]] = defaultdict(list)
    for p, pot in enumerate(pots):
        for i, t in enumerate(pot):
            by_school[t.school if t.school is not None else ("", p, i)].append((p, t))
    for key, members in by_school.items():
        rng.shuffle(members)
        for j, (p, t) in enumerate(members):
            edges.append((("pot", p), ("school", key, j // g), t))
    rng.shuffle(edges)

    colour = edge_colouring([(u, v) for u, v, _ in edges], g, rng)

    groups: list[list[tuple[int, DrawTeam]]] = [[] for _ in range(g)]
    for e, (u, _, t) in enumerate(edges):
        groups[colour[e]].append((u[1], t))
    result = [[t for _, t in sorted(grp, key=lambda x: x[0])] for grp in groups]
    # Full groups first, as group_sizes() promises; inside a group, pot 1 first.
    result.sort(key=len, reverse=True)
    return result


def seeded_groups(
    teams: Sequence[DrawTeam | tuple[str, str | None] | str],
    group_size: int = 4,
    *,
    seed: int,
    seeds_pots: Sequence[str] | None = None,
) -> DrawResult:
    """Draw teams into groups.

    ``teams``: ``DrawTeam``s, ``(code, school)`` pairs or bare codes. ``seeds_pots``: team
    codes in seed order, best first; pot 1 is the first ``number of groups`` of them, pot 2
    the next, and so on (teams not listed are drawn at random after the seeded ones).
    Same ``seed``, same draw. Raises ``ValueError`` (Vietnamese) when the teams cannot
    form groups of ``group_size - 1`` to ``group_size``.
    """
    entrants = _normalise(teams)
    sizes = group_sizes(len(entrants), group_size)
    rng = random.Random(seed)
    g = len(sizes)
    if seeds_pots is None:
        raw = _draw_free(entrants, sizes, rng)
    else:
        by_code = {t.code: t for t in entrants}
        unknown = [c for c in seeds_pots if c not in by_code]
        if unknown:
            raise ValueError(
                f"Đội trong danh sách hạt giống không có trong danh sách bốc thăm: "
                f"{', '.join(unknown)}."
            )
        if len(set(seeds_pots)) != len(seeds_pots):
            raise ValueError("Danh sách hạt giống có đội bị trùng.")
        seeded = [by_code[c] for c in seeds_pots]
        rest = [t for t in entrants if t.code not in set(seeds_pots)]
        rng.shuffle(rest)
        ranked = seeded + rest
        pots = [ranked[i:i + g] for i in range(0, len(ranked), g)]
        raw = _draw_pots(pots, sizes, rng)

    groups = [Group(group_name(i), [t.code for t in members]) for i, members in enumerate(raw)]
    school_total = Counter(t.school for t in entrants if t.school is not None)
    conflicts = []
    for grp, members in zip(groups, raw, strict=True):
        by_school: dict[str, list[str]] = defaultdict(list)
        for t in members:
            if t.school is not None:
                by_school[t.school].append(t.code)
        for school, codes in sorted(by_school.items()):
            if len(codes) < 2:
                continue
            if school_total[school] > g:
                reason = (
                    f"Trường {school} có {school_total[school]} đội nhưng chỉ có {g} bảng, "
                    "nên buộc phải có đội cùng trường chung bảng."
                )
            else:  # not reached: the draw separates such schools
                reason = f"Các đội của trường {school} chưa được tách khỏi nhau."
            conflicts.append(DrawConflict(grp.name, school, tuple(codes), reason))
    return DrawResult(groups, conflicts, seed)


def round_robin_pairs(group: Sequence[str]) -> list[list[tuple[str, str]]]:
    """All pairings of a group by the circle method, round by round.

    With an odd number of teams one team rests each round (no pairing for it). Home and
    away alternate so each team is first about half of the time.
    """
    teams: list[str | None] = list(group)
    if len(set(teams)) != len(teams):
        raise ValueError("Bảng đấu có đội bị trùng.")
    if len(teams) < 2:
        return []
    if len(teams) % 2:
        teams.append(None)
    n = len(teams)
    rounds: list[list[tuple[str, str]]] = []
    for r in range(n - 1):
        pairs = []
        for i in range(n // 2):
            a, b = teams[i], teams[n - 1 - i]
            if a is None or b is None:
                continue
            if (i == 0 and r % 2 == 1) or (i > 0 and i % 2 == 1):
                a, b = b, a
            pairs.append((a, b))
        rounds.append(pairs)
        teams = [teams[0], teams[-1], *teams[1:-1]]
    return rounds
