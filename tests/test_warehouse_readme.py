"""Every SQL query in the README's warehouse section runs against a loaded database and returns rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from warehouse.db import connect
from warehouse.load import load_run

README = Path(__file__).resolve().parents[1] / "README.md"
_SECTION = README.read_text(encoding="utf-8").split("\n## The warehouse\n", 1)[1].split("\n## ", 1)[0]
QUERIES = re.findall(r"```sql\n(.*?)```", _SECTION, flags=re.DOTALL)


def test_the_readme_has_its_five_queries() -> None:
    assert len(QUERIES) == 5


@pytest.mark.parametrize("query", QUERIES, ids=[q.splitlines()[0][:40] for q in QUERIES])
def test_readme_query_returns_rows(
    migrated_url: str,
    make_article: Callable[..., dict[str, Any]],
    make_manifest: Callable[..., dict[str, Any]],
    query: str,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    recent = {"published_at": (now - timedelta(hours=2)).isoformat(), "fetched_at": now.isoformat()}
    first = [make_article(n, **recent) for n in range(1, 4)]
    second = [make_article(1, url="https://m.mk.co.kr/news/economy/11200001", **recent)]
    with connect(migrated_url) as conn:
        load_run(conn, make_manifest("run-1", first, started_at=now.isoformat()), {}, first)
        load_run(conn, make_manifest("run-2", second, started_at=now.isoformat()), {}, second)
        rows = conn.execute(query).fetchall()
    assert rows, f"no rows from:\n{query}"
