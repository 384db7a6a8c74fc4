"""The organiser's certificate template editor: what the page edits and how it is saved.

The template of an edition lives in ``edition.settings["certificates"]["template"]`` as
:meth:`CertificateTemplate.to_dict` data (read back by :func:`service.templates_for`).
This module:

- gives the template being edited (:func:`current_template`: the stored one, or the
  edition's default) and a short fingerprint of what is stored (:func:`template_version`)
  so a stale form cannot overwrite a newer template;
- checks layout values (:func:`check_layout`: inside the page, positive sizes, fonts of
  at least :data:`MIN_FONT` pt, known placeholders) with Vietnamese messages;
- saves (:func:`save_template`) and resets (:func:`reset_template`) it, audited, always
  assigning a new ``settings`` dict so the JSON column is marked changed;
- stores a background image (:func:`store_background`): checked and re-encoded by
  :func:`registration.uploads.process_photo` (content decides, never the name; all
  metadata dropped), written under ``CERTIFICATE_BACKGROUND_FOLDER`` (default
  ``<instance>/certificate-backgrounds``) ``/<edition id>/<random>.jpg|png``;
- renders a sample certificate (:func:`render_preview`) with Vietnamese names whose
  letters carry stacked marks.

Services take explicit arguments and never commit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app

from contest import audit
from contest.extensions import db
from contest.models import Edition
from registration import uploads

from . import service
from .pdf import (
    KINDS,
    PLACEHOLDERS,
    CertificateData,
    CertificateTemplate,
    TextBlock,
    _placeholders,
    render_many,
)

log = logging.getLogger(__name__)

__all__ = [
    "BACKGROUND_MAX_MB",
    "MIN_FONT",
    "SAMPLE_NAMES",
    "TemplateEditError",
    "BackgroundInfo",
    "background_root",
    "background_folder",
    "own_background",
    "default_template",
    "stored_template",
    "current_template",
    "template_version",
    "page_size",
    "block_label",
    "check_layout",
    "build_template",
    "kinds_choice",
    "choice_kinds",
    "save_template",
    "reset_template",
    "store_background",
    "set_background",
    "discard_background",
    "sample_data",
    "render_preview",
]

BACKGROUND_MAX_MB = 10
BACKGROUND_MAX_SIDE = 3508  # long side of A4 at 300 dpi, in pixels
LOW_RESOLUTION_SIDE = 1500  # below this the print looks blurred
MIN_FONT = 6  # pt
MAX_FONT = 200  # pt
MAX_LINES = 6
EPS = 0.05  # mm of tolerance on page edges (the page is 297.00008 mm wide in fpdf2)
SAMPLE_NAMES = ("Nguyễn Thị Ánh Tuyết", "Lê Văn Ưng", "ĐẶNG THỊ THUỶ")
SAMPLE_CODE = "ABCDEFGHJKLMNPQR"
_BACKGROUND_NAME_RE = re.compile(r"^[0-9a-f]{32}\.(?:jpg|png)$")

audit.ACTION_LABELS.update(
    {
        "certificate.template": "Sửa mẫu giấy chứng nhận",
        "certificate.template_reset": "Khôi phục mẫu giấy chứng nhận mặc định",
        "certificate.background": "Đổi ảnh nền giấy chứng nhận",
    }
)

# Names of the blocks of a template, by the placeholder they print (first match wins).
_PLACEHOLDER_NAMES = (
    ("full_name", "Họ và tên"),
    ("prize_label", "Giải"),
    ("entry_title", "Tên bài/đội"),
    ("institution", "Đơn vị"),
    ("contest_name", "Cuộc thi"),
    ("edition_name", "Cuộc thi"),
    ("issued_on_long", "Địa danh, ngày cấp"),
    ("issued_on", "Ngày cấp"),
    ("signer_title", "Chức danh người ký"),
    ("signer_name", "Họ tên người ký"),
    ("code_formatted", "Mã xác thực"),
    ("code", "Mã xác thực"),
    ("verify_url", "Đường dẫn xác thực"),
    ("register_number", "Số vào sổ"),
    ("title", "Tiêu đề"),
    ("issuer", "Cơ quan cấp"),
)
KIND_NOTES = {
    ("award",): "chỉ giấy đạt giải",
    ("participation",): "chỉ giấy tham gia",
    (): "đang ẩn",
}


class TemplateEditError(ValueError):
    """A refused change; the message is Vietnamese."""


# ----------------------------------------------------------------------- backgrounds


def background_root() -> Path:
    configured = current_app.config.get("CERTIFICATE_BACKGROUND_FOLDER")
    return Path(configured) if configured else Path(current_app.instance_path) / "certificate-backgrounds"


def background_folder(edition_id: int) -> Path:
    return background_root() / str(int(edition_id))


def own_background(path: str | None, edition_id: int) -> Path | None:
    """``path`` if it is a background this editor stored for the edition, else None
    (files are only ever served or removed through this check)."""
    if not path:
        return None
    candidate = Path(path)
    if not _BACKGROUND_NAME_RE.fullmatch(candidate.name):
        return None
    try:
        folder = background_folder(edition_id).resolve()
        if candidate.resolve().parent != folder:
            return None
    except (OSError, RuntimeError):
        return None
    return candidate


@dataclass(frozen=True)
class BackgroundInfo:
    path: Path
    width: int
    height: int
    warnings: tuple[str, ...]


def store_background(edition: Edition, data: bytes, template: CertificateTemplate) -> BackgroundInfo:
    """Check, re-encode and write an uploaded background; raises ``TemplateEditError``.

    The file is removed again if the current transaction does not commit."""
    if not data:
        raise TemplateEditError(uploads.MSG_EMPTY)
    if len(data) > BACKGROUND_MAX_MB * uploads.MB:
        raise TemplateEditError(f"Ảnh nền vượt quá {BACKGROUND_MAX_MB} MB.")
    try:
        photo = uploads.process_photo(data, max_side=BACKGROUND_MAX_SIDE, thumb_side=16)
    except uploads.UploadError as exc:
        raise TemplateEditError(" ".join(exc.messages)) from None
    path = background_folder(edition.id) / f"{secrets.token_hex(16)}.{photo.ext}"
    try:
        uploads.write_atomic(path, photo.data)
    except OSError:
        log.exception("could not store a certificate background for edition %s", edition.id)
        raise TemplateEditError("Không lưu được ảnh nền lên máy chủ. Vui lòng thử lại sau.") from None
    # registration.uploads removes files listed here when the transaction does not commit.
    db.session.info.setdefault(uploads._WRITTEN, []).append(path)
    warnings = []
    page_w, page_h = page_size(template)
    if abs(photo.width / photo.height - page_w / page_h) > 0.03 * (page_w / page_h):
        warnings.append(
            f"Ảnh nền có tỉ lệ khác trang giấy ({_mm(page_w)} × {_mm(page_h)} mm) nên bị kéo giãn "
            "cho vừa trang; nên dùng ảnh cùng tỉ lệ với trang."
        )
    if max(photo.width, photo.height) < LOW_RESOLUTION_SIDE:
        warnings.append(
            f"Ảnh nền chỉ có {photo.width} × {photo.height} điểm ảnh, khi in có thể bị mờ; "
            f"nên dùng ảnh rộng từ {LOW_RESOLUTION_SIDE} điểm ảnh trở lên."
        )
    return BackgroundInfo(path, photo.width, photo.height, tuple(warnings))


def set_background(
    edition: Edition, template: CertificateTemplate, path: Path | None, *, user=None
) -> str | None:
    """Save ``template`` with the background ``path`` (None: no background). A designed
    background usually carries its own border, so the drawn frame goes off with a new
    background and comes back when it is removed. Returns the previous background."""
    old = template.background
    updated = _replace(template, background=str(path) if path else None, frame=path is None)
    save_template(edition, updated, user=user, action="certificate.background")
    return old


def discard_background(edition: Edition, path: str | None) -> bool:
    """Remove an old background file after the change committed: only a file this editor
    stored for the edition, no longer used by its templates, and not while a print batch
    of the edition may still be reading it. Returns True if removed."""
    own = own_background(path, edition.id)
    if own is None:
        return False
    certs = (edition.settings or {}).get("certificates") or {}
    for key in ("template", "mentor_template"):
        if isinstance(certs.get(key), Mapping) and certs[key].get("background") == path:
            return False
    if service.active_batch(edition) is not None:
        return False
    try:
        own.unlink()
    except FileNotFoundError:
        return False
    except OSError:
        log.warning("could not remove certificate background %s", own)
        return False
    return True


# ------------------------------------------------------------------------- templates


def default_template(edition: Edition) -> CertificateTemplate:
    """What :func:`service.templates_for` uses when the edition has no template."""
    province = edition.province_name or "Bắc Ninh"
    return CertificateTemplate(
        issuer=f"LIÊN HIỆP CÁC HỘI KHOA HỌC VÀ KỸ THUẬT\nTỈNH {province.upper()}",
        place=province,
        entry_label=service.ENTRY_LABELS.get(edition.contest.kind, "Sản phẩm dự thi"),
    )


def stored_template(edition: Edition) -> dict[str, Any] | None:
    stored = ((edition.settings or {}).get("certificates") or {}).get("template")
    return stored if stored else None


def current_template(edition: Edition) -> tuple[CertificateTemplate, str | None]:
    """(template to edit, problem): a stored template that cannot be read gives the
    default one and the reason, so the organiser can repair it here."""
    try:
        return service.templates_for(edition)["award"], None
    except service.CertificateError as exc:
        return default_template(edition), str(exc)


def template_version(edition: Edition) -> str:
    """A fingerprint of the stored template (changes whenever anyone saves it)."""
    raw = json.dumps(stored_template(edition), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def page_size(template: CertificateTemplate) -> tuple[float, float]:
    """Page width and height in mm (rounded to 0.1 mm)."""
    from fpdf import FPDF

    fmt = template.page_format
    pdf = FPDF(orientation=template.orientation, unit="mm", format=tuple(fmt) if isinstance(fmt, list) else fmt)
    return round(pdf.w, 1), round(pdf.h, 1)


def block_label(block: TextBlock) -> str:
    """What a block prints, in words (``Họ và tên``), for the editor's table."""
    names = set(_placeholders(block.text))
    label = next((label for key, label in _PLACEHOLDER_NAMES if key in names), None)
    if label is None:
        text = " ".join(block.text.split())
        label = text if len(text) <= 40 else text[:38] + "…"
    note = KIND_NOTES.get(tuple(block.kinds))
    return f"{label} ({note})" if note else label


