"""The year-end outlook in the monthly pack (#14, #15): the outlook service's figures as of the
report's day, in the PDF (a section and a line on page 1) and the workbook (read back with
openpyxl, adding up to the cent), in the frozen pack's figures; FX colours by meaning."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader
from reports_seed import MONTH, Y, seed_report_ledger

from budget.reports import archive, render
from budget.reports.i18n import LANGUAGES, t
from budget.reports.layout import Column, sections
from budget.reports.monthly import monthly_report
from budget.reports.pdf import sign_colour
from budget.reports.pdf_style import FX_GAIN, FX_LOSS, RED
from budget.services import outlook as ol
from budget.services import record_payment
from budget.services import timeliness as tl
from budget.uow import UnitOfWork

END = dt.date(Y, 10, 31)
CENT = Decimal("0.01")


def test_the_packs_outlook_is_the_outlook_services_as_of_the_reports_day(ledger, seeded_report):
    report = seeded_report
    with UnitOfWork(ledger.factory, user="t", channel="test", write=False) as uow:
        o = ol.outlook(uow, Y, as_of=END)
        timeliness = tl.timeliness(uow, Y, as_of=END)
    p = report.outlook
    assert p.available and p.as_of == END
    assert (list(p.rows), p.total, list(p.cash_plan)) == (o.rows, o.total, o.cash_plan)
    assert (list(p.credit_needs), list(p.rates)) == (o.credit_needs, o.rates)
    assert list(p.timeliness) == timeliness.organisations
    assert p.credit_needs and p.total.expected_payments > 0
    # The cash plan lands where the rows do: paid + expected = projected payments.
    plan = dict(p.cash_plan_total)
    assert plan["paid"] + plan["expected_payments"] == p.cash_plan[-1].cumulative_paid == p.total.projected_paid
    assert plan["committed"] + plan["expected_commitments"] == p.total.projected_committed


def _sheet_rows(ws) -> tuple[list[str], list[list], list]:
    header = [c.value for c in ws[1]]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    return header, rows[:-1], rows[-1]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_workbook_has_the_outlook_sheets_with_the_services_figures_adding_up_to_the_cent(report, lang):
    wb = openpyxl.load_workbook(io.BytesIO(render(report, ("xlsx",), lang)["xlsx"]))
    p = report.outlook
    header, rows, total = _sheet_rows(wb[t("sh_outlook", lang)])
    assert [r[0] for r in rows] == [r.key for r in p.rows] and total[0] == t("total", lang)
    paid = header.index(t("paid_in_year", lang))
    projected = header.index(t("ol_projected_paid", lang))
    balance = header.index(t("ol_payment_balance", lang))
    for line, row in zip(rows, p.rows, strict=True):
        assert Decimal(str(line[paid])) == row.paid_in_year
        assert Decimal(str(line[projected])).quantize(CENT) == row.projected_paid
        assert Decimal(str(line[balance])).quantize(CENT) == row.payment_balance
    assert total[projected].startswith("=SUM(")

    header, rows, total = _sheet_rows(wb[t("sh_cash_plan", lang)])
    assert len(rows) == 12
    paid_col, expected_col = header.index(t("paid_month", lang)), header.index(t("ol_expected_payments", lang))
    cents = sum(Decimal(str(r[paid_col])) + Decimal(str(r[expected_col])) for r in rows)
    assert cents.quantize(CENT) == p.total.projected_paid

    header, rows, _ = _sheet_rows(wb[t("sh_credit_needs", lang)])
    needed = header.index(t("ol_needed_eur", lang))
    assert sum(Decimal(str(r[needed])) for r in rows).quantize(CENT) == dict(p.credit_needs_total)["needed_eur"]
    assert {r[2] for r in rows} == {t("ol_source_open_commitment", lang)}

    header, rows, total = _sheet_rows(wb[t("sh_timeliness", lang)])
    assert [r[0] for r in rows] == [g.key for g in p.timeliness]
    assert sum(r[1] for r in rows) == sum(g.count for g in p.timeliness)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_pdf_has_the_outlook_section_and_its_line_on_page_one(report, lang):
    pdf = PdfReader(io.BytesIO(render(report, ("pdf",), lang)["pdf"]))
    first = " ".join(pdf.pages[0].extract_text().split())
    total = report.outlook.total
    from budget.reports.i18n import amount

    assert t("sh_outlook", lang) in first
    assert amount(total.projected_paid, lang) in first and amount(total.payment_credits, lang) in first
    rest = " ".join(" ".join(p.extract_text() for p in pdf.pages[1:]).split())
    for key in ("sec_outlook", "sec_cash_plan", "sec_credit_needs", "sec_timeliness"):
        assert t(key, lang) in rest, key
    assert t("fx_legend", lang) in rest


def test_a_frozen_pack_holds_the_outlook_and_verify_names_its_changed_figures(ledger, seeded_report):
    report = seeded_report
    figures = archive.figures_of(report)
    assert {r["key"] for r in figures["outlook"]["rows"]} == {r.key for r in report.outlook.rows}
    with UnitOfWork(ledger.factory, user="t", channel="test") as uow:
        record_payment(uow, "PAY-LATE-UNESCO", f"ENG-{Y}-UNESCO-CHF", entry_date=dt.date(Y, 10, 30),
                       amount="1000.00")
        uow.commit()
    changes = archive.compare(figures, archive.figures_of(monthly_report(ledger.factory, MONTH)))
    changed = {c.figure for c in changes}
    assert any(f.startswith("outlook.rows[") and f.endswith(".paid_in_year") for f in changed), changed
    assert any(f.startswith("outlook.cash_plan[10]") for f in changed), changed


def test_without_a_rate_of_the_day_the_report_says_the_outlook_cannot_be_computed(ledger, monkeypatch):
    seed_report_ledger(ledger.factory)
    monkeypatch.setenv("BUDGET_MAX_RATE_AGE_DAYS", "7")  # the seed's rates are monthly
    report = monthly_report(ledger.factory, MONTH)
    assert not report.outlook.available and report.outlook.rows == () and report.outlook.timeliness
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(
        io.BytesIO(render(report, ("pdf",))["pdf"])).pages).split())
    assert t("ol_headline_unavailable", "en") in text
    assert t("ol_unavailable", "en", date=END.strftime("%d/%m/%Y")) in text


def test_the_analysis_tables_totals_come_from_the_brief_and_add_up(report):
    for section in sections(report):
        if section.key not in dict(report.brief.totals) or not section.totals:
            continue
        for key, value in section.totals.items():
            i = section.column_index(key)
            column = [r[i] for r in section.rows]
            assert value == (None if None in column else sum(column, Decimal(0))), (section.key, key)


def test_fx_figures_are_coloured_by_meaning_red_a_loss_green_a_gain():
    loss, gain = Column("d", "d", "amount", fx="loss"), Column("g", "g", "amount", fx="gain")
    plain = Column("a", "a", "amount")
    assert sign_colour(loss, Decimal("5")) == FX_LOSS and sign_colour(loss, Decimal("-5")) == FX_GAIN
    assert sign_colour(gain, Decimal("5")) == FX_GAIN and sign_colour(gain, Decimal("-5")) == FX_LOSS
    assert sign_colour(plain, Decimal("-5")) == RED and sign_colour(plain, Decimal("5")) is None
    assert sign_colour(loss, Decimal("0")) is None


def test_the_exposure_and_the_credit_needs_mark_their_fx_columns(report):
    secs = {s.key: s for s in sections(report)}
    assert secs["exposure"].columns[secs["exposure"].column_index("difference")].fx == "loss"
    assert secs["fx_year"].columns[secs["fx_year"].column_index("gain_eur")].fx == "gain"
    assert secs["credit_needs"].columns[secs["credit_needs"].column_index("adjustment")].fx == "loss"
    assert dataclasses.replace(secs["exposure"].columns[0]).fx is None


def test_the_pdf_prints_the_largest_credit_needs_and_sums_the_others_the_workbook_all(ledger):
    seed_report_ledger(ledger.factory)
    report = monthly_report(ledger.factory, MONTH, top=1)
    needs = report.outlook.credit_needs
    assert len(needs) >= 2
    capped = {s.key: s for s in sections(report, pdf=True)}["credit_needs"]
    largest = max(needs, key=lambda n: abs(n.adjustment))
    assert [r[-1] for r in capped.rows] == [largest.adjustment]
    assert capped.others is not None
    others = capped.others.values
    totals = dict(report.outlook.credit_needs_total)
    assert largest.adjustment + others["adjustment"] == totals["adjustment"]
    assert largest.needed_eur + others["needed_eur"] == totals["needed_eur"]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(render(report, ("pdf",))["pdf"])).pages)
                    .split())
    assert f"and {len(needs) - 1} more line" in text
    every = {s.key: s for s in sections(report)}["credit_needs"]
    assert len(every.rows) == len(needs) and every.others is None


def test_a_pack_frozen_before_the_outlook_verifies_unchanged_with_the_outlook_named_as_added(ledger, seeded_report):
    report = seeded_report
    import json

    from budget.services import report_archive
    from budget.services.report_archive import PackFile, PackInput

    older = {k: v for k, v in archive.figures_of(report).items() if k != "outlook"}
    data = PackInput(period=report.period, directorates=None, lang="en", fingerprint="0" * 64,
                     figures=json.dumps(older), generated_at=dt.datetime(Y, 11, 3, 9, 0),
                     files=(PackFile("pdf", "r.pdf", "a" * 64, 10), PackFile("xlsx", "r.xlsx", "b" * 64, 20)))
    with UnitOfWork(ledger.factory, user="t", channel="test") as uow:
        pack_id = report_archive.record_pack(uow, data, None).id
        uow.commit()
    with UnitOfWork(ledger.factory, user="t", channel="test", write=False) as uow:
        pack = report_archive.pack(uow, pack_id)
    result = archive.verify(ledger.factory, pack)
    assert result.unchanged and result.changes == () and result.added == ("outlook",)
    assert result.to_json()["added_since_frozen"] == ["outlook"]
    with UnitOfWork(ledger.factory, user="t", channel="test") as uow:
        record_payment(uow, "PAY-LATE-UNESCO", f"ENG-{Y}-UNESCO-CHF", entry_date=dt.date(Y, 10, 30),
                       amount="1000.00")
        uow.commit()
    result = archive.verify(ledger.factory, pack)
    assert not result.unchanged and result.changes
    assert not any(c.figure.startswith("outlook") for c in result.changes)
