"""Pure judging math: official results, ranking, judge-severity model and review flags.

No Flask, no database: plain dataclasses in, plain dataclasses out.

* :func:`official_results` - the official score of each entry under the Vietnamese
  convention (mean of the judges' totals; optionally drop one highest and one lowest
  total when enough judges scored the entry).  Arithmetic is exact (fractions of the
  decimal totals) and the published score is rounded to 2 decimals ROUND_HALF_UP.
* :func:`rank` - standard competition ranking (1, 2, 2, 4).
* :func:`severity_model` - additive model ``total = mu + entry + judge + noise`` fitted by
  least squares per connected component of the entry-judge graph.  Advisory only: the
  official result stays the mean.
* :func:`check_flags` - entries to re-score, judges who stand out, entries near a prize
  boundary, score sheets whose criteria do not add up.
* :func:`analyse` - everything above in one call.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from judging.reliability import panel_reliability

__all__ = [
    "Analysis",
    "BoundaryFlag",
    "Component",
    "EntryFlag",
    "EntryResult",
    "Flags",
    "JudgeFlag",
    "RankedEntry",
    "Score",
    "SeverityFit",
    "SheetFlag",
    "analyse",
    "check_flags",
    "criterion_tie_break",
    "format_points",
    "official_results",
    "rank",
    "severity_model",
]

Rule = Literal["mean", "trimmed_mean"]
_MAD_TO_SD = 1.4826  # MAD of a normal sample times this estimates its SD


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class Score:
    """One judge's score sheet for one entry: the total and optional per-criterion points."""

    entry_id: Hashable
    judge_id: Hashable
    total: float | int | Decimal
    criteria: Mapping[str, float] | None = None


# --------------------------------------------------------------------------- helpers


# Exact decimal arithmetic for sums of typed-in points (60 digits never round them).
_EXACT = Context(prec=60, rounding=ROUND_HALF_UP)


def _decimal(value: Any) -> Decimal:
    """Exact decimal value of a typed-in score (floats via their shortest repr, i.e. what
    was typed: 85.1 -> Decimal('85.1'), not the binary approximation)."""
    if isinstance(value, bool):
        raise TypeError("Điểm phải là số")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, int | str):
        result = Decimal(value)
    else:
        raise TypeError("Điểm phải là số")
    if not result.is_finite():
        raise ValueError("Điểm phải là số hữu hạn")
    return result


