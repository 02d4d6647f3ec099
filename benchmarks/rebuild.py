"""How long the first load after a crash takes to rebuild the near-duplicate sketches, per version.

    python -m benchmarks.rebuild --articles 100000

``article_minhash``, ``article_lsh_keys`` and ``lsh_week_filters`` are unlogged (migration 0010):
PostgreSQL empties them when it recovers from a crash, and the next load queues every stored
version and sketches it again before it matches anything (``warehouse.minhash``). This fills a
throwaway warehouse with ``--articles`` generated articles through the loader (as
``benchmarks.load`` does), empties the three tables as recovery would, and times what that next
load spends on them: the queueing and the back-fill, in one transaction. Then it checks that the
rebuilt sketches are the ones the loads stored.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.load import REPO, Texts, sentence_pool, timed_load, write_run
from warehouse.db import connect
from warehouse.migrate import apply_migrations
from warehouse.minhash import backfill, requeue_lost_sketches
from warehouse.server import create_database, drop_database, find_postgres


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000, help="articles in the warehouse")
    parser.add_argument("--fill-batch", type=int, default=50_000, help="articles per run while filling")
    args = parser.parse_args()
    admin = find_postgres(REPO / ".data" / "pg")
    name = f"newsflow_bench_{uuid.uuid4().hex[:8]}"
    url = create_database(admin, name)
    try:
        apply_migrations(url)
        texts = Texts(sentence_pool(), seed=0)
        with tempfile.TemporaryDirectory(prefix="newsflow-rebuild-") as tmp:
            loaded, seed = 0, 1
            while loaded < args.articles:
                batch = min(args.fill_batch, args.articles - loaded)
                timed_load(url, write_run(Path(tmp), f"fill-{seed}", batch, seed, texts, loaded))
                loaded, seed = loaded + batch, seed + 1
        with connect(url) as conn:
            conn.execute("VACUUM (ANALYZE)")
            before = conn.execute("SELECT md5(string_agg(signature::text, '' ORDER BY revision_id)),"
                                  " count(*) FROM article_minhash").fetchone()
            keys = conn.execute("SELECT count(*) FROM article_lsh_keys").fetchone()[0]
            conn.execute("TRUNCATE article_minhash, article_lsh_keys, lsh_week_filters")
            conn.execute("CHECKPOINT")
            started = time.perf_counter()
            with conn.transaction():
                queued = requeue_lost_sketches(conn)
                rebuilt = backfill(conn)
            seconds = time.perf_counter() - started
            after = conn.execute("SELECT md5(string_agg(signature::text, '' ORDER BY revision_id)),"
                                 " count(*) FROM article_minhash").fetchone()
            keys_after = conn.execute("SELECT count(*) FROM article_lsh_keys").fetchone()[0]
        print(f"{before[1]:,} versions and {keys:,} LSH keys emptied; {queued:,} queued and {rebuilt:,} rebuilt in "
              f"{seconds:.1f} s: {seconds * 1000 / max(rebuilt, 1):.3f} ms a version")
        # The back-fill files every key of a version; a load leaves out keys of buckets already full.
        same = after == before and keys_after >= keys
        print(f"{'ok' if same else 'FAIL'}: the rebuilt signatures are {'' if same else 'not '}the ones the loads"
              f" stored; {keys_after:,} LSH keys")
    finally:
        drop_database(admin, name)


if __name__ == "__main__":
    main()
