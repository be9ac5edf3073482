"""Bounds on every value a user can type or load: one function per bound, used by every door.

The CLI, the imports, the dashboard and the services all reach these through the shared
parsers (:func:`budget.money.money`, :func:`budget.money.rate`, the fiscal year and code
parsers of the services), so a value refused on one path is refused on all of them, with a
one-line message that names the value and the limit. The database never sees a value
beyond what its columns hold: a last check before every flush (and before a bulk insert)
compares each text with its column's width and refuses control and bidi-override characters.

Amounts are capped so that integer hundredths never overflow the 64-bit totals, whatever
the number of entries a realistic ledger holds; rates have a plausible magnitude and, per
currency, must lie within a band around the last known rate unless the user forces them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Date, DateTime, String, event
from sqlalchemy.orm import Session

from budget import config
from budget.errors import ValidationError

#: Fiscal years the ledger holds, everywhere (credits, year close, reports, imports).
MIN_YEAR, MAX_YEAR = 1990, 2100
#: The longest number written as text (digits, sign, point, exponent) any parser accepts.
MAX_NUMBER_TEXT = 40
#: Significant digits of an exchange rate (the ECB publishes at most 6).
MAX_RATE_DIGITS = 12
#: Units of a currency for 1 EUR: from a strong currency to a very weak one (IDR ~ 17,000,
#: old TRL ~ 2,000,000).
MIN_RATE, MAX_RATE = Decimal("0.0001"), Decimal("100000000")
#: Largest entry id or batch number (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1

#: The characters :func:`_is_hidden` refuses, as one pattern: the Unicode category Cc (C0
#: controls, DEL, C1 controls: U+0000-U+001F, U+007F-U+009F) and the bidi overrides and
#: isolates. A search runs in C over a whole text (or many joined) instead of a call per character.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_TEXT_WHITESPACE = {"\t", "\n", "\r"}


class OutOfBoundsError(ValidationError):
    """A value lies outside what the ledger accepts (too large, too long, too far away)."""


class ImplausibleRateError(OutOfBoundsError):
    """An exchange rate lies outside the band around the last known rate of its currency."""


def _short(text: str, keep: int = 30) -> str:
    shown = text if len(text) <= keep else text[:keep] + "…"
    return ascii(shown) if any(_is_hidden(ch) for ch in shown) else repr(shown)


def _is_hidden(ch: str) -> bool:
    """A control (C0, C1, ANSI ESC) or bidi override/isolate character."""
    return _HIDDEN.match(ch) is not None


def has_hidden(text: str) -> bool:
    """True when ``text`` holds a character :func:`_is_hidden` refuses."""
    return _HIDDEN.search(text) is not None


def _plain(value: Decimal) -> str:
    return f"{value:,f}" if value == value.to_integral_value() else f"{value.normalize():,f}"


# --------------------------------------------------------------------------- numbers


def number_text(value: object, what: str = "The amount") -> None:
    """Refuse a number written with more than :data:`MAX_NUMBER_TEXT` characters, before any
    ``Decimal`` arithmetic is done on it."""
    if isinstance(value, (str, bytes)) and len(value.strip()) > MAX_NUMBER_TEXT:
        raise OutOfBoundsError(
            f"{what} {_short(str(value).strip(), 20)} is {len(value.strip())} characters long; "
            f"a number has at most {MAX_NUMBER_TEXT}.")


def max_amount() -> Decimal:
    """The largest amount of one entry, in any currency (``BUDGET_MAX_AMOUNT``)."""
    return Decimal(config.get("BUDGET_MAX_AMOUNT"))


def amount(value: Decimal, currency: str = "EUR", what: str | Callable[[], str] = "The amount", *,
           limit: Decimal | None = None) -> Decimal:
    """Return ``value`` when its size is below ``BUDGET_MAX_AMOUNT``, else refuse it.

    Checked before any rounding, so ``1e308`` is a refusal, never an arithmetic error.
    ``what`` names the value in the refusal (a function making the name: only called then);
    ``limit``: :func:`max_amount` already read (a load reads it once, not once per amount).
    """
    if limit is None:
        limit = max_amount()
    if value.is_finite() and abs(value) < limit:
        return value
    if callable(what):
        what = what()
    shown = (f"{value:,.2f}" if abs(value) < Decimal("1E30") else f"{value:.3E}") if value.is_finite() else str(value)
    raise OutOfBoundsError(
        f"{what} {currency} {shown} is too large: one entry holds less than {currency} "
        f"{_plain(limit)} (BUDGET_MAX_AMOUNT).")


def rate_value(value: Decimal, shown: object) -> Decimal:
    """An exchange rate of plausible magnitude and precision (units of currency per EUR)."""
    digits = len(value.as_tuple().digits)
    if digits > MAX_RATE_DIGITS and (digits := len(value.normalize().as_tuple().digits)) > MAX_RATE_DIGITS:
        raise OutOfBoundsError(
            f"Exchange rate {_short(str(shown), 20)} has {digits} significant digits; "
            f"a rate has at most {MAX_RATE_DIGITS}.")
    if not MIN_RATE <= value <= MAX_RATE:
        raise OutOfBoundsError(
            f"Exchange rate {_short(str(shown), 20)} is not plausible: a rate (units for 1 EUR) "
            f"lies between {_plain(MIN_RATE)} and {_plain(MAX_RATE)}.")
    return value


def rate_band(
    currency: str, value: Decimal, known: Decimal | None, *, where: str = "", force: bool = False,
    override: str = "give --force-rate",
) -> None:
    """Refuse a rate more than ``BUDGET_RATE_BAND`` times above or below the last known one.

    ``known`` is the rate the ledger already holds for ``currency`` nearest the day (None:
    nothing to compare with, any plausible rate passes). ``force`` is the user's explicit
    override; ``override`` names how to give it in the refusal.
    """
    if force or known is None or currency == "EUR":
        return
    factor = Decimal(config.get("BUDGET_RATE_BAND"))
    low, high = known / factor, known * factor
    if low <= value <= high:
        return
    raise ImplausibleRateError(
        f"{where}{currency} rate {_plain(value)} is outside the plausible band "
        f"{low:.6g}–{high:.6g} (the last known rate {_plain(known)} ÷/× {_plain(factor)}, "
        f"BUDGET_RATE_BAND); if it is right, {override}.")


def checked_arithmetic(what: str) -> Any:
    """A context manager turning a ``Decimal`` overflow into a refusal naming ``what``."""
    return _Arithmetic(what)


class _Arithmetic:
    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if kind is not None and issubclass(kind, (InvalidOperation, OverflowError)):
            raise OutOfBoundsError(f"{self.what} is out of the range the ledger can compute.") from None


# --------------------------------------------------------------------------- dates and ids


def fiscal_year(value: object) -> int:
    """A fiscal year between :data:`MIN_YEAR` and :data:`MAX_YEAR`."""
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"{_short(str(value), 20)} is not a fiscal year.") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        shown = str(year) if len(str(year)) <= 12 else f"{str(year)[:12]}…"
        raise OutOfBoundsError(f"Fiscal year {shown} is out of range: the ledger holds {MIN_YEAR}–{MAX_YEAR}.")
    return year


def day(value: dt.date, what: str = "The date") -> dt.date:
    """A date whose year is a fiscal year the ledger holds (due dates, period ends...)."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise OutOfBoundsError(
            f"{what} {value.isoformat()} is out of range: the ledger holds {MIN_YEAR}–{MAX_YEAR}.")
    return value