def _dsum(values: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for v in values:
        total = _EXACT.add(total, v)
    return total


def _fraction(value: Any) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(_decimal(value))


def _round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """Round an exact fraction to ``places`` decimals, halves away from zero."""
    scale = 10**places
    magnitude = abs(value) * scale
    rounded = math.floor(magnitude + Fraction(1, 2))
    signed = -rounded if value < 0 else rounded
    return (Decimal(signed) / Decimal(scale)).quantize(Decimal(1).scaleb(-places))


def format_points(value: float | Fraction | Decimal, places: int = 2) -> str:
    """Vietnamese number format for messages: decimal comma, no trailing zeros (24,5)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "—"
    exact = _fraction(value)
    text = f"{_round_half_up(exact, places):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.replace(".", ",")


def _id_sort_key(value: Hashable) -> tuple[int, Any]:
    """Deterministic order for ids that may be ints or strings."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value))


def _check_unique(scores: Sequence[Score]) -> None:
    seen: set[tuple[Hashable, Hashable]] = set()
    for s in scores:
        key = (s.entry_id, s.judge_id)
        if key in seen:
            raise ValueError(f"Giám khảo {s.judge_id} chấm bài {s.entry_id} nhiều hơn một lần")
        seen.add(key)


# --------------------------------------------------------------------------- official results


@dataclass(frozen=True, slots=True)
class EntryResult:
    """Official result of one entry.

    ``score`` is the published score (2 decimals, ROUND_HALF_UP); ``score_exact`` is the
    unrounded value.  ``judge_totals`` keeps every judge's total (also the dropped ones);
    ``dropped`` names the judges whose totals the trimmed mean left out.  ``criteria``
    is the mean per criterion over the judges counted in the score (``None`` when no
    sheet had criteria).
    """

    entry_id: Hashable
    score: Decimal
    score_exact: float
    n_judges: int
    min: float
    max: float
    spread: float
    median: float
    judge_totals: dict[Hashable, float]
    rule_applied: Rule
    dropped: tuple[Hashable, ...] = ()
    criteria: dict[str, float] | None = None


def official_results(
    scores: Iterable[Score],
    rule: Rule = "mean",
    trim_min_judges: int = 5,
) -> dict[Hashable, EntryResult]:
    """Official score of every entry.

    ``rule="mean"``: mean of the judges' totals (the usual Vietnamese rule).
    ``rule="trimmed_mean"``: drop one highest and one lowest total, then the mean - but
    only for entries with at least ``trim_min_judges`` judges; other entries get the mean.
    Raises ``ValueError`` on an unknown rule or a judge scoring the same entry twice.
    """
    if rule not in ("mean", "trimmed_mean"):
        raise ValueError(f"Unknown rule {rule!r}")
    if trim_min_judges < 3:
        raise ValueError("trim_min_judges must be at least 3")
    scores = list(scores)
    _check_unique(scores)
    by_entry: dict[Hashable, list[Score]] = {}
    for s in scores:
        by_entry.setdefault(s.entry_id, []).append(s)

    results: dict[Hashable, EntryResult] = {}
    for entry_id, sheets in by_entry.items():
        exact = [_decimal(s.total) for s in sheets]
        kept = list(range(len(sheets)))
        dropped: tuple[Hashable, ...] = ()
        applied: Rule = "mean"
        if rule == "trimmed_mean" and len(sheets) >= trim_min_judges:
            hi = max(kept, key=lambda i: (exact[i], -i))  # first of the highest
            lo = min(kept, key=lambda i: (exact[i], i))  # first of the lowest
            kept = [i for i in kept if i not in (hi, lo)]
            dropped = (sheets[hi].judge_id, sheets[lo].judge_id)
            applied = "trimmed_mean"
        mean = Fraction(_dsum(exact[i] for i in kept)) / len(kept)
        lo_v, hi_v = min(exact), max(exact)
        criteria = _criteria_means([sheets[i] for i in kept])
        results[entry_id] = EntryResult(
            entry_id=entry_id,
            score=_round_half_up(mean),
            score_exact=float(mean),
            n_judges=len(sheets),
            min=float(lo_v),
            max=float(hi_v),
            spread=float(_EXACT.subtract(hi_v, lo_v)),
            median=float(statistics.median(Fraction(x) for x in exact)),
            judge_totals={s.judge_id: float(x) for s, x in zip(sheets, exact, strict=True)},
            rule_applied=applied,
            dropped=dropped,
            criteria=criteria,
        )
    return results


def _criteria_means(sheets: Sequence[Score]) -> dict[str, float] | None:
    sums: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    for s in sheets:
        if not s.criteria:
            continue
        for name, points in s.criteria.items():
            sums[name] = _EXACT.add(sums.get(name, Decimal(0)), _decimal(points))
            counts[name] = counts.get(name, 0) + 1
    if not sums:
        return None
    return {name: float(total / counts[name]) for name, total in sums.items()}


# --------------------------------------------------------------------------- ranking


@dataclass(frozen=True, slots=True)
class RankedEntry:
    """One line of the ranking.  ``position`` is 1..n in list order, ``rank`` the
    competition rank (equal for ties), ``tied`` says whether another entry shares it."""

    rank: int
    position: int
    entry_id: Hashable
    score: Decimal
    tied: bool
    result: EntryResult


def criterion_tie_break(*criteria: str) -> Callable[[EntryResult], tuple[float, ...]]:
    """Tie-break key: higher mean points on ``criteria[0]``, then ``criteria[1]``, ...

    (Contest rules often break ties on the creativity or applicability criterion.)
    Missing criteria count as minus infinity.
    """

    def key(result: EntryResult) -> tuple[float, ...]:
        means = result.criteria or {}
        return tuple(means.get(c, -math.inf) for c in criteria)

    return key


def rank(
    results: Mapping[Hashable, EntryResult] | Iterable[EntryResult],
    tie_break: Callable[[EntryResult], Any] | None = None,
) -> list[RankedEntry]:
    """Rank by the published (rounded) score, best first, standard competition ranking.

    Entries with equal published scores share a rank and the next rank skips
    (1, 2, 2, 4).  ``tie_break``, if given, maps an :class:`EntryResult` to a comparable
    key where *larger is better*; entries equal on score and key stay tied.  Tied entries
    are listed in a deterministic id order.
    """
    items = list(results.values()) if isinstance(results, Mapping) else list(results)

    def full_key(r: EntryResult) -> tuple[Decimal, Any]:
        return (r.score, tie_break(r) if tie_break is not None else 0)

    def compare(a: EntryResult, b: EntryResult) -> int:
        ka, kb = full_key(a), full_key(b)
        if ka != kb:
            return -1 if ka > kb else 1
        ia, ib = _id_sort_key(a.entry_id), _id_sort_key(b.entry_id)
        return -1 if ia < ib else (1 if ia > ib else 0)

    ordered = sorted(items, key=functools.cmp_to_key(compare))
    keys = [full_key(r) for r in ordered]
    ranked: list[RankedEntry] = []
    current_rank = 0
    for position, (result, key) in enumerate(zip(ordered, keys, strict=True), start=1):
        if position == 1 or key != keys[position - 2]:
            current_rank = position
        tied = (position > 1 and keys[position - 2] == key) or (
            position < len(keys) and keys[position] == key
        )
        ranked.append(
            RankedEntry(
                rank=current_rank,
                position=position,
                entry_id=result.entry_id,
                score=result.score,
                tied=tied,
                result=result,
            )
        )
    return ranked


# --------------------------------------------------------------------------- severity model


@dataclass(frozen=True, slots=True)
class Component:
    """A connected part of the entry-judge graph.  Judge severities and adjusted scores
    are only comparable inside one component."""

    index: int
    entry_ids: tuple[Hashable, ...]
    judge_ids: tuple[Hashable, ...]
    n_scores: int
    mu: float  # mean adjusted score of the component's entries


@dataclass(frozen=True)
class SeverityFit:
    """Result of :func:`severity_model`.

    * ``adjusted[e]`` - the entry's score with judge effects removed, on the scale of
      the mean of totals (what an average judge *of its component* would give).
    * ``entry_effect[e]`` - ``adjusted[e] - mu`` of its component.
    * ``severity[j]`` - additive judge effect in points, summing to zero over the judges
      of a component: negative = harsher than the panel (chấm chặt tay), positive =
      more lenient.  ``severity_se[j]`` its standard error.
    * ``residual_sd[j]`` - the judge's own noise SD (consistency) estimated from the
      residuals, with the spill-over of co-judges' noise removed; ``nan`` when not
      estimable (e.g. the judge only scored entries nobody else scored).
    * ``misfit[j]`` - standardized residual RMS: sqrt(mean(e**2 / E[e**2])) with the
      pooled sigma; about 1 for a typical judge, larger for erratic ones.
    * ``residual_df[j]`` - the judge's share of residual degrees of freedom,
      sum over its scores of (1 - 1/n_entry_judges).
    * ``sigma`` pooled residual SD, ``df`` residual degrees of freedom.
    """

    adjusted: dict[Hashable, float]
    entry_effect: dict[Hashable, float]
    severity: dict[Hashable, float]
    severity_se: dict[Hashable, float]
    residual_sd: dict[Hashable, float]
    misfit: dict[Hashable, float]
    n_scores: dict[Hashable, int]
    residual_df: dict[Hashable, float]
    residuals: dict[tuple[Hashable, Hashable], float]
    sigma: float
    df: int
    components: tuple[Component, ...]
    component_of_entry: dict[Hashable, int]
    component_of_judge: dict[Hashable, int]
    connected: bool


def _components(n_entries: int, n_judges: int, ei: np.ndarray, ji: np.ndarray) -> np.ndarray:
    """Union-find over entry nodes 0..E-1 and judge nodes E..E+J-1; returns root labels."""
    parent = list(range(n_entries + n_judges))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for e, j in zip(ei.tolist(), ji.tolist(), strict=True):
        ra, rb = find(e), find(n_entries + j)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(x) for x in range(n_entries + n_judges)], dtype=np.int64)


