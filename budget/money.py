"""Exact money: ``Decimal`` amounts, ISO 4217 currencies, conversions, formatting.

Amounts are stored as integer hundredths (see ``budget.ledger.types.Money``), so every
currency the ledger accepts has at most two minor digits. Exchange rates follow the ECB
convention: units of the currency for 1 EUR, so ``EUR = amount / rate``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from operator import eq
from typing import TypeVar

from budget import bounds
from budget.errors import BudgetError, NonPositiveAmountError, UnknownCurrencyError, ValidationError

T = TypeVar("T")

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# ISO 4217 active codes with their minor units (exponent). Source: ISO 4217 list one.
_ISO4217: dict[str, int] = {
    "AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "ANG": 2, "AOA": 2, "ARS": 2, "AUD": 2, "AWG": 2,
    "AZN": 2, "BAM": 2, "BBD": 2, "BDT": 2, "BGN": 2, "BHD": 3, "BIF": 0, "BMD": 2, "BND": 2,
    "BOB": 2, "BRL": 2, "BSD": 2, "BTN": 2, "BWP": 2, "BYN": 2, "BZD": 2, "CAD": 2, "CDF": 2,
    "CHF": 2, "CLP": 0, "CNY": 2, "COP": 2, "CRC": 2, "CUP": 2, "CVE": 2, "CZK": 2, "DJF": 0,
    "DKK": 2, "DOP": 2, "DZD": 2, "EGP": 2, "ERN": 2, "ETB": 2, "EUR": 2, "FJD": 2, "FKP": 2,
    "GBP": 2, "GEL": 2, "GHS": 2, "GIP": 2, "GMD": 2, "GNF": 0, "GTQ": 2, "GYD": 2, "HKD": 2,
    "HNL": 2, "HRK": 2, "HTG": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "IQD": 3, "IRR": 2,
    "ISK": 0, "JMD": 2, "JOD": 3, "JPY": 0, "KES": 2, "KGS": 2, "KHR": 2, "KMF": 0, "KPW": 2,
    "KRW": 0, "KWD": 3, "KYD": 2, "KZT": 2, "LAK": 2, "LBP": 2, "LKR": 2, "LRD": 2, "LSL": 2,
    "LYD": 3, "MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2, "MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2,
    "MUR": 2, "MVR": 2, "MWK": 2, "MXN": 2, "MYR": 2, "MZN": 2, "NAD": 2, "NGN": 2, "NIO": 2,
    "NOK": 2, "NPR": 2, "NZD": 2, "OMR": 3, "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2, "PKR": 2,
    "PLN": 2, "PYG": 0, "QAR": 2, "RON": 2, "RSD": 2, "RUB": 2, "RWF": 0, "SAR": 2, "SBD": 2,
    "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2, "SHP": 2, "SLE": 2, "SOS": 2, "SRD": 2, "SSP": 2,
    "STN": 2, "SVC": 2, "SYP": 2, "SZL": 2, "THB": 2, "TJS": 2, "TMT": 2, "TND": 3, "TOP": 2,
    "TRY": 2, "TTD": 2, "TWD": 2, "TZS": 2, "UAH": 2, "UGX": 0, "USD": 2, "UYU": 2, "UZS": 2,
    "VES": 2, "VND": 0, "VUV": 0, "WST": 2, "XAF": 0, "XCD": 2, "XOF": 0, "XPF": 0, "YER": 2,
    "ZAR": 2, "ZMW": 2, "ZWL": 2,
}
# Legacy codes that still appear in the ECB history file (pre-euro and old currencies).
_HISTORIC: dict[str, int] = {
    "CYP": 2, "EEK": 2, "LTL": 2, "LVL": 2, "MTL": 2, "ROL": 2, "SIT": 2, "SKK": 2, "TRL": 2,
}
ALL_CURRENCIES: Mapping[str, int] = {**_ISO4217, **_HISTORIC}
#: The smallest unit of each currency's number of decimals (0.01 for 2).
_QUANTA = {e: Decimal(1).scaleb(-e) for e in {*ALL_CURRENCIES.values(), 2}}

#: Currencies the ledger can hold amounts in: integer hundredths fit them exactly.
LEDGER_CURRENCIES: frozenset[str] = frozenset(c for c, e in ALL_CURRENCIES.items() if e <= 2)


def normalise_currency(code: object) -> str:
    """Return the upper-case ISO 4217 code, or raise ``UnknownCurrencyError``."""
    text = str(code or "").strip().upper()
    if text not in ALL_CURRENCIES:
        raise UnknownCurrencyError(f"Unknown currency {code!r}: use an ISO 4217 code such as EUR, USD or CHF.")
    if text not in LEDGER_CURRENCIES:
        raise UnknownCurrencyError(
            f"Currency {text} has three decimals, which the ledger does not hold; "
            "record its amounts in EUR."
        )
    return text


def is_currency(code: object) -> bool:
    """True when ``code`` is an ISO 4217 code the ledger accepts."""
    try:
        normalise_currency(code)
    except UnknownCurrencyError:
        return False
    return True


def D(value: object) -> Decimal:
    """Convert an int, str or Decimal to ``Decimal`` exactly (a float goes through ``str``).

    Excel cells arrive as binary doubles: ``Decimal(str(0.1))`` is ``0.1`` where
    ``Decimal(0.1)`` would carry the binary error.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValidationError(f"{value!r} is not an amount")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    bounds.number_text(value)
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(f"{value!r} is not an amount") from exc


