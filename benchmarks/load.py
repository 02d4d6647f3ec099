"""Warehouse load rate against a raw binary COPY of the same rows, and how load and dedup cost grow with the warehouse.

    python -m benchmarks.load --articles 5000
    python -m benchmarks.load --articles 5000 --existing 10000,100000,500000,1000000 --repeat 3 [--settle]

Generates Korean articles of 3-9 KB from 200,000 sentences made of the shared corpus's words (the
lovit Naver texts; made-up Hangul words where the corpus is absent), so that, as between real
articles, two of them share almost no 5-character shingle (the corpus's own 2,100 sentences would
make every article a partial copy of every other); one in twenty is an edited copy of an earlier
one (a paragraph dropped, a caption added, a sentence rewritten), writes them as a real run output and
loads it with ``warehouse.load.load_run`` into a throwaway database with the full schema
(indexes, unique hash, URLs, revisions, near-duplicates, clustering). In the same run it COPYs
the same rows in binary into a bare table with no index, the body compressed as ``articles.body`` is
(lz4 where the server has it): the floor any loader pays. Both read the
articles file with ``warehouse.run_output.read_articles``. Prints the load's time per stage, and
the schema's floor (``benchmarks.schema_floor``): the same records' rows as new articles COPYed
into the warehouse's own tables, encoded beforehand, nothing decided, on a fresh database.

``--existing`` then fills the warehouse to each size (through the same loader, in runs of up to
50,000, also timed; then ``VACUUM (ANALYZE)``, as autovacuum would have run meanwhile) and
measures ``--repeat`` loads of ``--articles`` new articles on top: load and dedup (sketching,
signature storage and matching, URL links, clustering) ms per article, then ``--repeat`` schema
floors (rolled back) of as many more, the median and the range
(one load on a shared VM moves by a third; three at each size tell a trend from noise). The
history is dated as a real one is: ``--per-day`` articles a day (20,000 by default) from
2026-01-01 on, each run after the one before, so a warehouse of 1,000,000 holds 50 days of news.
``--settle`` measures each load and floor after a ``CHECKPOINT``, as a scheduled load finds the
server (``settle_server``); without it they run back to back, as a backfill's do.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

import warehouse.load as load
import warehouse.minhash as minhash
from benchmarks.neardup import sentences
from benchmarks.schema_floor import schema_floor
from newsflow.runoutput import RunOutput, RunOutputWriter, run_uri
from pipelines.neardup import normal_codes
from warehouse.db import connect
from warehouse.migrate import apply_migrations
from warehouse.run_output import read_articles
from warehouse.server import create_database, drop_database, find_postgres

REPO = Path(__file__).resolve().parents[1]
_VOCABULARY = ("정부는 반도체 수출 지원 방안을 발표했다 시장은 금리 인하 기대에 반응했다 기업들은 투자를 "
               "늘리고 있다 전문가들은 내년 경기 회복을 전망했다 서울 부동산 가격이 다시 오르고 있다 국회는 "
               "예산안을 처리했다 인공지능 산업 육성 계획이 나왔다 노조는 파업을 예고했다")
WORDS = _VOCABULARY.split(" ")
# The generated history: articles published at an even rate (``--per-day``) from this day on.
HISTORY_STARTS = datetime(2026, 1, 1, tzinfo=UTC)
# Stages of the load, timed apart; the last four (and the sketching) are dedup. Sketching runs in a
# thread beside staging and the merge, so its time is shown but not added to the load's dedup time.
STAGES = ("_stage", "merge_versions", "_merge_urls", "_link_run", "store_and_match", "url_links", "cluster_run")
DEDUP = ("backfill", "store_and_match", "url_links", "cluster_run")


def content_hash(body: str) -> str:
    """``pipelines.fingerprint.content_hash``, from the table-driven normal form (equal, tested; 4x faster)."""
    return "v1:" + hashlib.sha256(normal_codes(body).tobytes().decode("utf-32-le").encode()).hexdigest()


def sentence_pool(size: int = 200_000, seed: int = 7) -> list[str]:
    """``size`` distinct sentences of 6-18 words drawn from the corpus sentences' words."""
    import numpy as np

    rng = np.random.default_rng(seed)
    words = sorted({w for s in sentences() for w in s.split() if len(w) > 1})
    if len(words) < 1000:  # sentences() fell back on WORDS: no corpus here (it has tens of thousands)
        words = made_up_words(rng)
    lengths = rng.integers(6, 19, size=size)
    picks = rng.integers(0, len(words), size=int(lengths.sum())).tolist()
    pool, start = [], 0
    for length in lengths.tolist():
        pool.append(" ".join(words[i] for i in picks[start:start + length]) + "다.")
        start += length
    return pool


