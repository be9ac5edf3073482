"""Year-end outlook speed: the demo ledger vs the 1,000,000-entry ledger.

    .venv/bin/python benchmarks/bench_outlook.py [--entries 1000000] [--years N] [--synthetic-db PATH]
                                                 [--repeat 5] [--as-of YYYY-MM-DD]

Prints, measured in the same run on SQLite: the time of ``budget.services.outlook.outlook``
(by AB, as of 30 September of the current year unless ``--as-of``) and of the payment
timeliness of the previous year, on the demo ledger (``budget.demo.load_demo``) and on the
synthetic ledger (``benchmarks/synthetic.py build_synthetic``, by default at a realistic year's
density, as for the report), the number of parts still to
come, and the ratio synthetic / demo of the medians (the two ledgers are measured in turn, run
by run, so a change of the shared machine's speed weighs on both sides). The synthetic
database is kept under benchmarks/out/ (git-ignored) and reused when it is already there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budget.ledger.db import make_engine, make_session_factory  # noqa: E402
from budget.ledger.migrate import upgrade  # noqa: E402
from budget.services import outlook, timeliness  # noqa: E402
from budget.uow import UnitOfWork  # noqa: E402

OUT = ROOT / "benchmarks" / "out"


def one_run(factory: object, as_of: dt.date) -> tuple[float, float, int]:
    """Seconds of the outlook and of the timeliness, and the outlook's parts."""
    with UnitOfWork(factory, write=False) as uow:  # type: ignore[arg-type]
        t0 = time.perf_counter()
        o = outlook.outlook(uow, as_of.year, as_of=as_of)
        t1 = time.perf_counter()
        timeliness.timeliness(uow, as_of.year - 1, as_of=as_of)
        t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(o.parts)


def synthetic_factory(entries: int, years: int | None = None, path: Path | None = None) -> tuple[object, object]:
    """The engine and session factory of the synthetic ledger (built if missing, see
    :func:`benchmarks.bench_reports.synthetic_ledger`)."""
    from benchmarks.bench_reports import synthetic_ledger

    engine = make_engine(synthetic_ledger(entries, path, years))
    upgrade(engine)
    return engine, make_session_factory(engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=None,
                        help="fiscal years of the synthetic ledger (default: a realistic year's density)")
    parser.add_argument("--synthetic-db", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args()
    today = dt.date.today()
    as_of = args.as_of or min(today, dt.date(today.year, 9, 30))

    with tempfile.TemporaryDirectory() as tmp:
        from budget.demo import load_demo

        demo_engine = make_engine(f"sqlite:///{tmp}/demo.db")
        upgrade(demo_engine)
        demo = make_session_factory(demo_engine)
        load_demo(demo, today=today)
        engine, synth = synthetic_factory(args.entries, args.years, args.synthetic_db)
        one_run(demo, as_of)  # warm-up: imports, statement caches
        one_run(synth, as_of)
        runs: dict[str, list[tuple[float, float, int]]] = {"demo": [], "synthetic": []}
        for _ in range(args.repeat):
            runs["demo"].append(one_run(demo, as_of))
            runs["synthetic"].append(one_run(synth, as_of))
        engine.dispose()  # type: ignore[attr-defined]
        demo_engine.dispose()

    def med(side: str, i: int) -> float:
        return statistics.median(r[i] for r in runs[side])

    print(f"outlook of {as_of.year} as of {as_of}, timeliness of {as_of.year - 1}; medians of {args.repeat} runs")
    for side in ("demo", "synthetic"):
        print(f"  {side:9}  outlook {med(side, 0):7.3f} s ({runs[side][0][2]:,} parts still to come)   "
              f"timeliness {med(side, 1):7.3f} s")
    for i, what in ((0, "outlook"), (1, "timeliness")):
        print(f"ratio synthetic / demo, {what}: {med('synthetic', i) / med('demo', i):.1f}")


if __name__ == "__main__":
    main()
