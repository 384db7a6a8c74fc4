"""Published results: the immutability guard and what the public may see.

* A flush guard refuses any change to a published (or superseded) version and its
  awards, whatever code path makes it: only the move "published → superseded" made by
  :func:`contest.results.service.publish` is allowed. Services check first and give a
  friendlier message; the guard is the backstop.
* :class:`PublicRow` holds only what a certificate shows (names, institution, entry
  title, prize, plus category/division and area names). Public templates receive these
  rows, never ORM objects, so birth dates, phone numbers, classes and addresses cannot
  reach a public page by accident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from contest.extensions import db
from contest.models import Award, Edition, ResultVersion
from contest.results import service
from contest.results.ranks import PrizeRank
from contest.text import ascii_fold

IMMUTABLE = ("published", "superseded")


class ImmutableResultError(service.ResultsError):
    """Someone tried to change a published result."""


_MESSAGE = (
    "Kết quả đã công bố không thể thay đổi. Muốn sửa, hãy lập bản đính chính "
    "(một phiên bản mới, công bố thay bản cũ)."
)


def _old_status(version: ResultVersion) -> str | None:
    state = inspect(version)
    if state.transient or state.pending:
        return None
    history = state.attrs.status.history
    return history.deleted[0] if history.deleted else version.status


def _version_of(award: Award, session: Session) -> ResultVersion | None:
    if award.version is not None:
        return award.version
    if award.version_id is not None:
        return session.get(ResultVersion, award.version_id)
    return None


def _check_version(version: ResultVersion) -> None:
    old = _old_status(version)
    if old not in IMMUTABLE:
        return
    state = inspect(version)
    for attr in state.attrs:
        history = attr.history
        if not history.has_changes():
            continue
        if attr.key == "status" and old == "published" and version.status == "superseded":
            continue
        raise ImmutableResultError(_MESSAGE)


@event.listens_for(Session, "before_flush")
def _guard_published(session: Session, _context, _instances) -> None:
    for obj in list(session.dirty):
        if isinstance(obj, ResultVersion):
            _check_version(obj)
        elif isinstance(obj, Award) and session.is_modified(obj):
            version = _version_of(obj, session)
            if version is not None and _old_status(version) in IMMUTABLE:
                raise ImmutableResultError(_MESSAGE)
    for obj in list(session.deleted):
        if isinstance(obj, ResultVersion) and _old_status(obj) in IMMUTABLE:
            raise ImmutableResultError(_MESSAGE)
        if isinstance(obj, Award):
            version = _version_of(obj, session)
            if version is not None and _old_status(version) in IMMUTABLE:
                raise ImmutableResultError(_MESSAGE)
    for obj in list(session.new):
        if isinstance(obj, Award):
            version = _version_of(obj, session)
            if version is not None and _old_status(version) in IMMUTABLE:
                raise ImmutableResultError(_MESSAGE)


# ---------------------------------------------------------------------------
# The public view
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicRow:
    """One awarded entry as the public sees it (what its certificate shows)."""

    names: tuple[str, ...]
    institution: str
    title: str
    rank_code: str
    rank_label: str
    rank_order: int
    category: str
    category_code: str
    division: str
    division_code: str
    area: str
    area_key: str
    photo_id: int | None

    @property
    def names_text(self) -> str:
        return ", ".join(self.names)

    def haystack(self) -> str:
        return fold(" ".join((*self.names, self.title, self.institution)))


def fold(text: str) -> str:
    """Accent- and case-insensitive form for searching ("Nguyễn" ~ "nguyen")."""
    return " ".join(ascii_fold(text or "").casefold().split())


@dataclass(frozen=True)
class VersionNote:
    number: int
    decision_number: str
    decision_date: object
    published_at: object
    change_note: str
    current: bool


@dataclass
class PublicResults:
    edition: Edition
    level_code: str
    level_name: str
    version: ResultVersion
    rows: list[PublicRow]
    ranks: tuple[PrizeRank, ...]
    history: list[VersionNote] = field(default_factory=list)
    levels: list[tuple[str, str]] = field(default_factory=list)  # (code, name) with published results

    @property
    def counts(self) -> dict[str, int]:
        counts = {r.code: 0 for r in self.ranks}
        for row in self.rows:
            counts[row.rank_code] = counts.get(row.rank_code, 0) + 1
        return counts

    @property
    def corrections(self) -> list[VersionNote]:
        return [n for n in self.history if n.change_note]


def public_rows(version: ResultVersion) -> list[PublicRow]:
    return [
        PublicRow(
            names=tuple(r.authors), institution=r.institution, title=r.title,
            rank_code=r.rank_code, rank_label=r.rank_label, rank_order=r.rank_order,
            category=r.category, category_code=r.category_code,
            division=r.division, division_code=r.division_code,
            area=r.area, area_key=r.area_code,
            photo_id=r.photo_ids[0] if r.photo_ids else None,
        )
        for r in service.award_rows(version)
    ]


def published_levels(edition: Edition) -> list[tuple[object, ResultVersion]]:
    """(level, newest published version) for each level with published results, in the
    order of the edition's chain of levels."""
    versions = db.session.scalars(
        select(ResultVersion)
        .where(ResultVersion.edition_id == edition.id, ResultVersion.status == "published")
        .order_by(ResultVersion.number.desc())
    ).all()
    newest: dict[int, ResultVersion] = {}
    for v in versions:
        newest.setdefault(v.level_id, v)
    return [(lv, newest[lv.id]) for lv in edition.levels if lv.id in newest]


