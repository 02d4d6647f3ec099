"""Every SQL query in docs/dedup.md runs against a loaded warehouse and returns rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipelines.fingerprint import content_hash
from warehouse.db import connect
from warehouse.load import load_run

DOC = Path(__file__).resolve().parents[1] / "docs" / "dedup.md"
QUERIES = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
MK_URL = "https://www.mk.co.kr/news/it/11490001"
PARAGRAPHS = [
    "배경훈 부총리 겸 과학기술정보통신부 장관이 인공지능 거품은 없다며 독자 AI 모델 확보에 속도를 내겠다고 강조했다.",
    "배 부총리는 15일 기자간담회에서 기업 입장에서는 투자가 많이 들어가다 보니 AI의 효용성에 관한 이야기가 많았다.",
    "그는 이어 정부 의지와 투자만으로는 강국을 만들 수 없다며 엔비디아 GPU 26만장 확보의 의미를 설명했다.",
    "배 부총리는 올해를 돌아보며 AI 3강의 기반을 다지는 해였다며 내년 연구개발 예산을 확보했다고 밝혔다.",
]


def test_the_doc_has_its_queries() -> None:
    assert len(QUERIES) == 5


@pytest.mark.parametrize("query", QUERIES, ids=[q.split("FROM")[1].split()[0] for q in QUERIES])
def test_doc_query_returns_rows(
    migrated_url: str, make_article: Callable[..., dict[str, Any]], make_manifest: Callable[..., dict[str, Any]],
    query: str,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)

    def article(source: str, url: str, body: str, fetched: datetime, **fields: Any) -> dict[str, Any]:
        fields.setdefault("published_at", (now - timedelta(hours=3)).isoformat())
        return make_article(1, source=source, url=url, body=body, content_hash=content_hash(body),
                            fetched_at=fetched.isoformat(), **fields)

    body = "\n\n".join(PARAGRAPHS)
    runs = [
        ("mk-1", "mk", [article("mk", MK_URL, body, now - timedelta(hours=2))]),
        ("board-1", "board", [article("board", "https://board.example/view/1215", body + "\n\n▲ 사진 [사진=연합뉴스]",
                                      now - timedelta(hours=2), extractor="daum", published_at=None)]),
        ("mk-2", "mk", [article("mk", MK_URL, body + "\n\n(2보) 정부는 예산을 늘린다.", now - timedelta(hours=1),
                                modified_at=now.isoformat(), modified_at_raw="수정 오늘")]),
    ]
    with connect(migrated_url) as conn:
        for run_id, source, records in runs:
            manifest = make_manifest(run_id, records, source={"id": source, "name": source},
                                     started_at=now.isoformat())
            load_run(conn, manifest, {}, records)
        rows = conn.execute(query).fetchall()
    assert rows, f"no rows from:\n{query}"
