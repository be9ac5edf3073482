"""The monthly pack's first page and its analyses: figures against the service layer, key
messages from a seeded ledger, the files read back (pypdf, pdftoppm, openpyxl)."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from pypdf import PdfReader
from reports_seed import AB_UN, MONTH, Y, seed_import_batches, seed_report_ledger

from budget.money import fmt, ratio
from budget.reports import render
from budget.reports.brief import LAPSE_MIN_SHARE, STAGES
from budget.reports.i18n import LANGUAGES, t
from budget.reports.layout import sections
from budget.reports.monthly import monthly_report
from budget.services import views
from budget.services.exchange import exposure_what_if
from budget.uow import UnitOfWork

END, LAST_END = dt.date(Y, 10, 31), dt.date(Y - 1, 10, 31)


def _headline(report) -> dict[str, tuple]:
    return {x.key: (x.current, x.previous, x.change) for x in report.brief.headline}


def test_page_one_figures_are_the_service_layers_this_year_and_the_same_day_last_year(ledger, seeded_report):
    report = seeded_report
    with UnitOfWork(ledger.factory, user="t", channel="test", write=False) as uow:
        now = views.execution(uow, Y, "directorate", as_of=END).totals
        then = views.execution(uow, Y - 1, "directorate", as_of=LAST_END).totals
        overdue_now, overdue_then = views.arrears(uow, END).total_eur, views.arrears(uow, LAST_END).total_eur
        risk_now = sum((x.difference for x in views.exposure(uow, as_of=END)), Decimal(0))
        risk_then = sum((x.difference for x in views.exposure(uow, as_of=LAST_END)), Decimal(0))
    h = _headline(report)
    for key in ("commitment_credits", "payment_credits", "committed", "paid_in_year", "open", "available"):
        assert h[key] == (getattr(now, key), getattr(then, key), getattr(now, key) - getattr(then, key))
    assert h["overdue_total"] == (overdue_now, overdue_then, overdue_now - overdue_then)
    assert h["fx_risk"] == (risk_now, risk_then, risk_now - risk_then)
    assert overdue_then > 0 and risk_now != 0
    # The summary's last-year overdue is no longer blank.
    assert report.summary.previous.overdue_eur == overdue_then


def test_key_messages_name_the_largest_overdue_the_largest_change_and_the_fx_risk(report):
    messages = {m.key: m for m in report.brief.messages}
    assert 3 <= len(report.brief.messages) <= 5
    per_org: dict[str, Decimal] = {}
    for o in report.lists.overdue:
        per_org[o.organisation] = per_org.get(o.organisation, Decimal(0)) + o.outstanding_eur
    assert (messages["msg_largest_overdue"].subject, messages["msg_largest_overdue"].amount) == \
        max(per_org.items(), key=lambda kv: kv[1]) == ("UN-PKO", per_org["UN-PKO"])
    moved = [x for x in report.brief.headline if x.key not in ("fx_risk", "overdue_total")]
    top = max(moved, key=lambda x: abs(x.change))
    assert (messages["msg_largest_variance"].subject, messages["msg_largest_variance"].amount) == \
        (top.key, top.change)
    assert messages["msg_fx_risk"].amount == report.lists.exposure_total["difference"]


def test_the_credits_the_outlook_projects_to_lapse_most_are_a_key_message(ledger):
    seed_report_ledger(ledger.factory)
    report = monthly_report(ledger.factory, MONTH)
    lapsing = [m for m in report.brief.messages if m.key == "msg_lapsing"]
    assert lapsing, report.brief.messages
    # The year-end outlook's own figure (the pack's outlook table), the largest lapse.
    rows = {r.key: r for r in report.outlook.rows}
    row = rows[lapsing[0].subject]
    assert lapsing[0].amount == row.commitment_balance == max(r.commitment_balance or 0 for r in rows.values())
    assert lapsing[0].share == ratio(row.commitment_balance, row.commitment_credits) > LAPSE_MIN_SHARE


def test_no_lapse_message_when_the_outlook_projects_the_credits_used(ledger):
    """Credits committed late in the year but expected to be used by 31 December do not
    lapse: the message follows the outlook, not what is merely still available today."""
    from budget.reports.brief import Headline, messages
    from budget.services.outlook import OutlookRow

    zero = Decimal(0)
    page_1 = [Headline(k, zero, zero, zero, "val_booked") for k in (
        "commitment_credits", "payment_credits", "committed", "paid_in_year", "open", "available",
        "overdue_total")] + [Headline("fx_risk", None, None, None, "val_fx_risk")]

    def row(key: str, credits: str, committed: str, expected: str) -> OutlookRow:
        z = Decimal(0)
        return OutlookRow(key, Decimal(credits), Decimal(credits), Decimal(committed), Decimal(expected),
                          z, z, z, z)

    used = [row("AB-1", "1000.00", "400.00", "600.00"), row("AB-2", "1000.00", "950.00", "0.00")]
    assert not [m for m in messages(page_1, [], used) if m.key == "msg_lapsing"]
    lapsing = [m for m in messages(page_1, [], [*used, row("AB-3", "1000.00", "500.00", "300.00")])
               if m.key == "msg_lapsing"]
    assert [(m.subject, m.amount, m.share) for m in lapsing] == [("AB-3", Decimal("200.00"), Decimal("0.2000"))]


def test_the_bridge_adds_up_from_outstanding_to_overdue_and_to_open_commitments(report):
    b = {x.key: x.amount for x in report.brief.bridge}
    assert b["br_outstanding"] - b["br_not_yet_due"] == b["br_overdue"] == report.lists.overdue_total["outstanding_eur"]
    assert b["br_open"] == report.lists.open_commitments_total["open_eur"]
    assert b["br_outstanding_again"] - b["br_open"] == b["br_not_covered"]


def test_the_credits_make_up_sums_the_stages_to_the_credits_of_each_allocation(report):
    rows = {(c.ab, c.credit_type): c for c in report.brief.credits_make_up}
    un = rows[(AB_UN, "commitment")]
    assert un.stages[STAGES.index("initial")] == Decimal("30000000.00")
    assert un.stages[STAGES.index("adjustment")] == Decimal("1250000.50")
    for a in report.by_allocation:
        assert rows[(a.code, "commitment")].total == a.commitment_credits
        assert rows[(a.code, "payment")].total == a.payment_credits


def test_the_months_execution_per_allocation_is_the_month_not_the_year_to_date(report):
    paid_in_month = sum((p.amount_eur for p in report.lists.payments), Decimal(0))
    assert sum((m.paid_in_year for m in report.brief.month_by_ab), Decimal(0)) == paid_in_month
    # The seed's years are alike: last October's payments are there too, at last year's rates.
    assert all(m.paid_last_year > 0 for m in report.brief.month_by_ab if m.paid_in_year > 0)


def test_dues_of_the_next_three_months_arrears_against_last_year_and_fx_sensitivity(report):
    # UNESCO's split call is due on 1 December: within three months of 31 October.
    assert {(d.organisation, d.currency) for d in report.brief.due_soon} == {("UNESCO", "USD"), ("UNESCO", "CHF")}
    assert all(END < d.due_date <= dt.date(Y + 1, 1, 31) for d in report.brief.due_soon)
    compared = report.brief.arrears_compared
    assert sum((a.current for a in compared), Decimal(0)) == report.lists.overdue_total["outstanding_eur"]
    assert all(a.current - a.previous == a.change for a in compared)
    # The euro 5 % weaker (rate x 0.95) and stronger (x 1.05), by hand; the page's what-if
    # at -5 % and +5 % moves the rate the same way and gives the same EUR.
    weaker = exposure_what_if(report.lists.exposure, {e.currency: Decimal(-5) for e in report.lists.exposure})
    stronger = exposure_what_if(report.lists.exposure, {e.currency: Decimal(5) for e in report.lists.exposure})
    assert report.brief.sensitivity
    for s, e, w, st in zip(report.brief.sensitivity, report.lists.exposure, weaker.rows, stronger.rows, strict=True):
        def at(factor: str, e=e) -> Decimal:
            return (e.open / (e.rate * Decimal(factor))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert s.currency == e.currency
        assert (s.impact, s.impact_down) == (at("0.95") - e.eur_at_rate, at("1.05") - e.eur_at_rate)
        assert (s.impact, s.impact_down) == (w.change, st.change)
        assert s.impact > -s.impact_down > 0  # about 5.3 % more against 4.8 % less
    assert {x.organisation for x in report.brief.not_committed} <= {o.code for o in report.by_organisation}


def test_the_batch_list_holds_only_batches_created_on_or_before_the_reports_day(ledger):
    seed_report_ledger(ledger.factory)
    seed_import_batches(ledger.factory, [dt.datetime(Y, 10, 1, 9), dt.datetime(Y, 10, 31, 23, 59),
                                         dt.datetime(Y, 11, 1, 0, 1), dt.datetime(Y, 12, 3, 8)])
    report = monthly_report(ledger.factory, MONTH)
    assert [b.created_at for b in report.header.batches] == [dt.datetime(Y, 10, 31, 23, 59),
                                                             dt.datetime(Y, 10, 1, 9)]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render(report, ("pdf",))["pdf"])).pages)
    assert f"batch-{Y}-10-31.xlsx" in text and f"batch-{Y}-11-01.xlsx" not in text


HEADING = re.compile(r"^\d+\. \S")


def _layout_pages(path) -> list[list[str]]:
    """Each page's non-empty lines as pdftotext lays them out (a table row is one line),
    without the running header and the footer."""
    out = []
    for page in subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                               capture_output=True, text=True).stdout.split("\f"):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if lines:
            out.append(lines[1:-1] if out else lines[:-1])
    return out


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_is_landscape_and_no_table_leaves_fewer_than_five_rows_on_a_page(ledger, tmp_path, lang):
    """A table that breaks across pages leaves at least its header and five rows on the page
    it starts on, and carries at least five rows (with its totals) to the next."""
    seed_report_ledger(ledger.factory, many_organisations=60)
    report = monthly_report(ledger.factory, MONTH)
    path = tmp_path / "report.pdf"
    path.write_bytes(render(report, ("pdf",), lang)["pdf"])
    pdf = PdfReader(str(path))
    assert all(float(p.mediabox.width) > float(p.mediabox.height) for p in pdf.pages)
    pages = _layout_pages(path)
    continued = 0
    for number, lines in enumerate(pages[1:-1], start=2):
        if HEADING.match(lines[0]):
            continue
        continued += 1
        # A continuation: the repeated header, then rows up to the next heading.
        rows = next((i for i, line in enumerate(lines) if HEADING.match(line)), len(lines))
        assert rows >= 1 + 5, (lang, number, lines[:8])
        before = pages[number - 2]
        last_heading = max(i for i, line in enumerate(before) if HEADING.match(line))
        assert len(before) - last_heading - 1 >= 1 + 5, (lang, number - 1, before[last_heading:])
    assert continued >= 1  # the organisation table (68 lines) breaks across pages
    # Page 1 is the brief: the headline, the key messages and the valuation lines.
    first = "\n".join(pages[0])
    assert t("key_messages", lang) in first and t("valuation", lang) in first
    assert fmt(report.summary.current.committed, "en" if lang == "en" else "be") in first


def test_the_pdf_embeds_every_font_it_uses(report):
    from pypdf.generic import IndirectObject

    pdf = PdfReader(io.BytesIO(render(report, ("pdf",))["pdf"]))
    fonts = {}
    for page in pdf.pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            font = ref.get_object() if isinstance(ref, IndirectObject) else ref
            fonts[font["/BaseFont"]] = font
    assert fonts and all("DejaVu" in name for name in fonts)
    for font in fonts.values():
        assert "/FontFile2" in font["/FontDescriptor"].get_object()
    assert pdf.trailer["/Root"]["/Lang"] == "en-GB"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_renders_to_a_landscape_png_in_each_language(report, tmp_path, lang):
    path = tmp_path / f"report-{lang}.pdf"
    path.write_bytes(render(report, ("pdf",), lang)["pdf"])
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(tmp_path / lang)], check=True)
    pngs = sorted(tmp_path.glob(f"{lang}-*.png"))
    assert len(pngs) == len(PdfReader(str(path)).pages) > 1
    for png in pngs:
        data = png.read_bytes()
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert width > height


@pytest.mark.parametrize("lang", LANGUAGES)
def test_workbook_columns_fit_their_labels_and_every_sheet_prints_landscape_with_page_numbers(report, lang):
    wb = openpyxl.load_workbook(io.BytesIO(render(report, ("xlsx",), lang)["xlsx"]))
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1)
        assert ws.page_setup.fitToHeight == 0
        assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text
        assert ws.oddHeader.left.text
    for section in sections(report, lang):
        ws = wb[section.sheet]
        # openpyxl keys a range of columns of one width by its first column.
        widths = {i: d.width for d in ws.column_dimensions.values() for i in range(d.min, d.max + 1)}
        columns = [c for c in section.columns if c.xlsx]
        for j, col in enumerate(columns, start=1):
            width = widths[j]
            assert width >= max(len(w) for w in col.label.split()), (section.sheet, col.label)
            if col.kind == "text":
                index = section.columns.index(col)
                longest = max((len(str(r[index] or "")) for r in section.rows), default=0)
                assert width >= min(80, longest), (section.sheet, col.label)
        headers = [c.value for c in ws[1]]
        assert all(h[:1] == h[:1].upper() for h in headers if h), headers
    # Percentage-point changes read "pts", as in the PDF.
    summary = wb[t("sh_summary", lang)]
    rate_row = next(r for r in range(2, summary.max_row + 1)
                    if summary.cell(r, 1).value == t("commitment_rate", lang))
    assert f'" {t("points", lang)}"' in summary.cell(rate_row, 4).number_format
    # The Read me notes have row heights tall enough for their wrapped text.
    readme = wb.worksheets[0]
    note = next(r for r in range(1, readme.max_row + 1) if readme.cell(r, 2).value == t("readme_fx", lang))
    assert readme.row_dimensions[note].height >= 13 * 3


def test_amount_headers_of_the_workbook_say_their_currency(report):
    wb = openpyxl.load_workbook(io.BytesIO(render(report, ("xlsx",))["xlsx"]))
    for ws in wb.worksheets[1:]:
        headers = [c.value for c in ws[1]]
        assert "Paid" not in headers and "reversal" not in headers, ws.title
    assert "Reversal" in [c.value for c in wb["Payments of the month"][1]]
    assert "Paid EUR" in [c.value for c in wb["Open commitments"][1]]