def severity_model(scores: Iterable[Score]) -> SeverityFit:
    """Fit ``total = mu + entry_effect + judge_severity + noise`` by least squares.

    The entry effects are eliminated exactly (each entry level is the mean of its totals
    corrected for its judges' severities), which leaves a small judges x judges system
    ``L b = r`` (a weighted graph Laplacian).  It is solved once for all components with
    one sum-to-zero constraint per connected component of the bipartite entry-judge
    graph (a bordered linear system), so cost is O(scores + judges**3): 560 entries x 3
    judges take a few milliseconds.

    Adjusted scores and severities are the plain (unweighted) least-squares fit, the
    transparent one to publish.  Per-judge noise SDs come from a heteroscedastic refit
    (weights 1/variance per judge, iterated; see :func:`_judge_variances`): with equal
    weights an erratic judge's errors leak into the residuals of every co-judge, and
    honest judges sharing entries with them would look erratic too.
    """
    scores = list(scores)
    _check_unique(scores)
    entry_index: dict[Hashable, int] = {}
    judge_index: dict[Hashable, int] = {}
    for s in scores:
        entry_index.setdefault(s.entry_id, len(entry_index))
        judge_index.setdefault(s.judge_id, len(judge_index))
    entry_ids = list(entry_index)
    judge_ids = list(judge_index)
    n_e, n_j, n_s = len(entry_ids), len(judge_ids), len(scores)
    if n_s == 0:
        return SeverityFit({}, {}, {}, {}, {}, {}, {}, {}, {}, math.nan, 0, (), {}, {}, True)

    ei = np.fromiter((entry_index[s.entry_id] for s in scores), dtype=np.int64, count=n_s)
    ji = np.fromiter((judge_index[s.judge_id] for s in scores), dtype=np.int64, count=n_s)
    y = np.fromiter((float(_decimal(s.total)) for s in scores), dtype=float, count=n_s)

    # Connected components (labelled 0..C-1 in order of first entry).
    roots = _components(n_e, n_j, ei, ji)
    label_of_root: dict[int, int] = {}
    for r in roots[:n_e].tolist():
        label_of_root.setdefault(r, len(label_of_root))
    comp_e = np.array([label_of_root[r] for r in roots[:n_e].tolist()], dtype=np.int64)
    comp_j = np.array([label_of_root[r] for r in roots[n_e:].tolist()], dtype=np.int64)
    n_c = len(label_of_root)

    n_per_entry = np.bincount(ei, minlength=n_e).astype(float)
    n_per_judge = np.bincount(ji, minlength=n_j).astype(float)
    inv_n = 1.0 / n_per_entry
    pairable = n_per_entry[ei] > 1
    count_pairable = np.bincount(ji, weights=pairable.astype(float), minlength=n_j)

    design = _Design.build(ei, ji, n_e, n_j, comp_j, n_c)

    # Ordinary least squares: the published adjusted scores and severities.
    ols = _weighted_fit(design, y, np.ones(n_j))
    b, theta, resid, green = ols.b, ols.theta, ols.resid, ols.green

    # Degrees of freedom: scores - entries - sum over components of (judges - 1).
    df = int(n_s - n_e - (n_j - n_c))
    sse = float(resid @ resid)
    sigma2 = sse / df if df > 0 else math.nan
    sigma = math.sqrt(sigma2) if df > 0 else math.nan
    judge_df = np.bincount(ji, weights=1.0 - inv_n[ei], minlength=n_j)

    variances = np.full(n_j, math.nan)
    if df > 0 and sigma2 > 0:
        variances = _judge_variances(design, y, sigma2, count_pairable > 0)
    elif df > 0:
        variances = np.where(count_pairable > 0, 0.0, math.nan)
    residual_sd = np.sqrt(variances)

    # Standard errors of the OLS severities: b = G M y with Cov(y) = diag(v_judge(s)).
    score_var = variances[ji]
    score_var = np.where(np.isfinite(score_var), score_var, sigma2 if df > 0 else 0.0)
    # r_j = sum over the judge's scores of (y_s - entry mean), so with C the judge x
    # entry incidence: Cov(r) = diag(sum v) - A - A^T + C diag(V_i / n_i^2) C^T,
    # A = C_v diag(1/n) C^T; all as sums over pairs of scores sharing an entry.
    var_per_entry = np.bincount(ei, weights=score_var, minlength=n_e)
    a = design.gram(score_var[design.pair_s] * inv_n[design.pair_entry])
    cov_r = (
        np.diag(np.bincount(ji, weights=score_var, minlength=n_j))
        - a
        - a.T
        + design.gram((var_per_entry * inv_n**2)[design.pair_entry])
    )
    cov_b = green @ cov_r @ green.T
    severity_se = np.sqrt(np.clip(np.diag(cov_b), 0.0, None))

    # Misfit: standardized residual RMS with the pooled variance.
    expected = sigma2 * (1.0 - inv_n[ei]) if df > 0 else np.zeros(n_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        z2 = np.where(pairable & (expected > 0), resid**2 / expected, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        misfit = np.sqrt(np.bincount(ji, weights=z2, minlength=n_j) / count_pairable)
    misfit = np.where(count_pairable > 0, misfit, math.nan)
    if not df > 0:
        misfit[:] = math.nan

    components = []
    for c in range(n_c):
        e_idx = np.flatnonzero(comp_e == c)
        j_idx = np.flatnonzero(comp_j == c)
        components.append(
            Component(
                index=c,
                entry_ids=tuple(entry_ids[i] for i in e_idx.tolist()),
                judge_ids=tuple(judge_ids[j] for j in j_idx.tolist()),
                n_scores=int(n_per_judge[j_idx].sum()),
                mu=float(theta[e_idx].mean()),
            )
        )
    mu_of_entry = np.array([components[c].mu for c in comp_e.tolist()])
    return SeverityFit(
        adjusted=dict(zip(entry_ids, theta.tolist(), strict=True)),
        entry_effect=dict(zip(entry_ids, (theta - mu_of_entry).tolist(), strict=True)),
        severity=dict(zip(judge_ids, b.tolist(), strict=True)),
        severity_se=dict(zip(judge_ids, severity_se.tolist(), strict=True)),
        residual_sd=dict(zip(judge_ids, residual_sd.tolist(), strict=True)),
        misfit=dict(zip(judge_ids, misfit.tolist(), strict=True)),
        n_scores={j: int(n) for j, n in zip(judge_ids, n_per_judge.tolist(), strict=True)},
        residual_df=dict(zip(judge_ids, judge_df.tolist(), strict=True)),
        residuals={
            (s.entry_id, s.judge_id): float(r) for s, r in zip(scores, resid.tolist(), strict=True)
        },
        sigma=sigma,
        df=df,
        components=tuple(components),
        component_of_entry=dict(zip(entry_ids, comp_e.tolist(), strict=True)),
        component_of_judge=dict(zip(judge_ids, comp_j.tolist(), strict=True)),
        connected=n_c <= 1,
    )


@dataclass(frozen=True, slots=True)
class _Solved:
    b: np.ndarray  # judge effects
    theta: np.ndarray  # entry levels (mu + entry effect)
    resid: np.ndarray
    green: np.ndarray  # b = green @ rhs
    leverage: np.ndarray  # w_s / W_entry: share of the score in its entry's level


@dataclass(frozen=True, slots=True)
class _Design:
    """Index arrays of the design.  Judge x judge sums over entries (C diag(x) C^T) are
    done with ``bincount`` over the pairs of scores that share an entry (sum of n_i^2
    pairs) instead of dense matrix products: no BLAS threads, which on a busy 2-core
    server made a 30 x 1,680 product take 100+ ms instead of 0.2 ms."""

    ei: np.ndarray
    ji: np.ndarray
    n_e: int
    n_j: int
    comp_j: np.ndarray
    n_c: int
    pair_s: np.ndarray  # first score of each pair (all ordered pairs, s == t included)
    pair_entry: np.ndarray
    pair_flat: np.ndarray  # judge(s) * n_j + judge(t)

    @staticmethod
    def build(
        ei: np.ndarray, ji: np.ndarray, n_e: int, n_j: int, comp_j: np.ndarray, n_c: int
    ) -> _Design:
        order = np.argsort(ei, kind="stable")
        sizes = np.bincount(ei, minlength=n_e)
        group_start = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        sizes_sorted = sizes[ei[order]]
        rep = np.repeat(np.arange(ei.size), sizes_sorted)
        within = np.arange(rep.size) - np.repeat(
            np.cumsum(sizes_sorted) - sizes_sorted, sizes_sorted
        )
        pair_s = order[rep]
        pair_t = order[group_start[ei[pair_s]] + within]
        return _Design(
            ei=ei,
            ji=ji,
            n_e=n_e,
            n_j=n_j,
            comp_j=comp_j,
            n_c=n_c,
            pair_s=pair_s,
            pair_entry=ei[pair_s],
            pair_flat=ji[pair_s] * n_j + ji[pair_t],
        )

    def gram(self, pair_weights: np.ndarray) -> np.ndarray:
        """sum over pairs (s, t) sharing an entry of weight * e_judge(s) e_judge(t)^T."""
        flat = np.bincount(self.pair_flat, weights=pair_weights, minlength=self.n_j**2)
        return flat.reshape(self.n_j, self.n_j)


def _weighted_fit(design: _Design, y: np.ndarray, judge_weight: np.ndarray) -> _Solved:
    """Weighted least squares for y = theta_entry + b_judge with sum(b) = 0 per component.

    Eliminating theta leaves L b = r with L = diag(sum w) - C_w diag(1/W) C_w^T (a graph
    Laplacian on judges) and one zero-sum constraint per component (bordered system).
    """
    ei, ji, n_e, n_j, n_c = design.ei, design.ji, design.n_e, design.n_j, design.n_c
    w = judge_weight[ji]
    w_entry = np.bincount(ei, weights=w, minlength=n_e)
    mean_w = np.bincount(ei, weights=w * y, minlength=n_e) / w_entry
    pair_w = w[design.pair_s] * judge_weight[design.pair_flat % n_j]
    laplacian = np.diag(np.bincount(ji, weights=w, minlength=n_j)) - design.gram(
        pair_w / w_entry[design.pair_entry]
    )
    rhs = np.bincount(ji, weights=w * (y - mean_w[ei]), minlength=n_j)
    z = np.zeros((n_j, n_c))
    z[np.arange(n_j), design.comp_j] = 1.0
    bordered = np.block([[laplacian, z], [z.T, np.zeros((n_c, n_c))]])
    try:
        inverse = np.linalg.inv(bordered)
    except np.linalg.LinAlgError:
        inverse = np.linalg.pinv(bordered)
    green = inverse[:n_j, :n_j]
    b = green @ rhs
    theta = np.bincount(ei, weights=w * (y - b[ji]), minlength=n_e) / w_entry
    resid = y - theta[ei] - b[ji]
    return _Solved(b, theta, resid, green, w / w_entry[ei])


def _judge_variances(
    design: _Design,
    y: np.ndarray,
    pooled: float,
    informative: np.ndarray,
    prior_df: float = 2.0,
    max_iter: int = 30,
) -> np.ndarray:
    """Per-judge noise variances of the heteroscedastic model (fixed-point / REML-like).

    Refit with weights 1/v_judge, so an erratic judge hardly moves the entry levels and
    its co-judges' residuals stay clean; then v_j = sum e^2 / sum (1 - h) over the
    judge's scores, h = w_s / W_entry.  ``prior_df`` pseudo-observations at the pooled
    variance keep a judge from collapsing to zero variance (which would give it all the
    weight).  ``nan`` for judges that only scored entries nobody else scored.
    """
    n_j, ji = design.n_j, design.ji
    v = np.full(n_j, pooled)
    for _ in range(max_iter):
        solved = _weighted_fit(design, y, 1.0 / v)
        one_minus_h = np.clip(1.0 - solved.leverage, 0.0, None)
        num = np.bincount(ji, weights=solved.resid**2, minlength=n_j) + prior_df * pooled
        den = np.bincount(ji, weights=one_minus_h, minlength=n_j) + prior_df
        new_v = np.maximum(num / den, 1e-9 * pooled)
        change = float(np.max(np.abs(np.log(new_v / v))))
        v = new_v
        if change < 1e-4:
            break
    return np.where(informative, v, math.nan)


# --------------------------------------------------------------------------- flags


@dataclass(frozen=True, slots=True)
class EntryFlag:
    """An entry to re-score.  ``kind``: "disagreement" (judges' totals too far apart) or
    "few_judges" (fewer judges than required)."""

    entry_id: Hashable
    kind: str
    value: float
    reason: str


@dataclass(frozen=True, slots=True)
class JudgeFlag:
    """A judge who stands out.  ``kind``: "harsh", "lenient" or "inconsistent";
    ``value`` is the severity (points) or residual SD; ``z`` the robust z-score."""

    judge_id: Hashable
    kind: str
    value: float
    z: float
    component: int
    reason: str


@dataclass(frozen=True, slots=True)
class BoundaryFlag:
    """An entry close to a prize boundary (``boundary`` = number of entries above the cut,
    e.g. 6 means the cut between positions 6 and 7)."""

    entry_id: Hashable
    position: int
    rank: int
    score: Decimal
    boundary: int
    reason: str


@dataclass(frozen=True, slots=True)
class SheetFlag:
    """A score sheet whose criteria do not add up to its total."""

    entry_id: Hashable
    judge_id: Hashable
    total: float
    criteria_sum: float
    reason: str


@dataclass
class Flags:
    """Everything :func:`check_flags` found; ``notes`` are Vietnamese remarks such as
    "too few judges to compare severities"."""

    rescore: list[EntryFlag] = field(default_factory=list)
    judges: list[JudgeFlag] = field(default_factory=list)
    boundary: list[BoundaryFlag] = field(default_factory=list)
    sheets: list[SheetFlag] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rescore_entry_ids(self) -> list[Hashable]:
        return list(dict.fromkeys(f.entry_id for f in self.rescore))

    @property
    def extra_judging_entry_ids(self) -> list[Hashable]:
        """Entries near a prize boundary, best first, each once."""
        return list(dict.fromkeys(f.entry_id for f in self.boundary))

    def judge_ids(self, kind: str | None = None) -> list[Hashable]:
        return list(
            dict.fromkeys(f.judge_id for f in self.judges if kind is None or f.kind == kind)
        )


def _robust_z(values: np.ndarray, own_se: np.ndarray) -> np.ndarray:
    """(x - median) / sqrt((1.4826 MAD)^2 + se^2).

    The denominator combines the spread of the panel with the judge's own estimation
    error, so a judge with few scores is not flagged for noise and a very even panel
    (tiny MAD) does not make small differences look large.
    """
    median = float(np.median(values))
    scale = _MAD_TO_SD * float(np.median(np.abs(values - median)))
    denominator = np.sqrt(scale**2 + own_se**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (values - median) / denominator
    return np.where(denominator > 0, z, 0.0)


def check_flags(
    scores: Iterable[Score],
    results: Mapping[Hashable, EntryResult],
    fit: SeverityFit,
    *,
    disagreement_threshold: float = 20.0,
    min_entry_judges: int = 2,
    severity_z: float = 2.0,
    misfit_z: float = 2.0,
    severity_min_effect: float = 1.0,
    misfit_min_ratio: float = 1.75,
    min_judges: int = 5,
    min_judge_scores: int = 5,
    prize_boundaries: Sequence[int] = (),
    boundary_margin: int = 2,
    boundary_points: float | None = None,
    ranking: Sequence[RankedEntry] | None = None,
    criteria_tolerance: float = 0.01,
) -> Flags:
    """Find what the panel chair should look at.

    * Re-scoring: entries whose judges' totals differ by more than
      ``disagreement_threshold`` points (max - min), and entries scored by fewer than
      ``min_entry_judges`` judges.
    * Judges (per connected component of ``fit``): robust z of the severity (see
      :func:`_robust_z`) beyond +/-``severity_z`` -> harsh/lenient; robust z of
      log(residual SD) above ``misfit_z`` -> inconsistent.  To keep false alarms rare
      (with z = 2 about one honest judge in 20 would otherwise be named), a judge is
      also required to differ in practice: severity at least ``severity_min_effect``
      times the median judge noise SD away from the median severity, residual SD at
      least ``misfit_min_ratio`` times the median.  Calibrated by simulation (60
      entries, 8 judges, 3 per entry, noise SD 4, 600 honest panels): a false judge
      flag in 0.8% of honest panels; a judge 6 points harsher is flagged in 94% of runs,
      one with twice the noise in about 50%, -12 points or 4x noise always.
      Only judges with at least
      ``min_judge_scores`` scores take part, and only components with at least
      ``min_judges`` such judges are judged at all (otherwise a note explains why).
    * Prize boundaries: ``prize_boundaries`` are cumulative counts of prizes, e.g.
      (2, 6, 12, 30) for 2 first, 4 second, 6 third, 18 consolation.  An entry is listed
      when its position is within ``boundary_margin`` places of a cut (that many on each
      side), when its score is within ``boundary_points`` points of the cut line (midway
      between the last entry above and the first below), or when a tie straddles the cut.
    * Sheets: criteria that do not add up to the total (tolerance ``criteria_tolerance``).
    """
    scores = list(scores)
    flags = Flags()
    threshold = _decimal(disagreement_threshold)

    # Entries to re-score.
    for entry_id, result in results.items():
        if result.n_judges < min_entry_judges:
            flags.rescore.append(
                EntryFlag(
                    entry_id,
                    "few_judges",
                    float(result.n_judges),
                    f"Chỉ có {result.n_judges} giám khảo chấm (cần ít nhất {min_entry_judges})",
                )
            )
        spread = _EXACT.subtract(_decimal(result.max), _decimal(result.min))
        if spread > threshold:
            flags.rescore.append(
                EntryFlag(
                    entry_id,
                    "disagreement",
                    result.spread,
                    f"Chênh lệch giữa các giám khảo {format_points(spread)} điểm "
                    f"> {format_points(threshold)}",
                )
            )

    if not fit.connected:
        flags.notes.append(
            f"Các bài được chấm bởi {len(fit.components)} nhóm giám khảo không có giám khảo "
            "chung: độ chặt tay và điểm hiệu chỉnh chỉ so sánh được trong từng nhóm"
        )
    _judge_flags(
        flags,
        fit,
        severity_z=severity_z,
        misfit_z=misfit_z,
        severity_min_effect=severity_min_effect,
        misfit_min_ratio=misfit_min_ratio,
        min_judges=min_judges,
        min_judge_scores=min_judge_scores,
    )

    if ranking is None:
        ranking = rank(results)
    _boundary_flags(flags, ranking, prize_boundaries, boundary_margin, boundary_points)

    tolerance = _decimal(criteria_tolerance)
    for s in scores:
        if not s.criteria:
            continue
        total = _decimal(s.total)
        criteria_sum = _dsum(_decimal(v) for v in s.criteria.values())
        if abs(_EXACT.subtract(total, criteria_sum)) > tolerance:
            flags.sheets.append(
                SheetFlag(
                    s.entry_id,
                    s.judge_id,
                    float(total),
                    float(criteria_sum),
                    f"Tổng điểm {format_points(total)} không khớp tổng điểm các tiêu chí "
                    f"{format_points(criteria_sum)}",
                )
            )
    return flags


def _judge_flags(
    flags: Flags,
    fit: SeverityFit,
    *,
    severity_z: float,
    misfit_z: float,
    severity_min_effect: float,
    misfit_min_ratio: float,
    min_judges: int,
    min_judge_scores: int,
) -> None:
    for component in fit.components:
        eligible = [j for j in component.judge_ids if fit.n_scores[j] >= min_judge_scores]
        if len(component.judge_ids) >= 2 and len(eligible) < len(component.judge_ids):
            few = [j for j in component.judge_ids if j not in eligible]
            flags.notes.append(
                f"Giám khảo {', '.join(map(str, few))} chấm dưới {min_judge_scores} bài, "
                "chưa đủ để đánh giá độ chặt tay"
            )
        if len(eligible) < min_judges:
            if len(component.judge_ids) >= 2:
                members = ", ".join(map(str, component.judge_ids[:8]))
                if len(component.judge_ids) > 8:
                    members += ", …"
                flags.notes.append(
                    f"Nhóm chấm số {component.index + 1} (giám khảo {members}) chỉ có "
                    f"{len(eligible)} giám khảo đủ số bài, cần ít nhất {min_judges} để so sánh "
                    "độ chặt tay giữa các giám khảo"
                )
            continue

        sds = np.array([fit.residual_sd[j] for j in eligible])
        finite_sds = sds[np.isfinite(sds)]
        median_sd = float(np.median(finite_sds)) if finite_sds.size else math.nan
        min_points = severity_min_effect * median_sd if math.isfinite(median_sd) else 0.0

        severity = np.array([fit.severity[j] for j in eligible])
        se = np.array([fit.severity_se[j] for j in eligible])
        se = np.where(np.isfinite(se), se, 0.0)
        z_sev = _robust_z(severity, se)
        median_sev = float(np.median(severity))
        for j, value, z in zip(eligible, severity.tolist(), z_sev.tolist(), strict=True):
            diff = value - median_sev
            if abs(diff) < min_points:
                continue
            if z <= -severity_z:
                flags.judges.append(
                    JudgeFlag(
                        j,
                        "harsh",
                        value,
                        z,
                        component.index,
                        "Chấm chặt tay hơn mặt bằng chung "
                        f"(thấp hơn {format_points(-diff)} điểm so với giám khảo trung vị)",
                    )
                )
            elif z >= severity_z:
                flags.judges.append(
                    JudgeFlag(
                        j,
                        "lenient",
                        value,
                        z,
                        component.index,
                        "Chấm lỏng tay hơn mặt bằng chung "
                        f"(cao hơn {format_points(diff)} điểm so với giám khảo trung vị)",
                    )
                )

        ok = np.isfinite(sds) & (sds > 0)
        if ok.sum() < min_judges:
            continue
        ok_judges = [j for j, good in zip(eligible, ok.tolist(), strict=True) if good]
        log_sd = np.log(sds[ok])
        # SE of log(SD) from the judge's residual df (chi-square: var(log s) ~ 1/(2 df));
        # simulation (60 entries, 8 judges, 3 per entry) matched it: 0.19 vs 0.18.
        dof = np.array([max(fit.residual_df[j], 1.0) for j in ok_judges])
        se_log = 1.0 / np.sqrt(2.0 * dof)
        z_sd = _robust_z(log_sd, se_log)
        median_sd = float(np.exp(np.median(log_sd)))
        for j, value, z in zip(ok_judges, sds[ok].tolist(), z_sd.tolist(), strict=True):
            if z >= misfit_z and value >= misfit_min_ratio * median_sd:
                flags.judges.append(
                    JudgeFlag(
                        j,
                        "inconsistent",
                        value,
                        z,
                        component.index,
                        "Chấm thiếu nhất quán (độ lệch ngẫu nhiên "
                        f"{format_points(value, 1)} điểm, trung vị các giám khảo "
                        f"{format_points(median_sd, 1)} điểm)",
                    )
                )


def _boundary_flags(
    flags: Flags,
    ranking: Sequence[RankedEntry],
    prize_boundaries: Sequence[int],
    margin: int,
    points: float | None,
) -> None:
    n = len(ranking)
    exact = [Fraction(line.score) for line in ranking]
    limit = _fraction(points) if points is not None else None
    found: dict[tuple[Hashable, int], BoundaryFlag] = {}
    for boundary in sorted(set(prize_boundaries)):
        if boundary <= 0 or boundary >= n:
            continue
        above, below = ranking[boundary - 1], ranking[boundary]
        cut = (exact[boundary - 1] + exact[boundary]) / 2
        straddling_rank = above.rank if above.rank == below.rank else None
        for line in ranking:
            reasons = []
            if straddling_rank is not None and line.rank == straddling_rank:
                reasons.append(f"đồng hạng {line.rank} vắt qua ranh giới {boundary} giải đầu")
            if boundary - margin < line.position <= boundary + margin:
                side = "trong" if line.position <= boundary else "ngoài"
                reasons.append(
                    f"vị trí {line.position}, sát ranh giới {boundary} giải đầu ({side} giải)"
                )
            distance = abs(exact[line.position - 1] - cut)
            if limit is not None and distance <= limit:
                reasons.append(
                    f"cách điểm cắt ranh giới {boundary} giải đầu {format_points(distance)} điểm"
                )
            if reasons:
                key = (line.entry_id, boundary)
                text = "; ".join(reasons)
                found[key] = BoundaryFlag(
                    line.entry_id,
                    line.position,
                    line.rank,
                    line.score,
                    boundary,
                    "Cần chấm thêm: " + text,
                )
    flags.boundary.extend(sorted(found.values(), key=lambda f: (f.position, f.boundary)))


# --------------------------------------------------------------------------- all in one


@dataclass(frozen=True)
class Analysis:
    """Everything about one round of judging, from :func:`analyse`."""

    rule: Rule
    results: dict[Hashable, EntryResult]
    ranking: list[RankedEntry]
    fit: SeverityFit
    reliability: dict[Hashable, dict[str, float | int]]
    flags: Flags


def analyse(
    scores: Iterable[Score],
    rule: Rule = "mean",
    *,
    trim_min_judges: int = 5,
    tie_break: Callable[[EntryResult], Any] | None = None,
    panel_of_entry: Mapping[Hashable, Hashable] | None = None,
    **flag_options: Any,
) -> Analysis:
    """Official results, ranking, severity fit, reliability and flags in one call.

    ``panel_of_entry`` groups entries for the reliability figures; by default each
    connected component of the entry-judge graph is a group (keyed by component index).
    ``flag_options`` go to :func:`check_flags`.
    """
    scores = list(scores)
    results = official_results(scores, rule=rule, trim_min_judges=trim_min_judges)
    ranking = rank(results, tie_break=tie_break)
    fit = severity_model(scores)
    groups = panel_of_entry if panel_of_entry is not None else fit.component_of_entry
    reliability = panel_reliability(scores, groups)
    flags = check_flags(scores, results, fit, ranking=ranking, **flag_options)
    return Analysis(
        rule=rule,
        results=results,
        ranking=ranking,
        fit=fit,
        reliability=reliability,
        flags=flags,
    )
