"""Selector helpers the site parsers share: priority-ordered alternatives, attributes, labelled stamps.

``SiteParser`` reads text by CSS selector, and a comma list there yields the first node in
*document* order. Portal pages need a little more: attribute values (Naver's
``data-date-time``, a logo's ``alt``), alternatives tried in *priority* order, summary
and labelled date stamps (``입력``/``수정``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from selectolax.lexbor import LexborHTMLParser, LexborNode

from parsers.base import Page, node_text

Tree = LexborHTMLParser | LexborNode

# Labels Korean pages print before a time stamp; "입력" is first publication, "수정" an update.
_PUBLISHED_LABELS = ("입력", "등록", "기사입력", "작성", "게재")
_MODIFIED_LABELS = ("수정", "최종수정", "업데이트", "기사수정")
# "Copyright © 매일경제 & mk.co.kr", "Copyright ⓒ 헤럴드경제.", "(c) 매경AX.": the name after the sign.
_RIGHTS_HOLDER = re.compile(r"(?:©|ⓒ|\(c\))\s*([^\s&.,|/]+)", re.IGNORECASE)
_RIGHTS_LINE = re.compile(r"copyright|©|ⓒ|저작권자|무단\s*전재", re.IGNORECASE)


def first_of(tree: Tree, selectors: Sequence[str]) -> LexborNode | None:
    """The first node of the first selector that matches anything (priority order)."""
    for selector in selectors:
        node = tree.css_first(selector)
        if node is not None:
            return node
    return None


def attr_of(tree: Tree, selector: str, name: str) -> str:
    """Stripped value of attribute ``name`` on the first node ``selector`` matches with it set."""
    for node in tree.css(selector):
        value = (node.attributes.get(name) or "").strip()
        if value:
            return value
    return ""


def texts_of(tree: Tree, selectors: Sequence[str]) -> list[str]:
    """Texts of every node of the first selector that yields any non-empty text."""
    for selector in selectors:
        texts = [text for text in (node_text(node) for node in tree.css(selector)) if text]
        if texts:
            return texts
    return []


def _label(node: LexborNode) -> str:
    """The leading word of a stamp's text, without a colon (``입력 : 2025-...`` -> ``입력``)."""
    words = node_text(node).replace(":", " ").split()
    return words[0] if words else ""


def stamps(nodes: Iterable[LexborNode]) -> tuple[str | None, str | None]:
    """``(published, modified)`` raw strings from labelled stamps such as ``입력 : 2025-05-28 00:13``.

    The whole labelled text is kept as the raw value, as the page printed it; nodes
    without a known label (a reporter's name in Daum's ``txt_info`` row) are skipped.
    """
    published = modified = None
    for node in nodes:
        label = _label(node)
        if label in _MODIFIED_LABELS and modified is None:
            modified = node_text(node)
        elif label in _PUBLISHED_LABELS and published is None:
            published = node_text(node)
    return published, modified


def is_labelled_stamp(node: LexborNode) -> bool:
    """True when the node's text starts with a date label (``입력``, ``수정``...)."""
    return _label(node) in _PUBLISHED_LABELS + _MODIFIED_LABELS


def rights_line(nodes: Iterable[LexborNode]) -> str:
    """The first node text that reads as a copyright line, '' when none does."""
    for node in nodes:
        text = node_text(node)
        if text and len(text) < 300 and _RIGHTS_LINE.search(text):
            return text
    return ""


def rights_holder(rights: str | None) -> str | None:
    """The name a copyright line gives after ``©``/``ⓒ`` (``매일경제``), None when there is none."""
    match = _RIGHTS_HOLDER.search(rights or "")
    return match.group(1) if match else None


def canonical_of(page: Page) -> str | None:
    """The page's ``<link rel=canonical>``, else its ``og:url``, absolute; None when it has neither."""
    href = attr_of(page.tree, "link[rel=canonical]", "href") or attr_of(page.tree, "meta[property='og:url']", "content")
    return page.absolute(href)
