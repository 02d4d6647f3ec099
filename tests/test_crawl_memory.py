"""A sitemap index's children are read a few at a time, each one's articles fetched before the next.

That keeps the scheduler's queue (and the crawl's memory) the size of a few sitemaps, not of the
site: benchmarks/memory.py measures the effect; this test pins the order that causes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsflow.replay import ReplayServer
from newsflow.tasks import run_crawl
from spiders.news import SITEMAPS_IN_FLIGHT
from tests.synthetic_site import article_html, source_toml

CHILDREN, PER_CHILD = 6, 3


def _sitemap_site(root: Path) -> None:
    (root / "news").mkdir(parents=True)
    children = []
    for c in range(CHILDREN):
        urls = ""
        for a in range(PER_CHILD):
            n = c * PER_CHILD + a
            (root / "news" / f"{n}.html").write_text(article_html(n), encoding="utf-8")
            urls += f"<url><loc>{{BASE}}/news/{n}.html</loc></url>"
        (root / f"sitemap-{c}.xml").write_text(
            f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
            encoding="utf-8")
        children.append(f"<sitemap><loc>{{BASE}}/sitemap-{c}.xml</loc></sitemap>")
    (root / "sitemap.xml").write_text(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(children) + "</sitemapindex>", encoding="utf-8")


def test_child_sitemaps_are_read_a_few_at_a_time_after_the_articles_before_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(tmp_path / "sources"))
    monkeypatch.setenv("NEWSFLOW_RUN_STORE", str(tmp_path / "runs"))
    monkeypatch.delenv("NEWSFLOW_DATABASE_URL", raising=False)
    _sitemap_site(tmp_path / "site")
    server = ReplayServer(tmp_path / "site").start()
    source_toml(tmp_path / "sources", "indexed", sitemaps=[f"{server.base_url}/sitemap.xml"], concurrency=1)
    try:
        manifest = run_crawl("indexed", "indexed-1", log=lambda line: None)
    finally:
        server.stop()
    assert manifest["articles"]["count"] == CHILDREN * PER_CHILD
    order = [url.removeprefix(server.base_url) for url in server.requests]
    position = {path: i for i, path in enumerate(order)}
    assert all(f"/sitemap-{c}.xml" in position for c in range(CHILDREN))
    for c in range(SITEMAPS_IN_FLIGHT, CHILDREN):
        # Child c waits for a slot, given back when an earlier child was read: by then the articles
        # of at least c - SITEMAPS_IN_FLIGHT children were requested (all children at once: none).
        before = sum(path.startswith("/news/") for path in order[:position[f"/sitemap-{c}.xml"]])
        assert before >= (c - SITEMAPS_IN_FLIGHT) * PER_CHILD, " ".join(order)
