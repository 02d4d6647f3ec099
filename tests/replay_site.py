"""Test helpers: a replay site in a temporary folder, served on loopback, and a source that crawls it."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsflow.replay import ReplayServer

DEMO_SITE = Path(__file__).resolve().parents[1] / "newsflow" / "demo" / "site"
MK_PAGE = "www.mk.co.kr/news/politics/11333783"


def copy_demo_site(target: Path) -> Path:
    shutil.copytree(DEMO_SITE, target)
    return target


def page_bytes(site: Path, rel: str) -> bytes:
    return gzip.decompress((site / (rel + ".html.gz")).read_bytes())


def write_source(folder: Path, source_id: str, base_url: str, *, feeds: list[str] = (),
                 sitemaps: list[str] = (), listings: list[str] = (), patterns: list[str] = ("/news/", "/article/"),
                 extra: str = "", politeness: str = "concurrency = 8\ndownload_delay = 0.0\nautothrottle_target = 8.0\n"
                 ) -> Path:
    """A source TOML for the site at ``base_url`` (paths relative to it), allowed on loopback."""
    def urls(paths: list[str]) -> str:
        return "[" + ", ".join(f'"{base_url}/{p.lstrip("/")}"' for p in paths) + "]"

    folder.mkdir(parents=True, exist_ok=True)
    listing_tables = "".join(f'\n[[listings]]\nurl = "{base_url}/{p.lstrip("/")}"\n' for p in listings)
    text = (
        f'id = "{source_id}"\nname = "test {source_id}"\npublisher = "테스트"\n'
        f"feeds = {urls(list(feeds))}\nsitemaps = {urls(list(sitemaps))}\n"
        f"article_url_patterns = {list(patterns)!r}\n".replace("'", '"')
        + 'allowed_domains = ["127.0.0.1"]\nallow_private_addresses = true\nretries = 0\n'
        + extra + "\n[politeness]\n" + politeness
        + listing_tables
    )
    path = folder / f"{source_id}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def serving(site: Path) -> Iterator[ReplayServer]:
    server = ReplayServer(site).start()
    try:
        yield server
    finally:
        server.stop()
