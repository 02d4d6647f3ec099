"""Maeil Business (매일경제, www.mk.co.kr) article pages, 2022 layout (still served in 2025).

Verified on the 8 corpus pages of ``mk.co.kr`` (news/politics, stock, sports, world,
society, realestate; May-June 2025).
"""

from __future__ import annotations

from newsflow.items import Article
from parsers.base import Page, SiteParser, br_lines
from parsers.sites._select import canonical_of, stamps


class MkParser(SiteParser):
    name = "mk.co.kr"
    hosts = ("mk.co.kr",)
    markup = "div.news_cnt_detail_wrap[itemprop=articleBody]"
    publisher = "매일경제"

    body = "div.news_cnt_detail_wrap[itemprop=articleBody]"
    # The fixed header repeats the headline in another h2.news_ttl; the head group's is the article's.
    title = ".news_detail_head_group h2.news_ttl"
    # Sub-headlines, <br>-separated; read into ``summary`` and cut from the body (Daum's copy
    # of the same article carries them in its own summary block, so the body hashes agree).
    summary = ".news_cnt_detail_wrap .midtitle_text"
    authors = ".news_write_info_group dl.author dt.name"
    published = ".news_write_info_group .time_area dl.registration"
    section = ".news_detail_head_group span.cate"
    rights = ".bt_copyright"
    drop = (".mid_title",)
    figure = "figure"
    caption = "figcaption"

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        tree = page.tree
        if lines := br_lines(tree.css_first(self.summary)):
            article.summary = "\n".join(lines)
        # Two dl.registration blocks: 입력 (published) then, when edited, 수정 (modified). The
        # JSON-LD repeats datePublished as dateModified on unedited pages; the stamps are the truth.
        # Normalised values go too, so the clean step derives them from these raw strings.
        published, modified = stamps(tree.css(self.published))
        if published:
            article.published_at_raw, article.published_at = published, None
            article.modified_at_raw, article.modified_at = modified, None
        article.canonical_url = article.canonical_url or canonical_of(page)
