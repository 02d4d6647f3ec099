"""What a crawl reads from (and spends in) the warehouse: seen URLs, feed/sitemap validators, the request budget.

The crawl only reads the seen-URL state and the validators; the load writes them, in the
same transaction as the run's articles (``warehouse/state.py``), so a run whose load failed
never marks its pages as seen. The daily request budget is the exception: requests were sent
whether or not the load succeeds, so the crawl spends it here as it goes, in blocks, with a
row lock so that concurrent shards of one source share one budget.

Without a database (plain ``scrapy crawl`` with no ``NEWSFLOW_DATABASE_URL``) ``NoState``
answers: nothing is seen, no validator is known, and the budget lasts for this run only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol


class CrawlState(Protocol):
    persistent: bool

    def seen(self, source_id: str, urls: list[str]) -> dict[str, datetime | None]:
        """The URLs among ``urls`` fetched by an earlier loaded run, with the date discovery listed then."""

    def validators(self, source_id: str, urls: list[str]) -> dict[str, dict[str, Any]]:
        """Stored ``etag``, ``last_modified`` and ``listed_lastmod`` of discovery documents among ``urls``."""

    def reserve(self, source_id: str, day: date, wanted: int, budget: int) -> int:
        """Take up to ``wanted`` requests of the day's ``budget``; return how many were granted."""

    def release(self, source_id: str, day: date, unused: int) -> None:
        """Give back reserved requests the crawl did not send."""

    def used(self, source_id: str, day: date) -> int:
        """Requests already spent on ``day``."""

    def close(self) -> None: ...


class NoState:
    """No warehouse: incremental crawling is off and the budget is per run."""

    persistent = False

    def __init__(self) -> None:
        self._spent: dict[tuple[str, date], int] = {}

    def seen(self, source_id: str, urls: list[str]) -> dict[str, datetime | None]:
        return {}

    def validators(self, source_id: str, urls: list[str]) -> dict[str, dict[str, Any]]:
        return {}

    def reserve(self, source_id: str, day: date, wanted: int, budget: int) -> int:
        used = self._spent.get((source_id, day), 0)
        granted = max(0, min(wanted, budget - used))
        self._spent[(source_id, day)] = used + granted
        return granted

    def release(self, source_id: str, day: date, unused: int) -> None:
        self._spent[(source_id, day)] = self._spent.get((source_id, day), 0) - unused

    def used(self, source_id: str, day: date) -> int:
        return self._spent.get((source_id, day), 0)

    def close(self) -> None:
        pass


class PostgresState:
    """The state kept in the warehouse's tables ``seen_urls``, ``discovery_documents`` and ``request_budget``."""

    persistent = True

    def __init__(self, database_url: str) -> None:
        from newsflow.schema import ensure_schema
        from warehouse.db import connect

        self.conn = connect(database_url, connect_timeout=10)
        # A first crawl may run before any load created the tables; a loader role without DDL
        # rights needs none when they exist.
        ensure_schema(self.conn)

    def seen(self, source_id: str, urls: list[str]) -> dict[str, datetime | None]:
        if not urls:
            return {}
        rows = self.conn.execute(
            "SELECT url, lastmod FROM seen_urls WHERE source_id = %s AND url = ANY(%s)", (source_id, urls)
        ).fetchall()
        return dict(rows)

    def validators(self, source_id: str, urls: list[str]) -> dict[str, dict[str, Any]]:
        if not urls:
            return {}
        rows = self.conn.execute(
            "SELECT url, etag, last_modified, listed_lastmod FROM discovery_documents"
            " WHERE source_id = %s AND url = ANY(%s)", (source_id, urls)
        ).fetchall()
        return {url: {"etag": etag, "last_modified": modified, "listed_lastmod": listed}
                for url, etag, modified, listed in rows}

    def reserve(self, source_id: str, day: date, wanted: int, budget: int) -> int:
        with self.conn.transaction():
            self.conn.execute(
                "INSERT INTO request_budget (source_id, day, requests, budget) VALUES (%s, %s, 0, %s)"
                " ON CONFLICT (source_id, day) DO NOTHING", (source_id, day, budget))
            (used,) = self.conn.execute(
                "SELECT requests FROM request_budget WHERE source_id = %s AND day = %s FOR UPDATE", (source_id, day)
            ).fetchone()
            granted = max(0, min(wanted, budget - used))
            self.conn.execute(
                "UPDATE request_budget SET requests = requests + %s, budget = %s, updated_at = now()"
                " WHERE source_id = %s AND day = %s", (granted, budget, source_id, day))
        return granted

    def release(self, source_id: str, day: date, unused: int) -> None:
        if unused > 0:
            self.conn.execute(
                "UPDATE request_budget SET requests = greatest(requests - %s, 0), updated_at = now()"
                " WHERE source_id = %s AND day = %s", (unused, source_id, day))

    def used(self, source_id: str, day: date) -> int:
        row = self.conn.execute(
            "SELECT requests FROM request_budget WHERE source_id = %s AND day = %s", (source_id, day)).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.conn.close()


def open_state(database_url: str | None) -> CrawlState:
    """``PostgresState`` when a warehouse URL is given, else ``NoState``."""
    return PostgresState(database_url) if database_url else NoState()
