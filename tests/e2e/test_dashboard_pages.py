"""The dashboard pages through Streamlit's AppTest, on the demo ledger (SQLite).

Every page is rendered server-side; the figures it shows are compared with the service
layer's to the cent; filters, the directorate limit of a viewer and the log-in are checked.
(The service layer itself runs on SQLite and PostgreSQL in tests/integration; one test here
also renders the overview on both backends with the ``ledger`` fixture.)
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import DEMO_TODAY, demo_copy
from streamlit.testing.v1 import AppTest

from budget.ledger.db import make_engine, make_session_factory
from budget.money import fmt
from budget.services import exchange, organisation_status, users, views
from budget.uow import UnitOfWork
from dashboards.common import CurrentUser, to_excel_bytes

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
TODAY = DEMO_TODAY  # the pages' today too (fixed_today)
YEAR = TODAY.year
PAGES = ["overview", "organisations", "directorates", "budget_lines", "arrears", "exchange_rates"]


pytestmark = pytest.mark.usefixtures("fixed_today")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> str:
    """A copy of the session's demo ledger for this module (read-only for the page tests)."""
    return demo_copy(demo_template, tmp_path_factory.mktemp("dash"))


@pytest.fixture
def demo_factory(demo_db: str):
    engine = make_engine(demo_db)
    yield make_session_factory(engine)
    engine.dispose()


