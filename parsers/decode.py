"""Turn page bytes into text, trusting a declared charset only when the bytes agree, and refuse mojibake.

Korean sites still serve EUC-KR/CP949, and some declare one charset while sending another
(the Daejeon Ilbo page in the corpus declares euc-kr and sends UTF-8). A wrong guess makes
mojibake, so every candidate is tried strictly and a single-byte declaration (Latin-1,
CP1252) loses to a valid UTF-8 or CP949 reading. Pages saved double-encoded (UTF-8 read as
Latin-1 and written out again, "â€™" for "’") are repaired where each sequence maps back
exactly; text that still reads as mojibake ("ì•ˆë…•", "¾È³ç", "媛€", runs of U+FFFD) is refused
like bytes that fit no charset: a counted drop, never garbage in the warehouse.
"""

from __future__ import annotations

import codecs
import re
from functools import cache

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# EUC-KR is a strict subset of CP949 (Windows' "extended Wansung"); pages labelled euc-kr
# routinely use CP949-only syllables, so decoding as cp949 loses nothing and fails less.
_ALIASES = {name: "cp949" for name in ("euc-kr", "euc_kr", "ks_c_5601-1987", "ksc5601", "x-windows-949")}
_SAMPLE = 65536
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20))
# UTF-8 read as Latin-1/CP1252, found in the UTF-8 bytes: a lead byte shown as "Â".."ô" (C3 82..
# C3 B4) before a continuation byte shown as a C1 control or a CP1252 sign. The literal \xc3
# prefix lets the regex engine skip fast through pages that have none (about 0.7 µs a KB).
_LATIN_MOJIBAKE = re.compile(
    rb"\xc3[\x82-\xb4](?:\xc2[\x80-\xbf]|\xe2\x80[\x93-\xba]|\xe2\x82\xac|\xe2\x84\xa2"
    rb"|\xc5[\x92\x93\xa0\xa1\xb8\xbd\xbe]|\xc6\x92|\xcb[\x86\x9c])"
)
_UTF8_LEADS = bytes(range(0xC0, 0x100))
# For repair, whole double-encoded characters in the UTF-8 bytes: a lead shown as "Â".."ß",
# "à".."ï" or "ð".."ô" followed by one, two or three continuations shown as C1 controls or signs.
_CP1252_BYTE = {bytes([b]).decode("cp1252"): b for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
_CONT = b"(?:" + b"|".join(
    [rb"\xc2[\x80-\xbf]"] + [re.escape(sign.encode()) for sign in _CP1252_BYTE]
) + b")"
_ONE_CHAR = rb"(?:[\x82-\x9f]" + _CONT + rb"|[\xa0-\xaf]" + _CONT + rb"{2}|[\xb0-\xb4]" + _CONT + rb"{3})"
# The literal \xc3 first, outside any group, is what lets the engine skip ahead fast.
_MOJIBAKE_RUN = re.compile(rb"\xc3" + _ONE_CHAR + rb"(?:\xc3" + _ONE_CHAR + rb")*")
# EUC-KR/CP949 read as a single-byte charset: every syllable becomes two Latin-1 letters, so
# runs of them fill the text ("¾È³çÇÏ¼¼¿ä"); European text puts ASCII between its accents.
_LATIN_RUN = re.compile("[\u00a1-\u00fe]{4,}")
_HANGUL = re.compile("[\uac00-\ud7a3]")
_HANJA = re.compile("[\u4e00-\u9fff\uf900-\ufaff]")
_HALFWIDTH_KANA = re.compile("[\uff61-\uff9f]")


class UndecodablePage(ValueError):
    """No charset decodes the page's bytes cleanly, what decodes is binary, or it reads as mojibake."""


class _Mojibake(UndecodablePage):
    """One reading of the bytes is mojibake: ``decode_html`` tries the next candidate."""


def _normal(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


@cache
def _single_byte(encoding: str) -> bool:
    """True for charsets where every byte is one character (Latin-1, CP1252, KOI8-R...)."""
    try:
        # Multi-byte codecs turn some byte pairs into one character (or one U+FFFD per bad byte).
        pairs = b"\xc3\xa9\xea\xb0\x80\xb0\xa1"
        return len(pairs.decode(encoding, errors="replace")) == len(pairs) and len(
            bytes(range(256)).decode(encoding, errors="replace")) == 256
    except LookupError:
        return False


def _non_ascii(text: str) -> int:
    return len(text) - len(text.encode("ascii", "ignore"))


def declared_charset(html: bytes) -> str | None:
    """The charset a ``<meta>`` in the first 4 KB declares, normalised, or None."""
    match = _META_CHARSET.search(html[:4096])
    return _normal(match.group(1).decode("ascii", "replace")) if match else None


def _is_binary(html: bytes, text: str, encoding: str) -> bool:
    """More than 1% control characters: a binary body that a permissive charset happened to accept."""
    if encoding in ("utf-8", "cp949") or _single_byte(encoding):
        # ASCII-compatible charsets map control bytes to themselves: counting bytes is 10x faster.
        sample = html[:_SAMPLE]
        return len(sample) - len(sample.translate(None, _CONTROL_BYTES)) > len(sample) // 100
    sample = text[:_SAMPLE]
    return len(_CONTROL.findall(sample)) > len(sample) // 100


def _fix_run(match: re.Match[bytes]) -> bytes:
    run = match.group(0)
    original = bytes(_CP1252_BYTE.get(ch, ord(ch)) for ch in run.decode("utf-8"))
    try:
        fixed = original.decode("utf-8")
    except UnicodeDecodeError:
        return run
    # Two-byte results outside Latin/Greek/Cyrillic/Hebrew are coincidences of real text
    # ("ß“" would read as an NKo letter): left alone.
    return run if any(0x600 <= ord(ch) < 0x800 for ch in fixed) else fixed.encode("utf-8")


def repair_double_encoding(text: str, utf8: bytes | None = None) -> str:
    """Undo every run of UTF-8 that was read as Latin-1/CP1252 ("â€™" -> "’", "Ã©" -> "é").

    Works on the UTF-8 bytes (``utf8``, the text's own when not given): the runs start with
    a literal byte, which keeps the search fast on long pages.
    """
    raw = utf8 if utf8 is not None else text.encode("utf-8", "surrogatepass")
    fixed = _MOJIBAKE_RUN.sub(_fix_run, raw)
    return text if fixed == raw else fixed.decode("utf-8", "surrogatepass")


def mojibake(text: str, encoding: str, utf8: bytes | None = None) -> str | None:
    """Why the decoded ``text`` reads as mojibake, or None when it reads as text.

    ``utf8`` is the text's UTF-8 form when the caller has it (the page bytes of a UTF-8 page).
    """
    sample = text[:_SAMPLE]
    if sample.isascii():
        return None
    replaced = sample.count("\ufffd")
    if replaced >= 20 and replaced * 20 >= _non_ascii(sample):
        return f"{replaced} replacement characters (the text was broken before it was served)"
    raw = (utf8 if utf8 is not None else sample.encode("utf-8", "surrogatepass"))[:_SAMPLE]
    # Read here as single-byte, or saved so (then "Ã".."þ" fill the UTF-8 form: C3 bytes).
    if _single_byte(encoding) or raw.count(b"\xc3") >= 40:
        runs = sum(map(len, _LATIN_RUN.findall(sample)))
        if runs >= 20 and runs * 2 >= _non_ascii(sample):
            return "double-byte text (EUC-KR?) read as a single-byte charset (like '¾È³ç')"
    hits = len(_LATIN_MOJIBAKE.findall(raw))
    # Real text practically never has these pairs; a few in a long page (one bad apostrophe)
    # are tolerated, one non-ASCII character in twenty is not.
    if hits >= 8 and hits * 20 >= len(raw) - len(raw.translate(None, _UTF8_LEADS)):
        return "UTF-8 text read as Latin-1/CP1252 (like 'ì•ˆë…•')"
    if encoding == "utf-8" or _single_byte(encoding):
        return None
    if (hanja := len(_HANJA.findall(sample))) >= 30:
        hangul = len(_HANGUL.findall(sample))
        if hangul >= 30 and hanja * 5 >= hanja + hangul:
            return f"UTF-8 text read as {encoding} (like '媛€': Hanja among Hangul)"
    # EUC-KR/CP949 read as Shift_JIS/CP932: its bytes A1-DF become half-width katakana, which
    # real Japanese pages hardly use.
    kana = len(_HALFWIDTH_KANA.findall(sample))
    if kana >= 20 and kana * 3 >= _non_ascii(sample):
        return f"double-byte text read as {encoding} (half-width katakana, like 'ﾇﾑｱﾛ')"
    return None


def _multibyte_reading(html: bytes) -> tuple[str, str] | None:
    """A strict UTF-8 reading with non-ASCII text, else a CP949 one that is mostly Hangul, else None."""
    try:
        text = html.decode("utf-8")
        return None if text.isascii() else (text, "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = html.decode("cp949")
    except UnicodeDecodeError:
        return None
    return (text, "cp949") if _mostly_hangul(text) else None


def _mostly_hangul(text: str) -> bool:
    """At least 20 Hangul syllables, half the non-ASCII characters or more."""
    sample = text[:_SAMPLE]
    hangul = len(_HANGUL.findall(sample))
    return hangul >= 20 and hangul * 2 >= _non_ascii(sample)


def _checked(html: bytes, text: str, encoding: str, refused: list[str]) -> tuple[str, str, bool]:
    """``(text, encoding, verbatim)`` when the reading is text, double encoding undone; raise when binary or
    mojibake. ``verbatim``: ``text`` is still exactly the UTF-8 reading of ``html``."""
    if _is_binary(html, text, encoding):
        raise UndecodablePage(f"the page decodes as {encoding} but is binary (control characters)")
    utf8: bytes | None = html if encoding == "utf-8" else None
    if (utf8 is not None and _LATIN_MOJIBAKE.search(utf8)) or (_single_byte(encoding) and not text.isascii()):
        repaired = repair_double_encoding(text, utf8)
        if repaired is not text:
            text, utf8 = repaired, None
    if reason := mojibake(text, encoding, utf8):
        refused.append(f"{encoding}: {reason}")
        raise _Mojibake(reason)
    return text, encoding, utf8 is not None  # utf8: the bytes, while text is still exactly their reading


def decode_html(html: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)`` for page bytes; raise ``UndecodablePage`` when nothing fits (see ``read_html``)."""
    text, encoding, _ = read_html(html, http_charset)
    return text, encoding


def read_html(html: bytes, http_charset: str | None = None) -> tuple[str, str, bool]:
    """Return ``(text, encoding, verbatim)`` for page bytes; raise ``UndecodablePage`` when nothing fits.

    ``verbatim`` is True when ``text`` is exactly ``html`` read as UTF-8 (no BOM, nothing
    repaired): the bytes can then be parsed as they are, without encoding the text again.

    Order: BOM, the HTTP header's charset, the meta charset, UTF-8, CP949, then
    charset-normalizer's best guess. Each is tried strictly, so a wrong declaration falls
    through to the next candidate instead of producing replacement characters; a reading
    that is binary, or mojibake even after undoing double encoding, is refused.
    """
    refused: list[str] = []
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if html.startswith(bom):
            body = html[len(codecs.BOM_UTF8):] if name == "utf-8" else html
            try:
                text, encoding, _ = _checked(body, body.decode(name).lstrip("\ufeff"), name, refused)
                return text, encoding, False
            except UnicodeDecodeError:
                break  # a BOM over other bytes: the candidates below decide
    seen: set[str] = set()
    for name in (_normal(http_charset), declared_charset(html), "utf-8", "cp949"):
        if not name or name in seen:
            continue
        seen.add(name)
        try:
            text = html.decode(name)
        except UnicodeDecodeError:
            continue
        if _single_byte(name) and (better := _multibyte_reading(html)):
            text, name = better
        try:
            return _checked(html, text, name, refused)
        except _Mojibake:
            continue
    best = from_bytes(html[:200_000]).best()
    guess = _normal(best.encoding) if best is not None else None
    if guess and guess not in seen:
        # Bytes that are mostly CP949 Hangul but do not decode whole mix charsets (a UTF-8 head
        # over EUC-KR text): any other charset's reading of them is garbage.
        if _mostly_hangul(html.decode("cp949", errors="replace")):
            refused.append("mostly CP949 Korean, but with bytes of another charset mixed in")
        else:
            try:
                return _checked(html, html.decode(guess), guess, refused)
            except (UnicodeDecodeError, LookupError, _Mojibake):
                pass
    tried = ", ".join(sorted(seen))
    raise UndecodablePage(f"no charset fits the page bytes (tried {tried})" + "".join(f"; {r}" for r in refused))
