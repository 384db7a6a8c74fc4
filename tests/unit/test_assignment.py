"""Judge assignment: conflicts, k per entry, balance, links, determinism."""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from judging.aggregation import Score, severity_model
from judging.assignment import EntryInfo, JudgeInfo, assign, validate

# --------------------------------------------------------------------------- strategies

PANELS = ["P1", "P2", "P3"]


@st.composite
def instances(draw, uniform=False, max_panels=3):
    n_panels = draw(st.integers(1, max_panels))
    panels = PANELS[:n_panels]
    n_entries = draw(st.integers(1, 30))
    n_judges = draw(st.integers(1, 10))
    institution = st.one_of(st.none(), st.integers(0, 4))
    area = st.one_of(st.none(), st.integers(0, 2))
    entries = [
        EntryInfo(
            f"E{i}",
            None if uniform else draw(institution),
            None if uniform else draw(area),
            draw(st.sampled_from(panels)),
        )
        for i in range(n_entries)
    ]
    judges = []
    for j in range(n_judges):
        member_of = draw(st.sets(st.sampled_from(panels), min_size=1))
        judges.append(
            JudgeInfo(
                f"J{j}",
                None if uniform else draw(institution),
                None if uniform else draw(area),
                frozenset(member_of),
                None if uniform else draw(st.one_of(st.none(), st.integers(0, 12))),
            )
        )
    conflicts = (
        []
        if uniform
        else draw(
            st.lists(
                st.tuples(
                    st.sampled_from([j.id for j in judges]),
                    st.sampled_from([e.id for e in entries]),
                ),
                max_size=10,
            )
        )
    )
    k = draw(st.integers(1, 3))
    if not uniform and draw(st.booleans()):
        k = {p: draw(st.integers(1, 3)) for p in panels}
    return {
        "entries": entries,
        "judges": judges,
        "k": k,
        "conflicts": conflicts,
        "area_conflicts": False if uniform else draw(st.booleans()),
        "links": 0 if uniform else draw(st.integers(0, 2)),
        "seed": draw(st.integers(0, 2**32)),
    }


def run(inst):
    return assign(
        inst["entries"],
        inst["judges"],
        inst["k"],
        conflicts=inst["conflicts"],
        seed=inst["seed"],
        links=inst["links"],
        area_conflicts=inst["area_conflicts"],
    )


def k_of(inst, panel):
    return inst["k"][panel] if isinstance(inst["k"], dict) else inst["k"]


# --------------------------------------------------------------------------- properties


@settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(instances())
def test_constraints_never_violated(inst):
    result = run(inst)
    assert (
        validate(
            result,
            inst["entries"],
            inst["judges"],
            conflicts=inst["conflicts"],
            area_conflicts=inst["area_conflicts"],
        )
        == []
    )
    infeasible = set(result.infeasible_ids)
    links = set(result.links)
    declared = set(inst["conflicts"])
    judge = {j.id: j for j in inst["judges"]}
    for entry in inst["entries"]:
        assigned = result.judges_of[entry.id]
        base = [j for j in assigned if (entry.id, j) not in links]
        assert len(set(assigned)) == len(assigned)
        if entry.id in infeasible:
            assert len(base) < k_of(inst, entry.panel)
        else:
            assert len(base) == k_of(inst, entry.panel)
        for j in assigned:
            info = judge[j]
            assert (j, entry.id) not in declared
            if info.institution_id is not None:
                assert info.institution_id != entry.institution_id
            if inst["area_conflicts"] and info.area_id is not None:
                assert info.area_id != entry.area_id
    loads = result.loads()
    for info in inst["judges"]:
        if info.max_load is not None:
            assert loads.get(info.id, 0) <= info.max_load


