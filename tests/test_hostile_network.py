"""Hostile network input in real crawls: internal and off-site addresses, redirects to them, and what the guard sees.

The crawls that test address refusals use host names (``news.test``) and reach the replay
server as an HTTP proxy (``http_proxy``): every request Scrapy sends, even one the guard
failed to stop, goes to 127.0.0.1, and the server's log (``ReplayServer.requests``) shows the
URL it was for. No test here sends a packet to any address but loopback, and none needs DNS.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsflow.replay import ReplayServer
from newsflow.replay_faults import Fault
from newsflow.runoutput import RunOutput
from newsflow.tasks import run_crawl
from spiders.addresses import GUARD_PATH, is_private_host, refuse_reason
from tests.synthetic_site import article_html, feed_xml, source_toml

PUBLIC = "http://news.test"
INTERNAL = ["http://10.0.0.5", "http://169.254.169.254", "http://localhost", "http://[::1]",
            "http://2130706433", "http://0x7f.1", "http://[::ffff:127.0.0.1]", "http://LOCALHOST."]


@pytest.mark.parametrize("host", [
    "127.0.0.1", "127.1", "0x7f.0.0.1", "2130706433", "017700000001", "0", "10.1.2.3", "172.16.0.1",
    "192.168.0.1", "169.254.169.254", "100.64.0.1", "224.0.0.1", "255.255.255.255", "[::1]", "::1",
    "[::ffff:127.0.0.1]", "64:ff9b::a00:1", "2002:a00:1::", "fe80::1%eth0", "fd00::1", "localhost", "LOCALHOST.",
    "api.localhost",
])
def test_internal_hosts_in_every_spelling_are_private(host: str) -> None:
    assert is_private_host(host)


@pytest.mark.parametrize("host", ["8.8.8.8", "www.mk.co.kr", "123.com", "n.news.naver.com", "2001:4860::8888",
                                  "::ffff:8.8.8.8", "localhost.example.com"])
def test_public_hosts_are_not_private(host: str) -> None:
    assert not is_private_host(host)


def test_refuse_reason_puts_private_before_offsite_and_respects_the_source() -> None:
    def allowed(url: str) -> bool:
        return urlsplit(url).hostname in {"news.test", "10.0.0.5"} and url.startswith("http")

    assert refuse_reason("http://10.0.0.5/a", allowed, allow_private=False) == "private_address"
    assert refuse_reason("http://10.0.0.5/a", allowed, allow_private=True) is None
    assert refuse_reason("http://169.254.169.254/a", allowed, allow_private=True) == "offsite"
    assert refuse_reason("http://elsewhere.example/a", allowed, allow_private=False) == "offsite"
    assert refuse_reason("file:///etc/passwd", allowed, allow_private=False) == "offsite"
    assert refuse_reason("http://news.test/news/1", allowed, allow_private=False) is None


def _internal_site(root: Path) -> dict[str, Fault]:
    """A public-looking site whose feed, sitemaps, listing and redirects lead to internal and off-site addresses."""
    (root / "news").mkdir(parents=True)
    for n in range(1, 4):
        (root / "news" / f"{n}.html").write_text(article_html(n), encoding="utf-8")
    (root / "news" / "landed.html").write_text(article_html(99), encoding="utf-8")
    links = [f"{PUBLIC}/news/{n}.html" for n in range(1, 4)]
    links += [f"{base}/news/{i}.html" for i, base in enumerate(INTERNAL, start=10)]
    links += ["https://elsewhere.example/news/9.html", "file:///etc/passwd/news/1"]
    links += [f"{PUBLIC}/news/r{i}.html" for i in range(len(INTERNAL) + 2)]
    (root / "feed.xml").write_text(feed_xml(links), encoding="utf-8")
    (root / "index.xml").write_text(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<sitemap><loc>{base}/child.xml</loc></sitemap>" for base in INTERNAL[:3])
        + "</sitemapindex>", encoding="utf-8")
    (root / "list.html").write_text(
        "<html><body>" + "".join(f'<a href="{base}/news/l{i}">기사</a>' for i, base in enumerate(INTERNAL))
        + "</body></html>", encoding="utf-8")
    # An allowed page or document that answers with a redirect to an internal or off-site address.
    redirects = {f"/news/r{i}.html": Fault(redirect=f"{base}/latest/meta-data/news/{i}")
                 for i, base in enumerate(INTERNAL)}
    redirects[f"/news/r{len(INTERNAL)}.html"] = Fault(redirect="https://elsewhere.example/news/x.html")
    redirects[f"/news/r{len(INTERNAL) + 1}.html"] = Fault(redirect=f"{PUBLIC}/news/landed.html")
    redirects["/moved-sitemap.xml"] = Fault(redirect="http://10.0.0.5/sitemap.xml")
    redirects["/moved-feed.xml"] = Fault(redirect="http://169.254.169.254/feed.xml")
    return redirects


def test_internal_addresses_and_redirects_to_them_are_refused_before_the_downloader(
    tmp_path: Path, sources_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    redirects = _internal_site(site)
    server = ReplayServer(site, public_url=PUBLIC).start()
    server.faults = lambda path, attempt: redirects.get(path)
    # Every request Scrapy sends goes to the replay server, whatever its URL says.
    monkeypatch.setenv("http_proxy", server.base_url)
    monkeypatch.setenv("https_proxy", server.base_url)
    monkeypatch.delenv("no_proxy", raising=False)
    hosts = ["news.test", "10.0.0.5", "169.254.169.254", "localhost", "::1", "2130706433"]
    source_toml(sources_dir, "guarded", feeds=[f"{PUBLIC}/feed.xml", f"{PUBLIC}/moved-feed.xml"],
                sitemaps=[f"{PUBLIC}/index.xml", f"{PUBLIC}/moved-sitemap.xml", "http://169.254.169.254/sitemap.xml"],
                listings=[f"{PUBLIC}/list.html"], allowed_domains=hosts, allow_private=False)
    log: list[str] = []
    try:
        manifest = run_crawl("guarded", "guarded-1", log=log.append)
    finally:
        server.stop()
    stats = RunOutput.open(manifest["output_uri"]).stats()
    reached = {urlsplit(url).hostname for url in server.requests}
    assert reached == {"news.test"}, server.requests
    # Every request that passed the downloader middlewares reached the (proxy) server: none went elsewhere.
    assert stats["downloader/request_count"] == len(server.requests)
    # Refused when the spider made the request: the internal links of the feed, listing, index and the
    # sitemap given in the source (8 + 8 + 3 + 1), all but those also off the allowed domains.
    assert stats["newsflow/refused/private_address"] == 8 + 8 + 3 + 1 + len(INTERNAL) + 2
    # ... and by the guard: every redirect to an internal or off-site address, the feed's and sitemap's
    # included (those are dont_filter requests, which Scrapy's own OffsiteMiddleware lets through).
    assert stats["newsflow/refused/redirect"] == len(INTERNAL) + 3
    assert stats["newsflow/refused/offsite"] == 3  # elsewhere.example, file:// and the redirect to elsewhere
    articles = list(RunOutput.open(manifest["output_uri"]).articles())
    assert sorted(a["url"].rsplit("/", 1)[1] for a in articles) == ["1.html", "2.html", "3.html", "landed.html"]
    assert manifest["verdict"]["ok"]
    # The guard runs before every other downloader middleware, robots.txt's included: a refused host never
    # gets even a robots.txt request.
    enabled = "\n".join(log[next(i for i, line in enumerate(log) if "Enabled downloader middlewares" in line):][:3])
    assert re.search(r"\[\s*'" + re.escape(GUARD_PATH) + "'", enabled), enabled


def test_a_source_that_allows_private_addresses_still_stays_on_its_domains(
    tmp_path: Path, sources_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's switch lets loopback through, never other hosts: redirects off-site are still refused."""
    site = tmp_path / "site"
    (site / "news").mkdir(parents=True)
    (site / "news" / "1.html").write_text(article_html(1), encoding="utf-8")
    (site / "feed.xml").write_text(feed_xml(["{BASE}/news/1.html", "{BASE}/news/away.html"]), encoding="utf-8")
    server = ReplayServer(site).start()
    server.faults = lambda path, attempt: Fault(redirect="http://10.0.0.5/news/2.html") if "away" in path else None
    monkeypatch.setenv("http_proxy", server.base_url)  # were the guard to fail, 10.0.0.5 would still be loopback
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    source_toml(sources_dir, "demo_like", feeds=[f"{server.base_url}/feed.xml"], allow_private=True)
    try:
        manifest = run_crawl("demo_like", "demo-like-1", log=lambda line: None)
    finally:
        server.stop()
    stats = RunOutput.open(manifest["output_uri"]).stats()
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in server.requests), server.requests
    assert stats["newsflow/refused/offsite"] == 1 and stats["newsflow/refused/redirect"] == 1
    assert manifest["articles"]["count"] == 1
