"""Photos and attachments of entries: checking, re-encoding, storing and removing files.

What a file is comes from its content (magic bytes, then Pillow), never from its name or
the browser's content type. Every accepted photo is decoded and re-encoded (EXIF
orientation applied first, then all metadata dropped: EXIF/GPS, comments, ICC profile
after conversion to sRGB, anything appended), its long side capped, with a small JPEG
thumbnail beside it. Attachments are PDFs, stored as they came after a header/trailer
check and always served as downloads.

Files live under ``UPLOAD_FOLDER`` (default ``<instance_path>/uploads``), in one folder
per edition, under random names; the original name is kept only for display. Writes go
through a temporary file and ``os.replace``. Disk and database stay in step through
session events: files written for a transaction that does not commit are removed, and
the files of a deleted ``EntryFile`` (also when its entry is deleted) are removed once
the deletion commits.

Services take explicit arguments and never commit; messages are Vietnamese.
"""

from __future__ import annotations

import io
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask import current_app, has_app_context
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, object_session

from contest import audit
from contest.extensions import db
from contest.locking import lock_row
from contest.models import ORGANISER, Entry, EntryFile
from contest.text import normalize_text, safe_filename
from registration import eligibility
from registration.access import can_edit, can_view
from registration.services import RegistrationError, check_open, rules_for

log = logging.getLogger(__name__)

PHOTO = "photo"
ATTACHMENT = "attachment"
ACCEPT = "image/jpeg,image/png,application/pdf"

MAX_SIDE = 2000  # long side of a stored photo, in pixels
THUMB_SIDE = 400  # long side of a thumbnail
JPEG_QUALITY = 85
THUMB_QUALITY = 80
# Pixel limits checked on the declared size before anything is decoded. Large JPEGs are
# decoded at a reduced scale (draft mode), PNGs are not, hence the lower PNG limit.
MAX_PIXELS = {"JPEG": 64_000_000, "PNG": 30_000_000}
MB = 1024 * 1024

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PDF_MAGIC = b"%PDF-"
PDF_TRAILER = b"%%EOF"
PDF_TRAILER_WINDOW = 1024  # %%EOF must appear within the last KB

CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}
EXTENSIONS = {v: k for k, v in CONTENT_TYPES.items()}
_STORED_NAME_RE = re.compile(r"^[0-9a-f]{32}(?:_t)?\.(?:jpg|png|pdf)$")
_IMAGE_NAME_RE = re.compile(r"\.(?:jpe?g|jfif|png|gif|bmp|webp|heic|heif|tiff?)$", re.IGNORECASE)

MSG_NOT_IMAGE = "Tệp không phải ảnh JPEG/PNG hợp lệ."
MSG_NOT_PDF = "Tệp không phải tài liệu PDF hợp lệ."
MSG_UNKNOWN = "Tệp không phải ảnh JPEG/PNG hay tài liệu PDF hợp lệ."
MSG_EMPTY = "Tệp rỗng, không có nội dung."
MSG_BOMB = "Ảnh có kích thước quá lớn ({}). Vui lòng thu nhỏ ảnh rồi tải lại."


class UploadError(RegistrationError):
    """A file was refused; ``messages`` holds the Vietnamese reason."""


# --------------------------------------------------------------------------------------
# Who may see and change files
# --------------------------------------------------------------------------------------

# Extra "may see the files" checks added by other parts of the platform (a judge's
# assignment, the public page of an awarded entry): each is ``check(user, entry) -> bool``.
_VIEW_CHECKS: list[Callable] = []


def register_view_check(check: Callable) -> Callable:
    """Let another module grant access to entry files (usable as a decorator)."""
    if check not in _VIEW_CHECKS:
        _VIEW_CHECKS.append(check)
    return check