def money(value: object, currency: str = "EUR", *, limit: Decimal | None = None) -> Decimal:
    """An exact amount in ``currency``: refuses more decimals than the currency has, and an
    amount beyond ``BUDGET_MAX_AMOUNT`` (:func:`budget.bounds.amount`; ``limit``: that
    setting already read, by a load converting many amounts). :func:`money_column` on one."""
    return checked(money_column((value,), (currency,), limit=limit)[0])


def money_column(values: Sequence[object], currencies: Sequence[str], *,
                 limit: Decimal | None = None) -> list[Decimal | BudgetError]:
    """:func:`money` over a column: each value as an exact amount in its row's currency, or
    the refusal of that value (the rule for one amount and for a load's column alike).

    A column of Decimals within the limit, in currencies of two decimals, with no more than
    two decimals each, is settled in three passes (a load's usual amounts); any other goes
    value by value.
    """
    if limit is None:
        limit = bounds.max_amount()
    try:
        if len(values) > 1 and {ALL_CURRENCIES.get(c, 2) for c in set(currencies)} == {2}:
            exact: list[Decimal | BudgetError] = [v.quantize(CENT, ROUND_HALF_UP) for v in values]  # type: ignore[attr-defined]
            if all(map(eq, exact, values)) and -limit < min(exact) and max(exact) < limit:  # type: ignore[type-var,operator]
                return exact
    except (AttributeError, ArithmeticError, TypeError):
        pass  # not all Decimals, or one is not finite: value by value
    return [_money_or_refusal(v, c, limit) for v, c in zip(values, currencies, strict=True)]


def _money_or_refusal(value: object, currency: str, limit: Decimal) -> Decimal | BudgetError:
    try:
        amount = D(value)
        if not amount.is_finite():
            raise ValidationError(f"{value!r} is not an amount")
        bounds.amount(amount, currency if currency in ALL_CURRENCIES else "", limit=limit)
        exponent = ALL_CURRENCIES.get(currency, 2)
        exact = amount.quantize(_QUANTA[exponent], ROUND_HALF_UP)
        if amount != exact:
            raise ValidationError(f"{currency} amounts have at most {exponent} decimals; {amount} has more.")
        return exact if exponent == 2 else amount.quantize(CENT)
    except BudgetError as exc:
        return exc


def checked(result: T | BudgetError) -> T:
    """``result``, unless it is a refusal (a column rule's answer for one value): then raised."""
    if isinstance(result, BudgetError):
        raise result
    return result