@settings(max_examples=80, deadline=None, database=None)
@given(instances())
def test_infeasible_only_when_really_short(inst):
    """Without load limits an entry is infeasible only if fewer than k judges of its panel
    are free of conflicts."""
    inst = dict(inst)
    inst["judges"] = [
        JudgeInfo(j.id, j.institution_id, j.area_id, j.panels, None) for j in inst["judges"]
    ]
    result = run(inst)
    declared = set(inst["conflicts"])
    for u in result.infeasible:
        entry = next(e for e in inst["entries"] if e.id == u.entry_id)
        free = [
            j
            for j in inst["judges"]
            if entry.panel in j.panels
            and (j.institution_id is None or j.institution_id != entry.institution_id)
            and not (
                inst["area_conflicts"] and j.area_id is not None and j.area_id == entry.area_id
            )
            and (j.id, entry.id) not in declared
        ]
        assert len(free) < u.needed
        assert u.reason.startswith(f"Chỉ có {len(free)} giám khảo")


@settings(max_examples=80, deadline=None, database=None)
@given(instances(uniform=True, max_panels=1), st.integers(0, 3))
def test_single_panel_uniform_loads_within_one(inst, extra_judges):
    judges = [JudgeInfo(f"J{j}", None, None, frozenset({"P1"})) for j in range(3 + extra_judges)]
    entries = [EntryInfo(e.id, None, None, "P1") for e in inst["entries"]]
    result = assign(entries, judges, inst["k"], seed=inst["seed"])
    assert result.infeasible == []
    loads = result.panel_loads("P1")
    values = [loads.get(j.id, 0) for j in judges]
    assert max(values) - min(values) <= 1
    assert sum(values) == len(entries) * inst["k"]
    assert validate(result, entries, judges, check_balance=True) == []


@settings(max_examples=60, deadline=None, database=None)
@given(instances())
def test_deterministic_per_seed(inst):
    assert run(inst) == run(inst)
    rng_a, rng_b = random.Random(inst["seed"]), random.Random(inst["seed"])
    first = assign(
        inst["entries"], inst["judges"], inst["k"], conflicts=inst["conflicts"], seed=rng_a
    )
    second = assign(
        inst["entries"], inst["judges"], inst["k"], conflicts=inst["conflicts"], seed=rng_b
    )
    assert first == second


# --------------------------------------------------------------------------- examples


def _province_like(n_entries=120, n_panels=4, judges_per_panel=6, seed=0):
    rng = random.Random(seed)
    entries = [
        EntryInfo(f"E{i}", f"S{rng.randrange(30)}", f"X{rng.randrange(6)}", f"P{i % n_panels}")
        for i in range(n_entries)
    ]
    judges = [
        JudgeInfo(f"J{p}-{j}", f"S{rng.randrange(30)}", f"X{rng.randrange(6)}", {f"P{p}"})
        for p in range(n_panels)
        for j in range(judges_per_panel)
    ]
    return entries, judges


def test_balanced_with_conflicts_where_possible():
    entries, judges = _province_like()
    result = assign(entries, judges, 3, seed=4)
    assert result.infeasible == []
    for p in range(4):
        loads = result.panel_loads(f"P{p}")
        values = [loads.get(j.id, 0) for j in judges if f"P{p}" in j.panels]
        assert max(values) - min(values) <= 1
    assert validate(result, entries, judges, check_balance=True) == []


def test_own_institution_area_and_declared_conflicts():
    entries = [EntryInfo("E1", "S1", "X1", "P"), EntryInfo("E2", "S2", "X2", "P")]
    judges = [
        JudgeInfo("J1", "S1", "X9", {"P"}),  # same school as E1
        JudgeInfo("J2", "S9", "X1", {"P"}),  # same area as E1
        JudgeInfo("J3", "S8", "X8", {"P"}),  # declared conflict with E1
        JudgeInfo("J4", "S7", "X7", {"P"}),
    ]
    plain = assign(entries, judges, 2, conflicts=[("J3", "E1")], seed=1)
    assert set(plain.judges_of["E1"]) == {"J2", "J4"}
    assert "J1" not in plain.judges_of["E1"]
    assert plain.infeasible == []
    area = assign(entries, judges, 2, conflicts=[("J3", "E1")], seed=1, area_conflicts=True)
    assert "J2" not in area.judges_of["E1"]
    assert len(area.judges_of["E2"]) == 2
    # E1 now only has J4: reported, with the reasons spelled out.
    assert area.infeasible_ids == ["E1"]
    assert area.judges_of["E1"] == ["J4"]
    reason = area.infeasible[0].reason
    assert reason.startswith("Chỉ có 1 giám khảo của tiểu ban P không xung đột lợi ích")
    assert "1 cùng đơn vị" in reason and "1 cùng địa bàn" in reason
    assert "1 khai báo xung đột" in reason