def can_see_files(user, entry: Entry) -> bool:
    """The school, its area organiser and the organiser (``can_view``), plus whoever a
    registered extra check admits."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return can_view(user, entry) or any(check(user, entry) for check in _VIEW_CHECKS)


def change_problem(user, entry: Entry) -> str | None:
    """Why ``user`` may not add or delete files of ``entry`` now (None: they may).

    The organiser always may; the entry's institution while the entry is editable
    (draft or returned) and registration is open for it. Callers hide the entry from
    users who may not see it before asking this."""
    if user.has_role(ORGANISER):
        return None
    if not can_edit(user, entry):
        return "Bạn không có quyền thay đổi tệp của bài dự thi này."
    if not eligibility.editable_by_institution(entry.status):
        return f"Bài dự thi ở trạng thái “{entry.status_label}” nên không thay đổi được ảnh và tệp đính kèm."
    try:
        check_open(entry.edition, entry.institution_id, user)
    except RegistrationError as exc:
        return " ".join(exc.messages)
    return None


def can_change_files(user, entry: Entry) -> bool:
    return change_problem(user, entry) is None


# --------------------------------------------------------------------------------------
# Content checks and re-encoding (pure: bytes in, bytes out)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessedPhoto:
    data: bytes
    ext: str  # jpg | png
    width: int
    height: int
    thumb: bytes  # always JPEG
    thumb_width: int
    thumb_height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.ext]


def sniff(data: bytes) -> str | None:
    """"jpeg", "png" or "pdf" from the first bytes, else None."""
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(PDF_MAGIC):
        return "pdf"
    return None


def check_pdf(data: bytes) -> None:
    if not data.startswith(PDF_MAGIC) or PDF_TRAILER not in data[-PDF_TRAILER_WINDOW:]:
        raise UploadError(MSG_NOT_PDF)


def _pixels_vn(width: int, height: int) -> str:
    return f"{width:,} × {height:,} điểm ảnh".replace(",", ".")


def _to_srgb(im: Image.Image) -> Image.Image:
    """Convert an image carrying an ICC profile to sRGB, so dropping the profile keeps
    its colours; on any trouble the pixels are kept as they are."""
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "CMYK"):
        return im
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(im, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im


def _has_transparency(im: Image.Image) -> bool:
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        alpha = im.convert("RGBA").getchannel("A")
        return alpha.getextrema()[0] < 255
    return "transparency" in im.info and im.mode in ("RGB", "L")


def _normalise_mode(im: Image.Image) -> tuple[Image.Image, bool]:
    """(image in RGB, L or RGBA, keeps transparency)."""
    if im.mode in ("I", "F") or im.mode.startswith("I;"):
        im = im.convert("I").point(lambda v: v / 256).convert("L")
    if _has_transparency(im):
        return im.convert("RGBA"), True
    if im.mode in ("L", "RGB"):
        return im, False
    if im.mode in ("1", "LA"):
        return im.convert("L"), False
    return im.convert("RGB"), False


def _encode(im: Image.Image, fmt: str, **options) -> bytes:
    im.info = {}  # Pillow carries comments, ICC and other info over from the source
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def process_photo(data: bytes, *, max_side: int = MAX_SIDE, thumb_side: int = THUMB_SIDE) -> ProcessedPhoto:
    """Decode a JPEG or PNG and re-encode it clean, with a thumbnail.

    Raises ``UploadError`` for anything that is not a decodable JPEG/PNG, and for images
    whose declared size is too large to decode safely (decompression bombs)."""
    kind = sniff(data)
    if kind not in ("jpeg", "png"):
        raise UploadError(MSG_NOT_IMAGE)
    expected = "JPEG" if kind == "jpeg" else "PNG"
    try:
        im = Image.open(io.BytesIO(data), formats=[expected])
        if im.format not in (expected, "MPO"):  # MPO: a JPEG from a multi-lens camera
            raise UploadError(MSG_NOT_IMAGE)
        width, height = im.size
        if width < 1 or height < 1:
            raise UploadError(MSG_NOT_IMAGE)
        if width * height > MAX_PIXELS[expected]:
            raise UploadError(MSG_BOMB.format(_pixels_vn(width, height)))
        if expected == "JPEG":
            im.draft("RGB", (max_side, max_side))  # decode big JPEGs at a reduced scale
        im.load()
        im = ImageOps.exif_transpose(im)
        im = _to_srgb(im)
        im, transparent = _normalise_mode(im)
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        if transparent:
            full, ext = _encode(im, "PNG"), "png"
        else:
            full, ext = _encode(im, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True), "jpg"
        thumb = im.copy()
        thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
        if transparent:
            background = Image.new("RGB", thumb.size, (255, 255, 255))
            background.paste(thumb, mask=thumb.getchannel("A"))
            thumb = background
        thumb_bytes = _encode(thumb, "JPEG", quality=THUMB_QUALITY, optimize=True)
    except UploadError:
        raise
    except Image.DecompressionBombError:
        raise UploadError(MSG_BOMB.format("vượt giới hạn an toàn")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, TypeError,
            IndexError, KeyError, MemoryError, Image.DecompressionBombWarning):
        raise UploadError(MSG_NOT_IMAGE) from None
    return ProcessedPhoto(full, ext, im.width, im.height, thumb_bytes, thumb.width, thumb.height)


# --------------------------------------------------------------------------------------
# Storage
# --------------------------------------------------------------------------------------


def upload_root() -> Path:
    configured = current_app.config.get("UPLOAD_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def edition_folder(edition_id: int, root: Path | None = None) -> Path:
    return (root or upload_root()) / str(int(edition_id))


def file_path(item: EntryFile, *, thumb: bool = False, root: Path | None = None) -> Path | None:
    """Where a stored file (or its thumbnail) lives; None if it has none or the stored
    name is not one of ours."""
    name = item.thumb_name if thumb else item.stored_name
    if not name or not _STORED_NAME_RE.fullmatch(name):
        return None
    return edition_folder(item.entry.edition_id, root) / name


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all or nothing: a temporary file in the same folder,
    flushed to disk, then renamed over the target."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o750)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".up-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _unlink(paths: Iterable[Path]) -> None:
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            log.warning("could not remove upload %s", path)


def _find_stored(names: Iterable[str], root: Path) -> list[Path]:
    """Paths of stored files by name, in whatever edition folder they are (names are
    random and unique, so no database lookup is needed while a flush is running)."""
    found = []
    for name in names:
        if name and _STORED_NAME_RE.fullmatch(name):
            found.extend(root.glob(f"*/{name}"))
    return found


# Keys in Session.info: files written in the current transaction, and stored names of
# EntryFile rows deleted in it.
_WRITTEN = "uploads_written"
_DELETED = "uploads_deleted"


@event.listens_for(EntryFile, "after_delete")
def _remember_deleted(_mapper, _connection, target: EntryFile) -> None:
    session = object_session(target)
    if session is not None:
        session.info.setdefault(_DELETED, []).extend(n for n in (target.stored_name, target.thumb_name) if n)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    deleted = session.info.pop(_DELETED, None)
    if deleted and has_app_context():
        _unlink(_find_stored(deleted, upload_root()))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    # Reached with lists still set only when the transaction did not commit: files
    # written for it go, files of rows "deleted" in it stay.
    session.info.pop(_DELETED, None)
    written = session.info.pop(_WRITTEN, None)
    if written:
        _unlink(written)


# --------------------------------------------------------------------------------------
# Adding and deleting files
# --------------------------------------------------------------------------------------


@dataclass
class Upload:
    """One file as it came in: its name (for display only) and its bytes."""

    filename: str
    stream: BinaryIO


@dataclass
class UploadResult:
    saved: list[EntryFile] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (display name, reason)


def display_name(filename: str | None, default: str = "tệp") -> str:
    """A name to show: the last path part, NFC, no control characters, at most 255."""
    name = normalize_text(re.split(r"[\\/]", filename or "")[-1])
    name = name.strip(" .")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:255]
    return name or default


def download_name(item: EntryFile, *, thumb: bool = False) -> str:
    """An ASCII file name for Content-Disposition, with the extension of what is stored."""
    stem = safe_filename(item.original_name, default="tep").rsplit(".", 1)[0] or "tep"
    ext = "jpg" if thumb else EXTENSIONS.get(item.content_type, "bin")
    return f"{stem[:100]}{'_nho' if thumb else ''}.{ext}"


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit + 1`` bytes: enough to tell that a file is over the limit."""
    return stream.read(limit + 1)


