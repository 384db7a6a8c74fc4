"""Text helpers shared by forms, importers and exports (pure functions, no Flask).

Everything a person types or a file brings in passes :func:`normalize_text`: stray
whitespace and invisible characters go, text in the legacy Vietnamese encodings TCVN3
(ABC, the ``.VnTime`` fonts) and VNI-Windows is detected and converted, and the result is
Unicode NFC, so the same name compares equal however it arrived.

Legacy text reaches us as it looks when its bytes are read as cp1252/Latin-1 (that is what
Excel and CSV readers do with a file typed in a ``.VnTime`` or ``VNI-Times`` font), for
example ``"Gi¶i NhÊt"`` (TCVN3) or ``"Giaûi Nhaát"`` (VNI) for "Giải Nhất". Detection
scores the evidence word by word: a conversion is applied only when it turns words that
are not Vietnamese syllables into words that are, and produces no garbage. Genuine
Unicode Vietnamese, ASCII and ordinary Western text ("Café", "José", "naïve") are left
alone.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache

__all__ = [
    "ascii_fold",
    "decode_legacy",
    "detect_legacy",
    "excel_safe",
    "format_date_vn",
    "format_money_vn",
    "name_sort_key",
    "normalize_name",
    "normalize_text",
    "parse_date_vn",
    "safe_filename",
    "slugify",
]

# --------------------------------------------------------------------------------------
# Vietnamese letters
# --------------------------------------------------------------------------------------

# Tone marks in the official tone order: none, huyền, hỏi, ngã, sắc, nặng.
_TONE_MARKS = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
_VOWEL_SHAPES = "aăâeêioôơuưy"

# Every Vietnamese vowel (any case, any tone) -> (lower-case toneless shape, tone index).
_VOWEL_INFO: dict[str, tuple[str, int]] = {}
for _shape in _VOWEL_SHAPES:
    for _tone, _mark in enumerate(_TONE_MARKS):
        _ch = unicodedata.normalize("NFC", _shape + _mark)
        _VOWEL_INFO[_ch] = (_shape, _tone)
        _VOWEL_INFO[_ch.upper()] = (_shape, _tone)

_VN_CONSONANTS = set("bcdđghklmnpqrstvx")
_VN_LETTERS = set(_VOWEL_INFO) | _VN_CONSONANTS | {c.upper() for c in _VN_CONSONANTS}

# A Vietnamese syllable, written toneless in lower case ("trường" -> "trương").
# Finals: c ch m n ng nh p t, off-glides i y o u, plus k (Đắk Lắk and other place names).
# Spelling rules: c/ng/g never before e ê i y; gh/ngh only before them (k is left free
# for place names such as Kạn, Kon Tum, Đắk Lắk).
_INITIAL = (
    r"(?:ngh(?=[eêi])|ng(?![eêi])|nh|ch|gh(?=[eêi])|gi|kh|ph|th|tr|qu"
    r"|c(?![eêiy])|g(?![eê])|[bdđhklmnprstvx])?"
)
_RHYME = r"""(?:
    a(?:ch|nh|ng|[cikmnoptuy])?
  | ă(?:ng|[ckmnpt])
  | â(?:ng|[ckmnptuy])
  | e(?:ng|[cmnopt])?
  | ê(?:ch|nh|[kmnptu])?
  | i(?:ch|nh|[amnptu]|ê(?:ng|[cmnptu]))?
  | o(?:a(?:ch|nh|ng|[cimnopty])?|ă(?:ng|[cmnt])|e(?:[mnot])?|o(?:ng|c)|ng|[cikmnpt])?
  | ô(?:ng|[ckimnpt])?
  | ơ(?:[ikmnpt])?
  | u(?:a|â(?:ng|[nty])|ê(?:ch|nh|[nu])?|y(?:a|ch|nh|[nptu]|ê[nt])?
       |ô(?:ng|[cimnpt])|ơ|ng|[cimnpt])?
  | ư(?:a|ơ(?:ng|[cimnptu])|ng|[ckimntu])?
  | y(?:ê(?:ng|[mntu])|nh|ch|[nptu])?
)"""
_SYLLABLE_RE = re.compile(rf"(?:{_INITIAL}{_RHYME}|gi)", re.VERBOSE)


@lru_cache(maxsize=65536)
def _is_vn_syllable(word: str) -> bool:
    """True when ``word`` (NFC) is spelled like one Vietnamese syllable."""
    skeleton = []
    tones = 0
    for ch in word.lower():
        info = _VOWEL_INFO.get(ch)
        if info is not None:
            skeleton.append(info[0])
            if info[1]:
                tones += 1
        elif ch in _VN_CONSONANTS:
            skeleton.append(ch)
        else:
            return False
    return tones <= 1 and _SYLLABLE_RE.fullmatch("".join(skeleton)) is not None


# --------------------------------------------------------------------------------------
# Legacy encodings, as their bytes look when read as cp1252 / Latin-1
# --------------------------------------------------------------------------------------

# TCVN 5712:1993 VN3 (the ABC / .VnTime table): one byte per letter. VN3 has no upper-case
# toned letters (the .VnTimeH fonts draw the lower-case codes as capitals).
_TCVN3_PAIRS = (
    "µà ¶ả ·ã ¸á ¹ạ ¨ă »ằ ¼ẳ ½ẵ ¾ắ Æặ ©â Çầ Èẩ Éẫ Êấ Ëậ ®đ "
    "Ìè Îẻ Ïẽ Ðé Ñẹ ªê Òề Óể Ôễ Õế Öệ ×ì Øỉ Üĩ Ýí Þị "
    "ßò áỏ âõ ãó äọ «ô åồ æổ çỗ èố éộ ¬ơ êờ ëở ìỡ íớ îợ "
    "ïù ñủ òũ óú ôụ \u00adư õừ öử ÷ữ øứ ùự úỳ ûỷ üỹ ýý þỵ "
    "¡Ă ¢Â £Ê ¤Ô ¥Ơ ¦Ư §Đ"
)
_TCVN3: dict[str, str] = {pair[0]: pair[1] for pair in _TCVN3_PAIRS.split()}

# VNI-Windows: a base letter followed by a mark byte; i-vowels, đ, ơ, ư are single bytes.
_VNI_SINGLE: dict[str, str] = {
    "ñ": "đ", "Ñ": "Đ", "ô": "ơ", "Ô": "Ơ", "ö": "ư", "Ö": "Ư",
    "í": "í", "Í": "Í", "ì": "ì", "Ì": "Ì", "æ": "ỉ", "Æ": "Ỉ",
    "ó": "ĩ", "Ó": "Ĩ", "ò": "ị", "Ò": "Ị", "î": "ỵ", "Î": "Ỵ",
}  # fmt: skip
_CIRC, _BREVE = "\u0302", "\u0306"
_VNI_TONE = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_CIRC = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}


def _build_vni_marks() -> dict[tuple[str, str], str]:
    combos: dict[tuple[str, str], str] = {}

    def add(bases: str, marks: dict[str, str], prefix: str) -> None:
        for base in bases:
            for mark_char, tone in marks.items():
                for b, m in ((base, mark_char), (base.upper(), mark_char.upper())):
                    combined = unicodedata.normalize("NFC", b + prefix + tone)
                    combos[(b, m)] = combined
                    # A mark byte in the other case still belongs to the letter before it.
                    other = m.lower() if m.isupper() else m.upper()
                    combos.setdefault((b, other), combined)

    add("aeouyơư", _VNI_TONE, "")
    add("aeo", _VNI_CIRC, _CIRC)
    add("a", _VNI_BREVE, _BREVE)
    return combos


_VNI_COMBOS = _build_vni_marks()
_VNI_MARK_CHARS = {m for _, m in _VNI_COMBOS}

# Words are split on whitespace and ASCII / general punctuation only: the legacy tables use
# Latin-1 symbols (§ ¶ « » × ÷ ...) as letters.
_WORD_RE = re.compile(r"[^\s!-/:-@\[-`{-~\u2010-\u205e]+")
# A character no cp1252 / Latin-1 reading can produce: the text is genuine Unicode.
_NOT_LEGACY_RE = re.compile(
    "[^\x00-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_LEGACY_CHARS = frozenset(_TCVN3) | frozenset(_VNI_SINGLE) | frozenset(_VNI_MARK_CHARS)


def _convert_tcvn3_word(word: str) -> tuple[str, bool]:
    """Convert one word; the flag says a Latin-1 letter outside the table was left over."""
    out = []
    leftover = False
    for ch in word:
        mapped = _TCVN3.get(ch)
        if mapped is None:
            if ch >= "\x80" and ch.isalpha():
                leftover = True
            out.append(ch)
        else:
            out.append(mapped)
    text = "".join(out)
    # Upper-case words typed in a .VnTimeH font come back with lower-case toned letters.
    ascii_letters = [
        c for c, o in zip(word, text, strict=True) if c == o and c.isascii() and c.isalpha()
    ]
    if len(ascii_letters) >= 2 and all(c.isupper() for c in ascii_letters):
        text = text.upper()
    return text, leftover


def _convert_vni_word(word: str) -> tuple[str, bool]:
    out: list[str] = []
    fresh = False  # the last output char is a bare letter that may still take a mark
    leftover = False
    for ch in word:
        if fresh and ch in _VNI_MARK_CHARS:
            combined = _VNI_COMBOS.get((out[-1], ch))
            if combined is not None:
                out[-1] = combined
                fresh = False
                continue
        single = _VNI_SINGLE.get(ch)
        if single is not None:
            out.append(single)
            fresh = single in "ơưƠƯ"
            continue
        if ch >= "\x80" and ch.isalpha():
            leftover = True
        out.append(ch)
        fresh = ch in "aeouyAEOUY"
    return "".join(out), leftover


def _plain_case(word: str) -> bool:
    """lower, UPPER or Title case: what a person types (not "kƠ")."""
    return word.islower() or word.isupper() or (word[:1].isupper() and word[1:].islower())


def _word_weight(word: str, converted: str) -> tuple[int, bool]:
    """Evidence from one converted word that was not a Vietnamese syllable before.

    Returns (weight, strong). A word holding a symbol (¶ × ÷ § ...) or a letter that
    Vietnamese never uses (ä ö ü ñ ...) cannot be Unicode Vietnamese: strong evidence.
    A word made only of Vietnamese letters ("méi") may be a typo: weak evidence.
    """
    if len(word) == 1 or len(converted) == 1:
        return 0, False  # a lone letter or symbol ("Ö", "µ", "où") proves nothing
    foreign = [ch for ch in word if ch >= "\x80" and ch not in _VN_LETTERS]
    if not foreign:
        # VNI pairs a vowel with a mark byte ("aù"): no Unicode typo looks like that.
        if len(converted) < len(word):
            return (2 if len(converted) >= 3 else 1), True
        return 1, False
    if len(word) >= 2 and any(not ch.isalpha() for ch in foreign):
        return 2, True
    return (2 if len(converted) >= 3 else 1), True


_ASCII_LOWER_RE = re.compile("[a-z]")
_ASCII_UPPER_RE = re.compile("[A-Z]")
_CONVERTERS = {"tcvn3": _convert_tcvn3_word, "vni": _convert_vni_word}


@lru_cache(maxsize=65536)
def _judge_word(encoding: str, word: str) -> tuple[str, int, int, int]:
    """(converted word, evidence weight, strong 0/1, bad 0/1) for one non-ASCII word."""
    converted, leftover = _CONVERTERS[encoding](word)
    if leftover:
        return converted, 0, 0, 1
    if converted == word:
        return converted, 0, 0, 0
    if not _is_vn_syllable(converted) or not _plain_case(converted):
        return converted, 0, 0, 1
    if _is_vn_syllable(word):
        return converted, 0, 0, 0  # both readings are Vietnamese: keep what we have
    weight, strong = _word_weight(word, converted)
    return converted, weight, int(strong), 0


def _score(text: str, encoding: str) -> tuple[int, int, str]:
    """Evidence that ``text`` is in ``encoding``: (score, strong words, converted text)."""
    good = bad = strong = 0
    pieces: list[str] = []
    last = 0
    for match in _WORD_RE.finditer(text):
        word = match.group()
        if word.isascii():
            continue
        converted, weight, is_strong, is_bad = _judge_word(encoding, word)
        pieces.append(text[last : match.start()])
        pieces.append(converted)
        last = match.end()
        good += weight
        strong += is_strong
        bad += is_bad
    pieces.append(text[last:])
    converted_text = "".join(pieces)
    if good:
        # A string in capitals converts to capitals even where one word is ambiguous.
        if _ASCII_LOWER_RE.search(text) is None and len(_ASCII_UPPER_RE.findall(text)) >= 3:
            converted_text = converted_text.upper()
    return good - 3 * bad, strong, converted_text


def detect_legacy(text: str, hint: str | None = None) -> tuple[str, str] | None:
    """("tcvn3" or "vni", Unicode text) when ``text`` is convincingly in that legacy
    encoding (as read through cp1252/Latin-1), else None.

    ``hint`` is the encoding the rest of the same file was found in; it lowers the
    evidence needed for that encoding, so one short word such as "Nöõ" (Nữ) converts.
    """
    if _NOT_LEGACY_RE.search(text) or not any(ch in _LEGACY_CHARS for ch in text):
        return None
    results = {name: _score(text, name) for name in _CONVERTERS}
    best = max(results, key=lambda name: results[name][0])
    other = "vni" if best == "tcvn3" else "tcvn3"
    score, strong, converted = results[best]
    if score == results[other][0]:
        return None
    if (strong and score >= 2) or (best == hint and score >= 1):
        return best, converted
    return None


def decode_legacy(text: str, encoding: str) -> str:
    """``text`` read as ``encoding`` ("tcvn3" or "vni") whatever the evidence: for
    matching short fixed texts such as column headers against known labels."""
    return _score(text, encoding)[2]


# --------------------------------------------------------------------------------------
# normalize_text / normalize_name
# --------------------------------------------------------------------------------------

_SPACE_CHARS = "\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACES_RE = re.compile(f"[{_SPACE_CHARS}]")
_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
_SHY = "\u00ad"
_MULTI_SPACE_RE = re.compile(" {2,}")


def _to_str(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(value, ".15g")  # 8.299999999999999 (binary noise from Excel) -> 8.3
    if isinstance(value, Decimal):
        if not value.is_finite():
            return ""
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return format_date_vn(value)
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return format_date_vn(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(value).decode("cp1252", errors="replace")
    return str(value)


def _clean(text: str, legacy: str | None) -> str:
    if text.isascii() and text.isprintable() and "  " not in text:
        return text.strip()
    if len(text) <= 300:  # cells repeat (school names, genders): remember short ones
        return _clean_cached(text, legacy)
    return _clean_text(text, legacy)


def _clean_text(text: str, legacy: str | None) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _SPACES_RE.sub(" ", text)
    text = _INVISIBLE_RE.sub("", text)
    if "ƣ" in text or "Ƣ" in text:  # "oi" letters that PDF copy-paste leaves for ư/Ư
        text = text.replace("ƣ", "ư").replace("Ƣ", "Ư")
    if not text.isascii():
        found = detect_legacy(text, legacy)
        if found is not None:
            text = found[1]
    text = text.replace(_SHY, "")
    text = _MULTI_SPACE_RE.sub(" ", text).strip()
    return unicodedata.normalize("NFC", text)


_clean_cached = lru_cache(maxsize=16384)(_clean_text)


def normalize_text(value, *, legacy: str | None = None) -> str:
    """One clean NFC line of text from any cell or form value (None -> "").

    Zero-width characters go; NBSP, tabs and line breaks become spaces; runs of spaces
    collapse; TCVN3 / VNI text is converted (``legacy`` names the encoding the rest of the
    same file is known to be in, see :func:`detect_legacy`).
    """
    if value is None:
        return ""
    text = _clean(_to_str(value), legacy)
    if text.isascii():
        return text
    # Guard idempotence: a second pass must find nothing more to convert.
    again = _clean(text, legacy)
    return text if again == text else again


def _lower(text: str) -> str:
    # Character by character, never changing the length ("İ".lower() is two characters).
    return "".join(c if len(lc := c.lower()) != 1 else lc for c in text)


def _title_word(word: str) -> str:
    parts = re.split(r"([-'’])", _lower(word))
    out = []
    for i, part in enumerate(parts):
        if part and (
            i == 0 or parts[i - 1] == "-" or (parts[i - 1] in "'’" and len(parts[i - 2]) == 1)
        ):
            first = part[0].upper()
            out.append((first if len(first) == 1 else part[0]) + part[1:])
        else:
            out.append(part)
    return "".join(out)


def normalize_name(value, *, legacy: str | None = None) -> str:
    """A person's name: :func:`normalize_text`, then title case if it was all upper or all
    lower case ("NGUYỄN VĂN AN" -> "Nguyễn Văn An"); mixed case is kept as typed."""
    text = normalize_text(value, legacy=legacy)
    for _ in range(3):
        if not text or not (text == text.upper() or text == text.lower()):
            break
        titled = unicodedata.normalize("NFC", " ".join(_title_word(w) for w in text.split(" ")))
        if titled == text:
            break
        text = normalize_text(titled, legacy=legacy)
    return text


# --------------------------------------------------------------------------------------
# Sorting names the Vietnamese way
# --------------------------------------------------------------------------------------

_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_SORT_INFO: dict[str, tuple[int, int]] = {}
for _rank, _letter in enumerate(_ALPHABET, start=100):
    _SORT_INFO[_letter] = (_rank, 0)
    _SORT_INFO[_letter.upper()] = (_rank, 0)
for _ch, (_shape, _tone) in _VOWEL_INFO.items():
    _SORT_INFO[_ch] = (_SORT_INFO[_shape][0], _tone)
for _digit in "0123456789":
    _SORT_INFO[_digit] = (10 + int(_digit), 0)


@lru_cache(maxsize=65536)
def _word_sort_key(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    ranks = []
    tones = []
    for ch in word:
        info = _SORT_INFO.get(ch)
        if info is None:
            base = unicodedata.normalize("NFD", ch)
            info = _SORT_INFO.get(base[:1])
            if info is None:
                info = (10000 + ord(ch.lower()), 0)
        ranks.append(info[0])
        tones.append(info[1])
    return tuple(ranks), tuple(tones)


def name_sort_key(full_name) -> tuple:
    """Sort key for official Vietnamese lists: the given name (last word) first, then the
    family and middle names left to right; within a word the Vietnamese alphabet
    (a ă â b c d đ e ê g h ...) decides, tones (none, huyền, hỏi, ngã, sắc, nặng) break
    ties. Case-insensitive."""
    text = full_name if isinstance(full_name, str) else normalize_text(full_name)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    words = text.split()
    if not words:
        return ((), (), "")
    return (
        _word_sort_key(words[-1]),
        tuple(_word_sort_key(w) for w in words[:-1]),
        text.casefold(),
    )


# --------------------------------------------------------------------------------------
# ASCII forms: folding, slugs, file names
# --------------------------------------------------------------------------------------

_FOLD_SPECIAL = str.maketrans(
    {"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
     "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "þ": "th", "Þ": "Th", "ı": "i"}
)  # fmt: skip


def ascii_fold(s) -> str:
    """Remove diacritics ("Đồng Nai" -> "Dong Nai"); characters with no Latin base stay."""
    text = s if isinstance(s, str) else _to_str(s)
    if text.isascii():
        return text
    text = unicodedata.normalize("NFD", text.translate(_FOLD_SPECIAL))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", text)


def slugify(s, max_length: int = 80) -> str:
    """Lower-case ASCII words joined by hyphens: "Giải Nhất 2024" -> "giai-nhat-2024"."""
    text = ascii_fold(normalize_text(s)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rstrip("-")
    return slug


_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(1, 10)
}


def safe_filename(s, default: str = "tep", max_length: int = 120) -> str:
    """An ASCII file name safe on every OS and in a Content-Disposition header:
    "Danh sách giải (2024).xlsx" -> "Danh_sach_giai_2024.xlsx"."""
    text = ascii_fold(normalize_text(s))
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text)
    text = re.sub(r"_*\._*", ".", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"_{2,}", "_", text).strip("._-")
    if not text or text.split(".")[0].lower() in _WINDOWS_RESERVED:
        text = f"{default}_{text}".strip("._-") if text else default
    if len(text) > max_length:
        stem, dot, ext = text.rpartition(".")
        if dot and 0 < len(ext) <= 10 and stem:
            text = stem[: max_length - len(ext) - 1].rstrip("._-") + "." + ext
        else:
            text = text[:max_length].rstrip("._-")
    return text or default


# --------------------------------------------------------------------------------------
# Dates, money, Excel safety
# --------------------------------------------------------------------------------------

_DMY_RE = re.compile(
    r"(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_YMD_RE = re.compile(
    r"(\d{4})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})(?:[T ]\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_EXCEL_EPOCH = date(1899, 12, 30)
_MIN_YEAR, _MAX_YEAR = 1900, 2100


def _date_error(value) -> ValueError:
    shown = value if isinstance(value, str) else normalize_text(value)
    return ValueError(f"Ngày không hợp lệ: '{normalize_text(shown)}' (định dạng dd/mm/yyyy)")


def _from_excel_serial(serial: float) -> date:
    if not math.isfinite(serial) or serial < 1 or serial >= 2958466:
        raise ValueError
    days = int(serial)
    if days == 60:  # 29/02/1900 exists only in Excel's 1900 date system (the Lotus bug)
        raise ValueError
    if days < 60:
        days += 1
    return _EXCEL_EPOCH + timedelta(days=days)


def parse_date_vn(value) -> date:
    """A date from a cell or form: date/datetime, an Excel serial number (1900 date
    system), or text "dd/mm/yyyy", "d/m/yyyy", "dd-mm-yyyy", "dd.mm.yyyy", "yyyy-mm-dd".
    Raises ValueError with a Vietnamese message otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int | float | Decimal):
            result = _from_excel_serial(float(value))
        else:
            text = normalize_text(value)
            match = _DMY_RE.fullmatch(text)
            if match:
                day, month, year = int(match[1]), int(match[3]), int(match[4])
            else:
                match = _YMD_RE.fullmatch(text)
                if not match:
                    raise ValueError
                year, month, day = int(match[1]), int(match[2]), int(match[3])
            result = date(year, month, day)
    except (ValueError, OverflowError, TypeError):
        raise _date_error(value) from None
    if not _MIN_YEAR <= result.year <= _MAX_YEAR:
        raise _date_error(value)
    return result


def format_date_vn(d) -> str:
    """dd/mm/yyyy ("" for None)."""
    if d is None:
        return ""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def format_money_vn(n) -> str:
    """1500000 -> "1.500.000 đ" (rounded to whole đồng)."""
    if n is None:
        return ""
    amount = int(Decimal(str(n)).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".") + " đ"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def excel_safe(value):
    """Neutralise spreadsheet formula injection in exported text: a string that starts
    with = + - @ or a tab / line break gets a leading apostrophe. Other values pass."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
