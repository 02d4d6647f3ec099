"""Serve saved pages over loopback HTTP, so crawls run against real pages without touching a real site.

The demo and the tests use it: nothing in newsflow may fetch a real news site while
being developed or shown. A site folder holds files at their URL paths; a path is
served from ``<path>``, ``<path>.html``, ``<path>.html.gz``, ``<path>.gz`` or
``<path>/index.html`` (query strings are ignored), and gzipped files are sent
decompressed; ``{BASE}`` in plain .xml/.html/.txt files becomes the server's own
address, so feeds and sitemaps can list absolute URLs. The stdlib server's listen backlog of 5 stalls Scrapy at high
concurrency (see FACTS.md), so the backlog here is 1024.
"""

from __future__ import annotations

import gzip
import mimetypes
import threading
from collections.abc import Callable
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
        self.on_request: Callable[[str], int | None] | None = None
        """Test hook: return an HTTP status to answer a path with instead of its file."""
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
        status = self.server.on_request(self.path) if self.server.on_request else None
        file = self.server.find(path)
        if status is None and file is None:
            status = 404
        if status is not None and status != 200:
            body = f"<html><body><h1>{status}</h1></body></html>".encode()
            self._respond(status, body, "text/html", send_body)
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
        self._respond(200, data, f"{ctype}; charset={charset}" if charset else ctype, send_body)

    def _respond(self, status: int, body: bytes, ctype: str, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the crawl's own log says what was fetched
