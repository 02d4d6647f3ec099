"""Run output: the hand-off between a crawl and its load, on any filesystem fsspec knows.

A run's output is a folder ``<store>/<source>/<run_id>/`` holding ``articles.jsonl`` (one
``Article.to_record()`` per line), ``stats.json`` (the crawl's Scrapy stats), ``state.json``
(the pages fetched and the feed/sitemap validators seen, for the warehouse's incremental
state) and ``manifest.json``. The manifest is written last and carries the article count and the
SHA-256 of ``articles.jsonl``: a folder without it is an unfinished crawl, and a reader
that finds different bytes refuses them. ``<store>`` is a local folder by default and
any fsspec URL (``s3://bucket/runs``, ``gs://...``) where crawl and load run on
different machines.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fsspec
from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

FORMAT = "newsflow-run/1"
ARTICLES = "articles.jsonl"
STATS = "stats.json"
STATE = "state.json"
MANIFEST = "manifest.json"


class RunOutputError(RuntimeError):
    """A run's output is missing, unfinished or damaged."""


def run_uri(store: str, source_id: str, run_id: str) -> str:
    """Where the output of ``run_id`` of ``source_id`` lives in ``store``."""
    return f"{store.rstrip('/')}/{source_id}/{run_id}"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, sort_keys=True)


def _write_state(state: dict[str, Any], path: Path) -> dict[str, Any]:
    """Write ``state`` as JSON to ``path``, its ``pages`` (any iterable) one at a time; sha256 and counts.

    A crawl of 50,000 pages would otherwise hold every page's record twice more at its end (as
    dicts and as one JSON string): the peak of the crawl's memory.
    """
    digest = hashlib.sha256()
    pages = 0
    with path.open("wb") as out:
        def write(text: str) -> None:
            data = text.encode("utf-8")
            digest.update(data)
            out.write(data)

        write("{")
        for position, key in enumerate(sorted(state)):
            write(f"{', ' if position else ''}{dumps(key)}: ")
            if key != "pages":
                write(dumps(state[key]))
                continue
            write("[")
            for pages, page in enumerate(state[key], start=1):
                write(f"{', ' if pages > 1 else ''}{dumps(page)}")
            write("]")
        write("}")
    return {"sha256": digest.hexdigest(), "pages": pages, "documents": len(state.get("documents", []))}


class RunOutputWriter:
    """Writes one run's output: articles as they come, then stats and the manifest.

    Articles are spooled to a local file first; ``finish`` adds the URLs of in-run
    duplicates to their kept article (``other_urls``), then copies the files to the
    store, manifest last. Memory stays bounded by the duplicate URLs, not the articles.
    """

    def __init__(self, uri: str) -> None:
        self.uri = uri.rstrip("/")
        self.fs, self.path = url_to_fs(self.uri)
        self._probe()
        self._spool_dir = Path(tempfile.mkdtemp(prefix="newsflow-run-"))
        self._spool = (self._spool_dir / ARTICLES).open("w", encoding="utf-8")
        self.count = 0
        self.other_urls: dict[str, list[str]] = {}

    def _probe(self) -> None:
        # Fail at the start of a crawl, not after an hour of fetching, when the store is unwritable.
        probe = f"{self.path}/.writable"
        try:
            self.fs.makedirs(self.path, exist_ok=True)
            self.fs.pipe_file(probe, b"")
            self.fs.rm_file(probe)
        except OSError as exc:
            raise RunOutputError(f"run output location {self.uri} is not writable: {exc}") from exc

    def write(self, record: dict[str, Any]) -> None:
        self._spool.write(dumps(record) + "\n")
        self.count += 1

    def add_other_url(self, content_hash: str, url: str) -> None:
        urls = self.other_urls.setdefault(content_hash, [])
        if url not in urls:
            urls.append(url)

    def finish(self, manifest: dict[str, Any], stats: dict[str, Any],
               state: dict[str, Any] | None = None) -> dict[str, Any]:
        """Write articles, stats, crawl state and manifest to the store; return the manifest written."""
        self._spool.close()
        try:
            final = self._spool_dir / (ARTICLES + ".final")
            digest = hashlib.sha256()
            with (self._spool_dir / ARTICLES).open(encoding="utf-8") as src, final.open("wb") as dst:
                for line in src:
                    if self.other_urls:
                        record = json.loads(line)
                        extra = self.other_urls.get(record.get("content_hash") or "")
                        if extra:
                            record["other_urls"] = sorted(set(record.get("other_urls", [])) | set(extra))
                            line = dumps(record) + "\n"
                    data = line.encode("utf-8")
                    digest.update(data)
                    dst.write(data)
            manifest = {
                **manifest,
                "format": FORMAT,
                "output_uri": self.uri,
                "articles": {"file": ARTICLES, "count": self.count, "sha256": digest.hexdigest()},
                "stats_file": STATS,
            }
            state_file = self._spool_dir / STATE
            if state is not None:
                manifest["state"] = {"file": STATE, **_write_state(state, state_file)}
            try:
                self.fs.put_file(str(final), f"{self.path}/{ARTICLES}")
                self.fs.pipe_file(f"{self.path}/{STATS}", dumps(stats).encode("utf-8"))
                if state is not None:
                    self.fs.put_file(str(state_file), f"{self.path}/{STATE}")
                self._write_manifest(manifest)
            except OSError as exc:
                raise RunOutputError(f"could not write run output to {self.uri}: {exc}") from exc
            return manifest
        finally:
            shutil.rmtree(self._spool_dir, ignore_errors=True)

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        data = json.dumps(manifest, ensure_ascii=False, indent=2, default=_json_default).encode("utf-8")
        target = f"{self.path}/{MANIFEST}"
        if isinstance(self.fs, LocalFileSystem):
            # Local disk: write beside and rename, so a reader never sees half a manifest.
            partial = target + ".part"
            Path(partial).write_bytes(data)
            os.replace(partial, target)
        else:
            self.fs.pipe_file(target, data)  # one PUT: object stores make it visible whole

    def abort(self) -> None:
        self._spool.close()
        shutil.rmtree(self._spool_dir, ignore_errors=True)


