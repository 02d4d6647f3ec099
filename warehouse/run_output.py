"""Check a crawl run's output (its manifest and ``Article.to_record()`` dicts) and shape it for loading.

Nothing here touches the database: every check fails with a ``LoadError`` naming the run,
the record's URL and the field, before any row could be written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from psycopg.types.json import Jsonb

CONTENT_HASH = re.compile(r"^v(\d{1,4}):[0-9a-fA-F]+$")
# Scrapy stats hold datetimes; keep them as ISO strings rather than refuse the run.
dumps = partial(json.dumps, default=str, ensure_ascii=False)

# Staging columns and their COPY types, in COPY order.
STAGING_COLUMNS = (
    ("ordinal", "int4"), ("url", "text"), ("content_hash", "text"), ("hash_version", "int2"),
    ("publisher", "text"), ("canonical_url", "text"), ("original_url", "text"), ("title", "text"),
    ("summary", "text"), ("body", "text"), ("authors", "text[]"), ("authors_raw", "text[]"),
    ("published_at", "timestamptz"), ("published_at_raw", "text"), ("modified_at", "timestamptz"),
    ("modified_at_raw", "text"), ("section", "text"), ("tags", "text[]"), ("images", "jsonb"),
    ("language", "text"), ("rights", "text"), ("rights_reserves_ai", "bool"), ("extractor", "text"),
    ("fetched_at", "timestamptz"), ("http_status", "int4"), ("other_urls", "text[]"),
)


class LoadError(ValueError):
    """The run output cannot be loaded; nothing was written. The message names the record and field."""


@dataclass(frozen=True)
class RunManifest:
    """The parts of a run manifest the loader uses, checked."""

    run_id: str
    source_id: str
    source: dict[str, Any]
    started_at: datetime | None
    finished_at: datetime | None
    output_sha256: str | None
    expected_count: int | None
    manifest: Mapping[str, Any]


def parse_manifest(manifest: Mapping[str, Any], *, require_output: bool) -> RunManifest:
    """Check a run manifest; ``require_output`` demands the articles file's sha256 (needed to load)."""
    run_id = manifest.get("run_id")
    if not isinstance(run_id, str) or not run_id:
        raise LoadError("manifest: 'run_id' is required and must be a non-empty string")
    source = manifest.get("source") or manifest.get("source_id")
    if isinstance(source, str):
        source = {"id": source}
    if not isinstance(source, Mapping) or not isinstance(source.get("id"), str) or not source["id"]:
        raise LoadError(f"manifest of run {run_id!r}: 'source' must be an object with an 'id'")
    output = manifest.get("articles") or {}
    sha256 = output.get("sha256") if isinstance(output, Mapping) else None
    count = output.get("count") if isinstance(output, Mapping) else None
    if require_output and not sha256:
        raise LoadError(f"manifest of run {run_id!r}: 'articles.sha256' is required to load a run")
    if count is not None and not isinstance(count, int):
        raise LoadError(f"manifest of run {run_id!r}: 'articles.count' must be an integer")
    drops = manifest.get("drops") or {}
    if not isinstance(drops, Mapping) or not all(isinstance(v, int) for v in drops.values()):
        raise LoadError(f"manifest of run {run_id!r}: 'drops' must map reasons to integer counts")
    where = f"manifest of run {run_id!r}"
    return RunManifest(
        run_id=run_id,
        source_id=source["id"],
        source=dict(source),
        started_at=timestamp(manifest.get("started_at"), where, "started_at"),
        finished_at=timestamp(manifest.get("finished_at"), where, "finished_at"),
        output_sha256=sha256,
        expected_count=count,
        manifest=manifest,
    )


def timestamp(value: Any, where: str, name: str) -> datetime | None:
    """An ISO 8601 string with a UTC offset as a datetime; ``LoadError`` naming ``where`` and ``name`` if not."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise LoadError(f"{where}: {name} {value!r} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        # A naive time would silently take the session's time zone.
        raise LoadError(f"{where}: {name} {value!r} has no UTC offset")
    return parsed


def staging_row(ordinal: int, record: Mapping[str, Any], run: RunManifest) -> tuple[Any, ...]:
    """One ``Article.to_record()`` dict as a row of ``STAGING_COLUMNS``, or ``LoadError`` naming URL and field."""
    if not isinstance(record, Mapping):
        raise LoadError(f"run {run.run_id!r}: record {ordinal} is not an object")
    url = record.get("url")
    if not isinstance(url, str) or not url:
        raise LoadError(f"run {run.run_id!r}: record {ordinal} has no 'url'")
    where = f"run {run.run_id!r}: article {url}"

    def text(name: str, *, required: bool = False) -> str | None:
        value = record.get(name)
        if value is None or value == "":
            if required:
                raise LoadError(f"{where}: '{name}' is missing or empty")
            return None
        if not isinstance(value, str):
            raise LoadError(f"{where}: '{name}' must be a string, not {type(value).__name__}")
        return value

    def strings(name: str) -> list[str]:
        value = record.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise LoadError(f"{where}: '{name}' must be a list of strings")
        return value

    source = record.get("source")
    if source is not None and source != run.source_id:
        raise LoadError(f"{where}: 'source' is {source!r} but the run is of source {run.source_id!r}")
    content_hash = text("content_hash", required=True)
    match = CONTENT_HASH.match(content_hash)
    if not match:
        raise LoadError(f"{where}: 'content_hash' {content_hash!r} is not 'v<version>:<hex>'")
    images = record.get("images") or []
    if not isinstance(images, list) or not all(isinstance(i, Mapping) and i.get("url") for i in images):
        raise LoadError(f"{where}: 'images' must be a list of {{url, caption}} objects")
    http_status = record.get("http_status")
    if http_status is not None and not isinstance(http_status, int):
        raise LoadError(f"{where}: 'http_status' must be an integer")
    fetched_at = timestamp(record.get("fetched_at"), where, "fetched_at") or run.started_at
    if fetched_at is None:
        raise LoadError(f"{where}: 'fetched_at' is missing and the manifest has no started_at")
    return (
        ordinal, url, content_hash, int(match.group(1)),
        text("publisher"), text("canonical_url"), text("original_url"), text("title", required=True),
        text("summary"), text("body", required=True), strings("authors"), strings("authors_raw"),
        timestamp(record.get("published_at"), where, "published_at"), text("published_at_raw"),
        timestamp(record.get("modified_at"), where, "modified_at"), text("modified_at_raw"),
        text("section"), strings("tags"), Jsonb(images, dumps=dumps),
        text("language"), text("rights"), bool(record.get("rights_reserves_ai")), text("extractor"),
        fetched_at, http_status, strings("other_urls"),
    )
