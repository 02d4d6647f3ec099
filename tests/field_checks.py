"""One assertion per field of an extracted article, shared by the site-parser tests."""

from __future__ import annotations

from typing import Any

from newsflow.items import Article


def paragraphs(a: Article) -> list[str]:
    return a.body.split("\n\n") if a.body else []


def check_field(a: Article, field: str, expected: Any, *, whole_paragraphs: bool = False) -> None:
    """Assert one expected value; ``body_first``/``body_last`` are openings/endings unless ``whole_paragraphs``."""
    if field == "body_first":
        first = paragraphs(a)[0]
        assert first == expected if whole_paragraphs else first.startswith(expected)
    elif field == "body_last":
        last = paragraphs(a)[-1]
        assert last == expected if whole_paragraphs else last.endswith(expected)
    elif field == "paragraphs":
        assert len(paragraphs(a)) == expected
    elif field == "absent":
        assert [text for text in expected if text in a.body] == []
    elif field == "image_count":
        assert len(a.images) == expected
    elif field == "first_caption":
        assert a.images[0].caption == expected
    elif field == "first_image":
        assert a.images[0].url == expected
    else:
        assert getattr(a, field) == expected
