"""Official results, ranking, severity model and review flags (judging.aggregation)."""

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judging.aggregation import (
    Score,
    analyse,
    check_flags,
    criterion_tie_break,
    format_points,
    official_results,
    rank,
    severity_model,
)

# --------------------------------------------------------------------------- helpers


def simulate_panel(
    seed,
    n_entries=60,
    n_judges=8,
    per_entry=3,
    severity=None,
    noise_sd=None,
    judge_prefix="J",
    entry_prefix="E",
):
    """Seeded simulated panel: true quality ~ N(70, 10), score = quality + severity +
    N(0, noise_sd_judge), rounded to 0.1; judges spread evenly (least loaded first)."""
    rng = np.random.default_rng(seed)
    severity = np.zeros(n_judges) if severity is None else np.asarray(severity, float)
    noise_sd = np.full(n_judges, 4.0) if noise_sd is None else np.asarray(noise_sd, float)
    quality = rng.normal(70, 10, n_entries)
    loads = np.zeros(n_judges)
    scores = []
    for e in range(n_entries):
        chosen = np.lexsort((rng.random(n_judges), loads))[:per_entry]
        for j in chosen:
            loads[j] += 1
            total = quality[e] + severity[j] + rng.normal(0, noise_sd[j])
            scores.append(Score(f"{entry_prefix}{e}", f"{judge_prefix}{j}", round(float(total), 1)))
    return scores, quality


def sheets(entry_id, totals, prefix="J"):
    return [Score(entry_id, f"{prefix}{i}", t) for i, t in enumerate(totals)]


# --------------------------------------------------------------------------- official results


def test_mean_rule_exact_and_rounded_half_up():
    results = official_results(sheets("A", [85.5, 90, 77.25]) + sheets("B", [80.01, 80.02]))
    a, b = results["A"], results["B"]
    assert a.score == Decimal("84.25") and a.rule_applied == "mean"
    assert a.n_judges == 3 and a.min == 77.25 and a.max == 90 and a.spread == 12.75
    assert a.median == 85.5
    assert a.judge_totals == {"J0": 85.5, "J1": 90.0, "J2": 77.25}
    # 80.015 is a tie at 2 decimals: ROUND_HALF_UP on the exact value gives 80.02
    # (binary floats would give 80.01).
    assert b.score == Decimal("80.02")
    assert b.score_exact == pytest.approx(80.015)


def test_mean_of_one_third_rounds_correctly():
    result = official_results(sheets("A", [70, 70, 71]))["A"]
    assert result.score == Decimal("70.33")
    assert result.score_exact == pytest.approx(70 + 1 / 3)


def test_trimmed_mean_only_with_enough_judges():
    five = sheets("A", [60, 70, 72, 74, 95])
    four = sheets("B", [60, 70, 72, 95])
    results = official_results(five + four, rule="trimmed_mean")
    assert results["A"].score == Decimal("72.00")
    assert results["A"].rule_applied == "trimmed_mean"
    assert set(results["A"].dropped) == {"J0", "J4"}
    assert results["B"].score == Decimal("74.25")
    assert results["B"].rule_applied == "mean" and results["B"].dropped == ()
    # The plain mean rule ignores trimming entirely.
    assert official_results(five)["A"].score == Decimal("74.20")
    # A lower threshold trims the 4-judge entry too: (70 + 72) / 2.
    lowered = official_results(four, rule="trimmed_mean", trim_min_judges=4)
    assert lowered["B"].score == Decimal("71.00")


def test_trimmed_mean_with_tied_extremes_drops_one_each():
    result = official_results(sheets("A", [80, 80, 70, 60, 60]), rule="trimmed_mean")["A"]
    assert result.score == Decimal("70.00")  # (80 + 70 + 60) / 3
    assert result.dropped == ("J0", "J3")


def test_decimal_and_int_totals_and_criteria_means():
    scores = [
        Score("A", "J1", Decimal("41.5"), {"sáng tạo": 20, "ứng dụng": 21.5}),
        Score("A", "J2", 44, {"sáng tạo": 22, "ứng dụng": 22}),
    ]
    result = official_results(scores)["A"]
    assert result.score == Decimal("42.75")
    assert result.criteria == {"sáng tạo": 21.0, "ứng dụng": 21.75}


def test_invalid_input_rejected():
    with pytest.raises(ValueError):
        official_results(sheets("A", [1, 2]), rule="median")
    with pytest.raises(ValueError):
        official_results([Score("A", "J1", 70), Score("A", "J1", 71)])
    with pytest.raises(ValueError):
        official_results([Score("A", "J1", math.nan)])


