"""Are the derived tables still worth having? Plain indexed aggregates against them.

    .venv/bin/python benchmarks/bench_projections.py [--entries 1000000] [--small 10000]

The open items (``open_commitment_item``, ``open_assessment_item``) and the monthly totals
(``ledger_total``) are derived from the entries (``budget.services.balances``). Each is read
here both ways, on a small ledger and on the stress ledger: from the derived table, and by
the same sums over the entries that :func:`balances.verify` uses (the one definition of each
figure, with the ledger's indexes). The verdict keeps a derived table only where the plain
aggregate at the stress size is more than 3x its time at the small size (the pages' speed
budget) and takes half a second or more (a user notices).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, union_all  # noqa: E402

from benchmarks.bench_dashboard import ensure_ledger  # noqa: E402
from budget.ledger.db import make_engine, make_session_factory  # noqa: E402
from budget.ledger.models import LedgerTotal, OpenAssessmentItem, OpenCommitmentItem  # noqa: E402
from budget.services import balances, open_sums  # noqa: E402
from budget.uow import UnitOfWork  # noqa: E402

YEAR = dt.date.today().year


def _dated_in_year(model: Any) -> Any:
    return model.entry_date.between(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))


def _year_totals_derived() -> Any:
    t = LedgerTotal.__table__.c
    return (select(t.kind, func.sum(t.amount), func.sum(t.amount_eur))
            .where(t.entry_month.between(YEAR * 100 + 1, YEAR * 100 + 12)).group_by(t.kind))


def _year_totals_plain() -> Any:
    sums = union_all(*balances.total_sources(_dated_in_year)).subquery()
    return select(sums.c.kind, func.sum(sums.c.amount), func.sum(sums.c.amount_eur)).group_by(sums.c.kind)


def _rows(model: Any) -> Callable[[], Any]:
    # Plain rows (Core), as the aggregates give: no ORM entities on either side.
    return lambda: select(*model.__table__.c)


READS: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
    "open commitments": (_rows(OpenCommitmentItem), open_sums.commitment_sums),
    "open assessment lines": (_rows(OpenAssessmentItem), open_sums.assessment_sums),
    "this year's totals": (_year_totals_derived, _year_totals_plain),
}


def best_of(run: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def measure(url: str) -> dict[str, tuple[float, float]]:
    """Per read: (seconds from the derived table, seconds by the plain aggregate)."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    out = {}
    with UnitOfWork(factory, write=False) as uow:
        for name, (derived, plain) in READS.items():
            out[name] = (best_of(lambda q=derived: uow.session.execute(q()).all()),
                         best_of(lambda q=plain: uow.session.execute(q()).all()))
    engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    args = parser.parse_args(argv)
    small = measure(ensure_ledger(args.small))
    large = measure(ensure_ledger(args.entries))
    print(f"{'read':24} {'derived':>9} {'plain':>9} {'plain':>9}  plain x   verdict")
    print(f"{'':24} {f'{args.entries:,}':>9} {f'{args.entries:,}':>9} {f'{args.small:,}':>9}  growth")
    for name in READS:
        (d_large, p_large), (_d_small, p_small) = large[name], small[name]
        growth = p_large / p_small if p_small else float("inf")
        keep = growth > 3 and p_large >= 0.5
        verdict = "keep the derived table" if keep else "plain aggregate suffices"
        print(f"{name:24} {d_large:8.3f}s {p_large:8.3f}s {p_small:8.3f}s  {growth:7.1f}   {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
