"""One parser for every form an amount, a date, a code or a header takes in real files.

Pure functions, no database: each returns the parsed value or raises :class:`CellError`
with a message written for a budget officer. The pipeline turns a ``CellError`` into a
problem carrying the sheet, the Excel row, the column and the value.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Literal

from budget import bounds
from budget.errors import BudgetError
from budget.money import ALL_CURRENCIES

DecimalMark = Literal["comma", "point"] | None


class CellError(ValueError):
    """A cell value that cannot be read as what its column expects."""


# --------------------------------------------------------------------------- headers


def normalise_header(value: object) -> str:
    """Case-, accent-, punctuation- and whitespace-insensitive form of a header or keyword.

    ``"Montant (EUR)"`` → ``"montanteur"``; ``"Échéance"`` → ``"echeance"``.
    """
    text = str(value if value is not None else "")
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("", text.lower())


_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def is_blank(value: object) -> bool:
    """True for an empty cell (None, '', whitespace, NaN)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


_TOTAL_WORDS = ("total", "totaal", "totaux", "totale", "grandtotal", "soustotal", "subtotal",
                "subtotaal", "eindtotaal", "totalgeneral", "somme", "som")


def is_total_label(value: object) -> bool:
    """A cell that marks a total row: "Total", "Totaal", "Totaux", "Grand total", "Sous-total"..."""
    if not isinstance(value, str):
        return False
    low = value.lower()
    if "tot" not in low and "som" not in low:
        return False
    norm = normalise_header(value)
    if not norm:
        return False
    return norm in _TOTAL_WORDS or norm.startswith(("total", "totaal", "totaux", "grandtotal",
                                                    "soustotal", "subtotal", "subtotaal",
                                                    "eindtotaal"))


# --------------------------------------------------------------------------- amounts

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007'’`´]")
_SIGNS = "€$£¥₣"
_CODE_AROUND = re.compile(r"^\s*([A-Za-z]{3})\.?\s*(?=[-+(0-9.,])|(?<=[0-9).])\s*([A-Za-z]{3})\.?\s*$")
_GROUPED = re.compile(r"^[1-9]\d{0,2}(?:X\d{3})+$")


def _strip_currency(text: str) -> str:
    for sign in _SIGNS:
        text = text.replace(sign, " ")
    text = re.sub(r"(?i)\b(?:fr|sfr|chf|eur|usd|gbp|euros?)\b\.?", " ", text)
    # Any other ISO code written before or after the number ("JPY 1.000").
    match = re.match(r"^\s*([A-Za-z]{3})\s+(.*)$", text)
    if match and match.group(1).upper() in ALL_CURRENCIES:
        text = match.group(2)
    match = re.match(r"^(.*?)\s*([A-Za-z]{3})\s*$", text)
    if match and match.group(2).upper() in ALL_CURRENCIES:
        text = match.group(1)
    return text.strip()


def _grouping_ok(digits: str, sep: str) -> bool:
    """``1,234,567`` style: first group 1-3 digits (not starting with 0), then groups of 3."""
    return bool(_GROUPED.match(digits.replace(sep, "X")))


def parse_amount(value: object, decimal_mark: DecimalMark = None) -> Decimal:
    """Read an amount from a number cell or any usual text form.

    Accepts ``1234567.89``, ``1,234,567.89``, ``1.234.567,89``, ``1 234 567,89``,
    ``1'234'567.89``, ``(1,234.50)``, ``-1234.50``, ``1234.50-``, with a currency sign or
    code beside it. A text whose reading is ambiguous (``1.234``, ``1,234``) raises unless
    ``decimal_mark`` says which mark is the decimal one.

    Raises:
        CellError: empty, not a number, or ambiguous.
    """
    if value.__class__ is float:  # the usual cell: straight to its reading
        return _bounded(_float_amount(value))
    return _bounded(_parse_amount(value, decimal_mark))


#: Amounts are stored as integer hundredths in a 64-bit column; anything near that is a typo.
MAX_AMOUNT = Decimal("1E15")


def _bounded(amount: Decimal) -> Decimal:
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise CellError("is too large to be an amount")
    return amount


