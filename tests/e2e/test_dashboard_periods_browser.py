"""Periods and the exchange what-if in a real headless Chromium (Debian's), at 1440 and
390 px: a quarter chosen on the Overview and the Directorates page, a rate moved on the
Exchange rates page; screenshots under ``tmp/test-artifacts/dashboard/`` (looked at before
calling it done). Shares the server and browser of ``test_dashboard_browser``."""

from __future__ import annotations

import datetime as dt
import re

import test_dashboard_browser as shared
from dashboard_server import BROWSER_MARKS, drawn, no_traceback, settle
from test_dashboard_browser import ARTIFACTS, log_in

server = shared.server  # the fixtures, found by pytest under these names
browser = shared.browser

pytestmark = BROWSER_MARKS
YEAR = dt.date.today().year


def pick(page: object, label: str, option: str) -> None:
    """Open the select box named ``label`` and click ``option``."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first.click()  # type: ignore[attr-defined]
    page.get_by_role("option", name=option, exact=True).click()  # type: ignore[attr-defined]
    settle(page)


def test_a_quarter_and_a_rate_move_in_the_browser_wide_and_on_a_phone(server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log_in(page, server)
    pick(page, "Period", "Quarter")
    pick(page, "Quarter", "Q1")
    heading = page.get_by_role("heading", name=re.compile(f"In the period, 1 Jan {YEAR} – 31 Mar {YEAR}"))
    heading.wait_for(timeout=60_000)
    page.get_by_role("heading", name=re.compile("Payments per month")).wait_for(timeout=60_000)
    no_traceback(page, "overview, Q1")
    page.screenshot(path=str(ARTIFACTS / "periods-1440-overview-q1.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    drawn(page)
    heading.scroll_into_view_if_needed()
    drawn(page, quiet_ms=150)
    no_traceback(page, "overview, Q1, phone")
    page.screenshot(path=str(ARTIFACTS / "periods-390-overview-q1.png"))

    page.set_viewport_size({"width": 1440, "height": 900})  # the click waits for the link to show
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.locator('a[href$="/directorates"]').click()
    settle(page)
    pick(page, "Period", "Month")
    yoy = page.get_by_role("heading", name="Year over year per directorate")
    yoy.wait_for(timeout=60_000)
    yoy.scroll_into_view_if_needed()
    drawn(page, quiet_ms=150)
    no_traceback(page, "directorates, month")
    page.screenshot(path=str(ARTIFACTS / "periods-1440-directorates-month.png"))

    nav.locator('a[href$="/exchange-rates"]').click()
    settle(page)
    page.get_by_role("heading", name="Rate history").wait_for(timeout=60_000)
    what_if = page.locator('[data-testid="stExpander"]').filter(has_text="What if the rates move?")
    what_if.locator("summary").click()
    settle(page)
    before = page.locator('[data-testid="stMetric"]').filter(has_text="Open EUR at the moved rates") \
        .locator('[data-testid="stMetricValue"]').inner_text()
    box = page.locator('[data-testid="stNumberInput"]').filter(has_text="USD move").locator("input")
    box.fill("10")
    box.press("Enter")
    settle(page)
    moved = page.locator('[data-testid="stMetric"]').filter(has_text="Open EUR at the moved rates") \
        .locator('[data-testid="stMetricValue"]')
    for _ in range(20):  # the rerun the Enter asks for may start after the page looked settled
        if moved.inner_text() != before:
            break
        settle(page)
    after = moved.inner_text()
    assert after != before and re.fullmatch(r"EUR [\d,]+\.\d{2}", after.strip()), (before, after)
    no_traceback(page, "exchange rates, what-if")
    what_if.scroll_into_view_if_needed()
    drawn(page, quiet_ms=150)
    page.screenshot(path=str(ARTIFACTS / "periods-1440-exchange-what-if.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    drawn(page)
    page.get_by_role("heading", name="Rate history").scroll_into_view_if_needed()
    drawn(page, quiet_ms=150)
    page.screenshot(path=str(ARTIFACTS / "periods-390-exchange-history.png"))
    context.close()
