"""Cost of near-duplicate detection and clustering per article, as the warehouse grows to 100,000 articles.

    python -m benchmarks.neardup                      # 100,000 articles in runs of 2,000
    python -m benchmarks.neardup --articles 20000 --batch 1000

Generates Korean articles of 1-4 KB from the sentences of the shared corpus (the lovit Naver
texts; a fixed vocabulary where the corpus is absent), one in twenty an edited copy of an
earlier one (a paragraph dropped, a caption added, a sentence rewritten), and loads them with
``warehouse.load.load_run`` into a throwaway database. The near-duplicate work is timed apart
from the rest of the load: sketching (normal form, shingles, One Permutation Hashing, band keys),
storing signatures and LSH keys, the candidate lookup and verification, URL-evidence links and
clustering.
Prints ms/article for each size bucket; the budget is 3 ms/article at 100,000.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

import warehouse.load as load
import warehouse.minhash as minhash
from benchmarks.neardup_eval import _SENTENCE, REPO, corpus_dir
from pipelines.fingerprint import content_hash
from warehouse.db import connect
from warehouse.migrate import apply_migrations
from warehouse.server import create_database, drop_database, find_postgres

TIMED = ("sketch", "store_and_match", "url_links", "cluster_run")


def sentences() -> list[str]:
    root = corpus_dir() / "extra" / "lovit-naver-news-text" / "output"
    found = [s for path in sorted(root.glob("*/*/news/*.txt")) for line in path.open(encoding="utf-8")
             for s in _SENTENCE.split(line.strip()) if 15 < len(s) < 200]
    if found:
        return found
    from benchmarks.load import WORDS

    rng = random.Random(0)
    return [" ".join(rng.choice(WORDS) for _ in range(12)) + "다." for _ in range(5000)]


def generate(n: int, seed: int, pool: list[str], earlier: list[str]) -> list[str]:
    rng = random.Random(seed)
    bodies = []
    for _ in range(n):
        if earlier and rng.random() < 0.05:
            paragraphs = rng.choice(earlier).split("\n\n")
            edit = rng.randrange(3)
            if edit == 0 and len(paragraphs) > 2:
                del paragraphs[rng.randrange(len(paragraphs))]
            elif edit == 1:
                paragraphs.insert(rng.randrange(len(paragraphs) + 1), "▲ " + rng.choice(pool)[:50] + " [사진=연합뉴스]")
            else:
                paragraphs[rng.randrange(len(paragraphs))] = rng.choice(pool)
        else:
            paragraphs = [" ".join(rng.choice(pool) for _ in range(rng.randint(2, 4)))
                          for _ in range(rng.randint(4, 10))]
        bodies.append("\n\n".join(paragraphs))
    earlier.extend(bodies[-200:])
    return bodies


def run_records(run: int, bodies: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    day = f"2026-11-{1 + run % 28:02d}"
    records = [
        {"url": f"https://www.bench.kr/news/{run}/{i}", "source": "bench", "title": f"기사 {run}-{i}",
         "publisher": f"언론사{i % 40}", "body": body, "content_hash": content_hash(body),
         "published_at": f"{day}T10:00:00+09:00", "fetched_at": f"{day}T02:00:00+00:00", "extractor": "generic"}
        for i, body in enumerate(bodies)
    ]
    lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    manifest = {"run_id": f"bench-{run}", "source": {"id": "bench", "name": "bench"},
                "articles": {"count": len(records), "sha256": hashlib.sha256(lines.encode()).hexdigest()}}
    return manifest, records


def timed(spent: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--report-every", type=int, default=20_000)
    args = parser.parse_args()

    spent: dict[str, float] = {}
    for name in TIMED[1:]:
        setattr(load, name, timed(spent, name, getattr(load, name)))
    # Sketching happens while the run streams into staging, before the merge lock.
    minhash.Sketchbook.add = timed(spent, "sketch", minhash.Sketchbook.add)
    admin = find_postgres(REPO / ".data" / "pg-test")
    database = f"newsflow_bench_{uuid.uuid4().hex[:8]}"
    url = create_database(admin, database)
    pool, earlier = sentences(), []
    print(f"{args.articles} articles in runs of {args.batch}; {len(pool)} corpus sentences")
    print(f"{'articles':>9} {'near-dup ms/article':>20} {'load total ms/article':>22}  breakdown (ms/article)")
    try:
        apply_migrations(url)
        with connect(url) as conn:
            loaded, since, bucket_spent, bucket_total = 0, 0, dict.fromkeys(TIMED, 0.0), 0.0
            for run in range(args.articles // args.batch):
                manifest, records = run_records(run, generate(args.batch, run, pool, earlier))
                before = dict(spent)
                started = time.perf_counter()
                load.load_run(conn, manifest, {}, records)
                bucket_total += time.perf_counter() - started
                for name in TIMED:
                    bucket_spent[name] += spent.get(name, 0.0) - before.get(name, 0.0)
                loaded += len(records)
                since += len(records)
                if loaded % args.report_every == 0 or loaded == args.articles:
                    near = sum(bucket_spent.values()) * 1000 / since
                    parts = ", ".join(f"{k} {v * 1000 / since:.2f}" for k, v in bucket_spent.items())
                    print(f"{loaded:>9} {near:>20.2f} {bucket_total * 1000 / since:>22.2f}  {parts}", flush=True)
                    since, bucket_spent, bucket_total = 0, dict.fromkeys(TIMED, 0.0), 0.0
            stats = conn.execute(
                "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM story_clusters),"
                " (SELECT count(*) FROM story_links WHERE evidence = 'near_duplicate'),"
                " (SELECT max(n) FROM (SELECT count(*) AS n FROM cluster_members GROUP BY cluster_id) s)"
            ).fetchone()
            print(f"articles {stats[0]}, stories {stats[1]}, near-duplicate links {stats[2]}, largest story {stats[3]}")
    finally:
        drop_database(admin, database)


if __name__ == "__main__":
    main()
