"""Every speed budget of issue 12, measured in one run, with a one-line verdict each.

    .venv/bin/python benchmarks/run_all.py [--quick] [--only imports,reports,dashboard,outlook]
                                           [--repeat N]

The budgets (each ratio measured against its baseline in the same run, on SQLite):

- ``imports``: a 100,000-row payments import <= 3x a bare ``pandas.read_excel(engine="calamine")``
  of the same file, both in one process with their libraries imported; peak memory of the
  load as a ``budget`` command <= 600 MB, and that command's time against the same read, for
  information: Python's start and imports (about half a second) are in it (``bench_imports.py``);
- ``reports``: the monthly report's data + PDF at 1,000,000 entries <= 3x on the demo ledger;
  the workbook <= 1.5x the time XlsxWriter alone takes to write the same cells with the same
  number formats (``bench_reports.py``);
- ``dashboard``: every page's first render at 1,000,000 entries <= 3x its render at 10,000
  (the worst page is printed); a cached rerun <= 15 ms server-side (``bench_dashboard.py``);
- ``outlook``: the year-end outlook at 1,000,000 entries <= 3x on the demo ledger (issue 15);
  the payment timeliness beside it, for information (``bench_outlook.py``). The parts still
  to come are printed with the ratio: the outlook lists every one of them, so its time
  follows the year's open calls (the synthetic year has about 200 times the demo's).

The report's and the outlook's time follows the size of the years they read, not the length
of the history: each is also measured against a ledger holding only those years
(:data:`RECENT_YEARS`, at the large ledger's density: the same current year), printed for
information beside its budget. A ratio near 1 there says the history costs nothing.

``--quick`` runs the same measures at small sizes (a 2,000-row import, a 20,000-entry ledger
against 2,000 and the demo, one repetition): a smoke test of the machinery, whose verdicts say
nothing about the budgets. The synthetic ledgers are built once under benchmarks/out/
(git-ignored) and reused. The scripts named above print the details of each measure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Sizes:
    payments: int  # rows of the payments file
    large: int  # entries of the synthetic ledger (reports, outlook, dashboard's large side)
    small: int  # entries of the dashboard's small side
    repeat: int


FULL = Sizes(payments=100_000, large=1_000_000, small=10_000, repeat=3)
QUICK = Sizes(payments=2_000, large=20_000, small=2_000, repeat=1)


@dataclass(frozen=True)
class Verdict:
    """One budget: what was measured against what target."""

    name: str
    measured: str
    target: str
    passed: bool | None  # None: printed for information, no budget

    def line(self) -> str:
        word = "INFO" if self.passed is None else "PASS" if self.passed else "FAIL"
        return f"{self.name:<64} {self.measured:<30} {self.target:<22} {word}"


#: The fiscal years the report and the outlook read: the year, the year before (same month
#: last year) and the three years whose payment delays the outlook takes as habit.
RECENT_YEARS = 4


def _factory(url: str) -> tuple[Any, Any]:
    from budget.ledger.db import make_engine, make_session_factory
    from budget.ledger.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    return engine, make_session_factory(engine)


def _history_ratio(sizes: Sizes, what: str, seconds: Callable[[Any], float]) -> Verdict:
    """``seconds`` on the large ledger against a ledger of its :data:`RECENT_YEARS` last years
    only, at the same density, measured in turn; for information (no budget)."""
    from benchmarks import bench_reports
    from benchmarks.synthetic import YEARS

    recent = sizes.large * RECENT_YEARS // YEARS
    engines, factories = zip(*(_factory(bench_reports.synthetic_ledger(n, years=y))
                                for n, y in ((sizes.large, YEARS), (recent, RECENT_YEARS))), strict=True)
    for f in factories:
        seconds(f)  # warm-up: this engine's statement cache
    runs: list[tuple[float, float]] = []
    for _ in range(sizes.repeat):
        runs.append((seconds(factories[0]), seconds(factories[1])))
    for e in engines:
        e.dispose()
    ratio = statistics.median(a for a, _ in runs) / statistics.median(b for _, b in runs)
    return Verdict(f"{what}, {YEARS} years / last {RECENT_YEARS} alone",
                   f"{ratio:.2f}x ({sizes.large:,} / {recent:,})", "(no budget)", None)


def budget_imports(sizes: Sizes) -> list[Verdict]:
    """The payments import against a bare pandas read of the same file."""
    from benchmarks import bench_imports

    with tempfile.TemporaryDirectory(prefix="bench-all-imports-") as folder:
        # The setup records the payments' USD rates itself: the ECB history is bench_imports'
        # own measure (its ratio against executemany), not part of this budget.
        ledger = bench_imports.prepare_payments(Path(folder), sizes.payments, ecb=None, echo=False)
        m = bench_imports.measure_payments(ledger, sizes.repeat)
    return [Verdict(f"payments import, {sizes.payments:,} rows / pandas read",
                    f"{m.ratio:.2f}x, peak {m.peak:.0f} MB", "<= 3x, <= 600 MB",
                    m.ratio <= 3 and m.peak <= 600),
            Verdict("  the same as a `budget` command (start and imports in)", f"{m.command_ratio:.2f}x",
                    "(no budget)", None)]


def budget_reports(sizes: Sizes) -> list[Verdict]:
    """The monthly report at the large size against the demo; the workbook against XlsxWriter."""
    from benchmarks import bench_reports

    m = bench_reports.measure_reports(sizes.large, sizes.repeat)
    med = statistics.median

    def data_pdf(runs: list[bench_reports.Run]) -> float:
        return med(r[2]["data"] + r[2]["pdf"] for r in runs)

    ratio = data_pdf(m.synth_runs) / data_pdf(m.demo_runs)
    workbook = med(r[2]["xlsx"] for r in m.synth_runs) / med(m.bare_xlsx)
    return [
        Verdict(f"monthly report data + PDF, {sizes.large:,} entries / demo", f"{ratio:.2f}x", "<= 3x",
                ratio <= 3),
        _history_ratio(sizes, "monthly report data + PDF", lambda f: _report_data_pdf(f, m.synth_month)),
        Verdict(f"monthly workbook, {sizes.large:,} entries / bare XlsxWriter", f"{workbook:.2f}x", "<= 1.5x",
                workbook <= 1.5),
    ]


def _report_data_pdf(factory: Any, month: str) -> float:
    """Seconds to build the month's report data and render its PDF."""
    from budget.reports import render
    from budget.reports.monthly import monthly_report

    t0 = time.perf_counter()
    render(monthly_report(factory, month), ("pdf",))
    return time.perf_counter() - t0