@settings(max_examples=60, deadline=None, database=None)
@given(
    st.lists(
        st.decimals(min_value=0, max_value=100, places=2, allow_nan=False), min_size=1, max_size=7
    ),
    st.sampled_from(["mean", "trimmed_mean"]),
)
def test_official_score_within_judges_range(totals, rule):
    result = official_results(sheets("A", totals), rule=rule)["A"]
    assert Decimal(str(result.min)) - Decimal("0.005") <= result.score
    assert result.score <= Decimal(str(result.max)) + Decimal("0.005")
    assert result.n_judges == len(totals)


# --------------------------------------------------------------------------- ranking


def test_standard_competition_ranking_with_ties():
    results = official_results(
        sheets("A", [90])
        + sheets("B", [85])
        + sheets("C", [85])
        + sheets("D", [80])
        + sheets("E", [85.004, 84.996])  # published 85.00: ties with B and C
    )
    ranking = rank(results)
    assert [(r.entry_id, r.rank) for r in ranking] == [
        ("A", 1),
        ("B", 2),
        ("C", 2),
        ("E", 2),
        ("D", 5),
    ]
    assert [r.position for r in ranking] == [1, 2, 3, 4, 5]
    assert [r.tied for r in ranking] == [False, True, True, True, False]


def test_tie_break_by_criterion():
    scores = [
        Score("A", "J1", 80, {"sáng tạo": 30, "trình bày": 50}),
        Score("B", "J1", 80, {"sáng tạo": 35, "trình bày": 45}),
        Score("C", "J1", 80, {"sáng tạo": 35, "trình bày": 45}),
        Score("D", "J1", 70, {"sáng tạo": 40, "trình bày": 30}),
    ]
    ranking = rank(official_results(scores), tie_break=criterion_tie_break("sáng tạo"))
    assert [(r.entry_id, r.rank, r.tied) for r in ranking] == [
        ("B", 1, True),
        ("C", 1, True),
        ("A", 3, False),
        ("D", 4, False),
    ]


# --------------------------------------------------------------------------- severity model


def test_severity_model_exact_on_noise_free_additive_data():
    quality = {"A": 60.0, "B": 70.0, "C": 80.0, "D": 65.0}
    severity = {"J1": -4.0, "J2": 1.0, "J3": 3.0}
    design = {"A": ["J1", "J2"], "B": ["J2", "J3"], "C": ["J1", "J3"], "D": ["J1", "J2", "J3"]}
    scores = [Score(e, j, quality[e] + severity[j]) for e, js in design.items() for j in js]
    fit = severity_model(scores)
    assert fit.connected and len(fit.components) == 1
    for j, s in severity.items():
        assert fit.severity[j] == pytest.approx(s, abs=1e-9)
    for e, q in quality.items():
        assert fit.adjusted[e] == pytest.approx(q, abs=1e-9)
    assert max(abs(r) for r in fit.residuals.values()) < 1e-9


def test_severity_model_balanced_design_adjusted_equals_mean():
    scores = [
        Score(e, j, 50 + 10 * i + 3 * k)
        for i, e in enumerate("ABC")
        for k, j in enumerate(["J1", "J2", "J3"])
    ]
    fit = severity_model(scores)
    results = official_results(scores)
    for e in "ABC":
        assert fit.adjusted[e] == pytest.approx(results[e].score_exact)
    assert sum(fit.severity.values()) == pytest.approx(0.0, abs=1e-9)


def test_severity_model_recovers_planted_severities():
    planted = np.array([-12.0, 0.0, 5.0, -3.0, 2.0, 0.0, 4.0, -2.0])
    scores, quality = simulate_panel(11, severity=planted)
    fit = severity_model(scores)
    centred = planted - planted.mean()
    for j in range(8):
        estimate = fit.severity[f"J{j}"]
        assert abs(estimate - centred[j]) < max(3 * fit.severity_se[f"J{j}"], 1.0)
        assert abs(estimate - centred[j]) < 3.0
        assert 0.3 < fit.severity_se[f"J{j}"] < 3.0
    assert fit.sigma == pytest.approx(4.0, rel=0.3)
    # Adjusted scores track true quality better than the plain mean does.
    results = official_results(scores)
    offset = planted.mean()
    mean_err = [results[f"E{e}"].score_exact - quality[e] - offset for e in range(60)]
    adj_err = [fit.adjusted[f"E{e}"] - quality[e] - offset for e in range(60)]
    assert np.sqrt(np.mean(np.square(adj_err))) < 0.75 * np.sqrt(np.mean(np.square(mean_err)))


