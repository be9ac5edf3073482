"""The ABs (basic allocations) in a year: credits, consumption, and whether the availability
control would stop a commitment."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from budget.money import ZERO
from budget.services import views
from budget.services.figures import Credited, available
from budget.services.names import display_name
from budget.uow import UnitOfWork


@dataclass(frozen=True)
class AllocationStatus(Credited):
    """An AB's year: credits, consumption, and whether the control would stop a commitment."""

    code: str
    label: str
    directorate: str | None
    control_mode: str
    commitment_credits: Decimal
    committed: Decimal
    payment_credits: Decimal
    paid_in_year: Decimal
    overrides: int

    @property
    def available(self) -> Decimal:
        return available(self.commitment_credits, self.committed)

    @property
    def payment_available(self) -> Decimal:
        return available(self.payment_credits, self.paid_in_year)

    @property
    def warning(self) -> str | None:
        """``blocks``/``warns`` when nothing is left to commit, ``low`` under 5 %,
        ``payment_credits`` when payments exceed the payment credits, else None."""
        if self.available <= 0 and (self.commitment_credits or self.committed):
            return "blocks" if self.control_mode == "block" else "warns"
        if self.commitment_credits > 0 and self.available < self.commitment_credits / 20:
            return "low"
        if self.paid_in_year > self.payment_credits:
            return "payment_credits"
        return None


def allocation_status(
    uow: UnitOfWork,
    year: int,
    *,
    as_of: dt.date | None = None,
    directorates: Sequence[str] | None = None,
    lang: str = "en",
) -> list[AllocationStatus]:
    """Every AB of ``year`` from :func:`views.execution` (by AB), with its control state
    (labelled in ``lang``)."""
    ex = views.execution(uow, year, "ab", as_of=as_of, directorates=directorates, lang=lang)
    info = {a.code: a for a in views.allocations(uow, directorates)}
    count: dict[str, int] = defaultdict(int)
    for o in views.overrides(uow, year):
        count[o.ab] += 1
    out = []
    for r in ex.rows:
        a = info.get(r.key)
        out.append(AllocationStatus(
            code=r.key, label=display_name(a, lang) if a else r.name, directorate=a.directorate if a else None,
            control_mode=a.control_mode if a else "block",
            commitment_credits=r.commitment_credits or ZERO, committed=r.committed,
            payment_credits=r.payment_credits or ZERO, paid_in_year=r.paid_in_year,
            overrides=count.get(r.key, 0),
        ))
    return out
