"""The frozen packs on the dashboard's Reports page (AppTest; SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from reports_seed import MONTH, seed_report_ledger
from streamlit.testing.v1 import AppTest

from budget.reports import archive
from budget.reports.monthly import monthly_report
from budget.services import record_payment
from dashboards.common import CurrentUser

PAGE = str(Path(__file__).resolve().parents[2] / "dashboards" / "screens" / "reports.py")


@pytest.fixture(autouse=True)
def archive_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "archive"
    monkeypatch.setenv("BUDGET_ARCHIVE_DIR", str(folder))
    return folder


def page(monkeypatch: pytest.MonkeyPatch, url: str, user: CurrentUser) -> AppTest:
    monkeypatch.setenv("BUDGET_DATABASE_URL", url)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.session_state["user"] = user
    return at.run()


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def frozen(ledger, directorates: list[str] | None = None):
    """A pack of the seeded month (the report's figures; the files' bytes stand in)."""
    report = monthly_report(ledger.factory, MONTH, directorates=directorates)
    scope = "-".join(directorates or ["all"])
    return archive.freeze(ledger.factory, report, {"pdf": b"%PDF " + scope.encode(), "xlsx": b"PK " + scope.encode()},
                          {"pdf": f"pack-{scope}.pdf", "xlsx": f"pack-{scope}.xlsx"}, "en", user="alice")


def pack_ids(at: AppTest) -> list[int]:
    [table] = [df for df in at.dataframe if "Fingerprint" in df.value.columns]
    return [int(i) for i in table.value["Pack"]]


def test_an_officer_sees_the_frozen_packs_downloads_them_and_verifies_one_that_changed(ledger, monkeypatch):
    seed_report_ledger(ledger.factory)
    pack = frozen(ledger)
    at = page(monkeypatch, ledger.url, CurrentUser("alice", "officer", None))
    no_errors(at)
    assert pack_ids(at) == [pack.id]
    labels = {el.proto.label for el in at.get("download_button")}
    assert {"Download the PDF", "Download the Excel workbook"} <= labels

    at.button(key="rep_verify").click().run()
    no_errors(at)
    assert any(f"Pack {pack.id} is unchanged" in s.value for s in at.success)

    with ledger.uow() as uow:
        record_payment(uow, "PAY-LATE-OSCE", "ENG-2025-OSCE", entry_date=dt.date(2025, 10, 20), amount="1000.00")
        uow.commit()
    at.button(key="rep_verify").click().run()
    no_errors(at)
    assert any(f"Pack {pack.id} has changed since it was frozen" in w.value for w in at.warning)
    [changes] = [df for df in at.dataframe if "Figure" in df.value.columns]
    rows = {r["Figure"]: (r["In the pack"], r["Now"]) for _, r in changes.value.iterrows()}
    osce = rows["by_organisation[OSCE].paid"]
    assert osce[1] != osce[0]


def test_a_viewer_limited_to_a_directorate_sees_only_the_packs_within_it(ledger, monkeypatch):
    seed_report_ledger(ledger.factory)
    frozen(ledger)
    mine = frozen(ledger, ["M1"])
    frozen(ledger, ["M2"])
    at = page(monkeypatch, ledger.url, CurrentUser("bob", "viewer", ("M1",)))
    no_errors(at)
    assert pack_ids(at) == [mine.id]
    at.button(key="rep_verify").click().run()
    no_errors(at)
    assert any(f"Pack {mine.id} is unchanged" in s.value for s in at.success)


def test_the_page_says_how_to_freeze_when_no_pack_is_kept(ledger, monkeypatch):
    at = page(monkeypatch, ledger.url, CurrentUser("alice", "officer", None))
    no_errors(at)
    assert any("No report has been frozen yet" in i.value for i in at.info)