def test_severity_model_matches_dense_least_squares_on_unbalanced_design():
    rng = np.random.default_rng(21)
    scores = []
    for e in range(40):
        for j in rng.choice(7, size=int(rng.integers(1, 5)), replace=False):
            scores.append(Score(f"E{e}", f"J{j}", round(float(rng.normal(70, 10)), 1)))
    fit = severity_model(scores)
    assert fit.connected
    entries = sorted({s.entry_id for s in scores})
    judges = sorted({s.judge_id for s in scores})
    x = np.zeros((len(scores) + 1, len(entries) + len(judges)))
    y = np.zeros(len(scores) + 1)
    for row, s in enumerate(scores):
        x[row, entries.index(s.entry_id)] = 1.0
        x[row, len(entries) + judges.index(s.judge_id)] = 1.0
        y[row] = s.total
    x[-1, len(entries) :] = 1.0  # sum of judge effects = 0 (exactly satisfiable)
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    for i, e in enumerate(entries):
        assert fit.adjusted[e] == pytest.approx(beta[i], abs=1e-8)
    for i, j in enumerate(judges):
        assert fit.severity[j] == pytest.approx(beta[len(entries) + i], abs=1e-8)
    residual_df = len(scores) - len(entries) - (len(judges) - 1)
    assert fit.df == residual_df


def test_disconnected_design_is_reported():
    a, _ = simulate_panel(1, n_entries=20, n_judges=4, judge_prefix="A", entry_prefix="a")
    b, _ = simulate_panel(2, n_entries=20, n_judges=4, judge_prefix="B", entry_prefix="b")
    fit = severity_model(a + b)
    assert not fit.connected
    assert len(fit.components) == 2
    groups = sorted(sorted(c.judge_ids) for c in fit.components)
    assert groups == [["A0", "A1", "A2", "A3"], ["B0", "B1", "B2", "B3"]]
    for c in fit.components:
        assert sum(fit.severity[j] for j in c.judge_ids) == pytest.approx(0.0, abs=1e-9)
    assert fit.component_of_entry["a3"] != fit.component_of_entry["b3"]
    notes = analyse(a + b).flags.notes
    assert any("không có giám khảo chung" in note for note in notes)
    assert any("Nhóm chấm số 1 (giám khảo A" in note for note in notes)
    # One linking score joins them.
    linked = severity_model(a + b + [Score("a0", "B0", 70.0)])
    assert linked.connected and len(linked.components) == 1


def test_severity_model_speed_sized_input_runs():
    scores, _ = simulate_panel(5, n_entries=560, n_judges=30)
    fit = severity_model(scores)
    assert fit.connected and len(fit.adjusted) == 560


# --------------------------------------------------------------------------- flags


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_planted_harsh_and_erratic_judges_flagged_no_honest_judge(seed):
    severity = np.zeros(8)
    severity[2] = -12.0
    noise = np.full(8, 4.0)
    noise[5] = 16.0
    scores, _ = simulate_panel(seed, severity=severity, noise_sd=noise)
    analysis = analyse(scores)
    flags = analysis.flags
    assert flags.judge_ids("harsh") == ["J2"]
    assert "J5" in flags.judge_ids("inconsistent")
    assert set(flags.judge_ids()) <= {"J2", "J5"}
    harsh = next(f for f in flags.judges if f.kind == "harsh")
    assert harsh.reason.startswith("Chấm chặt tay hơn mặt bằng chung")
    erratic = next(f for f in flags.judges if f.kind == "inconsistent")
    assert erratic.reason.startswith("Chấm thiếu nhất quán")
    fit = analysis.fit
    assert fit.residual_sd["J5"] > 2.5 * np.median(list(fit.residual_sd.values()))
    assert fit.misfit["J5"] > 1.5


def test_lenient_judge_flagged():
    severity = np.zeros(8)
    severity[4] = 10.0
    scores, _ = simulate_panel(7, severity=severity)
    flags = analyse(scores).flags
    assert flags.judge_ids() == ["J4"]
    assert flags.judges[0].kind == "lenient"
    assert flags.judges[0].reason.startswith("Chấm lỏng tay")


