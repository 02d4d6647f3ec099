"""STUB (being written): tell article pages from listings, galleries and video pages."""

from __future__ import annotations

from newsflow.items import Article
from parsers.base import Page


def classify_page(page: Page, article: Article) -> str:
    return "article"