def made_up_words(rng: Any, count: int = 30_000) -> list[str]:
    """Words of 2-4 random Hangul syllables, for a machine without the corpus.

    Drawn from the few words of ``WORDS`` instead, every article would share most of its
    shingles with every other, and the near-duplicate search would spend the run comparing them.
    """
    syllables = rng.integers(0xAC00, 0xD7A4, size=(count, 4))
    lengths = rng.integers(2, 5, size=count)
    return sorted({"".join(map(chr, row[:n])) for row, n in zip(syllables.tolist(), lengths.tolist(), strict=True)})


class Texts:
    """Bodies of 3-9 KB from corpus sentences; one in twenty an edited copy of a recent one."""

    def __init__(self, pool: list[str], seed: int) -> None:
        self.pool, self.rng, self.recent = pool, random.Random(seed), []

    def body(self) -> str:
        rng = self.rng
        if self.recent and rng.random() < 0.05:
            paragraphs = rng.choice(self.recent).split("\n\n")
            edit = rng.randrange(3)
            if edit == 0 and len(paragraphs) > 2:
                del paragraphs[rng.randrange(len(paragraphs))]
            elif edit == 1:
                caption = "▲ " + rng.choice(self.pool)[:50] + " [사진=연합뉴스]"
                paragraphs.insert(rng.randrange(len(paragraphs) + 1), caption)
            else:
                paragraphs[rng.randrange(len(paragraphs))] = rng.choice(self.pool)
            return "\n\n".join(paragraphs)
        size, paragraphs, total = rng.randint(3000, 9000), [], 0
        while total < size:
            paragraph = " ".join(rng.choice(self.pool) for _ in range(rng.randint(2, 4)))
            paragraphs.append(paragraph)
            total += len(paragraph.encode())
        body = "\n\n".join(paragraphs)
        if len(self.recent) < 500:
            self.recent.append(body)
        else:
            self.recent[rng.randrange(500)] = body
        return body


def records(n: int, seed: int, start: datetime, step: timedelta, texts: Texts) -> Iterator[dict[str, Any]]:
    for i in range(n):
        body = texts.body()
        fetched = start + i * step
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


def write_run(store: Path, run_id: str, n: int, seed: int, texts: Texts, first: int = 0,
              per_day: int = 20_000) -> RunOutput:
    """A run of ``n`` articles, the ``first``-th article of the history onwards, published ``per_day`` a day."""
    step = timedelta(days=1) / per_day
    start = HISTORY_STARTS + first * step
    writer = RunOutputWriter(run_uri(str(store), "bench", run_id))
    for record in records(n, seed, start, step, texts):
        writer.write(record)
    manifest = writer.finish({"run_id": run_id, "source": {"id": "bench", "name": "bench", "publisher": "벤치"},
                              "started_at": start, "finished_at": start + timedelta(hours=1),
                              "finish_reason": "finished", "dry_run": False, "params": {}, "drops": {},
                              "verdict": {"ok": True, "problems": [], "warnings": []}},
                             {"finish_reason": "finished"})
    return RunOutput.open(manifest["output_uri"])


