"""The dashboard in a real headless Chromium: ``streamlit run dashboards/serve.py`` (as
``make dashboard``) on a free port, a real log-in.

Debian's ``chromium`` (``/usr/bin/chromium``) is driven by the ``playwright`` package with
``executable_path`` (``playwright install`` cannot download here and is never run). The
test logs in with an account created through the CLI, opens every page, uploads a workbook
through the Imports page, downloads a table and saves a screenshot of every page under
``tmp/test-artifacts/dashboard/``. Skipped, with the reason shown, when Chromium is absent.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import pytest
from dashboard_server import BROWSER_MARKS, chromium, drawn, no_traceback, served, settle
from dashboard_server import log_in as log_in_as

from budget.demo import load_demo
from budget.ledger.db import make_engine, make_session_factory
from budget.ledger.migrate import upgrade
from budget.services import users
from budget.services.reference import OrganisationInput, register_organisation
from budget.uow import UnitOfWork

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tmp" / "test-artifacts" / "dashboard"
PASSWORD = "browser-test-password"
HOSTILE = "[click me](https://evil.example/x) ![t](http://evil.example/b.png) <b>bold</b>"

pytestmark = BROWSER_MARKS

#: (navigation label, heading the page shows, screenshot name)
PAGES = [
    ("Overview", "Where the year stands", "01-overview"),
    ("Organisations", "Organisations", "02-organisations"),
    ("Directorates", "Directorates", "03-directorates"),
    ("Budget lines (AB)", "Budget lines (basic allocations)", "04-budget-lines"),
    ("Arrears", "Arrears", "05-arrears"),
    ("Exchange rates", "Exchange rates", "06-exchange-rates"),
    ("Year-end outlook", "Year-end outlook", "06b-outlook"),
    ("Reports", None, "07-reports"),
    ("Imports", "Imports", "08-imports"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo ledger, an officer created with the CLI, and ``streamlit run`` serving it."""
    tmp = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{tmp / 'ledger.db'}"
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    load_demo(factory)
    with UnitOfWork(factory) as uow:  # a viewer of M2 and M3, and a name from a hostile file
        users.add_user(uow, "victor", PASSWORD, "viewer", ["M2", "M3"])
        users.add_user(uow, "ada", PASSWORD, "admin")
        register_organisation(uow, OrganisationInput("EVIL", HOSTILE, "M2"))
        uow.commit()
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BUDGET_")}
    env.update(BUDGET_DATABASE_URL=url, HOME=str(tmp))
    subprocess.run(
        [sys.executable, "-m", "budget.cli", "users", "add", "officer", "--role", "officer",
         "--password-stdin"],
        input=PASSWORD + "\n", text=True, env=env, check=True, cwd=tmp, capture_output=True,
    )
    with served(tmp, env, ARTIFACTS / "streamlit.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as b:
        yield b


def workbook() -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Organisations"
    ws.append(["Code", "Naam", "Directie", "Munt"])
    ws.append(["BROWSER-ORG", "Organisation loaded through the browser", "M4", "EUR"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def log_in(page: object, base: str, name: str = "officer") -> None:
    log_in_as(page, base, name, PASSWORD)


def test_an_officer_logs_in_opens_every_page_uploads_and_downloads(server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    log_in(page, server)
    nav = page.locator('[data-testid="stSidebarNav"]')
    for label, heading, shot in PAGES:
        link = nav.get_by_role("link", name=label, exact=True)
        if label == "Reports" and link.count() == 0:
            continue  # the reports page comes with the reports issue
        if label != "Overview":  # open since the log-in: not run again
            link.click()
        if heading:
            page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=60_000)
        settle(page)
        no_traceback(page, label)
        page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)

        if label == "Organisations":
            with page.expect_download(timeout=60_000) as info:
                page.get_by_role("button", name="Download as Excel").first.click()
            target = ARTIFACTS / "organisations.xlsx"
            info.value.save_as(target)
            ws = openpyxl.load_workbook(target).active
            headers = [c.value for c in ws[1]]
            assert headers[:3] == ["Code", "Name", "Directorate"]
            committed = [r[headers.index("Committed EUR")] for r in ws.iter_rows(min_row=2, values_only=True)]
            assert all(isinstance(v, int | float) for v in committed) and sum(committed) > 0

    # The Imports page is open: upload a workbook, preview, confirm.
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": "organisations.xlsx", "mimeType":
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": workbook()}])
    page.get_by_text(re.compile("Preview of organisations.xlsx")).wait_for(timeout=60_000)
    settle(page)
    no_traceback(page, "import preview")
    page.screenshot(path=str(ARTIFACTS / "09-import-preview.png"), full_page=True)
    page.get_by_role("button", name=re.compile("Confirm and load")).click()
    page.get_by_text(re.compile("Loaded as batch")).wait_for(timeout=60_000)
    settle(page)
    no_traceback(page, "import load")
    page.screenshot(path=str(ARTIFACTS / "10-import-loaded.png"), full_page=True)

    # The new organisation is on the Organisations page straight away (cache cleared).
    nav.get_by_role("link", name="Organisations", exact=True).click()
    page.get_by_role("heading", name="Organisations", exact=True).first.wait_for(timeout=60_000)
    settle(page)
    page.get_by_placeholder("code or name, e.g. UN, NATO").fill("BROWSER-ORG")
    page.get_by_placeholder("code or name, e.g. UN, NATO").press("Enter")
    settle(page)
    # The grid draws on a canvas; its cells exist (hidden) for assistive technology.
    page.locator("td[role=gridcell]", has_text="BROWSER-ORG").first.wait_for(state="attached", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "11-organisations-after-import.png"), full_page=True)
    context.close()


def test_a_deep_link_without_log_in_shows_the_log_in_form_only(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/organisations")
    page.get_by_role("button", name="Log in").wait_for(timeout=60_000)
    settle(page)
    assert page.get_by_role("heading", name="Organisations").count() == 0
    assert page.locator('[data-testid="stDataFrame"]').count() == 0
    page.get_by_label("User name").fill("officer")
    page.get_by_label("Password", exact=True).fill("wrong password!")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Wrong user name or password").wait_for(timeout=30_000)
    no_traceback(page, "log-in")
    context.close()


def test_log_out_leaves_nothing_for_the_next_user_and_hostile_names_stay_text(server, browser):
    """An officer's all-directorates report is gone for the viewer who logs in next on the
    same browser; an organisation named with Markdown shows as text, fetching nothing."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    log_in(page, server)
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_role("link", name="Reports", exact=True).click()
    settle(page)
    page.get_by_role("button", name="Generate the report").click()
    page.get_by_role("button", name="Download the PDF").wait_for(timeout=90_000)
    settle(page)
    page.screenshot(path=str(ARTIFACTS / "12-officer-report.png"), full_page=True)
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Log in").wait_for(timeout=60_000)
    settle(page)
    assert page.get_by_role("button", name="Download the PDF").count() == 0
    page.get_by_label("User name").fill("victor")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=60_000)
    settle(page)
    nav.get_by_role("link", name="Reports", exact=True).click()
    settle(page)
    no_traceback(page, "viewer's reports")
    page.screenshot(path=str(ARTIFACTS / "13-viewer-reports-after-log-out.png"), full_page=True)
    assert page.get_by_role("button", name="Download the PDF").count() == 0
    assert page.get_by_role("button", name="Download the Excel workbook").count() == 0
    assert page.locator('[data-testid="stMetric"]').count() == 0

    # The hostile name, in the viewer's own directorate M2.
    nav.get_by_role("link", name="Organisations", exact=True).click()
    page.get_by_role("heading", name="Organisations", exact=True).first.wait_for(timeout=60_000)
    settle(page)
    box = page.locator('[data-testid="stSelectbox"]', has_text="Organisation").last
    box.click()
    page.keyboard.type("EVIL")
    page.keyboard.press("Enter")
    settle(page)
    heading = page.locator("h4", has_text="[click me](https")
    heading.first.wait_for(timeout=30_000)
    no_traceback(page, "hostile name")
    page.screenshot(path=str(ARTIFACTS / "14-hostile-organisation-name.png"), full_page=True)
    assert page.locator('a[href*="evil.example"]').count() == 0
    assert page.locator('img[src*="evil.example"]').count() == 0
    assert page.locator("b", has_text="bold").count() == 0
    assert not [u for u in requested if "evil.example" in u]
    context.close()


#: The pages an officer reads most, by their address (the labels change with the language).
READ_PAGES = ["overview", "organisations", "directorates", "budget-lines", "arrears", "outlook"]
#: The tables whose amounts answer the question (their places on the page): none may need a
#: sideways scroll at 1440 px. The outlook's: the commitment and payment credits per AB, the
#: cash plan, the credit needs and the timeliness (not the list of parts, whose basis is prose).
HEADLINE_TABLES = {"overview": (0,), "directorates": (0,), "budget-lines": (0,), "outlook": (0, 1, 2, 3, 5)}
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def choose_language(page: object, label: str) -> None:
    box = page.locator('[data-testid="stSelectbox"]', has_text="Language")  # type: ignore[attr-defined]
    box.click()
    page.get_by_role("option", name=label, exact=True).click()  # type: ignore[attr-defined]
    settle(page)


def grid_overflows(page: object, indexes: tuple[int, ...]) -> list[int]:
    """The tables among the ``indexes``-th on the page that need a horizontal scroll."""
    return list(page.evaluate(  # type: ignore[attr-defined]
        """(wanted) => {
             const grids = document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller');
             return wanted.filter((i) => !grids[i] || grids[i].scrollWidth > grids[i].clientWidth + 1); }""",
        list(indexes)))


def outside_requests(requested: list[str]) -> list[str]:
    """The requests that left this machine (no font, icon or emoji server)."""
    return sorted({u for u in requested
                   if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname not in LOCAL_HOSTS})


def open_page(page: object, nav: object, i: int, path: str) -> None:
    """Click the ``i``-th link of the navigation (to ``path``) and wait until it is drawn;
    the page open since the log-in (the overview) is not run again."""
    if urlsplit(page.url).path.strip("/") != path:  # type: ignore[attr-defined]
        nav.locator("a").nth(i).click()  # type: ignore[attr-defined]
        if path != "overview":  # the overview's link is the site's root
            page.wait_for_url(re.compile(f"/{path}(\\?|$)"), timeout=60_000)  # type: ignore[attr-defined]
    settle(page)


def phone(page: object) -> None:
    """From 1440 px to a phone's 390 px, at the top of the page, redrawn at that width."""
    top(page)
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    drawn(page)


def wide(page: object) -> None:
    """Back to 1440 px before the next page is opened (the click waits for the navigation's
    link to show and stand still; that page is then drawn at this width)."""
    page.set_viewport_size({"width": 1440, "height": 900})  # type: ignore[attr-defined]


def top(page: object) -> None:
    """Streamlit scrolls its own main block: back to its top."""
    page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 0)")  # type: ignore[attr-defined]


def at_first_table(page: object) -> None:
    """Streamlit scrolls its own main block: scrolled to the first table, drawn there."""
    page.locator('[data-testid="stDataFrame"]').first.scroll_into_view_if_needed()  # type: ignore[attr-defined]
    drawn(page, quiet_ms=150)


def test_the_read_pages_in_english_at_1440_and_390_px_fetch_nothing_from_outside(server, browser):
    """Screenshots of the pages officers read, wide and on a phone, in English; the headline
    tables fit 1440 px without a sideways scroll; and no request leaves this machine (no
    font, icon or emoji server). The same pages in French are read, checked and pictured
    (``read-fr-*``) by the admin's click through every page in French below."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    log_in(page, server)  # in English: the log-in waits for the English overview heading
    nav = page.locator('[data-testid="stSidebarNav"]')
    hrefs = nav.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    paths = [urlsplit(h).path.strip("/") or "overview" for h in hrefs]
    overflowing: list[str] = []
    lang = "en"
    for path in READ_PAGES:
        wide(page)
        open_page(page, nav, paths.index(path), path)
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
        no_traceback(page, f"{path} {lang}")
        page.screenshot(path=str(ARTIFACTS / f"read-{lang}-1440-{path}.png"), full_page=True)
        at_first_table(page)
        page.screenshot(path=str(ARTIFACTS / f"read-{lang}-1440-{path}-table.png"))
        if path in HEADLINE_TABLES and (wide_tables := grid_overflows(page, HEADLINE_TABLES[path])):
            overflowing.append(f"{path} {lang} {wide_tables}")
        phone(page)
        no_traceback(page, f"{path} {lang} phone")
        page.screenshot(path=str(ARTIFACTS / f"read-{lang}-390-{path}.png"))
        at_first_table(page)
        page.screenshot(path=str(ARTIFACTS / f"read-{lang}-390-{path}-table.png"))
    context.close()
    assert overflowing == [], f"headline tables scroll sideways at 1440 px: {overflowing}"
    assert outside_requests(requested) == [], outside_requests(requested)


def test_an_admin_clicks_through_every_page_in_french_and_nothing_leaves_this_machine(server, browser):
    """Every page of the navigation (the Audit and Users pages included), in French, at
    1440 and 390 px; a user added on the Users page gets a password shown once; and no
    request leaves this machine. The pages officers read (``READ_PAGES``) get the French
    checks and pictures of the read test above: the headline tables fit 1440 px without a
    sideways scroll, French writes 1.234,56, and ``read-fr-*`` screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    log_in(page, server, "ada")
    choose_language(page, "Français")
    nav = page.locator('[data-testid="stSidebarNav"]')
    hrefs = nav.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    paths = [urlsplit(h).path.strip("/") or "overview" for h in hrefs]
    assert {"audit", "users"} <= set(paths), paths
    assert set(READ_PAGES) <= set(paths), paths
    overflowing: list[str] = []
    lang = "fr"
    for i, path in enumerate(paths):
        read = path in READ_PAGES
        wide(page)
        open_page(page, nav, i, path)
        if read:
            page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
        no_traceback(page, path)
        shot = page.screenshot(path=str(ARTIFACTS / f"admin-fr-1440-{path}.png"), full_page=True)
        if read:  # the same view as the read test's: 1440 x 900, the whole page
            (ARTIFACTS / f"read-{lang}-1440-{path}.png").write_bytes(shot)
            if path in HEADLINE_TABLES and (wide_tables := grid_overflows(page, HEADLINE_TABLES[path])):
                overflowing.append(f"{path} {lang} {wide_tables}")
            if path == "overview":
                text = page.locator('[data-testid="stMetricValue"]').first.inner_text()
                assert re.fullmatch(r"EUR \d{1,3}(\.\d{3})*,\d{2}", text.strip()), text
            at_first_table(page)
            page.screenshot(path=str(ARTIFACTS / f"read-{lang}-1440-{path}-table.png"))
        phone(page)
        no_traceback(page, f"{path} phone")
        shot = page.screenshot(path=str(ARTIFACTS / f"admin-fr-390-{path}.png"), full_page=True)
        if read:  # the read test's phone picture: the same first screen (Streamlit scrolls its
            (ARTIFACTS / f"read-{lang}-390-{path}.png").write_bytes(shot)  # own block, not the page)
        if path in ("audit", "users") or read:  # Streamlit scrolls its own block: a picture at the table
            at_first_table(page)
            page.screenshot(path=str(ARTIFACTS / (f"read-{lang}-390-{path}-table.png" if read
                                                  else f"admin-fr-390-{path}-table.png")))
        if path == "audit":
            page.get_by_role("heading", name="Journal d'audit").wait_for(timeout=30_000)
            assert page.locator('[data-testid="stDataFrame"]').count() == 1
    # The Users page is the last one: add a user, whose temporary password shows once.
    wide(page)
    drawn(page)
    page.get_by_label("Nom d'utilisateur").fill("browser-user")
    page.get_by_role("button", name="Ajouter l'utilisateur").click()
    page.get_by_text("Utilisateur browser-user ajouté").wait_for(timeout=30_000)
    settle(page)
    no_traceback(page, "user added")
    page.screenshot(path=str(ARTIFACTS / "admin-fr-1440-users-added.png"), full_page=True)
    page.locator('[data-testid="stCode"]').first.wait_for(timeout=30_000)  # a lazily loaded part
    assert page.locator('[data-testid="stCode"]').count() == 1
    context.close()
    assert overflowing == [], f"headline tables scroll sideways at 1440 px: {overflowing}"
    assert outside_requests(requested) == [], outside_requests(requested)
