"""Build the demo's replay site from a corpus in the ``shared/corpus`` format (run once; the output is committed).

    python -m newsflow.demo.build_site --corpus ../shared/corpus --board tests/fixtures/sites/<board page>.html.gz

``{BASE}`` in the feed, sitemaps and listing is replaced by the replay server's
address when served. The site mirrors each page at its original path under its original host name
(``/www.mk.co.kr/news/politics/11333783``), and adds what discovery needs: an RSS feed,
a sitemap index pointing at a Google News sitemap, a board listing page and robots.txt.
Page bytes are copied unchanged (gzipped, as the corpus keeps them).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

SITE = Path(__file__).parent / "site"

# Pages taken from the corpus: (corpus id, how discovery finds it).
FEED = ["mk.co.kr/11333783", "mk.co.kr/11330362", "mk.co.kr/11328187", "mk.co.kr/11331384"]
SITEMAP = [
    "mk.co.kr/11328184", "mk.co.kr/11331490", "mk.co.kr/11331368", "mk.co.kr/11329112",
    "n.news.naver.com/n.news.naver.com-607", "n.news.naver.com/iloveaired", "n.news.naver.com/maruachi",
]
LISTING_PAGE = "Min-gwan__PythonScraping/naver_news.html"  # a real Naver section front: not an article


def site_path(url: str) -> str:
    """``https://www.mk.co.kr/news/x/1?a=b`` -> ``www.mk.co.kr/news/x/1`` (query dropped)."""
    parts = urlsplit(url)
    return f"{parts.hostname}{parts.path}".rstrip("/")


def _copy_page(src: Path, rel: str) -> None:
    target = SITE / (rel + ".html.gz")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, target)


def build(corpus: Path, board: Path | None) -> None:
    gold = {}
    for line in (corpus / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        gold[record["id"]] = record
    if SITE.exists():
        shutil.rmtree(SITE)
    SITE.mkdir(parents=True)
    origins = ["# Demo site pages and where they come from", "",
               "Real pages; their text belongs to their publishers. Copied from the newsflow corpus.", ""]

    def page(corpus_id: str) -> tuple[str, dict]:
        record = gold[corpus_id]
        rel = site_path(record["url"])
        _copy_page(corpus / record["file"], rel)
        origins.append(f"- `{rel}`: {record['url']} (corpus `{corpus_id}`; {record.get('origin', '')})")
        return rel, record

    feed_items = []
    for corpus_id in FEED:
        rel, record = page(corpus_id)
        published = datetime.fromisoformat(record["published"].replace(" ", "T"))
        feed_items.append(
            f"<item><title>{escape(record['title'])}</title><link>{{BASE}}/{rel}</link>"
            f"<pubDate>{format_datetime(published)}</pubDate></item>"
        )
    news_urls = []
    for corpus_id in SITEMAP:
        rel, record = page(corpus_id)
        title = record.get("title") or ""
        date = record.get("published") or ""
        news = (f"<news:news><news:publication><news:name>{escape(record['site'])}</news:name>"
                f"<news:language>ko</news:language></news:publication>"
                f"<news:publication_date>{escape(date)}</news:publication_date>"
                f"<news:title>{escape(title)}</news:title></news:news>") if title or date else ""
        news_urls.append(f"<url><loc>{{BASE}}/{rel}</loc>{news}</url>")
    listing_src = corpus / "extra" / "misc-kr-pages" / LISTING_PAGE
    listing_rel = "news.naver.com/main/main.naver"
    target = SITE / (listing_rel + ".html.gz")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.compress(listing_src.read_bytes(), mtime=0))
    origins.append(f"- `{listing_rel}`: a Naver section front (corpus `extra/misc-kr-pages/{LISTING_PAGE}`)")
    news_urls.append(f"<url><loc>{{BASE}}/{listing_rel}</loc></url>")

    (SITE / "feed.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>newsflow demo feed</title>'
        f"<link>{{BASE}}/</link>{''.join(feed_items)}</channel></rss>\n", encoding="utf-8")
    (SITE / "sitemap-news.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"{''.join(news_urls)}</urlset>\n", encoding="utf-8")
    (SITE / "sitemap.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<sitemap><loc>{BASE}/sitemap-news.xml</loc></sitemap></sitemapindex>\n", encoding="utf-8")
    links = []
    if board is not None:
        _copy_page(board, "board/view/1215")
        origins.append(f"- `board/view/1215`: a board re-posting Daum's copy of an MK article ({board.name})")
        links.append('<li><a href="/board/view/1215">배경훈 부총리 “AI 거품 없다...”</a></li>')
    # The same MK article again, behind a tracking parameter: an in-run duplicate.
    first = gold[FEED[0]]
    links.append(f'<li><a href="/{site_path(first["url"])}?utm_source=board">{escape(first["title"])}</a></li>')
    (SITE / "board").mkdir(exist_ok=True)
    (SITE / "board" / "list.html").write_text(
        '<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>자유게시판</title></head><body>'
        '<nav><a href="/board/list.html?page=2">다음</a> <a href="/board/write">글쓰기</a></nav>'
        f"<ul>{''.join(links)}</ul></body></html>\n", encoding="utf-8")
    (SITE / "robots.txt").write_text("User-agent: *\nDisallow: /board/write\n", encoding="utf-8")
    (SITE / "ORIGINS.md").write_text("\n".join(origins) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--board", type=Path, help="the board re-post page (gzipped HTML)")
    args = parser.parse_args()
    build(args.corpus, args.board)
    print(f"built {SITE}")


if __name__ == "__main__":
    main()
