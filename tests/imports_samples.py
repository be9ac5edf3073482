"""Workbooks for the import tests, generated on the fly (never read from /work/shared).

Each builder returns the file's bytes. The "messy" ones imitate what officers really send:
French, Dutch or English headers, title rows with merged cells, blank and total rows, text
numbers in every form, text dates, split assessments, several sheets.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import openpyxl
import xlsxwriter

from budget.services import (
    OrganisationInput,
    record_credit,
    record_rates,
    register_allocation,
    register_organisation,
)

Y = 2025
AB_UN = "14.54.11.35.40.01"
AB_SEC = "14.54.12.35.40.02"


def seed(ledger: Any, *, mode: str = "block", credits: str = "5000000.00") -> None:
    """Two ABs, four organisations, the year's credits and a few USD/CHF rates."""
    with ledger.uow() as uow:
        register_allocation(uow, AB_UN, "UN contributions", "M2", control_mode=mode)
        register_allocation(uow, AB_SEC, "Security organisations", "M1", control_mode=mode)
        register_organisation(uow, OrganisationInput("UN-RB", "United Nations regular budget", "M2", "USD", AB_UN))
        register_organisation(uow, OrganisationInput("UN-PKO", "UN peacekeeping", "M2", "USD", AB_UN))
        register_organisation(uow, OrganisationInput("OSCE", "OSCE", "M1", "EUR", AB_SEC))
        register_organisation(uow, OrganisationInput("NATO", "NATO civil budget", "M1", "EUR", AB_SEC))
        for ab in (AB_UN, AB_SEC):
            record_credit(uow, ab, Y, "commitment", credits, entry_date=dt.date(Y, 1, 1))
            record_credit(uow, ab, Y, "payment", credits, entry_date=dt.date(Y, 1, 1))
        record_rates(uow, [("USD", dt.date(Y, 1, 2), Decimal("1.0350")),
                           ("CHF", dt.date(Y, 1, 2), Decimal("0.9400")),
                           ("USD", dt.date(Y, 3, 3), Decimal("1.0500")),
                           ("USD", dt.date(Y, 6, 2), Decimal("1.1000"))])
        uow.commit()


