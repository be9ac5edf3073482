"""Links, sessions and drill-down in a real headless Chromium (``streamlit run dashboards/serve.py``).

Clicks from a directorate to its organisations, to an organisation, to an entry's source and
audit trail; goes back; opens a deep link in a new tab and reloads it without logging in
again (the HttpOnly session cookie); logs out, after which the same cookie opens nothing.
Screenshots in French at 1440 and 390 px go to ``tmp/test-artifacts/dashboard-links/``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from dashboard_server import BROWSER_MARKS, chromium, no_traceback, served
from dashboard_server import log_in as log_in_as
from dashboard_server import settle as settle_after

from budget.demo import load_demo
from budget.ledger.db import make_engine, make_session_factory
from budget.ledger.migrate import upgrade
from budget.services import users
from budget.uow import UnitOfWork

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tmp" / "test-artifacts" / "dashboard-links"
PASSWORD = "links-test-password"

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo ledger, an officer, and the dashboard served with its session routes."""
    tmp = tmp_path_factory.mktemp("links-browser")
    url = f"sqlite:///{tmp / 'ledger.db'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    load_demo(factory)
    with UnitOfWork(factory) as uow:
        users.add_user(uow, "officer", PASSWORD, "officer")
        uow.commit()
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGET_")}
    env.update(BUDGET_DATABASE_URL=url, HOME=str(tmp))
    with served(tmp, env, ARTIFACTS / "streamlit.log") as base:
        yield base
    assert PASSWORD not in (ARTIFACTS / "streamlit.log").read_text()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


def settle(page: object) -> None:
    settle_after(page)  # drawn: the grids' row markers must be drawn before a row is clicked


def params(page: object) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}  # type: ignore[attr-defined]


def click_row(page: object, table: object, row: int, opens: str) -> None:
    """Select a row of a grid (drawn on a canvas) by its row-marker cell at the left, and
    wait for the page it opens (a click landing while the grid is still drawn is repeated)."""
    for _ in range(3):
        table.click(position={"x": 12, "y": 35 * (row + 1) + 17})  # type: ignore[attr-defined]
        try:
            page.wait_for_url(re.compile(opens), timeout=15_000)  # type: ignore[attr-defined]
            break
        except Exception:
            settle(page)
    settle(page)


def log_in(page: object, base: str) -> None:
    log_in_as(page, base, "officer", PASSWORD)


def test_click_through_the_drill_down_link_reload_and_log_out(server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    log_in(page, server)
    # The session cookie (log_in waited for it): HttpOnly, never readable by a script, and not in the URL.
    cookie = next(c for c in context.cookies() if c["name"] == "budget_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("budget_session") == -1
    assert cookie["value"] not in page.url

    # Overview: a click on a directorate's row opens the Directorates page on it.
    click_row(page, page.locator('[data-testid="stDataFrame"]').first, 0, r"/directorates\?")
    assert params(page)["dir"] and params(page)["year"]
    directorate = params(page)["dir"]
    no_traceback(page, "directorates")
    # Its organisations: a click opens the organisation.
    # (the last table of the page: the year-over-year table stands between the two)
    click_row(page, page.locator('[data-testid="stDataFrame"]').last, 0, r"/organisations\?")
    org = params(page)["org"]
    no_traceback(page, "organisation")
    page.screenshot(path=str(ARTIFACTS / "01-organisation-en-1440.png"), full_page=True)
    # Its commitments: a click opens the entry, its source and its audit trail.
    page.get_by_role("tab", name=re.compile("Commitments")).click()
    settle(page)
    grids = page.locator('[data-testid="stDataFrame"]')
    visible = [i for i in range(grids.count()) if grids.nth(i).is_visible()]
    click_row(page, grids.nth(visible[-1]), 0, r"/entry\?")
    assert params(page)["kind"] == "commitment" and params(page)["org"] == org
    page.get_by_text(re.compile("Import batch #")).first.wait_for(timeout=30_000)
    page.get_by_role("heading", name="Audit trail").wait_for(timeout=30_000)
    no_traceback(page, "entry")
    page.screenshot(path=str(ARTIFACTS / "02-entry-en-1440.png"), full_page=True)
    entry_url = page.url

    # Back: the organisation again, with its filters; then the directorate. (Streamlit
    # leaves one more step per page change in the history: it shows the same view.)
    page.go_back()
    page.wait_for_url(re.compile(r"/organisations\?"), timeout=30_000)
    settle(page)
    assert params(page)["org"] == org
    page.get_by_role("heading", name="Organisations", exact=True).first.wait_for(timeout=30_000)
    for _ in range(3):
        page.go_back()
        settle(page)
        if "/directorates" in page.url:
            break
    assert "/directorates" in page.url and params(page)["dir"] == directorate
    page.get_by_role("heading", name="Directorates", exact=True).first.wait_for(timeout=30_000)
    no_traceback(page, "back")

    # A deep link in a new tab, then a reload: still logged in, same view.
    tab = context.new_page()
    tab.goto(entry_url)
    tab.get_by_role("heading", name="Audit trail").wait_for(timeout=60_000)
    settle(tab)
    tab.reload()
    tab.get_by_role("heading", name="Audit trail").wait_for(timeout=60_000)
    settle(tab)
    assert tab.get_by_role("button", name="Log in").count() == 0

    # Log out: the cookie is revoked in the ledger; the same cookie, replayed, opens nothing.
    tab.get_by_role("button", name="Log out").click()
    tab.get_by_role("button", name="Log in").wait_for(timeout=60_000)
    settle(tab)
    tab.reload()
    tab.get_by_role("button", name="Log in").wait_for(timeout=60_000)
    replay = browser.new_context()
    replay.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path")}])
    stolen = replay.new_page()
    stolen.goto(entry_url)
    stolen.get_by_role("button", name="Log in").wait_for(timeout=60_000)
    assert stolen.get_by_role("heading", name="Audit trail").count() == 0
    replay.close()
    context.close()


@pytest.mark.parametrize("width,height", [(1440, 1000), (390, 844)])
def test_french_screenshots_of_the_drill_down_and_the_search(server, browser, width, height):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    log_in(page, server)
    page.goto(f"{server}/directorates?dir=M2&lang=fr")
    page.get_by_role("heading", name="Directions").first.wait_for(timeout=60_000)
    page.get_by_text("Solde ouvert (engagé − payé)").first.wait_for(timeout=60_000)
    settle(page)
    page.screenshot(path=str(ARTIFACTS / f"10-directorates-fr-{width}.png"), full_page=True)
    page.goto(f"{server}/search?q=2&lang=fr")
    page.get_by_role("heading", name="Recherche").first.wait_for(timeout=60_000)
    settle(page)
    no_traceback(page, "search fr")
    page.screenshot(path=str(ARTIFACTS / f"11-search-fr-{width}.png"), full_page=True)
    page.goto(f"{server}/entry?kind=commitment&ref=ENG-{dt.date.today().year}-FAO-EUR&org=FAO&lang=fr")
    page.get_by_role("heading", name="Piste d'audit").first.wait_for(timeout=60_000)
    settle(page)
    no_traceback(page, "entry fr")
    page.screenshot(path=str(ARTIFACTS / f"12-entry-fr-{width}.png"), full_page=True)
    context.close()
