"""The figures derived from other figures, each defined once and shared by every read model
(one row, a table, the dashboard, the report, the CLI): what is open, the paid rate, what is
available on credits."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from budget.money import ratio


def open_amount(committed: Decimal, paid: Decimal) -> Decimal:
    """Open: committed (with adjustments) less paid, in one currency."""
    return committed - paid


def available(credits: Decimal, committed: Decimal) -> Decimal:
    """Available: credits less what they already carry (negative: beyond the credits)."""
    return credits - committed


class Executed:
    """A read model with ``committed`` and ``paid`` (one currency) gets its ``open`` and
    ``paid_rate`` from here."""

    if TYPE_CHECKING:  # a field or a property of the read model
        @property
        def committed(self) -> Decimal: ...

        @property
        def paid(self) -> Decimal: ...

    @property
    def open(self) -> Decimal:
        """Committed less paid."""
        return open_amount(self.committed, self.paid)

    @property
    def paid_rate(self) -> Decimal | None:
        """Paid / committed (a fraction), None when nothing is committed."""
        return ratio(self.paid, self.committed)


class ExecutedInEur(Executed):
    """:class:`Executed` in the commitment's currency, with the same in EUR."""

    if TYPE_CHECKING:
        @property
        def committed_eur(self) -> Decimal: ...

        @property
        def paid_eur(self) -> Decimal: ...

    @property
    def open_eur(self) -> Decimal:
        """Commitment credits still held: committed EUR less the EUR paid (at payment rates)."""
        return open_amount(self.committed_eur, self.paid_eur)


class Credited:
    """A read model with credits gets its execution rates from here: committed against the
    commitment credits, paid in the year against the payment credits (None without credits)."""

    if TYPE_CHECKING:  # fields or properties of the read model
        @property
        def commitment_credits(self) -> Decimal | None: ...

        @property
        def committed(self) -> Decimal: ...

        @property
        def payment_credits(self) -> Decimal | None: ...

        @property
        def paid_in_year(self) -> Decimal: ...

    @property
    def commitment_rate(self) -> Decimal | None:
        """Committed / commitment credits."""
        return None if self.commitment_credits is None else ratio(self.committed, self.commitment_credits)

    @property
    def payment_rate(self) -> Decimal | None:
        """Paid in the year / payment credits."""
        return None if self.payment_credits is None else ratio(self.paid_in_year, self.payment_credits)