def test_capacity_shortage_reported():
    entries = [EntryInfo(f"E{i}", None, None, "P") for i in range(5)]
    judges = [JudgeInfo(f"J{j}", None, None, {"P"}, max_load=3) for j in range(3)]
    result = assign(entries, judges, 2, seed=0)
    # 9 slots for 10 needed: exactly one entry short, by one judge.
    assert len(result.infeasible) == 1
    assert result.infeasible[0].assigned == 1
    assert "đủ số bài tối đa" in result.infeasible[0].reason
    assert all(load <= 3 for load in result.loads().values())
    assert validate(result, entries, judges) == []


def test_repair_finds_assignment_greedy_would_miss():
    # J0 can take any entry, J1 and J2 only some; E0 conflicts with J1 and J2 and needs
    # J0, which has room for one entry only.
    entries = [EntryInfo(f"E{i}", f"S{i}", None, "P") for i in range(3)]
    judges = [
        JudgeInfo("J0", None, None, {"P"}, max_load=1),
        JudgeInfo("J1", None, None, {"P"}),
        JudgeInfo("J2", None, None, {"P"}),
    ]
    conflicts = [("J1", "E0"), ("J2", "E0")]
    for seed in range(10):
        result = assign(entries, judges, 1, conflicts=conflicts, seed=seed)
        assert result.infeasible == []
        assert result.judges_of["E0"] == ["J0"]


def test_per_panel_k_and_validate_catches_manual_edits():
    entries, judges = _province_like(n_entries=40, n_panels=2)
    result = assign(entries, judges, {"P0": 3, "P1": 2}, seed=2)
    assert all(len(result.judges_of[e.id]) == (3 if e.panel == "P0" else 2) for e in entries)
    assert validate(result, entries, judges) == []
    # A manual edit: put a judge of the same school on an entry, and drop one judge.
    entry = entries[0]
    same_school = JudgeInfo("JX", entry.institution_id, None, {entry.panel})
    result.judges_of[entry.id][0] = "JX"
    result.judges_of[entries[1].id].pop()
    problems = validate(result, entries, judges + [same_school])
    assert f"Giám khảo JX cùng đơn vị với bài {entry.id}" in problems
    assert f"Bài {entries[1].id} có 1 giám khảo, cần 2" in problems
    # Wrong panel and unknown judge are caught too.
    result.judges_of[entries[2].id][0] = "J1-0"
    result.judges_of[entries[4].id][0] = "NOBODY"
    problems = validate(result, entries, judges + [same_school])
    assert any("không thuộc tiểu ban P0" in p for p in problems)
    assert "Giám khảo NOBODY không có trong danh sách giám khảo" in problems


def test_links_connect_the_severity_design():
    entries, judges = _province_like(n_entries=90, n_panels=3, seed=3)
    rng = random.Random(0)
    quality = {e.id: rng.gauss(70, 10) for e in entries}

    def simulate(assignment):
        return [
            Score(e, j, round(quality[e] + rng.gauss(0, 4), 1))
            for e, js in assignment.judges_of.items()
            for j in js
        ]

    unlinked = assign(entries, judges, 3, seed=1)
    assert unlinked.links == []
    assert not severity_model(simulate(unlinked)).connected
    linked = assign(entries, judges, 3, seed=1, links=2)
    assert len(linked.links) == 4  # 2 per adjacent pair (P0-P1, P1-P2)
    panel_of = {e.id: e.panel for e in entries}
    judge_panels = {j.id: j.panels for j in judges}
    for e, j in linked.links:
        assert panel_of[e] not in judge_panels[j]
        assert len(linked.judges_of[e]) == 4
    assert validate(linked, entries, judges) == []
    fit = severity_model(simulate(linked))
    assert fit.connected


