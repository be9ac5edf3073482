"""The Outlook page through Streamlit's AppTest on the demo ledger: its headline figures are the
service's, a what-if rate changes them as the service says, a viewer sees their directorates only."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import DEMO_TODAY, demo_copy
from streamlit.testing.v1 import AppTest

from budget.ledger.db import make_engine, make_session_factory
from budget.money import fmt
from budget.services import outlook as ol
from budget.uow import UnitOfWork
from dashboards.common import CurrentUser

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
TODAY = DEMO_TODAY  # the pages' today too (fixed_today)
YEAR = TODAY.year
OFFICER = CurrentUser("officer1", "officer", None)


pytestmark = pytest.mark.usefixtures("fixed_today")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, demo_template: Path):
    url = demo_copy(demo_template, tmp_path_factory.mktemp("outlook"))
    engine = make_engine(url)
    yield url, make_session_factory(engine)
    engine.dispose()


def page(monkeypatch: pytest.MonkeyPatch, url: str, user: CurrentUser) -> AppTest:
    monkeypatch.setenv("BUDGET_DATABASE_URL", url)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["user"] = user
    at.run()
    at.switch_page("screens/outlook.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, [m.label for m in at.metric]
    return found[0]


def service(factory, **kw) -> ol.Outlook:
    with UnitOfWork(factory, write=False) as uow:
        return ol.outlook(uow, YEAR, as_of=TODAY, **kw)


def test_the_outlook_page_shows_the_service_figures_and_a_what_if_rate(monkeypatch, demo):
    url, factory = demo
    at = page(monkeypatch, url, OFFICER)
    o = service(factory)
    assert at.title[0].value == "Year-end outlook"
    assert metric(at, "Projected commitments") == f"EUR {fmt(o.total.projected_committed)}"
    assert metric(at, "Projected payments") == f"EUR {fmt(o.total.projected_paid)}"
    assert metric(at, "Commitment credits left") == f"EUR {fmt(o.total.commitment_balance)}"
    assert metric(at, "Payment credits left") == f"EUR {fmt(o.total.payment_balance)}"
    shortfalls = [r.key for r in o.rows if (r.payment_balance or 0) < 0 or (r.commitment_balance or 0) < 0]
    assert len([e for e in at.error if "short by" in e.value]) >= len(shortfalls)
    tables = [d.value for d in at.dataframe]
    # Two tables per AB, commitment credits then payment credits, the answer first: what is left
    commitments, payments = (t for t in tables if "Left EUR (− short)" in t.columns)
    assert list(payments.columns[:3]) == ["AB", "Left EUR (− short)", "On 31 December"]
    rows = [*o.rows, o.total]
    assert [Decimal(str(v)) for v in payments["Projected EUR"]] == [r.projected_paid for r in rows]
    assert [Decimal(str(v)) for v in payments["Left EUR (− short)"]] == [r.payment_balance for r in rows]
    assert [Decimal(str(v)) for v in commitments["Left EUR (− short)"]] == [r.commitment_balance for r in rows]
    assert [v.startswith("⚠") for v in payments["On 31 December"]] == [r.payment_balance < 0 for r in rows]
    assert any(r.payment_balance < 0 for r in rows), "the demo has an AB short of payment credits"
    assert any("Median days to full payment" in t.columns for t in tables)
    assert any("Basis" in t.columns for t in tables)

    usd = next(w for w in at.text_input if w.key.startswith("ol_rate_USD_"))
    usd.set_value("1.5").run()
    assert not at.exception
    what_if = service(factory, rates={"USD": Decimal("1.5")})
    assert metric(at, "Projected payments") == f"EUR {fmt(what_if.total.projected_paid)}"
    assert what_if.total.projected_paid < o.total.projected_paid  # a dearer dollar costs fewer euros


def test_a_viewer_limited_to_a_directorate_sees_its_outlook_only(monkeypatch, demo):
    url, factory = demo
    at = page(monkeypatch, url, CurrentUser("viewer2", "viewer", ("M2",)))
    o = service(factory, directorates=("M2",))
    assert metric(at, "Projected payments") == f"EUR {fmt(o.total.projected_paid)}"
    parts = next(d.value for d in at.dataframe if "Basis" in d.value.columns)
    assert set(parts["Organisation"]) <= {p.organisation for p in o.parts if p.directorate == "M2"}


def test_the_outlook_chart_speaks_the_readers_language_and_names_the_credit_lines(monkeypatch, demo):
    """Months by name, amounts written as the reader writes them, the two credit lines named
    on the chart: in Dutch, "jan" to "dec" and 1.234,56, the figures the service gives."""
    import json

    import pyarrow as pa

    url, factory = demo
    at = page(monkeypatch, url, OFFICER)
    at.session_state["lang"] = "nl"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (chart,) = at.get("vega_lite_chart")
    frames = [pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets]
    points = next(f for f in frames if "kind" in f.columns)
    credits = next(f for f in frames if "align" in f.columns)
    assert points["month"].iloc[0] == "jan" and set(points["month"]) <= {
        "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"}, set(points["month"])
    assert set(points["kind"]) == {"werkelijk", "raming"}
    assert all(re.fullmatch(r"EUR -?\d{1,3}(\.\d{3})*,\d{2}", v) for v in points["shown"])
    o = service(factory)
    shown = dict(zip(credits["series"], credits["shown"], strict=True))
    for name, figure in ((f"Vastleggingskredieten {YEAR}", o.total.commitment_credits),
                         (f"Vereffeningskredieten {YEAR}", o.total.payment_credits)):
        assert Decimal(shown[name][4:].replace(".", "").replace(",", ".")) == figure, shown
    marks = [layer["mark"]["type"] for layer in json.loads(chart.proto.spec)["layer"]]
    assert marks.count("text") == 2, marks  # each credit line named on the chart
    # The basis of every part still to come is a Dutch sentence, its dates written as in Dutch
    parts = next(d.value for d in at.dataframe if "Grondslag" in d.value.columns)
    openers = ("openstaande vastlegging", "opgevraagd", "verwachte oproep")
    assert len(parts) and all(b.startswith(openers) for b in parts["Grondslag"]), list(parts["Grondslag"])
    assert any(re.search(r"vervaldag \d{2}-\d{2}-\d{4}", b) for b in parts["Grondslag"])


def test_a_french_reader_types_a_what_if_rate_with_a_comma(monkeypatch, demo):
    """The rate shows as French writes it (1,0718) and "1,5" is read as 1.5; a rate that is not
    a number says so and keeps the day's rate."""
    url, factory = demo
    at = page(monkeypatch, url, OFFICER)
    at.session_state["lang"] = "fr"
    at.run()
    usd = next(w for w in at.text_input if w.key.startswith("ol_rate_USD_"))
    day_rate = next(r.rate for r in service(factory).rates if r.currency == "USD")
    assert usd.value == f"{day_rate.normalize():f}".replace(".", ",")
    usd.set_value("1,5").run()
    assert not at.exception, [e.value for e in at.exception]
    what_if = service(factory, rates={"USD": Decimal("1.5")})
    assert metric(at, "Paiements projetés") == f"EUR {fmt(what_if.total.projected_paid, 'be')}"
    next(w for w in at.text_input if w.key.startswith("ol_rate_USD_")).set_value("1,2,3").run()
    assert any("USD" in e.value for e in at.error)
    assert metric(at, "Paiements projetés") == f"EUR {fmt(service(factory).total.projected_paid, 'be')}"