def _mb(value) -> str:
    return f"{value:g}".replace(".", ",")


def _kind_hint(name: str) -> str | None:
    """Only to word an error message: what the user probably meant to send."""
    if _IMAGE_NAME_RE.search(name):
        return PHOTO
    if name.lower().endswith(".pdf"):
        return ATTACHMENT
    return None


def add_files(entry: Entry, uploads: Iterable[Upload], *, actor, root: Path | None = None,
              remote_addr: str | None = None) -> UploadResult:
    """Check, re-encode and store files for ``entry``; each file is accepted or refused
    on its own (a refused file does not stop the others). Raises ``UploadError`` only
    when ``actor`` may not change the files now. Does not commit."""
    problem = change_problem(actor, entry)
    if problem:
        raise UploadError(problem)
    rules = rules_for(entry.edition)
    root = root or upload_root()
    folder = edition_folder(entry.edition_id, root)
    counts = {PHOTO: len(entry.photos), ATTACHMENT: len(entry.attachments)}
    result = UploadResult()
    written: list[Path] = []
    paths_of: dict[int, list[Path]] = {}
    sizes: list[int] = []
    try:
        for upload in uploads:
            name = display_name(upload.filename)
            try:
                item, paths, upload_size = _store_one(entry, upload, name, rules, counts, folder)
            except UploadError as exc:
                result.rejected.append((name, " ".join(exc.messages)))
                continue
            written.extend(paths)
            paths_of[id(item)] = paths
            counts[item.kind] += 1
            result.saved.append(item)
            sizes.append(upload_size)
        db.session.flush()
        if result.saved:
            sizes = _recheck_limits(entry, rules, result, sizes, paths_of)
    except BaseException:
        _unlink(written)
        raise
    db.session.info.setdefault(_WRITTEN, []).extend(written)
    for item, upload_size in zip(result.saved, sizes, strict=True):
        audit.record(
            "file.upload", "entry", entry.id, user=actor, remote_addr=remote_addr,
            new={"file_id": item.id, "kind": item.kind, "original_name": item.original_name,
                 "size": upload_size, "stored_size": item.size},
        )
    return result


