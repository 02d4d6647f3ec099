"""MBC News (imnews.imbc.com) article pages, ``news/<year>/<desk>/article`` and ``replay`` layout of 2023.

Verified on the 15 corpus pages of ``imnews.imbc.com`` (politics, economy, society, world and
iMBC entertainment stories, one 뉴스데스크 replay transcript; March-April 2023). Published and
modified times come from the ``article:*_time`` metas, which carry seconds; the printed
입력/수정 stamps are the fallback.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborNode

from newsflow.items import Article
from parsers.base import Page, SiteParser, node_text
from parsers.sites._select import canonical_of, stamps


class MbcParser(SiteParser):
    name = "mbc"
    hosts = ("imnews.imbc.com",)
    markup = ".news_txt[itemprop=articleBody]"
    publisher = "MBC"

    body = ".news_txt[itemprop=articleBody]"
    title = "h2.art_title"
    authors = ".reporter .writer"
    # The metadata's article:section names the desk; the head's .sort label names the program
    # on replay pages ("5MBC뉴스"), so it is only the fallback.
    section_label = ".sort"
    stamps = ".date .input"
    tags = ".hashtag a"
    figure = ".news_img"
    caption = "p.caption"
    # Entertainment stories credit the desk ("iMBC 연예") where a reporter would be: not a person.
    desk = re.compile(r"^iMBC|연예$", re.IGNORECASE)
    # Broadcast transcripts end with the tip-line promo ("MBC 뉴스는 24시간 여러분의 제보를 기다립니다."
    # then ▷ phone/e-mail/KakaoTalk lines): from that bold line on, nothing is the story's text.
    promo = "b"
    promo_text = re.compile(r"제보를\s*기다립니다")

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        article.authors_raw = [name for name in article.authors_raw if not self.desk.search(name)]
        article.tags = [tag.lstrip("#") for tag in article.tags]
        # The metas carry seconds but no modified time; the 입력/수정 stamps fill what they lack.
        published, modified = stamps(page.tree.css(self.stamps))
        article.published_at_raw = article.published_at_raw or published
        article.modified_at_raw = article.modified_at_raw or modified
        article.section = article.section or node_text(page.tree.css_first(self.section_label)) or None
        article.canonical_url = article.canonical_url or canonical_of(page)
        container = page.tree.css_first(self.body)
        if container is not None and article.body_html:
            for node in container.css(self.promo):
                if self.promo_text.search(node_text(node)):
                    _cut_from(node)
                    article.body_html = container.html
                    break


def _cut_from(node: LexborNode) -> None:
    """Remove ``node`` and every sibling after it."""
    while node is not None:
        following = node.next
        node.decompose()
        node = following
