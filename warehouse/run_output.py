"""Check a crawl run's output (its manifest and ``Article.to_record()`` dicts) and shape it for loading.

Nothing here touches the database: every check fails with a ``LoadError`` naming the run,
the record's URL and the field, before any row could be written.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from newsflow.items import MAX_URL_BYTES

if TYPE_CHECKING:
    from newsflow.runoutput import RunOutput

try:  # msgspec (a dependency of Airflow's) decodes a Korean article line in about 2/3 of json's time
    from msgspec import DecodeError as _DecodeError
    from msgspec.json import Decoder as _Decoder

    _decode = _Decoder().decode
except ImportError:  # pragma: no cover - json alone is correct, only slower
    _DecodeError, _decode = ValueError, json.loads

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


_READ_BLOCK = 1 << 22


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


_TEXT_FIELDS = ("publisher", "canonical_url", "original_url", "summary", "published_at_raw", "modified_at_raw",
                "section", "language", "rights", "extractor")
_ARRAY_HEADER = struct.Struct(">iiiii")
_LENGTH = struct.Struct(">i")
_EMPTY_TEXT_ARRAY = struct.pack(">iii", 0, 0, 25)  # no dimensions, no nulls, element type text (oid 25)


def staging_row(ordinal: int, record: Mapping[str, Any], run: RunManifest) -> tuple[Any, ...]:
    """One ``Article.to_record()`` dict as a row of ``STAGING_COLUMNS``, for ``copy_tuple``.

    Text, arrays and JSON come already in their binary COPY form (bytes); numbers, flags and
    times as Python values.

    Raises ``LoadError`` naming the run, the record's URL and the field for anything that cannot be
    loaded, text PostgreSQL cannot store included (a NUL character, a lone surrogate).
    """
    if not isinstance(record, Mapping):
        raise LoadError(f"run {run.run_id!r}: record {ordinal} is not an object")
    url = record.get("url")
    if not isinstance(url, str) or not url:
        raise LoadError(f"run {run.run_id!r}: record {ordinal} has no 'url'")
    get = record.get
    source = get("source")
    if source is not None and source != run.source_id:
        raise LoadError(f"{_where(run, url)}: 'source' is {source!r} but the run is of source {run.source_id!r}")
    content_hash = get("content_hash")
    if not isinstance(content_hash, str) or not content_hash:
        _text(run, url, record, "content_hash", required=True)
    match = CONTENT_HASH.match(content_hash)
    if not match:
        raise LoadError(f"{_where(run, url)}: 'content_hash' {content_hash!r} is not 'v<version>:<hex>'")
    images = get("images") or []
    if not isinstance(images, list) or not all(isinstance(i, Mapping) and i.get("url") for i in images):
        raise LoadError(f"{_where(run, url)}: 'images' must be a list of {{url, caption}} objects")
    http_status = get("http_status")
    if http_status is not None and not isinstance(http_status, int):
        raise LoadError(f"{_where(run, url)}: 'http_status' must be an integer")
    where = None
    times = []
    for name in ("fetched_at", "published_at", "modified_at"):
        value = get(name)
        if value is None or value == "":
            times.append(None)
        else:
            where = where or _where(run, url)
            times.append(timestamp(value, where, name))
    fetched_at = times[0] or run.started_at
    if fetched_at is None:
        raise LoadError(f"{_where(run, url)}: 'fetched_at' is missing and the manifest has no started_at")
    _check_url_lengths(run, url, record)
    text = {name: _text(run, url, record, name) for name in _TEXT_FIELDS}
    return (
        ordinal, _utf8(run, url, "url", url), _utf8(run, url, "content_hash", content_hash), int(match.group(1)),
        text["publisher"], text["canonical_url"], text["original_url"],
        _text(run, url, record, "title", required=True), text["summary"],
        _text(run, url, record, "body", required=True), _text_array(run, url, record, "authors"),
        _text_array(run, url, record, "authors_raw"), times[1], text["published_at_raw"], times[2],
        text["modified_at_raw"], text["section"], _text_array(run, url, record, "tags"), _jsonb(images),
        text["language"], text["rights"], bool(get("rights_reserves_ai")), text["extractor"],
        fetched_at, http_status, _text_array(run, url, record, "other_urls"),
    )


def _check_url_lengths(run: RunManifest, url: str, record: Mapping[str, Any]) -> None:
    """``LoadError`` for a URL longer than ``MAX_URL_BYTES``: past about 2,700 bytes a URL cannot be
    a B-tree index entry, and PostgreSQL's own error would name neither the article nor the field.
    A crawl never writes one (the validate pipeline drops or clears them, counted)."""
    for name in ("url", "canonical_url", "original_url", "other_urls"):
        value = record.get(name)
        for each in value if isinstance(value, list) else [value]:
            if (isinstance(each, str) and len(each) > MAX_URL_BYTES // 4
                    and len(each.encode("utf-8", "surrogatepass")) > MAX_URL_BYTES):
                raise LoadError(f"{_where(run, url[:200])}: '{name}' is a URL of {len(each)} characters,"
                                f" over the {MAX_URL_BYTES} byte limit")


COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
COPY_TRAILER = b"\xff\xff"
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NULL = struct.pack(">i", -1)
_PACKERS = {"int2": struct.Struct(">ih").pack, "int4": struct.Struct(">ii").pack, "int8": struct.Struct(">iq").pack}


def _time_field(value: datetime) -> bytes:
    return _PACKERS["int8"](8, (value - _PG_EPOCH) // _MICROSECOND)


def _field_encoder(kind: str) -> Callable[[Any], bytes]:
    if kind in _PACKERS:
        size = int(kind[3:])
        return partial(_PACKERS[kind], size)
    if kind == "bool":
        return lambda value: b"\x00\x00\x00\x01\x01" if value else b"\x00\x00\x00\x01\x00"
    if kind == "timestamptz":
        return _time_field
    return lambda value: _LENGTH.pack(len(value)) + value  # already in its binary form (staging_row)


_ROW_HEADER = struct.pack(">h", len(STAGING_COLUMNS))
_ENCODERS = [_field_encoder(kind) for _, kind in STAGING_COLUMNS]


def copy_tuple(row: tuple[Any, ...]) -> bytes:
    """A ``staging_row`` as one tuple of a binary COPY (psycopg's per-field dumpers cost several times more)."""
    fields = (_NULL if v is None else encode(v) for encode, v in zip(_ENCODERS, row, strict=True))
    return b"".join([_ROW_HEADER, *fields])


def _where(run: RunManifest, url: str) -> str:
    return f"run {run.run_id!r}: article {url}"


def _utf8(run: RunManifest, url: str, name: str, value: str) -> bytes:
    """``value`` as PostgreSQL will store it, or ``LoadError`` for text it cannot store."""
    try:
        data = value.encode()
    except UnicodeEncodeError:
        raise LoadError(f"{_where(run, url)}: '{name}' holds a lone surrogate, which UTF-8 cannot encode") from None
    if b"\x00" in data:
        raise LoadError(f"{_where(run, url)}: '{name}' holds a NUL character (U+0000), which PostgreSQL cannot store")
    return data


def _text(run: RunManifest, url: str, record: Mapping[str, Any], name: str, *, required: bool = False) -> bytes | None:
    value = record.get(name)
    if value is None or value == "":
        if required:
            raise LoadError(f"{_where(run, url)}: '{name}' is missing or empty")
        return None
    if not isinstance(value, str):
        raise LoadError(f"{_where(run, url)}: '{name}' must be a string, not {type(value).__name__}")
    return _utf8(run, url, name, value)


def _text_array(run: RunManifest, url: str, record: Mapping[str, Any], name: str) -> bytes:
    """A list of strings in the binary form of ``text[]`` (psycopg's list dumper costs tens of microseconds)."""
    values = record.get(name) or []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise LoadError(f"{_where(run, url)}: '{name}' must be a list of strings")
    if not values:
        return _EMPTY_TEXT_ARRAY
    parts = [_ARRAY_HEADER.pack(1, 0, 25, len(values), 1)]
    for value in values:
        data = _utf8(run, url, name, value)
        parts += (_LENGTH.pack(len(data)), data)
    return b"".join(parts)


def _jsonb(value: Any) -> bytes:
    """The binary form of ``jsonb``: a version byte, then the JSON text."""
    return b"\x01" + dumps(value).encode()


def read_articles(output: RunOutput) -> Iterator[dict[str, Any]]:
    """``output.articles()`` read faster: the same records, count and checksum checks, and errors.

    Reads the file in large blocks (one hash update per block, not per line) and decodes lines with
    msgspec where it is installed; a line it refuses goes through ``json.loads``, so the records are
    exactly what ``json.loads`` gives (tested). As with ``articles()``, the checks come after the
    last record: a consumer in a transaction must exhaust the iterator before committing.
    """
    import fsspec

    from newsflow.runoutput import RunOutputError

    expected = output.manifest["articles"]
    digest = hashlib.sha256()
    count = 0
    tail = b""
    with fsspec.open(f"{output.uri}/{expected['file']}", "rb") as handle:
        while block := handle.read(_READ_BLOCK):
            digest.update(block)
            lines = (tail + block).split(b"\n")
            tail = lines.pop()
            for line in lines:
                count += 1
                yield _decode_line(line)
        if tail:
            count += 1
            yield _decode_line(tail)
    checksum_ok = digest.hexdigest() == expected["sha256"]
    if count != expected["count"] or not checksum_ok:
        raise RunOutputError(
            f"{output.uri}/{expected['file']} does not match its manifest "
            f"({count} lines vs {expected['count']}; checksum {'ok' if checksum_ok else 'differs'})"
        )


def _decode_line(line: bytes) -> Any:
    try:
        return _decode(line)
    except _DecodeError:  # what msgspec refuses (NaN, huge integers, lone surrogate escapes) json may take
        return json.loads(line)
