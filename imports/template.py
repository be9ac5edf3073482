"""Templates: an .xlsx per kind with the canonical columns, an example row and notes."""

from __future__ import annotations

import io

import xlsxwriter

from imports.reader import UnreadableFileError
from imports.specs import SPECS

FX_NOTE = (
    "Exchange rates are not typed by hand: download the ECB euro reference rates "
    "(eurofxref-hist.zip / eurofxref-hist.csv, eurofxref.csv or the daily XML) from "
    "https://www.ecb.europa.eu/stats/eurofxref/ and load the file as it is: "
    "budget import fx FILE."
)


def build_template(kind: str) -> bytes:
    """The template workbook of ``kind`` as bytes (sheets ``<kind>`` and ``Notes``)."""
    if kind not in (*SPECS, "fx"):
        raise UnreadableFileError(f"Unknown kind {kind!r}: choose one of {', '.join([*SPECS, 'fx'])}.")
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    if kind == "fx":
        notes = book.add_worksheet("Notes")
        notes.set_column(0, 0, 100, wrap)
        notes.write(0, 0, FX_NOTE)
        book.close()
        return out.getvalue()
    spec = SPECS[kind]
    data = book.add_worksheet(kind)
    notes = book.add_worksheet("Notes")
    text = book.add_format({"num_format": "@"})
    for col, c in enumerate(spec.columns):
        data.write(0, col, c.name, bold)
        data.set_column(col, col, max(14, len(c.name) + 4))
        if c.example not in (None, ""):
            if c.parser == "year":
                data.write_number(1, col, int(c.example))
            else:
                data.write_string(1, col, str(c.example), text)
    data.freeze_panes(1, 0)
    notes.write_row(0, 0, ["column", "required", "meaning", "also accepted as header"], bold)
    for i, c in enumerate(spec.columns, start=1):
        group = next((g for g in spec.one_of if c.name in g), None)
        required = "yes" if c.required else ("one of " + " / ".join(group) if group else "no")
        notes.write_row(i, 0, [c.name, required, c.help, ", ".join(c.synonyms)], wrap)
    row = len(spec.columns) + 2
    for line in (
        f"{spec.title}. Headers may be in English, French or Dutch, in any order, in any of the "
        "first 30 rows; title, blank and total rows are skipped; extra columns are ignored.",
        "Amounts: numbers, or text such as 1234567.89, 1.234.567,89, 1 234 567,89, (1,234.50). "
        "A text like 1.234 is ambiguous: load with --decimal-comma or --decimal-point.",
        "Dates: Excel dates, or dd/mm/yyyy, dd.mm.yyyy, yyyy-mm-dd, '11 October 2024' "
        "(English, French or Dutch month names).",
        "Loading the same file twice changes nothing; a corrected file adds only what is new, "
        "and reports changed rows as conflicts unless loaded with --corrections.",
        "The example row in the first sheet is only an example: replace it.",
    ):
        notes.write(row, 0, line)
        row += 1
    notes.set_column(0, 0, 22)
    notes.set_column(1, 1, 26)
    notes.set_column(2, 2, 60)
    notes.set_column(3, 3, 80)
    book.close()
    return out.getvalue()
