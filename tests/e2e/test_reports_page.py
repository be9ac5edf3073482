"""The dashboard's Reports page through Streamlit's AppTest (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from reports_seed import MONTH, seed_report_ledger
from streamlit.testing.v1 import AppTest

from budget.money import fmt
from budget.reports.monthly import monthly_report
from dashboards.common import CurrentUser

PAGE = str(Path(__file__).resolve().parents[2] / "dashboards" / "screens" / "reports.py")


def page(monkeypatch: pytest.MonkeyPatch, url: str, user: CurrentUser) -> AppTest:
    monkeypatch.setenv("BUDGET_DATABASE_URL", url)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state["user"] = user
    return at.run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def downloads(at: AppTest) -> list[str]:
    return [el.proto.label for el in at.get("download_button")]


def test_an_officer_generates_the_month_and_gets_both_files(ledger, monkeypatch):
    seed_report_ledger(ledger.factory)
    at = page(monkeypatch, ledger.url, CurrentUser("alice", "officer", None))
    no_errors(at)
    assert downloads(at) == []
    at.selectbox(key="rep_month").select(MONTH).run()
    at.button(key="rep_generate").click().run()
    no_errors(at)
    assert downloads(at) == ["Download the PDF", "Download the Excel workbook"]
    report = monthly_report(ledger.factory, MONTH)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Committed"] == "EUR " + fmt(report.summary.current.committed)
    assert metrics["Paid in the year"] == "EUR " + fmt(report.summary.current.paid_in_year)
    assert any(report.fingerprint in c.value for c in at.caption)


def test_a_viewer_limited_to_a_directorate_can_report_only_on_it(ledger, monkeypatch):
    seed_report_ledger(ledger.factory)
    at = page(monkeypatch, ledger.url, CurrentUser("bob", "viewer", ("M1",)))
    no_errors(at)
    assert [o.split(" – ")[0] for o in at.selectbox(key="rep_directorate").options] == ["M1"]
    at.selectbox(key="rep_month").select(MONTH).run()
    at.button(key="rep_generate").click().run()
    no_errors(at)
    expected = monthly_report(ledger.factory, MONTH, directorates=["M1"])
    assert any(expected.fingerprint in c.value for c in at.caption)
    assert len(downloads(at)) == 2


def test_a_viewer_of_several_directorates_gets_all_of_them_but_no_other(ledger, monkeypatch):
    seed_report_ledger(ledger.factory)
    at = page(monkeypatch, ledger.url, CurrentUser("carol", "viewer", ("M1", "M3")))
    options = [o.split(" – ")[0] for o in at.selectbox(key="rep_directorate").options]
    assert options == ["All my directorates", "M1", "M3"]
    at.selectbox(key="rep_month").select(MONTH).run()
    at.button(key="rep_generate").click().run()
    no_errors(at)
    expected = monthly_report(ledger.factory, MONTH, directorates=["M1", "M3"])
    assert any(expected.fingerprint in c.value for c in at.caption)
