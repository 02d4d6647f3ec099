"""The page log keeps every fetched page, in order, however often it is read."""

from __future__ import annotations

from spiders.pagelog import PageLog


def test_pages_come_back_in_order_and_appends_go_on_after_a_read() -> None:
    log = PageLog()
    log.append({"url": "https://news.example/1", "title": "첫 기사", "status": 200})
    log.append({"url": "https://news.example/2", "lastmod": None})
    assert len(log) == 2
    assert [p["url"] for p in log] == ["https://news.example/1", "https://news.example/2"]
    log.append({"url": "https://news.example/3"})
    pages = list(log)
    assert [p["url"] for p in pages] == ["https://news.example/1", "https://news.example/2", "https://news.example/3"]
    assert pages[0]["title"] == "첫 기사" and pages[1]["lastmod"] is None
    log.close()


def test_an_empty_log_reads_as_nothing() -> None:
    log = PageLog()
    assert len(log) == 0 and list(log) == []
    log.close()