def app(monkeypatch: pytest.MonkeyPatch, url: str, user: CurrentUser | None = None,
        demo: bool = False) -> AppTest:
    monkeypatch.setenv("BUDGET_DATABASE_URL", url)
    if demo:
        monkeypatch.setenv("BUDGET_DEMO", "1")
    else:
        monkeypatch.delenv("BUDGET_DEMO", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    if user is not None:
        at.session_state["user"] = user
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    """Run the entry point first (log-in, navigation), then switch to ``page``."""
    if not getattr(at, "_started", False):
        at.run()
        at._started = True  # type: ignore[attr-defined]
    return at.switch_page(f"screens/{page}.py").run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def shown(markdown: str) -> str:
    """A Markdown text as the browser shows it (values in texts are escaped: ``0\\-30``)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if shown(m.label) == label]
    assert found, f"no metric {label!r} in {[m.label for m in at.metric]}"
    return found[0]


def eur(amount: Decimal) -> str:
    return f"EUR {fmt(amount)}"


def is_totals_row(row: pd.Series) -> bool:
    return any(isinstance(v, str) and v.startswith(("Total", "Totaal")) for v in row)


def table(at: AppTest, *columns: str, with_totals: bool = False) -> pd.DataFrame:
    """The first table shown that has all these columns, without its totals row (the last
    row, whose first cell says Total), unless ``with_totals``."""
    for df in at.dataframe:
        value = df.value
        if all(c in value.columns for c in columns):
            if not with_totals and len(value) and is_totals_row(value.iloc[-1]):
                return value.iloc[:-1]
            return value
    raise AssertionError(f"no table with columns {columns}")


def dec(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


OFFICER = CurrentUser("officer1", "officer", None)


def test_every_page_renders_on_the_demo_data_without_an_error(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db, demo=True)
    at.run()
    no_errors(at)
    assert any("Demo mode" in w.value for w in at.warning)
    for page in PAGES[1:]:
        open_page(at, page)
        no_errors(at)
        assert at.title, page


def test_overview_headline_figures_equal_the_service_layer(monkeypatch, demo_db, demo_factory):
    at = app(monkeypatch, demo_db, OFFICER)
    at.run()
    no_errors(at)
    with UnitOfWork(demo_factory, write=False) as uow:
        tot = views.execution(uow, YEAR, "directorate", as_of=TODAY).totals
        overdue = views.arrears(uow, TODAY).total_eur
    assert metric(at, "Commitment credits") == eur(tot.commitment_credits)
    assert metric(at, "Committed") == eur(tot.committed)
    assert metric(at, "Available to commit") == eur(tot.available)
    assert metric(at, "Paid in the year") == eur(tot.paid_in_year)
    assert metric(at, "Paid on the year's commitments") == eur(tot.paid)
    assert metric(at, "Open (committed − paid)") == eur(tot.open)
    assert metric(at, "Overdue") == eur(overdue)
    assert tot.committed > 0 and overdue > 0


def test_overview_lists_equal_the_service_layers_full_lists(monkeypatch, demo_db, demo_factory):
    """The page reads only the lines it shows; they are the full lists' largest, to the cent."""
    at = app(monkeypatch, demo_db, OFFICER)
    at.run()
    no_errors(at)
    horizon = TODAY + dt.timedelta(days=30)
    with UnitOfWork(demo_factory, write=False) as uow:
        due = [x for x in views.arrears(uow, TODAY).not_yet_due if x.due_date <= horizon]
        largest = views.open_commitments(uow, as_of=TODAY, year=YEAR)[:10]
    top = table(at, "Reference", "Open EUR")
    assert list(top["Reference"]) == [o.reference for o in largest]
    assert [dec(v) for v in top["Open EUR"]] == [o.open_eur for o in largest]
    if due:
        shown = table(at, "Due date", "Outstanding EUR")
        assert len(shown) == len(due)
        assert sum(dec(v) for v in shown["Outstanding EUR"]) == sum(x.outstanding_eur for x in due)
    else:
        assert any("Nothing falls due" in m.value for m in at.info), [m.value for m in at.info]


def test_the_as_of_date_and_the_year_change_the_overview_figures(monkeypatch, demo_db, demo_factory):
    at = app(monkeypatch, demo_db, OFFICER)
    at.run()
    early = dt.date(YEAR, 2, 1)
    at.date_input(key=f"ov_as_of-{YEAR}").set_value(early).run()
    no_errors(at)
    with UnitOfWork(demo_factory, write=False) as uow:
        tot = views.execution(uow, YEAR, "directorate", as_of=early).totals
        last = views.execution(uow, YEAR - 1, "directorate", as_of=dt.date(YEAR - 1, 12, 31)).totals
    assert metric(at, "Committed") == eur(tot.committed)
    at.selectbox(key="ov_year").set_value(YEAR - 1).run()
    no_errors(at)
    assert metric(at, "Committed") == eur(last.committed)
    assert last.committed != tot.committed


def test_organisations_table_equals_the_service_and_filters_narrow_it(monkeypatch, demo_db, demo_factory):
    at = app(monkeypatch, demo_db, OFFICER)
    open_page(at, "organisations")
    no_errors(at)
    with UnitOfWork(demo_factory, write=False) as uow:
        rows = organisation_status.organisation_status(uow, YEAR, as_of=TODAY)
        ex = views.execution(uow, YEAR, "organisation", as_of=TODAY)
    df = table(at, "Code", "Status", "Outstanding EUR")
    assert len(df) == len(rows) == len(ex.rows)
    assert sum(dec(v) for v in df["Committed EUR"]) == ex.totals.committed
    assert sum(dec(v) for v in df["Paid EUR"]) == ex.totals.paid
    by_code = {r.code: r for r in rows}
    for _, line in df.iterrows():
        assert dec(line["Open EUR"]) == by_code[line["Code"]].open

    assert not at.multiselect  # folded with none set: the filters are drawn once unfolded
    at.session_state["org_filters_open"] = True
    at.run()
    at.multiselect(key="org_dirs").set_value(["M2"]).run()
    df = table(at, "Code", "Status", "Outstanding EUR")
    assert set(df["Directorate"]) == {"M2"}
    assert len(df) == sum(1 for r in rows if r.directorate == "M2")
    assert metric(at, "Committed") == eur(sum((r.committed for r in rows if r.directorate == "M2"),
                                              Decimal(0)))

    at.multiselect(key="org_dirs").set_value([]).run()
    at.multiselect(key="org_status").set_value(["overdue"]).run()
    df = table(at, "Code", "Status", "Outstanding EUR")
    assert set(df["Status"]) == {"Overdue"}
    assert len(df) == sum(1 for r in rows if r.status == "overdue") > 0

    at.multiselect(key="org_status").set_value([]).run()
    at.text_input(key="org_search").input("nato").run()
    df = table(at, "Code", "Status", "Outstanding EUR")
    assert len(df) >= 1 and all("NATO" in (c + n).upper() for c, n in zip(df["Code"], df["Name"], strict=True))


def test_organisation_detail_shows_its_entries_and_past_years(monkeypatch, demo_db, demo_factory):
    at = app(monkeypatch, demo_db, OFFICER)
    open_page(at, "organisations")
    with UnitOfWork(demo_factory, write=False) as uow:
        rows = organisation_status.organisation_status(uow, YEAR, as_of=TODAY)
        code = next(r.code for r in rows if r.status == "partly_paid" or r.status == "overdue")
        detail = organisation_status.organisation_detail(uow, code, as_of=TODAY, year=YEAR)
    at.selectbox(key="org_detail").set_value(code).run()
    no_errors(at)
    assert len(table(at, "Period")) == len(detail.assessments)
    # Only the open tab is drawn (a switch of tab reruns the page): the others are opened in turn.
    assert not any("Assessment" in df.value.columns for df in at.dataframe)
    at.session_state["org_tabs"] = "Commitments"
    at.run()
    no_errors(at)
    assert len(table(at, "Committed", "Assessment")) == len(detail.commitments)
    at.session_state["org_tabs"] = "Past years"
    at.run()
    no_errors(at)
    years = table(at, "Year", "Assessed EUR", "Committed EUR")
    assert [int(y) for y in years["Year"]] == [y.year for y in detail.years]
    assert [dec(v) for v in years["Committed EUR"]] == [y.committed for y in detail.years]


def test_directorates_page_and_drill_down_equal_the_service(monkeypatch, demo_db, demo_factory):
    at = app(monkeypatch, demo_db, OFFICER)
    open_page(at, "directorates")
    no_errors(at)
    with UnitOfWork(demo_factory, write=False) as uow:
        ex = views.execution(uow, YEAR, "directorate", as_of=TODAY)
    df = table(at, "Organisations", "Committed EUR")
    assert {k: dec(v) for k, v in zip(df["Directorate"], df["Committed EUR"], strict=True)} == {
        r.key: r.committed for r in ex.rows}
    at.selectbox(key="dir_pick").set_value("M1").run()
    drill = table(at, "Code", "Overdue EUR")
    m1 = next(r for r in ex.rows if r.key == "M1")
    assert sum(dec(v) for v in drill["Committed EUR"]) == m1.committed


def test_budget_lines_page_equals_the_service(monkeypatch, demo_db, demo_factory):
    at = app(monkeypatch, demo_db, OFFICER)
    open_page(at, "budget_lines")
    no_errors(at)
    with UnitOfWork(demo_factory, write=False) as uow:
        ex = views.execution(uow, YEAR, "ab", as_of=TODAY)
        first = ex.rows[0].key
        hist = views.credit_history(uow, YEAR, ab=first)
    df = table(at, "Commitment credits EUR")
    assert sum(dec(v) for v in df["Commitment credits EUR"]) == ex.totals.commitment_credits
    assert sum(dec(v) for v in df["Available EUR"]) == ex.totals.available
    h = table(at, "Stage")
    assert sum(dec(v) for v in h["Amount EUR"]) == sum(
        (x.amount for x in hist if x.entry_date <= TODAY), Decimal(0))


def test_arrears_page_shows_the_overdue_lines_and_buckets(monkeypatch, demo_db, demo_factory):
    at = app(monkeypatch, demo_db, OFFICER)
    open_page(at, "arrears")
    no_errors(at)
    with UnitOfWork(demo_factory, write=False) as uow:
        arr = views.arrears(uow, TODAY)
    assert metric(at, "Overdue (EUR equivalent)") == eur(arr.total_eur)
    for bucket, value in arr.buckets.items():
        assert metric(at, f"{bucket} days") == eur(value)
    df = table(at, "Days overdue")
    assert len(df) == len(arr.overdue)
    assert sum(dec(v) for v in df["Outstanding EUR"]) == arr.total_eur


def test_exchange_rates_page_equals_the_service(monkeypatch, demo_db, demo_factory):
    at = app(monkeypatch, demo_db, OFFICER)
    open_page(at, "exchange_rates")
    no_errors(at)
    with UnitOfWork(demo_factory, write=False) as uow:
        diffs = views.exchange_differences(uow, year=YEAR)
        exposure = views.exposure(uow, as_of=TODAY)
    net = sum((d.gain_eur for d in diffs if d.entry_date <= TODAY), Decimal(0))
    assert metric(at, "Net") == eur(net)
    df = table(at, "Open EUR as booked")
    assert [dec(v) for v in df["Open EUR as booked"]] == [e.eur_booked for e in exposure]
    assert [dec(v) for v in df["Open EUR at the day's rate"]] == [e.eur_at_rate for e in exposure]
    total = table(at, "Open EUR as booked", with_totals=True).iloc[-1]
    t = exchange.exposure_totals(exposure)
    assert (dec(total["Open EUR as booked"]), dec(total["Open EUR at the day's rate"])) == (t.eur_booked,
                                                                                            t.eur_at_rate)
    # Said as a loss or a gain, its size without a sign (the table keeps the sign).
    assert t.difference is not None
    said = ("Latent loss" if t.difference > 0 else "Latent gain" if t.difference < 0
            else "Latent difference") + " at the latest rates"
    assert metric(at, said) == eur(abs(t.difference))


def test_a_viewer_limited_to_a_directorate_sees_only_its_organisations(monkeypatch, demo_db, demo_factory):
    viewer = CurrentUser("m2-reader", "viewer", ("M2",))
    at = app(monkeypatch, demo_db, viewer)
    at.run()
    no_errors(at)
    with UnitOfWork(demo_factory, write=False) as uow:
        mine = views.execution(uow, YEAR, "directorate", as_of=TODAY, directorates=["M2"]).totals
        everything = views.execution(uow, YEAR, "directorate", as_of=TODAY).totals
        m2_orgs = {o.code for o in views.organisations(uow, ["M2"])}
    assert metric(at, "Committed") == eur(mine.committed) != eur(everything.committed)
    assert set(table(at, "Directorate", "% paid")["Directorate"]) <= {"M2"}
    open_page(at, "organisations")
    df = table(at, "Code", "Status", "Outstanding EUR")
    assert set(df["Code"]) == m2_orgs and set(df["Directorate"]) == {"M2"}
    open_page(at, "directorates")
    assert set(table(at, "Organisations", "Committed EUR")["Directorate"]) == {"M2"}
    open_page(at, "arrears")
    if len(at.dataframe):
        assert set(table(at, "Days overdue")["Directorate"]) <= {"M2"}
    open_page(at, "exchange_rates")
    no_errors(at)
    # The import page is not offered to a viewer.
    assert not any("import" in str(p).lower() for p in at.get("page_link"))


def test_log_in_refuses_a_wrong_password_then_accepts_the_right_one(monkeypatch, demo_db, demo_factory):
    with UnitOfWork(demo_factory) as uow:
        if not any(u.username == "erin" for u in users.list_users(uow)):
            users.add_user(uow, "erin", "erin's good password", "viewer", ["M3"])
            uow.commit()
    at = app(monkeypatch, demo_db)
    at.run()
    assert at.header[0].value.startswith("Contributions budget")
    assert not at.metric  # nothing of the ledger before the log-in
    at.text_input(key="login_username").input("erin")
    at.text_input(key="login_password").input("wrong password")
    at.button[0].click().run()
    assert any("Wrong user name or password" in e.value for e in at.error)
    assert "user" not in at.session_state
    at.text_input(key="login_password").input("erin's good password")
    at.button[0].click().run()
    no_errors(at)
    assert at.session_state["user"] == CurrentUser("erin", "viewer", ("M3",))
    assert at.title[0].value == "Where the year stands"


def test_without_demo_mode_nothing_skips_the_log_in(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db)
    at.run()
    no_errors(at)
    assert [t.value for t in at.subheader] == ["Log in"]
    assert not at.dataframe and not at.metric


def test_the_interface_speaks_french_and_dutch_and_belgian_amounts(monkeypatch, demo_db, demo_factory):
    at = app(monkeypatch, demo_db, OFFICER)
    at.run()
    with UnitOfWork(demo_factory, write=False) as uow:
        tot = views.execution(uow, YEAR, "directorate", as_of=TODAY).totals
    at.selectbox(key="lang").set_value("fr").run()
    at.radio(key="amount_style").set_value("be").run()
    no_errors(at)
    assert at.title[0].value == "Situation de l'exercice"
    assert metric(at, "Engagé") == f"EUR {fmt(tot.committed, 'be')}"
    at.selectbox(key="lang").set_value("nl").run()
    assert at.title[0].value == "Stand van het begrotingsjaar"


def test_every_rate_in_french_is_written_with_a_comma_as_published(monkeypatch, demo_db, demo_factory):
    """The latest rates, the rates applied to the year's payments and an organisation's
    payments: fmt_rate in the reader's style, like the exposure table (not Python's str)."""
    from budget.money import fmt_rate
    from budget.services import fx_history

    at = app(monkeypatch, demo_db, OFFICER)
    at.run()
    at.selectbox(key="lang").set_value("fr").run()
    open_page(at, "exchange_rates")
    no_errors(at)
    with UnitOfWork(demo_factory, write=False) as uow:
        latest = fx_history.latest_rates(uow, TODAY)
        used = fx_history.rates_used(uow, YEAR, as_of=TODAY)
        status = organisation_status.organisation_status(uow, YEAR, as_of=TODAY)
        code = next(r.code for r in status if r.currency == "USD" and r.paid)
        detail = organisation_status.organisation_detail(uow, code, as_of=TODAY, year=YEAR)
    assert list(table(at, "Taux", "Source")["Taux"]) == [fmt_rate(x.rate, "be") for x in latest]
    assert list(table(at, "Taux effectif")["Taux effectif"]) == [fmt_rate(x.average_rate, "be") for x in used]
    assert all("," in t for t in table(at, "Taux", "Source")["Taux"])
    open_page(at, "organisations")
    at.selectbox(key="org_detail").set_value(code).run()
    at.session_state["org_tabs"] = "Paiements"
    at.run()
    no_errors(at)
    shown = table(at, "Taux", "Date du taux")["Taux"]
    assert list(shown) == [fmt_rate(p.rate, "be") for p in detail.payments] and len(shown)


def test_the_excel_download_holds_real_numbers_and_neutralises_formulas():
    df = pd.DataFrame({"Organisation": ["=HYPERLINK(\"x\")", "UN"],
                       "Amount EUR": [Decimal("1234567.89"), Decimal("-0.01")],
                       "Due date": [dt.date(2026, 1, 31), None], "Count": [3, 4]})
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(df)))
    ws = book.active
    assert [c.value for c in ws[1]] == ["Organisation", "Amount EUR", "Due date", "Count"]
    assert ws["A2"].value == "'=HYPERLINK(\"x\")" and ws["A2"].data_type == "s"
    assert ws["B2"].value == 1234567.89 and ws["B2"].number_format == "#,##0.00"
    assert ws["B3"].value == -0.01
    assert ws["C2"].value == dt.datetime(2026, 1, 31) and ws["C3"].value is None
    assert ws["D2"].value == 3


