"""Faults the replay server can inject: error statuses, delays, cut connections, gzip bombs, huge bodies, redirects.

``ReplayServer.faults`` is a callable ``(path, attempt) -> Fault | None`` (``attempt`` counts
the requests for that path so far, from 1). ``FlakySite`` answers a fixed share of paths with
faults on their first attempts, so a retry sees the real page; which paths are picked depends
only on the path, so a test knows in advance and reruns see the same site.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class Fault:
    """How to answer one request instead of (or on top of) serving its file."""

    status: int | None = None
    """Answer with this status and a small HTML body (500, 429...)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Extra headers (``Retry-After``) sent with ``status``."""
    delay: float = 0.0
    """Seconds to wait before answering: longer than the client's timeout makes a timeout."""
    cut_body: bool = False
    """Announce the whole file in Content-Length, send half of it, then close the connection."""
    gzip_bomb: int = 0
    """Answer 200 text/html with ``Content-Encoding: gzip`` whose body expands to this many bytes."""
    body_bytes: int = 0
    """Answer 200 text/html with a body of this many bytes."""
    send_length: bool = True
    """With ``body_bytes``: False sends no Content-Length (the client learns the size only by reading)."""
    redirect: str | None = None
    """Answer 302 to this URL."""


def chosen(path: str, share: float, salt: str = "") -> bool:
    """True for about ``share`` of all paths, the same ones every time (a hash of salt and path)."""
    digest = hashlib.sha1((salt + path).encode()).digest()
    return int.from_bytes(digest[:4], "big") < share * 2**32


@dataclass
class FlakySite:
    """Faults for ``share`` of the paths containing ``match``, on their first ``attempts`` requests.

    The faults of ``kinds`` take turns by path; ``attempts`` larger than the client's retries
    makes those pages fail for good.
    """

    share: float
    kinds: Sequence[Fault]
    attempts: int = 1
    match: str = ""
    salt: str = ""

    def __call__(self, path: str, attempt: int) -> Fault | None:
        if self.match not in path or attempt > self.attempts or not chosen(path, self.share, self.salt):
            return None
        return self.kinds[int(hashlib.sha1(path.encode()).hexdigest(), 16) % len(self.kinds)]

    def affected(self, paths: Sequence[str]) -> list[str]:
        """Which of ``paths`` get faults."""
        return [p for p in paths if self.match in p and chosen(p, self.share, self.salt)]


@lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """Gzip bytes (about a thousandth of ``size``) that expand to an HTML page of ``size`` bytes.

    Compressed a megabyte at a time: the server must not hold the expanded page it serves.
    """
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: the gzip container
    head = b"<html><body><p>"
    parts = [deflate.compress(head)]
    chunk = b" " * (1 << 20)
    left = size - len(head)
    while left > 0:
        parts.append(deflate.compress(chunk[:left]))
        left -= len(chunk)
    parts.append(deflate.flush())
    return b"".join(parts)


def filler(size: int, chunk: int = 1 << 16) -> Sequence[bytes]:
    """``size`` bytes of HTML in chunks, to stream without holding them."""
    piece = (b"<p>" + b"x" * (chunk - 7) + b"</p>\n")[:chunk]
    full, rest = divmod(size, chunk)
    return [piece] * full + ([piece[:rest]] if rest else [])
