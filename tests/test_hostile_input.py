"""Hostile and broken pages: each is refused or dropped with a reason, fast, never a crash of extraction."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers import extract
from parsers.guard import MAX_PAGE_BYTES
from pipelines.clean import clean_article

BODY = "본문 문장입니다. " * 40
MK_PAGE = Path(__file__).resolve().parents[1] / "newsflow/demo/site/www.mk.co.kr/news/politics/11333783.html.gz"


def run(html: bytes) -> str:
    article = clean_article(extract(html, "https://x.kr/news/1"))
    return article.page_type


@pytest.mark.parametrize(("html", "expected"), [
    (("<html><body>" + "<div>" * 50_000 + BODY + "</div>" * 50_000 + "</body></html>").encode(), "hostile_markup"),
    (("<html><body>" + "<div><span>" * 30_000 + BODY).encode(), "hostile_markup"),
    (("<html><body><div " + " ".join(f'a{i}="x"' for i in range(50_000)) + f"><p>{BODY}</p></div>").encode(),
     "hostile_markup"),
    (b"<html><body><p>" + b"x" * (MAX_PAGE_BYTES + 1) + b"</p></body></html>", "too_large"),
    (bytes(range(256)) * 400, "undecodable"),
    (("<html><body><p>" + "본문\x00입니다. " * 100 + "</p></body></html>").encode(), "undecodable"),
    ("<html><body><p>한글</p></body></html>".encode() + "한글".encode("cp949") * 200, "undecodable"),
], ids=["deep-nesting", "deep-unclosed", "50k-attributes", "over-5MB", "binary", "nul-bytes", "mixed-charsets"])
def test_refused_with_a_reason(html: bytes, expected: str) -> None:
    assert run(html) == expected


def test_unclosed_and_truncated_markup_still_extracts() -> None:
    page = gzip.decompress(MK_PAGE.read_bytes())
    truncated = clean_article(extract(page[: int(len(page) * 0.6)], "https://www.mk.co.kr/news/politics/11333783"))
    whole = clean_article(extract(page, "https://www.mk.co.kr/news/politics/11333783"))
    assert truncated.title == whole.title and truncated.page_type in ("article", "not_article")
    unclosed = f"<html><head><title>t</title><body><p>one<p>two<div><table><tr><td>{BODY}".encode()
    assert run(unclosed) in ("article", "not_article")


def test_script_and_json_ld_bombs_are_not_articles() -> None:
    assert run(b"<html><body><script>" + b"var a=1;" * 100_000 + b"</script></body></html>") != "article"
    bomb = b'<script type="application/ld+json">' + b"[" * 100_000 + b"]" * 100_000 + b"</script>"
    assert run(b"<html><head>" + bomb + b"</head><body><p>x</p></body></html>") != "article"


def test_escaped_lone_surrogates_and_huge_titles_survive_as_text() -> None:
    article = clean_article(extract(f"<html><head><title>{'제목' * 50_000}</title></head><body>"
                                    f"<article><p>&#xD800; {BODY}</p></article></body></html>".encode(),
                                    "https://x.kr/news/1"))
    assert article.body and "\ud800" not in article.body
    article.body.encode("utf-8")  # valid UTF-8: storable


_TAGS = st.sampled_from(["div", "p", "span", "article", "section", "table", "td", "br", "img", "a", "script",
                         "figure", "figcaption", "meta", "h1", "ul", "li", "iframe", "noscript"])
_PIECE = st.one_of(
    _TAGS.map(lambda t: f"<{t}>"), _TAGS.map(lambda t: f"</{t}>"),
    st.text(min_size=0, max_size=40), st.sampled_from(["<", ">", "&", "&#", "&#x0;", "\"", "<!--", "-->",
                                                       "<![CDATA[", "]]>", "<meta charset=euc-kr>"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECE, max_size=200))
def test_arbitrary_markup_never_crashes(pieces: list[str]) -> None:
    html = "".join(pieces)
    for data in (html.encode("utf-8", errors="surrogatepass"), html.encode("utf-8", errors="replace")):
        article = clean_article(extract(data, "https://x.kr/news/1"))
        article.to_record()
