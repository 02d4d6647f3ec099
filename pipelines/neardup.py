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

**Version 2** (``sketch``, what the loader stores now; version 1 above stays for the rows that
have it and as the reference): the same shingles of the same normal form, but **One Permutation
Hashing with optimal densification** (Li, Owen, Zhang 2012; Shrivastava 2017) instead of 128
permutations: each shingle's 64-bit hash is computed once, its top 7 bits choose one of 128
bins and the next 32 bits are its value; a bin keeps its minimum, and an empty bin (texts of a
few hundred characters) copies the bin a fixed pseudo-random sequence leads it to. Two texts
agree on a bin with probability equal to their Jaccard, as with MinHash, at O(shingles) instead
of O(shingles x 128). The normal form comes from ``normal_codes``: a table lookup over the code
points that gives exactly ``normalize_for_hash`` (tested against it) and falls back to it for the
rare texts the table cannot decide. ``BANDS_V2`` bands of ``ROWS`` values make the LSH keys, as in
version 1 (fewer bands were measured to miss a corpus pair at Jaccard 0.55, see ``docs/dedup.md``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from datasketch import MinHash

from pipelines.fingerprint import _PUNCTUATION_FOLDS, normalize_for_hash

MINHASH_VERSION = 2
"""The version the loader stores (``sketch``); ``fingerprint`` computes version 1."""
SHINGLE_CHARS = 5
NUM_PERM = 128
SEED = 1
BANDS, ROWS = 42, 3
BANDS_V2 = 42
"""Version 2's LSH bands of ``ROWS`` values, as many as version 1's: a pair at Jaccard 0.5 shares one w.p. 0.996."""
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
    codes = np.frombuffer(normalize_for_hash(body).encode("utf-32-le"), dtype=np.uint32)
    return distinct((_shingle_hashes64(codes) >> np.uint64(32)).astype(np.uint32))


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of a 1-d array: ``np.unique``, which hashes first in numpy 2.4 (40-90x slower)."""
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if ordered.size else ordered


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


# ---- version 2: One Permutation Hashing over a table-driven normal form ----

_BINS = NUM_PERM
_DENSIFY_STEPS = 256
_COMPLEX = 255  # in _NormalTable.lengths: a character the table cannot decide


@dataclass(frozen=True)
class _NormalTable:
    """What ``normalize_for_hash`` makes of each BMP character, when that does not depend on its neighbours.

    ``normalize_for_hash`` is NFKC, case folding, punctuation folding, whitespace removal and NFKC
    again. Each is a per-character mapping as long as no character can compose with or reorder
    around another: then the text's normal form is the concatenation of its characters' forms.
    ``lengths[c]`` is how many characters ``c`` becomes (0 for whitespace), their code points are
    ``expansions[starts[c]:starts[c] + lengths[c]]``; ``_COMPLEX`` marks a character that has a
    canonical combining class, can be the second half of a canonical composition (combining
    marks, Hangul vowel and final jamo), or maps to one: a text holding one takes the slow path,
    as does one with a character beyond the BMP or a lone surrogate.
    """

    lengths: np.ndarray
    starts: np.ndarray
    expansions: np.ndarray
    single: np.ndarray
    """``expansions[starts[c]]``: the one character ``c`` becomes, where it becomes one."""


@cache
def _normal_table() -> _NormalTable:
    second = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul vowel and final jamo compose
    for code in range(0x10000):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            second.add(int(parts[1], 16))

    def simple(char: str) -> bool:
        return not (unicodedata.combining(char) or ord(char) in second
                    or unicodedata.normalize("NFKC", char) != char)

    lengths = np.full(0x10001, _COMPLEX, dtype=np.uint8)  # the last entry stands for every non-BMP code point
    starts = np.zeros(0x10001, dtype=np.uint32)
    expansions: list[int] = []
    for code in range(0x10000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF or code in second or unicodedata.combining(char):
            continue
        out = []
        for piece in unicodedata.normalize("NFKC", char):
            for folded in piece.casefold():
                out.extend(_PUNCTUATION_FOLDS.get(folded, folded))
        out = [c for c in out if not c.isspace()]
        if not all(simple(c) for c in out):
            continue
        lengths[code], starts[code] = len(out), len(expansions)
        expansions.extend(ord(c) for c in out)
    expanded = np.asarray([*expansions, 0], dtype=np.uint32)
    return _NormalTable(lengths, starts, expanded, expanded.take(starts))


def normal_codes(body: str) -> np.ndarray:
    """The code points (uint32) of ``normalize_for_hash(body)``, mostly without building it as a string."""
    table = _normal_table()
    try:
        points = np.minimum(np.frombuffer(body.encode("utf-32-le"), dtype=np.uint32), 0x10000)
    except UnicodeEncodeError:  # a lone surrogate: the slow path decides
        points = None
    if points is None or (points.size and table.lengths.take(points).max() == _COMPLEX):
        return np.frombuffer(normalize_for_hash(body).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts = table.lengths.take(points).astype(np.intp)
    ends = np.cumsum(counts)
    # Output character k of input character i is expansions[starts[i] + k - (ends[i] - counts[i])].
    first = np.repeat(table.starts.take(points).astype(np.intp) - (ends - counts), counts)
    return table.expansions.take(first + np.arange(int(ends[-1]) if ends.size else 0))


def _chunk_codes(bodies: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``normal_codes`` of several texts at once: all their code points, and each text's length.

    Texts whose characters each map to at most one character (after "…" is spelled "...", as NFKC
    does) take three array operations together; the others go through ``normal_codes`` one by one.
    """
    table = _normal_table()
    encoded: list[bytes] = []
    apart: set[int] = set()
    for i, body in enumerate(bodies):
        try:
            encoded.append(body.replace("\u2026", "...").encode("utf-32-le"))
        except UnicodeEncodeError:
            encoded.append(b"")
            apart.add(i)
    sizes = np.fromiter((len(e) >> 2 for e in encoded), dtype=np.intp, count=len(encoded))
    points = np.minimum(np.frombuffer(b"".join(encoded), dtype=np.uint32), 0x10000)
    counts = table.lengths.take(points)
    if counts.size and counts.max() > 1:
        owner = np.repeat(np.arange(len(bodies)), sizes)
        apart.update(distinct(owner[counts > 1]).tolist())
        is_apart = np.zeros(len(bodies), dtype=bool)
        is_apart[list(apart)] = True
        counts[is_apart[owner]] = 0  # one pass; np.isin makes one per text set apart
    codes = np.repeat(table.single.take(points), counts)
    text_starts = np.minimum(np.cumsum(sizes) - sizes, counts.size)
    lengths = np.add.reduceat(np.append(counts, np.uint8(0)), text_starts, dtype=np.intp)
    lengths[sizes == 0] = 0  # reduceat gives an empty segment its next element
    if not apart:
        return codes, lengths
    parts, start = [], 0
    for i, length in enumerate(lengths.tolist()):
        parts.append(normal_codes(bodies[i]) if i in apart else codes[start:start + length])
        start += length
    return np.concatenate(parts), np.fromiter((p.size for p in parts), dtype=np.intp, count=len(parts))


def _shingle_hashes64(codes: np.ndarray) -> np.ndarray:
    """Version 1's 64-bit hash of each character ``SHINGLE_CHARS``-gram (one for a shorter text, none if empty)."""
    if codes.size == 0:
        return np.empty(0, dtype=np.uint64)
    points = codes.astype(np.uint64)
    width = min(SHINGLE_CHARS, points.size)
    count = points.size - width + 1
    hashes = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(width):
            hashes = hashes * _M64[0] + points[offset:offset + count]
        return _fmix64(hashes)


# Version 2's shingle hash: a 32-bit polynomial over the 5 code points, then MurmurHash3's 32-bit
# finaliser. 32-bit arithmetic is what keeps it cheap; its top 7 bits pick the bin, the other 25
# are the value. (Version 1's 64-bit hashes stay the exact sets that verify a match.)
_K32 = np.uint32(0x9E3779B1)
_CHUNK = 16  # texts hashed together: numpy's per-call overhead dominates arrays of one text's size
_VALUE_BITS = np.uint32(25)
_VALUE_MASK = np.uint32((1 << 25) - 1)


@cache
def _densify_sequence() -> np.ndarray:
    # Fixed pseudo-random bins each empty bin tries in turn (optimal densification, Shrivastava 2017).
    return np.random.default_rng(0x4E46).integers(0, _BINS, size=(_BINS, _DENSIFY_STEPS)).astype(np.intp)


@dataclass(frozen=True)
class Sketches:
    """Version 2 fingerprints of several texts, row ``i`` for text ``i``."""

    signatures: np.ndarray
    """``(n, NUM_PERM)`` uint32: per bin the smallest value (densified); all ``0xFFFFFFFF`` for an empty text."""
    band_keys: np.ndarray
    """``(n, BANDS_V2)`` int64 LSH keys (meaningless for an empty text: ``shingles`` is 0 there)."""
    shingles: np.ndarray
    """``(n,)`` int32: shingle positions of each text (characters of its normal form - 4; 1 for a shorter text)."""


def sketch(body: str) -> Sketches:
    """Version 2 of ``fingerprint`` for one text (see ``sketches``)."""
    return sketches([body])


def sketches(bodies: Sequence[str]) -> Sketches:
    """One Permutation Hashing of the shingles of each body's normal form (module docstring, version 2)."""
    signatures = np.full((len(bodies), _BINS), _MAX, dtype=np.uint32)
    shingles = np.zeros(len(bodies), dtype=np.int32)
    for start in range(0, len(bodies), _CHUNK):
        chunk = bodies[start:start + _CHUNK]
        signatures[start:start + len(chunk)], shingles[start:start + len(chunk)] = _chunk_signatures(chunk)
    return Sketches(signatures, band_keys_v2(signatures), shingles)


def _chunk_signatures(bodies: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    points, lengths = _chunk_codes(bodies)
    count = max(points.size - SHINGLE_CHARS + 1, 0)
    with np.errstate(over="ignore"):
        hashes = points[:count] * _K32
        for offset in range(1, SHINGLE_CHARS):
            hashes += points[offset:offset + count]
            hashes *= _K32
        hashes = _fmix32(hashes)
    ends = np.cumsum(lengths)
    values = hashes & _VALUE_MASK
    # The windows that cross into the next text start in the last 4 positions of a text: they count for nothing.
    crossing = (ends[:, None] - np.arange(1, SHINGLE_CHARS)).ravel()
    values[crossing[(crossing >= 0) & (crossing < count)]] = _MAX
    slot = np.repeat(np.arange(0, len(bodies) * _BINS, _BINS), lengths)[:count]
    slot += hashes >> _VALUE_BITS
    flat = np.full(len(bodies) * _BINS, _MAX, dtype=np.uint32)
    np.minimum.at(flat, slot, values)
    signatures = flat.reshape(len(bodies), _BINS)
    shingles = np.maximum(lengths - (SHINGLE_CHARS - 1), np.minimum(lengths, 1)).astype(np.int32)
    starts = ends - lengths
    for i in np.flatnonzero((lengths > 0) & (lengths < SHINGLE_CHARS)):
        # A text shorter than one shingle is one shingle: the same polynomial over what there is.
        value = np.zeros(1, dtype=np.uint32)
        with np.errstate(over="ignore"):
            for point in points[starts[i]:ends[i]]:
                value = (value + point) * _K32
        value = int(_fmix32(value)[0])
        signatures[i, value >> 25] = value & int(_VALUE_MASK)
    for i in np.flatnonzero(lengths > 0):
        if signatures[i].max() == _MAX:
            _densify(signatures[i])
    return signatures, shingles


def _densify(sig: np.ndarray) -> None:
    """Fill the empty bins of one signature in place: each copies the first filled bin of its fixed sequence."""
    filled = sig != _MAX  # real values are 25 bits, never _MAX
    empty = np.flatnonzero(~filled)
    tries = _densify_sequence()[empty]
    hit = filled[tries]
    step = hit.argmax(axis=1)
    source = tries[np.arange(empty.size), step]
    lost = ~hit[np.arange(empty.size), step]
    if lost.any():  # a sequence that meets no filled bin (a text of a handful of shingles): the next filled bin
        nonempty = np.flatnonzero(filled)
        source[lost] = nonempty[np.searchsorted(nonempty, empty[lost]) % nonempty.size]
    sig[empty] = sig[source]


def band_keys_v2(signatures: np.ndarray) -> np.ndarray:
    """``BANDS_V2`` int64 keys per version 2 signature (rows of ``signatures``); band number and version hashed in."""
    rows = np.atleast_2d(signatures)[:, : BANDS_V2 * ROWS].astype(np.uint64).reshape(-1, BANDS_V2, ROWS)
    key = np.broadcast_to(np.arange(BANDS_V2, dtype=np.uint64) + np.uint64(MINHASH_VERSION << 32),
                          rows.shape[:2]).copy()
    with np.errstate(over="ignore"):
        for column in range(ROWS):
            key = key * _M64[0] + rows[:, :, column]
        key = _fmix64(key)
    return key.view(np.int64)


def shingle_set(codes: np.ndarray) -> np.ndarray:
    """``shingle_hashes`` of a normal form given as code points: the exact sets near-duplicates are verified on."""
    return distinct((_shingle_hashes64(codes) >> np.uint64(32)).astype(np.uint32))
