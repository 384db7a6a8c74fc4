"""Inter-rater reliability of a judging panel (numpy only, no database, no Flask).

Two coefficients are offered, both computed from the judges' *totals*:

* ``icc1`` - ICC(1) of Shrout & Fleiss (1979), "ICC(1,1)": one-way random effects,
  reliability of a *single* judge's score.  Every entry is scored by its own set of
  judges, which is exactly the one-way design, so it fits contest panels where each
  entry gets a different triple of judges.
* ``krippendorff_alpha_interval`` - Krippendorff's alpha with the interval metric,
  which tolerates missing values and any number of judges per entry.

Both are close to each other on balanced data; alpha corrects for small samples.
Values near 1 mean the judges agree on which entries are better; values near 0 mean the
spread between entries is no larger than the disagreement between judges.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

__all__ = [
    "icc1",
    "krippendorff_alpha_interval",
    "panel_reliability",
]


class _ScoreLike(Protocol):
    entry_id: Hashable
    judge_id: Hashable
    total: Any


def _rows(matrix: Any) -> list[np.ndarray]:
    """Rows of a ragged or NaN-padded matrix as 1-D float arrays without missing values."""
    if isinstance(matrix, np.ndarray) and matrix.ndim == 2:
        raw_rows: Iterable[Any] = list(matrix)
    else:
        raw_rows = matrix
    rows = []
    for row in raw_rows:
        values = [
            float(v) for v in row if v is not None and not (isinstance(v, float) and math.isnan(v))
        ]
        arr = np.asarray(values, dtype=float)
        if arr.size and not np.all(np.isfinite(arr)):
            raise ValueError("Điểm phải là số hữu hạn")
        rows.append(arr)
    return rows


def icc1(matrix: Any) -> float:
    """ICC(1) - one-way random effects, single rater (Shrout & Fleiss ICC(1,1)).

    ``matrix``: entries x judge-slots; a 2-D array with ``NaN`` for empty slots, or a list
    of rows of possibly different lengths (``None``/``NaN`` allowed).  Slot order does not
    matter (one-way model).  Rows with fewer than two values are dropped: they carry no
    information about the within-entry disagreement.

    Unequal numbers of judges per entry are handled with the unbalanced one-way ANOVA:
    MSB = SSB / (n - 1), MSW = SSW / (N - n) and the "average" group size

        k0 = (N - sum(k_i**2) / N) / (n - 1)

    (Snedecor & Cochran; the usual ICC(1) for unbalanced groups), giving
    ICC(1) = (MSB - MSW) / (MSB + (k0 - 1) * MSW).  With equal k this is exactly
    Shrout & Fleiss' formula.  Returns ``nan`` when it is undefined (fewer than two usable
    entries, or no variation at all).  The value may be negative (judges disagree more
    than entries differ).
    """
    rows = [r for r in _rows(matrix) if r.size >= 2]
    n = len(rows)
    if n < 2:
        return math.nan
    sizes = np.array([r.size for r in rows], dtype=float)
    total_n = sizes.sum()
    means = np.array([r.mean() for r in rows])
    grand = float(np.concatenate(rows).mean())
    ssb = float(np.sum(sizes * (means - grand) ** 2))
    ssw = float(sum(float(np.sum((r - m) ** 2)) for r, m in zip(rows, means, strict=True)))
    msb = ssb / (n - 1)
    msw = ssw / (total_n - n)
    k0 = (total_n - float(np.sum(sizes**2)) / total_n) / (n - 1)
    denominator = msb + (k0 - 1.0) * msw
    if denominator <= 0.0 or not math.isfinite(denominator):
        return math.nan
    return float((msb - msw) / denominator)


def krippendorff_alpha_interval(units: Iterable[Sequence[Any]]) -> float:
    """Krippendorff's alpha, interval metric (squared difference).

    ``units``: one sequence of values per unit (entry), e.g. the judges' totals; missing
    values may be omitted or given as ``None``/``NaN``.  Units with fewer than two values
    are not pairable and are ignored (Krippendorff 2011).

    alpha = 1 - D_o / D_e with

        D_o = 1/n * sum_u 1/(m_u - 1) * sum_{c != k in u} (v_c - v_k)**2
        D_e = 1/(n (n - 1)) * sum_{c != k over all pairable values} (v_c - v_k)**2

    where n is the number of pairable values.  The pair sums are computed in closed form
    (sum_{c != k} (v_c - v_k)**2 = 2 m * sum (v - mean)**2).  Returns ``nan`` when
    undefined (no pairable unit, or every value identical so D_e = 0).
    """
    rows = [r for r in _rows(list(units)) if r.size >= 2]
    if not rows:
        return math.nan
    values = np.concatenate(rows)
    n = values.size
    if n < 2:
        return math.nan
    d_o = 0.0
    for r in rows:
        m = r.size
        d_o += 2.0 * m * float(np.sum((r - r.mean()) ** 2)) / (m - 1)
    d_o /= n
    d_e = 2.0 * n * float(np.sum((values - values.mean()) ** 2)) / (n * (n - 1))
    if d_e <= 0.0:
        return math.nan
    return 1.0 - d_o / d_e


def panel_reliability(
    scores: Iterable[_ScoreLike],
    panel_of_entry: Mapping[Hashable, Hashable],
) -> dict[Hashable, dict[str, float | int]]:
    """Reliability of each panel's judging.

    ``scores``: objects with ``entry_id``, ``judge_id`` and ``total`` (e.g.
    :class:`judging.aggregation.Score`).  ``panel_of_entry`` maps entry id to panel;
    entries missing from it are grouped under the key ``None``.

    Returns ``{panel: {"icc1": float, "alpha": float, "n_entries": int, "n_judges": int}}``
    (``n_entries`` counts all scored entries of the panel, ``n_judges`` the distinct
    judges; the coefficients use entries with at least two scores and are ``nan`` when
    undefined).
    """
    by_panel: dict[Hashable, dict[Hashable, list[float]]] = defaultdict(dict)
    judges: dict[Hashable, dict[Hashable, None]] = defaultdict(dict)
    for s in scores:
        panel = panel_of_entry.get(s.entry_id)
        by_panel[panel].setdefault(s.entry_id, []).append(float(s.total))
        judges[panel][s.judge_id] = None
    out: dict[Hashable, dict[str, float | int]] = {}
    for panel, entries in by_panel.items():
        units = list(entries.values())
        out[panel] = {
            "icc1": icc1(units),
            "alpha": krippendorff_alpha_interval(units),
            "n_entries": len(units),
            "n_judges": len(judges[panel]),
        }
    return out
