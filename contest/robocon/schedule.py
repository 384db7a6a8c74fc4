"""Schedules of mission runs and round-robin matches over several fields and days.

Time is cut into slots of ``slot_minutes`` per day window; in each slot every field hosts
at most one run (or match). Both schedulers guarantee, or refuse with Vietnamese reasons
(``ScheduleInfeasible``):

* every team gets exactly its runs (every pairing is played exactly once);
* no team twice in one slot, and at least ``min_gap_slots`` free slots between two runs
  (matches) of a team on the same day (runs on different days are always far enough);
* field loads differ by at most one run/match.

Mission runs are laid out in *waves*: a batch of at least ``fields × (min_gap_slots + 1)``
teams makes its first runs, then its second runs in the same order, and so on, so runs
fill every field of every slot, each team is at the venue for a short stretch, and each
day carries its share of teams (a team is not split over two days if avoidable). Fields
are then an exact bipartite edge colouring (slots × teams, fields as colours): a team's
runs are on different fields (spread evenly when it has more runs than there are fields).

Matches are placed slot by slot, earliest round first, busiest teams first, and fields
are filled like water (a slot that does not use every field takes the least-used ones),
with an optimal assignment per slot keeping teams off fields they have already used.

With ``separate_schools`` teams of one school are kept from playing in the same or
consecutive slots where the order allows; what remains is listed in ``warnings``.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np

from contest.robocon.draw import edge_colouring


class ScheduleInfeasible(ValueError):
    """No schedule within the given fields and days; ``reasons`` are Vietnamese."""

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)
        super().__init__(" ".join(self.reasons))


@dataclass(frozen=True)
class DayWindow:
    """One competition day: its date and the window (start, end) runs may use.

    ``date`` may be given as ``"2025-03-15"``, ``start``/``end`` as ``"07:30"``.
    """

    date: date
    start: time
    end: time

    def __post_init__(self) -> None:
        if isinstance(self.date, str):
            object.__setattr__(self, "date", date.fromisoformat(self.date))
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, time.fromisoformat(value))


@dataclass(frozen=True)
class Slot:
    index: int
    day_index: int
    date: date
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Entry:
    """One run or match on one field in one slot.

    ``run_no`` (runs): the team's 1st, 2nd, … run in time order. ``match_no`` (matches):
    the position of the pairing in the given list, 1-based; ``round_no`` its round.
    """

    slot: int
    field: str
    teams: tuple[str, ...]
    start: datetime
    end: datetime
    day_index: int
    run_no: int | None = None
    match_no: int | None = None
    round_no: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "slot": self.slot, "field": self.field, "teams": list(self.teams),
            "start": self.start.isoformat(), "end": self.end.isoformat(),
            "day_index": self.day_index, "run_no": self.run_no,
            "match_no": self.match_no, "round_no": self.round_no,
        }


@dataclass
class Schedule:
    kind: str  # "runs" or "matches"
    fields: list[str]
    slots: list[Slot]
    entries: list[Entry]
    min_gap_slots: int
    warnings: list[str] = field(default_factory=list)

    def field_loads(self) -> dict[str, int]:
        loads = {f: 0 for f in self.fields}
        for e in self.entries:
            loads[e.field] += 1
        return loads

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "fields": list(self.fields),
            "min_gap_slots": self.min_gap_slots,
            "slots": [{"index": s.index, "day_index": s.day_index,
                       "date": s.date.isoformat(), "start": s.start.isoformat(),
                       "end": s.end.isoformat()} for s in self.slots],
            "entries": [e.to_dict() for e in self.entries],
            "warnings": list(self.warnings),
        }


# --------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------


def min_cost_assignment(cost: np.ndarray) -> list[int]:
    """Minimum-cost perfect assignment of a square matrix (Hungarian method, O(n³)).

    Returns the column assigned to each row.
    """
    n = cost.shape[0]
    u = np.zeros(n + 1)
    v = np.zeros(n + 1)
    p = np.zeros(n + 1, dtype=int)
    way = np.zeros(n + 1, dtype=int)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = np.full(n + 1, np.inf)
        used = np.zeros(n + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = p[j0]
            cur = cost[i0 - 1] - u[i0] - v[1:]
            free = ~used[1:]
            better = free & (cur < minv[1:])
            minv[1:][better] = cur[better]
            way[1:][better] = j0
            candidates = np.where(free, minv[1:], np.inf)
            j1 = int(np.argmin(candidates)) + 1
            delta = candidates[j1 - 1]
            u[p[used]] += delta
            v[used] -= delta
            minv[~used] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    result = [0] * n
    for j in range(1, n + 1):
        result[p[j] - 1] = j - 1
    return result


def build_slots(days: Sequence[DayWindow], slot_minutes: int) -> list[Slot]:
    """Every slot of every day, in time order (a slot must end within its window)."""
    if not isinstance(slot_minutes, int) or isinstance(slot_minutes, bool) or slot_minutes <= 0:
        raise ValueError("Thời lượng mỗi khung giờ (phút) phải là số nguyên dương.")
    if not days:
        raise ValueError("Chưa có ngày thi đấu nào.")
    slots: list[Slot] = []
    step = timedelta(minutes=slot_minutes)
    previous_end: datetime | None = None
    for d, day in enumerate(days):
        start = datetime.combine(day.date, day.start)
        end = datetime.combine(day.date, day.end)
        if end <= start:
            raise ValueError(
                f"Ngày {day.date:%d/%m/%Y}: giờ kết thúc phải sau giờ bắt đầu."
            )
        if previous_end is not None and start < previous_end:
            raise ValueError(
                f"Ngày {day.date:%d/%m/%Y}: các ngày thi phải theo thứ tự thời gian "
                "và không chồng lên nhau."
            )
        previous_end = end
        t = start
        while t + step <= end:
            slots.append(Slot(len(slots), d, day.date, t, t + step))
            t += step
    return slots


def _check_common(fields: Sequence[str], min_gap_slots: int) -> None:
    if not fields:
        raise ValueError("Chưa có sân thi đấu nào.")
    if len(set(fields)) != len(fields):
        raise ValueError("Tên sân bị trùng.")
    if not isinstance(min_gap_slots, int) or isinstance(min_gap_slots, bool) or min_gap_slots < 0:
        raise ValueError("Khoảng nghỉ tối thiểu (số khung giờ) phải là số nguyên không âm.")


def _per_team_limit(slots: Sequence[Slot], gap: int) -> int:
    """How many runs one team can make at most, given the gap, over all days."""
    per_day = Counter(s.day_index for s in slots)
    return sum(math.ceil(n / (gap + 1)) for n in per_day.values())


def _assign_fields(
    slot_teams: Sequence[Sequence[tuple[str, ...]]],
    n_fields: int,
    rng: random.Random,
) -> list[list[int]]:
    """Fields for the occupants of each slot, in time order.

    Loads stay within one of each other: a slot with ``m`` occupants uses ``m`` of the
    least-used fields. Among those, an optimal assignment per slot keeps teams off fields
    they have used (minimising the sum over teams and fields of uses²); then each slot is
    re-assigned within its fields given all the others until nothing improves.
    """
    loads = [0] * n_fields
    used: dict[str, list[int]] = defaultdict(lambda: [0] * n_fields)
    big = 1e6
    result: list[list[int]] = []

    def cost_of(teams: tuple[str, ...], f: int) -> float:
        return float(sum(used[t][f] for t in teams))

    for occupants in slot_teams:
        m = len(occupants)
        if m == 0:
            result.append([])
            continue
        threshold = sorted(loads)[m - 1]
        cost = np.zeros((n_fields, n_fields))
        for i, teams in enumerate(occupants):
            for f in range(n_fields):
                cost[i, f] = cost_of(teams, f) + rng.random() * 0.01
                if loads[f] > threshold:
                    cost[i, f] += big
        for i in range(m, n_fields):  # idle rows: which fields stay free
            for f in range(n_fields):
                cost[i, f] = big if loads[f] < threshold else 0.0
        chosen = min_cost_assignment(cost)[:m]
        for teams, f in zip(occupants, chosen, strict=True):
            loads[f] += 1
            for t in teams:
                used[t][f] += 1
        result.append(chosen)

    for _ in range(6):
        improved = False
        for occupants, chosen in zip(slot_teams, result, strict=True):
            m = len(occupants)
            if m < 2:
                continue
            for teams, f in zip(occupants, chosen, strict=True):
                for t in teams:
                    used[t][f] -= 1
            cost = np.array([[cost_of(teams, f) for f in chosen] for teams in occupants])
            current = sum(cost[i, i] for i in range(m))
            order = min_cost_assignment(cost)
            if sum(cost[i, order[i]] for i in range(m)) < current - 1e-9:
                chosen[:] = [chosen[j] for j in order]
                improved = True
            for teams, f in zip(occupants, chosen, strict=True):
                for t in teams:
                    used[t][f] += 1
        if not improved:
            break
    return result


def _run_fields(
    slot_teams: Sequence[Sequence[tuple[str, ...]]],
    n_fields: int,
    rng: random.Random,
) -> list[list[int]]:
    """Fields for mission runs, exactly: a team's runs on different fields (or spread
    ``⌊r/F⌋``–``⌈r/F⌉`` per field when it has more runs than there are fields) and field
    loads within one of each other.

    Runs are the edges of a bipartite graph between slots and teams (a team with more runs
    than fields is cut into parts of at most ``F`` consecutive runs), fields are colours:
    a proper ``F``-edge colouring exists (König), and swapping the two colours along a path
    that has one more edge of the busier field than of the idlest one evens the loads out
    without breaking it.
    """
    edges: list[tuple[Hashable, Hashable]] = []
    seen: Counter[str] = Counter()
    for s, occupants in enumerate(slot_teams):
        for (team,) in occupants:
            edges.append((("slot", s), ("team", team, seen[team] // n_fields)))
            seen[team] += 1
    colour = edge_colouring(edges, n_fields, rng)

    while True:
        loads = Counter(colour)
        counts = [loads.get(f, 0) for f in range(n_fields)]
        a = max(range(n_fields), key=lambda f: counts[f])
        b = min(range(n_fields), key=lambda f: counts[f])
        if counts[a] - counts[b] <= 1:
            break
        at: dict[Hashable, dict[int, int]] = defaultdict(dict)
        for e, (u, v) in enumerate(edges):
            if colour[e] in (a, b):
                at[u][colour[e]] = e
                at[v][colour[e]] = e
        for start in [x for x, c in at.items() if a in c and b not in c]:
            path, x, c = [], start, a
            while c in at[x]:
                f = at[x][c]
                path.append(f)
                fu, fv = edges[f]
                x = fv if fu == x else fu
                c = b if c == a else a
            if len(path) % 2 == 1:  # a, b, …, a: one more run on the busier field
                for f in path:
                    colour[f] = b if colour[f] == a else a
                break
        else:  # pragma: no cover - cannot happen while counts[a] > counts[b]
            break

    result: list[list[int]] = []
    e = 0
    for occupants in slot_teams:
        result.append(colour[e:e + len(occupants)])
        e += len(occupants)
    return result


def _school_warnings(
    slot_teams: Sequence[Sequence[tuple[str, ...]]],
    slots: Sequence[Slot],
    school_of: Mapping[str, str],
) -> list[str]:
    warnings = []
    for s in range(len(slot_teams)):
        here = [t for occ in slot_teams[s] for t in occ]
        nxt: list[str] = []
        if s + 1 < len(slot_teams) and slots[s + 1].day_index == slots[s].day_index:
            nxt = [t for occ in slot_teams[s + 1] for t in occ]
        for i, a in enumerate(here):
            sa = school_of.get(a)
            if sa is None:
                continue
            for b in here[i + 1:]:
                if school_of.get(b) == sa:
                    warnings.append(
                        f"Đội {a} và đội {b} (trường {sa}) cùng thi lúc "
                        f"{slots[s].start:%H:%M %d/%m/%Y}."
                    )
            for b in nxt:
                if school_of.get(b) == sa and b != a:
                    warnings.append(
                        f"Đội {a} và đội {b} (trường {sa}) thi liền nhau lúc "
                        f"{slots[s].start:%H:%M} và {slots[s + 1].start:%H:%M %d/%m/%Y}."
                    )
    return warnings


def _interleave_schools(teams: list[str], school_of: Mapping[str, str]) -> list[str]:
    """Order teams so that teams of one school are as far apart as the order allows."""
    by_school: dict[Any, list[str]] = defaultdict(list)
    for i, t in enumerate(teams):
        by_school[school_of.get(t, ("", i))].append(t)
    # Spread each school evenly over the sequence: the k-th of m teams sits at (k + ½)/m.
    keyed = []
    for members in by_school.values():
        m = len(members)
        for k, t in enumerate(members):
            keyed.append(((k + 0.5) / m, -m, t))
    keyed.sort(key=lambda x: (x[0], x[1]))
    return [t for _, _, t in keyed]


def _build_schedule(
    kind: str,
    fields: Sequence[str],
    slots: Sequence[Slot],
    slot_teams: Sequence[Sequence[tuple[str, ...]]],
    meta: Sequence[Sequence[dict[str, Any]]],
    gap: int,
    rng: random.Random,
) -> Schedule:
    if kind == "runs":
        field_idx = _run_fields(slot_teams, len(fields), rng)
    else:
        field_idx = _assign_fields(slot_teams, len(fields), rng)
    entries: list[Entry] = []
    for s, (occupants, chosen, info) in enumerate(zip(slot_teams, field_idx, meta, strict=True)):
        slot = slots[s]
        for teams, f, extra in sorted(zip(occupants, chosen, info, strict=True),
                                      key=lambda x: x[1]):
            entries.append(Entry(s, fields[f], tuple(teams), slot.start, slot.end,
                                 slot.day_index, **extra))
    return Schedule(kind, list(fields), list(slots), entries, gap)


# --------------------------------------------------------------------------------------
# Mission runs
# --------------------------------------------------------------------------------------


def _day_capacity(n_slots: int, runs: int, n_fields: int, gap: int) -> int:
    """Most teams one day of ``n_slots`` can take with the wave layout."""
    wave = n_fields * (gap + 1)
    if n_slots >= runs * (gap + 1):
        return n_slots * n_fields // runs
    return max(0, min(wave - 1, n_fields * (n_slots - (runs - 1) * (gap + 1))))


def _waves(teams: Sequence[str], runs: int, n_fields: int, gap: int) -> list[list[str]]:
    """Runs of ``teams`` laid out slot by slot from slot 0 (contiguous waves)."""
    wave = n_fields * (gap + 1)
    n = len(teams)
    if n == 0:
        return []
    n_batches = max(1, n // wave)
    base, extra = divmod(n, n_batches)
    positions: list[str | None] = []
    start = 0
    for b in range(n_batches):
        size = base + (1 if b < extra else 0)
        batch = list(teams[start:start + size])
        start += size
        stride = max(size, wave)
        for k in range(runs):
            row: list[str | None] = batch + [None] * (stride - size)
            if k == runs - 1:
                row = batch
            positions.extend(row)
    n_slots = math.ceil(len(positions) / n_fields)
    layout: list[list[str]] = [[] for _ in range(n_slots)]
    for p, t in enumerate(positions):
        if t is not None:
            layout[p // n_fields].append(t)
    return layout


def _split_over_days(n: int, caps: list[int]) -> list[int] | None:
    """Teams per day, proportional to each day's capacity, or ``None`` if they don't fit."""
    total = sum(caps)
    if total < n:
        return None
    shares = [n * c // total for c in caps]
    rest = n - sum(shares)
    order = sorted(range(len(caps)), key=lambda d: (-(n * caps[d] % total), d))
    for d in order:
        if rest == 0:
            break
        if shares[d] < caps[d]:
            shares[d] += 1
            rest -= 1
    return shares if rest == 0 else None


def schedule_runs(
    teams: Sequence[str],
    *,
    runs_per_team: int,
    fields: Sequence[str],
    days: Sequence[DayWindow],
    slot_minutes: int,
    min_gap_slots: int,
    seed: int,
    school_of: Mapping[str, str] | None = None,
    separate_schools: bool = False,
) -> Schedule:
    """Schedule ``runs_per_team`` mission runs for every team.

    Raises ``ScheduleInfeasible`` when the fields and days cannot hold the runs (with the
    numbers that do not add up) and ``ValueError`` for malformed input.
    """
    _check_common(fields, min_gap_slots)
    if not isinstance(runs_per_team, int) or isinstance(runs_per_team, bool) or runs_per_team < 1:
        raise ValueError("Số lượt thi của mỗi đội phải là số nguyên dương.")
    team_list = list(teams)
    if len(set(team_list)) != len(team_list):
        dupes = sorted(t for t, c in Counter(team_list).items() if c > 1)
        raise ValueError(f"Đội bị trùng trong danh sách xếp lịch: {', '.join(dupes)}.")
    slots = build_slots(days, slot_minutes)
    n_fields, gap, runs = len(fields), min_gap_slots, runs_per_team
    required = len(team_list) * runs
    reasons = []
    if required > len(slots) * n_fields:
        reasons.append(
            f"Không đủ chỗ: cần {required} lượt thi ({len(team_list)} đội × {runs} lượt) "
            f"nhưng chỉ có {len(slots)} khung giờ × {n_fields} sân = "
            f"{len(slots) * n_fields} lượt."
        )
    limit = _per_team_limit(slots, gap)
    if team_list and limit < runs:
        reasons.append(
            f"Với khoảng nghỉ tối thiểu {gap} khung giờ giữa hai lượt, mỗi đội chỉ thi được "
            f"tối đa {limit} lượt trong các ngày đã chọn (cần {runs} lượt)."
        )
    if reasons:
        raise ScheduleInfeasible(reasons)

    rng = random.Random(seed)
    order = team_list[:]
    rng.shuffle(order)
    if separate_schools and school_of:
        order = _interleave_schools(order, school_of)

    day_slots = [[s for s in slots if s.day_index == d] for d in range(len(days))]
    caps = [_day_capacity(len(ds), runs, n_fields, gap) for ds in day_slots]
    shares = _split_over_days(len(order), caps)
    slot_teams: list[list[tuple[str, ...]]] = [[] for _ in slots]
    layouts: list[list[list[str]]] = []
    if shares is not None:
        start = 0
        for share in shares:
            layouts.append(_waves(order[start:start + share], runs, n_fields, gap))
            start += share
        if any(len(lay) > len(ds) for lay, ds in zip(layouts, day_slots, strict=True)):
            shares = None  # not expected: the capacities above are exact
    if shares is not None:
        for ds, layout in zip(day_slots, layouts, strict=True):
            for s, members in zip(ds, layout, strict=False):
                slot_teams[s.index] = [(t,) for t in members]
    else:
        # One day cannot hold whole waves: lay the waves over all slots in a row.
        layout = _waves(order, runs, n_fields, gap)
        if len(layout) > len(slots):
            raise ScheduleInfeasible([
                f"Không xếp được {runs} lượt cho {len(order)} đội trên {n_fields} sân với "
                f"khoảng nghỉ {gap} khung giờ: cần {len(layout)} khung giờ, chỉ có "
                f"{len(slots)}. Hãy thêm sân, thêm giờ thi hoặc giảm khoảng nghỉ."
            ])
        for s, members in enumerate(layout):
            slot_teams[s] = [(t,) for t in members]

    counter: Counter[str] = Counter()
    meta: list[list[dict[str, Any]]] = []
    for occupants in slot_teams:
        row = []
        for (t,) in occupants:
            counter[t] += 1
            row.append({"run_no": counter[t]})
        meta.append(row)
    schedule = _build_schedule("runs", fields, slots, slot_teams, meta, gap, rng)
    if separate_schools and school_of:
        schedule.warnings = _school_warnings(slot_teams, slots, school_of)
    return schedule


# --------------------------------------------------------------------------------------
# Round-robin matches
# --------------------------------------------------------------------------------------


def _flatten(pairings: Sequence[Any]) -> list[tuple[tuple[str, str], int | None]]:
    flat: list[tuple[tuple[str, str], int | None]] = []
    for i, item in enumerate(pairings):
        if len(item) == 2 and all(isinstance(x, str) for x in item):
            flat.append(((item[0], item[1]), None))
        else:
            for pair in item:
                flat.append(((pair[0], pair[1]), i + 1))
    return flat


def schedule_matches(
    pairings: Sequence[Any],
    *,
    fields: Sequence[str],
    days: Sequence[DayWindow],
    slot_minutes: int,
    min_gap_slots: int,
    seed: int,
    school_of: Mapping[str, str] | None = None,
    separate_schools: bool = False,
) -> Schedule:
    """Schedule round-robin matches: ``pairings`` is a list of ``(team_a, team_b)`` or a
    list of rounds, each a list of pairs (as ``round_robin_pairs`` returns; to schedule
    several groups, join their rounds: ``[sum(r, []) for r in zip(*groups)]``).

    Earlier rounds are played first where the gaps allow. Raises ``ScheduleInfeasible``
    (Vietnamese) when the matches cannot be fitted, ``ValueError`` for malformed input.
    """
    _check_common(fields, min_gap_slots)
    flat = _flatten(pairings)
    for (a, b), _ in flat:
        if a == b:
            raise ValueError(f"Đội {a} không thể thi đấu với chính mình.")
    slots = build_slots(days, slot_minutes)
    n_fields, gap = len(fields), min_gap_slots
    per_team = Counter(t for (pair, _) in flat for t in pair)
    reasons = []
    if len(flat) > len(slots) * n_fields:
        reasons.append(
            f"Không đủ chỗ: cần {len(flat)} trận nhưng chỉ có {len(slots)} khung giờ × "
            f"{n_fields} sân = {len(slots) * n_fields} trận."
        )
    limit = _per_team_limit(slots, gap)
    busy = [t for t, c in sorted(per_team.items()) if c > limit]
    if busy:
        reasons.append(
            f"Với khoảng nghỉ tối thiểu {gap} khung giờ, mỗi đội chỉ đấu được tối đa {limit} "
            f"trận trong các ngày đã chọn; đội {', '.join(busy[:5])}"
            f"{' …' if len(busy) > 5 else ''} cần {max(per_team.values())} trận."
        )
    if reasons:
        raise ScheduleInfeasible(reasons)

    rng = random.Random(seed)
    noise = [rng.random() for _ in flat]
    # Earlier rounds first, else the busiest teams first; schools apart only if it fits.
    attempts = [("rounds", school_of), ("load", school_of), ("rounds", None), ("load", None)]
    if not (separate_schools and school_of):
        attempts = attempts[2:]
    placed: list[int | None] = []
    for priority, schools in attempts:
        placed = _greedy_matches(flat, slots, n_fields, gap, noise, priority, schools)
        if all(p is not None for p in placed):
            break
    if any(p is None for p in placed):
        missing = sum(1 for p in placed if p is None)
        raise ScheduleInfeasible([
            f"Không tìm được cách xếp đủ {len(flat)} trận trên {n_fields} sân trong "
            f"{len(slots)} khung giờ với khoảng nghỉ {gap} khung giờ (còn {missing} trận "
            "chưa xếp được). Hãy thêm sân, thêm giờ thi hoặc giảm khoảng nghỉ."
        ])

    slot_teams: list[list[tuple[str, ...]]] = [[] for _ in slots]
    meta: list[list[dict[str, Any]]] = [[] for _ in slots]
    for i, s in enumerate(placed):
        assert s is not None
        (a, b), rnd = flat[i]
        slot_teams[s].append((a, b))
        meta[s].append({"match_no": i + 1, "round_no": rnd})
    schedule = _build_schedule("matches", fields, slots, slot_teams, meta, gap, rng)
    if separate_schools and school_of:
        schedule.warnings = _school_warnings(slot_teams, slots, school_of)
    return schedule


def _greedy_matches(
    flat: Sequence[tuple[tuple[str, str], int | None]],
    slots: Sequence[Slot],
    n_fields: int,
    gap: int,
    noise: Sequence[float],
    priority: str,
    school_of: Mapping[str, str] | None,
) -> list[int | None]:
    remaining = Counter(t for (pair, _) in flat for t in pair)
    last: dict[str, Slot] = {}
    placed: list[int | None] = [None] * len(flat)
    todo = set(range(len(flat)))
    previous_schools: set[str] = set()
    for slot in slots:
        if not todo:
            break
        busy: set[str] = set()
        schools: set[str] = set()

        def ready(team: str, slot: Slot = slot) -> bool:
            before = last.get(team)
            return before is None or before.day_index != slot.day_index or (
                slot.index - before.index - 1 >= gap)

        candidates = [i for i in todo if ready(flat[i][0][0]) and ready(flat[i][0][1])]

        def key(i: int, prev: set[str] = previous_schools) -> tuple[Any, ...]:
            (a, b), rnd = flat[i]
            load = (-max(remaining[a], remaining[b]), -min(remaining[a], remaining[b]))
            clash = 0
            if school_of:
                clash = sum(1 for t in (a, b) if school_of.get(t) in prev)
            if priority == "rounds":
                return (rnd or 0, clash, *load, noise[i])
            return (*load, clash, rnd or 0, noise[i])

        chosen = []
        for i in sorted(candidates, key=key):
            if len(chosen) == n_fields:
                break
            (a, b), _ = flat[i]
            if a in busy or b in busy:
                continue
            if school_of and any(school_of.get(t) in schools for t in (a, b)
                                 if school_of.get(t) is not None):
                continue
            chosen.append(i)
            busy.update((a, b))
            if school_of:
                schools.update(s for s in (school_of.get(a), school_of.get(b)) if s)
        for i in chosen:
            (a, b), _ = flat[i]
            placed[i] = slot.index
            todo.discard(i)
            for t in (a, b):
                remaining[t] -= 1
                last[t] = slot
        previous_schools = schools
    return placed


# --------------------------------------------------------------------------------------
# Views and checks
# --------------------------------------------------------------------------------------


def per_team(schedule: Schedule) -> dict[str, list[Entry]]:
    """Each team's runs/matches in time order (teams sorted by code)."""
    result: dict[str, list[Entry]] = defaultdict(list)
    for e in sorted(schedule.entries, key=lambda e: (e.slot, e.field)):
        for t in e.teams:
            result[t].append(e)
    return {t: result[t] for t in sorted(result)}