def small_ledger(ledger) -> None:
    """A few entries written through the services: credits, a USD assessment, paid in part."""
    from budget.services import (
        OrganisationInput,
        commit,
        record_credit,
        record_payment,
        record_rates,
        register_allocation,
        register_assessment,
        register_organisation,
    )

    ab = "14.54.11.35.40.01"
    with ledger.uow() as uow:
        register_allocation(uow, ab, "UN contributions", "M2")
        register_organisation(uow, OrganisationInput("UN-RB", "UN regular budget", "M2", "USD", ab))
        register_organisation(uow, OrganisationInput("OSCE", "OSCE", "M1", "EUR", ab))
        record_credit(uow, ab, YEAR, "commitment", "1000000.00", entry_date=dt.date(YEAR, 1, 1))
        record_credit(uow, ab, YEAR, "payment", "900000.00", entry_date=dt.date(YEAR, 1, 1))
        record_rates(uow, [("USD", dt.date(YEAR, 1, 2), Decimal("1.0350"))])
        register_assessment(uow, "UN-RB", "ST/ADM/1", [("USD", "414000.00")],
                            period_start=dt.date(YEAR, 1, 1), period_end=dt.date(YEAR, 12, 31),
                            due_date=dt.date(YEAR, 1, 31))
        commit(uow, "ENG-1", "UN-RB", entry_date=dt.date(YEAR, 1, 15), currency="USD",
               amount="414000.00", assessment_reference="ST/ADM/1")
        record_payment(uow, "PAY-1", "ENG-1", entry_date=dt.date(YEAR, 1, 20), amount="103500.00")
        commit(uow, "ENG-2", "OSCE", entry_date=dt.date(YEAR, 1, 16), amount_eur="12345.67")
        uow.commit()


