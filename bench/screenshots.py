"""Screenshots of the main pages at 1,400 and 390 px wide, so anyone can look at the site without a browser.

Starts the development server on a free loopback port against the demo database (`make demo` first), logs in
as the demo member, and writes `var/screenshots/<page>-<width>.png`. Uses Debian's Chromium through Playwright.

    .venv/bin/python bench/screenshots.py [--out DIR] [--chromium PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (1400, 390)
DEMO_LOGIN = ("demo", "cineaesthete-demo")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url} within {seconds:.0f} s")


def _popular_film_id() -> int:
    script = (
        "from catalog.models import Film; print(Film.objects.order_by('-rating_count').values_list('pk', flat=True)[0])"
    )
    output = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return int(output.stdout.strip().splitlines()[-1])


def main_pages(*, film_id: int, member: str) -> dict[str, str]:
    """The pages issue 14 asks to see: home, browse, film, vibe, recommendations, profile and stats."""
    return {
        "home": "/",
        "browse": "/films/",
        "film": f"/films/{film_id}/",
        "vibe": "/vibe/?q=rain+with+neon+reflections",
        "recommendations": "/recommendations/",
        "profile": f"/members/{member}/",
        "stats": f"/members/{member}/stats/",
    }


def capture_pages(browser, *, base: str, pages: dict[str, str], out: Path, login: tuple[str, str]) -> list[Path]:
    """Log in and write a full-page ``<name>-<width>.png`` of each page at each width; the files written.

    Takes a launched Playwright browser, so the browser suite can run it against its own live server."""
    written = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(base + "/accounts/login/")
        page.locator("input[name=login]").fill(login[0])
        page.locator("input[name=password]").fill(login[1])
        with page.expect_navigation():
            page.get_by_role("button", name="Log in").click()
        for name, path in pages.items():
            page.goto(base + path)
            page.wait_for_load_state("networkidle")  # posters and charts drawn: a load, not a click
            target = out / f"{name}-{width}.png"
            page.screenshot(path=str(target), full_page=True)
            written.append(target)
        context.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "screenshots")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH") or shutil.which("chromium"))
    args = parser.parse_args()
    if not args.chromium:
        raise SystemExit("Chromium not found: apt-get install chromium (or `make chromium`)")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    film_id = _popular_film_id()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DEBUG": "1", "SECURE_SSL_REDIRECT": "0"}
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pages = main_pages(film_id=film_id, member=DEMO_LOGIN[0])
    try:
        _wait_for(base + "/healthz")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
            )
            for target in capture_pages(browser, base=base, pages=pages, out=args.out, login=DEMO_LOGIN):
                print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
