"""Warehouse load rate against a raw binary COPY of the same rows, and how it holds as the warehouse grows.

    python -m benchmarks.load --articles 20000
    python -m benchmarks.load --articles 5000 --existing 10000,100000,1000000

Generates Korean-looking articles of 3-9 KB (sentences drawn from a fixed vocabulary, so
bodies compress like real text), writes them as a real run output, and loads it with
``warehouse.load.load_run`` into a throwaway database with the full schema (indexes,
unique hash, URLs, run links and whatever the migrations add). In the same run it COPYs
the same rows in binary into a bare table with no index: the floor any loader pays.
``--existing`` first fills the warehouse with that many articles (through the same
loader, in batches) and measures a load of new articles on top of each size.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newsflow.runoutput import RunOutput, RunOutputWriter, run_uri
from pipelines.fingerprint import content_hash
from warehouse.db import connect
from warehouse.load import load_run
from warehouse.migrate import apply_migrations
from warehouse.server import create_database, drop_database, find_postgres

REPO = Path(__file__).resolve().parents[1]
_VOCABULARY = ("정부는 반도체 수출 지원 방안을 발표했다 시장은 금리 인하 기대에 반응했다 기업들은 투자를 "
               "늘리고 있다 전문가들은 내년 경기 회복을 전망했다 서울 부동산 가격이 다시 오르고 있다 국회는 "
               "예산안을 처리했다 인공지능 산업 육성 계획이 나왔다 노조는 파업을 예고했다")
WORDS = _VOCABULARY.split(" ")


def body_text(rng: random.Random) -> str:
    paragraphs = []
    size = rng.randint(3000, 9000)
    total = 0
    while total < size:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))) + "다."
        paragraphs.append(sentence)
        total += len(sentence.encode())
    return "\n\n".join(paragraphs)


def records(n: int, seed: int, start: datetime) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        body = body_text(rng) + f" ({seed}-{i})"
        fetched = start + timedelta(seconds=i)
        yield {
            "url": f"https://www.example.kr/news/{seed}/{i}", "source": "bench", "title": f"기사 {seed}-{i}",
            "canonical_url": f"https://www.example.kr/news/{seed}/{i}", "publisher": "벤치", "original_url": None,
            "summary": None, "body": body, "authors": ["홍길동"], "authors_raw": ["홍길동 기자"],
            "published_at": fetched.isoformat(), "published_at_raw": fetched.isoformat(),
            "modified_at": None, "modified_at_raw": None, "section": "경제", "tags": ["벤치"],
            "images": [{"url": f"https://img.example.kr/{seed}/{i}.jpg", "caption": "사진 설명"}],
            "language": "ko", "rights": None, "rights_reserves_ai": False, "fetched_at": fetched.isoformat(),
            "http_status": 200, "content_hash": content_hash(body), "other_urls": [], "page_type": "article",
            "extractor": "bench", "discovery": {"via": "sitemap"},
        }


def write_run(store: Path, run_id: str, n: int, seed: int) -> RunOutput:
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=seed)
    writer = RunOutputWriter(run_uri(str(store), "bench", run_id))
    for record in records(n, seed, start):
        writer.write(record)
    manifest = writer.finish({"run_id": run_id, "source": {"id": "bench", "name": "bench", "publisher": "벤치"},
                              "started_at": start, "finished_at": start + timedelta(hours=1),
                              "finish_reason": "finished", "dry_run": False, "params": {}, "drops": {},
                              "verdict": {"ok": True, "problems": [], "warnings": []}},
                             {"finish_reason": "finished"})
    return RunOutput.open(manifest["output_uri"])


def timed_load(url: str, output: RunOutput) -> float:
    with connect(url) as conn:
        started = time.perf_counter()
        load_run(conn, output.manifest, output.stats(), output.articles())
        return time.perf_counter() - started


def raw_copy(url: str, output: RunOutput) -> float:
    """Binary COPY of the same article rows into a bare, index-free table: the floor."""
    columns = ("content_hash", "url", "title", "body", "authors", "published_at", "images")
    with connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS raw_copy; CREATE UNLOGGED TABLE raw_copy (content_hash text, url text, "
                     "title text, body text, authors text[], published_at timestamptz, images jsonb)")
        from psycopg.types.json import Jsonb

        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur, cur.copy(
                f"COPY raw_copy ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "text", "text", "text[]", "timestamptz", "jsonb"])
            for r in output.articles():
                copy.write_row((r["content_hash"], r["url"], r["title"], r["body"], r["authors"],
                                datetime.fromisoformat(r["published_at"]), Jsonb(r["images"])))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20000, help="articles in the measured run")
    parser.add_argument("--existing", default="", help="comma-separated warehouse sizes to measure on top of")
    args = parser.parse_args()
    admin = find_postgres(REPO / ".data" / "pg")
    name = f"newsflow_bench_{uuid.uuid4().hex[:8]}"
    url = create_database(admin, name)
    try:
        apply_migrations(url)
        with tempfile.TemporaryDirectory(prefix="newsflow-load-") as tmp:
            store = Path(tmp)
            output = write_run(store, "measured-0", args.articles, seed=0)
            seconds = timed_load(url, output)
            floor = raw_copy(url, output)
            print(f"articles {args.articles}: load {args.articles / seconds:,.0f} articles/s; "
                  f"raw binary COPY {args.articles / floor:,.0f} rows/s; ratio {floor / seconds:.2f}")
            again = timed_load(url, write_run(store, "measured-again", args.articles, seed=0))
            print(f"the same articles again (every row known): {args.articles / again:,.0f} articles/s")
            loaded, seed = args.articles, 1
            for size in (int(s) for s in args.existing.split(",") if s):
                while loaded < size:
                    batch = min(50000, size - loaded)
                    timed_load(url, write_run(store, f"fill-{seed}", batch, seed=seed))
                    loaded += batch
                    seed += 1
                seconds = timed_load(url, write_run(store, f"measured-{size}", args.articles, seed=10**6 + size))
                loaded += args.articles
                print(f"with {size:,} articles in the warehouse: {args.articles / seconds:,.0f} articles/s "
                      f"({seconds / args.articles * 1000:.3f} ms/article)")
    finally:
        drop_database(admin, name)


if __name__ == "__main__":
    main()