def budget_dashboard(sizes: Sizes) -> list[Verdict]:
    """Every page's first render, large against small; the cached rerun at the large size."""
    from benchmarks import bench_dashboard, bench_reports
    from budget.ledger.db import make_engine
    from budget.ledger.migrate import upgrade

    urls = {}
    for side, entries in (("small", sizes.small), ("large", sizes.large)):
        urls[side] = bench_reports.synthetic_ledger(entries)
        engine = make_engine(urls[side])
        upgrade(engine)
        engine.dispose()
    bench_dashboard.share_script_cache()
    measured = bench_dashboard.measure(urls, max(sizes.repeat, 3), bench_dashboard.ServerClock())
    small, large = measured["small"], measured["large"]
    ratio, worst = max((large[p].first / small[p].first, p) for p in bench_dashboard.PAGES)
    cached, slowest = max((large[p].cached, p) for p in bench_dashboard.PAGES)
    errors = sum(m.errors for side in measured.values() for m in side.values())
    shown = f" ({errors} errors shown!)" if errors else ""
    return [
        Verdict(f"dashboard first render, {sizes.large:,} / {sizes.small:,} (worst: {worst})",
                f"{ratio:.2f}x{shown}", "<= 3x", ratio <= 3 and not errors),
        Verdict(f"dashboard cached rerun at {sizes.large:,} (slowest: {slowest})", f"{cached * 1000:.1f} ms",
                "<= 15 ms", cached <= 0.015),
    ]


