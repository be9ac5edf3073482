"""How numbers, dates and months are written in each language (pure: no Streamlit call).

The language chooses the defaults: English writes ``1,234,567.89`` and ``31 Mar 2026``,
French ``1.234.567,89`` and ``31/03/2026``, Dutch ``1.234.567,89`` and ``31-03-2026``
(the Belgian administration's usual forms). The amount style can still be chosen apart
from the language (the sidebar's switch). Charts get the same forms through Vega
expressions (:func:`axis_amount_expr`) and preformatted tooltip texts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from budget import money
from budget.money import PERCENT_SIGN, fmt, fmt_percent, percent

#: What an undefined value (a percentage of nothing, a missing date) shows.
DASH = "–"
STYLES = ("en", "be")
#: The amount style each language writes by default.
LANGUAGE_STYLE = {"en": "en", "fr": "be", "nl": "be"}

_MONTHS = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
           "nov.", "déc."),
    "nl": ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
}
_GRID_DATES = {"en": "D MMM YYYY", "fr": "DD/MM/YYYY", "nl": "DD-MM-YYYY"}
_INPUT_DATES = {"en": "YYYY-MM-DD", "fr": "DD/MM/YYYY", "nl": "DD-MM-YYYY"}


def style_for(language: str, chosen: str | None = None) -> str:
    """The amount style: the one chosen (``en``/``be``) or, by default, the language's."""
    if chosen in STYLES:
        return chosen  # type: ignore[return-value]
    return LANGUAGE_STYLE.get(language, "en")


def month_names(language: str) -> tuple[str, ...]:
    """The twelve short month names in ``language`` (English when unknown)."""
    return _MONTHS.get(language, _MONTHS["en"])


def month_name(month: int, language: str) -> str:
    return month_names(language)[month - 1]


def date_text(value: dt.date | None, language: str) -> str:
    """A date as the language writes it (``31 Mar 2026``, ``31/03/2026``, ``31-03-2026``)."""
    if value is None:
        return DASH
    if language == "fr":
        return f"{value.day:02d}/{value.month:02d}/{value.year}"
    if language == "nl":
        return f"{value.day:02d}-{value.month:02d}-{value.year}"
    return f"{value.day} {month_name(value.month, 'en')} {value.year}"


def grid_date_format(language: str) -> str:
    """The grid's (moment.js) format of a date column in ``language``."""
    return _GRID_DATES.get(language, _GRID_DATES["en"])


def input_date_format(language: str) -> str:
    """The date input's format in ``language`` (one of those ``st.date_input`` accepts)."""
    return _INPUT_DATES.get(language, _INPUT_DATES["en"])


def rate_text(value: Decimal | None, style: str) -> str:
    """A rate as the reader writes numbers (:func:`budget.money.fmt_rate`), ``–`` when None."""
    return DASH if value is None else money.fmt_rate(value, style)


def rate_value(text: str) -> Decimal:
    """A rate typed by the reader, with a decimal point or comma (``1.08`` / ``1,08``): a positive
    bounded number (:func:`budget.money.rate`; raises its ``ValidationError``)."""
    typed = text.strip()
    if typed.count(",") == 1 and "." not in typed:
        typed = typed.replace(",", ".")
    return money.rate(typed)


def pct_value(fraction: Decimal | None) -> float | None:
    """What a table's percentage column holds for a fraction (a ratio): the percentage shown
    (:func:`budget.money.percent`: one decimal, ties away from zero), so the grid's
    ``%.1f`` only writes it and never rounds it again on a binary float."""
    return None if fraction is None else float(percent(fraction))


def pct_text(shown: float | Decimal | None, style: str) -> str:
    """The text of a table's percentage (a :func:`pct_value`): ``87.5 %`` / ``87,5 %``."""
    if shown is None:
        return DASH
    return fmt_percent(Decimal(str(shown)) / 100, style)


#: The grid's (printf) format of a percentage column: what :func:`pct_text` writes.
PCT_GRID_FORMAT = "%.1f" + PERCENT_SIGN.replace("%", "%%")


def amount_text(value: Decimal | None, style: str, currency: str | None = None) -> str:
    """An amount in the style, optionally prefixed by its currency; ``–`` when None."""
    if value is None:
        return DASH
    text = fmt(value, style)
    return f"{currency} {text}" if currency else text


_MILLION = {"en": "M", "fr": "M", "nl": "mln"}


def axis_amount_expr(style: str, language: str) -> str:
    """A Vega ``labelExpr`` writing an EUR axis value in millions in the style (``200 M``).

    Vega's own formats are English (``200M``, ``1,234.5``); the dashboard's style swaps
    the separators.
    """
    unit = _MILLION.get(language, "M")
    base = "format(datum.value / 1000000, datum.value % 1000000 == 0 ? ',.0f' : ',.1f')"
    if style == "be":
        base = (f"replace(replace(replace({base}, regexp(',', 'g'), '_'), regexp('[.]', 'g'), ','), "
                "regexp('_', 'g'), '.')")
    return f"datum.value == 0 ? '0' : {base} + ' {unit}'"