def positive(amount: Decimal, what: str = "The amount") -> Decimal:
    """Return ``amount`` when it is above zero, else raise ``NonPositiveAmountError``."""
    if amount <= 0:
        raise NonPositiveAmountError(f"{what} must be above zero (got {fmt(amount)}).")
    return amount


def round_cents(value: Decimal) -> Decimal:
    """Round half up to the cent (the rule for EUR equivalents)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def rate(value: object) -> Decimal:
    """An exchange rate (units per EUR): a positive finite Decimal of plausible size and
    precision (:func:`budget.bounds.rate_value`)."""
    bounds.number_text(value, "The exchange rate")
    r = D(value)
    if not r.is_finite() or r <= 0:
        raise ValidationError(f"Exchange rate {value!r} must be a positive number.")
    bounds.rate_value(r, value)
    return Decimal(int(r)) if r == r.to_integral_value() else r


def to_eur(amount: Decimal, currency: str, units_per_eur: Decimal | None, *,
           limit: Decimal | None = None) -> Decimal:
    """EUR equivalent of ``amount`` at ``units_per_eur`` (ECB convention), to the cent
    (``limit``: ``BUDGET_MAX_AMOUNT`` already read, as for :func:`money`)."""
    if currency == "EUR":
        return amount
    if units_per_eur is None:
        raise ValidationError(f"A rate is needed to convert {currency} to EUR.")
    with bounds.checked_arithmetic(f"{currency} {amount} at rate {units_per_eur}"):
        eur = round_cents(amount / units_per_eur)
    return bounds.amount(eur, "EUR", lambda: f"{currency} {fmt(amount)} at rate {units_per_eur} makes",
                         limit=limit)


def sum_by_currency(pairs: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """Totals over mixed currencies stay a mapping ``{currency: amount}``."""
    out: dict[str, Decimal] = {}
    for cur, amount in pairs:
        out[cur] = out.get(cur, ZERO) + amount
    return dict(sorted(out.items()))


def fmt(amount: Decimal | None, style: str = "en", decimals: int = 2) -> str:
    """Format with thousand separators: ``en`` → 1,234,567.89; ``be`` → 1.234.567,89."""
    if amount is None:
        return ""
    text = f"{amount:,.{decimals}f}"
    if style == "be":
        text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    return text


def json_amount(amount: Decimal) -> str:
    """Decimal string with two decimals, as the JSON outputs carry amounts."""
    return str(amount.quantize(CENT))


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part / whole`` as a Decimal fraction (4 decimals), or None when ``whole`` is zero."""
    if whole == 0:
        return None
    return (part / whole).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


#: The step of a shown percentage: one decimal (``12.3 %``).
PERCENT_STEP = Decimal("0.1")
#: Between a percentage and its sign: a non-breaking space, so ``12.3 %`` never splits.
PERCENT_SIGN = "\u00a0%"


def percent(fraction: Decimal) -> Decimal:
    """A fraction (a :func:`ratio`: 0.0165) as the percentage every page, report and export
    shows: one decimal, ties away from zero (1.7; -0.0165 is -1.7), as Excel's ``0.0%``
    writes the same fraction, so the PDF, the workbook and the dashboard agree. Never -0.0."""
    shown = (fraction * 100).quantize(PERCENT_STEP, rounding=ROUND_HALF_UP)
    return shown.copy_abs() if shown.is_zero() else shown


def fmt_percent(fraction: Decimal | None, style: str = "en") -> str:
    """:func:`percent` written in the style (``en`` 1.7 %, ``be`` 1,7 %); ``–`` when
    undefined (a ratio of nothing)."""
    if fraction is None:
        return "\u2013"
    text = f"{percent(fraction)}"
    return (text.replace(".", ",") if style == "be" else text) + PERCENT_SIGN


def fmt_rate(rate: Decimal, style: str = "en") -> str:
    """An exchange rate as published, without trailing zeros (``1.0825``; ``be``: ``1,0825``):
    the dashboard's tables and inputs and the pack's notes write rates so."""
    text = f"{rate.normalize():f}"
    return text.replace(".", ",") if style == "be" else text