def test_overview_and_organisations_on_both_backends_equal_the_service_layer(monkeypatch, ledger):
    small_ledger(ledger)
    at = app(monkeypatch, ledger.url, OFFICER)
    at.run()
    no_errors(at)
    with ledger.uow(write=False) as uow:
        tot = views.execution(uow, YEAR, "directorate", as_of=TODAY).totals
        rows = organisation_status.organisation_status(uow, YEAR, as_of=TODAY)
    assert tot.committed == Decimal("412345.67") and tot.paid_in_year == Decimal("100000.00")
    assert metric(at, "Committed") == eur(tot.committed)
    assert metric(at, "Paid in the year") == eur(tot.paid_in_year)
    assert metric(at, "Open (committed − paid)") == eur(tot.open)
    open_page(at, "organisations")
    no_errors(at)
    df = table(at, "Code", "Status", "Outstanding EUR")
    shown = dict(zip(df["Code"], map(dec, df["Committed EUR"]), strict=True))
    assert shown == {r.code: r.committed for r in rows}
    status = dict(zip(df["Code"], df["Status"], strict=True))
    assert status["UN-RB"] == ("Overdue" if dt.date(YEAR, 1, 31) < TODAY else "Partly paid")
    assert status["OSCE"] == "Not yet assessed"


