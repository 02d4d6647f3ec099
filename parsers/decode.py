"""Turn page bytes into text, trusting a declared charset only when the bytes agree with it.

Korean sites still serve EUC-KR/CP949, and some declare one charset while sending another
(the Daejeon Ilbo page in the corpus declares euc-kr and sends UTF-8). A wrong guess makes
mojibake that no later step can repair, so every candidate is tried strictly and the page
is refused when none fits.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# EUC-KR is a strict subset of CP949 (Windows' "extended Wansung"); pages labelled euc-kr
# routinely use CP949-only syllables, so decoding as cp949 loses nothing and fails less.
_ALIASES = {name: "cp949" for name in ("euc-kr", "euc_kr", "ks_c_5601-1987", "ksc5601", "x-windows-949")}


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


class UndecodablePage(ValueError):
    """No charset decodes the page's bytes cleanly, or what decodes is binary, not text."""


def _text(data: bytes, encoding: str) -> tuple[str, str]:
    text = data.decode(encoding, errors="strict")
    sample = text[:65536]
    # Binary bodies labelled text/html sometimes decode (single-byte charsets accept anything).
    if sample and len(_CONTROL.findall(sample)) > len(sample) // 100:
        raise UndecodablePage(f"the page decodes as {encoding} but is binary (control characters)")
    return text, encoding


def _normal(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charset(html: bytes) -> str | None:
    """The charset a ``<meta>`` in the first 4 KB declares, normalised, or None."""
    match = _META_CHARSET.search(html[:4096])
    return _normal(match.group(1).decode("ascii", "replace")) if match else None


def decode_html(html: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)`` for page bytes; raise ``UndecodablePage`` when nothing fits.

    Order: BOM, the HTTP header's charset, the meta charset, UTF-8, CP949, then
    charset-normalizer's best guess. Each is tried strictly, so a wrong declaration falls
    through to the next candidate instead of producing replacement characters.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if html.startswith(bom):
            text, _ = _text(html, name)
            return text.lstrip("\ufeff"), name
    candidates = [_normal(http_charset), declared_charset(html), "utf-8", "cp949"]
    seen: set[str] = set()
    for name in candidates:
        if not name or name in seen:
            continue
        seen.add(name)
        try:
            return _text(html, name)
        except UnicodeDecodeError:
            continue
    best = from_bytes(html[:200_000]).best()
    if best is not None and best.encoding and best.encoding not in seen:
        try:
            return _text(html, best.encoding)
        except UnicodeDecodeError:
            pass
    raise UndecodablePage(f"no charset fits the page bytes (tried {', '.join(sorted(seen))})")
