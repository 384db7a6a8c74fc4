"""Rankings of the Robocon qualifying round and of round-robin groups.

* ``rank_mission`` ranks teams by their mission runs (best run, or the sum of the best
  ``k`` runs), breaking ties by the time of the counted run(s), then by the next-best runs.
* ``group_standings`` builds a round-robin table with a configurable order of tie-breaks;
  head-to-head is always computed among exactly the teams still tied (a mini-table).
* ``cut_line`` takes the top ``n`` of one pooled ranking (runs from every venue together).
* ``import_qualifying_csv`` reads the runs exported by the field simulator.

Every row carries a Vietnamese explanation of the tie-break that placed it, so the
published table can answer "why is team X above team Y?".
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from contest.robocon.scoring import format_number_vn, format_seconds_vn

INF = math.inf

# --------------------------------------------------------------------------------------
# Mission runs
# --------------------------------------------------------------------------------------


class RunLike(Protocol):
    points: float
    time_s: float | None
    dq: bool


@dataclass(frozen=True)
class Run:
    """One mission run of a team, e.g. a row of the simulator export."""

    team: str
    run_no: int
    points: float
    time_s: float | None
    venue: str | None = None
    dq: bool = False


@dataclass(frozen=True)
class MissionRow:
    """One line of a mission ranking.

    ``points`` and ``time_s`` are those that rank the team: the best run, or the sum of the
    best ``k`` runs (``time_s`` is ``None`` when a counted run has no time). ``runs`` are
    the team's runs best first; ``tie_break`` explains in Vietnamese how the team was
    separated from a team with the same points (empty when it did not need to be).
    """

    rank: int
    team: str
    points: float
    time_s: float | None
    runs: tuple[Any, ...] = ()
    tie_break: str = ""


def _effective(run: RunLike) -> tuple[float, float]:
    """(points, time) as they count: a disqualified run counts 0 points and no time."""
    if getattr(run, "dq", False):
        return 0.0, INF
    time = run.time_s if run.time_s is not None else INF
    return float(run.points), float(time)


_ORDINALS = {0: "lượt tốt nhất", 1: "lượt tốt thứ hai", 2: "lượt tốt thứ ba"}


def _ordinal(index: int) -> str:
    return _ORDINALS.get(index, f"lượt tốt thứ {index + 1}")


def _pair_text(label: str, upper: str, lower: str, v_upper: str, v_lower: str) -> str:
    return f"{label}: đội {upper} {v_upper}, đội {lower} {v_lower}"


def _annotate(
    teams: Sequence[str],
    tied_with_prev: Sequence[bool],
    same_primary_as_prev: Sequence[bool],
    reasons: Sequence[str | None],
) -> tuple[list[int], list[str]]:
    """Competition ranks and both-way explanations for an ordered list.

    ``reasons[i]`` explains why team ``i`` is below team ``i - 1`` (or is ``None``).
    """
    ranks: list[int] = []
    notes: list[list[str]] = [[] for _ in teams]
    for i, team in enumerate(teams):
        if i > 0 and tied_with_prev[i]:
            ranks.append(ranks[-1])
            notes[i].append(f"Đồng hạng với đội {teams[i - 1]}: bằng nhau ở mọi tiêu chí xếp hạng")
            notes[i - 1].append(f"Đồng hạng với đội {team}: bằng nhau ở mọi tiêu chí xếp hạng")
        else:
            ranks.append(i + 1)
            if i > 0 and same_primary_as_prev[i] and reasons[i]:
                notes[i].append(f"Xếp sau đội {teams[i - 1]} do {reasons[i]}")
                notes[i - 1].append(f"Xếp trên đội {team} do {reasons[i]}")
    return ranks, [". ".join(n) + ("." if n else "") for n in notes]


def rank_mission(
    runs_by_team: Mapping[str, Iterable[RunLike]],
    mode: str = "best",
    k: int = 2,
) -> list[MissionRow]:
    """Rank teams by their mission runs.

    ``mode="best"``: by the best run (most points, then the shorter time), ties broken by
    the time of that run, then by the second-best run, the third, and so on.
    ``mode="sum_best_k"``: by the sum of the points of the best ``k`` runs, ties broken by
    the total time of those runs, then run by run as in ``"best"``.
    A disqualified run counts 0 points and no time; a missing run counts like one. Teams
    share a rank (competition ranking 1, 2, 2, 4) only when everything is equal.
    """
    if mode not in ("best", "sum_best_k"):
        raise ValueError(f"Cách xếp hạng “{mode}” không hợp lệ (chỉ có best hoặc sum_best_k).")
    if mode == "sum_best_k" and (not isinstance(k, int) or k < 1):
        raise ValueError("Số lượt tính điểm k phải là số nguyên dương.")

    runs = {team: sorted(rs, key=lambda r: (-_effective(r)[0], _effective(r)[1]))
            for team, rs in runs_by_team.items()}
    depth = max([len(rs) for rs in runs.values()] + [1, k if mode == "sum_best_k" else 1])

    keys: dict[str, tuple[float, ...]] = {}
    for team, rs in runs.items():
        eff = [_effective(r) for r in rs] + [(0.0, INF)] * (depth - len(rs))
        comps: list[float] = []
        if mode == "sum_best_k":
            comps += [-sum(p for p, _ in eff[:k]), sum(t for _, t in eff[:k])]
        for p, t in eff:
            comps += [-p, t]
        keys[team] = tuple(comps)

    def label(j: int) -> str:
        if mode == "sum_best_k":
            if j == 1:
                return f"tổng thời gian {k} lượt tốt nhất"
            j -= 2
        m, is_time = divmod(j, 2)
        return f"thời gian {_ordinal(m)}" if is_time else f"điểm {_ordinal(m)}"

    def show(j: int, value: float) -> str:
        offset = j - 2 if mode == "sum_best_k" and j >= 2 else j
        if (mode == "sum_best_k" and j == 1) or offset % 2 == 1:
            return format_seconds_vn(value)
        return f"{format_number_vn(-value)} điểm"

    order = sorted(runs, key=lambda t: (keys[t], t))
    tied, same_primary, reasons = [False], [False], [None]
    for prev, team in zip(order, order[1:], strict=False):
        a, b = keys[prev], keys[team]
        tied.append(a == b)
        same_primary.append(a[0] == b[0])
        j = next((i for i in range(1, len(a)) if a[i] != b[i]), None)
        reasons.append(
            None if j is None else _pair_text(label(j), prev, team, show(j, a[j]), show(j, b[j]))
        )
    ranks, notes = _annotate(order, tied, same_primary, reasons)

    rows = []
    for team, rank, note in zip(order, ranks, notes, strict=True):
        key = keys[team]
        points = -key[0]
        time = key[1]
        if float(points).is_integer():
            points = int(points)
        rows.append(
            MissionRow(rank, team, points, None if math.isinf(time) else time,
                       tuple(runs[team]), note)
        )
    return rows


def pool_runs(runs: Iterable[Run]) -> dict[str, list[Run]]:
    """Group runs by team, whatever venue they were played at (one pooled ranking)."""
    pooled: dict[str, list[Run]] = defaultdict(list)
    for run in runs:
        pooled[run.team].append(run)
    return dict(pooled)


# --------------------------------------------------------------------------------------
# Cut line
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CutResult:
    """The outcome of a cut line: who qualifies, who does not, who is tied at the line."""

    qualified: list[Any]
    eliminated: list[Any]
    tied_at_line: list[Any] = field(default_factory=list)
    note: str = ""


def cut_line(rows: Sequence[Any], n: int, *, on_tie: str = "include") -> CutResult:
    """Top ``n`` of one ranking (rows with ``rank`` and ``team``, best first).

    Rank the runs of every venue together first (``rank_mission(pool_runs(runs))``) so the
    line is drawn across venues. When teams share the rank at the line, ``on_tie``
    decides: ``"include"`` lets all of them through (more than ``n`` qualify),
    ``"exclude"`` lets none of them through (fewer than ``n``); ``note`` says so in
    Vietnamese.
    """
    if not isinstance(n, int) or n < 0:
        raise ValueError("Số đội vào vòng sau phải là số nguyên không âm.")
    if on_tie not in ("include", "exclude"):
        raise ValueError("Cách xử lý đồng hạng tại vạch chỉ có include hoặc exclude.")
    ordered = sorted(rows, key=lambda r: r.rank)
    if n >= len(ordered):
        return CutResult(list(ordered), [], [], "")
    if n == 0:
        return CutResult([], list(ordered), [], "")
    line_rank = ordered[n - 1].rank
    if ordered[n].rank != line_rank:
        return CutResult(list(ordered[:n]), list(ordered[n:]), [], "")
    tied = [r for r in ordered if r.rank == line_rank]
    names = ", ".join(r.team for r in tied)
    above = [r for r in ordered if r.rank < line_rank]
    below = [r for r in ordered if r.rank > line_rank]
    if on_tie == "include":
        note = (
            f"Các đội {names} đồng hạng {line_rank} tại vạch lấy {n} đội; "
            f"tất cả được vào vòng sau ({len(above) + len(tied)} đội)."
        )
        return CutResult(above + tied, below, tied, note)
    note = (
        f"Các đội {names} đồng hạng {line_rank} tại vạch lấy {n} đội; "
        f"không đội nào trong số này được vào vòng sau ({len(above)} đội)."
    )
    return CutResult(above, tied + below, tied, note)


# --------------------------------------------------------------------------------------
# Round-robin groups
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """A round-robin match. ``score_*`` is ``None`` until played.

    ``winner`` overrides the scores (e.g. an absolute victory or a forfeit);
    ``time_*`` is the time a team needed to complete its task, ``None`` if it did not.
    """

    team_a: str
    team_b: str
    score_a: float | None = None
    score_b: float | None = None
    time_a: float | None = None
    time_b: float | None = None
    winner: str | None = None

    @property
    def played(self) -> bool:
        return self.winner is not None or (self.score_a is not None and self.score_b is not None)


@dataclass(frozen=True)
class StandingRow:
    rank: int
    team: str
    played: int
    won: int
    drawn: int
    lost: int
    points: float
    scored: float
    conceded: float
    difference: float
    time_s: float | None
    tie_break: str = ""


@dataclass
class _Stats:
    played: int = 0
    won: int = 0
    drawn: int = 0
    lost: int = 0
    points: float = 0
    scored: float = 0
    conceded: float = 0
    time: float = 0.0
    missing_time: int = 0
    has_time: bool = False


TIE_BREAKS = (
    "head_to_head",
    "head_to_head_difference",
    "head_to_head_scored",
    "points_scored",
    "score_difference",
    "wins",
    "time",
)


def _table(
    matches: Iterable[Match], teams: Iterable[str], win: float, draw: float, loss: float
) -> dict[str, _Stats]:
    members = set(teams)
    stats = {t: _Stats() for t in members}
    for m in matches:
        if not m.played or m.team_a not in members or m.team_b not in members:
            continue
        sa = m.score_a if m.score_a is not None else 0
        sb = m.score_b if m.score_b is not None else 0
        if m.winner is not None:
            outcome = 1 if m.winner == m.team_a else -1
        else:
            outcome = (sa > sb) - (sa < sb)
        for team, own, other, time, sign in (
            (m.team_a, sa, sb, m.time_a, outcome),
            (m.team_b, sb, sa, m.time_b, -outcome),
        ):
            s = stats[team]
            s.played += 1
            s.scored += own
            s.conceded += other
            if sign > 0:
                s.won += 1
                s.points += win
            elif sign == 0:
                s.drawn += 1
                s.points += draw
            else:
                s.lost += 1
                s.points += loss
            if time is None:
                s.missing_time += 1
            else:
                s.time += time
                s.has_time = True
    return stats


def group_standings(
    matches: Sequence[Match],
    teams: Sequence[str],
    win: float = 3,
    draw: float = 1,
    loss: float = 0,
    tie_breaks: Sequence[str] = ("head_to_head", "points_scored", "score_difference", "time"),
) -> list[StandingRow]:
    """The table of a round-robin group.

    Teams are ordered by table points, then by ``tie_breaks`` in the given order:
    ``head_to_head`` (points of a mini-table of the matches among exactly the tied teams),
    ``head_to_head_difference``, ``head_to_head_scored``, ``points_scored``,
    ``score_difference``, ``wins`` and ``time`` (lower total time; a match without a time
    counts as not completed and weighs more than any time). Whenever a criterion splits
    the tied teams, each smaller group still tied starts again from the first tie-break,
    so head-to-head is recomputed among exactly the teams still level.
    """
    unknown = [c for c in tie_breaks if c not in TIE_BREAKS]
    if unknown:
        raise ValueError(
            f"Tiêu chí phụ không hợp lệ: {', '.join(unknown)}. "
            f"Các tiêu chí có thể dùng: {', '.join(TIE_BREAKS)}."
        )
    if len(set(tie_breaks)) != len(tie_breaks):
        raise ValueError("Một tiêu chí phụ được khai báo hai lần.")
    if len(set(teams)) != len(teams):
        raise ValueError("Danh sách đội của bảng có đội bị trùng.")
    members = set(teams)
    for m in matches:
        if m.team_a == m.team_b:
            raise ValueError(f"Trận đấu của đội {m.team_a} với chính mình không hợp lệ.")
        for t in (m.team_a, m.team_b):
            if t not in members:
                raise ValueError(f"Đội {t} có trận đấu nhưng không thuộc bảng này.")
        if m.winner is not None and m.winner not in (m.team_a, m.team_b):
            raise ValueError(
                f"Đội thắng {m.winner} không tham gia trận {m.team_a} – {m.team_b}."
            )

    overall = _table(matches, teams, win, draw, loss)

    def time_key(s: _Stats) -> tuple[float, float]:
        return (-s.missing_time, -s.time)

    def time_show(s: _Stats) -> str:
        text = format_seconds_vn(s.time if s.has_time else None)
        if s.missing_time and s.has_time:
            text += f" ({s.missing_time} trận không hoàn thành)"
        elif s.missing_time:
            text = f"{s.missing_time} trận không hoàn thành"
        return text

    def criterion(
        name: str, group: Sequence[str]
    ) -> tuple[str, Callable[[str], Any], Callable[[str], str]]:
        if name.startswith("head_to_head"):
            mini = _table(matches, group, win, draw, loss)
            who = ", ".join(sorted(group))
            if name == "head_to_head":
                return (f"điểm đối đầu giữa các đội {who}",
                        lambda t: mini[t].points,
                        lambda t: f"{format_number_vn(mini[t].points)} điểm")
            if name == "head_to_head_difference":
                return (f"hiệu số đối đầu giữa các đội {who}",
                        lambda t: mini[t].scored - mini[t].conceded,
                        lambda t: format_number_vn(mini[t].scored - mini[t].conceded))
            return (f"điểm ghi được khi đối đầu giữa các đội {who}",
                    lambda t: mini[t].scored,
                    lambda t: format_number_vn(mini[t].scored))
        if name == "points_scored":
            return ("tổng điểm ghi được", lambda t: overall[t].scored,
                    lambda t: format_number_vn(overall[t].scored))
        if name == "score_difference":
            return ("hiệu số", lambda t: overall[t].scored - overall[t].conceded,
                    lambda t: format_number_vn(overall[t].scored - overall[t].conceded))
        if name == "wins":
            return ("số trận thắng", lambda t: overall[t].won,
                    lambda t: str(overall[t].won))
        return ("tổng thời gian hoàn thành", lambda t: time_key(overall[t]),
                lambda t: time_show(overall[t]))

    # Each entry: (team, reason it is below the previous team, tied with the previous).
    def resolve(group: list[str]) -> list[tuple[str, str | None, bool]]:
        if len(group) == 1:
            return [(group[0], None, False)]
        for name in tie_breaks:
            label, value, show = criterion(name, group)
            buckets: dict[Any, list[str]] = defaultdict(list)
            for t in group:
                buckets[value(t)].append(t)
            if len(buckets) == 1:
                continue
            result: list[tuple[str, str | None, bool]] = []
            for v in sorted(buckets, reverse=True):
                sub = resolve(sorted(buckets[v]))
                if result:
                    upper, first = result[-1][0], sub[0][0]
                    sub[0] = (first, _pair_text(label, upper, first, show(upper), show(first)),
                              False)
                result += sub
            return result
        ordered = sorted(group)
        return [(t, None, i > 0) for i, t in enumerate(ordered)]

    by_points: dict[float, list[str]] = defaultdict(list)
    for t in teams:
        by_points[overall[t].points].append(t)
    entries: list[tuple[str, str | None, bool]] = []
    same_primary: list[bool] = []
    for pts in sorted(by_points, reverse=True):
        part = resolve(sorted(by_points[pts]))
        same_primary += [False] + [True] * (len(part) - 1)
        entries += part

    order = [e[0] for e in entries]
    ranks, notes = _annotate(order, [e[2] for e in entries], same_primary,
                             [e[1] for e in entries])
    rows = []
    for team, rank, note in zip(order, ranks, notes, strict=True):
        s = overall[team]
        rows.append(StandingRow(
            rank=rank, team=team, played=s.played, won=s.won, drawn=s.drawn, lost=s.lost,
            points=s.points, scored=s.scored, conceded=s.conceded,
            difference=s.scored - s.conceded,
            time_s=s.time if s.has_time else None, tie_break=note,
        ))
    return rows


# --------------------------------------------------------------------------------------
# CSV import of the qualifying round
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A problem with one line of an imported file (``line`` is 1-based, 0: the file)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"Dòng {self.line}: {self.message}" if self.line else self.message


_COLUMNS = {
    "team": {"team", "teamcode", "teamid", "code", "id", "madoi", "doi", "doithi",
             "madoithi", "maso"},
    "run": {"run", "runno", "runnumber", "attempt", "luot", "luotthi", "luotchay", "lan",
            "lanthi", "solan"},
    "points": {"points", "point", "score", "diem", "tongdiem", "diemso"},
    "time": {"time", "times", "timesec", "seconds", "sec", "thoigian", "thoigians",
             "thoigiangiay", "thoigianhoanthanh"},
    "venue": {"venue", "arena", "field", "location", "diadiem", "diemthi", "san", "santhi",
              "cumthi"},
    "dq": {"dq", "disqualified", "truatquyen", "biloai", "loai"},
}
_REQUIRED = ("team", "run", "points", "time")
_POSITIONAL = ("team", "run", "points", "time", "venue")
_DQ_WORDS = {"dq", "loai", "biloai", "truatquyen", "x", "1", "co", "yes", "true"}
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_CLOCK = re.compile(r"^(\d+):([0-5]?\d(?:\.\d+)?)$")


def _fold(text: str) -> str:
    """Lower case without diacritics or punctuation: ``Mã đội`` → ``madoi``."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _parse_number(raw: str) -> float | None:
    """A plain decimal number; the decimal mark may be a comma (``45,2``)."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".")
    if not _NUMBER.match(text):
        return None
    return float(text)


def _parse_time(raw: str) -> float | None:
    text = raw.strip().replace(",", ".")
    clock = _CLOCK.match(text)
    if clock:
        return int(clock.group(1)) * 60 + float(clock.group(2))
    return _parse_number(raw)


def _sniff_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def import_qualifying_csv(text: str | bytes) -> tuple[list[Run], list[RowError]]:
    """Read the qualifying runs exported by the simulator.

    Columns: team code, run number, points, time (seconds or ``m:ss``), venue — in that
    order, or in any order under a header (Vietnamese or English names, e.g. ``Mã đội;
    Lượt;Điểm;Thời gian;Sân``). Comma, semicolon or tab separated; a decimal comma is
    accepted. ``DQ``/``Loại`` in the points column (or an optional ``dq`` column) marks a
    disqualified run; an empty time means the robot did not finish.

    Returns the good runs and one Vietnamese error per bad line; never raises.
    """
    try:
        return _import_qualifying_csv(text)
    except Exception as exc:  # noqa: BLE001 - an importer must never raise on bad input
        return [], [RowError(0, f"Không đọc được tệp: {exc}")]


def _import_qualifying_csv(text: str | bytes) -> tuple[list[Run], list[RowError]]:
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            return [], [RowError(0, "Tệp không ở bảng mã UTF-8; hãy lưu lại dưới dạng CSV UTF-8.")]
    if not isinstance(text, str):
        return [], [RowError(0, "Nội dung tệp không phải là văn bản.")]
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff")).replace("\x00", "")
    lines = text.splitlines()
    runs: list[Run] = []
    errors: list[RowError] = []
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        return [], [RowError(0, "Tệp không có dữ liệu.")]
    delimiter = _sniff_delimiter(lines[first])

    def cells(line: str) -> list[str]:
        try:
            return [c.strip() for c in next(csv.reader([line], delimiter=delimiter))]
        except (csv.Error, StopIteration):
            return [line.strip()]

    head = cells(lines[first])
    folded = [_fold(c) for c in head]
    columns: dict[str, int] = {}
    for name, aliases in _COLUMNS.items():
        for i, f in enumerate(folded):
            if f in aliases and i not in columns.values():
                columns[name] = i
                break
    start = first
    if "team" in columns or "run" in columns:
        missing = [n for n in _REQUIRED if n not in columns]
        if missing:
            labels = {"team": "mã đội", "run": "lượt", "points": "điểm", "time": "thời gian"}
            return [], [RowError(first + 1, "Dòng tiêu đề thiếu cột: "
                                 + ", ".join(labels[m] for m in missing) + ".")]
        start = first + 1
    else:
        columns = {name: i for i, name in enumerate(_POSITIONAL)}
    needed = max(columns[n] for n in _REQUIRED) + 1

    seen: dict[tuple[str, int], int] = {}
    for index in range(start, len(lines)):
        line_no = index + 1
        line = lines[index]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        row = cells(line)
        if all(not c for c in row):
            continue
        if len(row) < needed:
            errors.append(RowError(line_no, f"thiếu cột (cần ít nhất {needed} cột, có {len(row)})."))
            continue

        def get(name: str, row: list[str] = row) -> str:
            i = columns.get(name)
            return row[i] if i is not None and i < len(row) else ""

        problems: list[str] = []
        team = unicodedata.normalize("NFC", get("team")).strip()
        if not team:
            problems.append("thiếu mã đội")
        run_raw = get("run")
        run_value = _parse_number(run_raw)
        run_no = 0
        if run_value is None or not run_value.is_integer() or run_value < 1:
            problems.append(f"số lượt “{run_raw}” phải là số nguyên dương")
        else:
            run_no = int(run_value)
        dq = _fold(get("dq")) in _DQ_WORDS if "dq" in columns and get("dq") else False
        points_raw = get("points")
        points: float = 0
        if _fold(points_raw) in {"dq", "loai", "biloai", "truatquyen"}:
            dq = True
        else:
            value = _parse_number(points_raw)
            if value is None:
                problems.append(f"điểm “{points_raw}” không phải là số")
            elif value < 0:
                problems.append(f"điểm không được âm ({points_raw})")
            else:
                points = int(value) if value.is_integer() else value
        time_raw = get("time")
        time_s: float | None = None
        if time_raw:
            time_s = _parse_time(time_raw)
            if time_s is None:
                problems.append(f"thời gian “{time_raw}” không đúng dạng (số giây hoặc phút:giây)")
            elif time_s < 0:
                problems.append(f"thời gian không được âm ({time_raw})")
                time_s = None
        venue = unicodedata.normalize("NFC", get("venue")).strip() or None
        if not problems and (team, run_no) in seen:
            problems.append(
                f"đội {team} lượt {run_no} đã có ở dòng {seen[(team, run_no)]}"
            )
        if problems:
            errors.append(RowError(line_no, "; ".join(problems) + "."))
            continue
        seen[(team, run_no)] = line_no
        runs.append(Run(team, run_no, points, time_s, venue, dq))
    return runs, errors
