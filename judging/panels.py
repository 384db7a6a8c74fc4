"""Panels (hội đồng, tiểu ban), their members, declared conflicts and the assignment of
judges to entries.

The assignment itself is :func:`judging.assignment.assign` (pure); this module reads the
database into its plain inputs, writes its answer back as ``Assignment`` rows and audits
every change. Services take explicit arguments (no ``request``); callers commit.

Which entries a panel judges: accepted entries currently at the panel's level
(``Entry.level_id``) in its category; a panel without a category takes the categories no
other panel of the level covers. When several panels share one scope, the entries are
split between them (an entry that already has judges in one of them stays there).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from contest import audit
from contest.audit import ACTION_LABELS
from contest.auth.services import AccountError, create_user, grant_role
from contest.extensions import db
from contest.models import (
    JUDGE,
    Assignment,
    Category,
    ConflictDeclaration,
    Edition,
    Entry,
    Level,
    Panel,
    PanelMember,
    RoleGrant,
    ScoreItem,
    ScoreSheet,
    User,
    utcnow,
)
from contest.text import normalize_text
from judging import assignment as assign_math

__all__ = [
    "AssignmentReport",
    "PanelError",
    "RULES",
    "add_assignment",
    "add_member",
    "close_panel",
    "create_judge_account",
    "create_panel",
    "current_problems",
    "declare_conflict",
    "entries_by_panel",
    "judge_candidates",
    "judge_labels",
    "panels_of",
    "remove_assignment",
    "remove_conflict",
    "remove_member",
    "reopen_panel",
    "run_assignment",
    "scored_assignment_ids",
    "update_member",
    "update_panel",
]

RULES = {
    "mean": "Trung bình cộng điểm các giám khảo",
    "trimmed_mean": "Bỏ một điểm cao nhất và một điểm thấp nhất khi có từ 5 giám khảo trở lên",
}
SCORING_ROLES = ("member", "chair")  # secretaries keep the records, they do not score
DEFAULT_LINKS = 2
MAX_JUDGES_PER_ENTRY = 15

ACTION_LABELS.update(
    {
        "rubric.create": "Tạo bảng tiêu chí chấm",
        "rubric.update": "Sửa bảng tiêu chí chấm",
        "rubric.new_version": "Tạo phiên bản mới của bảng tiêu chí",
        "rubric.delete": "Xoá bảng tiêu chí chấm",
        "panel.create": "Lập hội đồng giám khảo",
        "panel.update": "Sửa hội đồng giám khảo",
        "panel.close": "Đóng hội đồng giám khảo",
        "panel.reopen": "Mở lại hội đồng giám khảo",
        "panel.member_add": "Thêm thành viên hội đồng",
        "panel.member_update": "Sửa thành viên hội đồng",
        "panel.member_remove": "Bớt thành viên hội đồng",
        "conflict.declare": "Khai báo xung đột lợi ích",
        "conflict.remove": "Bỏ khai báo xung đột lợi ích",
        "assignment.run": "Phân công giám khảo tự động",
        "assignment.add": "Phân thêm giám khảo chấm bài",
        "assignment.remove": "Bỏ phân công giám khảo",
        "results.write": "Ghi kết quả chấm vào cấp thi",
    }
)


class PanelError(ValueError):
    """A Vietnamese message for the user."""


# ----------------------------------------------------------------------------- panels


def panels_of(edition: Edition, level: Level | None = None) -> list[Panel]:
    stmt = (
        select(Panel)
        .where(Panel.edition_id == edition.id)
        .options(selectinload(Panel.members).selectinload(PanelMember.user), selectinload(Panel.category))
    )
    if level is not None:
        stmt = stmt.where(Panel.level_id == level.id)
    panels = list(db.session.scalars(stmt))
    level_pos = {lv.id: lv.position for lv in edition.levels}
    cat_pos = {c.id: c.position for c in edition.categories}
    panels.sort(
        key=lambda p: (
            level_pos.get(p.level_id, 0),
            10**6 if p.category_id is None else cat_pos.get(p.category_id, 0),
            p.id,
        )
    )
    return panels


def _panel_values(
    edition: Edition,
    level: Level,
    category: Category | None,
    name: str,
    judges_per_entry: int,
    rule: str,
    disagreement_threshold: Decimal | float | int,
    panel: Panel | None = None,
) -> dict:
    if level.edition_id != edition.id:
        raise PanelError("Cấp thi không thuộc kỳ thi này.")
    if category is not None and category.edition_id != edition.id:
        raise PanelError("Lĩnh vực không thuộc kỳ thi này.")
    name = normalize_text(name)[:200]
    if not name:
        raise PanelError("Hội đồng cần có tên.")
    clash = db.session.scalar(
        select(Panel.id).where(
            Panel.edition_id == edition.id,
            Panel.level_id == level.id,
            func.lower(Panel.name) == name.lower(),
            Panel.id != (panel.id if panel is not None else -1),
        )
    )
    if clash is not None:
        raise PanelError(f"Cấp thi này đã có hội đồng tên “{name}”.")
    if not 1 <= int(judges_per_entry) <= MAX_JUDGES_PER_ENTRY:
        raise PanelError(f"Số giám khảo chấm mỗi bài phải từ 1 đến {MAX_JUDGES_PER_ENTRY}.")
    if rule not in RULES:
        raise PanelError("Cách tính điểm không hợp lệ.")
    threshold = Decimal(str(disagreement_threshold))
    if not threshold.is_finite() or threshold <= 0 or threshold > 1000:
        raise PanelError("Ngưỡng chênh lệch phải lớn hơn 0 và không quá 1000 điểm.")
    threshold = threshold.quantize(Decimal("0.01"))
    return {
        "level_id": level.id,
        "category_id": category.id if category else None,
        "name": name,
        "judges_per_entry": int(judges_per_entry),
        "rule": rule,
        "disagreement_threshold": threshold,
    }


def _panel_dict(panel: Panel) -> dict:
    return {
        "name": panel.name,
        "level_id": panel.level_id,
        "category_id": panel.category_id,
        "judges_per_entry": panel.judges_per_entry,
        "rule": panel.rule,
        "disagreement_threshold": str(panel.disagreement_threshold),
    }


def create_panel(
    edition: Edition,
    level: Level,
    category: Category | None,
    name: str,
    *,
    judges_per_entry: int = 3,
    rule: str = "mean",
    disagreement_threshold: Decimal | float | int = 20,
    actor=None,
) -> Panel:
    values = _panel_values(edition, level, category, name, judges_per_entry, rule, disagreement_threshold)
    panel = Panel(edition_id=edition.id, **values)
    db.session.add(panel)
    db.session.flush()
    audit.record("panel.create", "panel", panel.id, user=actor, new=_panel_dict(panel))
    return panel


def update_panel(
    panel: Panel,
    *,
    category: Category | None,
    name: str,
    judges_per_entry: int,
    rule: str,
    disagreement_threshold: Decimal | float | int,
    actor=None,
) -> Panel:
    edition = db.session.get(Edition, panel.edition_id)
    level = db.session.get(Level, panel.level_id)
    values = _panel_values(
        edition, level, category, name, judges_per_entry, rule, disagreement_threshold, panel=panel
    )
    if values["category_id"] != panel.category_id and _has_any_scores(panel):
        raise PanelError("Hội đồng đã có điểm chấm; không đổi lĩnh vực được.")
    old, new = audit.changes(panel, list(values), values)
    if old:
        audit.record("panel.update", "panel", panel.id, user=actor, old=old, new=new)
    return panel


def close_panel(panel: Panel, *, actor=None) -> None:
    """No more scoring in the panel; its chair may now see its results."""
    if panel.closed:
        raise PanelError("Hội đồng đã đóng.")
    panel.closed_at = utcnow()
    audit.record("panel.close", "panel", panel.id, user=actor, new={"closed_at": panel.closed_at.isoformat()})


def reopen_panel(panel: Panel, *, actor=None, reason: str) -> None:
    reason = normalize_text(reason)
    if not reason:
        raise PanelError("Cần ghi lý do mở lại hội đồng.")
    if not panel.closed:
        raise PanelError("Hội đồng đang mở.")
    audit.record(
        "panel.reopen", "panel", panel.id, user=actor, old={"closed_at": panel.closed_at.isoformat()}, reason=reason
    )
    panel.closed_at = None


def _require_open(panel: Panel) -> None:
    if panel.closed:
        raise PanelError("Hội đồng đã đóng; không thay đổi phân công được nữa.")


# ----------------------------------------------------------------------------- members


def judge_candidates() -> list[User]:
    """Active users holding the judge role (any scope), by name."""
    users = db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == JUDGE)))
        .order_by(User.full_name)
    )
    return list(users)


def judge_labels(users: Iterable[User]) -> dict[int, str]:
    """A unique display name per user: the full name, with the user name when two
    judges share a name."""
    users = list({u.id: u for u in users}.values())
    counts = Counter(u.full_name for u in users)
    return {u.id: u.full_name if counts[u.full_name] == 1 else f"{u.full_name} ({u.username})" for u in users}


def create_judge_account(full_name: str, username: str, password: str, edition: Edition, *, actor=None) -> User:
    """A new judge account for this edition (create_user + judge role)."""
    if not normalize_text(full_name):
        raise PanelError("Cần nhập họ và tên giám khảo.")
    try:
        user = create_user(username, full_name, password, actor=actor)
        grant_role(user, JUDGE, edition_id=edition.id, actor=actor)
    except AccountError as exc:
        raise PanelError(str(exc)) from None
    return user


def _member_values(role: str, institution_id: int | None, area_unit_id: int | None, max_load: int | None) -> dict:
    if role not in ("member", "chair", "secretary"):
        raise PanelError("Vai trò trong hội đồng không hợp lệ.")
    if max_load is not None and (max_load < 1 or max_load > 10_000):
        raise PanelError("Số bài tối đa phải từ 1 trở lên (để trống nếu không giới hạn).")
    return {"role": role, "institution_id": institution_id, "area_unit_id": area_unit_id, "max_load": max_load}


def _one_chair(panel: Panel, member: PanelMember, actor) -> None:
    for other in panel.members:
        if other is not member and other.role == "chair":
            other.role = "member"
            audit.record(
                "panel.member_update", "panel_member", other.id, user=actor,
                old={"role": "chair"}, new={"role": "member"},
                reason="Hội đồng chỉ có một chủ tịch",
            )


def add_member(
    panel: Panel,
    user: User,
    *,
    role: str = "member",
    institution_id: int | None = None,
    area_unit_id: int | None = None,
    max_load: int | None = None,
    actor=None,
) -> PanelMember:
    if not user.has_role(JUDGE):
        raise PanelError("Chỉ thêm được tài khoản có vai trò giám khảo.")
    if any(m.user_id == user.id for m in panel.members):
        raise PanelError(f"{user.full_name} đã là thành viên của hội đồng.")
    values = _member_values(role, institution_id, area_unit_id, max_load)
    member = PanelMember(user_id=user.id, **values)
    member.user = user
    panel.members.append(member)
    db.session.flush()
    if role == "chair":
        _one_chair(panel, member, actor)
    if not any(g.role == JUDGE and g.edition_id == panel.edition_id for g in user.grants):
        grant_role(user, JUDGE, edition_id=panel.edition_id, actor=actor)
    audit.record(
        "panel.member_add", "panel", panel.id, user=actor, new={"user_id": user.id, **values}
    )
    return member


def update_member(
    member: PanelMember,
    *,
    role: str,
    institution_id: int | None,
    area_unit_id: int | None,
    max_load: int | None,
    actor=None,
) -> PanelMember:
    values = _member_values(role, institution_id, area_unit_id, max_load)
    if role == "secretary" and member.role != "secretary":
        if _assignments(member.panel_id, judge_id=member.user_id):
            raise PanelError("Thành viên đang được phân chấm bài; hãy bỏ phân công trước khi chuyển làm thư ký.")
    old, new = audit.changes(member, list(values), values)
    if role == "chair":
        _one_chair(member.panel, member, actor)
    if old:
        audit.record("panel.member_update", "panel_member", member.id, user=actor, old=old, new=new)
    return member


def remove_member(member: PanelMember, *, actor=None) -> int:
    """Remove a member and their unscored assignments in the panel; refused when they
    have scored any entry of the panel. Returns the number of assignments removed."""
    panel = member.panel
    rows = _assignments(panel.id, judge_id=member.user_id)
    scored = scored_assignment_ids([a.id for a in rows])
    if scored:
        raise PanelError(
            f"{member.user.full_name} đã chấm {len(scored)} bài trong hội đồng; không bớt được thành viên này."
        )
    if rows:
        _require_open(panel)
    for a in rows:
        db.session.delete(a)
    audit.record(
        "panel.member_remove", "panel", panel.id, user=actor,
        old={"user_id": member.user_id, "role": member.role, "assignments": [a.entry_id for a in rows]},
    )
    panel.members.remove(member)
    db.session.flush()
    return len(rows)


# ----------------------------------------------------------------------------- conflicts


def declare_conflict(user: User, entry: Entry, reason: str, *, actor=None) -> tuple[ConflictDeclaration, int]:
    """Record that ``user`` must not judge ``entry``. Unscored assignments of that pair
    are removed at once (returned count); a scored one stays and is reported by
    :func:`current_problems` until the organiser removes it with a reason."""
    reason = normalize_text(reason)[:2000]
    if not reason:
        raise PanelError("Cần ghi lý do xung đột lợi ích.")
    exists = db.session.scalar(
        select(ConflictDeclaration).where(ConflictDeclaration.user_id == user.id, ConflictDeclaration.entry_id == entry.id)
    )
    if exists is not None:
        raise PanelError(f"Đã khai báo xung đột giữa {user.full_name} và bài {entry.code}.")
    conflict = ConflictDeclaration(user_id=user.id, entry_id=entry.id, reason=reason)
    db.session.add(conflict)
    db.session.flush()
    audit.record(
        "conflict.declare", "conflict", conflict.id, user=actor,
        new={"user_id": user.id, "entry_id": entry.id}, reason=reason,
    )
    rows = list(
        db.session.scalars(
            select(Assignment).where(Assignment.judge_id == user.id, Assignment.entry_id == entry.id)
        )
    )
    scored = set(scored_assignment_ids([a.id for a in rows]))
    removed = 0
    for a in rows:
        if a.id not in scored and not a.panel.closed:
            remove_assignment(a, actor=actor, reason="Khai báo xung đột lợi ích: " + reason)
            removed += 1
    return conflict, removed


def remove_conflict(conflict: ConflictDeclaration, *, actor=None) -> None:
    audit.record(
        "conflict.remove", "conflict", conflict.id, user=actor,
        old={"user_id": conflict.user_id, "entry_id": conflict.entry_id, "reason": conflict.reason},
    )
    db.session.delete(conflict)
    db.session.flush()


def conflicts_of(edition: Edition) -> list[ConflictDeclaration]:
    return list(
        db.session.scalars(
            select(ConflictDeclaration)
            .join(Entry, Entry.id == ConflictDeclaration.entry_id)
            .where(Entry.edition_id == edition.id)
            .order_by(ConflictDeclaration.id)
        )
    )


# ----------------------------------------------------------------------------- entries


def _panel_scope(panel: Panel) -> int | None:
    return panel.category_id


def entries_by_panel(edition: Edition, level: Level) -> dict[int, list[Entry]]:
    """Entries each panel of ``level`` judges (see the module docstring)."""
    panels = panels_of(edition, level)
    result: dict[int, list[Entry]] = {p.id: [] for p in panels}
    if not panels:
        return result
    entries = list(
        db.session.scalars(
            select(Entry)
            .where(Entry.edition_id == edition.id, Entry.level_id == level.id, Entry.status == "accepted")
            .options(selectinload(Entry.institution))
            .order_by(Entry.code)
        )
    )
    covered = {p.category_id for p in panels if p.category_id is not None}
    has_general = any(p.category_id is None for p in panels)
    groups: dict[int | None, list[Panel]] = defaultdict(list)
    for p in panels:
        groups[_panel_scope(p)].append(p)
    # Where an entry already has judges (sticky when panels share a scope).
    current: dict[int, Counter] = defaultdict(Counter)
    panel_ids = [p.id for p in panels]
    for entry_id, panel_id in db.session.execute(
        select(Assignment.entry_id, Assignment.panel_id).where(Assignment.panel_id.in_(panel_ids))
    ):
        current[entry_id][panel_id] += 1
    pending: dict[int | None, list[Entry]] = defaultdict(list)
    for entry in entries:
        scope = entry.category_id if entry.category_id in covered else None
        if scope is None and not has_general:
            continue  # no panel judges this category
        group = groups[scope]
        here = [pid for pid, _ in current[entry.id].most_common() if any(p.id == pid for p in group)]
        if here:
            result[here[0]].append(entry)
        else:
            pending[scope].append(entry)
    for scope, waiting in pending.items():
        group = groups[scope]
        for entry in waiting:
            target = min(group, key=lambda p: (len(result[p.id]), panel_ids.index(p.id)))
            result[target.id].append(entry)
    return result


def unjudged_entries(edition: Edition, level: Level) -> list[Entry]:
    """Accepted entries of the level that no panel covers (a category without panel)."""
    taken = {e.id for group in entries_by_panel(edition, level).values() for e in group}
    entries = db.session.scalars(
        select(Entry)
        .where(Entry.edition_id == edition.id, Entry.level_id == level.id, Entry.status == "accepted")
        .order_by(Entry.code)
    )
    return [e for e in entries if e.id not in taken]


# ----------------------------------------------------------------------------- assignments


def _assignments(panel_id: int, judge_id: int | None = None) -> list[Assignment]:
    stmt = select(Assignment).where(Assignment.panel_id == panel_id)
    if judge_id is not None:
        stmt = stmt.where(Assignment.judge_id == judge_id)
    return list(db.session.scalars(stmt))


def scored_assignment_ids(assignment_ids: Sequence[int] | None = None, panel_ids: Sequence[int] | None = None) -> set[int]:
    """Assignments whose sheet holds any score (a point on a criterion or a total)."""
    stmt = select(ScoreSheet.assignment_id).where(
        (ScoreSheet.total.is_not(None))
        | ScoreSheet.id.in_(select(ScoreItem.sheet_id))
    )
    if assignment_ids is not None:
        if not assignment_ids:
            return set()
        stmt = stmt.where(ScoreSheet.assignment_id.in_(assignment_ids))
    if panel_ids is not None:
        stmt = stmt.where(ScoreSheet.assignment_id.in_(select(Assignment.id).where(Assignment.panel_id.in_(panel_ids))))
    return set(db.session.scalars(stmt))


def _has_any_scores(panel: Panel) -> bool:
    return bool(scored_assignment_ids(panel_ids=[panel.id]))


@dataclass
class _Inputs:
    """The pure assignment inputs of a level, keyed by readable ids (entry codes and
    judge names) so that the Vietnamese reasons of :mod:`judging.assignment` read well."""

    panels: list[Panel]
    panel_key: dict[int, str]
    entries: dict[int, list[Entry]]
    entry_infos: list[assign_math.EntryInfo]
    judge_infos: list[assign_math.JudgeInfo]
    entry_by_key: dict[str, Entry]
    user_by_key: dict[str, int]
    key_of_user: dict[int, str]
    declared: set[tuple[str, str]]
    area_conflicts: bool
    k: dict[str, int]


def _panel_keys(panels: Sequence[Panel]) -> dict[int, str]:
    counts = Counter(p.name for p in panels)
    return {p.id: p.name if counts[p.name] == 1 else f"{p.name} (#{p.id})" for p in panels}


def _inputs(edition: Edition, level: Level, panels: Sequence[Panel]) -> _Inputs:
    by_panel = entries_by_panel(edition, level)
    panel_key = _panel_keys(panels)
    entries = {p.id: by_panel.get(p.id, []) for p in panels}
    entry_by_key: dict[str, Entry] = {}
    entry_infos = []
    for p in panels:
        for e in entries[p.id]:
            entry_by_key[e.code] = e
            entry_infos.append(assign_math.EntryInfo(e.code, e.institution_id, e.area_unit_id, panel_key[p.id]))
    members: dict[int, list[PanelMember]] = defaultdict(list)
    users: dict[int, User] = {}
    for p in panels:
        for m in p.members:
            if m.role in SCORING_ROLES:
                members[m.user_id].append(m)
                users[m.user_id] = m.user
    labels = judge_labels(users.values())
    judge_infos = []
    for user_id, ms in members.items():
        institution = next((m.institution_id for m in ms if m.institution_id is not None), None)
        area = next((m.area_unit_id for m in ms if m.area_unit_id is not None), None)
        loads = [m.max_load for m in ms if m.max_load is not None]
        judge_infos.append(
            assign_math.JudgeInfo(
                labels[user_id],
                institution,
                area,
                frozenset(panel_key[m.panel_id] for m in ms),
                min(loads) if loads else None,
            )
        )
    judge_infos.sort(key=lambda j: str(j.id))
    entry_ids = [e.id for group in entries.values() for e in group]
    code_of = {e.id: e.code for group in entries.values() for e in group}
    declared = set()
    if entry_ids and users:
        for user_id, entry_id in db.session.execute(
            select(ConflictDeclaration.user_id, ConflictDeclaration.entry_id).where(
                ConflictDeclaration.entry_id.in_(entry_ids), ConflictDeclaration.user_id.in_(list(users))
            )
        ):
            declared.add((labels[user_id], code_of[entry_id]))
    return _Inputs(
        panels=list(panels),
        panel_key=panel_key,
        entries=entries,
        entry_infos=entry_infos,
        judge_infos=judge_infos,
        entry_by_key=entry_by_key,
        user_by_key={label: uid for uid, label in labels.items()},
        key_of_user=labels,
        declared=declared,
        area_conflicts=level.area_kind is not None,
        k={panel_key[p.id]: p.judges_per_entry for p in panels},
    )


@dataclass
class Infeasible:
    entry: Entry
    panel_name: str
    assigned: int
    needed: int
    reason: str


@dataclass
class AssignmentReport:
    """What :func:`run_assignment` did."""

    added: int = 0
    removed: int = 0
    kept_scored: int = 0
    links: int = 0
    entries: int = 0
    infeasible: list[Infeasible] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    loads: dict[str, int] = field(default_factory=dict)


def run_assignment(
    edition: Edition,
    level: Level,
    *,
    links: int = DEFAULT_LINKS,
    seed: int | str = 0,
    actor=None,
) -> AssignmentReport:
    """(Re)assign the judges of every open panel of ``level`` at once.

    Conflicts: the judge's institution, their area at area levels (``level.area_kind``),
    declared conflicts. Loads are balanced within each panel; ``links`` entries per pair
    of adjacent panels get one extra judge from the other panel. Assignments whose sheet
    already holds scores are kept as they are; only the missing judges of those entries
    are filled in. Deterministic for a given ``seed``.
    """
    if links < 0 or links > 50:
        raise PanelError("Số bài nối giữa hai tiểu ban phải từ 0 đến 50.")
    panels = [p for p in panels_of(edition, level) if not p.closed]
    if not panels:
        raise PanelError("Cấp thi này chưa có hội đồng nào đang mở.")
    data = _inputs(edition, level, panels)
    panel_ids = [p.id for p in panels]
    existing = list(db.session.scalars(select(Assignment).where(Assignment.panel_id.in_(panel_ids))))
    scored = scored_assignment_ids([a.id for a in existing])
    report = AssignmentReport(entries=len(data.entry_infos))
    if not data.judge_infos:
        raise PanelError("Các hội đồng chưa có giám khảo chấm bài (thành viên hoặc chủ tịch).")

    # Fixed pairs (already scored) and what is left to assign.
    fixed: dict[int, list[Assignment]] = defaultdict(list)
    for a in existing:
        if a.id in scored:
            fixed[a.entry_id].append(a)
    user_load_fixed: Counter = Counter()
    for rows in fixed.values():
        for a in rows:
            user_load_fixed[a.judge_id] += 1
    to_assign = []
    full = set()
    panel_of_code = {}
    for info in data.entry_infos:
        entry = data.entry_by_key[info.id]
        panel_of_code[info.id] = next(p for p in panels if data.panel_key[p.id] == info.panel)
        own = [a for a in fixed.get(entry.id, []) if not a.is_link]
        if len(own) >= data.k[info.panel]:
            full.add(entry.id)
        else:
            to_assign.append(info)
    judges = []
    for j in data.judge_infos:
        uid = data.user_by_key[j.id]
        if j.max_load is not None:
            j = assign_math.JudgeInfo(j.id, j.institution_id, j.area_id, j.panels, max(0, j.max_load - user_load_fixed[uid]))
        judges.append(j)

    result = assign_math.assign(
        to_assign,
        judges,
        {key: k for key, k in data.k.items()},
        conflicts=data.declared,
        seed=seed,
        links=links,
        area_conflicts=data.area_conflicts,
        panel_order=[data.panel_key[p.id] for p in panels],
    )
    link_set = set(result.links)

    # Desired (entry id, user id) -> is_link.
    desired: dict[tuple[int, int], tuple[int, bool]] = {}
    for entry_id, rows in fixed.items():
        for a in rows:
            desired[(entry_id, a.judge_id)] = (a.panel_id, a.is_link)
    for code, judge_keys in result.judges_of.items():
        entry = data.entry_by_key[code]
        panel = panel_of_code[code]
        fixed_own = [a for a in fixed.get(entry.id, []) if not a.is_link]
        need = data.k[data.panel_key[panel.id]] - len(fixed_own)
        for key in judge_keys:
            uid = data.user_by_key[key]
            if (entry.id, uid) in desired:
                continue
            is_link = (code, key) in link_set
            if not is_link:
                if need <= 0:
                    continue
                need -= 1
            desired[(entry.id, uid)] = (panel.id, is_link)

    current = {(a.entry_id, a.judge_id): a for a in existing}
    removed_pairs, added_pairs = [], []
    for pair, a in current.items():
        if a.id in scored:
            report.kept_scored += 1
            continue
        if pair not in desired or desired[pair][0] != a.panel_id:
            removed_pairs.append([a.entry_id, a.judge_id, a.panel_id])
            db.session.delete(a)
        elif desired[pair][1] != a.is_link:
            a.is_link = desired[pair][1]
    db.session.flush()
    for (entry_id, uid), (panel_id, is_link) in desired.items():
        a = current.get((entry_id, uid))
        if a is not None and (a.id in scored or a.panel_id == panel_id):
            continue
        db.session.add(Assignment(panel_id=panel_id, entry_id=entry_id, judge_id=uid, is_link=is_link))
        added_pairs.append([entry_id, uid, panel_id])
    db.session.flush()

    report.added, report.removed = len(added_pairs), len(removed_pairs)
    report.links = sum(1 for _, is_link in desired.values() if is_link)
    report.notes = list(result.notes)
    for u in result.infeasible:
        entry = data.entry_by_key[u.entry_id]
        have = sum(1 for (e, _), (_, lk) in desired.items() if e == entry.id and not lk)
        if have >= u.needed:
            continue
        report.infeasible.append(Infeasible(entry, str(u.panel), have, u.needed, u.reason))
    loads: Counter = Counter()
    for (_, uid) in desired:
        loads[data.key_of_user.get(uid, str(uid))] += 1
    report.loads = dict(sorted(loads.items()))
    audit.record(
        "assignment.run", "level", level.id, user=actor,
        old={"removed": removed_pairs} if removed_pairs else None,
        new={
            "panels": panel_ids,
            "seed": str(seed),
            "links": links,
            "added": added_pairs,
            "kept_scored": report.kept_scored,
            "infeasible": [i.entry.id for i in report.infeasible],
        },
    )
    return report


def _conflict_reason(user: User, entry: Entry, level: Level) -> str | None:
    """Why ``user`` must not judge ``entry`` (Vietnamese), or None."""
    members = db.session.scalars(
        select(PanelMember).join(Panel, Panel.id == PanelMember.panel_id).where(
            PanelMember.user_id == user.id, Panel.level_id == level.id
        )
    ).all()
    for m in members:
        if m.institution_id is not None and m.institution_id == entry.institution_id:
            return f"{user.full_name} cùng đơn vị với bài {entry.code}."
        if (
            level.area_kind is not None
            and m.area_unit_id is not None
            and m.area_unit_id == entry.area_unit_id
        ):
            return f"{user.full_name} cùng địa bàn với bài {entry.code}."
    declared = db.session.scalar(
        select(ConflictDeclaration).where(
            ConflictDeclaration.user_id == user.id, ConflictDeclaration.entry_id == entry.id
        )
    )
    if declared is not None:
        return f"{user.full_name} đã khai báo xung đột lợi ích với bài {entry.code}: {declared.reason}"
    return None


def add_assignment(panel: Panel, entry: Entry, user: User, *, actor=None, reason: str | None = None) -> Assignment:
    """The organiser adds a judge to an entry of ``panel``. A judge of another panel of
    the same level becomes a linking judge (``is_link``)."""
    _require_open(panel)
    level = db.session.get(Level, panel.level_id)
    if entry.edition_id != panel.edition_id or entry.level_id != panel.level_id:
        raise PanelError("Bài không ở cấp thi của hội đồng này.")
    member_panels = db.session.scalars(
        select(PanelMember.panel_id).join(Panel, Panel.id == PanelMember.panel_id).where(
            PanelMember.user_id == user.id,
            Panel.level_id == panel.level_id,
            PanelMember.role.in_(SCORING_ROLES),
        )
    ).all()
    if not member_panels:
        raise PanelError(f"{user.full_name} không là giám khảo chấm bài của hội đồng nào ở cấp thi này.")
    taken = db.session.scalar(
        select(Assignment).where(Assignment.entry_id == entry.id, Assignment.judge_id == user.id)
    )
    if taken is not None:
        raise PanelError(f"{user.full_name} đã được phân chấm bài {entry.code}.")
    conflict = _conflict_reason(user, entry, level)
    if conflict:
        raise PanelError("Không phân được vì xung đột lợi ích: " + conflict)
    other = db.session.scalar(
        select(Assignment.panel_id).where(Assignment.entry_id == entry.id, Assignment.panel_id != panel.id).limit(1)
    )
    if other is not None:
        raise PanelError(f"Bài {entry.code} đang được chấm ở hội đồng khác.")
    is_link = panel.id not in member_panels
    a = Assignment(panel_id=panel.id, entry_id=entry.id, judge_id=user.id, is_link=is_link)
    db.session.add(a)
    db.session.flush()
    audit.record(
        "assignment.add", "assignment", a.id, user=actor,
        new={"panel_id": panel.id, "entry_id": entry.id, "judge_id": user.id, "is_link": is_link},
        reason=normalize_text(reason) or None,
    )
    return a


def _sheet_snapshot(a: Assignment) -> dict | None:
    sheet = a.sheet
    if sheet is None:
        return None
    return {
        "status": sheet.status,
        "total": None if sheet.total is None else str(sheet.total),
        "source": sheet.source,
        "items": {str(i.criterion_id): str(i.points) for i in sheet.items},
    }


def remove_assignment(a: Assignment, *, actor=None, reason: str | None = None) -> None:
    """Remove a judge from an entry. When the sheet holds scores a reason is required;
    the old scores go into the audit record."""
    _require_open(a.panel)
    reason = normalize_text(reason)
    has_scores = bool(scored_assignment_ids([a.id]))
    if has_scores and not reason:
        raise PanelError("Giám khảo đã chấm bài này; cần ghi lý do khi bỏ phân công.")
    audit.record(
        "assignment.remove", "assignment", a.id, user=actor,
        old={
            "panel_id": a.panel_id,
            "entry_id": a.entry_id,
            "judge_id": a.judge_id,
            "is_link": a.is_link,
            "sheet": _sheet_snapshot(a),
        },
        reason=reason or None,
    )
    db.session.delete(a)
    db.session.flush()


def current_problems(edition: Edition, level: Level) -> list[str]:
    """What the current assignment of the level's open panels violates (Vietnamese):
    conflicts, entries short of judges, max loads (via :func:`judging.assignment.validate`)."""
    panels = [p for p in panels_of(edition, level) if not p.closed]
    if not panels:
        return []
    data = _inputs(edition, level, panels)
    rows = db.session.execute(
        select(Assignment.entry_id, Assignment.judge_id, Assignment.is_link, Assignment.panel_id).where(
            Assignment.panel_id.in_([p.id for p in panels])
        )
    ).all()
    if not rows:
        return []
    code_of = {e.id: code for code, e in data.entry_by_key.items()}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r[1] for r in rows})))}
    labels = dict(data.key_of_user)
    for uid, label in judge_labels(users.values()).items():
        labels.setdefault(uid, label)
    judges_of: dict[str, list[str]] = defaultdict(list)
    link_pairs = []
    extra_entries = []
    for entry_id, uid, is_link, _panel_id in rows:
        code = code_of.get(entry_id)
        if code is None:
            extra_entries.append(entry_id)
            continue
        judges_of[code].append(labels[uid])
        if is_link:
            link_pairs.append((code, labels[uid]))
    known = {j.id for j in data.judge_infos}
    judges = list(data.judge_infos) + [
        assign_math.JudgeInfo(label, None, None, frozenset()) for label in set(labels.values()) - known
    ]
    result = assign_math.Assignment(
        judges_of=dict(judges_of),
        links=link_pairs,
        infeasible=[],
        k=data.k,
        panel_of={i.id: i.panel for i in data.entry_infos},
    )
    problems = assign_math.validate(
        result,
        data.entry_infos,
        judges,
        conflicts=data.declared,
        area_conflicts=data.area_conflicts,
    )
    if extra_entries:
        problems.append(
            f"{len(extra_entries)} phân công thuộc bài không còn ở cấp thi này hoặc đã đổi lĩnh vực."
        )
    return problems