def _recheck_limits(entry: Entry, rules, result: UploadResult, sizes: list[int],
                    paths_of: dict[int, list[Path]]) -> list[int]:
    """The limits were checked against the files the entry had when the request began;
    another upload to the same entry may have committed since. Count again under the
    entry's lock and refuse this request's newest files beyond a limit. Returns the
    sizes of the files kept."""
    lock_row(Entry, entry.id)
    stored = dict(db.session.execute(
        select(EntryFile.kind, func.count()).where(EntryFile.entry_id == entry.id).group_by(EntryFile.kind)
    ).all())
    limits = {PHOTO: (rules.max_photos, f"Mỗi bài dự thi tối đa {rules.max_photos} ảnh."),
              ATTACHMENT: (rules.max_attachments, f"Mỗi bài dự thi tối đa {rules.max_attachments} tệp đính kèm.")}
    dropped = []
    for kind, (limit, message) in limits.items():
        excess = stored.get(kind, 0) - limit
        for item in reversed([i for i in result.saved if i.kind == kind]):
            if excess <= 0:
                break
            dropped.append((item, message))
            excess -= 1
    if not dropped:
        return sizes
    gone = {id(item) for item, _ in dropped}
    for item, message in dropped:
        entry.files.remove(item)
        result.rejected.append((item.original_name, message))
        _unlink(paths_of[id(item)])
    kept = [(i, n) for i, n in zip(result.saved, sizes, strict=True) if id(i) not in gone]
    result.saved = [i for i, _ in kept]
    db.session.flush()
    return [n for _, n in kept]


