"""Referee score sheets for Robocon runs.

A score sheet (``SheetSpec``) is data adopted with an edition's rules: the scoring items
(each worth ``points`` per count, at most ``max_count`` times), the penalties (each
deducting ``points`` per count) and the time limit of a run. ``score_run`` turns what a
referee wrote on the sheet into a ``RunScore`` or raises ``ScoreSheetError`` listing every
problem in Vietnamese, so a tablet form can show them all at once.

The module also holds the two number formatters used by every Vietnamese message of the
Robocon core (decimal comma, seconds).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def format_number_vn(value: float | int | None) -> str:
    """A number as a person reads it in Vietnamese: decimal comma, no trailing zeros."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "không có"
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def format_seconds_vn(value: float | None) -> str:
    """A duration, e.g. ``45,2 giây``; ``không có thời gian`` when missing."""
    if value is None or not math.isfinite(value):
        return "không có thời gian"
    return f"{format_number_vn(value)} giây"


@dataclass(frozen=True)
class Item:
    """One line of the score sheet.

    For a scoring item ``points`` is earned per count; for a penalty it is deducted per
    count (give it as a positive number). ``max_count=None`` means no upper limit.
    """

    code: str
    label_vi: str
    points: float
    max_count: int | None = None


@dataclass(frozen=True)
class SheetSpec:
    """The score sheet of one edition and division."""

    items: list[Item]
    penalties: list[Item] = field(default_factory=list)
    time_limit_s: float | None = None
    min_total: float | None = 0
    """Lowest total a run can have after penalties (``None``: may go negative)."""

    def to_dict(self) -> dict[str, Any]:
        def item(it: Item) -> dict[str, Any]:
            return {
                "code": it.code,
                "label_vi": it.label_vi,
                "points": it.points,
                "max_count": it.max_count,
            }

        return {
            "items": [item(it) for it in self.items],
            "penalties": [item(it) for it in self.penalties],
            "time_limit_s": self.time_limit_s,
            "min_total": self.min_total,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SheetSpec:
        def item(d: Mapping[str, Any]) -> Item:
            return Item(d["code"], d["label_vi"], d["points"], d.get("max_count"))

        return cls(
            items=[item(d) for d in data.get("items", [])],
            penalties=[item(d) for d in data.get("penalties", [])],
            time_limit_s=data.get("time_limit_s"),
            min_total=data.get("min_total", 0),
        )


@dataclass(frozen=True)
class RunScore:
    """The scored result of one run.

    ``points`` is 0 for a disqualified run; ``breakdown`` maps every item and penalty code
    to the points it contributed (penalties negative), for the printed sheet.
    """

    points: float
    time_s: float | None
    dq: bool = False
    dq_reason: str | None = None
    breakdown: dict[str, float] = field(default_factory=dict)


class ScoreSheetError(ValueError):
    """A score sheet that cannot be accepted; ``errors`` are Vietnamese messages."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def validate_spec(spec: SheetSpec) -> list[str]:
    """Problems of the sheet itself (duplicate codes, bad limits), in Vietnamese."""
    errors: list[str] = []
    seen: set[str] = set()
    for kind, items in (("Mục chấm", spec.items), ("Lỗi phạt", spec.penalties)):
        for it in items:
            if not it.code or not it.code.strip():
                errors.append(f"{kind} “{it.label_vi}” chưa có mã.")
            elif it.code in seen:
                errors.append(f"Mã “{it.code}” bị trùng trong phiếu chấm.")
            seen.add(it.code)
            if not it.label_vi or not it.label_vi.strip():
                errors.append(f"{kind} mã “{it.code}” chưa có tên.")
            if not _is_number(it.points) or it.points < 0:
                errors.append(
                    f"{kind} “{it.label_vi}”: số điểm phải là số không âm "
                    "(lỗi phạt ghi số điểm bị trừ)."
                )
            if it.max_count is not None and (
                not isinstance(it.max_count, int)
                or isinstance(it.max_count, bool)
                or it.max_count < 0
            ):
                errors.append(f"{kind} “{it.label_vi}”: số lần tối đa phải là số nguyên không âm.")
    if spec.time_limit_s is not None and (
        not _is_number(spec.time_limit_s) or spec.time_limit_s <= 0
    ):
        errors.append("Thời gian tối đa của một lượt phải là số dương.")
    return errors


def _check_counts(
    items: Sequence[Item], counts: Mapping[str, Any], kind: str, errors: list[str]
) -> dict[str, int]:
    by_code = {it.code: it for it in items}
    for code in counts:
        if code not in by_code:
            errors.append(f"{kind} mã “{code}” không có trong phiếu chấm.")
    result: dict[str, int] = {}
    for it in items:
        value = counts.get(it.code, 0)
        if value is None:
            value = 0
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"“{it.label_vi}”: số lần phải là số nguyên (đã ghi “{value}”).")
            continue
        if value < 0:
            errors.append(f"“{it.label_vi}”: số lần không được âm (đã ghi {value}).")
            continue
        if it.max_count is not None and value > it.max_count:
            errors.append(
                f"“{it.label_vi}”: ghi {value} lần, vượt số lần tối đa là {it.max_count}."
            )
            continue
        result[it.code] = value
    return result


def score_run(
    spec: SheetSpec,
    counts: Mapping[str, Any],
    penalties: Mapping[str, Any] | None = None,
    time_s: float | None = None,
    disqualified: bool = False,
    dq_reason: str | None = None,
) -> RunScore:
    """Score one run from the referee's sheet.

    ``counts`` and ``penalties`` map item codes to how many times they happened (a missing
    code counts 0). ``time_s`` is the time the run took; ``None`` means the robot did not
    finish and the run used the whole time limit (or has no time when the sheet has no
    limit). A disqualified run scores 0 points and needs a reason.

    Raises ``ScoreSheetError`` with every problem found, in Vietnamese.
    """
    errors = validate_spec(spec)
    if errors:
        raise ScoreSheetError(errors)
    got = _check_counts(spec.items, counts or {}, "Mục chấm", errors)
    lost = _check_counts(spec.penalties, penalties or {}, "Lỗi phạt", errors)
    if time_s is not None:
        if not _is_number(time_s):
            errors.append(f"Thời gian “{time_s}” không phải là một số.")
        elif time_s < 0:
            errors.append(f"Thời gian không được âm (đã ghi {format_seconds_vn(time_s)}).")
        elif spec.time_limit_s is not None and time_s > spec.time_limit_s:
            errors.append(
                f"Thời gian {format_seconds_vn(time_s)} vượt thời gian tối đa "
                f"{format_seconds_vn(spec.time_limit_s)}."
            )
    reason = (dq_reason or "").strip() or None
    if disqualified and reason is None:
        errors.append("Lượt thi bị truất quyền cần ghi lý do.")
    if not disqualified and reason is not None:
        errors.append("Đã ghi lý do truất quyền nhưng lượt thi không bị đánh dấu truất quyền.")
    if errors:
        raise ScoreSheetError(errors)

    breakdown: dict[str, float] = {}
    for it in spec.items:
        breakdown[it.code] = got.get(it.code, 0) * it.points
    for it in spec.penalties:
        breakdown[it.code] = -lost.get(it.code, 0) * it.points
    total = sum(breakdown.values())
    if spec.min_total is not None:
        total = max(total, spec.min_total)
    if isinstance(total, float) and total.is_integer():
        total = int(total)
    used = time_s if time_s is not None else spec.time_limit_s
    if disqualified:
        return RunScore(0, used, True, reason, breakdown)
    return RunScore(total, used, False, None, breakdown)
