"""Meta-refresh redirects still work when the cheap check lets a page through to Scrapy's."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from spiders.metarefresh import CheapMetaRefreshMiddleware


def _respond(body: str, encoding: str = "utf-8") -> tuple[Request, HtmlResponse]:
    request = Request("https://news.example/a/1")
    return request, HtmlResponse(request.url, body=body.encode(encoding), encoding=encoding, request=request)


def test_a_refresh_tag_redirects_in_utf8_cp949_and_utf16() -> None:
    middleware = CheapMetaRefreshMiddleware.from_crawler(get_crawler(settings_dict={"METAREFRESH_MAXDELAY": 100}))
    for encoding in ("utf-8", "cp949", "utf-16"):
        request, response = _respond('<html><head><META HTTP-EQUIV="Refresh" content="0; url=/a/2">'
                                     "<title>이동</title></head><body>기사</body></html>", encoding)
        redirected = middleware.process_response(request, response)
        # (Scrapy itself appends a stray "?%FF%FE" to the UTF-16 one: its behaviour, not ours.)
        assert isinstance(redirected, Request) and redirected.url.startswith("https://news.example/a/2"), encoding


def test_a_page_without_one_is_passed_on_unchanged() -> None:
    middleware = CheapMetaRefreshMiddleware.from_crawler(get_crawler())
    request, response = _respond("<html><head><title>기사</title></head><body>" + "본문 " * 5000 + "</body></html>")
    assert middleware.process_response(request, response) is response
