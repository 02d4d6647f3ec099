"""Serve saved pages over loopback HTTP, so crawls run against real pages without touching a real site.

The demo and the tests use it: nothing in newsflow may fetch a real news site while
being developed or shown. A site folder holds files at their URL paths; a path is
served from ``<path>``, ``<path>.html``, ``<path>.html.gz``, ``<path>.gz`` or
``<path>/index.html`` (query strings are ignored), and gzipped files are sent
decompressed; ``{BASE}`` in plain .xml/.html/.txt files becomes the server's own
address, so feeds and sitemaps can list absolute URLs. Every file is sent with an ``ETag``
(of its bytes) and a ``Last-Modified`` (its mtime), and a matching ``If-None-Match`` or a
later ``If-Modified-Since`` gets a 304, as real feed servers do. Tests can answer a path
with another status and headers (``on_request``, for 429 + ``Retry-After``) or add headers
to a served file (``headers``, for ``X-Robots-Tag`` or ``tdm-reservation``). The stdlib
server's listen backlog of 5 stalls Scrapy at high concurrency (see FACTS.md), so the backlog here is 1024.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CONTENT_TYPES = {".xml": "application/xml", ".html": "text/html", ".txt": "text/plain", ".json": "application/json"}


class ReplayServer(ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0,
                 charsets: dict[str, str] | None = None) -> None:
        self.root = root.resolve()
        self.charsets = charsets or {}
        """Content-Type charset to send per path suffix or path (the demo sends none: pages declare theirs)."""
        self.hits: dict[str, int] = {}
        self.conditional_hits: dict[str, int] = {}
        """Requests per path that carried If-None-Match or If-Modified-Since."""
        self.on_request: Callable[[str], int | tuple[int, dict[str, str]] | None] | None = None
        """Test hook: return an HTTP status (or status and headers) to answer a path with instead of its file."""
        self.headers: dict[str, dict[str, str]] = {}
        """Extra response headers per path, sent with the file."""
        super().__init__((host, port), _Handler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def find(self, path: str) -> Path | None:
        relative = unquote(path).lstrip("/")
        candidates = [relative, relative + ".html", relative + ".html.gz", relative + ".gz",
                      relative.rstrip("/") + "/index.html"]
        for candidate in candidates:
            file = (self.root / candidate).resolve()
            if file.is_file() and file.is_relative_to(self.root):
                return file
        return None

    def start(self) -> ReplayServer:
        threading.Thread(target=self.serve_forever, name="replay-server", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: ReplayServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, send_body: bool) -> None:
        path = urlsplit(self.path).path
        self.server.hits[path] = self.server.hits.get(path, 0) + 1
        answer = self.server.on_request(self.path) if self.server.on_request else None
        status, extra = answer if isinstance(answer, tuple) else (answer, {})
        file = self.server.find(path)
        if status is None and file is None:
            status = 404
        if status is not None and status != 200:
            body = f"<html><body><h1>{status}</h1></body></html>".encode()
            self._respond(status, body, "text/html", send_body, extra)
            return
        assert file is not None
        data = file.read_bytes()
        name = file.name
        if name.endswith(".gz") and not name.endswith(".xml.gz"):
            data = gzip.decompress(data)
            name = name[:-3]
        suffix = Path(name).suffix or ".html"
        ctype = CONTENT_TYPES.get(suffix) or mimetypes.types_map.get(suffix, "application/octet-stream")
        if name.endswith(".xml.gz"):
            ctype = "application/x-gzip"
        elif suffix in (".xml", ".html", ".txt"):
            # Feeds and sitemaps need absolute URLs, and the server's port differs per run.
            data = data.replace(b"{BASE}", self.server.base_url.encode())
        charset = self.server.charsets.get(path) or self.server.charsets.get(suffix)
        mtime = int(file.stat().st_mtime)
        validators = {"ETag": '"' + hashlib.sha1(data).hexdigest()[:16] + '"',
                      "Last-Modified": formatdate(mtime, usegmt=True)}
        headers = {**validators, **self.server.headers.get(path, {}), **extra}
        if self._not_modified(validators["ETag"], mtime):
            self._respond(304, b"", "", send_body, headers)
            return
        self._respond(200, data, f"{ctype}; charset={charset}" if charset else ctype, send_body, headers)

    def _not_modified(self, etag: str, mtime: int) -> bool:
        match, since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if match is None and since is None:
            return False
        path = urlsplit(self.path).path
        self.server.conditional_hits[path] = self.server.conditional_hits.get(path, 0) + 1
        if match is not None:  # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
            return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
        try:
            return mtime <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False

    def _respond(self, status: int, body: bytes, ctype: str, send_body: bool,
                 headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the crawl's own log says what was fetched
