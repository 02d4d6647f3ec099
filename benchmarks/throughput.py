"""End-to-end crawl throughput against Scrapy's own ceiling, and generic extraction against trafilatura.

    python -m benchmarks.throughput --pages 5000 --repeat 3

1. Builds a replay site of ``--pages`` real article pages with varied text
   (``benchmarks/sitegen.py``) and serves it from its own process on loopback.
2. Ceiling: Scrapy fetching every page with trivial parsing (``benchmarks/ceiling_spider.py``).
3. newsflow: ``scrapy crawl news`` through discovery (sitemap index), extraction with site
   parsers, cleaning, validation, dedup and run output, alternating with the ceiling
   ``--repeat`` times; then once with site parsers off (``NEWSFLOW_SITE_PARSERS=false``: the generic path).
4. In one process over a sample of the same pages: pages/s of the generic path
   (extract + clean) and of ``trafilatura.extract`` (default settings).

All crawls use the same engine settings (16 concurrent requests, no delay, no AutoThrottle).
Prints one table; ``--json FILE`` writes the numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.ceiling_spider import SETTINGS
from benchmarks.sitegen import build_site

REPO = Path(__file__).resolve().parents[1]

SERVER = """
import sys
from pathlib import Path
from newsflow.replay import ReplayServer
server = ReplayServer(Path(sys.argv[1]))
print(server.base_url, flush=True)
server.serve_forever()
"""


def serve(site: Path) -> tuple[subprocess.Popen[str], str]:
    """The replay site in its own process (its CPU is not the crawler's); returns (process, base URL)."""
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(site)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def ceiling(base_url: str, work: Path) -> dict[str, Any]:
    out = work / "ceiling.json"
    subprocess.run([sys.executable, "-m", "benchmarks.ceiling_spider", f"{base_url}/sitemap.xml", str(out)],
                   check=True, cwd=REPO)
    return json.loads(out.read_text())


def newsflow_crawl(base_url: str, work: Path, pages: int, name: str, site_parsers: bool,
                   extra_settings: dict[str, Any] | None = None) -> dict[str, Any]:
    sources = work / f"sources-{name}"
    sources.mkdir(exist_ok=True)
    (sources / "bench.toml").write_text(
        f'id = "bench"\nname = "benchmark site"\npublisher = "bench"\nsitemaps = ["{base_url}/sitemap.xml"]\n'
        f'article_url_patterns = ["/a/"]\nallowed_domains = ["127.0.0.1"]\nallow_private_addresses = true\n'
        f"max_articles = {pages}\n[politeness]\nconcurrency = 16\ndownload_delay = 0.0\nautothrottle_target = 16.0\n",
        encoding="utf-8")
    store = work / f"runs-{name}"
    env = {**os.environ, "NEWSFLOW_SOURCES": str(sources), "SCRAPY_SETTINGS_MODULE": "newsflow.settings"}
    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=bench", "-a", f"run_id={name}",
               "-s", f"NEWSFLOW_RUN_STORE={store}", "-s", "LOG_LEVEL=WARNING"]
    settings = {**SETTINGS, **(extra_settings or {})}
    command += [arg for key, value in settings.items() for arg in ("-s", f"{key}={value}")]
    if not site_parsers:
        command += ["-s", "NEWSFLOW_SITE_PARSERS=false"]
    subprocess.run(command, check=True, cwd=REPO, env=env)
    return json.loads((store / "bench" / name / "stats.json").read_text())


def rate(stats: dict[str, Any], pages_key: str) -> float:
    return float(stats.get(pages_key) or 0) / float(stats["elapsed_time_seconds"])


def extraction_rates(site: Path, sample: int) -> dict[str, float]:
    """Pages/s in one process: the generic path (extract + clean) and trafilatura's default extract."""
    import trafilatura

    from parsers import extract
    from pipelines.clean import clean_article

    pages = [(p, p.read_bytes()) for p in sorted((site / "a").glob("*.html"))[:sample]]

    def timed(work: Any) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            for path, data in pages:
                work(path, data)
            times.append(time.perf_counter() - started)
        return len(pages) / statistics.median(times)

    return {
        "generic_pages_per_s": timed(lambda p, d: clean_article(extract(d, f"https://x.kr/{p.name}",
                                                                        site_parsers=False))),
        "site_parsers_pages_per_s": timed(lambda p, d: clean_article(extract(d, f"https://x.kr/{p.name}"))),
        "trafilatura_pages_per_s": timed(lambda p, d: trafilatura.extract(d.decode("utf-8"))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--sample", type=int, default=300, help="pages for the in-process extraction rates")
    parser.add_argument("--repeat", type=int, default=3, help="ceiling / newsflow crawl pairs")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsflow-bench-") as tmp:
        work = Path(tmp)
        build_site(work / "site", args.pages)
        server, base_url = serve(work / "site")
        try:
            results: dict[str, Any] = {"pages": args.pages, "cpus": os.cpu_count(), "repeats": args.repeat}
            # Ceiling and newsflow crawls alternate, so a slow minute of a shared machine hits both;
            # the medians and the median of the per-pair ratios are reported.
            ceilings, crawls, ratios = [], [], []
            for repeat in range(args.repeat):
                ceilings.append(rate(ceiling(base_url, work), "response_received_count"))
                stats = newsflow_crawl(base_url, work, args.pages, f"site-parsers-{repeat}", site_parsers=True)
                crawls.append(rate(stats, "response_received_count"))
                ratios.append(crawls[-1] / ceilings[-1])
            results["ceiling_pages_per_s"] = statistics.median(ceilings)
            results["site_parsers_crawl_pages_per_s"] = statistics.median(crawls)
            results["site_parsers_articles"] = stats.get("newsflow/articles", 0)
            results["site_parsers_peak_rss_mb"] = stats.get("memusage/max", 0) / 2**20
            results["site_parsers_vs_ceiling"] = statistics.median(ratios)
            results["site_parsers_vs_ceiling_each"] = " ".join(f"{r:.2f}" for r in ratios)
            stats = newsflow_crawl(base_url, work, args.pages, "generic", site_parsers=False)
            results["generic_crawl_pages_per_s"] = rate(stats, "response_received_count")
            results["generic_articles"] = stats.get("newsflow/articles", 0)
        finally:
            server.terminate()
        results.update(extraction_rates(work / "site", args.sample))
    results["generic_vs_trafilatura"] = results["generic_pages_per_s"] / results["trafilatura_pages_per_s"]
    width = max(map(len, results))
    for key, value in results.items():
        print(f"{key:<{width}}  {value:,.2f}" if isinstance(value, float) else f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
