"""A local HTTP server standing in for TMDb's API: it answers recorded responses through the real client."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

RECORDED = Path(__file__).parent / "catalog" / "recorded"


def recorded(name: str) -> dict:
    return json.loads((RECORDED / name).read_text())


class TMDbStandIn:
    """Routes ``path -> (status, body)``; every request is kept in ``requests`` as (path, query)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {}
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                url = urlsplit(self.path)
                stand_in.requests.append((url.path, parse_qs(url.query)))
                status, body = stand_in.routes.get(url.path, (404, b'{"success": false, "status_code": 34}'))
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/3"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, path: str, payload: dict | str, *, status: int = 200) -> None:
        body = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        self.routes[f"/3{path}"] = (status, body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tmdb_stand_in(settings):
    """TMDb configured with a key, pointing at a local stand-in server."""
    stand_in = TMDbStandIn()
    settings.TMDB_API_URL = stand_in.url
    settings.TMDB_API_KEY = "test-key"
    settings.TMDB_READ_TOKEN = ""
    yield stand_in
    stand_in.close()


@pytest.fixture
def tmdb_off(settings):
    settings.TMDB_API_KEY = ""
    settings.TMDB_READ_TOKEN = ""