def _mm(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _replace(template: CertificateTemplate, **changes) -> CertificateTemplate:
    data = template.to_dict()
    data.update(changes)
    return CertificateTemplate.from_dict(data)


# ------------------------------------------------------------------------ validation


def check_layout(values: Mapping[str, Any], page: tuple[float, float]) -> dict[str, list[str]]:
    """Vietnamese errors by field name for a layout given as flat values:

    ``b{i}_x``/``_y``/``_w``/``_h``/``_size``/``_min_size``/``_text`` for block ``i``,
    ``qr_x``/``qr_y``/``qr_size``, ``r{i}_x1``/``_y1``/``_x2``/``_y2`` for rules.
    Missing (None) values are left to the form's own "required" messages."""
    page_w, page_h = page
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    def get(name: str) -> float | None:
        value = values.get(name)
        return None if value is None else float(value)

    prefixes = sorted({m.group(1) for k in values if (m := re.match(r"^(b\d+)_x$", k))})
    for p in prefixes:
        x, y, w, h = (get(f"{p}_{n}") for n in ("x", "y", "w", "h"))
        if w is not None and w <= 0:
            err(f"{p}_w", "Chiều rộng phải lớn hơn 0.")
        if h is not None and h <= 0:
            err(f"{p}_h", "Chiều cao phải lớn hơn 0.")
        if x is not None and x < 0:
            err(f"{p}_x", "Vị trí ngang không được âm.")
        if y is not None and y < 0:
            err(f"{p}_y", "Vị trí dọc không được âm.")
        if None not in (x, w) and x >= 0 and w > 0 and x + w > page_w + EPS:
            err(f"{p}_w", f"Vượt lề phải trang: x + rộng = {_mm(round(x + w, 2))} > {_mm(page_w)} mm.")
        if None not in (y, h) and y >= 0 and h > 0 and y + h > page_h + EPS:
            err(f"{p}_h", f"Vượt lề dưới trang: y + cao = {_mm(round(y + h, 2))} > {_mm(page_h)} mm.")
        size, min_size = get(f"{p}_size"), get(f"{p}_min_size")
        if size is not None and not MIN_FONT <= size <= MAX_FONT:
            err(f"{p}_size", f"Cỡ chữ phải từ {MIN_FONT} đến {MAX_FONT} pt.")
        if min_size is not None and not MIN_FONT <= min_size <= MAX_FONT:
            err(f"{p}_min_size", f"Cỡ chữ nhỏ nhất phải từ {MIN_FONT} đến {MAX_FONT} pt.")
        if size is not None and min_size is not None and min_size > size:
            err(f"{p}_min_size", "Cỡ chữ nhỏ nhất không được lớn hơn cỡ chữ.")
        text = values.get(f"{p}_text")
        if text is not None:
            unknown = sorted({n for n in _placeholders(text) if n not in PLACEHOLDERS})
            if unknown:
                names = ", ".join("{" + n + "}" for n in unknown)
                err(f"{p}_text", f"Không có trường {names}; xem danh sách các trường dùng được ở cuối bảng.")
    qx, qy, qs = get("qr_x"), get("qr_y"), get("qr_size")
    if qs is not None and qs < 10:
        err("qr_size", "Mã QR cần cạnh ít nhất 10 mm để quét được.")
    if qx is not None and qx < 0:
        err("qr_x", "Vị trí ngang không được âm.")
    if qy is not None and qy < 0:
        err("qr_y", "Vị trí dọc không được âm.")
    if None not in (qx, qs) and qx >= 0 and qs >= 10 and qx + qs > page_w + EPS:
        err("qr_size", "Mã QR vượt lề phải trang.")
    if None not in (qy, qs) and qy >= 0 and qs >= 10 and qy + qs > page_h + EPS:
        err("qr_size", "Mã QR vượt lề dưới trang.")
    for key in values:
        m = re.match(r"^(r\d+)_(x1|x2|y1|y2)$", key)
        if not m or values[key] is None:
            continue
        limit = page_w if m.group(2).startswith("x") else page_h
        if not 0 <= float(values[key]) <= limit + EPS:
            err(key, f"Điểm phải nằm trong trang (0 đến {_mm(limit)} mm).")
    return errors


def build_template(base: CertificateTemplate, changes: Mapping[str, Any]) -> CertificateTemplate:
    """``base`` with the editor's values applied (flat names as in :func:`check_layout`,
    plus ``title``, ``issuer``, ``place``, ``entry_label``, ``frame``, ``b{i}_align``,
    ``b{i}_max_lines`` and ``b{i}_kinds``). Raises ``TemplateEditError``."""
    data = base.to_dict()
    for name in ("title", "issuer", "place", "entry_label", "frame"):
        if name in changes:
            data[name] = changes[name]
    blocks = []
    for i, block in enumerate(data["blocks"]):
        block = dict(block)
        for name in ("text", "align", "max_lines", "kinds"):
            if f"b{i}_{name}" in changes:
                block[name] = changes[f"b{i}_{name}"]
        for name in ("x", "y", "w", "h", "size", "min_size"):
            if f"b{i}_{name}" in changes:
                block[name] = round(float(changes[f"b{i}_{name}"]), 2)
        blocks.append(block)
    data["blocks"] = blocks
    rules = []
    for i, rule in enumerate(data["rules"]):
        rule = dict(rule)
        for name in ("x1", "y1", "x2", "y2"):
            if f"r{i}_{name}" in changes:
                rule[name] = round(float(changes[f"r{i}_{name}"]), 2)
        rules.append(rule)
    data["rules"] = rules
    qr = dict(data["qr"])
    for name in ("x", "y", "size"):
        if f"qr_{name}" in changes:
            qr[name] = round(float(changes[f"qr_{name}"]), 2)
    data["qr"] = qr
    try:
        return CertificateTemplate.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise TemplateEditError(f"Mẫu giấy chứng nhận không hợp lệ: {exc}") from None


# ---------------------------------------------------------------------------- saving


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    if isinstance(value, list) and value and isinstance(value[0], Mapping):
        out = {}
        for i, v in enumerate(value):
            out.update(_flat(v, f"{prefix}{i}."))
        return out
    return {prefix.rstrip("."): value}


def _diff(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> tuple[dict, dict]:
    """Only what changed, as flat keys (``blocks.5.x``)."""
    a, b = _flat(old or {}), _flat(new or {})
    keys = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
    return {k: a.get(k) for k in keys}, {k: b.get(k) for k in keys}


def _store(edition: Edition, template_data: dict[str, Any] | None) -> None:
    settings = dict(edition.settings or {})
    certs = dict(settings.get("certificates") or {})
    if template_data is None:
        certs.pop("template", None)
    else:
        certs["template"] = template_data
    settings["certificates"] = certs
    edition.settings = settings  # a new dict, so the JSON column is marked changed


def save_template(
    edition: Edition, template: CertificateTemplate, *, user=None, action: str = "certificate.template"
) -> bool:
    """Store ``template`` as the edition's template; audited. False if nothing changed."""
    old = stored_template(edition)
    new = template.to_dict()
    if old == new:
        return False
    before = old if old is not None else default_template(edition).to_dict()
    old_diff, new_diff = _diff(before, new)
    _store(edition, new)
    audit.record(action, "edition", edition.id, user=user, old=old_diff or None, new=new_diff or None)
    return True


def reset_template(edition: Edition, *, user=None) -> str | None:
    """Go back to the default template (no background). Returns the background the
    removed template used, for :func:`discard_background` after the commit."""
    old = stored_template(edition)
    if old is None:
        return None
    old_diff, new_diff = _diff(old, default_template(edition).to_dict())
    _store(edition, None)
    audit.record("certificate.template_reset", "edition", edition.id, user=user,
                 old=old_diff or None, new=new_diff or None)
    background = old.get("background") if isinstance(old, Mapping) else None
    return background if isinstance(background, str) else None


# --------------------------------------------------------------------------- preview


def sample_data(edition: Edition, base_url: str) -> list[CertificateData]:
    """Three sample certificates (two awards, one participation) for the preview, with
    names whose letters carry stacked marks; the first name is typed decomposed (NFD)
    on purpose, as some keyboards send it."""
    import unicodedata

    settings = service.certificate_settings(edition)
    try:
        issued_on = date.fromisoformat(str(settings["issued_on"])) if settings.get("issued_on") else service._today()
    except ValueError:
        issued_on = service._today()
    contest_name = edition.contest.name
    if edition.name.casefold().startswith(contest_name.casefold()):
        contest_name = ""
    common = {
        "contest_name": contest_name,
        "edition_name": edition.name,
        "issued_on": issued_on,
        "verify_url": service.verify_url(base_url, SAMPLE_CODE),
        "signer_title": settings.get("signer_title") or "",
        "signer_name": settings.get("signer_name") or "",
    }
    rows = (
        (unicodedata.normalize("NFD", SAMPLE_NAMES[0]), "Giải Nhất",
         "Hệ thống tưới cây tự động dùng cảm biến độ ẩm đất", "Trường THCS Tân Yên", "award"),
        (SAMPLE_NAMES[1], "Giải Khuyến khích",
         "Thiết bị cảnh báo đuối nước cho trẻ em vùng nông thôn kết hợp định vị và gửi tin nhắn "
         "tự động tới người thân", "Trường THPT Hàn Thuyên, phường Kinh Bắc", "award"),
        (SAMPLE_NAMES[2], "Tham gia dự thi", "Mô hình nhà thông minh tiết kiệm điện",
         "Trường Tiểu học Đồng Nguyên", "participation"),
    )
    return [
        CertificateData(code=SAMPLE_CODE, full_name=name, prize_label=prize, entry_title=entry,
                        institution=institution, register_number=str(n), kind=kind, **common)
        for n, (name, prize, entry, institution, kind) in enumerate(rows, start=1)
    ]


def render_preview(edition: Edition, template: CertificateTemplate, base_url: str) -> bytes:
    """A three-page sample PDF; raises ``TemplateEditError`` (never anything else)."""
    if template.background and not Path(template.background).is_file():
        raise TemplateEditError(
            "Không tìm thấy tệp ảnh nền của mẫu trên máy chủ. Vui lòng tải lại ảnh nền hoặc xoá ảnh nền."
        )
    try:
        return render_many(sample_data(edition, base_url), template)
    except Exception:  # noqa: BLE001 - a broken template or image must not give a 500
        log.exception("certificate preview failed for edition %s", edition.id)
        raise TemplateEditError(
            "Không tạo được bản xem thử với mẫu hiện tại. Vui lòng kiểm tra ảnh nền và vị trí các khung chữ."
        ) from None


def kinds_choice(kinds: tuple[str, ...] | list[str]) -> str:
    """The editor's "printed on" choice for a block's kinds."""
    kinds = tuple(k for k in KINDS if k in kinds)
    if kinds == KINDS:
        return "all"
    return kinds[0] if len(kinds) == 1 else "none"


def choice_kinds(choice: str) -> list[str]:
    return {"all": list(KINDS), "award": ["award"], "participation": ["participation"]}.get(choice, [])
