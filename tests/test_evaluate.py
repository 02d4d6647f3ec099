"""``newsflow evaluate``: its metric rules, the tool on a tiny corpus built here, and the corpus floors.

The floors gate the committed numbers of docs/extraction.md: a verified site parser (or the
generic path) that falls below them fails the run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from newsflow import evaluate
from newsflow.evaluate import (
    METRICS,
    Extracted,
    bigram_f1,
    date_matches,
    fold,
    gold_authors,
    score_page,
    site_key,
    summary_in_gold,
    title_matches,
    token_prf,
)

REPO = Path(__file__).resolve().parents[1]

# --- metrics ----------------------------------------------------------------------------------------


def test_fold_composes_hangul_and_folds_spaces() -> None:
    decomposed = unicodedata.normalize("NFD", "한국일보")
    assert decomposed != "한국일보"
    assert fold(f"  {decomposed}\u00a0\n 기사\t") == "한국일보 기사"


def test_token_prf_of_known_strings() -> None:
    assert token_prf("a b c d", "a b c e") == (0.75, 0.75, 0.75)
    precision, recall, f1 = token_prf("a a b", "a b b c")
    assert (precision, recall) == (2 / 3, 0.5) and f1 == pytest.approx(4 / 7)
    assert token_prf("", "a b") == (0.0, 0.0, 0.0)
    assert token_prf("", "") == (1.0, 1.0, 1.0)


def test_token_prf_is_a_bag_not_a_sequence_and_ignores_line_breaks() -> None:
    assert token_prf("둘째 문단.\n\n첫 문단.", "첫 문단.\n둘째 문단.")[2] == 1.0


def test_bigram_f1_ignores_spacing_that_token_f1_punishes() -> None:
    assert token_prf("대한 민국", "대한민국")[2] == 0.0
    assert bigram_f1("대한 민국", "대한민국") == 1.0
    assert bigram_f1("abc", "abd") == 0.5


def test_title_match_unescapes_gold_entities_and_folds_spaces() -> None:
    assert title_matches('"밤 깎게 칼 좀 주세요"', "&#34;밤 깎게 칼 좀 주세요&#34;")
    assert title_matches("장동혁 ... 커졌다", "장동혁\u00a0... 커졌다")
    assert not title_matches("제목 - 조선일보", "제목")
    assert title_matches("anything", None) is None


@pytest.mark.parametrize(("ours", "gold", "expected"), [
    ("2023-04-20T13:17:00+09:00", "2023-04-20T13:17:59+09:00", True),  # same minute
    ("2023-04-20T13:18:00+09:00", "2023-04-20T13:17:00+09:00", False),
    ("2023-04-07T19:11:00+09:00", "2023-04-07T10:11:02.613Z", True),  # same instant, other offset
    ("2023-04-04T10:02:00+00:00", "2023-04-04T19:02", True),  # gold without offset is KST
    ("2023-04-04T19:02:00+00:00", "2023-04-04T19:02", False),
    ("2026-01-29T18:40:00+09:00", "2026-01-29 18:40:00", True),
    ("2023-11-02T20:06:13+09:00", "2023-11-02", True),  # gold gives a day: same day
    ("2023-11-03T00:30:00+09:00", "2023-11-02", False),  # the next day in the page's own zone
    ("2023-04-07", "2023-04-06T20:00:00Z", True),  # our day against a gold instant, read in KST
    (None, "2023-11-02", False),
    ("not a date", "2023-11-02", False),
    ("2023-11-02T20:06:13+09:00", None, None),  # no gold: not judged
])
def test_date_matching_rules(ours: str | None, gold: str | None, expected: bool | None) -> None:
    assert date_matches(ours, gold) is expected


def test_gold_authors_normalised_like_ours_and_blank_or_outlet_golds_left_out() -> None:
    assert gold_authors(["\r\n                                    "]) == []
    assert gold_authors(["SBS NEWS"]) == [] and gold_authors(["iMBC 연예"]) == []
    assert gold_authors(["박준석 기자 외 1명"]) == ["박준석"]
    assert gold_authors(["한지연 기자", "kim@sbs.co.kr"]) == ["한지연"]
    assert gold_authors(["Kimber Streams"]) == ["Kimber Streams"]


def test_summary_counts_only_where_the_gold_merged_it() -> None:
    gold = "李 여수, 순천 유세\"국민끼리 싸우는 시대 끝내겠다\" 선언\n이틀간의 영남 공략을 마친"
    assert summary_in_gold("李 여수, 순천 유세\n\"국민끼리 싸우는 시대 끝내겠다\" 선언", gold)
    assert not summary_in_gold("다른 부제", gold)
    assert not summary_in_gold(None, gold)


def gold_record(**fields: Any) -> dict[str, Any]:
    record = {"id": "x/1", "file": "pages/x/1.html", "site": "x", "url": "https://x/1", "lang": "ko",
              "title": "제목", "body": ["첫 문단이다.", "둘째 문단이다."], "published": "2025-01-01T09:00:00+09:00",
              "authors": ["홍길동 기자"], "gold": "hand-checked"}
    return {**record, **fields}


def test_score_page_full_marks_and_summary_rule() -> None:
    got = Extracted(title="제목", summary="부제", body="첫 문단이다.\n\n둘째 문단이다.",
                    published="2025-01-01T00:00:00+00:00", authors=["홍길동"], ms=2.0)
    score = score_page(gold_record(), got)
    assert (score.title, score.body, score.bigram, score.date, score.authors) == (True, (1.0, 1.0, 1.0), 1.0,
                                                                                  True, (1, 1))
    merged = score_page(gold_record(body=["부제", "첫 문단이다.", "둘째 문단이다."]), got)
    assert merged.body == (1.0, 1.0, 1.0)


def test_a_page_the_crawl_would_drop_scores_nothing() -> None:
    got = Extracted(title="제목", body="첫 문단이다.", published="2025-01-01T09:00:00+09:00", kept=False)
    score = score_page(gold_record(), got)
    assert (score.title, score.body, score.date, score.authors) == (False, (0.0, 0.0, 0.0), False, (0, 1))


def test_wcxb_rows_and_body_only_on_article_pages() -> None:
    assert site_key(gold_record(site="wcxb", page_type="article")) == "wcxb/article"
    assert site_key(gold_record(site="wcxb", page_type="forum")) == "wcxb/other"
    forum = score_page(gold_record(site="wcxb", page_type="forum"), Extracted(title="제목", body="첫 문단이다."))
    assert forum.body is None and forum.title is True


# --- the tool on a corpus built here ---------------------------------------------------------------

PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8">
<title>{title} - 테스트일보</title><meta property="og:site_name" content="테스트일보">
<meta property="article:published_time" content="{published}"><meta name="author" content="{author} 기자">
</head><body><nav><a href="/">홈</a> <a href="/politics">정치</a></nav><article><h1>{title}</h1>
{paragraphs}</article><footer>Copyright © 테스트일보. 무단 전재 금지</footer></body></html>"""
SENTENCES = ["서울시가 내년부터 시내버스 노선을 새로 짠다고 밝혔다.",
             "시는 출퇴근 시간대 혼잡 구간에 버스를 더 넣고 심야 노선도 늘리기로 했다.",
             "시민 의견 수렴은 다음 달 말까지 이어진다."]


