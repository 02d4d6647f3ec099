"""A Bloom filter of each week's stored LSH keys, so that a load probes the index only for keys it may hold.

A load of 5,000 new versions looks for some 400,000 distinct band keys (42 bands, filed under
their own week and the weeks either side), and over 98% of them are in no stored bucket. Each is
an index descent all the same, and once a week of news is stored (5.9 million keys at 20,000
articles a day) those descents were what still grew with the warehouse (docs/benchmarks.md,
"How cost grows"). A week's filter (``lsh_week_filters``, migration 0009) answers "surely not
stored" for nearly all of them from a few MB read once a load.

The filter must hold every key ``article_lsh_keys`` holds for its week, or a near-duplicate would
go unseen. Every writer of that table keeps it so, under the merge lock: the loader adds the keys
it stores (``WeekFilters.add`` and ``write``), the back-fill forgets the weeks it writes
(``forget``), and a missing filter is rebuilt from the index by the next load that needs it. Who
writes keys by hand should ``DELETE FROM lsh_week_filters`` afterwards; ``unfiltered_keys``
checks the rule (the tests run it on every warehouse they leave).

Sizes: a filter has ``BITS_PER_KEY`` bits for each key it is meant to hold, and is meant to hold
as many as the busiest week so far: a week's filter takes that size when its first keys come,
so that it is not rebuilt as the rest do (a week with no key has no bits: the week after the
current one is read by every load). One that holds fewer than ``MIN_BITS_PER_KEY`` bits a key
all the same (the first weeks of a warehouse, a busier week than any before) is rebuilt from the
index, which the load has just written to, for twice its keys. A week of 20,000 articles a day
(5.9 million keys) has a 7.4 MB filter. False positives: about 1% of the keys probed, up to 6%
before a rebuild; each costs only the probe it would have cost anyway.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import psycopg

# Bits set per key. Fewer than the best count at 10 bits a key (7, 0.8% false positives): 4 give
# 1.2%, and setting and testing the bits is most of the filter's own cost.
HASHES = 4
# Bits per key a filter is sized with, and the fewest it may have before it is rebuilt larger
# (for twice its keys): false positives 1.2% and 5.6%.
BITS_PER_KEY = 10
MIN_BITS_PER_KEY = 6
# The smallest filter, in bits (8 KB): a week's first keys do not each cost a rebuild.
MIN_BITS = 1 << 16
# A stored key is its version's week (SQL ``lsh_week``) above 47 bits of band hash (migration 0008).
WEEK_SHIFT = 47
BAND_HASH = (1 << WEEK_SHIFT) - 1
# Odd 64-bit multiplier (the golden ratio's): spreads the band hash over both halves of the product.
_MIX = np.uint64(0x9E3779B97F4A7C15)


class WeekFilters:
    """The filters of some weeks, read once for a load; ``write`` stores the ones ``add`` changed."""

    def __init__(self, filters: dict[int, tuple[int, np.ndarray]], busiest: int = 0) -> None:
        self.filters = filters
        """week -> (keys added, the bits as bytes, least significant bit first)"""
        self.busiest = busiest
        """The most keys any stored filter holds: what a new or rebuilt filter is sized for at least."""
        self.changed: set[int] = set()

    @classmethod
    def read(cls, conn: psycopg.Connection, weeks: Iterable[int]) -> WeekFilters:
        """The filters of ``weeks``; a week without one gets it built from the keys stored for it."""
        wanted = sorted({int(w) for w in weeks})
        filters: dict[int, tuple[int, np.ndarray]] = {}
        with conn.cursor(binary=True) as cur:
            for week, keys, bits in cur.execute(
                "SELECT week, keys, bits FROM lsh_week_filters WHERE week = ANY(%s)", (wanted,)
            ):
                filters[week] = (keys, np.frombuffer(bits, dtype=np.uint8).copy())
        (busiest,) = conn.execute("SELECT coalesce(max(keys), 0) FROM lsh_week_filters").fetchone()
        found = cls(filters, busiest)
        for week in wanted:
            if week not in filters:
                found._rebuild(conn, week, busiest)
        return found

    def might_hold(self, keys: np.ndarray) -> np.ndarray:
        """False where a key is surely not stored (its week's filter lacks it); ``keys`` as stored (int64)."""
        result = np.ones(keys.size, dtype=bool)  # a week not read says nothing
        weeks = keys >> WEEK_SHIFT
        for week, (count, bits) in self.filters.items():
            mine = np.flatnonzero(weeks == week)
            if not count:
                result[mine] = False
            elif mine.size:
                byte, mask = _positions(keys[mine], bits.size * 8)
                result[mine] = ((bits[byte] & mask) != 0).all(axis=1)
        return result

    def add(self, keys: np.ndarray) -> None:
        """Mark ``keys`` (int64, as stored) present; each one's week must have been read."""
        weeks = keys >> WEEK_SHIFT
        for week in np.unique(weeks).tolist():
            mine = keys[weeks == week]
            count, bits = self.filters[week]
            if not bits.size:  # a week's first keys: sized for the busiest week, or twice these
                bits = np.zeros(_size(max(self.busiest, 2 * mine.size)) // 8, dtype=np.uint8)
            byte, mask = _positions(mine, bits.size * 8)
            byte, mask = byte.ravel(), mask.ravel()
            # One bit of each byte at a time: repeated indexes within a pass all write the same value.
            for bit in range(8):
                flag = np.uint8(1 << bit)
                bits[byte[mask == flag]] |= flag
            self.filters[week] = (count + mine.size, bits)
            self.changed.add(week)

    def write(self, conn: psycopg.Connection) -> None:
        """Store the changed filters; those grown past ``MIN_BITS_PER_KEY`` are rebuilt larger first."""
        for week in sorted(self.changed):
            count, bits = self.filters[week]
            if bits.size * 8 < count * MIN_BITS_PER_KEY:
                self._rebuild(conn, week, max(2 * count, self.busiest))
            else:
                _store(conn, week, count, bits)
        self.changed.clear()

    def _rebuild(self, conn: psycopg.Connection, week: int, expected: int) -> None:
        """Build the week's filter from its stored keys, with room for twice them or ``expected`` keys."""
        keys = stored_keys(conn, week)
        bits = np.zeros(_size(max(2 * keys.size, expected) if keys.size else 0) // 8, dtype=np.uint8)
        self.filters[week] = (0, bits)
        self.add(keys)
        _store(conn, week, *self.filters[week])
        self.changed.discard(week)


def forget(conn: psycopg.Connection, weeks: Iterable[int]) -> None:
    """Drop the filters of ``weeks`` after their keys were written without them: the next load rebuilds them."""
    conn.execute("DELETE FROM lsh_week_filters WHERE week = ANY(%s)", (sorted({int(w) for w in weeks}),))


def stored_keys(conn: psycopg.Connection, week: int) -> np.ndarray:
    """Every key ``article_lsh_keys`` holds for ``week`` (int64): one range of its index, as one value.

    Aggregated into one bytea on the server: five times faster than a row each (COPY hands
    Python the rows one at a time), 0.2 µs a key.
    """
    with conn.cursor(binary=True) as cur:
        (packed,) = cur.execute(
            "SELECT string_agg(int8send(key), ''::bytea) FROM article_lsh_keys WHERE key >= %s AND key < %s",
            (week << WEEK_SHIFT, (week + 1) << WEEK_SHIFT),
        ).fetchone()
    return np.frombuffer(packed or b"", dtype=">i8").astype(np.int64)


def unfiltered_keys(conn: psycopg.Connection) -> int:
    """Stored keys that their week's stored filter says are absent: 0 in a whole warehouse (reads every key)."""
    missed = 0
    weeks = [week for (week,) in conn.execute("SELECT week FROM lsh_week_filters ORDER BY week")]
    if weeks:
        filters = WeekFilters.read(conn, weeks)
        for week in weeks:
            keys = stored_keys(conn, week)
            missed += int((~filters.might_hold(keys)).sum())
    return missed


def _size(keys: int) -> int:
    """Bits for a filter meant to hold ``keys`` keys: ``BITS_PER_KEY`` each, in whole 64-bit words; none for none."""
    return max(MIN_BITS, -(-keys * BITS_PER_KEY // 64) * 64) if keys else 0


def _positions(keys: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Byte index and bit mask of each key's ``HASHES`` bits, shaped (n, HASHES): double hashing of the band hash."""
    mixed = (keys & BAND_HASH).astype(np.uint64) * _MIX
    first, step = mixed >> np.uint64(32), (mixed & np.uint64(0xFFFFFFFF)) | np.uint64(1)
    spots = (first[:, None] + step[:, None] * np.arange(HASHES, dtype=np.uint64)) % np.uint64(bits)
    return (spots >> np.uint64(3)).astype(np.intp), (np.uint8(1) << (spots & np.uint64(7)).astype(np.uint8))


def _store(conn: psycopg.Connection, week: int, keys: int, bits: np.ndarray) -> None:
    # %b: the bytes go in binary, not as twice as many hex digits.
    conn.execute(
        "INSERT INTO lsh_week_filters (week, keys, bits) VALUES (%s, %s, %b)"
        " ON CONFLICT (week) DO UPDATE SET keys = excluded.keys, bits = excluded.bits",
        (week, keys, bits.tobytes()),
    )
