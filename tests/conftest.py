"""Shared pytest fixtures.

Warehouse fixtures run against a real PostgreSQL server, found by
``warehouse.server.find_postgres``: ``$NEWSFLOW_PG_ADMIN_URL``, else a server on
127.0.0.1:5432, else an embedded one kept in ``<repo>/.data/pg-test``.

- ``pg_admin_url`` (session): admin URL of that server.
- ``database_url``: a new empty database ``newsflow_test_<8 hex>``, dropped after the test; before
  that, a warehouse in it must have no row naming a run or source it lacks
  (``warehouse.integrity``: the check that replaced those foreign keys runs after every test),
  and every stored LSH key must be in its week's filter (``warehouse.lsh_filters.unfiltered_keys``).
- ``migrated_url``: the same with the warehouse migrations applied.
- ``make_article`` / ``make_manifest``: build run output as the crawl writes it
  (``Article.to_record()`` dicts and the run manifest) for loader tests.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from newsflow.items import Article, Image
from warehouse.migrate import apply_migrations
from warehouse.server import create_database, drop_database, find_postgres

REPO = Path(__file__).resolve().parents[1]
_VOCABULARY = ("반도체 수출 금리 환율 부동산 주식 예산 국회 정부 노조 파업 인공지능 기업 투자 물가 고용 선거 "
               "외교 안보 교육 의료 기후 에너지 원전 배터리 자동차 조선 철강 유통 관광 항공 철도 통신 게임 "
               "영화 음악 스포츠 야구 축구 농업 어업 건설 금융 보험 은행 증권 코인 플랫폼 스타트업")
_WORDS = _VOCABULARY.split(" ")


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    return find_postgres(REPO / ".data" / "pg-test")


@pytest.fixture
def database_url(pg_admin_url: str) -> Iterator[str]:
    name = f"newsflow_test_{uuid.uuid4().hex[:8]}"
    url = create_database(pg_admin_url, name)
    try:
        yield url
        problems = _integrity_problems(url)
        assert not problems, "; ".join(problems)
    finally:
        drop_database(pg_admin_url, name)


def _integrity_problems(url: str) -> list[str]:
    """What ``newsflow integrity`` reports, for each check whose tables the test left in the warehouse."""
    import psycopg

    from warehouse.db import connect
    from warehouse.integrity import PROVENANCE, dangling_references
    from warehouse.lsh_filters import unfiltered_keys

    provenance = {t for table, _, target, _ in PROVENANCE for t in (table, target)}
    filters = {"lsh_week_filters", "article_lsh_keys"}
    try:
        conn = connect(url, connect_timeout=5)
    except psycopg.OperationalError:
        return []  # a test that stopped or broke the server checks what it needs itself
    with conn:
        present = {name for (name,) in conn.execute(
            "SELECT name FROM unnest(%s::text[]) AS t(name) WHERE to_regclass(name) IS NOT NULL",
            (sorted(provenance | filters),),
        )}
        problems = []
        if provenance <= present and (dangling := dangling_references(conn)):
            problems.append(f"rows name a run or source the warehouse lacks: {dangling}")
        if filters <= present and (unfiltered := unfiltered_keys(conn)):
            problems.append(f"{unfiltered} stored LSH keys are missing from their week's filter")
        return problems


@pytest.fixture
def migrated_url(database_url: str) -> str:
    apply_migrations(database_url)
    return database_url


@pytest.fixture
def make_article() -> Callable[..., dict[str, Any]]:
    """``make_article(n, **fields)``: a record of article ``n`` of source ``mk`` (same ``n``, same hash)."""

    def build(n: int, **fields: Any) -> dict[str, Any]:
        # Distinct wording per n: bodies that differ only in the number would be near-duplicates
        # of each other (character 5-gram Jaccard about 0.6) and cluster into one story.
        words = random.Random(n).sample(_WORDS, k=12)
        body = fields.pop("body", None) or (
            f"기사 {n} 본문입니다. 반도체 수출이 늘었다. {' '.join(words[:6])}.\n\n"
            f"Paragraph {n}: {' '.join(words[6:])}."
        )
        values: dict[str, Any] = {
            "url": f"https://www.mk.co.kr/news/economy/{11200000 + n}",
            "source": "mk",
            "title": f"기사 제목 {n}",
            "canonical_url": None,
            "publisher": "매일경제",
            "summary": None,
            "body": body,
            "authors": ["홍길동"],
            "authors_raw": ["홍길동 기자"],
            "published_at": "2026-11-27T10:00:00+09:00",
            "published_at_raw": "입력 2026-11-27 10:00",
            "section": "경제",
            "tags": ["반도체"],
            "images": [Image(url=f"https://img.mk.co.kr/{n}.jpg", caption="사진 설명")],
            "language": "ko",
            "rights": "무단 전재, 재배포 및 AI학습 이용 금지",
            "rights_reserves_ai": True,
            "fetched_at": "2026-11-27T01:00:00+00:00",
            "http_status": 200,
            "content_hash": "v1:" + hashlib.sha256(body.encode()).hexdigest(),
            "extractor": "mk.co.kr",
            "discovery": {"via": "feed"},
        }
        values.update(fields)
        return Article(**values).to_record()

    return build


@pytest.fixture
def make_manifest() -> Callable[..., dict[str, Any]]:
    """``make_manifest(run_id, records, **fields)``: the manifest a crawl writes beside its articles file."""

    def build(run_id: str, records: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
        lines = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
        manifest: dict[str, Any] = {
            "format": "newsflow-run/1",
            "run_id": run_id,
            "source": {"id": "mk", "name": "매일경제", "publisher": "매일경제", "homepage": "https://www.mk.co.kr/"},
            "started_at": "2026-11-27T00:59:00+00:00",
            "finished_at": "2026-11-27T01:05:00+00:00",
            "finish_reason": "finished",
            "dry_run": False,
            "params": {"max_articles": 200},
            "articles": {
                "file": "articles.jsonl",
                "count": len(records),
                "sha256": hashlib.sha256(lines.encode()).hexdigest(),
            },
            "drops": {"not_article": 2, "duplicate_in_run": 1},
            "verdict": {"ok": True, "problems": []},
            "output_uri": f"file:///runs/mk/{run_id}/",
        }
        manifest.update(fields)
        return manifest

    return build


@pytest.fixture
def sources_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty source registry folder and run store of this test's own, and no warehouse for crawls."""
    sources = tmp_path / "sources"
    monkeypatch.setenv("NEWSFLOW_SOURCES", str(sources))
    monkeypatch.setenv("NEWSFLOW_RUN_STORE", str(tmp_path / "runs"))
    monkeypatch.delenv("NEWSFLOW_DATABASE_URL", raising=False)
    return sources