def test_with_an_openid_provider_configured_the_log_in_goes_through_it(monkeypatch, demo_db):
    at = app(monkeypatch, demo_db)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "budget", "client_secret": "secret",
        "server_metadata_url": "https://login.example.org/.well-known/openid-configuration",
    }
    at.run()
    no_errors(at)
    assert [b.label for b in at.button if b.label.startswith("Log in")] == [
        "Log in with your organisation account"]
    assert not at.text_input and not at.metric  # no password form, no data


def capture_downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """The deferred download callables the pages register, by file name (built on click)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        seen[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return seen


def test_a_long_list_shows_its_largest_lines_and_the_excel_download_holds_them_all(
        monkeypatch, demo_db, demo_factory):
    from dashboards import common

    monkeypatch.setattr(common, "SHOWN_ROWS", 3)
    downloads = capture_downloads(monkeypatch)
    at = app(monkeypatch, demo_db, OFFICER)
    open_page(at, "arrears")
    no_errors(at)
    with UnitOfWork(demo_factory, write=False) as uow:
        arr = views.arrears(uow, TODAY)
    assert len(arr.overdue) > 3
    df = table(at, "Days overdue")
    largest = sorted(arr.overdue, key=lambda x: x.outstanding_eur, reverse=True)[:3]
    # The three largest, in the page's usual order (most days overdue first).
    assert list(df["Reference"]) == [x.reference for x in arr.overdue if x in largest]
    assert [dec(v) for v in df["Outstanding EUR"]] == [
        x.outstanding_eur for x in arr.overdue if x in largest]
    assert any(f"Showing the 3 largest of {len(arr.overdue)} overdue lines" in cap.value
               for cap in at.caption)
    # The headline figures still cover every line.
    assert metric(at, "Overdue (EUR equivalent)") == eur(arr.total_eur)

    book = openpyxl.load_workbook(io.BytesIO(downloads[f"arrears-{TODAY}.xlsx"]()))
    ws = book.active
    head = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(arr.overdue)
    column = head.index("Outstanding EUR")
    assert sum(Decimal(str(r[column])) for r in rows) == arr.total_eur
    assert ws.cell(2, column + 1).number_format == "#,##0.00"


def test_all_lines_and_no_showing_caption_when_the_list_is_short(monkeypatch, demo_db, demo_factory):
    at = app(monkeypatch, demo_db, OFFICER)
    open_page(at, "arrears")
    with UnitOfWork(demo_factory, write=False) as uow:
        arr = views.arrears(uow, TODAY)
    assert len(table(at, "Days overdue")) == len(arr.overdue) < 200
    assert not any("Showing the" in cap.value for cap in at.caption)


def test_the_exchange_differences_show_the_largest_and_download_them_all(
        monkeypatch, demo_db, demo_factory):
    from dashboards import common

    monkeypatch.setattr(common, "SHOWN_ROWS", 2)
    downloads = capture_downloads(monkeypatch)
    at = app(monkeypatch, demo_db, OFFICER)
    open_page(at, "exchange_rates")
    no_errors(at)
    with UnitOfWork(demo_factory, write=False) as uow:
        diffs = [d for d in views.exchange_differences(uow, year=YEAR) if d.entry_date <= TODAY]
    if len(diffs) <= 2:
        pytest.skip("the demo has too few exchange differences this year")
    shown = table(at, "Gain (+) / loss (−) EUR")
    assert len(shown) == 2
    assert any(f"Showing the 2 largest of {len(diffs)} exchange differences" in cap.value
               for cap in at.caption)
    biggest = sorted(abs(d.gain_eur) for d in diffs)[-2:]
    assert sorted(abs(dec(v)) for v in shown["Gain (+) / loss (−) EUR"]) == biggest
    book = openpyxl.load_workbook(io.BytesIO(downloads[f"exchange-differences-{YEAR}.xlsx"]()))
    assert book.active.max_row - 1 == len(diffs)


def test_a_rerun_with_nothing_changed_runs_no_sql_query_but_the_data_version(monkeypatch, demo_db):
    """Every SQL statement the process sends through SQLAlchemy is counted: a rerun of a page
    with nothing changed sends none and reads the data version once (one index seek, on the
    raw connection), and shows the same tables."""
    from sqlalchemy import Engine, event

    statements: list[str] = []
    versions: list[int] = []
    real_version = views.data_version_of

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def counted_version(engine):
        versions.append(1)
        return real_version(engine)

    monkeypatch.setattr(views, "data_version_of", counted_version)
    event.listen(Engine, "before_cursor_execute", count)
    try:
        at = app(monkeypatch, demo_db, OFFICER)
        for page in PAGES:
            open_page(at, page)
            no_errors(at)
            shown = [d.value for d in at.dataframe]
            statements.clear()
            versions.clear()
            at.run()
            no_errors(at)
            assert statements == [], (page, statements[:3])
            assert len(versions) == 1, page
            assert all(a.equals(b) for a, b in zip(shown, [d.value for d in at.dataframe], strict=True))
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def test_the_overview_caption_gives_last_years_full_totals(monkeypatch, demo_db, demo_factory):
    at = app(monkeypatch, demo_db, OFFICER)
    at.run()
    with UnitOfWork(demo_factory, write=False) as uow:
        last = views.execution(uow, YEAR - 1, "directorate").totals
    caption = next(shown(cap.value) for cap in at.caption if str(YEAR - 1) in cap.value)
    assert fmt(last.committed) in caption and fmt(last.paid_in_year) in caption


def test_the_import_templates_are_built_when_downloaded(monkeypatch, demo_db):
    downloads = capture_downloads(monkeypatch)
    at = app(monkeypatch, demo_db, OFFICER)
    open_page(at, "import_files")
    no_errors(at)
    templates = {name: build for name, build in downloads.items() if name.startswith("template-")}
    assert len(templates) >= 4
    for name, build in templates.items():
        book = openpyxl.load_workbook(io.BytesIO(build()))
        assert book.sheetnames, name
