"""The article pages a crawl fetched, kept on disk until the run output needs them.

``state.json`` lists every page a run fetched (the load turns it into the seen-URL state). Held
in memory, a record per page made a crawl's memory grow with its size (about 0.9 KB a page,
measured by ``benchmarks/memory.py``); spooled to a temporary file, memory stays flat.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import Any


class PageLog:
    """Append-only JSON lines in an anonymous temporary file; iterate to read them back in order."""

    def __init__(self) -> None:
        # Removed by the OS however the crawl ends; open for the crawl's life, closed by close().
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        self._count = 0

    def append(self, page: dict[str, Any]) -> None:
        self._file.write(json.dumps(page, ensure_ascii=False).encode("utf-8") + b"\n")
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self._file.flush()
        self._file.seek(0)
        try:
            for _, line in zip(range(self._count), self._file, strict=False):
                yield json.loads(line)
        finally:
            self._file.seek(0, 2)  # appends go on at the end

    def close(self) -> None:
        self._file.close()