def _parse_amount(value: object, decimal_mark: DecimalMark) -> Decimal:
    if isinstance(value, bool):
        raise CellError("is not an amount")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _float_amount(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise CellError("is not an amount")
        return value
    if is_blank(value) or not isinstance(value, str):
        raise CellError("is empty" if is_blank(value) else "is not an amount")
    text = _strip_currency(value.strip())
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text.startswith(("-", "−", "–")):
        negative, text = not negative, text[1:].strip()
    elif text.startswith("+"):
        text = text[1:].strip()
    if text.endswith(("-", "−")):
        negative, text = not negative, text[:-1].strip()
    text = _SPACES.sub("", text)
    if not text or not re.fullmatch(r"[0-9.,]+", text) or not re.search(r"\d", text):
        raise CellError("is not an amount")
    normal = _to_point_decimal(text, decimal_mark)
    try:
        number = Decimal(normal)
    except InvalidOperation as exc:
        raise CellError("is not an amount") from exc
    return -number if negative else number


_CENT = Decimal("0.01")
_NEAR_CENT = Decimal("1E-8")


def _float_amount(value: float) -> Decimal:
    """A number cell: finite and below :data:`MAX_AMOUNT`, as the user typed it."""
    if not math.isfinite(value) or abs(value) >= 1e15:
        raise CellError("is not an amount" if not math.isfinite(value) else "is too large to be an amount")
    # Excel stores binary doubles: the shortest repr is the figure the user typed;
    # a value within a millionth of a cent is a computed cell and is rounded to it.
    exact = Decimal(repr(value))
    cents = exact.quantize(_CENT)
    return cents if abs(exact - cents) < _NEAR_CENT else exact


def _to_point_decimal(text: str, mark: DecimalMark) -> str:
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        dec = "." if text.rfind(".") > text.rfind(",") else ","
        group = "," if dec == "." else "."
        whole, _, frac = text.rpartition(dec)
        if dec in whole or not _grouping_ok(whole, group) or not frac:
            raise CellError("is not an amount (mixed separators)")
        return whole.replace(group, "") + "." + frac
    if not has_dot and not has_comma:
        return text
    sep = "." if has_dot else ","
    if text.count(sep) > 1:
        if _grouping_ok(text, sep):
            return text.replace(sep, "")
        raise CellError("is not an amount")
    whole, _, frac = text.partition(sep)
    if not frac:
        if whole:
            return whole
        raise CellError("is not an amount")
    if not whole:
        return "0." + frac
    if len(frac) == 3 and _grouping_ok(text, sep):
        # "1.234" / "1,234": a thousands separator or a decimal mark? Only the user knows.
        if mark == "comma":
            return whole + frac if sep == "." else whole + "." + frac
        if mark == "point":
            return whole + "." + frac if sep == "." else whole + frac
        raise CellError(
            f"is ambiguous: is {sep!r} a thousands separator or the decimal mark? "
            "Load again with --decimal-comma or --decimal-point"
        )
    return whole + "." + frac


# --------------------------------------------------------------------------- dates

_EXCEL_EPOCH = dt.date(1899, 12, 30)

_MONTHS: dict[str, int] = {}
for _n, _names in enumerate(
    (
        ("january", "jan", "janvier", "janv", "januari"),
        ("february", "feb", "fevrier", "fev", "fevr", "februari"),
        ("march", "mar", "mars", "maart", "mrt"),
        ("april", "apr", "avril", "avr"),
        ("may", "mai", "mei"),
        ("june", "jun", "juin", "juni"),
        ("july", "jul", "juillet", "juil", "juli"),
        ("august", "aug", "aout", "augustus"),
        ("september", "sep", "sept", "septembre"),
        ("october", "oct", "octobre", "oktober", "okt"),
        ("november", "nov", "novembre"),
        ("december", "dec", "decembre"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _n


def _make_date(year: int, month: int, day: int, raw: object) -> dt.date:
    try:
        day_ = dt.date(year, month, day)
    except ValueError as exc:
        raise CellError(f"is not a real date ({exc})") from None
    return _plausible(day_)


def _plausible(day: dt.date) -> dt.date:
    """The ledger's own bound on dates (:func:`budget.bounds.day`): a year 0202 or 9999 is a
    typo, not a contribution, and reporting it beats carrying it into every figure."""
    try:
        return bounds.day(day, "the date")
    except BudgetError as exc:
        raise CellError(str(exc)) from None


def parse_date(value: object) -> dt.date:
    """Read a date from an Excel date cell, an Excel serial number or a text.

    Text forms: ``dd/mm/yyyy``, ``dd.mm.yyyy``, ``dd-mm-yyyy``, ``yyyy-mm-dd`` (optionally
    with a time), and ``d Month yyyy`` with English, French or Dutch month names
    ("11 October 2024", "1er janvier 2025", "3 mei 2025").

    Raises:
        CellError: empty, not a date, or impossible (31/02/2026).
    """
    if isinstance(value, dt.datetime):
        return _plausible(value.date())
    if isinstance(value, dt.date):
        return _plausible(value)
    if isinstance(value, bool):
        raise CellError("is not a date")
    if isinstance(value, int | float):
        # An Excel serial (days since 1899-12-30); a fraction is a time of day.
        if isinstance(value, float) and not math.isfinite(value):
            raise CellError("is not a date")
        serial = int(value)
        if not 1 <= serial <= 2958465:
            raise CellError("is not a date")
        return _plausible(_EXCEL_EPOCH + dt.timedelta(days=serial))
    if is_blank(value) or not isinstance(value, str):
        raise CellError("is empty" if is_blank(value) else "is not a date")
    text = value.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text)
    if m:
        return _make_date(int(m[1]), int(m[2]), int(m[3]), value)
    m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?", text)
    if m:
        return _make_date(int(m[3]), int(m[2]), int(m[1]), value)
    m = re.fullmatch(r"(\d{1,2})(?:er|st|nd|rd|th|e)?\.?\s+([^\W\d_]+)\.?,?\s+(\d{4})", text)
    if m:
        month = _MONTHS.get(normalise_header(m[2]))
        if month is None:
            raise CellError("is not a date (unknown month name)")
        return _make_date(int(m[3]), month, int(m[1]), value)
    if re.fullmatch(r"\d+(?:\.0+)?", text):
        # A serial written as text; a long run of digits is no date (and would overflow a float).
        whole = text.split(".", 1)[0].lstrip("0") or "0"
        if len(whole) > 7:
            raise CellError("is not a date (too many digits for a day number)")
        return parse_date(int(whole))
    raise CellError("is not a date (use dd/mm/yyyy, yyyy-mm-dd or '11 October 2024')")


# --------------------------------------------------------------------------- text, codes


def _whole(value: object) -> bool:
    """A float cell holding a whole number (Excel stores 2025 as 2025.0)."""
    return isinstance(value, float) and math.isfinite(value) and value == int(value)


def parse_text(value: object) -> str:
    """A text cell, trimmed; a number cell as written (``2025.0`` → ``2025``)."""
    if value.__class__ is str:  # the common case first: called for every text cell
        text = value.strip()
        if text and "  " not in text and "\n" not in text and "\t" not in text and "\u00a0" not in text:
            return text
    if is_blank(value):
        raise CellError("is empty")
    if _whole(value):
        return str(int(value))  # type: ignore[call-overload]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value).strip()
    if "  " in text or "\n" in text or "\t" in text or "\u00a0" in text:
        text = re.sub(r"\s+", " ", text)
    return text


def parse_code(value: object) -> str:
    """A code (organisation, AB, directorate): trimmed and upper-cased."""
    return parse_text(value).upper()


def parse_currency(value: object) -> str:
    """An ISO 4217 currency code (also from a sign: €, $, £, CHF...)."""
    text = parse_text(value).upper()
    text = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "SFR": "CHF", "FS": "CHF",
            "EURO": "EUR", "EUROS": "EUR"}.get(text, text)
    if text not in ALL_CURRENCIES:
        raise CellError("is not an ISO 4217 currency code (EUR, USD, CHF...)")
    return text


def parse_year(value: object) -> int:
    """A fiscal year (:func:`budget.bounds.fiscal_year`) from a number or a text cell."""
    if _whole(value):
        value = int(value)  # type: ignore[call-overload]
    text = parse_text(value)
    if not re.fullmatch(r"\d{4}", text):
        raise CellError("is not a year")
    try:
        return bounds.fiscal_year(text)
    except BudgetError as exc:
        raise CellError(str(exc)) from None


def parse_rate(value: object) -> Decimal:
    """An exchange rate (units per EUR): positive; a number cell is read through ``repr``."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError("is not a rate")
        number = Decimal(repr(value))
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    else:
        text = parse_text(value).replace(",", ".").replace(" ", "")
        if len(text) > 40:
            raise CellError("is not a rate")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError("is not a rate") from None
    return checked_rate(number)


def checked_rate(number: Decimal) -> Decimal:
    """``number`` when it is a rate the ledger accepts (:func:`budget.bounds.rate_value`)."""
    if not number.is_finite() or number <= 0:
        raise CellError("is not a positive rate")
    try:
        return bounds.rate_value(number, number)
    except BudgetError as exc:
        raise CellError(str(exc)) from None


def display(value: object) -> str:
    """The cell value as a user would recognise it in a message."""
    if value is None:
        return ""
    if _whole(value) and abs(value) < 1e15:  # type: ignore[arg-type]
        return str(int(value))  # type: ignore[call-overload]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