class Stopwatch:
    """Seconds spent in each load stage (the module functions of ``warehouse.load`` wrapped)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        for name in STAGES:
            setattr(load, name, self._wrap(name, getattr(load, name)))
        load.backfill = self._wrap("backfill", load.backfill)
        minhash.Sketchbook.add = self._wrap("sketch", minhash.Sketchbook.add)

    def _wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - started

        return timed

    def reset(self) -> dict[str, float]:
        spent, self.spent = self.spent, {}
        return spent


def timed_load(url: str, output: RunOutput, *, settle: bool = False) -> float:
    """Seconds ``load_run`` takes for ``output``; with ``settle``, after a ``CHECKPOINT`` (not timed)."""
    with connect(url) as conn:
        if settle:
            settle_server(conn)
        started = time.perf_counter()
        load.load_run(conn, output.manifest, output.stats(), read_articles(output))
        return time.perf_counter() - started


def body_compression(url: str) -> str | None:
    """How the warehouse compresses ``articles.body`` (``lz4`` where the server has it), or None for the default."""
    with connect(url) as conn:
        (method,) = conn.execute(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = 'articles'::regclass AND attname = 'body'"
        ).fetchone()
    return {"l": "lz4", "p": "pglz"}.get(method)


def raw_copy(url: str, output: RunOutput, compression: str | None) -> float:
    """Binary COPY of the same article rows into a bare, index-free table: the floor.

    ``compression`` is the body's (as ``articles.body`` has it, or None for the server's default):
    compressing 5 KB of text costs more than the rest of the row, so a floor compressed otherwise
    than the warehouse is not the same work (pglz, the default, is 2-3x slower than lz4).
    """
    from psycopg.types.json import Jsonb

    columns = ("content_hash", "url", "title", "body", "authors", "published_at", "images")
    body = f"body text COMPRESSION {compression}" if compression else "body text"
    with connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS raw_copy; CREATE UNLOGGED TABLE raw_copy (content_hash text, url text, "
                     f"title text, {body}, authors text[], published_at timestamptz, images jsonb)")
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur, cur.copy(
                f"COPY raw_copy ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "text", "text", "text[]", "timestamptz", "jsonb"])
            for r in read_articles(output):
                copy.write_row((r["content_hash"], r["url"], r["title"], r["body"], r["authors"],
                                datetime.fromisoformat(r["published_at"]), Jsonb(r["images"])))
        return time.perf_counter() - started


def settle_server(conn: psycopg.Connection) -> None:
    """Write every dirty page out, as the server has by the time a scheduled load comes.

    Each source loads once or twice an hour, the sources some minutes apart (``newsflow/sources``),
    and the server checkpoints every five minutes (``checkpoint_timeout``): the pages the last
    load dirtied are on disk by the next one, and its pages in the cache are clean.
    A load measured straight after a fill of 50,000 instead evicts the fill's dirty pages itself,
    and more of them the larger the warehouse. After a checkpoint the load still pays for the
    full-page images its first change to each page writes to the WAL, as a scheduled one does.
    """
    conn.execute("CHECKPOINT")


def stage_line(spent: dict[str, float], n: int) -> str:
    return ", ".join(f"{k} {v * 1000 / n:.3f}" for k, v in spent.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000, help="articles in each measured run")
    parser.add_argument("--existing", default="", help="comma-separated warehouse sizes to measure on top of")
    parser.add_argument("--fill-batch", type=int, default=50_000, help="articles per run while filling")
    parser.add_argument("--per-day", type=int, default=20_000,
                        help="articles published a day in the generated history (near-duplicates are looked "
                             "for in a version's own and neighbouring weeks: this sets how many articles those hold)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measured loads at each --existing size: the median is printed, the range beside it")
    parser.add_argument("--settle", action="store_true",
                        help="CHECKPOINT before each measured load and floor, as a scheduled load finds the server "
                             "(the default measures loads back to back, as a backfill runs them)")
    args = parser.parse_args()
    admin = find_postgres(REPO / ".data" / "pg")
    name = f"newsflow_bench_{uuid.uuid4().hex[:8]}"
    url = create_database(admin, name)
    watch = Stopwatch()
    pool = sentence_pool()
    texts = Texts(pool, seed=0)
    try:
        apply_migrations(url)
        if args.settle:
            print("every measured load and floor runs after a CHECKPOINT (--settle), as a scheduled load does")
        with tempfile.TemporaryDirectory(prefix="newsflow-load-") as tmp:
            store = Path(tmp)
            output = write_run(store, "measured-0", args.articles, 0, texts, 0, args.per_day)
            watch.reset()
            seconds = timed_load(url, output, settle=args.settle)
            spent = watch.reset()
            compression = body_compression(url)
            floor = raw_copy(url, output, compression)
            print(f"articles {args.articles}: load {args.articles / seconds:,.0f} articles/s; "
                  f"raw binary COPY {args.articles / floor:,.0f} rows/s (body {compression or 'default'}, "
                  f"as articles.body); ratio {floor / seconds:.2f}")
            if compression:
                # What earlier versions of this script measured: the bare table with the server's default.
                default = raw_copy(url, output, None)
                print(f"  raw binary COPY, body with the server's default compression: "
                      f"{args.articles / default:,.0f} rows/s (ratio {default / seconds:.2f})")
            print(f"  stages, ms/article: {stage_line(spent, args.articles)}")
            floor_db = create_database(admin, f"{name}_floor")
            try:
                apply_migrations(floor_db)
                floor_seconds, stored = schema_floor(floor_db, read_articles(output))
                schema = floor_seconds * args.articles / stored  # as if every record were a new text
            finally:
                drop_database(admin, f"{name}_floor")
            print(f"  schema floor (the same rows as new articles COPYed into the warehouse's tables, encoded "
                  f"beforehand, nothing decided): {args.articles / schema:,.0f} articles/s, {floor / schema:.2f} "
                  f"of the raw COPY; the load runs at {schema / seconds:.2f} of it")
            repeat = write_run(store, "measured-again", args.articles, 0, Texts(pool, 0), 0, args.per_day)
            again = timed_load(url, repeat, settle=args.settle)
            print(f"the same articles again (every row known): {args.articles / again:,.0f} articles/s")
            watch.reset()
            loaded, seed = args.articles, 1
            print(f"{'existing':>10} {'load ms/article':>24} {'dedup ms/article':>24} {'schema floor ms/article':>24} "
                  f"{'fill articles/s':>16}  stages")
            for size in (int(s) for s in args.existing.split(",") if s):
                fill_started, filled = time.perf_counter(), 0
                while loaded < size:
                    batch = min(args.fill_batch, size - loaded)
                    filler = write_run(store, f"fill-{seed}", batch, seed, texts, loaded, args.per_day)
                    timed_load(url, filler)
                    _remove(filler)
                    loaded, filled, seed = loaded + batch, filled + batch, seed + 1
                fill_rate = filled / (time.perf_counter() - fill_started) if filled else float("nan")
                if filled:
                    # What autovacuum would have done during the fill (statistics, visibility map): the
                    # loads are measured on a maintained warehouse whether the server vacuums or not.
                    with connect(url) as conn:
                        conn.execute("VACUUM (ANALYZE)")
                loads, dedups, spent = [], [], {}
                for _ in range(args.repeat):
                    output = write_run(store, f"measured-{seed}", args.articles, seed, texts, loaded, args.per_day)
                    seed += 1
                    watch.reset()
                    loads.append(timed_load(url, output, settle=args.settle))
                    stages = watch.reset()
                    dedups.append(sum(v for k, v in stages.items() if k in DEDUP))
                    spent = {k: spent.get(k, 0.0) + v / args.repeat for k, v in stages.items()}
                    _remove(output)
                    loaded += args.articles
                # After the measured loads: their rolled-back rows leave dead index entries, which the
                # next size's fill and VACUUM absorb.
                floors = []
                for _ in range(args.repeat):
                    output = write_run(store, f"floor-{seed}", args.articles, seed, texts, loaded, args.per_day)
                    seed += 1
                    if args.settle:
                        with connect(url) as conn:
                            settle_server(conn)
                    floor_seconds, stored = schema_floor(url, read_articles(output))
                    floors.append(floor_seconds * args.articles / stored)
                    _remove(output)
                print(f"{size:>10,} {_per_article(loads, args.articles):>24} {_per_article(dedups, args.articles):>24} "
                      f"{_per_article(floors, args.articles):>24} {fill_rate:>16,.0f}  "
                      f"{stage_line(spent, args.articles)}", flush=True)
    finally:
        drop_database(admin, name)


def _per_article(seconds: list[float], n: int) -> str:
    """The median ms per article of some loads of ``n``, with their range when there are several."""
    ms = sorted(s * 1000 / n for s in seconds)
    median = statistics.median(ms)
    return f"{median:.3f}" if len(ms) == 1 else f"{median:.3f} ({ms[0]:.2f}-{ms[-1]:.2f})"


def _remove(output: RunOutput) -> None:
    import shutil

    shutil.rmtree(output.uri.removeprefix("file://"), ignore_errors=True)


if __name__ == "__main__":
    main()
