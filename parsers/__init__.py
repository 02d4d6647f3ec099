"""Extraction: page bytes and URL in, an ``Article`` with raw fields and a body fragment out.

The same call serves the crawl, the demo and ``newsflow evaluate``: the site parser is
chosen from the page itself (its canonical URL, its fetched URL, its markup), never from
how it was reached.
"""

from __future__ import annotations

from newsflow.items import Article
from parsers.base import Page, SiteParser
from parsers.decode import UndecodablePage, read_html
from parsers.generic import extract_main_fragment
from parsers.guard import refuse_reason
from parsers.metadata import read_metadata
from parsers.pagetype import classify_page
from parsers.sites import SITE_PARSERS

__all__ = ["choose_parser", "extract"]


def choose_parser(page: Page, canonical_url: str | None) -> SiteParser | None:
    """The site parser of the page's canonical URL, else of its fetched URL, else of its markup."""
    for url in (canonical_url, page.url):
        for parser in SITE_PARSERS:
            if parser.claims_url(url):
                return parser
    for parser in SITE_PARSERS:
        if parser.claims_markup(page):
            return parser
    return None


def extract(html: bytes, url: str, *, http_charset: str | None = None, site_parsers: bool = True) -> Article:
    """Extract one page. ``Article.source`` is left empty for the caller to set.

    Never raises for bad content: a page that cannot be decoded comes back with
    ``page_type="undecodable"``, one too large or too deeply nested to be worth parsing
    with ``too_large``/``hostile_markup``, one that is not an article with its kind, so the
    validate pipeline can count the drop by reason. ``site_parsers=False`` measures the
    generic path alone (``newsflow evaluate --generic``).
    """
    article = Article(url=url, source="")
    if refusal := refuse_reason(html):
        article.page_type = refusal
        return article
    try:
        text, _encoding, verbatim = read_html(html, http_charset)
    except UndecodablePage:
        article.page_type = "undecodable"
        return article
    page = Page(url=url, text=text, raw=html if verbatim else None)
    read_metadata(page, article)
    parser = choose_parser(page, article.canonical_url) if site_parsers else None
    if parser is not None:
        parser.parse(page, article)
    if not article.body_html:
        fragment = extract_main_fragment(page)
        if fragment is not None:
            article.body_html, images = fragment
            article.images = article.images or images
        # The site parser found no article body here (a list page of the site, say).
        article.extractor = "generic"
    article.page_type = classify_page(page, article)
    return article