def write_corpus(root: Path) -> Path:
    """Two gold pages (one with a wrong gold title) and one page without gold, in the corpus layout."""
    records = []
    for n, (title, gold_title) in enumerate([("버스 노선 개편", "버스 노선 개편"), ("심야 버스 확대", "다른 제목")], 1):
        html = PAGE.format(title=title, published=f"2025-0{n}-10T08:30:00+09:00", author="김기자",
                           paragraphs="".join(f"<p>{s}</p>" for s in SENTENCES))
        path = root / "pages" / "test.example" / f"{n}.html.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(html.encode("utf-8")))
        records.append({"id": f"test.example/{n}", "file": path.relative_to(root).as_posix(), "site": "test.example",
                        "url": f"https://test.example/news/{n}", "lang": "ko", "title": gold_title,
                        "body": SENTENCES, "published": f"2025-0{n}-10 08:30", "authors": ["김기자 기자"],
                        "gold": "hand-checked"})
    (root / "pages" / "test.example" / "untracked.html").write_text("<html><body><p>목록</p></body></html>")
    (root / "gold.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return root


def test_tool_on_a_tiny_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    out = tmp_path / "scores.json"
    assert evaluate.main([str(corpus), "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert set(result) == {"overall", "sites"}
    assert set(result["sites"]) == {"test.example"}
    site = result["sites"]["test.example"]
    assert list(site) == list(METRICS)
    # Three pages: two with gold, one only timed; one gold title is wrong on purpose.
    assert site["pages"] == 3 and site["title_exact"] == 0.5
    assert (site["body_f1"], site["body_f1_bigram"], site["date_accuracy"], site["author_recall"]) == (1, 1, 1, 1)
    assert site["ms_per_page"] > 0
    assert result["overall"] == site
    printed = capsys.readouterr().out
    assert "site parsers on" in printed and "test.example" in printed


def test_tool_generic_flag_and_site_filter(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    out = tmp_path / "scores.json"
    assert evaluate.main([str(corpus), "--generic", "--site", "test.example", "--repeat", "2", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["sites"]["test.example"]["body_f1"] == 1.0
    assert evaluate.main([str(corpus), "--site", "nowhere.example"]) == 2


def test_tool_compares_trafilatura_in_the_same_shape(tmp_path: Path) -> None:
    pytest.importorskip("trafilatura")
    corpus = write_corpus(tmp_path / "corpus")
    out = tmp_path / "scores.json"
    assert evaluate.main([str(corpus), "--compare", "trafilatura", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert set(result) == {"overall", "sites", "trafilatura"}
    assert set(result["trafilatura"]) == {"overall", "sites"}
    assert list(result["trafilatura"]["sites"]["test.example"]) == list(METRICS)


def test_missing_corpus_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert evaluate.main([str(tmp_path)]) == 2
    assert "no gold.jsonl" in capsys.readouterr().err


def test_add_parser_wires_a_subcommand(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser(prog="newsflow")
    evaluate.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["evaluate", str(tmp_path), "--generic"])
    assert args.handler is evaluate.run and args.generic and args.compare is None


def test_runs_as_a_module(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    done = subprocess.run([sys.executable, "-m", "newsflow.evaluate", str(corpus)], capture_output=True, text=True,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "test.example" in done.stdout


# --- floors on the shared corpus -------------------------------------------------------------------

# A little under docs/extraction.md's measured values (2 cores). Site parsers on, per site:
# (title exact, body token F1, date accuracy, author recall).
SITE_FLOORS: dict[str, tuple[float, float, float, float]] = {
    "news.sbs.co.kr": (0.98, 0.985, 0.98, 0.95),
    "imnews.imbc.com": (0.98, 0.985, 0.98, 0.95),
    "mbn.co.kr": (0.98, 0.99, 0.98, 0.95),
    "chosun.com": (0.98, 0.98, 0.98, 0.95),
    "hankookilbo.com": (0.98, 0.985, 0.98, 0.95),
    "mk.co.kr": (0.98, 0.985, 0.98, 0.95),
}
# Generic path alone (site parsers off): body token F1 per row.
GENERIC_FLOORS: dict[str, float] = {
    "news.sbs.co.kr": 0.99, "imnews.imbc.com": 0.985, "mbn.co.kr": 0.985, "mk.co.kr": 0.98, "wcxb/article": 0.94,
}


def corpus_dir() -> Path:
    return Path(os.environ.get("NEWSFLOW_CORPUS") or REPO.parent / "shared" / "corpus")


def corpus_report(site_parsers: bool, sites: set[str]) -> dict[str, Any]:
    corpus = corpus_dir()
    if not (corpus / "gold.jsonl").is_file():
        pytest.skip(f"corpus not found at {corpus} (set NEWSFLOW_CORPUS)")

    def ours(page: bytes, url: str) -> Extracted:
        return evaluate.run_ours(page, url, site_parsers=site_parsers)

    scores = [s for site in sorted(sites) for s in evaluate.evaluate(corpus, {"ours": ours}, site)["ours"]]
    return evaluate.report(scores)["sites"]


@pytest.mark.corpus
def test_verified_site_parsers_hold_their_floors() -> None:
    sites = corpus_report(True, set(SITE_FLOORS))
    below = {
        site: {name: (sites[site][name], floor) for name, floor in zip(
            ("title_exact", "body_f1", "date_accuracy", "author_recall"), floors, strict=True)
            if sites[site][name] is None or sites[site][name] < floor}
        for site, floors in SITE_FLOORS.items()
    }
    assert {site: fails for site, fails in below.items() if fails} == {}


@pytest.mark.corpus
def test_generic_path_holds_its_floors() -> None:
    sites = corpus_report(False, set(GENERIC_FLOORS))
    measured = {site: sites[site]["body_f1"] for site in GENERIC_FLOORS}
    assert {site: f1 for site, f1 in measured.items() if f1 < GENERIC_FLOORS[site]} == {}, measured
