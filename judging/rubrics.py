"""Rubrics (tiêu chí chấm điểm): per edition, level and optionally category; versioned.

A rubric is edited freely until scoring starts; the scoring service then sets
``locked_at`` and every score sheet keeps the id of the version it was scored with.
A locked rubric (or one that any sheet uses) is never edited: :func:`new_version`
copies it to version + 1, which new sheets use from then on (:func:`rubric_for` returns
the newest version). A new version is allowed at any time, also while sheets use the
old one, because that is exactly when a correction is needed; sheets already scored keep
their version and the results page warns when one panel mixes versions.

Services take explicit arguments (no ``request``); callers commit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from contest import audit
from contest.extensions import db
from contest.models import Category, Criterion, Edition, Entry, Level, Rubric, ScoreSheet
from contest.text import normalize_text, slugify

__all__ = [
    "CriterionSpec",
    "RubricError",
    "TEMPLATE_CRITERIA",
    "USUAL_TOTAL",
    "create_rubric",
    "delete_rubric",
    "format_bands",
    "new_version",
    "parse_bands",
    "rubric_for",
    "rubric_in_use",
    "rubrics_of",
    "total_warning",
    "update_rubric",
]

USUAL_TOTAL = Decimal(100)
MAX_CRITERIA = 20


class RubricError(ValueError):
    """A Vietnamese message for the user."""


@dataclass
class CriterionSpec:
    """One criterion as typed on the form (already parsed)."""

    name: str
    max_points: Decimal
    step: Decimal = Decimal("0.5")
    description: str = ""
    bands: list[dict] = field(default_factory=list)
    code: str | None = None


def _band(lo: int, hi: int, label: str) -> dict:
    return {"from": lo, "to": hi, "label": label}


# The usual Vietnamese scoring criteria (Tiêu chí đánh giá), offered as a template.
TEMPLATE_CRITERIA: list[CriterionSpec] = [
    CriterionSpec(
        "Tính mới, sáng tạo",
        Decimal(30),
        description="Mức độ mới của giải pháp, sản phẩm so với những gì đã có; tính sáng tạo của ý tưởng.",
        bands=[
            _band(27, 30, "Hoàn toàn mới"),
            _band(21, 26, "Có cải tiến lớn so với cái đã có"),
            _band(11, 20, "Có cải tiến một phần"),
            _band(0, 10, "Ít điểm mới"),
        ],
    ),
    CriterionSpec(
        "Khả năng ứng dụng",
        Decimal(30),
        description="Khả năng áp dụng vào thực tế, phạm vi áp dụng và khả năng nhân rộng.",
        bands=[
            _band(27, 30, "Đã áp dụng rộng rãi, có thể nhân rộng"),
            _band(21, 26, "Đã áp dụng tại đơn vị"),
            _band(11, 20, "Có khả năng áp dụng"),
            _band(0, 10, "Khó áp dụng"),
        ],
    ),
    CriterionSpec(
        "Hiệu quả kinh tế – kỹ thuật – xã hội",
        Decimal(25),
        description="Lợi ích mang lại: tiết kiệm chi phí, tăng năng suất, an toàn, môi trường, xã hội.",
        bands=[
            _band(22, 25, "Hiệu quả rất cao"),
            _band(16, 21, "Hiệu quả cao"),
            _band(9, 15, "Có hiệu quả"),
            _band(0, 8, "Hiệu quả thấp"),
        ],
    ),
    CriterionSpec(
        "Trình bày, thuyết minh",
        Decimal(15),
        description="Hồ sơ, bản thuyết minh rõ ràng; trình bày, trả lời câu hỏi của Ban Giám khảo.",
    ),
]


# ----------------------------------------------------------------------------- parsing


def _number(text: str) -> Decimal:
    """A number typed the Vietnamese way (decimal comma) or the English way."""
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise RubricError(f"“{text.strip()}” không phải là một số.") from None
    if not value.is_finite():
        raise RubricError(f"“{text.strip()}” không phải là một số.")
    return value


_BAND_RE = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*[-–—]\s*([0-9]+(?:[.,][0-9]+)?)\s*[:.)]?\s*(.*)$")


def _plain(value: Decimal) -> int | float:
    """JSON-friendly number: 27 stays an int, 27.5 a float."""
    return int(value) if value == value.to_integral_value() else float(value)


def parse_bands(text: str | None, max_points: Decimal | None = None) -> list[dict]:
    """Score bands typed one per line: ``27–30: Hoàn toàn mới`` (any dash, optional colon).

    Returns ``[{"from": 27, "to": 30, "label": "Hoàn toàn mới"}, ...]`` sorted from the
    highest band down. Raises :class:`RubricError` (Vietnamese) on a malformed line, a
    band outside 0..max_points, or overlapping bands.
    """
    bands: list[dict] = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = normalize_text(raw)
        if not line:
            continue
        match = _BAND_RE.match(line)
        if not match:
            raise RubricError(
                f"Dòng {number} của các mức điểm chưa đúng dạng “27–30: Hoàn toàn mới”."
            )
        lo, hi = _number(match.group(1)), _number(match.group(2))
        label = match.group(3).strip()
        if lo > hi:
            lo, hi = hi, lo
        if not label:
            raise RubricError(f"Dòng {number} của các mức điểm chưa có mô tả mức.")
        if max_points is not None and hi > max_points:
            raise RubricError(
                f"Mức “{label}” vượt quá điểm tối đa {_fmt(max_points)} của tiêu chí."
            )
        bands.append({"from": _plain(lo), "to": _plain(hi), "label": label[:200]})
    bands.sort(key=lambda b: Decimal(str(b["to"])), reverse=True)
    for upper, lower in zip(bands, bands[1:], strict=False):
        if Decimal(str(lower["to"])) >= Decimal(str(upper["from"])):
            raise RubricError(
                f"Các mức “{upper['label']}” và “{lower['label']}” chồng lên nhau."
            )
    return bands


def _fmt(value) -> str:
    """27 -> "27", 27.5 -> "27,5"."""
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return str(int(d))
    return f"{d.normalize():f}".replace(".", ",")


def format_bands(bands: Iterable[dict] | None) -> str:
    """The textarea form of :func:`parse_bands`."""
    return "\n".join(f"{_fmt(b['from'])}–{_fmt(b['to'])}: {b['label']}" for b in bands or [])


def _clean_multiline(text: str | None) -> str:
    lines = [normalize_text(line) for line in unicodedata.normalize("NFC", text or "").splitlines()]
    return "\n".join(line for line in lines).strip()


def _check_specs(specs: Sequence[CriterionSpec]) -> list[CriterionSpec]:
    """Validate and normalise criteria; raises :class:`RubricError`."""
    if not specs:
        raise RubricError("Bảng tiêu chí cần ít nhất một tiêu chí.")
    if len(specs) > MAX_CRITERIA:
        raise RubricError(f"Bảng tiêu chí có tối đa {MAX_CRITERIA} tiêu chí.")
    out: list[CriterionSpec] = []
    names: set[str] = set()
    codes: set[str] = set()
    for i, spec in enumerate(specs, start=1):
        name = normalize_text(spec.name)[:200]
        if not name:
            raise RubricError(f"Tiêu chí thứ {i} chưa có tên.")
        if name.casefold() in names:
            raise RubricError(f"Tiêu chí “{name}” bị trùng tên.")
        names.add(name.casefold())
        max_points = Decimal(spec.max_points)
        step = Decimal(spec.step)
        if max_points <= 0 or max_points > 1000:
            raise RubricError(f"Điểm tối đa của “{name}” phải lớn hơn 0 và không quá 1000.")
        if step <= 0 or step > max_points or step > 50:
            raise RubricError(f"Bước điểm của “{name}” phải lớn hơn 0, không quá điểm tối đa và không quá 50.")
        if max_points != max_points.quantize(Decimal("0.01")) or step != step.quantize(Decimal("0.01")):
            raise RubricError(f"Điểm tối đa và bước điểm của “{name}” chỉ có tối đa 2 chữ số thập phân.")
        if (max_points / step) != (max_points / step).to_integral_value():
            raise RubricError(
                f"Điểm tối đa {_fmt(max_points)} của “{name}” phải chia hết cho bước điểm {_fmt(step)}."
            )
        for band in spec.bands:
            if Decimal(str(band["to"])) > max_points or Decimal(str(band["from"])) < 0:
                raise RubricError(f"Mức điểm “{band['label']}” nằm ngoài 0–{_fmt(max_points)} của “{name}”.")
        code = spec.code or slugify(name, max_length=36) or f"tc{i}"
        base, n = code, 2
        while code in codes:
            code = f"{base[:34]}-{n}"
            n += 1
        codes.add(code)
        out.append(
            CriterionSpec(
                name=name,
                max_points=max_points,
                step=step,
                description=_clean_multiline(spec.description)[:4000],
                bands=list(spec.bands),
                code=code,
            )
        )
    return out


def total_warning(criteria: Iterable) -> str | None:
    """A Vietnamese warning when the maximum total is not the usual 100 points."""
    total = sum((Decimal(c.max_points) for c in criteria), Decimal(0))
    if total != USUAL_TOTAL:
        return f"Tổng điểm tối đa là {_fmt(total)}, thường là 100 điểm. Hãy kiểm tra lại nếu không cố ý."
    return None


# ----------------------------------------------------------------------------- queries


def rubrics_of(edition: Edition) -> list[Rubric]:
    """Every rubric of the edition: by level order, category (general first), version."""
    rubrics = list(db.session.scalars(select(Rubric).where(Rubric.edition_id == edition.id)))
    level_pos = {lv.id: lv.position for lv in edition.levels}
    cat_pos = {c.id: c.position for c in edition.categories}
    rubrics.sort(
        key=lambda r: (
            level_pos.get(r.level_id, 0),
            -1 if r.category_id is None else cat_pos.get(r.category_id, 0),
            -r.version,
        )
    )
    return rubrics


def _newest(edition_id: int, level_id: int, category_id: int | None) -> Rubric | None:
    cat = Rubric.category_id.is_(None) if category_id is None else Rubric.category_id == category_id
    return db.session.scalar(
        select(Rubric)
        .where(Rubric.edition_id == edition_id, Rubric.level_id == level_id, cat)
        .order_by(Rubric.version.desc())
        .limit(1)
    )


def rubric_for(entry: Entry, level: Level) -> Rubric | None:
    """The rubric an entry is scored with at ``level``: the newest version of the rubric
    of its category if there is one, else the newest version of the level's general
    rubric, else ``None``."""
    if entry.category_id is not None:
        specific = _newest(level.edition_id, level.id, entry.category_id)
        if specific is not None:
            return specific
    return _newest(level.edition_id, level.id, None)


def rubric_in_use(rubric: Rubric) -> int:
    """Number of score sheets scored with this rubric version."""
    return db.session.scalar(
        select(func.count()).select_from(ScoreSheet).where(ScoreSheet.rubric_id == rubric.id)
    ) or 0


def is_newest(rubric: Rubric) -> bool:
    newest = _newest(rubric.edition_id, rubric.level_id, rubric.category_id)
    return newest is not None and newest.id == rubric.id


# ----------------------------------------------------------------------------- changes


def _snapshot(rubric: Rubric) -> dict:
    return {
        "name": rubric.name,
        "version": rubric.version,
        "criteria": [
            {
                "code": c.code,
                "name": c.name,
                "max_points": str(c.max_points),
                "step": str(c.step),
                "bands": c.bands or [],
            }
            for c in rubric.criteria
        ],
    }


def _check_scope(edition: Edition, level: Level, category: Category | None) -> None:
    if level.edition_id != edition.id:
        raise RubricError("Cấp thi không thuộc kỳ thi này.")
    if category is not None and category.edition_id != edition.id:
        raise RubricError("Lĩnh vực không thuộc kỳ thi này.")


def _fill(rubric: Rubric, specs: list[CriterionSpec]) -> None:
    by_code = {c.code: c for c in rubric.criteria}
    kept: list[Criterion] = []
    for position, spec in enumerate(specs, start=1):
        crit = by_code.pop(spec.code, None) or Criterion(code=spec.code)
        crit.position = position
        crit.name = spec.name
        crit.description = spec.description or None
        crit.max_points = spec.max_points
        crit.step = spec.step
        crit.bands = list(spec.bands) or None
        kept.append(crit)
    rubric.criteria = kept


def create_rubric(
    edition: Edition,
    level: Level,
    category: Category | None,
    name: str,
    criteria: Sequence[CriterionSpec],
    *,
    actor=None,
) -> Rubric:
    """A new rubric (version 1) for a level and optional category. Refused when one
    exists already for that scope: edit it, or make a new version of it."""
    _check_scope(edition, level, category)
    existing = _newest(edition.id, level.id, category.id if category else None)
    if existing is not None:
        scope = level.name + (f" – {category.name}" if category else " (mọi lĩnh vực)")
        raise RubricError(
            f"Đã có bảng tiêu chí cho {scope} (phiên bản {existing.version}); "
            "hãy sửa bảng đó hoặc tạo phiên bản mới."
        )
    name = normalize_text(name)[:200]
    if not name:
        raise RubricError("Bảng tiêu chí cần có tên.")
    specs = _check_specs(criteria)
    rubric = Rubric(
        edition_id=edition.id,
        level_id=level.id,
        category_id=category.id if category else None,
        version=1,
        name=name,
    )
    _fill(rubric, specs)
    db.session.add(rubric)
    db.session.flush()
    audit.record("rubric.create", "rubric", rubric.id, user=actor, new=_snapshot(rubric))
    return rubric


def update_rubric(rubric: Rubric, name: str, criteria: Sequence[CriterionSpec], *, actor=None) -> Rubric:
    """Change the name and criteria of an unlocked rubric that no sheet uses."""
    if rubric.locked:
        raise RubricError(
            "Bảng tiêu chí đã khoá vì đã bắt đầu chấm; không sửa được. "
            "Hãy dùng “Tạo phiên bản mới”."
        )
    if rubric_in_use(rubric):
        raise RubricError(
            "Đã có phiếu chấm theo bảng tiêu chí này; không sửa được. Hãy dùng “Tạo phiên bản mới”."
        )
    name = normalize_text(name)[:200]
    if not name:
        raise RubricError("Bảng tiêu chí cần có tên.")
    specs = _check_specs(criteria)
    old = _snapshot(rubric)
    rubric.name = name
    _fill(rubric, specs)
    db.session.flush()
    new = _snapshot(rubric)
    if old != new:
        audit.record("rubric.update", "rubric", rubric.id, user=actor, old=old, new=new)
    return rubric


def new_version(rubric: Rubric, *, actor=None, reason: str | None = None) -> Rubric:
    """Copy the newest version of a rubric to version + 1 (unlocked, editable).

    Only the newest version can be copied (two branches of one rubric would make
    :func:`rubric_for` ambiguous). Sheets already scored keep the old version."""
    if not is_newest(rubric):
        raise RubricError("Chỉ tạo phiên bản mới từ phiên bản mới nhất của bảng tiêu chí.")
    copy = Rubric(
        edition_id=rubric.edition_id,
        level_id=rubric.level_id,
        category_id=rubric.category_id,
        version=rubric.version + 1,
        name=rubric.name,
    )
    copy.criteria = [
        Criterion(
            position=c.position,
            code=c.code,
            name=c.name,
            description=c.description,
            max_points=c.max_points,
            step=c.step,
            bands=list(c.bands) if c.bands else None,
        )
        for c in rubric.criteria
    ]
    db.session.add(copy)
    db.session.flush()
    audit.record(
        "rubric.new_version",
        "rubric",
        copy.id,
        user=actor,
        old={"rubric_id": rubric.id, "version": rubric.version},
        new={"rubric_id": copy.id, "version": copy.version},
        reason=normalize_text(reason) or None,
    )
    return copy


def delete_rubric(rubric: Rubric, *, actor=None) -> None:
    """Delete an unlocked rubric version that no sheet uses."""
    if rubric.locked or rubric_in_use(rubric):
        raise RubricError("Bảng tiêu chí đã dùng để chấm; không xoá được.")
    audit.record("rubric.delete", "rubric", rubric.id, user=actor, old=_snapshot(rubric))
    db.session.delete(rubric)
    db.session.flush()


def lock_rubric(rubric: Rubric) -> None:
    """Mark a rubric as in use (the scoring service does this when scoring starts)."""
    from contest.models import utcnow

    if rubric.locked_at is None:
        rubric.locked_at = utcnow()
