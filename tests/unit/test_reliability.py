"""Inter-rater reliability: ICC(1) and Krippendorff's alpha (interval)."""

import math

import numpy as np
import pytest

from judging.aggregation import Score
from judging.reliability import icc1, krippendorff_alpha_interval, panel_reliability

NAN = math.nan

# Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
# reliability. Psychological Bulletin 86(2), 420-428.  Table 2: 6 targets x 4 judges;
# Table 4 reports ICC(1,1) = .17.  Exact value: 0.1657 (also what R psych::ICC gives).
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School
# for Communication, University of Pennsylvania (the same example is in Krippendorff,
# Content Analysis, ch. 12).  Reliability data: 4 observers (rows) x 12 units (columns),
# missing values allowed; published alpha: nominal .743, ordinal .815, interval .849,
# ratio .797.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]

# Wikipedia "Krippendorff's alpha" computational example (3 coders x 15 units); the
# interval value 0.810845 is the one asserted by the `krippendorff` PyPI package's tests.
WIKIPEDIA = [
    [NAN, NAN, NAN, NAN, NAN, 3, 4, 1, 2, 1, 1, 3, 3, NAN, 3],
    [1, NAN, 2, 1, 3, 3, 4, 3, NAN, NAN, NAN, NAN, NAN, NAN, NAN],
    [NAN, NAN, 2, 1, 3, 4, 4, NAN, 2, 1, 1, 3, 3, NAN, 4],
]


def test_icc1_shrout_fleiss_published_value():
    assert icc1(SHROUT_FLEISS) == pytest.approx(0.1657, abs=5e-5)
    assert round(icc1(np.array(SHROUT_FLEISS, dtype=float)), 2) == 0.17


def test_icc1_perfect_agreement_is_one():
    assert icc1([[70, 70, 70], [80, 80, 80], [55, 55, 55]]) == pytest.approx(1.0)


def test_icc1_unbalanced_rows_and_nan_padding_agree():
    ragged = [[70, 72, 69], [80, 83], [60, 58, 61, 59], [75]]
    padded = np.array(
        [[70, 72, 69, NAN], [80, 83, NAN, NAN], [60, 58, 61, 59], [75, NAN, NAN, NAN]]
    )
    assert icc1(ragged) == pytest.approx(icc1(padded))
    # The single-score row is dropped: same as leaving it out.
    assert icc1(ragged) == pytest.approx(icc1(ragged[:3]))
    assert 0.8 < icc1(ragged) <= 1.0


def test_icc1_undefined_cases():
    assert math.isnan(icc1([[1, 2, 3]]))
    assert math.isnan(icc1([[5, 5], [5, 5]]))


def test_alpha_krippendorff_textbook_example():
    units = np.array(KRIPPENDORFF_2011, dtype=float).T
    assert round(krippendorff_alpha_interval(units), 3) == 0.849


def test_alpha_wikipedia_example():
    units = np.array(WIKIPEDIA, dtype=float).T
    assert krippendorff_alpha_interval(units) == pytest.approx(0.810845, abs=1e-6)


def test_alpha_sanity_cases():
    assert krippendorff_alpha_interval([[1, 1, 1], [2, 2], [5, 5, 5, 5]]) == 1.0
    # Units with fewer than two values are ignored.
    assert krippendorff_alpha_interval([[1, 1], [2, 2], [9], [None, 3, 3]]) == 1.0
    assert math.isnan(krippendorff_alpha_interval([[1], [2]]))
    assert math.isnan(krippendorff_alpha_interval([[4, 4], [4, 4]]))
    # Disagreement as large as the spread between units -> alpha near 0 or below.
    assert krippendorff_alpha_interval([[1, 9], [9, 1], [1, 9], [9, 1]]) < 0


def test_alpha_and_icc_close_on_balanced_noisy_data():
    rng = np.random.default_rng(3)
    quality = rng.normal(70, 10, 200)
    matrix = quality[:, None] + rng.normal(0, 5, (200, 3))
    true_icc = 100 / (100 + 25)
    assert icc1(matrix) == pytest.approx(true_icc, abs=0.06)
    assert krippendorff_alpha_interval(matrix) == pytest.approx(icc1(matrix), abs=0.01)


def test_panel_reliability_groups_by_panel():
    scores = []
    for e, base in enumerate([60, 70, 80, 90]):
        for j, noise in enumerate([-1, 0, 1]):
            scores.append(Score(f"A{e}", f"JA{j}", base + noise))
            scores.append(Score(f"B{e}", f"JB{j}", 75 + (noise * 10 if e % 2 else -noise * 10)))
    panel_of = {f"A{e}": "A" for e in range(4)} | {f"B{e}": "B" for e in range(4)}
    out = panel_reliability(scores, panel_of)
    assert set(out) == {"A", "B"}
    assert out["A"]["n_entries"] == 4 and out["A"]["n_judges"] == 3
    assert out["A"]["icc1"] > 0.95 and out["A"]["alpha"] > 0.95
    assert out["B"]["icc1"] < 0.2 and out["B"]["alpha"] < 0.2