def test_honest_panel_has_no_judge_flags():
    for seed in range(3):
        scores, _ = simulate_panel(100 + seed)
        assert analyse(scores).flags.judges == []


def test_minimum_judge_guard_skips_small_panels():
    severity = [-12.0, 0.0, 0.0, 0.0]
    scores, _ = simulate_panel(3, n_entries=30, n_judges=4, severity=severity)
    flags = analyse(scores).flags
    assert flags.judges == []
    assert any("cần ít nhất 5" in note for note in flags.notes)


def test_disagreement_flag_with_vietnamese_reason():
    scores = sheets("A", [60, 84.5, 70]) + sheets("B", [60, 80, 70]) + sheets("C", [70])
    results = official_results(scores)
    flags = check_flags(scores, results, severity_model(scores))
    reasons = {(f.entry_id, f.kind): f.reason for f in flags.rescore}
    assert reasons[("A", "disagreement")] == "Chênh lệch giữa các giám khảo 24,5 điểm > 20"
    assert ("B", "disagreement") not in reasons  # exactly 20 is not more than 20
    assert reasons[("C", "few_judges")] == "Chỉ có 1 giám khảo chấm (cần ít nhất 2)"
    assert flags.rescore_entry_ids == ["A", "C"]
    stricter = check_flags(scores, results, severity_model(scores), disagreement_threshold=15)
    assert {f.entry_id for f in stricter.rescore if f.kind == "disagreement"} == {"A", "B"}


def test_prize_boundary_list():
    # 40 entries with distinct scores 100, 99, ..., 61.
    scores = [Score(f"E{i:02d}", "J1", 100 - i) for i in range(40)]
    analysis = analyse(scores, prize_boundaries=(2, 6, 12, 30), boundary_margin=1)
    flagged = [(f.position, f.boundary) for f in analysis.flags.boundary]
    assert flagged == [(2, 2), (3, 2), (6, 6), (7, 6), (12, 12), (13, 12), (30, 30), (31, 30)]
    assert analysis.flags.extra_judging_entry_ids[:2] == ["E01", "E02"]
    assert all(f.reason.startswith("Cần chấm thêm") for f in analysis.flags.boundary)
    # A points margin: within 1.5 points of the cut between 6 and 7 (cut at 94.5).
    by_points = analyse(
        scores, prize_boundaries=(6,), boundary_margin=0, boundary_points=1.5
    ).flags.boundary
    assert [f.position for f in by_points] == [5, 6, 7, 8]
    assert "cách điểm cắt" in by_points[0].reason


def test_prize_boundary_tie_straddling_the_cut():
    totals = [95, 90, 90, 90, 80, 70]
    scores = [Score(f"E{i}", "J1", t) for i, t in enumerate(totals)]
    boundary = analyse(scores, prize_boundaries=(2,), boundary_margin=0).flags.boundary
    assert [f.entry_id for f in boundary] == ["E1", "E2", "E3"]
    assert all("đồng hạng 2" in f.reason for f in boundary)


def test_sheet_criteria_must_add_up():
    scores = [
        Score("A", "J1", 85, {"c1": 40, "c2": 44.5}),
        Score("A", "J2", 80, {"c1": 40, "c2": 40}),
    ]
    flags = analyse(scores).flags
    assert len(flags.sheets) == 1
    assert flags.sheets[0].judge_id == "J1"
    assert flags.sheets[0].reason == "Tổng điểm 85 không khớp tổng điểm các tiêu chí 84,5"


def test_analyse_bundles_everything():
    scores, _ = simulate_panel(9)
    panel_of = {f"E{e}": ("P1" if e < 30 else "P2") for e in range(60)}
    analysis = analyse(
        scores, rule="trimmed_mean", panel_of_entry=panel_of, prize_boundaries=(2, 6, 12)
    )
    assert analysis.rule == "trimmed_mean"
    assert len(analysis.results) == 60 and len(analysis.ranking) == 60
    assert analysis.ranking[0].rank == 1
    assert set(analysis.reliability) == {"P1", "P2"}
    assert analysis.reliability["P1"]["icc1"] > 0.7
    assert analysis.fit.connected
    assert analysis.flags.boundary
    default_groups = analyse(scores).reliability
    assert list(default_groups) == [0]


def test_format_points():
    assert format_points(24.5) == "24,5"
    assert format_points(20.0) == "20"
    assert format_points(Decimal("84.125")) == "84,13"
    assert format_points(-3.25) == "-3,25"
