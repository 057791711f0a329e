"""A local HTTP server that stands in for TMDb, OMDb and TMDb's image server in tests and benches.

Routes answer recorded responses (``tests/catalog/recorded/``) through the real client code over a real
socket; nothing in our code is patched. A route's replies are given in order and the last one repeats, so a
test can say "503 with Retry-After, then the recorded movie".
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> dict:
    """A recorded response body from tests/catalog/recorded/ (JSON)."""
    return json.loads((RECORDED / name).read_text())


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict | list | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json;charset=utf-8"

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


class StandInServer:
    """``server.route("/3/movie/603", Reply(body=recorded("movie_603.json")))``; ``server.url`` is the base."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        # Answers any path no route names (the benches' instant films); None means 404.
        self.fallback: Callable[[str, dict[str, str]], Reply | None] | None = None
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                parts = urlsplit(self.path)
                query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
                reply = server._answer(parts.path, query, dict(self.headers))
                body = reply.encoded()
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                # A client that hangs up mid-request (a timed-out test, a killed bench run) is not news.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self.routes[path] = list(replies)

    def paths_seen(self) -> list[str]:
        with self._lock:
            return [seen.path for seen in self.seen]

    def _answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Reply:
        with self._lock:
            self.seen.append(Seen(path, query, headers))
            replies = self.routes.get(path)
            if replies:
                return replies.pop(0) if len(replies) > 1 else replies[0]
        if self.fallback is not None and (reply := self.fallback(path, query)) is not None:
            return reply
        return Reply(
            404,
            {"success": False, "status_code": 34, "status_message": "The resource you requested could not be found."},
        )

    def start(self) -> StandInServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def configure_tmdb(settings, server: StandInServer) -> None:
    """Point TMDb at the stand-in: key "test-key", no waits between retries, no rate limit."""
    settings.TMDB_API_URL = f"{server.url}/3"
    settings.TMDB_API_KEY = "test-key"
    settings.TMDB_READ_TOKEN = ""
    settings.TMDB_RETRY_BACKOFF_SECONDS = 0.0
    settings.TMDB_RETRY_MAX_WAIT_SECONDS = 0.0
    settings.TMDB_MAX_RETRIES = 2
    settings.TMDB_TIMEOUT_SECONDS = 2.0
    settings.TMDB_RATE_LIMIT = 0.0
