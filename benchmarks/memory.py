"""Peak memory of a whole crawl at two sizes: it must not grow with the number of pages.

    python -m benchmarks.memory --sizes 10000,50000

Each size gets its own replay site (``benchmarks/sitegen.py``) and one ``scrapy crawl news``
through sitemap discovery, extraction, the pipelines and run output; the peak RSS is
Scrapy's own ``memusage/max`` stat (the MemoryUsage extension samples it every 60 s by
default; here every second).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from benchmarks.sitegen import build_site
from benchmarks.throughput import newsflow_crawl, serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000")
    args = parser.parse_args()
    peaks = {}
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="newsflow-mem-") as tmp:
            work = Path(tmp)
            build_site(work / "site", size)
            server, base_url = serve(work / "site")
            try:
                stats = newsflow_crawl(base_url, work, size, f"mem-{size}", site_parsers=True,
                                       extra_settings={"MEMUSAGE_CHECK_INTERVAL_SECONDS": 1})
            finally:
                server.terminate()
        peaks[size] = stats["memusage/max"] / 2**20
        print(f"{size:>7,} pages: {stats.get('newsflow/articles', 0):,} articles, "
              f"{stats['elapsed_time_seconds']:.0f} s, peak RSS {peaks[size]:.0f} MB", flush=True)
    sizes = sorted(peaks)
    if len(sizes) > 1:
        growth = peaks[sizes[-1]] / peaks[sizes[0]] - 1
        print(f"growth from {sizes[0]:,} to {sizes[-1]:,} pages: {growth:+.1%}")


if __name__ == "__main__":
    main()
