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


#: What ``drawn`` waits for, checked every 50 ms in the page: the reason the page is not
#: drawn yet, or a signature of its layout (the sizes of every canvas, chart and table and the
#: height of the scrolled block) and of the last message from the server, which must then stay
#: the same for ``quiet`` ms.
_DRAWN = """([quiet, timeout]) => new Promise((resolve) => {
  const busy = () => {
    const ws = window.__budgetWebSocket;  // see WATCH_WEBSOCKET
    if (ws && ws.sent >= ws.received && performance.now() - ws.sent < 5000)
      return 'the server has not answered yet';
    // Streamlit's own mark of its script's state (its status widget shows after 500 ms only)
    const run = document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state');
    if (run && run !== 'notRunning') return `the script's state is ${run}`;
    if (document.querySelector('[data-testid="stStatusWidget"]')) return 'the script still runs';
    if (!document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]'))
      return 'the page is empty';
    if (document.querySelector('[data-testid="stSkeleton"]')) return 'an element is still loading';
    if (document.querySelector('[data-stale="true"]')) return 'an element is stale';
    if (document.fonts.status !== 'loaded') return 'the fonts are loading';
    const shown = (e) => e.getClientRects().length > 0;
    for (const c of document.querySelectorAll('[data-testid="stVegaLiteChart"]'))
      if (shown(c) && ![...c.querySelectorAll('canvas, svg.marks')].some((m) => m.clientWidth > 0))
        return 'a chart is not drawn';
    for (const t of document.querySelectorAll('[data-testid="stDataFrame"]'))
      if (shown(t) && !t.querySelector('canvas')) return 'a table is not drawn';
    for (const i of document.images) if (!i.complete) return 'an image is loading';
    return null;
  };
  const layout = () => [...document.querySelectorAll(
      'canvas, svg.marks, [data-testid="stMain"], [data-testid="stMainBlockContainer"]')]
    .map((e) => `${e.tagName}:${e.width ?? ''}x${e.height ?? ''}:${e.clientWidth}x${e.clientHeight}`
                + `:${e.scrollHeight}`).join(' ');
  const start = performance.now();
  let last = null, since = start;
  const tick = () => {
    const now = performance.now();
    const reason = busy();
    const ws = window.__budgetWebSocket;  // a message from the server starts the quiet time again
    const state = reason ?? `${layout()} ${ws ? ws.received : ''}`;
    if (state !== last) { last = state; since = now; }
    else if (reason === null && now - since >= quiet) return resolve(null);
    if (now - start > timeout) return resolve(state);
    setTimeout(tick, 50);
  };
  tick();
})"""


#: Added to a browser context before its pages load (``log_in`` does): the times a page last
#: sent a message to Streamlit's server and last received one, so that :func:`drawn` knows a
#: click's rerun has been answered (Streamlit marks its script as running only once the server
#: says so).
WATCH_WEBSOCKET = """(() => {
  const seen = window.__budgetWebSocket = {sent: 0, received: 0};
  window.WebSocket = class extends window.WebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { seen.received = performance.now(); });
    }
    send(data) { seen.sent = performance.now(); return super.send(data); }
  };
})()"""


def drawn(page: object, quiet_ms: int = 200, timeout_ms: int = 60_000) -> None:
    """Wait until the page is drawn: Streamlit has run the script (its status widget is
    gone, no element stale or still loading), every chart and table shown has its canvas,
    the fonts and images are loaded, and for ``quiet_ms`` nothing has changed size (a chart
    redrawn after a change of width changes its canvas) and no message came from the server.
    Where ``log_in`` watched the page's WebSocket, a message sent to the server (a click's
    rerun) must have been answered first; the quiet time covers the moment between that answer
    and Streamlit marking its script as running."""
    for _ in range(5):
        try:
            left = page.evaluate(_DRAWN, [quiet_ms, timeout_ms])  # type: ignore[attr-defined]
            break
        except Exception as e:  # the page loaded a new document meanwhile: wait in that one
            if "context was destroyed" not in str(e) and "navigat" not in str(e):
                raise
            page.wait_for_load_state()  # type: ignore[attr-defined]
    assert left is None, f"the page was not drawn in {timeout_ms} ms: {left}"


def settle(page: object, after_ms: int = 0) -> None:
    """Wait until Streamlit has finished running the script and the page has drawn what it
    received (:func:`drawn`), then ``after_ms`` more."""
    drawn(page)
    if after_ms:
        page.wait_for_timeout(after_ms)  # type: ignore[attr-defined]


def no_traceback(page: object, where: str) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, where  # type: ignore[attr-defined]
    assert "Traceback" not in page.content(), where  # type: ignore[attr-defined]


def log_in(page: object, base: str, name: str, password: str) -> None:
    """Log in on the form at ``base`` and wait for the Overview."""
    page.context.add_init_script(WATCH_WEBSOCKET)  # type: ignore[attr-defined]  # its later tabs too
    page.goto(base)  # type: ignore[attr-defined]
    page.get_by_label("User name").fill(name)  # type: ignore[attr-defined]
    page.get_by_label("Password", exact=True).fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Log in").click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Where the year stands").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    settle(page)
    # The session cookie comes from the run after the log-in (a hand-over posted to
    # /api/session): a page opened by URL before it arrives shows the log-in form again.
    deadline = time.monotonic() + 60
    while not any(c["name"] == "budget_session" for c in page.context.cookies()):  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            raise AssertionError("no session cookie a minute after the log-in")
        page.wait_for_timeout(200)  # type: ignore[attr-defined]