def xlsx(sheets: dict[str, Sequence[Sequence[Any]]], merges: dict[str, list[str]] | None = None) -> bytes:
    """A workbook from rows (None = empty cell); dates written as real Excel dates."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    date_fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_fmt)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write(r, c, value)
        for rng in (merges or {}).get(name, []):
            first = rng.split(":")[0]
            col = ord(first[0]) - 65
            row = int(first[1:]) - 1
            value = rows[row][col] if row < len(rows) and col < len(rows[row]) else None
            ws.merge_range(rng, value if value is not None else "")
    book.close()
    return out.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], sep: str = ";", encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode(encoding)


# --------------------------------------------------------------------------- messy corpus


def messy_assessments_fr() -> bytes:
    """Two sheets (notes first), title rows merged, FR headers, split assessment, totals."""
    notes = [["Ce classeur reprend les appels à contribution reçus."], ["Source: lettres des organisations"]]
    rows: list[list[Any]] = [
        ["Contributions obligatoires — appels 2025", None, None, None, None, None, None],
        ["Service M0.0", None, None, None, None, None, None],
        [None] * 7,
        ["Organisation", "Référence", "Exercice", "Montant", "Devise", "Échéance", "Remarque"],
        ["UN-RB", "ST/ADM/SER.B/1100", 2025, "1.234.567,89", "USD", dt.date(2025, 1, 31), "split"],
        [None, "ST/ADM/SER.B/1100", 2025, "234 567,89 CHF", "CHF", "31/01/2025", None],
        [None] * 7,
        ["OSCE", "OSCE/2025/BE", "2025", 845_000.5, "EUR", "15 janvier 2025", None],
        ["NATO", "NATO-CB-2025", 2025, "€ 1 000 000,00", "eur", "2025-02-28", None],
        ["NATO", "NATO-CR-2024", 2025, "(12 345,67)", "EUR", "28.02.2025", "crédit restitué"],
        ["Totaux", None, None, "3.313.913,45", None, None, None],
    ]
    return xlsx({"Notes": notes, "Appels 2025": rows},
                merges={"Appels 2025": ["A1:G1", "A5:A6"]})


def messy_commitments_nl() -> bytes:
    """Dutch headers under a title, text dates, a total row and a blank row."""
    rows: list[list[Any]] = [
        ["Vastleggingen M0.0 — begrotingsjaar 2025"],
        [],
        ["Vastlegging", "Datum", "Basisallocatie", "Organisatie", "Bedrag EUR", "Valuta", "Bedrag valuta", "Oproep"],
        ["ENG-2025-001", "3 maart 2025", AB_UN, "un-rb ", "1.175.430,08", "USD", "1.234.567,89", "ST/ADM/SER.B/1100"],
        ["ENG-2025-002", "03.03.2025", AB_SEC, "OSCE", "845000,50", None, None, "OSCE/2025/BE"],
        [None, None, None, None, None, None, None, None],
        ["ENG-2025-003", dt.date(2025, 3, 10), AB_SEC, "NATO", "1 000 000,00", "EUR", None, None],
        ["Totaal", None, None, None, "3.020.430,58"],
    ]
    return xlsx({"Vastleggingen": rows}, merges={"Vastleggingen": ["A1:H1"]})


def messy_payments_en_csv() -> bytes:
    """Windows-1252 CSV, ';' separated, EN headers after a title line, mixed amount forms."""
    rows: list[list[Any]] = [
        ["Payments export – Fedcom"],
        [],
        ["Payment reference", "Payment date", "Commitment", "Amount", "Currency", "Amount EUR"],
        ["PAY-001", "05/03/2025", "ENG-2025-001", "USD 600,000.00", "USD", ""],
        ["PAY-002", "2025-03-06", "ENG-2025-002", "845.000,50", "EUR", "845.000,50"],
        ["PAY-003", "6 March 2025", "ENG-2025-003", "1'000'000.00", "EUR", "1000000"],
        ["Grand total", "", "", "2,445,000.50", "", ""],
    ]
    return csv_bytes(rows, ";", "cp1252")


def messy_budget_csv() -> bytes:
    """UTF-8 with BOM, ',' separated, French headers, quoted amounts with thousands separators."""
    rows = [
        ["Année", "AB", "Crédits d'engagement", "Crédits de liquidation", "Libellé"],
        ["2025", AB_UN, "5,000,000.00", "4,500,000.00", "UN contributions"],
        ["2025", AB_SEC, "2 500 000,00", "2 400 000,00", "Security organisations"],
        ["2025", "14.54.13.35.40.03", "-", "", ""],
    ]
    return csv_bytes(rows[:3], ",", "utf-8-sig")


def organisations_en() -> bytes:
    rows = [
        ["Code", "Name", "Directorate", "Currency", "AB"],
        ["UN-RB", "United Nations regular budget", "M2", "USD", AB_UN],
        ["OPCW", "Organisation for the Prohibition of Chemical Weapons", "m5", "eur", ""],
        ["CTBTO", "CTBTO Preparatory Commission", "M5", "USD", None],
    ]
    return xlsx({"Organisations": rows})


def payments_xlsx(rows: Sequence[Sequence[Any]], *, header: Sequence[str] | None = None) -> bytes:
    head = list(header or ["reference", "date", "commitment", "amount", "currency", "amount_eur"])
    return xlsx({"payments": [head, *rows]})


def commitments_xlsx(rows: Sequence[Sequence[Any]]) -> bytes:
    head = ["reference", "date", "ab", "organisation", "amount_eur", "currency", "amount", "assessment_reference"]
    return xlsx({"commitments": [head, *rows]})


def openpyxl_merged_title() -> bytes:
    """A workbook written by openpyxl (another writer), with a formula whose value is cached."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Data"
    ws["A1"] = "Organisations"
    ws.merge_cells("A1:C1")
    ws.append(["Code", "Nom", "Direction"])
    ws.append(["OIF", "Organisation internationale de la Francophonie", "M2"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- ECB files

ECB_HIST_CSV = (
    "Date,USD,JPY,CYP,CHF,\n"
    "2025-01-03,1.0299,162.5,N/A,0.9391,\n"
    "2025-01-02,1.0321,163.45,N/A,0.9393,\n"
)
ECB_DAILY_CSV = (
    "Date, USD, JPY, CHF, \n"
    "11 October 2024, 1.0938, 162.94, 0.9378, \n"
)
ECB_DAILY_XML = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<gesmes:subject>Reference rates</gesmes:subject>
<gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
<Cube><Cube time='2024-10-11'><Cube currency='USD' rate='1.0938'/><Cube currency='CHF' rate='0.9378'/></Cube></Cube>
</gesmes:Envelope>
"""
ECB_HIST_XML = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<Cube>
<Cube time="2024-10-11"><Cube currency="USD" rate="1.0938"/><Cube currency="GBP" rate="0.83705"/></Cube>
<Cube time="2024-10-10"><Cube currency="USD" rate="1.0932"/><Cube currency="GBP" rate="0.83686"/></Cube>
</Cube>
</gesmes:Envelope>
"""


def ecb_zip(csv_text: str = ECB_HIST_CSV) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("eurofxref-hist.csv", csv_text)
    return out.getvalue()


@functools.lru_cache(maxsize=4)
def zip_bomb_xlsx(size_mb: int = 50) -> bytes:
    """A tiny .xlsx whose sheet XML declares and inflates to ``size_mb`` MB of zeros."""
    out = io.BytesIO()
    good = xlsx({"Sheet1": [["a", "b"], [1, 2]]})
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data + b" " * (size_mb * 1024 * 1024)
            z.writestr(info.filename, data)
    return out.getvalue()


def ods(rows: Sequence[Sequence[Any]], sheet: str = "Sheet1") -> bytes:
    """A minimal OpenDocument spreadsheet (strings and numbers), written by hand."""
    from xml.sax.saxutils import escape

    def cell(v: Any) -> str:
        if v is None:
            return "<table:table-cell/>"
        if isinstance(v, int | float):
            return (f'<table:table-cell office:value-type="float" office:value="{v}">'
                    f"<text:p>{v}</text:p></table:table-cell>")
        return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">{body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
