"""Scoring: what a judge (tablet) or a panel secretary (paper sheet) records on a score sheet.

Services take explicit arguments (never ``request``) and never commit: the caller owns the
transaction (routes use :func:`commit_with_retry`). Every change of a point, the comment or
the sheet's status writes one :class:`ScoreChange` row (who, when, old, new, device,
reason). A change carries an idempotency key (a UUID the tablet made when the judge
entered the value); the key is UNIQUE in the database, so a save that a tablet retries
after a lost response lands exactly once, also when two copies race each other: the
write runs in a SAVEPOINT, a duplicate key fails the flush with an IntegrityError, the
savepoint is rolled back and the stored result is returned instead.

Reads and checks happen before the SAVEPOINT and only writes inside it: on SQLite (WAL)
a transaction that reads first and writes later can fail at once when another process
wrote in between, whereas one that starts with a write waits for the lock.

Independence: nothing here returns one judge's sheet to another judge; the routes only
ever hand a judge their own assignments.

Messages are Vietnamese; code and comments English.
"""

from __future__ import annotations

import math
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from contest.extensions import db
from contest.models import (
    ORGANISER,
    Assignment,
    Entry,
    Panel,
    PanelMember,
    Rubric,
    ScoreChange,
    ScoreItem,
    ScoreSheet,
    utcnow,
)
from contest.text import normalize_text

__all__ = [
    "MAX_COMMENT",
    "SOURCES",
    "SaveResult",
    "ScoringError",
    "check_points",
    "clean_comment",
    "clean_key",
    "commit_with_retry",
    "format_points",
    "judge_assignments",
    "judge_can_see_entry_files",
    "judge_overview",
    "may_enter_paper",
    "may_reopen",
    "missing_criteria",
    "parse_client_time",
    "parse_points",
    "record_comment",
    "record_score",
    "reopen_sheet",
    "rubric_for_assignment",
    "sheet_state",
    "sheet_total",
    "submit_sheet",
]

SOURCES = ("tablet", "paper")
MAX_COMMENT = 4000
MAX_REASON = 1000
MAX_DEVICE = 200
DEFAULT_STEP = Decimal("0.01")
CENT = Decimal("0.01")
_KEY_RE = re.compile(r"^[A-Za-z0-9._:-]{8,80}$")
_ATTEMPTS = 3

MSG_NOT_FOUND = "Không tìm thấy phiếu chấm này, hoặc bài này không được phân công cho bạn."
MSG_NO_RUBRIC = "Chưa có bộ tiêu chí chấm điểm cho bài này. Vui lòng báo Ban Tổ chức."
MSG_CRITERION = "Tiêu chí chấm không thuộc phiếu chấm của bài này."
MSG_NOT_NUMBER = "Điểm phải là một số (ví dụ 7 hoặc 7,5)."
MSG_KEY = "Thiếu hoặc sai mã thao tác (idempotency_key). Vui lòng tải lại trang."
MSG_KEY_REUSED = "Mã thao tác này đã được dùng cho một thay đổi khác."
MSG_PANEL_CLOSED = "Hội đồng chấm đã kết thúc, không thể thay đổi điểm nữa."
MSG_SUBMITTED = "Phiếu chấm đã nộp, không thể sửa điểm. Nếu cần sửa, hãy đề nghị Chủ tịch hội đồng mở lại phiếu."
MSG_PAPER_ROLE = "Chỉ Thư ký hội đồng hoặc Ban Tổ chức được nhập phiếu chấm giấy."
MSG_PAPER_REASON = "Phiếu đã nộp: cần ghi lý do khi sửa điểm theo phiếu giấy."
MSG_SOURCE = "Nguồn điểm không hợp lệ."
MSG_NOT_STARTED = "Phiếu chấm chưa có điểm nào."
MSG_REOPEN_ROLE = "Chỉ Chủ tịch hội đồng hoặc Ban Tổ chức được mở lại phiếu chấm."
MSG_REOPEN_REASON = "Cần ghi rõ lý do mở lại phiếu chấm."
MSG_REOPEN_DRAFT = "Phiếu chấm chưa nộp nên không cần mở lại."
MSG_COMMENT_LONG = f"Nhận xét dài quá {MAX_COMMENT:,} ký tự.".replace(",", ".")


