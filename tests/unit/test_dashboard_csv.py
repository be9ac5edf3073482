"""The CSV download: exact amounts, readable accents in Excel, formulas neutralised."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pandas as pd

from dashboards.tables import to_csv_bytes


def test_a_csv_keeps_exact_amounts_and_neutralises_formula_like_text():
    df = pd.DataFrame({
        "Quand": [dt.datetime(2026, 3, 1, 9, 5, 7), None],
        "Détails": ["=HYPERLINK(\"http://evil.example\")", "amount: 10.00 · région: Liège"],
        "EUR": [Decimal("1234567.89"), Decimal("-0.01")],
    })
    data = to_csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the accents as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Quand", "Détails", "EUR"]
    assert rows[1] == ["2026-03-01 09:05:07", "'=HYPERLINK(\"http://evil.example\")", "1234567.89"]
    assert rows[2] == ["", "amount: 10.00 · région: Liège", "-0.01"]