def entry_date(value: dt.date, what: str = "The entry date", today: dt.date | None = None) -> dt.date:
    """A business date of an entry or a rate: in range, and not too far in the future
    (``BUDGET_MAX_FUTURE_DAYS``)."""
    day(value, what)
    horizon = config.get("BUDGET_MAX_FUTURE_DAYS")
    latest = (today or dt.date.today()) + dt.timedelta(days=horizon)
    if value > latest:
        raise OutOfBoundsError(
            f"{what} {value.isoformat()} is more than {horizon} days in the future (latest "
            f"{latest.isoformat()}, BUDGET_MAX_FUTURE_DAYS).")
    return value


def entry_id(value: int, what: str = "entry") -> int:
    """An id the database can hold (an unknown one is then simply not found)."""
    if not 1 <= value <= MAX_ID:
        raise OutOfBoundsError(f"No {what} has id {str(value)[:20]}: ids run from 1 to {MAX_ID}.")
    return value


# --------------------------------------------------------------------------- text


def text(value: object, what: str, limit: int, *, free: bool = False) -> str:
    """``value`` trimmed, at most ``limit`` characters, without control or bidi characters.

    ``free`` texts (notes, reasons) may hold tabs and line breaks; codes and names may not.
    """
    out = str(value if value is not None else "").strip()
    if len(out) > limit:
        raise OutOfBoundsError(f"{what} {_short(out)} is {len(out)} characters long; at most {limit} fit.")
    bad = [ch for ch in out if _is_hidden(ch) and not (free and ch in _TEXT_WHITESPACE)]
    if bad:
        raise OutOfBoundsError(
            f"{what} {_short(out)} holds a control or text-direction character "
            f"(U+{ord(bad[0]):04X}), which the ledger does not store.")
    return out


