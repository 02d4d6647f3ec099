"""Near-duplicate fingerprints: character shingles of the v1 normal form, MinHash signatures, LSH band keys.

Pure functions, no I/O; ``warehouse/minhash.py`` stores what they compute. Why these choices
(measured in ``docs/dedup.md``):

- **Character 5-grams of the v1 normal form** (``normalize_for_hash``: NFKC, case-folded,
  punctuation folded, *all whitespace removed*). Korean particles attach to words and copies
  re-space freely (``미 대북정책 특별대표`` / ``미대북정책특별대표``), so whitespace tokens of two
  copies differ wherever spacing or a particle does; shingles of the unspaced text ignore
  spacing entirely. Five syllables are specific enough that two unrelated Korean articles share
  a median 0.3% of them (3- and 4-grams: 1.4% and 0.6%), while copies of one story share 50%
  or more; the corpus pair file's own ``jaccard_char5`` agrees with these shingles to 0.01.
- **MinHash with 128 permutations** (datasketch's ``affine32`` scheme: each 32-bit shingle
  hash is mixed by MurmurHash3's finaliser, then permuted by ``a * h + b mod 2**32``). The
  shingle hashing and the permutations are vectorised here with numpy, which is what makes
  the per-article cost fit the budget; ``tests/test_neardup.py`` checks the signature equals
  datasketch's own ``MinHash.update_batch`` bit for bit.
- **LSH with 42 bands of 3 rows**: a pair with Jaccard 0.5 shares at least one band with
  probability 0.996 (0.9995 at 0.55), so band lookups lose almost nothing at the threshold;
  candidates are then verified on the exact shingle sets, so precision does not depend on
  the banding.

``MINHASH_VERSION`` is stored with every signature: changing the shingle size, the
normal form, the seed or the banding is a new version, back-filled beside the old one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from datasketch import MinHash

from pipelines.fingerprint import normalize_for_hash

MINHASH_VERSION = 1
SHINGLE_CHARS = 5
NUM_PERM = 128
SEED = 1
BANDS, ROWS = 42, 3
THRESHOLD = 0.5
"""Exact shingle Jaccard at or above which two texts are near-duplicates (chosen in docs/dedup.md)."""

# The permutation parameters datasketch derives from the seed (numpy's legacy RandomState,
# whose stream numpy keeps stable): a_k odd, b_k, both uint32.
_A, _B = (np.asarray(p, dtype=np.uint32) for p in MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32").permutations)
_MAX = np.uint32(0xFFFFFFFF)
_M64 = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))


@dataclass(frozen=True)
class Fingerprint:
    """What near-duplicate detection keeps of one text."""

    shingles: np.ndarray
    """Sorted distinct 32-bit hashes of the text's character 5-grams (uint32)."""
    signature: np.ndarray
    """MinHash signature, ``NUM_PERM`` uint32 values."""
    band_keys: np.ndarray
    """``BANDS`` int64 keys, one per band of ``ROWS`` signature values; empty for an empty text."""


def _fmix64(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's 64-bit finaliser: spreads the polynomial hash over all bits (wrapping is intended).
    h = h ^ (h >> np.uint64(33))
    h = h * _M64[1]
    h = h ^ (h >> np.uint64(33))
    h = h * _M64[2]
    return h ^ (h >> np.uint64(33))


def _fmix32(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's 32-bit finaliser, as datasketch's affine32 scheme applies it before permuting.
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def shingle_hashes(body: str) -> np.ndarray:
    """Sorted distinct uint32 hashes of the character ``SHINGLE_CHARS``-grams of ``body``'s v1 normal form.

    A text shorter than one shingle is one shingle; an empty text has none.
    """
    text = normalize_for_hash(body)
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if points.size == 0:
        return np.empty(0, dtype=np.uint32)
    width = min(SHINGLE_CHARS, points.size)
    count = points.size - width + 1
    hashes = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(width):
            hashes = hashes * _M64[0] + points[offset:offset + count]
        hashes = _fmix64(hashes)
    return np.unique((hashes >> np.uint64(32)).astype(np.uint32))


def signature(shingles: np.ndarray) -> np.ndarray:
    """The MinHash signature of a shingle set (all ``0xFFFFFFFF`` for an empty set)."""
    if shingles.size == 0:
        return np.full(NUM_PERM, _MAX, dtype=np.uint32)
    with np.errstate(over="ignore"):
        mixed = _fmix32(shingles.astype(np.uint32))
        permuted = np.multiply.outer(mixed, _A) + _B
    return permuted.min(axis=0)


def band_keys(sig: np.ndarray) -> np.ndarray:
    """One int64 key per band: a hash of the band's ``ROWS`` values and the band's number."""
    rows = sig[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    key = np.arange(BANDS, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in range(ROWS):
            key = key * _M64[0] + rows[:, column]
        key = _fmix64(key)
    return key.view(np.int64)


def fingerprint(body: str) -> Fingerprint:
    """Shingles, signature and band keys of a clean body."""
    shingles = shingle_hashes(body)
    sig = signature(shingles)
    keys = band_keys(sig) if shingles.size else np.empty(0, dtype=np.int64)
    return Fingerprint(shingles, sig, keys)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle sets (as from ``shingle_hashes``); 0.0 when both are empty."""
    if a.size == 0 and b.size == 0:
        return 0.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (a.size + b.size - common)


def estimate(sig: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Estimated Jaccard of signatures: ``sig`` (one, or one per row) against each row of ``others``."""
    return (np.atleast_2d(others) == sig).mean(axis=-1)


def to_bytes(sig: np.ndarray) -> bytes:
    """A signature as stored (``article_minhash.signature``): little-endian uint32 values."""
    return sig.astype("<u4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    """The inverse of ``to_bytes``."""
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)