def public_results(edition: Edition, level_code: str | None = None) -> PublicResults | None:
    """The published results of one level (default: the last level of the chain with
    published results), or None when nothing is published."""
    levels = published_levels(edition)
    if not levels:
        return None
    chosen = next(((lv, v) for lv, v in levels if lv.code == level_code), None) if level_code else None
    if chosen is None:
        chosen = levels[-1]
    level, version = chosen
    history_versions = db.session.scalars(
        select(ResultVersion)
        .where(ResultVersion.edition_id == edition.id, ResultVersion.level_id == level.id,
               ResultVersion.status.in_(IMMUTABLE))
        .order_by(ResultVersion.number.desc())
    ).all()
    history = [
        VersionNote(v.number, v.decision_number or "", v.decision_date, v.published_at,
                    v.change_note or "", v.id == version.id)
        for v in history_versions
    ]
    return PublicResults(
        edition=edition, level_code=level.code, level_name=level.name, version=version,
        rows=public_rows(version), ranks=service._version_ranks(version), history=history,
        levels=[(lv.code, lv.name) for lv, _ in levels],
    )


@dataclass(frozen=True)
class SearchHit:
    edition_slug: str
    edition_name: str
    level_name: str
    row: PublicRow


def search_index() -> list[tuple[str, SearchHit]]:
    """(folded text, hit) for every award of every currently published version."""
    hits: list[tuple[str, SearchHit]] = []
    versions = db.session.scalars(
        select(ResultVersion).where(ResultVersion.status == "published")
        .order_by(ResultVersion.edition_id, ResultVersion.level_id)
    ).all()
    for version in versions:
        edition = version.edition
        for row in public_rows(version):
            hits.append((row.haystack(), SearchHit(edition.slug, edition.name, version.level.name, row)))
    return hits


def search(index: list[tuple[str, SearchHit]], query: str, edition_slug: str | None = None,
           limit: int = 200) -> tuple[list[SearchHit], int]:
    """Hits whose names, title or institution contain every word of ``query`` (accents
    and case ignored); returns (first ``limit`` hits, total)."""
    words = fold(query).split()
    found = [
        hit for text, hit in index
        if (edition_slug is None or hit.edition_slug == edition_slug) and all(w in text for w in words)
    ]
    found.sort(key=lambda h: (h.edition_slug, h.row.rank_order, h.row.names_text.casefold()))
    return found[:limit], len(found)


def photo_is_public(file_id: int) -> bool:
    """A photo is public when its entry holds an award of a currently published version."""
    from contest.models import EntryFile

    item = db.session.get(EntryFile, file_id)
    if item is None or item.kind != "photo":
        return False
    return db.session.scalar(
        select(Award.id)
        .join(ResultVersion, ResultVersion.id == Award.version_id)
        .where(Award.entry_id == item.entry_id, ResultVersion.status == "published")
        .limit(1)
    ) is not None