_FREE_COLUMNS = re.compile(r"^(note|reason|details|message|override_reason|label)$")
_ENTRY_DATES = {"entry_date", "rate_date"}


def _kind(column: Any) -> str | None:
    if isinstance(column.type, String):
        return "text"
    if isinstance(column.type, Date) and not isinstance(column.type, DateTime):
        return "entry_date" if column.key in _ENTRY_DATES else "date"
    return None


def _column_checks(table: Any) -> list[tuple[str, str, int | None, bool]]:
    cached = _CHECKS.get(table.name)
    if cached is None:
        cached = [
            (c.key, kind, getattr(c.type, "length", None), bool(_FREE_COLUMNS.match(c.key)))
            for c in table.columns
            if (kind := _kind(c)) is not None
        ]
        _CHECKS[table.name] = cached
    return cached


_CHECKS: dict[str, list[tuple[str, str, int | None, bool]]] = {}


def _label(table: Any, key: str, values: Mapping[str, Any]) -> str:
    ref = values.get("reference") or values.get("code") or values.get("currency")
    head = table.name.replace("_", " ").capitalize()
    column = key.replace("_", " ")
    if isinstance(ref, str) and ref:
        return f"{head} {_short(ref) if len(ref) > 30 or any(map(_is_hidden, ref)) else ref}: the {column}"
    return f"{head} {column}"


def _check(table: Any, key: str, kind: str, limit: int | None, free: bool, value: Any,
           values: Mapping[str, Any]) -> None:
    if kind == "text" and isinstance(value, str):
        if len(value) > (limit or 10**9) or has_hidden(value):
            text(value, _label(table, key, values), limit or 10**9, free=free or limit is None)
    elif kind == "entry_date" and isinstance(value, dt.date):
        entry_date(value, _label(table, key, values))
    elif kind == "date" and isinstance(value, dt.date):
        day(value, _label(table, key, values))


def check_values(table: Any, values: Mapping[str, Any]) -> None:
    """Refuse a text too long for its column or holding control/bidi characters, and a date
    out of range (an entry's date also too far in the future)."""
    for key, kind, limit, free in _column_checks(table):
        _check(table, key, kind, limit, free, values.get(key), values)


def check_rows(table: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """:func:`check_columns` over rows given as mappings (the columns of the first row)."""
    if rows:
        check_columns(table, {key: [r.get(key) for r in rows] for key in rows[0]})


def check_columns(table: Any, columns: Mapping[str, Sequence[Any]]) -> None:
    """:func:`check_values` over the distinct values of a bulk insert given as columns."""
    for key, kind, limit, free in _column_checks(table):
        if key in columns:
            column = columns[key]

            def row_of(value: Any, column: Sequence[Any] = column) -> Mapping[str, Any]:
                index = list(column).index(value)
                return {k: v[index] for k, v in columns.items() if k in ("source_sheet", "source_row")}

            _check_distinct(table, key, kind, limit, free, set(column), row_of)


def _check_distinct(table: Any, key: str, kind: str, limit: int | None, free: bool, values: set[Any],
                    row_of: Callable[[Any], Mapping[str, Any]]) -> None:
    """Check each distinct value (dates: only the earliest and the latest, the bounds being a
    range); a refusal names the sheet and row of the first row holding the value, when the
    rows carry their ``source_sheet``/``source_row``."""
    if kind != "text":
        days = [v for v in values if isinstance(v, dt.date)]
        values = {min(days), max(days)} if days else set()
    else:
        texts = [v for v in values if isinstance(v, str)]
        # The usual column passes whole: no text too long, no hidden character in all of
        # them joined (by a character that is not hidden). Otherwise each is checked and
        # the refusal names the first one at fault.
        if max(map(len, texts), default=0) <= (limit or 10**9) and not has_hidden(" ".join(texts)):
            return
    for value in values:
        try:
            _check(table, key, kind, limit, free, value, {})
        except OutOfBoundsError as exc:
            row = row_of(value)
            line, sheet = row.get("source_row"), row.get("source_sheet")
            if line is None:
                raise
            where = f"sheet {sheet}, row {line}" if sheet else f"row {line}"
            raise OutOfBoundsError(f"{where}, column {key}: {exc}") from None


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """The last check before the database: every new or changed row fits its columns."""
    for obj in (*session.new, *session.dirty):
        table = getattr(obj, "__table__", None)
        if table is not None:
            check_values(table, vars(obj))
