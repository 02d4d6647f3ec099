"""Chosun Ilbo (www.chosun.com) article pages: Arc XP Fusion, the article in ``Fusion.globalContent``.

The page's DOM holds no article text: a script renders it from the JSON the page embeds as
``Fusion.globalContent={...};``, so this parser reads that JSON (Arc's ANS story format:
``headlines``, ``subheadlines``, ``credits.by``, ``content_elements`` of type text, header,
list and image). Verified on the 6 corpus pages of ``chosun.com`` (4 stories of April 2023:
a 스포츠조선 entertainment story, two OSEN photo stories, a world story by a staff reporter).
The published time is the metadata's ``article:published_time``; the older
``news.chosun.com`` pages carry no Fusion JSON and go to the generic extractor.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from newsflow.items import Article, Image
from parsers.base import Page, SiteParser
from parsers.sites._select import canonical_of

_MARKER = "Fusion.globalContent="
# Element types that are the story's text; anything else (raw_html ad blocks, references to
# other stories, embeds) is page furniture.
_TEXT_TAGS = {"text": "p", "header": "h3"}
# A byline that names a person: agency and desk credits ("OSEN", "조선일보") have no title.
_PERSON = re.compile(r"기자|특파원|논설|위원|칼럼|에디터|PD", re.IGNORECASE)


def global_content(text: str) -> dict[str, Any] | None:
    """The ``Fusion.globalContent`` object of a page's text, None when it has none or it is not JSON."""
    start = text.find(_MARKER)
    if start < 0:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text, start + len(_MARKER))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _basic(value: Any) -> str:
    """The ``basic`` string of an ANS headline-like object (``{"basic": "..."}``), '' when absent."""
    return value.get("basic") or "" if isinstance(value, dict) else ""


def _byline(credit: dict[str, Any]) -> str:
    """A credit's printed byline, without the outlet before "=" ("스포츠조선 = 안소윤 기자" -> "안소윤 기자")."""
    original = ((credit.get("additional_properties") or {}).get("original") or {})
    byline = str(original.get("byline") or credit.get("name") or "")
    return byline.rsplit("=", 1)[-1].strip()


class ChosunParser(SiteParser):
    name = "chosun"
    hosts = ("chosun.com",)
    publisher = "조선일보"

    def claims_markup(self, page: Page) -> bool:
        return _MARKER in page.text and '"canonical_website":"chosun"' in page.text

    def parse(self, page: Page, article: Article) -> None:
        story = global_content(page.text)
        if story is None or not isinstance(story.get("content_elements"), list):
            return  # an older news.chosun.com page: the generic extractor takes it
        article.extractor = self.name
        article.publisher = article.publisher or self.publisher
        article.title = html.unescape(_basic(story.get("headlines"))) or article.title
        if subtitle := _basic(story.get("subheadlines")):
            article.summary = subtitle
        credits = (story.get("credits") or {}).get("by") or []
        if names := [b for b in (_byline(c) for c in credits if isinstance(c, dict)) if _PERSON.search(b)]:
            article.authors_raw = names
        article.modified_at_raw = story.get("last_updated_date") or article.modified_at_raw
        article.modified_at = None
        section = ((story.get("taxonomy") or {}).get("primary_section") or {}).get("name")
        article.section = section or article.section
        blocks: list[str] = []
        for element in story["content_elements"]:
            if not isinstance(element, dict):
                continue
            kind = element.get("type")
            if kind in _TEXT_TAGS and element.get("content"):
                blocks.append(f"<{_TEXT_TAGS[kind]}>{element['content']}</{_TEXT_TAGS[kind]}>")
            elif kind == "list":
                items = "".join(f"<li>{i.get('content', '')}</li>" for i in element.get("items") or []
                                if isinstance(i, dict))
                blocks.append(f"<ul>{items}</ul>")
            elif kind == "image" and element.get("url"):
                article.images.append(Image(url=element["url"], caption=element.get("caption") or None))
        if blocks:
            article.body_html = "<div>" + "".join(blocks) + "</div>"
        article.canonical_url = article.canonical_url or canonical_of(page)