class ScoringError(Exception):
    """A refused action. ``message`` is Vietnamese; ``status`` the HTTP status a route
    should answer with (404 not found / not yours, 403 role, 409 state, 422 bad value)."""

    def __init__(self, message: str, status: int = 422, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


@dataclass
class SaveResult:
    """What the server holds after a save (or held, for a repeated idempotency key)."""

    saved: bool
    duplicate: bool
    field: str  # points | comment | status
    sheet_status: str
    total: Decimal | None
    criterion_id: int | None = None
    points: Decimal | None = None
    change_id: int | None = None
    server_time: datetime = field(default_factory=utcnow)
    scored: int = 0
    criteria: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "saved": self.saved,
            "duplicate": self.duplicate,
            "field": self.field,
            "sheet_status": self.sheet_status,
            "total": _num(self.total),
            "criterion_id": self.criterion_id,
            "points": _num(self.points),
            "change_id": self.change_id,
            "server_time": iso(self.server_time),
            "scored": self.scored,
            "criteria": self.criteria,
        }


# --------------------------------------------------------------------------------------
# Pure rules (no database)
# --------------------------------------------------------------------------------------


def format_points(value: Decimal | int | float | None) -> str:
    """Vietnamese number: decimal comma, no trailing zeros ("7,5", "30")."""
    if value is None:
        return ""
    d = Decimal(str(value)).quantize(CENT)
    text = f"{d:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace(".", ",")


def parse_points(value: Any) -> Decimal:
    """A point value from JSON or a form: a number, or a string with a decimal comma or
    point ("7,5", "7.5", " 8 "). Raises ScoringError (422) for anything else."""
    if isinstance(value, bool) or value is None:
        raise ScoringError(MSG_NOT_NUMBER)
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ScoringError(MSG_NOT_NUMBER)
        result = Decimal(repr(value))  # shortest repr: 7.1 -> Decimal("7.1")
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", text):
            raise ScoringError(MSG_NOT_NUMBER)
        try:
            result = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern rules this out
            raise ScoringError(MSG_NOT_NUMBER) from None
    else:
        raise ScoringError(MSG_NOT_NUMBER)
    if not result.is_finite():
        raise ScoringError(MSG_NOT_NUMBER)
    return result


def check_points(points: Decimal, *, max_points: Decimal, step: Decimal | None, name: str = "") -> Decimal:
    """``points`` if it lies within 0..max_points on the criterion's step (the maximum
    itself is always allowed), else ScoringError (422) in Vietnamese."""
    label = f"tiêu chí “{name}”" if name else "tiêu chí này"
    max_points = Decimal(max_points)
    if points < 0 or points > max_points:
        raise ScoringError(f"Điểm của {label} phải từ 0 đến {format_points(max_points)}.", 422, "out_of_bounds")
    if points != points.quantize(CENT):
        raise ScoringError(f"Điểm của {label} chỉ được có tối đa 2 chữ số thập phân.", 422, "off_step")
    step = Decimal(step) if step else DEFAULT_STEP
    if step <= 0:
        step = DEFAULT_STEP
    if points != max_points and points % step != 0:
        raise ScoringError(
            f"Điểm của {label} phải chia hết cho bước {format_points(step)} "
            f"(ví dụ {format_points(step * 2)} hoặc {format_points(step * 3)}).",
            422,
            "off_step",
        )
    return points.quantize(CENT)


def sheet_total(points: Iterable[Decimal | None]) -> Decimal | None:
    """Sum of the scored criteria (None while nothing is scored)."""
    values = [p for p in points if p is not None]
    if not values:
        return None
    return sum(values, Decimal(0)).quantize(CENT)


def missing_criteria(criteria: Iterable[tuple[int, str]], scored_ids: Iterable[int]) -> list[str]:
    """Names of the criteria (id, name) that have no score yet, in rubric order."""
    scored = set(scored_ids)
    return [name for cid, name in criteria if cid not in scored]


def clean_key(key: Any) -> str:
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key.strip()):
        raise ScoringError(MSG_KEY, 422, "bad_key")
    return key.strip()


