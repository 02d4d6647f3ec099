"""Refuse pages that would cost seconds of CPU before any parser sees them.

lexbor's parse time grows with the square of nesting depth and of the attributes on one
tag (measured here: 20,000 nested ``div``s 0.9 s, 50,000 about 7 s; one tag with 100,000
attributes 43 s). Real article pages are far from either: a few thousand tags, depth under
100. The checks are cheap for them: one ``bytes.count`` (0.1 ms for 128 KB) unless a page is
unusually large or full of tags.
"""

from __future__ import annotations

import re

MAX_PAGE_BYTES = 5_000_000
"""Larger pages are refused (Scrapy's DOWNLOAD_MAXSIZE already stops bodies over 20 MB)."""
MAX_DEPTH = 1_000
MAX_ATTRIBUTES = 2_000
_MANY_TAGS = 20_000
_LARGE_PAGE = 200_000
_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9-]*)")
_LONG_TAG = re.compile(rb"<[a-zA-Z][^>]{65536,}")
# Elements that never hold children, or whose end tag HTML lets a page leave out.
_NO_DEPTH = frozenset(
    b"area base br col embed hr img input link meta param source track wbr p li dt dd td th tr option".split()
)


def _max_depth(html: bytes) -> int:
    depth = deepest = 0
    for match in _TAG.finditer(html):
        if match.group(2).lower() in _NO_DEPTH:
            continue
        if match.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def refuse_reason(html: bytes) -> str | None:
    """``too_large`` or ``hostile_markup`` for page bytes not worth parsing, else None.

    Works on the bytes, before decoding: every charset a news page uses keeps ``<``, ``>``
    and ``=`` as single ASCII bytes.
    """
    if len(html) > MAX_PAGE_BYTES:
        return "too_large"
    if html.count(b"<") > _MANY_TAGS and _max_depth(html) > MAX_DEPTH:
        return "hostile_markup"
    # A tag costly enough to matter (about 20,000 attributes for 1 s) makes the page large.
    if len(html) > _LARGE_PAGE:
        for match in _LONG_TAG.finditer(html):
            if match.group().count(b"=") > MAX_ATTRIBUTES:
                return "hostile_markup"
    return None
