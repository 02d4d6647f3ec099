"""What the week filters cost a load once the weeks are full: read, test, add and write, per article.

    python -m benchmarks.week_filters --week-keys 5900000 --articles 5000 --repeat 4

A load of ``--articles`` new versions reads the filters of three weeks (its own and the two
either side), tests the keys it looks for (``--articles`` x 42 bands x 3 weeks: 630,000 here,
where every new version is of one week; a real load of 5,000 spans two and looks for about
400,000), adds the keys it stores to its own week and writes that filter back, in one
transaction (``warehouse.lsh_filters``). The filters here are sized and filled for
``--week-keys`` keys a week (5.9 million: 20,000 articles a day), as in a warehouse past its
first weeks; in a young warehouse they are smaller and cost less, which is part of what grows in
``benchmarks.load --existing``.
"""

from __future__ import annotations

import argparse
import time
import uuid

import numpy as np

from benchmarks.load import REPO
from pipelines.neardup import BANDS_V2
from warehouse.db import connect
from warehouse.lsh_filters import BAND_HASH, WEEK_SHIFT, WeekFilters, _size
from warehouse.migrate import apply_migrations
from warehouse.server import create_database, drop_database, find_postgres

_WEEK = 2921  # any week number: the filters are synthetic
_STEPS = ("read", "test", "add", "write")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week-keys", type=int, default=5_900_000, help="keys each filter is sized and filled for")
    parser.add_argument("--articles", type=int, default=5000, help="new versions in the load")
    parser.add_argument("--repeat", type=int, default=4)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    weeks = [_WEEK - 1, _WEEK, _WEEK + 1]
    admin = find_postgres(REPO / ".data" / "pg")
    name = f"newsflow_bench_{uuid.uuid4().hex[:8]}"
    url = create_database(admin, name)
    try:
        apply_migrations(url)
        with connect(url) as conn:
            # A full filter (10 bits and 4 hashes a key) has about a third of its bits set; random
            # bytes (half) test a little slower, never faster.
            bits = _size(args.week_keys) // 8
            full = WeekFilters({week: (args.week_keys, rng.integers(0, 256, size=bits, dtype=np.uint8))
                                for week in weeks}, busiest=args.week_keys)
            full.changed.update(weeks)
            full.write(conn)
            stored = args.articles * BANDS_V2
            print(f"three filters of {bits / 1e6:.1f} MB ({args.week_keys:,} keys each); a load of "
                  f"{args.articles:,} articles: {3 * stored:,} keys tested, {stored:,} added")
            for _ in range(args.repeat):
                spent: dict[str, float] = {}
                with conn.transaction():
                    new = (np.int64(_WEEK) << WEEK_SHIFT) | (rng.integers(0, 1 << 62, size=stored) & BAND_HASH)
                    wanted = np.concatenate([(np.int64(w) << WEEK_SHIFT) | (new & BAND_HASH) for w in weeks])
                    started = time.perf_counter()
                    filters = WeekFilters.read(conn, weeks)
                    spent["read"] = time.perf_counter() - started
                    started = time.perf_counter()
                    filters.might_hold(wanted)
                    spent["test"] = time.perf_counter() - started
                    started = time.perf_counter()
                    filters.add(new)
                    spent["add"] = time.perf_counter() - started
                    started = time.perf_counter()
                    filters.write(conn)
                    spent["write"] = time.perf_counter() - started
                total = sum(spent.values())
                print(f"  {total * 1000 / args.articles:.3f} ms/article: "
                      + ", ".join(f"{step} {spent[step] * 1000:.0f} ms" for step in _STEPS))
    finally:
        drop_database(admin, name)


if __name__ == "__main__":
    main()
