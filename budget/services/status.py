"""The payment status of an organisation's year: one rule for the CLI, the dashboard and both
report files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

#: Every status, in the order a reader scans them (worst first).
STATUSES: tuple[str, ...] = ("overdue", "partly_paid", "to_pay", "credit", "paid", "not_assessed")


class OpenLine(Protocol):
    """What the rule reads of a line still to pay (:class:`~budget.services.views.OutstandingLine`)."""

    @property
    def overdue(self) -> bool: ...

    @property
    def paid(self) -> Decimal: ...


def payment_status(
    assessed: Mapping[str, Decimal], open_lines: Sequence[OpenLine], paid: Decimal, credit: Decimal
) -> str:
    """The status of an organisation's fiscal year as of a day.

    Args:
        assessed: the year's assessed amounts per currency as of the day (net of reversals).
        open_lines: the year's assessment lines with something left to pay that day, after the
            credits returned were set against them.
        paid: paid that day on the year's commitments (EUR).
        credit: credit returned still to use that day (EUR), any year.

    Returns:
        ``not_assessed`` (no call of the year received), ``overdue`` (a line past its due
        date), ``paid`` (nothing left) or ``credit`` (nothing left and a credit to use),
        ``partly_paid`` (something paid or credited, the rest not yet due), ``to_pay``.
    """
    if not any(assessed.values()):
        return "not_assessed"
    if any(line.overdue for line in open_lines):
        return "overdue"
    if not open_lines:
        return "credit" if credit > 0 else "paid"
    if paid > 0 or any(line.paid > 0 for line in open_lines):
        return "partly_paid"
    return "to_pay"
