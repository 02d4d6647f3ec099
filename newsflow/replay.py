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
to a served file (``headers``, for ``X-Robots-Tag`` or ``tdm-reservation``), and inject
faults (``faults``: error statuses for a share of requests, delays, connections closed
mid-body, gzip bombs, huge bodies, redirects; see ``newsflow/replay_faults.py``). The server
also works as a plain HTTP proxy (a request line with an absolute URL is served from its
path), so a crawl can use real-looking host names while every packet stays on loopback;
``requests`` logs the full URL of every request, ``public_url`` is what ``{BASE}`` becomes.
The stdlib server's listen backlog of 5 stalls Scrapy at high concurrency (see FACTS.md), so
the backlog here is 1024.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import socket
import threading
import time
from collections.abc import Callable
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsflow.replay_faults import Fault, filler, gzip_bomb

_COUNT_LOCK = threading.Lock()
CONTENT_TYPES = {".xml": "application/xml", ".html": "text/html", ".txt": "text/plain", ".json": "application/json"}


class ReplayServer(ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0,
                 charsets: dict[str, str] | None = None, public_url: str | None = None) -> None:
        self.root = root.resolve()
        self.public_url = public_url
        """What ``{BASE}`` becomes (the server's own address when None)."""
        self.requests: list[str] = []
        """The URL of every request, in order (``http://<Host header><path>`` or the absolute URL a proxy gets)."""
        self.faults: Callable[[str, int], Fault | None] | None = None
        """Test hook: a fault for (path, attempt number of that path), or None to serve normally."""
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

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that hangs up on a delayed, cut or huge answer is what those faults are for

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
        target = urlsplit(self.path)
        path = target.path
        self.server.requests.append(self.path if target.scheme else f"http://{self.headers.get('Host', '')}{path}")
        with _COUNT_LOCK:
            attempt = self.server.hits[path] = self.server.hits.get(path, 0) + 1
        fault = self.server.faults(path, attempt) if self.server.faults else None
        if fault is not None and self._inject(fault, send_body):
            return
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
            data = data.replace(b"{BASE}", (self.server.public_url or self.server.base_url).encode())
        charset = self.server.charsets.get(path) or self.server.charsets.get(suffix)
        mtime = int(file.stat().st_mtime)
        validators = {"ETag": '"' + hashlib.sha1(data).hexdigest()[:16] + '"',
                      "Last-Modified": formatdate(mtime, usegmt=True)}
        headers = {**validators, **self.server.headers.get(path, {}), **extra}
        if self._not_modified(validators["ETag"], mtime):
            self._respond(304, b"", "", send_body, headers)
            return
        if fault is not None and fault.cut_body:
            self._cut(data, f"{ctype}; charset={charset}" if charset else ctype, headers)
            return
        self._respond(200, data, f"{ctype}; charset={charset}" if charset else ctype, send_body, headers)

    def _inject(self, fault: Fault, send_body: bool) -> bool:
        """Answer with ``fault``; False when the file is still to be served (after a delay, or to cut)."""
        if fault.delay:
            time.sleep(fault.delay)
        if fault.redirect:
            self._respond(302, b"", "text/html", send_body, {"Location": fault.redirect})
        elif fault.status is not None:
            body = f"<html><body><h1>{fault.status}</h1></body></html>".encode()
            self._respond(fault.status, body, "text/html", send_body, dict(fault.headers))
        elif fault.gzip_bomb:
            self._respond(200, gzip_bomb(fault.gzip_bomb), "text/html; charset=utf-8", send_body,
                          {"Content-Encoding": "gzip"})
        elif fault.body_bytes:
            self._stream(fault.body_bytes, fault.send_length, send_body)
        else:
            return False
        return True

    def _stream(self, size: int, send_length: bool, send_body: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if send_length:
            self.send_header("Content-Length", str(size))
        else:
            # No length: the body ends when the connection does, so the client must count what it reads.
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if send_body:
            for chunk in filler(size):
                self.wfile.write(chunk)

    def _cut(self, data: bytes, ctype: str, headers: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)  # mid-body, as a crashed server or a dropped link does

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
