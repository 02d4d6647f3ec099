"""Naver News article pages (n.news.naver.com, ``media_end_*`` layout of 2022 on).

Naver re-hosts other publishers' articles: ``publisher`` is the original press (its logo's
alt text), ``original_url`` the 기사원문 link. Verified on three saved pages: 뉴스타파
(607/0000001728, 2023-11-02), 헤럴드경제 (016/0002194334, 2023-09-07, with 수정 stamp and
captioned photos) and 이데일리 (018/0005316196, 2022-09-14, summary block and a photo
captioned in a table).
"""

from __future__ import annotations

from selectolax.lexbor import LexborNode

from newsflow.items import Article, Image
from parsers.base import Page, SiteParser, br_lines, node_text
from parsers.sites._select import attr_of, canonical_of, texts_of

# The press logo's alt/title name the original publisher; twitter:creator is the fallback.
_PUBLISHER_ATTRS = (("a.media_end_head_top_logo img", "alt"), ("a.media_end_head_top_logo img", "title"),
                    ("meta[name='twitter:creator']", "content"))
_PUBLISHED_STAMP = "span.media_end_head_info_datestamp_time[data-date-time]"
_MODIFIED_STAMP = "span.media_end_head_info_datestamp_time[data-modify-date-time]"


class NaverParser(SiteParser):
    name = "naver"
    hosts = ("news.naver.com",)
    markup = "#newsct_article #dic_area"

    body = "#dic_area"
    title = "h2.media_end_head_headline"
    summary = "#dic_area strong.media_end_summary"
    # The head's journalist card; pages without one (뉴스타파) sign at the foot (.byline_s).
    authors = ".media_end_head_journalist_name"
    authors_fallback = ".byline_s"
    section = ".media_end_categorize_item"
    rights = ".copyright .c_text"
    original = "a.media_end_head_origin_link"
    drop = ("strong.media_end_summary",)
    # Photos: span.end_photo_org with an em.img_desc caption, or inside a table.nbd_table whose
    # other cell is the caption (older uploads).
    figure = "span.end_photo_org"
    caption = "em.img_desc"

    def parse(self, page: Page, article: Article) -> None:
        super().parse(page, article)
        tree = page.tree
        if lines := br_lines(tree.css_first(self.summary)):
            article.summary = "\n".join(lines)
        if names := texts_of(tree, (self.authors, self.authors_fallback)):
            article.authors_raw = names
        # The attribute is the machine form ("2023-11-02 20:06:13"); the text drops the seconds.
        # The head's stamps are the truth: no 수정 stamp means never modified, whatever the metadata.
        stamp = tree.css_first(_PUBLISHED_STAMP)
        if raw := attr_of(tree, _PUBLISHED_STAMP, "data-date-time") or node_text(stamp):
            article.published_at_raw, article.published_at = raw, None
            modified = attr_of(tree, _MODIFIED_STAMP, "data-modify-date-time")
            article.modified_at_raw, article.modified_at = modified or None, None
        for selector, name in _PUBLISHER_ATTRS:
            if value := attr_of(tree, selector, name):
                article.publisher = value
                break
        article.original_url = page.absolute(attr_of(tree, self.original, "href")) or article.original_url
        article.canonical_url = article.canonical_url or canonical_of(page)

    def take_images(self, page: Page, container: LexborNode) -> list[Image]:
        """Photos with captions; the whole photo block (table included) leaves the body."""
        images: list[Image] = []
        blocks: list[LexborNode] = []
        for photo in container.css(self.figure):
            table = _outer_table(photo, container)
            img = photo.css_first("img")
            src = None
            if img is not None:
                attrs = img.attributes
                src = page.absolute(attrs.get("data-src") or attrs.get("src"))
            caption = node_text(photo.css_first(self.caption))
            if not caption and table is not None:
                caption = node_text(table)
            if src:
                images.append(Image(url=src, caption=caption or None))
            block = table if table is not None else photo
            if all(block.mem_id != seen.mem_id for seen in blocks):
                blocks.append(block)
        # Decompose only after reading: a table block may hold more than one photo.
        for block in blocks:
            block.decompose()
        return images


def _outer_table(node: LexborNode, container: LexborNode) -> LexborNode | None:
    """The outermost ``table.nbd_table`` around ``node`` inside ``container``, if any."""
    found = None
    parent = node.parent
    while parent is not None and parent.mem_id != container.mem_id:
        if parent.tag == "table" and "nbd_table" in (parent.attributes.get("class") or "").split():
            found = parent
        parent = parent.parent
    return found
