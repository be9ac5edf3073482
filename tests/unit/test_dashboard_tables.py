"""What the dashboard's tables keep between reruns (``dashboards.common``): the column
formats and Arrow tables made once per frame, and column formats that reach the browser
exactly as Streamlit's own ``NumberColumn`` would."""

from __future__ import annotations

import gc

import pandas as pd
import streamlit as st
from streamlit.elements.lib.column_config_utils import (
    _convert_column_config_to_json,
    process_config_mapping,
)

from dashboards import tables as c


def test_the_compact_number_formats_send_the_browser_the_same_column_config():
    amounts, pcts = ["Committed", "Paid"], ["% paid"]
    full = {col: st.column_config.NumberColumn(col, format="%,.2f") for col in amounts}
    full.update({col: st.column_config.NumberColumn(col, format="%.1f\u00a0%%") for col in pcts})
    compact = c._number_formats(amounts, pcts)
    assert _convert_column_config_to_json(process_config_mapping(compact)) == \
        _convert_column_config_to_json(process_config_mapping(full))


def test_what_is_made_of_a_frame_is_made_once_and_forgotten_with_the_frame():
    df = pd.DataFrame({"a": [1, 2]})
    made = []
    first = c._per_frame(df, "thing", lambda: made.append(1) or ["value"])
    again = c._per_frame(df, "thing", lambda: made.append(1) or ["other"])
    assert again is first and made == [1]
    key = id(df)
    del df
    gc.collect()
    assert key not in c._PER_FRAME


def test_another_frame_gets_its_own_values():
    one, two = pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1]})
    assert c._per_frame(one, "x", lambda: "one") == "one"
    assert c._per_frame(two, "x", lambda: "two") == "two"


def test_a_column_with_gaps_reaches_the_grid_as_text_arrow_takes_at_once(monkeypatch):
    """An amount or percentage column with empty cells shows a dash there; the column goes to
    the grid as its display text, which converts to Arrow at once (numbers mixed with a dash
    made Streamlit fail, log the failure and retry on every rerun)."""
    from decimal import Decimal

    from streamlit.dataframe_util import convert_pandas_df_to_arrow_table

    from dashboards import common, tables

    monkeypatch.setattr(common, "amount_style", lambda: "be")
    monkeypatch.setattr(common, "lang", lambda: "fr")
    shown = []
    monkeypatch.setattr(tables.st, "dataframe", lambda data, **kwargs: shown.append(data))
    df = pd.DataFrame({"Code": ["A", "B"], "Ouvert": [Decimal("1234567.5"), None],
                       "% payé": [Decimal("0.5"), None]})
    tables.money_table(df, ["Ouvert"], ["% payé"])
    [styler] = shown
    assert list(styler.data["Ouvert"]) == ["1.234.567,50", "–"]
    assert list(styler.data["% payé"]) == ["0,5\u00a0%", "–"]
    convert_pandas_df_to_arrow_table(styler.data)  # no mixed column left


def test_a_number_column_is_written_with_its_decimals_in_the_style_and_a_dash_when_empty(monkeypatch):
    from decimal import Decimal

    from dashboards import common, tables

    shown = []
    monkeypatch.setattr(tables.st, "dataframe", lambda data, **kwargs: shown.append((data, kwargs)))
    monkeypatch.setattr(common, "lang", lambda: "fr")
    df = pd.DataFrame({"Org": ["A", "B"], "Médiane": [Decimal("49.0"), None]})
    monkeypatch.setattr(common, "amount_style", lambda: "be")
    tables.money_table(df, numbers={"Médiane": 1})
    monkeypatch.setattr(common, "amount_style", lambda: "en")
    tables.money_table(df.iloc[:1], numbers={"Médiane": 1})  # no gap: the grid formats it
    (styler, gapped), (_data, kwargs) = shown
    assert list(styler.data["Médiane"]) == ["49,0", "–"]  # not "49.000000" and "None"
    assert gapped["column_config"]["Médiane"]["alignment"] == "right"  # text, aligned as a number
    assert kwargs["column_config"]["Médiane"]["type_config"]["format"] == "%,.1f"