def _store_one(entry: Entry, upload: Upload, name: str, rules, counts: dict[str, int],
               folder: Path) -> tuple[EntryFile, list[Path], int]:
    biggest = max(rules.photo_max_mb, rules.attachment_max_mb) * MB
    data = _read_limited(upload.stream, int(biggest))
    if not data:
        raise UploadError(MSG_EMPTY)
    kind = sniff(data)
    if kind is None:
        hint = _kind_hint(name)
        raise UploadError(MSG_NOT_IMAGE if hint == PHOTO else MSG_NOT_PDF if hint == ATTACHMENT else MSG_UNKNOWN)
    token = secrets.token_hex(16)
    if kind == "pdf":
        if rules.max_attachments <= 0:
            raise UploadError("Cuộc thi này không nhận tệp đính kèm.")
        if counts[ATTACHMENT] >= rules.max_attachments:
            raise UploadError(f"Mỗi bài dự thi tối đa {rules.max_attachments} tệp đính kèm.")
        if len(data) > rules.attachment_max_mb * MB:
            raise UploadError(f"Tệp PDF vượt quá {_mb(rules.attachment_max_mb)} MB.")
        check_pdf(data)
        item = EntryFile(kind=ATTACHMENT, stored_name=f"{token}.pdf", original_name=name,
                         content_type="application/pdf", size=len(data))
        files = {folder / item.stored_name: data}
    else:
        if counts[PHOTO] >= rules.max_photos:
            raise UploadError(f"Mỗi bài dự thi tối đa {rules.max_photos} ảnh.")
        if len(data) > rules.photo_max_mb * MB:
            raise UploadError(f"Ảnh vượt quá {_mb(rules.photo_max_mb)} MB.")
        photo = process_photo(data)
        item = EntryFile(kind=PHOTO, stored_name=f"{token}.{photo.ext}", thumb_name=f"{token}_t.jpg",
                         original_name=name, content_type=photo.content_type, size=len(photo.data),
                         width=photo.width, height=photo.height)
        files = {folder / item.stored_name: photo.data, folder / item.thumb_name: photo.thumb}
    paths: list[Path] = []
    try:
        for path, content in files.items():
            write_atomic(path, content)
            paths.append(path)
    except OSError:
        _unlink(paths)
        log.exception("could not store an upload for entry %s", entry.id)
        raise UploadError("Không lưu được tệp lên máy chủ. Vui lòng thử lại sau.") from None
    entry.files.append(item)
    return item, paths, len(data)


def delete_file(item: EntryFile, *, actor, remote_addr: str | None = None) -> None:
    """Delete a file; its bytes leave the disk when the deletion commits. Raises
    ``UploadError`` when ``actor`` may not change the entry's files now."""
    entry = item.entry
    problem = change_problem(actor, entry)
    if problem:
        raise UploadError(problem)
    audit.record(
        "file.delete", "entry", entry.id, user=actor, remote_addr=remote_addr,
        old={"file_id": item.id, "kind": item.kind, "original_name": item.original_name, "size": item.size},
    )
    entry.files.remove(item)  # delete-orphan cascade
    db.session.flush()


# --------------------------------------------------------------------------------------
# Display helpers
# --------------------------------------------------------------------------------------


def size_vn(size: int | None) -> str:
    """A file size the Vietnamese way: "850 B", "12 KB", "2,4 MB"."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < MB:
        return f"{round(size / 1024):,} KB".replace(",", ".")
    text = f"{size / MB:.1f}".replace(".", ",")
    return f"{text.removesuffix(',0')} MB"


def box(width: int | None, height: int | None, side: int) -> tuple[int, int]:
    """Width and height that fit (width, height) into a ``side`` square."""
    if not width or not height:
        return side, side
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))
