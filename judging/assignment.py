"""Assigning judges to entries: conflict-free, balanced, reproducible.

Pure functions and dataclasses (no Flask, no database).  Randomness only comes from the
``seed`` argument (an int/str seed or a ``random.Random``), so the same input and seed
always give the same assignment.

Algorithm, per panel (tiểu ban), in panel order:

1. Eligible judges of an entry: judges of the panel with no conflict of interest
   (same institution; same area when ``area_conflicts``; declared conflict pairs).
2. Greedy: most constrained entries first; each takes the least-loaded eligible judges,
   preferring judges it has not yet been paired with (varied pairs help the severity
   model), random tie-break.
3. Repair, as in a max-flow: an entry still short of judges looks for an augmenting path
   (it takes judge A, who hands one of their entries to judge B, ... until a judge with
   spare capacity), so an entry is only reported infeasible when no re-shuffle of the
   panel can give it k judges.
4. Balance: while some judge has at least two entries more than another judge reachable
   by such a chain of hand-overs, move along the chain.  At the end no such chain
   exists, which is the optimality condition of min sum(load^2): loads differ by at most
   one whenever the conflicts and ``max_load`` allow it.

Finally ``links`` entries per pair of adjacent panels get one extra judge from the other
panel, so the entry-judge graph is connected across panels and judge severities become
comparable (see architecture.md, judge-severity simulation).
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Assignment",
    "EntryInfo",
    "JudgeInfo",
    "Unassigned",
    "assign",
    "validate",
]


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """An entry to judge.  ``institution_id``/``area_id`` may be ``None`` (unknown: no
    conflict is inferred from them)."""

    id: Hashable
    institution_id: Hashable | None
    area_id: Hashable | None
    panel: Hashable


@dataclass(frozen=True, slots=True)
class JudgeInfo:
    """A judge; ``panels`` are the panels they may judge, ``max_load`` the most entries
    they accept in total (``None``: no limit)."""

    id: Hashable
    institution_id: Hashable | None
    area_id: Hashable | None
    panels: frozenset[Hashable] | set[Hashable] = field(default_factory=frozenset)
    max_load: int | None = None


@dataclass(frozen=True, slots=True)
class Unassigned:
    """An entry that did not get its k judges; ``assigned`` judges it did get."""

    entry_id: Hashable
    panel: Hashable
    assigned: int
    needed: int
    reason: str


@dataclass
class Assignment:
    """Result of :func:`assign`.

    ``judges_of[entry_id]`` lists all judges of the entry, panel judges first, then any
    linking judge; ``links`` lists the (entry_id, judge_id) pairs that are cross-panel
    links; ``infeasible`` the entries short of judges (they keep the judges they got).
    ``notes`` are Vietnamese remarks (e.g. a link that could not be made).
    """

    judges_of: dict[Hashable, list[Hashable]]
    links: list[tuple[Hashable, Hashable]]
    infeasible: list[Unassigned]
    k: dict[Hashable, int]
    panel_of: dict[Hashable, Hashable]
    notes: list[str] = field(default_factory=list)

    def pairs(self) -> list[tuple[Hashable, Hashable]]:
        """All (entry_id, judge_id) pairs, links included."""
        return [(e, j) for e, js in self.judges_of.items() for j in js]

    def loads(self) -> dict[Hashable, int]:
        """Total number of entries per judge (links included)."""
        out: dict[Hashable, int] = {}
        for _, j in self.pairs():
            out[j] = out.get(j, 0) + 1
        return out

    def panel_loads(self, panel: Hashable) -> dict[Hashable, int]:
        """Entries per judge within ``panel``, without cross-panel links.  Judges of the
        panel with no entry are not listed (see :func:`validate` for balance checks)."""
        link_set = set(self.links)
        out: dict[Hashable, int] = {}
        for e, js in self.judges_of.items():
            if self.panel_of.get(e) != panel:
                continue
            for j in js:
                if (e, j) not in link_set:
                    out[j] = out.get(j, 0) + 1
        return out

    @property
    def infeasible_ids(self) -> list[Hashable]:
        return [u.entry_id for u in self.infeasible]


# --------------------------------------------------------------------------- helpers


def _conflict_kind(
    judge: JudgeInfo,
    entry: EntryInfo,
    declared: frozenset[tuple[Hashable, Hashable]],
    area_conflicts: bool,
) -> str | None:
    """ "institution", "area", "declared" or None (no conflict of interest)."""
    if (
        judge.institution_id is not None
        and entry.institution_id is not None
        and judge.institution_id == entry.institution_id
    ):
        return "institution"
    if (
        area_conflicts
        and judge.area_id is not None
        and entry.area_id is not None
        and judge.area_id == entry.area_id
    ):
        return "area"
    if (judge.id, entry.id) in declared:
        return "declared"
    return None


_CONFLICT_TEXT = {
    "institution": "Giám khảo {j} cùng đơn vị với bài {e}",
    "area": "Giám khảo {j} cùng địa bàn với bài {e}",
    "declared": "Giám khảo {j} đã khai báo xung đột lợi ích với bài {e}",
}
_CONFLICT_SHORT = {
    "institution": "cùng đơn vị",
    "area": "cùng địa bàn",
    "declared": "khai báo xung đột",
}


def _k_of(k: int | Mapping[Hashable, int], panel: Hashable) -> int:
    if isinstance(k, Mapping):
        if panel not in k:
            raise ValueError(f"No k given for panel {panel!r}")
        value = k[panel]
    else:
        value = k
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError("k must be a positive integer")
    return value


def _rng(seed: int | str | random.Random) -> random.Random:
    return seed if isinstance(seed, random.Random) else random.Random(seed)


class _PanelState:
    """Mutable state while assigning one panel (judges and entries as indices)."""

    def __init__(
        self,
        entries: list[int],
        eligible: dict[int, list[int]],
        cap_left: list[float],
        n_judges: int,
    ) -> None:
        self.entries = entries
        self.eligible = eligible
        self.eligible_set = {e: set(js) for e, js in eligible.items()}
        self.cap_left = cap_left
        self.assigned: dict[int, list[int]] = {e: [] for e in entries}
        self.assigned_set: dict[int, set[int]] = {e: set() for e in entries}
        self.load = [0] * n_judges
        self.entries_of: list[dict[int, None]] = [{} for _ in range(n_judges)]

    def add(self, e: int, j: int) -> None:
        self.assigned[e].append(j)
        self.assigned_set[e].add(j)
        self.entries_of[j][e] = None
        self.load[j] += 1
        self.cap_left[j] -= 1

    def remove(self, e: int, j: int) -> None:
        self.assigned[e].remove(j)
        self.assigned_set[e].discard(j)
        del self.entries_of[j][e]
        self.load[j] -= 1
        self.cap_left[j] += 1

    def _move_chain(self, parent: dict[int, tuple[int | None, int]], last: int) -> None:
        """Apply a hand-over chain ending at judge ``last``: at every step entry ``e``
        moves from the previous judge to the next (the first step has no previous
        judge when an entry short of judges takes a new one)."""
        j: int | None = last
        while j is not None and j in parent:
            prev, e = parent[j]
            self.add(e, j)
            if prev is not None:
                self.remove(e, prev)
            j = prev

    def augment(self, e0: int) -> bool:
        """Give entry ``e0`` one more judge via a hand-over chain; False if impossible
        (then no re-shuffle of the panel can: this is a max-flow augmenting path)."""
        parent: dict[int, tuple[int | None, int]] = {}
        queue: deque[int] = deque()
        for j in self.eligible[e0]:
            if j not in self.assigned_set[e0]:
                parent[j] = (None, e0)
                queue.append(j)
        while queue:
            j = queue.popleft()
            if self.cap_left[j] > 0:
                self._move_chain(parent, j)
                return True
            for e in self.entries_of[j]:
                for j2 in self.eligible[e]:
                    if j2 not in parent and j2 not in self.assigned_set[e]:
                        parent[j2] = (j, e)
                        queue.append(j2)
        return False

    def rebalance(self, panel_judges: list[int]) -> None:
        """Move entries along hand-over chains from judges with load L to judges with
        load <= L - 2 until no such chain exists (min sum of squared loads)."""
        while True:
            levels = sorted({self.load[j] for j in panel_judges}, reverse=True)
            for level in levels[:-1]:
                sources = [j for j in panel_judges if self.load[j] == level]
                if self._shift_from(sources, level):
                    break
            else:
                return

    def _shift_from(self, sources: list[int], level: int) -> bool:
        parent: dict[int, tuple[int | None, int]] = {}
        visited = set(sources)
        queue: deque[int] = deque(sources)
        while queue:
            j = queue.popleft()
            for e in self.entries_of[j]:
                for j2 in self.eligible[e]:
                    if j2 in visited or j2 in self.assigned_set[e]:
                        continue
                    visited.add(j2)
                    parent[j2] = (j, e)
                    if self.load[j2] <= level - 2 and self.cap_left[j2] > 0:
                        self._move_chain(parent, j2)
                        return True
                    queue.append(j2)
        return False


# --------------------------------------------------------------------------- assign


def assign(
    entries: Sequence[EntryInfo],
    judges: Sequence[JudgeInfo],
    k: int | Mapping[Hashable, int],
    *,
    conflicts: Iterable[tuple[Hashable, Hashable]] = (),
    seed: int | str | random.Random = 0,
    links: int = 0,
    area_conflicts: bool = False,
    panel_order: Sequence[Hashable] | None = None,
) -> Assignment:
    """Assign ``k`` judges to every entry (``k`` an int or a dict panel -> int).

    ``conflicts``: declared (judge_id, entry_id) pairs that must never meet.  A judge
    never gets an entry of their own institution, nor of their own area when
    ``area_conflicts`` (contests at district/commune level).  ``max_load`` of a judge
    caps their total over all panels; panels are processed in ``panel_order`` (default:
    order of first appearance among the entries), so an early panel may use up a
    shared judge.

    ``links``: per pair of adjacent panels (in panel order), that many entries get one
    extra judge from the other panel (alternating sides), so that the severity model's
    design is connected.  Linked entries therefore have k + 1 judges.

    Entries that cannot get k judges are listed in ``Assignment.infeasible`` with a
    Vietnamese reason and keep the judges they did get.  Deterministic for a given seed.
    """
    rng = _rng(seed)
    entry_ids = [e.id for e in entries]
    judge_ids = [j.id for j in judges]
    if len(set(entry_ids)) != len(entry_ids):
        raise ValueError("Duplicate entry id")
    if len(set(judge_ids)) != len(judge_ids):
        raise ValueError("Duplicate judge id")
    if links < 0:
        raise ValueError("links must be >= 0")
    declared = frozenset(conflicts)

    panels: list[Hashable] = list(dict.fromkeys(e.panel for e in entries))
    if panel_order is not None:
        ordered = [p for p in panel_order if p in panels]
        panels = ordered + [p for p in panels if p not in ordered]
    k_of = {p: _k_of(k, p) for p in panels}

    n_j = len(judges)
    cap_left: list[float] = [math.inf if j.max_load is None else float(j.max_load) for j in judges]
    judges_of_index: dict[int, list[int]] = {i: [] for i in range(len(entries))}
    infeasible: list[Unassigned] = []
    panel_load: dict[Hashable, list[int]] = {}
    pair_count: dict[tuple[int, int], int] = {}

    for panel in panels:
        kp = k_of[panel]
        p_entries = [i for i, e in enumerate(entries) if e.panel == panel]
        p_judges = [j for j, judge in enumerate(judges) if panel in judge.panels]
        kinds = {
            i: [_conflict_kind(judges[j], entries[i], declared, area_conflicts) for j in p_judges]
            for i in p_entries
        }
        eligible = {
            i: [j for j, kind in zip(p_judges, kinds[i], strict=True) if kind is None]
            for i in p_entries
        }
        state = _PanelState(p_entries, eligible, cap_left, n_j)

        # Greedy, most constrained first.
        order = sorted(p_entries, key=lambda i: (len(eligible[i]), rng.random()))
        for i in order:
            for _ in range(min(kp, len(eligible[i]))):
                chosen = state.assigned[i]
                best = None
                best_key = None
                for j in eligible[i]:
                    if j in state.assigned_set[i] or state.cap_left[j] <= 0:
                        continue
                    together = sum(pair_count.get((min(j, c), max(j, c)), 0) for c in chosen)
                    key = (state.load[j], together, rng.random())
                    if best_key is None or key < best_key:
                        best, best_key = j, key
                if best is None:
                    break
                state.add(i, best)
        # Fill what the greedy left short, then balance.
        for i in p_entries:
            while len(state.assigned[i]) < min(kp, len(eligible[i])):
                if not state.augment(i):
                    break
        state.rebalance(p_judges)

        for i in p_entries:
            got = state.assigned[i]
            for a in range(len(got)):
                for b in range(a + 1, len(got)):
                    key = (min(got[a], got[b]), max(got[a], got[b]))
                    pair_count[key] = pair_count.get(key, 0) + 1
            judges_of_index[i] = list(got)
            if len(got) < kp:
                if len(eligible[i]) < kp:
                    counts = {c: kinds[i].count(c) for c in _CONFLICT_SHORT if c in kinds[i]}
                    detail = ", ".join(f"{n} {_CONFLICT_SHORT[c]}" for c, n in counts.items())
                    reason = (
                        f"Chỉ có {len(eligible[i])} giám khảo của tiểu ban {panel} không "
                        f"xung đột lợi ích với bài này (cần {kp}"
                        + (f"; bị loại: {detail}" if detail else "")
                        + ")"
                    )
                else:
                    reason = (
                        "Các giám khảo phù hợp đã đủ số bài tối đa; chỉ phân được "
                        f"{len(got)}/{kp} giám khảo"
                    )
                infeasible.append(Unassigned(entries[i].id, panel, len(got), kp, reason))
        panel_load[panel] = list(state.load)

    link_pairs, notes = _make_links(
        entries,
        judges,
        panels,
        links,
        rng,
        judges_of_index,
        cap_left,
        panel_load,
        declared,
        area_conflicts,
    )
    for i, j in link_pairs:
        judges_of_index[i].append(j)

    return Assignment(
        judges_of={entries[i].id: [judges[j].id for j in js] for i, js in judges_of_index.items()},
        links=[(entries[i].id, judges[j].id) for i, j in link_pairs],
        infeasible=infeasible,
        k=k_of,
        panel_of={e.id: e.panel for e in entries},
        notes=notes,
    )


def _make_links(
    entries: Sequence[EntryInfo],
    judges: Sequence[JudgeInfo],
    panels: list[Hashable],
    links: int,
    rng: random.Random,
    judges_of_index: dict[int, list[int]],
    cap_left: list[float],
    panel_load: dict[Hashable, list[int]],
    declared: frozenset[tuple[Hashable, Hashable]],
    area_conflicts: bool,
) -> tuple[list[tuple[int, int]], list[str]]:
    pairs: list[tuple[int, int]] = []
    notes: list[str] = []
    if links == 0 or len(panels) < 2:
        return pairs, notes
    linked_entries: set[int] = set()
    link_load = [0] * len(judges)
    for a, b in zip(panels, panels[1:], strict=False):
        side_entries = {
            p: [i for i, e in enumerate(entries) if e.panel == p and i not in linked_entries]
            for p in (a, b)
        }
        for p in (a, b):
            rng.shuffle(side_entries[p])
        made = 0
        for t in range(links):
            side, other = (a, b) if t % 2 == 0 else (b, a)
            found = _one_link(
                side_entries[side],
                other,
                entries,
                judges,
                judges_of_index,
                cap_left,
                panel_load[other],
                link_load,
                declared,
                area_conflicts,
                rng,
            )
            if found is None:
                side, other = other, side
                found = _one_link(
                    side_entries[side],
                    other,
                    entries,
                    judges,
                    judges_of_index,
                    cap_left,
                    panel_load[other],
                    link_load,
                    declared,
                    area_conflicts,
                    rng,
                )
            if found is None:
                break
            i, j = found
            side_entries[side].remove(i)
            linked_entries.add(i)
            cap_left[j] -= 1
            link_load[j] += 1
            pairs.append((i, j))
            made += 1
        if made < links:
            notes.append(f"Chỉ tạo được {made}/{links} bài nối giữa tiểu ban {a} và tiểu ban {b}")
    return pairs, notes


def _one_link(
    candidates: list[int],
    other: Hashable,
    entries: Sequence[EntryInfo],
    judges: Sequence[JudgeInfo],
    judges_of_index: dict[int, list[int]],
    cap_left: list[float],
    other_load: list[int],
    link_load: list[int],
    declared: frozenset[tuple[Hashable, Hashable]],
    area_conflicts: bool,
    rng: random.Random,
) -> tuple[int, int] | None:
    """Pick an entry of ``candidates`` and a judge of panel ``other`` for it.  Judges who
    actually scored entries of ``other`` come first (only they connect the panels)."""
    for i in candidates:
        current = set(judges_of_index[i])
        best = None
        best_key = None
        for j, judge in enumerate(judges):
            if other not in judge.panels or j in current or cap_left[j] <= 0:
                continue
            if _conflict_kind(judge, entries[i], declared, area_conflicts) is not None:
                continue
            in_own = entries[i].panel in judge.panels
            key = (other_load[j] == 0, in_own, link_load[j], other_load[j], rng.random())
            if best_key is None or key < best_key:
                best, best_key = j, key
        if best is not None:
            return i, best
    return None


# --------------------------------------------------------------------------- validate


def validate(
    assignment: Assignment,
    entries: Sequence[EntryInfo],
    judges: Sequence[JudgeInfo],
    *,
    conflicts: Iterable[tuple[Hashable, Hashable]] = (),
    area_conflicts: bool = False,
    k: int | Mapping[Hashable, int] | None = None,
    check_balance: bool = False,
) -> list[str]:
    """List the constraints ``assignment`` violates (Vietnamese messages; empty = valid).

    Checks unknown ids, duplicate judges on an entry, conflicts of interest, judges
    outside the entry's panel (unless the pair is a recorded link), the number of panel
    judges per entry (k, unless the entry is reported infeasible), ``max_load``, and with
    ``check_balance`` that panel loads differ by at most one (a soft rule: conflicts
    can make it impossible).  Meant both for tests and for checking manual edits.
    """
    problems: list[str] = []
    declared = frozenset(conflicts)
    entry_by_id = {e.id: e for e in entries}
    judge_by_id = {j.id: j for j in judges}
    link_set = set(assignment.links)
    infeasible = set(assignment.infeasible_ids)
    k_source: int | Mapping[Hashable, int] = assignment.k if k is None else k

    for entry_id in assignment.judges_of:
        if entry_id not in entry_by_id:
            problems.append(f"Bài {entry_id} không có trong danh sách bài dự thi")
    for entry_id, judge_id in link_set:
        if judge_id not in assignment.judges_of.get(entry_id, []):
            problems.append(f"Nối tiểu ban ({entry_id}, {judge_id}) không có trong phân công")

    loads: dict[Hashable, int] = {}
    for entry in entries:
        assigned = assignment.judges_of.get(entry.id, [])
        seen: set[Hashable] = set()
        base = 0
        for judge_id in assigned:
            if judge_id in seen:
                problems.append(f"Bài {entry.id} có giám khảo {judge_id} nhiều lần")
                continue
            seen.add(judge_id)
            judge = judge_by_id.get(judge_id)
            if judge is None:
                problems.append(f"Giám khảo {judge_id} không có trong danh sách giám khảo")
                continue
            loads[judge_id] = loads.get(judge_id, 0) + 1
            kind = _conflict_kind(judge, entry, declared, area_conflicts)
            if kind is not None:
                problems.append(_CONFLICT_TEXT[kind].format(j=judge_id, e=entry.id))
            is_link = (entry.id, judge_id) in link_set
            if not is_link:
                base += 1
                if entry.panel not in judge.panels:
                    problems.append(
                        f"Giám khảo {judge_id} không thuộc tiểu ban {entry.panel} của bài "
                        f"{entry.id}"
                    )
        try:
            needed = _k_of(k_source, entry.panel)
        except ValueError:
            problems.append(f"Chưa quy định số giám khảo mỗi bài cho tiểu ban {entry.panel}")
            continue
        if base != needed and not (entry.id in infeasible and base < needed):
            problems.append(f"Bài {entry.id} có {base} giám khảo, cần {needed}")

    for judge in judges:
        if judge.max_load is not None and loads.get(judge.id, 0) > judge.max_load:
            problems.append(
                f"Giám khảo {judge.id} chấm {loads[judge.id]} bài, vượt giới hạn "
                f"{judge.max_load} bài"
            )

    if check_balance:
        for panel in dict.fromkeys(e.panel for e in entries):
            counts = assignment.panel_loads(panel)
            members = [j.id for j in judges if panel in j.panels]
            values = [counts.get(j, 0) for j in members]
            if values and max(values) - min(values) > 1:
                problems.append(
                    f"Tiểu ban {panel}: số bài giữa các giám khảo chênh "
                    f"{max(values) - min(values)} (nên không quá 1)"
                )
    return problems
