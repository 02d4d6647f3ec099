"""Test helpers: a site of many distinct synthetic Korean articles, and sources that crawl it.

Each article has its own wording (words drawn from a seeded vocabulary), so no two hash
alike or are near-duplicates, and a JSON-LD block with headline, date and author, so the
generic path extracts it as an article that passes the quality gates.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path

_VOCABULARY = ("반도체 수출 금리 환율 부동산 주식 예산 국회 정부 노조 파업 인공지능 기업 투자 물가 고용 선거 외교 안보 "
          "교육 의료 기후 에너지 원전 배터리 자동차 조선 철강 유통 관광 항공 철도 통신 게임 영화 음악 스포츠 야구 "
          "축구 농업 어업 건설 금융 보험 은행 증권 코인 플랫폼 스타트업 서울 부산 대구 인천 광주 대전 울산 세종 "
          "경기 강원 충북 충남 전북 전남 경북 경남 제주")
_WORDS = _VOCABULARY.split(" ")


def article_html(n: int, *, headline: str | None = None, head: str = "", text: str = "") -> str:
    """Article ``n``: four paragraphs of its own (after ``text``), a byline and JSON-LD metadata.

    ``headline`` replaces the JSON-LD headline (JSON-escaped: it may hold any code point), ``head`` is
    added to the ``<head>``.
    """
    rng = random.Random(n)
    paragraphs = [f"{n}번 기사의 {p + 1}번째 문단입니다. " + " ".join(rng.choice(_WORDS) for _ in range(25))
                  + "에 대한 소식이 전해졌다." for p in range(4)]
    paragraphs = ([text] if text else []) + paragraphs
    title = f"합성 기사 {n}: " + " ".join(rng.sample(_WORDS, 3))
    metadata = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline or title,
                "datePublished": f"2026-11-27T{n % 24:02d}:00:00+09:00",
                "author": {"@type": "Person", "name": "홍길동"}}
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:type" content="article">{head}'
            f'<script type="application/ld+json">{json.dumps(metadata, ensure_ascii=True)}</script></head>'
            f'<body><header><nav>메뉴</nav></header><article><h1>{title}</h1><p class="byline">홍길동 기자</p>'
            f"{body}</article><footer>저작권자 © 테스트</footer></body></html>")


def feed_xml(links: Sequence[str]) -> str:
    items = "".join(f"<item><title>기사</title><link>{link}</link></item>" for link in links)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'


def build_site(root: Path, count: int, *, feeds: int = 1) -> list[str]:
    """``count`` articles at ``/news/<n>.html`` listed by ``feed.xml`` (or ``feed0.xml``... when ``feeds`` > 1).

    Returns the article paths. Feeds list ``{BASE}`` URLs, which the replay server fills in.
    """
    (root / "news").mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        (root / "news" / f"{n}.html").write_text(article_html(n), encoding="utf-8")
        paths.append(f"/news/{n}.html")
    names = ["feed.xml"] if feeds == 1 else [f"feed{i}.xml" for i in range(feeds)]
    for i, name in enumerate(names):
        (root / name).write_text(feed_xml(["{BASE}" + p for p in paths[i::feeds]]), encoding="utf-8")
    return paths


def source_toml(folder: Path, source_id: str, *, feeds: Sequence[str] = (), sitemaps: Sequence[str] = (),
                listings: Sequence[str] = (), allowed_domains: Sequence[str] = ("127.0.0.1",),
                allow_private: bool = True, max_articles: int = 10_000, concurrency: int = 8,
                extra: str = "") -> Path:
    """A source file with absolute discovery URLs (unlike ``replay_site.write_source``, any host and policy)."""
    def array(values: Sequence[str]) -> str:
        return json.dumps(list(values))

    folder.mkdir(parents=True, exist_ok=True)
    listing_tables = "".join(f'\n[[listings]]\nurl = "{url}"\narticle_pattern = "/news/"\n' for url in listings)
    text = (f'id = "{source_id}"\nname = "test {source_id}"\npublisher = "테스트"\n'
            f"feeds = {array(feeds)}\nsitemaps = {array(sitemaps)}\n"
            'article_url_patterns = ["/news/"]\n'
            f"allowed_domains = {array(allowed_domains)}\n"
            f"allow_private_addresses = {'true' if allow_private else 'false'}\n"
            f"max_articles = {max_articles}\nretries = 0\n{extra}\n"
            f"[politeness]\nconcurrency = {concurrency}\ndownload_delay = 0.0\nautothrottle_target = {concurrency}.0\n"
            + listing_tables)
    path = folder / f"{source_id}.toml"
    path.write_text(text, encoding="utf-8")
    return path
