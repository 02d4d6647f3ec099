"""Warehouse connections: where the database URL comes from, and how to name it without its password."""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

DATABASE_URL_ENV = "NEWSFLOW_DATABASE_URL"
APPLICATION_NAME = "newsflow"
_CONNINFO_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"((?:^|&)password=)[^&]*", re.IGNORECASE)


class DatabaseConfigError(RuntimeError):
    """No database URL was given; the message says what to set."""


def database_url(explicit: str | None = None) -> str:
    """The warehouse URL: ``explicit`` when given, else ``$NEWSFLOW_DATABASE_URL``."""
    url = explicit or os.environ.get(DATABASE_URL_ENV, "").strip()
    if not url:
        raise DatabaseConfigError(
            f"no warehouse database configured: set {DATABASE_URL_ENV} "
            "(e.g. postgresql://newsflow@127.0.0.1:5432/newsflow) or pass the URL explicitly"
        )
    return url


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***``, for messages and logs (URL or key=value form)."""
    if "://" not in url:
        return _CONNINFO_PASSWORD.sub(r"\1***", url)
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{hostport}"
    query = _QUERY_PASSWORD.sub(r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def connect(url: str, **kwargs: Any) -> psycopg.Connection:
    """Open an autocommit connection, so that each ``with conn.transaction()`` block is one real transaction.

    Extra keyword arguments go to ``psycopg.connect`` (``connect_timeout=2``, ``row_factory=...``).
    """
    kwargs.setdefault("autocommit", True)
    kwargs.setdefault("application_name", APPLICATION_NAME)
    try:
        return psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as exc:
        # libpq's message names host and port but not the database URL we were given.
        raise psycopg.OperationalError(f"cannot connect to {redact(url)}: {exc}") from exc