@dataclass
class RunOutput:
    """A finished run's output, read back from its store."""

    uri: str
    manifest: dict[str, Any]

    @classmethod
    def open(cls, uri: str) -> RunOutput:
        """Read the manifest at ``uri``; ``RunOutputError`` when the run never finished."""
        uri = uri.rstrip("/")
        if uri.endswith("/" + MANIFEST):
            uri = uri[: -len(MANIFEST) - 1]
        try:
            with fsspec.open(f"{uri}/{MANIFEST}", "rb") as handle:
                manifest = json.loads(handle.read())
        except FileNotFoundError:
            raise RunOutputError(
                f"no {MANIFEST} at {uri}: the crawl did not finish writing its output (see the crawl log)"
            ) from None
        except (OSError, ValueError) as exc:
            raise RunOutputError(f"unreadable {MANIFEST} at {uri}: {exc}") from exc
        if manifest.get("format") != FORMAT:
            raise RunOutputError(f"{uri}: unknown run output format {manifest.get('format')!r}")
        return cls(uri=uri, manifest=manifest)

    @property
    def run_id(self) -> str:
        return str(self.manifest["run_id"])

    def stats(self) -> dict[str, Any]:
        with fsspec.open(f"{self.uri}/{self.manifest.get('stats_file', STATS)}", "rb") as handle:
            return dict(json.loads(handle.read()))

    def state(self) -> dict[str, Any]:
        """The crawl state (pages fetched, validators) checked against the manifest; empty for older outputs."""
        expected = self.manifest.get("state")
        if not expected:
            return {"pages": [], "documents": []}
        with fsspec.open(f"{self.uri}/{expected['file']}", "rb") as handle:
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != expected["sha256"]:
            raise RunOutputError(f"{self.uri}/{expected['file']} does not match its manifest (checksum differs)")
        return dict(json.loads(data))

    def articles(self) -> Iterator[dict[str, Any]]:
        """Stream the article records, checking count and checksum against the manifest at the end.

        The check comes after the last record, so a consumer inside a transaction must
        exhaust the iterator before committing (the loader does).
        """
        expected = self.manifest["articles"]
        digest = hashlib.sha256()
        count = 0
        with fsspec.open(f"{self.uri}/{expected['file']}", "rb") as handle:
            for line in handle:
                digest.update(line)
                count += 1
                yield json.loads(line)
        checksum_ok = digest.hexdigest() == expected["sha256"]
        if count != expected["count"] or not checksum_ok:
            raise RunOutputError(
                f"{self.uri}/{expected['file']} does not match its manifest "
                f"({count} lines vs {expected['count']}; checksum {'ok' if checksum_ok else 'differs'})"
            )
