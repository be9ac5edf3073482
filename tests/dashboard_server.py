"""The dashboard served for the browser tests: ``streamlit run dashboards/serve.py`` on a free
loopback port, up once its health check answers, stopped afterwards (its log kept); and what
every browser test uses to drive Debian's Chromium (launch, wait, log in, check)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The marks of a browser test module: skipped, with the reason, where Chromium is absent.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's chromium is not installed at /usr/bin/chromium "
                              "(apt-get install -y chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(tmp: Path, env: dict[str, str], keep_log: Path) -> Iterator[str]:
    """The dashboard's base URL while it runs in ``tmp`` with ``env``; its log is copied to
    ``keep_log`` when it stops."""
    port = free_port()
    log_path = tmp / "streamlit.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboards" / "serve.py"),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none"],
            env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(OSError), \
                        urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not start: " + log_path.read_text()[-2000:])
                time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    keep_log.parent.mkdir(parents=True, exist_ok=True)
    keep_log.write_text(log_path.read_text())


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright (``playwright install`` never runs)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def settle(page: object, after_ms: int = 500) -> None:
    """Wait until Streamlit has finished running the script, then ``after_ms`` for the page
    to draw what it received."""
    page.wait_for_timeout(300)  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    page.wait_for_timeout(after_ms)  # type: ignore[attr-defined]


def no_traceback(page: object, where: str) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, where  # type: ignore[attr-defined]
    assert "Traceback" not in page.content(), where  # type: ignore[attr-defined]


def log_in(page: object, base: str, name: str, password: str) -> None:
    """Log in on the form at ``base`` and wait for the Overview."""
    page.goto(base)  # type: ignore[attr-defined]
    page.get_by_label("User name").fill(name)  # type: ignore[attr-defined]
    page.get_by_label("Password", exact=True).fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Log in").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Where the year stands").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    settle(page)