def clean_comment(text: Any) -> str | None:
    """NFC text, line breaks kept (each line cleaned like any typed text), at most
    MAX_COMMENT characters; empty -> None."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ScoringError("Nhận xét phải là văn bản.")
    lines = [normalize_text(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    cleaned = "\n".join(lines).strip("\n")
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned)
    if len(cleaned) > MAX_COMMENT:
        raise ScoringError(MSG_COMMENT_LONG, 422, "too_long")
    return cleaned or None


def clean_reason(text: Any) -> str | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise ScoringError("Lý do phải là văn bản.")
    reason = normalize_text(text)
    return reason[:MAX_REASON] or None


def clean_device(device: Any) -> str | None:
    if not isinstance(device, str):
        return None
    return normalize_text(device)[:MAX_DEVICE] or None


def parse_client_time(value: Any) -> datetime | None:
    """The tablet's clock when the judge entered the value (informational: a bad or
    missing value never refuses a score). ISO 8601 or epoch milliseconds -> naive UTC."""
    try:
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int | float):
            if not math.isfinite(value):
                return None
            return datetime.fromtimestamp(value / 1000, UTC).replace(tzinfo=None)
        if isinstance(value, str) and 10 <= len(value) <= 40:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(UTC).replace(tzinfo=None)
            return parsed
    except (ValueError, OverflowError, OSError):
        return None
    return None


def iso(value: datetime | None) -> str | None:
    """Naive UTC -> ISO 8601 with a Z (what the browser's Date understands)."""
    if value is None:
        return None
    return value.replace(microsecond=(value.microsecond // 1000) * 1000).isoformat(timespec="milliseconds") + "Z"


def _num(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


# --------------------------------------------------------------------------------------
# Lookups
# --------------------------------------------------------------------------------------


def _newest_rubric(edition_id: int, level_id: int, category_id: int | None) -> Rubric | None:
    """The newest rubric of the edition and level for the entry's category, else the
    newest one for every category (category NULL)."""
    for cat in ([category_id] if category_id is not None else []) + [None]:
        cond = Rubric.category_id.is_(None) if cat is None else Rubric.category_id == cat
        rubric = db.session.scalar(
            select(Rubric).where(Rubric.edition_id == edition_id, Rubric.level_id == level_id, cond)
            .order_by(Rubric.version.desc(), Rubric.id.desc()).limit(1)
        )
        if rubric is not None:
            return rubric
    return None


def rubric_for_assignment(assignment: Assignment) -> Rubric | None:
    """The sheet's rubric once the sheet exists; before that the rubric the organiser
    side names (``judging.rubrics.rubric_for``) or, while that module is not there, the
    newest matching rubric."""
    if assignment.sheet is not None:
        return assignment.sheet.rubric
    panel, entry = assignment.panel, assignment.entry
    try:
        from judging.rubrics import rubric_for  # written by the organiser side
    except ModuleNotFoundError as exc:
        if exc.name not in ("judging.rubrics", "judging"):
            raise
        rubric_for = None
    if rubric_for is not None:
        return rubric_for(entry, panel.level)
    return _newest_rubric(panel.edition_id, panel.level_id, entry.category_id)


def _change_by_key(key: str) -> ScoreChange | None:
    return db.session.scalar(select(ScoreChange).where(ScoreChange.idempotency_key == key))


def _panel_role(user, panel: Panel) -> str | None:
    return db.session.scalar(
        select(PanelMember.role).where(PanelMember.panel_id == panel.id, PanelMember.user_id == user.id)
    )


def _is_organiser(user) -> bool:
    return bool(user is not None and user.has_role(ORGANISER))


def may_enter_paper(user, panel: Panel) -> bool:
    return _is_organiser(user) or _panel_role(user, panel) == "secretary"


def may_reopen(user, panel: Panel) -> bool:
    return _is_organiser(user) or _panel_role(user, panel) == "chair"


def judge_can_see_entry_files(user, entry: Entry) -> bool:
    """A judge assigned to the entry may see its photos and attachments (registered with
    ``registration.uploads.register_view_check``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(db.session.scalar(
        select(exists().where(Assignment.entry_id == entry.id, Assignment.judge_id == user.id))
    ))


def _scored_ids(sheet: ScoreSheet | None) -> set[int]:
    return {i.criterion_id for i in sheet.items} if sheet is not None else set()


# --------------------------------------------------------------------------------------
# Checks shared by the writers
# --------------------------------------------------------------------------------------


def _check_source(source: str) -> None:
    if source not in SOURCES:
        raise ScoringError(MSG_SOURCE)


def _check_actor(assignment: Assignment, user, source: str) -> None:
    """Tablet saves only by the assigned judge (others learn nothing: 404); paper
    sheets only by the panel's secretary or an organiser (403)."""
    if user is None:
        raise ScoringError(MSG_NOT_FOUND, 404, "not_found")
    if source == "tablet":
        if assignment.judge_id != user.id:
            raise ScoringError(MSG_NOT_FOUND, 404, "not_found")
    elif not may_enter_paper(user, assignment.panel):
        raise ScoringError(MSG_PAPER_ROLE, 403, "forbidden")


def _check_open(assignment: Assignment, sheet: ScoreSheet | None, source: str, reason: str | None) -> None:
    if assignment.panel.closed_at is not None:
        raise ScoringError(MSG_PANEL_CLOSED, 409, "panel_closed")
    if sheet is not None and sheet.status == "submitted":
        if source != "paper":
            raise ScoringError(MSG_SUBMITTED, 409, "submitted")
        if not reason:
            raise ScoringError(MSG_PAPER_REASON, 422, "reason_required")


def _result(sheet: ScoreSheet | None, *, field: str, saved: bool, duplicate: bool, change: ScoreChange | None = None,
            criterion_id: int | None = None, points: Decimal | None = None) -> SaveResult:
    criteria = len(sheet.rubric.criteria) if sheet is not None else 0
    return SaveResult(
        saved=saved, duplicate=duplicate, field=field,
        sheet_status=sheet.status if sheet is not None else "draft",
        total=sheet.total if sheet is not None else None,
        criterion_id=criterion_id, points=points,
        change_id=change.id if change is not None else None,
        server_time=utcnow(), scored=len(_scored_ids(sheet)), criteria=criteria,
    )


def _replay(change: ScoreChange, assignment: Assignment, field: str, criterion_id: int | None) -> SaveResult:
    """The result of a change already stored under this idempotency key."""
    sheet = db.session.get(ScoreSheet, change.sheet_id)
    if sheet is None or sheet.assignment_id != assignment.id or change.field != field or (
        field == "points" and change.criterion_id != criterion_id
    ):
        raise ScoringError(MSG_KEY_REUSED, 409, "key_reused")
    points = None
    if field == "points" and change.new is not None:
        points = Decimal(change.new)
    return _result(sheet, field=field, saved=True, duplicate=True, change=change,
                   criterion_id=change.criterion_id, points=points)


def _begin_sqlite_transaction() -> None:
    """pysqlite's legacy transaction control does not BEGIN before a SAVEPOINT: the
    SAVEPOINT would open the transaction itself and its RELEASE would commit it, so a
    later rollback by the caller (a failed batch of paper scores) could not undo the
    change. Open the transaction explicitly first (a no-op on PostgreSQL, and when a
    transaction is already open). Called just before the writes: reads happened before
    it, outside the transaction, so SQLite's write lock is taken without a stale snapshot."""
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.dbapi_connection
    if isinstance(raw, sqlite3.Connection) and not raw.in_transaction:
        raw.execute("BEGIN")


def _once(key: str | None, assignment: Assignment, field: str, criterion_id: int | None,
          prepare: Callable[[], Callable[[], SaveResult]]) -> SaveResult:
    """Run ``prepare`` (reads and checks, returns the writer) and then the writer in a
    SAVEPOINT; a repeated key returns the stored result, also when the repeat only shows
    up as an IntegrityError at flush (two copies racing)."""
    for attempt in range(_ATTEMPTS):
        if key is not None:
            existing = _change_by_key(key)
            if existing is not None:
                return _replay(existing, assignment, field, criterion_id)
        write = prepare()
        _begin_sqlite_transaction()
        try:
            with db.session.begin_nested():
                result = write()
                db.session.flush()
        except IntegrityError:
            # A duplicate key (or a sheet/item row created by a concurrent save): the
            # savepoint is rolled back; look again.
            if attempt == _ATTEMPTS - 1:
                raise
            continue
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def _new_sheet(assignment: Assignment, rubric: Rubric, source: str) -> ScoreSheet:
    """A draft sheet for the assignment, flushed so that its id is known (inside the
    caller's SAVEPOINT: a sheet created by a concurrent save fails here and is retried)."""
    sheet = ScoreSheet(assignment_id=assignment.id, rubric_id=rubric.id, status="draft", source=source)
    sheet.rubric = rubric
    if rubric.locked_at is None:  # a sheet exists: the rubric may no longer change
        rubric.locked_at = utcnow()
    assignment.sheet = sheet
    db.session.add(sheet)
    db.session.flush()
    return sheet


# --------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------


def record_score(assignment: Assignment, criterion_id: Any, points: Any, *, user, idempotency_key: Any,
                 device: Any = None, client_time: Any = None, reason: Any = None,
                 source: str = "tablet") -> SaveResult:
    """Set one criterion's points on the assignment's sheet (creating the sheet and
    locking the rubric on the first score), recompute the total and log the change.

    Exactly once per ``idempotency_key``: a repeat returns the stored result without a
    second change. Raises ScoringError (Vietnamese message, HTTP status)."""
    _check_source(source)
    key = clean_key(idempotency_key)
    device = clean_device(device)
    at_client = parse_client_time(client_time)
    why = clean_reason(reason)
    try:
        cid = int(criterion_id)
    except (TypeError, ValueError):
        raise ScoringError(MSG_CRITERION, 404, "criterion_not_found") from None
    if isinstance(criterion_id, bool):
        raise ScoringError(MSG_CRITERION, 404, "criterion_not_found")

    def prepare() -> Callable[[], SaveResult]:
        _check_actor(assignment, user, source)
        sheet = assignment.sheet
        _check_open(assignment, sheet, source, why)
        rubric = sheet.rubric if sheet is not None else rubric_for_assignment(assignment)
        if rubric is None:
            raise ScoringError(MSG_NO_RUBRIC, 409, "no_rubric")
        criterion = next((c for c in rubric.criteria if c.id == cid), None)
        if criterion is None:
            raise ScoringError(MSG_CRITERION, 404, "criterion_not_found")
        value = check_points(parse_points(points), max_points=criterion.max_points, step=criterion.step,
                             name=criterion.name)
        item = next((i for i in sheet.items if i.criterion_id == cid), None) if sheet is not None else None
        others = [i.points for i in sheet.items if i.criterion_id != cid] if sheet is not None else []

        def write() -> SaveResult:
            target = sheet if sheet is not None else _new_sheet(assignment, rubric, source)
            old = item.points if item is not None else None
            if item is None:
                target.items.append(ScoreItem(criterion_id=cid, points=value))
            else:
                item.points = value
                item.updated_at = utcnow()
            target.total = sheet_total([*others, value])
            target.updated_at = utcnow()
            if source == "paper":
                target.source = "paper"
            if rubric.locked_at is None:
                rubric.locked_at = utcnow()
            change = ScoreChange(
                sheet_id=target.id, criterion_id=cid, field="points",
                old=None if old is None else f"{old:f}", new=f"{value:f}",
                user_id=user.id, at=utcnow(), device=device, reason=why, idempotency_key=key,
                client_time=at_client,
            )
            db.session.add(change)
            db.session.flush()
            return _result(target, field="points", saved=True, duplicate=False, change=change,
                           criterion_id=cid, points=value)

        return write

    return _once(key, assignment, "points", cid, prepare)


def record_comment(assignment: Assignment, comment: Any, *, user, idempotency_key: Any, device: Any = None,
                   client_time: Any = None, reason: Any = None, source: str = "tablet") -> SaveResult:
    """Set the sheet's comment (the judge's remarks); logged like a score."""
    _check_source(source)
    key = clean_key(idempotency_key)
    text = clean_comment(comment)
    device = clean_device(device)
    at_client = parse_client_time(client_time)
    why = clean_reason(reason)

    def prepare() -> Callable[[], SaveResult]:
        _check_actor(assignment, user, source)
        sheet = assignment.sheet
        _check_open(assignment, sheet, source, why)
        rubric = sheet.rubric if sheet is not None else rubric_for_assignment(assignment)
        if rubric is None:
            raise ScoringError(MSG_NO_RUBRIC, 409, "no_rubric")

        def write() -> SaveResult:
            target = sheet if sheet is not None else _new_sheet(assignment, rubric, source)
            old = target.comment
            target.comment = text
            target.updated_at = utcnow()
            change = ScoreChange(
                sheet_id=target.id, field="comment", old=old, new=text, user_id=user.id, at=utcnow(), device=device,
                reason=why, idempotency_key=key, client_time=at_client,
            )
            db.session.add(change)
            db.session.flush()
            return _result(target, field="comment", saved=True, duplicate=False, change=change)

        return write

    return _once(key, assignment, "comment", None, prepare)


def submit_sheet(assignment: Assignment, user, *, idempotency_key: Any = None, device: Any = None,
                 client_time: Any = None, source: str = "tablet", reason: Any = None) -> SaveResult:
    """Submit (lock) the sheet: every criterion must be scored. Submitting a sheet that
    is already submitted changes nothing and reports success (a retried submit)."""
    _check_source(source)
    key = clean_key(idempotency_key) if idempotency_key is not None else None
    device = clean_device(device)
    at_client = parse_client_time(client_time)
    why = clean_reason(reason)

    def prepare() -> Callable[[], SaveResult]:
        _check_actor(assignment, user, source)
        if assignment.panel.closed_at is not None:
            raise ScoringError(MSG_PANEL_CLOSED, 409, "panel_closed")
        sheet = assignment.sheet
        if sheet is None:
            raise ScoringError(MSG_NOT_STARTED, 422, "incomplete")
        if sheet.status == "submitted":
            return lambda: _result(sheet, field="status", saved=True, duplicate=True)
        missing = missing_criteria([(c.id, c.name) for c in sheet.rubric.criteria], _scored_ids(sheet))
        if missing:
            names = ", ".join(f"“{n}”" for n in missing)
            raise ScoringError(f"Chưa chấm đủ các tiêu chí: {names}.", 422, "incomplete")

        def write() -> SaveResult:
            now = utcnow()
            sheet.status = "submitted"
            sheet.submitted_at = now
            sheet.updated_at = now
            if source == "paper":
                sheet.source = "paper"
            change = ScoreChange(
                sheet_id=sheet.id, field="status", old="draft", new="submitted", user_id=user.id, at=now, device=device,
                reason=why, idempotency_key=key, client_time=at_client,
            )
            db.session.add(change)
            db.session.flush()
            return _result(sheet, field="status", saved=True, duplicate=False, change=change)

        return write

    return _once(key, assignment, "status", None, prepare)


def reopen_sheet(assignment: Assignment, user, reason: Any, *, idempotency_key: Any = None,
                 device: Any = None) -> SaveResult:
    """Open a submitted sheet again so the judge can correct it: only the panel's chair
    or an organiser, with a reason; logged as a status change."""
    key = clean_key(idempotency_key) if idempotency_key is not None else None
    why = clean_reason(reason)
    device = clean_device(device)

    def prepare() -> Callable[[], SaveResult]:
        if user is None or not may_reopen(user, assignment.panel):
            raise ScoringError(MSG_REOPEN_ROLE, 403, "forbidden")
        if not why:
            raise ScoringError(MSG_REOPEN_REASON, 422, "reason_required")
        if assignment.panel.closed_at is not None:
            raise ScoringError("Hội đồng chấm đã kết thúc; cần mở lại hội đồng trước khi mở lại phiếu.", 409,
                               "panel_closed")
        sheet = assignment.sheet
        if sheet is None or sheet.status != "submitted":
            raise ScoringError(MSG_REOPEN_DRAFT, 409, "not_submitted")

        def write() -> SaveResult:
            now = utcnow()
            sheet.status = "draft"
            sheet.submitted_at = None
            sheet.updated_at = now
            change = ScoreChange(
                sheet_id=sheet.id, field="status", old="submitted", new="draft", user_id=user.id, at=now, device=device,
                reason=why, idempotency_key=key,
            )
            db.session.add(change)
            db.session.flush()
            return _result(sheet, field="status", saved=True, duplicate=False, change=change)

        return write

    return _once(key, assignment, "status", None, prepare)


# --------------------------------------------------------------------------------------
# Reading (a judge's own work only)
# --------------------------------------------------------------------------------------


def judge_assignments(user, edition=None) -> list[Assignment]:
    """The user's own assignments (optionally of one edition), by panel then entry code."""
    stmt = (
        select(Assignment)
        .join(Panel, Assignment.panel_id == Panel.id)
        .join(Entry, Assignment.entry_id == Entry.id)
        .where(Assignment.judge_id == user.id)
        .options(
            selectinload(Assignment.panel),
            selectinload(Assignment.entry),
            selectinload(Assignment.sheet).selectinload(ScoreSheet.items),
            selectinload(Assignment.sheet).selectinload(ScoreSheet.rubric).selectinload(Rubric.criteria),
        )
        .order_by(Panel.edition_id.desc(), Panel.name, Panel.id, Entry.code, Assignment.id)
    )
    if edition is not None:
        stmt = stmt.where(Panel.edition_id == getattr(edition, "id", edition))
    return list(db.session.scalars(stmt))


@dataclass
class AssignmentRow:
    assignment: Assignment
    status: str  # todo | draft | submitted
    status_label: str
    scored: int
    criteria: int
    total: Decimal | None


@dataclass
class PanelGroup:
    panel: Panel
    rows: list[AssignmentRow]

    @property
    def done(self) -> int:
        return sum(1 for r in self.rows if r.status == "submitted")

    @property
    def count(self) -> int:
        return len(self.rows)


def judge_overview(user, edition=None) -> list[PanelGroup]:
    """The judge's assignments grouped by panel, with progress per sheet."""
    groups: dict[int, PanelGroup] = {}
    for a in judge_assignments(user, edition):
        sheet = a.sheet
        if sheet is None:
            row = AssignmentRow(a, "todo", "Chưa chấm", 0, 0, None)
        else:
            n = len(sheet.rubric.criteria)
            scored = len(_scored_ids(sheet))
            if sheet.status == "submitted":
                label = "Đã nộp"
            else:
                label = f"Đang chấm ({scored}/{n} tiêu chí)"
            row = AssignmentRow(a, sheet.status, label, scored, n, sheet.total)
        groups.setdefault(a.panel_id, PanelGroup(a.panel, [])).rows.append(row)
    return list(groups.values())


def sheet_state(assignment: Assignment) -> dict[str, Any]:
    """What the server holds for this assignment's sheet (for its own judge only).

    `server_time` is taken before anything is read, so a save stamped later than it may or
    may not be in this answer; the tablet never lets this answer undo such a save."""
    read_at = utcnow()
    sheet = assignment.sheet
    rubric = rubric_for_assignment(assignment)
    items = {i.criterion_id: i for i in sheet.items} if sheet is not None else {}
    last = None
    if sheet is not None:
        last = db.session.scalar(select(ScoreChange.at).where(ScoreChange.sheet_id == sheet.id)
                                 .order_by(ScoreChange.at.desc(), ScoreChange.id.desc()).limit(1))
    criteria = list(rubric.criteria) if rubric is not None else []
    return {
        "assignment_id": assignment.id,
        "status": sheet.status if sheet is not None else "draft",
        "status_label": sheet.status_label if sheet is not None else "Chưa chấm",
        "started": sheet is not None,
        "total": _num(sheet.total) if sheet is not None else None,
        "max_total": _num(rubric.max_total) if rubric is not None else None,
        "comment": sheet.comment if sheet is not None else None,
        "submitted_at": iso(sheet.submitted_at) if sheet is not None else None,
        "panel_closed": assignment.panel.closed_at is not None,
        "points": {str(c.id): _num(items[c.id].points) for c in criteria if c.id in items},
        "updated": {str(c.id): iso(items[c.id].updated_at) for c in criteria if c.id in items},
        "criteria": [
            {"id": c.id, "code": c.code, "name": c.name, "max_points": _num(c.max_points),
             "step": _num(c.step or DEFAULT_STEP)}
            for c in criteria
        ],
        "last_change_at": iso(last),
        "server_time": iso(read_at),
    }


# --------------------------------------------------------------------------------------
# Transaction boundary (for routes and the CLI)
# --------------------------------------------------------------------------------------

T = TypeVar("T")
_RETRYABLE = (StaleDataError, OperationalError, IntegrityError)


def commit_with_retry(action: Callable[[], T], *, attempts: int = 4) -> T:
    """Run ``action`` and commit; on a lost optimistic lock (two saves to one sheet at
    once), a busy database or a racing insert, roll back and run it again (the
    idempotency key makes a rerun safe). ScoringError rolls back and propagates."""
    for attempt in range(attempts):
        try:
            result = action()
            db.session.commit()
            return result
        except ScoringError:
            db.session.rollback()
            raise
        except _RETRYABLE:
            db.session.rollback()
            if attempt == attempts - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
        except BaseException:
            db.session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover
