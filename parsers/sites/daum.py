"""Daum News copies (v.daum.net) of publishers' articles, on Daum itself or re-posted elsewhere.

Daum's article markup (``summary_view``, ``article_view`` with ``dmcf-ptype`` blocks,
``figure``/``figcaption.txt_caption``, the copyright ``p`` after the body) travels intact
when boards re-post a Daum copy, so the parser is chosen by markup as well as by host.
Verified on a real board re-post of Daum's copy of a 매일경제 article (the markup is
Daum's, byte for byte) and on a synthetic v.daum.net page built around the same markup
with Daum's head (``h3.tit_view``, ``.info_view .txt_info``); see tests/fixtures/sites/ORIGINS.md.
"""

from __future__ import annotations

from newsflow.items import Article
from parsers.base import Page, SiteParser, br_lines, node_text
from parsers.sites._select import (
    attr_of,
    canonical_of,
    is_labelled_stamp,
    rights_holder,
    rights_line,
    stamps,
)

# Who published the text, most reliable first: Daum's meta, the press logo, the header logo text.
_PUBLISHER_ATTRS = (("meta[property='og:article:author']", "content"), (".info_cp a.link_cp img", "alt"))
_SERVICE_LOGO = "#kakaoServiceLogo"
# A re-post has no h3.tit_view: its headline is the last heading before Daum's blocks.
_HEADINGS = "h1, h2, h3, h4, .summary_view, .article_view"


class DaumParser(SiteParser):
    name = "daum"
    hosts = ("v.daum.net",)
    markup = ".article_view [dmcf-ptype]"

    body = ".article_view"
    # Only the text blocks: dmcf-ptype="figure" (photos) and other embeds are not article text.
    paragraphs = ".article_view [dmcf-ptype=general]"
    title = "h3.tit_view"
    summary = ".summary_view"
    dates = ".info_view .txt_info"
    # The copyright line is a p right after the body container, inside Daum's news view.
    rights = ".article_view ~ p"
    figure = "figure"
    caption = "figcaption"

    def parse(self, page: Page, article: Article) -> None:
        tree = page.tree
        article.extractor = self.name
        article.title = node_text(tree.css_first(self.title)) or _heading_before_body(page) or article.title
        if lines := br_lines(tree.css_first(self.summary)):
            article.summary = "\n".join(lines)
        info = tree.css(self.dates)
        published, modified = stamps(info)
        if published:
            article.published_at_raw, article.published_at = published, None
            article.modified_at_raw, article.modified_at = modified, None
        # The txt_info row holds the reporter ("홍길동 기자") beside the labelled stamps.
        if names := [node_text(n) for n in info if node_text(n) and not is_labelled_stamp(n)]:
            article.authors_raw = names
        article.rights = rights_line(tree.css(self.rights)) or article.rights
        article.publisher = self._publisher(page, article.rights) or article.publisher
        article.canonical_url = article.canonical_url or canonical_of(page)
        container = tree.css_first(self.body)
        if container is None:
            return
        article.images = self.take_images(page, container)
        blocks = container.css(self.paragraphs)
        # Older copies carry plain <p>s without dmcf-ptype: the container is then the body.
        text_html = "".join(block.html or "" for block in blocks)
        article.body_html = f"<div>{text_html}</div>" if blocks else container.html

    @staticmethod
    def _publisher(page: Page, rights: str | None) -> str | None:
        tree = page.tree
        for selector, name in _PUBLISHER_ATTRS:
            if value := attr_of(tree, selector, name):
                return value
        return node_text(tree.css_first(_SERVICE_LOGO)) or rights_holder(rights)


def _heading_before_body(page: Page) -> str:
    """Text of the last h1-h4 before Daum's summary or body block, '' when there is none."""
    heading = ""
    for node in page.tree.css(_HEADINGS):
        if node.tag not in ("h1", "h2", "h3", "h4"):
            break
        heading = node_text(node) or heading
    return heading
