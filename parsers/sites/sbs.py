"""SBS News (news.sbs.co.kr) article pages, ``endPage.do`` layout of 2023.

Verified on the 15 corpus pages of ``news.sbs.co.kr`` (politics, society, world, culture and
entertainment desks, 자막뉴스/D리포트 video stories; April 2023). Dates come from the page's
``itemprop`` metas (read by the metadata step); the 2026 head (``.w_author``/``.date_area``,
described by public scrapers) is listed after the verified selectors but not verified.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from newsflow.items import Article, Image
from parsers.base import Page, SiteParser, node_text
from parsers.sites._select import canonical_of

# "(SBS연예뉴스 강선애 기자)" closing the text: a desk + reporter byline the clean step's
# byline rule (a name right before 기자) does not take, so it is cut here into the authors.
_TAIL_BYLINE = re.compile(
    r"^[(\[]\s*[^()\[\]]{0,20}?\s(?P<names>[가-힣]{2,4}(?:\s*[·,]\s*[가-힣]{2,4})*)\s*(?:기자|특파원|PD)\s*[)\]]$"
)


class SbsParser(SiteParser):
    name = "sbs"
    hosts = ("news.sbs.co.kr",)
    markup = ".w_article .main_text .text_area"
    publisher = "SBS"

    # itemprop=articleBody on most pages, not on video stories (비머pick): the wrapper is the key.
    body = ".main_text .text_area"
    title = "h1#news-title"
    # The reporter's schema.org name (hidden) beside the visible link; absent on desk stories.
    authors = ".w_article_title .info_area [itemprop=name], .w_author .reporter [itemprop=name]"
    rights = ".copyright_area2 p.copy"
    # In-text pictures sit in .w_artcle_conimg (sic) blocks with a zoom button, no caption element.
    figure = ".w_artcle_conimg"
    caption = ""
    lead_image = ".w_article_mainimg img.mainimg"
    # Desk stories name the newsroom where a reporter would be ("SBS 뉴스"): no person, no author.
    desk = re.compile(r"^(SBS|에스비에스)", re.IGNORECASE)

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        article.canonical_url = article.canonical_url or canonical_of(page)
        article.authors_raw = [name for name in article.authors_raw if not self.desk.match(name)]
        if not article.body_html:
            return
        container = page.tree.css_first(self.body)
        if container is None:
            return
        # The lead picture sits above the text; its caption is the text's first "▲ ..." line.
        lead = page.tree.css_first(self.lead_image)
        src = page.absolute(lead.attributes.get("src")) if lead is not None else None
        if src:
            article.images.insert(0, Image(url=src, caption=_take_lead_caption(container)))
        if byline := _take_tail_byline(container):
            article.authors_raw = article.authors_raw or [byline]
        article.body_html = container.html


def _take_lead_caption(container: LexborNode) -> str | None:
    """Cut the "▲ caption" block opening the text and return its text (None when there is none)."""
    for node in container.iter(include_text=False):
        text = node_text(node)
        if text.startswith("▲") and len(text) < 200:
            node.decompose()
            return text.lstrip("▲ ").strip() or None
        return None
    return None


def _take_tail_byline(container: LexborNode) -> str | None:
    """Cut a bracketed desk byline ending the text and return it as "name 기자" (None when absent)."""
    last = None
    for node in container.iter(include_text=True):
        if node.tag == "-text" and (node.text_content or "").strip():
            last = node
    if last is None:
        return None
    match = _TAIL_BYLINE.match(" ".join((last.text_content or "").split()))
    if match is None:
        return None
    last.decompose()
    return f"{match.group('names')} 기자"