def test_links_report_when_impossible():
    entries = [EntryInfo("E1", "S1", None, "A"), EntryInfo("E2", "S1", None, "B")]
    judges = [JudgeInfo("JA", None, None, {"A"}), JudgeInfo("JB", "S1", None, {"B"})]
    result = assign(entries, judges, 1, seed=0, links=1)
    # E2 cannot get JA?  It can: JA is free of conflicts with E2.  E1 cannot get JB.
    assert result.links == [("E2", "JA")]
    impossible = assign(
        [EntryInfo("E1", "S1", None, "A"), EntryInfo("E2", "S1", None, "B")],
        [JudgeInfo("JA", "S1", None, {"A"}), JudgeInfo("JB", "S1", None, {"B"})],
        1,
        seed=0,
        links=1,
    )
    assert impossible.links == []
    assert impossible.notes == ["Chỉ tạo được 0/1 bài nối giữa tiểu ban A và tiểu ban B"]


def test_560_entries_assign_quickly():
    entries, judges = _province_like(n_entries=560, n_panels=6, judges_per_panel=5)
    result = assign(entries, judges, 3, seed=7, links=2, area_conflicts=True)
    assert validate(result, entries, judges, area_conflicts=True) == []


def _max_flow_possible(entries, judges, k, conflicts, cap):
    """Independent check (simple augmenting paths): can every entry get
    min(k, eligible) judges with at most ``cap`` entries per judge?"""
    eligible = {
        e.id: [
            j.id
            for j in judges
            if (j.id, e.id) not in conflicts
            and (j.institution_id is None or j.institution_id != e.institution_id)
        ]
        for e in entries
    }
    load = {j.id: 0 for j in judges}
    holder = {}  # (entry, judge) -> True

    def try_entry(e, seen):
        for j in eligible[e]:
            if (e, j) in holder or j in seen:
                continue
            seen.add(j)
            if load[j] < cap:
                holder[(e, j)] = True
                load[j] += 1
                return True
            for e2, j2 in list(holder):
                if j2 == j and try_move(e2, j, seen):
                    holder[(e, j)] = True
                    return True
        return False

    def try_move(e2, j_from, seen):
        for j in eligible[e2]:
            if (e2, j) in holder or j in seen:
                continue
            seen.add(j)
            ok = load[j] < cap
            if ok:
                load[j] += 1
            else:
                ok = any(j3 == j and try_move(e3, j, seen) for (e3, j3) in list(holder))
            if ok:
                del holder[(e2, j_from)]
                holder[(e2, j)] = True
                return True
        return False

    for e in entries:
        for _ in range(min(k, len(eligible[e.id]))):
            if not try_entry(e.id, set()):
                return False
    return True


@settings(max_examples=60, deadline=None, database=None)
@given(instances(max_panels=1))
def test_max_load_is_optimal_in_a_panel(inst):
    """The busiest judge has the smallest load any conflict-free assignment allows."""
    judges = [JudgeInfo(j.id, j.institution_id, None, frozenset({"P1"})) for j in inst["judges"]]
    entries = [EntryInfo(e.id, e.institution_id, None, "P1") for e in inst["entries"]]
    k = k_of(inst, "P1")
    conflicts = set(inst["conflicts"])
    result = assign(entries, judges, k, conflicts=conflicts, seed=inst["seed"])
    busiest = max(result.loads().values(), default=0)
    if busiest > 0:
        assert not _max_flow_possible(entries, judges, k, conflicts, busiest - 1)
    assert _max_flow_possible(entries, judges, k, conflicts, busiest)
