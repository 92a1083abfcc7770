"""A local HTTP server on 127.0.0.1 that plays archive APIs and injects faults.

A test registers a handler per (method, path); each handler receives the parsed request and
returns a :class:`Reply`. A reply can be delayed (to trigger a client timeout), cut off after
some bytes while announcing the full Content-Length (a dropped connection), stall after
some bytes (a read timeout in the middle of a download), or trickle out one byte at a time
(a server that never trips a per-read timeout).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    cut_after: int | None = None
    stall_after: int | None = None
    stall: float = 0.0
    trickle: float = 0.0

    @classmethod
    def json(cls, payload, status: int = 200) -> Reply:
        return cls(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})


class ArchiveServer:
    """Routes, a request log and the base URL of the running server."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], object] = {}
        self.log: list[Request] = []
        self.url = ""

    def route(self, method: str, path: str, handler) -> None:
        """Register ``handler(request) -> Reply`` (or a fixed :class:`Reply`)."""
        self.routes[(method, path)] = handler

    def sequence(self, method: str, path: str, replies: list[Reply]) -> None:
        """Reply to successive requests with ``replies``; the last one repeats."""
        remaining = list(replies)

        def handler(request):
            return remaining.pop(0) if len(remaining) > 1 else remaining[0]

        self.route(method, path, handler)

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.log if r.method == method and r.path == path)


def _make_handler(server: ArchiveServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
            pass

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(
                method, parts.path, parse_qs(parts.query), dict(self.headers.items()), body
            )
            server.log.append(request)
            handler = server.routes.get((method, parts.path))
            if handler is None:
                reply = Reply(404, b'{"message": "no such route"}')
            else:
                reply = handler(request) if callable(handler) else handler
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                headers = {"Content-Length": str(len(reply.body)), **reply.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                if reply.cut_after is not None or reply.stall_after is not None or reply.trickle:
                    self.send_header("Connection", "close")
                self.end_headers()
                if reply.trickle:
                    for offset in range(len(reply.body)):
                        self.wfile.write(reply.body[offset : offset + 1])
                        self.wfile.flush()
                        time.sleep(reply.trickle)
                    self.close_connection = True
                    return
                if reply.stall_after is not None:
                    self.wfile.write(reply.body[: reply.stall_after])
                    self.wfile.flush()
                    time.sleep(reply.stall)
                    self.close_connection = True
                    return
                if reply.cut_after is not None:
                    self.wfile.write(reply.body[: reply.cut_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (timeout test); nothing left to send.
                self.close_connection = True

        def do_GET(self):  # noqa: N802 - name fixed by BaseHTTPRequestHandler
            self._serve("GET")

        def do_POST(self):  # noqa: N802
            self._serve("POST")

    return Handler


@pytest.fixture()
def archive_server():
    """Start an :class:`ArchiveServer` on 127.0.0.1 for one test."""
    state = ArchiveServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(state))
    httpd.daemon_threads = True
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()
