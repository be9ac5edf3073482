"""The Outlook page through Streamlit's AppTest on the demo ledger: its headline figures are the
service's, a what-if rate changes them as the service says, a viewer sees their directorates only."""

from __future__ import annotations

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
    shortfalls = [r.key for r in o.rows if (r.payment_balance or 0) < 0 or (r.commitment_balance or 0) < 0]
    assert len([e for e in at.error if "short by" in e.value]) >= len(shortfalls)
    tables = [d.value for d in at.dataframe]
    by_ab = next(t for t in tables if "Projected payments" in t.columns)
    assert [Decimal(str(v)) for v in by_ab["Projected payments"]] == [r.projected_paid for r in [*o.rows, o.total]]
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