def budget_outlook(sizes: Sizes) -> list[Verdict]:
    """The outlook (issue 15's budget) and the timeliness at the large size against the demo."""
    from benchmarks import bench_outlook, bench_reports
    from budget.demo import load_demo
    from budget.ledger.db import make_engine, make_session_factory
    from budget.ledger.migrate import upgrade

    today = dt.date.today()
    as_of = min(today, dt.date(today.year, 9, 30))
    bench_reports.synthetic_ledger(sizes.large)  # shared with the reports' budget
    with tempfile.TemporaryDirectory() as tmp:
        demo_engine = make_engine(f"sqlite:///{tmp}/demo.db")
        upgrade(demo_engine)
        demo = make_session_factory(demo_engine)
        load_demo(demo, today=today)
        engine, synth = bench_outlook.synthetic_factory(bench_outlook.OUT / f"synthetic-{sizes.large}.db",
                                                        sizes.large)
        bench_outlook.one_run(demo, as_of)  # warm-up
        bench_outlook.one_run(synth, as_of)
        runs: dict[str, list[tuple[float, float, int]]] = {"demo": [], "synthetic": []}
        for _ in range(sizes.repeat):
            runs["demo"].append(bench_outlook.one_run(demo, as_of))
            runs["synthetic"].append(bench_outlook.one_run(synth, as_of))
        engine.dispose()  # type: ignore[attr-defined]
        demo_engine.dispose()
    med = statistics.median
    ratios = [med(r[i] for r in runs["synthetic"]) / med(r[i] for r in runs["demo"]) for i in (0, 1)]
    parts = f"{runs['synthetic'][0][2]:,} / {runs['demo'][0][2]:,} parts"
    return [Verdict(f"outlook, {sizes.large:,} entries / demo ({parts})", f"{ratios[0]:.2f}x", "<= 3x",
                    ratios[0] <= 3),
            _history_ratio(sizes, "outlook", lambda f: bench_outlook.one_run(f, as_of)[0]),
            Verdict(f"timeliness, {sizes.large:,} entries / demo", f"{ratios[1]:.2f}x", "(no budget)", None)]


BUDGETS: dict[str, Callable[[Sizes], list[Verdict]]] = {
    "imports": budget_imports,
    "reports": budget_reports,
    "dashboard": budget_dashboard,
    "outlook": budget_outlook,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition (a smoke test)")
    parser.add_argument("--only", default=",".join(BUDGETS),
                        help=f"comma-separated budgets to run, of {', '.join(BUDGETS)} (default: all)")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions of each measure")
    args = parser.parse_args(argv)
    chosen = [b.strip() for b in args.only.split(",") if b.strip()]
    unknown = [b for b in chosen if b not in BUDGETS]
    if unknown or not chosen:
        parser.error(f"unknown budget(s) {', '.join(unknown) or '(none given)'}; choose among {', '.join(BUDGETS)}")
    sizes = QUICK if args.quick else FULL
    if args.repeat is not None:
        sizes = Sizes(sizes.payments, sizes.large, sizes.small, max(1, args.repeat))
    os.environ.setdefault("BUDGET_USER", "bench")
    verdicts: list[Verdict] = []
    for name in chosen:
        t0 = time.perf_counter()
        verdicts += BUDGETS[name](sizes)
        print(f"[{name} measured in {time.perf_counter() - t0:.0f} s]", file=sys.stderr, flush=True)
    mode = "QUICK (smoke test: small sizes, the verdicts say nothing about the budgets)" if args.quick else "full"
    print(f"speed budgets of issue 12, {mode}, {dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores")
    print(f"{'budget':<64} {'measured':<30} {'target':<22} verdict")
    for v in verdicts:
        print(v.line())
    return 0 if all(v.passed is not False for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