def per_field(schedule: Schedule) -> dict[str, list[Entry]]:
    """Each field's runs/matches in time order (fields in the given order)."""
    result: dict[str, list[Entry]] = {f: [] for f in schedule.fields}
    for e in sorted(schedule.entries, key=lambda e: e.slot):
        result[e.field].append(e)
    return result


def check_schedule(schedule: Schedule) -> list[str]:
    """Everything wrong with a schedule (e.g. after a manual edit), in Vietnamese."""
    problems: list[str] = []
    slot_by_index = {s.index: s for s in schedule.slots}
    seen_field: set[tuple[int, str]] = set()
    seen_team: set[tuple[int, str]] = set()
    for e in schedule.entries:
        when = f"{e.start:%H:%M %d/%m/%Y}"
        if (e.slot, e.field) in seen_field:
            problems.append(f"Sân {e.field} có hai lượt cùng lúc {when}.")
        seen_field.add((e.slot, e.field))
        for t in e.teams:
            if (e.slot, t) in seen_team:
                problems.append(f"Đội {t} thi hai lượt cùng lúc {when}.")
            seen_team.add((e.slot, t))
    for team, items in per_team(schedule).items():
        for a, b in zip(items, items[1:], strict=False):
            sa, sb = slot_by_index[a.slot], slot_by_index[b.slot]
            if sa.day_index == sb.day_index and sb.index - sa.index - 1 < schedule.min_gap_slots:
                problems.append(
                    f"Đội {team}: hai lượt lúc {a.start:%H:%M} và {b.start:%H:%M %d/%m/%Y} "
                    f"nghỉ chưa đủ {schedule.min_gap_slots} khung giờ."
                )
    loads = schedule.field_loads()
    if loads and max(loads.values()) - min(loads.values()) > 1:
        problems.append(
            "Số lượt giữa các sân chênh nhau quá một: "
            + ", ".join(f"{f}: {n}" for f, n in loads.items()) + "."
        )
    return problems
