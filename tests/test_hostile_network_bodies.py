"""Hostile bodies in a real crawl over loopback: gzip bombs, 50 MB pages, XML bombs, external entities, binary pages.

One crawl meets all of them beside ordinary articles: each is refused or dropped with a
counted reason, the good articles all arrive, no callback raises, and the crawl's peak
memory (Scrapy's ``memusage/max``) stays bounded.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from newsflow.replay import ReplayServer
from newsflow.replay_faults import Fault
from newsflow.runoutput import RunOutput
from newsflow.tasks import run_crawl
from tests.synthetic_site import article_html, feed_xml, source_toml

MB = 1024 * 1024
# Peak RSS of the crawl process: an ordinary small crawl peaks near 110 MB here (imports included);
# DOWNLOAD_MAXSIZE is 20 MB, so a crawl that holds at most a few capped bodies stays well under this.
MEMORY_BOUND = 250 * MB
GOOD = 6

BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
                            for i in range(1, 10))
                  + ']><rss version="2.0"><channel><title>&lol9;</title>'
                  "<item><title>&lol9;</title><link>{BASE}/news/0.html</link></item></channel></rss>")


def _xxe_feed(secret_url: str) -> str:
    return ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY net SYSTEM "' + secret_url + '">'
            '<!ENTITY file SYSTEM "file:///etc/hostname"><!ENTITY % remote SYSTEM "' + secret_url + '"> %remote;]>'
            '<rss version="2.0"><channel><title>&file;</title>'
            "<item><title>&net;&file;</title><link>{BASE}/news/1.html</link></item></channel></rss>")


def _hostile_site(root: Path) -> dict[str, Fault]:
    news = root / "news"
    news.mkdir(parents=True)
    for n in range(GOOD):
        (news / f"{n}.html").write_text(article_html(n), encoding="utf-8")
    (news / "binary.html").write_bytes(bytes(range(256)) * 256)
    (news / "six-mb.html").write_text("<html><body><p>" + "가" * (2 * MB) + "</p></body></html>", encoding="utf-8")
    (news / "deep.html").write_text("<html><body>" + "<div>" * 30_000 + article_html(50) + "</body></html>",
                                    encoding="utf-8")
    (news / "nul.html").write_text(article_html(7, headline="제목\u0000널 \ud800 대리", ), encoding="utf-8",
                                   errors="surrogatepass")
    (root / "secret.txt").write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    faulty = {"gzip-bomb": Fault(gzip_bomb=200 * MB), "huge-declared": Fault(body_bytes=50 * MB),
              "huge-streamed": Fault(body_bytes=50 * MB, send_length=False)}
    links = [f"{{BASE}}/news/{n}.html" for n in range(1, GOOD)]
    links += [f"{{BASE}}/news/{name}.html" for name in ("binary", "six-mb", "deep", "nul", *faulty)]
    (root / "feed.xml").write_text(feed_xml(links), encoding="utf-8")
    (root / "bomb.xml").write_text(BILLION_LAUGHS, encoding="utf-8")
    (root / "sitemap-bomb.xml.gz").write_bytes(gzip.compress(
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + b" " * (60 * MB) + b"</urlset>", compresslevel=9))
    (root / "sitemap-encoded.xml").write_text("<urlset/>", encoding="utf-8")
    return {f"/news/{name}.html": fault for name, fault in faulty.items()} | {
        "/sitemap-encoded.xml": Fault(gzip_bomb=200 * MB)}


def test_bombs_huge_and_binary_bodies_are_counted_drops_and_the_crawl_goes_on(
    tmp_path: Path, sources_dir: Path
) -> None:
    site = tmp_path / "site"
    faults = _hostile_site(site)
    server = ReplayServer(site).start()
    server.faults = lambda path, attempt: faults.get(path)
    base = server.base_url
    (site / "xxe.xml").write_text(_xxe_feed(f"{base}/secret.txt"), encoding="utf-8")
    source_toml(sources_dir, "hostile", feeds=[f"{base}/feed.xml", f"{base}/bomb.xml", f"{base}/xxe.xml"],
                sitemaps=[f"{base}/sitemap-bomb.xml.gz", f"{base}/sitemap-encoded.xml"])
    try:
        # Scrapy samples memory every 60 s by default: far too rarely for a crawl of seconds.
        manifest = run_crawl("hostile", "hostile-1", settings={"MEMUSAGE_CHECK_INTERVAL_SECONDS": 0.1},
                             log=lambda line: None)
    finally:
        server.stop()
    output = RunOutput.open(manifest["output_uri"])
    stats, articles = output.stats(), list(output.articles())
    drops = manifest["drops"]
    # 50 MB with a Content-Length, 50 MB streamed without one, and a gzip body expanding past DOWNLOAD_MAXSIZE.
    assert stats["newsflow/fetch_failed/too_large"] == 3
    assert drops["too_large"] == 1  # 6 MB: under DOWNLOAD_MAXSIZE, over the parser's cap
    assert drops["hostile_markup"] == 1 and drops["undecodable"] == 1
    assert stats["newsflow/discovery/failed/sitemap_too_large"] == 2  # the .xml.gz file, the Content-Encoding one
    assert stats["newsflow/repaired/unstorable_text"] == 1
    # The entity bomb was refused whole (its one link not followed); external entities were never fetched.
    assert stats["newsflow/discovery/failed/feed_hostile_xml"] == 1
    assert server.hits.get("/secret.txt") is None
    text = json.dumps(articles, ensure_ascii=False) + json.dumps(stats, default=str)
    assert "TOP-SECRET" not in text and "lollollol" not in text
    assert (Path("/etc/hostname").read_text().strip() or "\x00") not in json.dumps([a["title"] for a in articles])
    urls = sorted(a["url"].rsplit("/", 1)[1] for a in articles)
    assert urls == sorted([f"{n}.html" for n in range(1, GOOD)] + ["nul.html"])
    nul = next(a for a in articles if a["url"].endswith("nul.html"))
    assert nul["title"] == "제목널 \ufffd 대리"
    assert not [k for k in stats if k.startswith("spider_exceptions")]
    assert manifest["verdict"]["ok"]
    # The crawl's own peak (VmHWM). Scrapy's memusage/max would include this test process's size at the fork
    # (spiders/progress.py says why), so it only bounds the two together.
    assert stats["newsflow/memory/peak_rss"] < MEMORY_BOUND, stats["newsflow/memory/peak_rss"] / MB
    assert stats["newsflow/memory/peak_rss"] <= stats["memusage/max"]
