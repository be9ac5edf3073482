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
  the payment timeliness beside it, for information (``bench_outlook.py``).

The shape of the million entries. M0.0's ledger holds a few hundred contribution streams and
a few thousand entries a year (``synthetic.REALISTIC_YEAR``, 5,000); a million entries is the
stress case of its size, not of its year. The report and the outlook read one year and the
few before it, so their budgets are measured on a million entries at a realistic year's
density: 200 years of history behind the current year. Two ratios are printed beside each,
for information: the same million against its last :data:`RECENT_YEARS` years alone (what
the history costs: near 1 when it costs nothing), and the same million over twenty years
(each year ten times a real one) against the demo (what a far denser year costs: the
outlook lists every part still to come, so its time follows the year's open calls). The
dashboard's pages are measured on the twenty-year ledgers, the harder case for them.

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
        return f"{self.name:<72} {self.measured:<26} {self.target:<20} {word}"


#: The fiscal years the report and the outlook read: the year, the year before (same month
#: last year) and the three years whose payment delays the outlook takes as habit.
RECENT_YEARS = 4


def _factory(url: str) -> tuple[Any, Any]:
    from budget.ledger.db import make_engine, make_session_factory
    from budget.ledger.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    return engine, make_session_factory(engine)


@dataclass(frozen=True)
class Ledgers:
    """The synthetic ledgers the report and the outlook are measured on (see the docstring)."""

    stress: str  # the large size at a realistic year's density: a long history
    recent: str  # its RECENT_YEARS last years alone, at the same density
    dense: str  # the large size over the generator's twenty years: each year ten times realistic
    years: int  # fiscal years of the stress ledger


def ledgers(sizes: Sizes) -> Ledgers:
    from benchmarks import bench_reports
    from benchmarks.synthetic import REALISTIC_YEAR, YEARS, realistic_years

    years = realistic_years(sizes.large)
    return Ledgers(bench_reports.synthetic_ledger(sizes.large, years=years),
                   bench_reports.synthetic_ledger(REALISTIC_YEAR * RECENT_YEARS, years=RECENT_YEARS),
                   bench_reports.synthetic_ledger(sizes.large, years=YEARS), years)


def _demo_factory(folder: str) -> tuple[Any, Any]:
    from budget.demo import load_demo

    engine, factory = _factory(f"sqlite:///{folder}/demo.db")
    load_demo(factory, today=dt.date.today())
    return engine, factory


def _info_ratio(sizes: Sizes, name: str, factories: tuple[Any, Any], seconds: Callable[[Any], float]) -> Verdict:
    """``seconds`` on the first ledger against the second, measured in turn; for information."""
    for f in factories:
        seconds(f)  # warm-up: this engine's statement cache
    runs = [(seconds(factories[0]), seconds(factories[1])) for _ in range(sizes.repeat)]
    ratio = statistics.median(a for a, _ in runs) / statistics.median(b for _, b in runs)
    return Verdict(f"  {name}", f"{ratio:.2f}x", "(no budget)", None)


def _context(sizes: Sizes, led: Ledgers, seconds: Callable[[Any], float]) -> list[Verdict]:
    """The two ratios printed beside the report's and the outlook's budget: what the long
    history costs (the stress ledger against its recent years alone) and what a year ten
    times denser than a real one costs (the same size over twenty years, against the demo)."""
    from benchmarks.synthetic import YEARS

    with tempfile.TemporaryDirectory(prefix="bench-all-") as folder:
        opened = [_factory(led.stress), _factory(led.recent), _factory(led.dense), _demo_factory(folder)]
        f = [factory for _, factory in opened]
        out = [_info_ratio(sizes, f"the same, {led.years} years / its last {RECENT_YEARS} alone", (f[0], f[1]),
                           seconds),
               _info_ratio(sizes, f"the same over {YEARS} years ({sizes.large // YEARS:,} entries a year) / demo",
                           (f[2], f[3]), seconds)]
        for engine, _ in opened:
            engine.dispose()
    return out


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

    led = ledgers(sizes)
    m = bench_reports.measure_reports(sizes.large, sizes.repeat, years=led.years)
    med = statistics.median

    def data_pdf(runs: list[bench_reports.Run]) -> float:
        return med(r[2]["data"] + r[2]["pdf"] for r in runs)

    ratio = data_pdf(m.synth_runs) / data_pdf(m.demo_runs)
    workbook = med(r[2]["xlsx"] for r in m.synth_runs) / med(m.bare_xlsx)
    month = m.synth_month
    return [
        Verdict(f"monthly report data + PDF, {sizes.large:,} entries ({led.years} years) / demo", f"{ratio:.2f}x",
                "<= 3x", ratio <= 3),
        *_context(sizes, led, lambda f: _report_data_pdf(f, month)),
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
    from benchmarks import bench_dashboard

    urls = {side: bench_dashboard.ensure_ledger(entries)
            for side, entries in (("small", sizes.small), ("large", sizes.large))}
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
    from benchmarks import bench_outlook

    today = dt.date.today()
    as_of = min(today, dt.date(today.year, 9, 30))
    led = ledgers(sizes)
    with tempfile.TemporaryDirectory(prefix="bench-all-outlook-") as folder:
        demo_engine, demo = _demo_factory(folder)
        engine, synth = _factory(led.stress)
        bench_outlook.one_run(demo, as_of)  # warm-up
        bench_outlook.one_run(synth, as_of)
        runs: dict[str, list[tuple[float, float, int]]] = {"demo": [], "synthetic": []}
        for _ in range(sizes.repeat):
            runs["demo"].append(bench_outlook.one_run(demo, as_of))
            runs["synthetic"].append(bench_outlook.one_run(synth, as_of))
        engine.dispose()
        demo_engine.dispose()
    med = statistics.median
    ratios = [med(r[i] for r in runs["synthetic"]) / med(r[i] for r in runs["demo"]) for i in (0, 1)]
    parts = f"{runs['synthetic'][0][2]:,} / {runs['demo'][0][2]:,} parts"
    return [Verdict(f"outlook, {sizes.large:,} entries ({led.years} years) / demo ({parts})", f"{ratios[0]:.2f}x",
                    "<= 3x", ratios[0] <= 3),
            *_context(sizes, led, lambda f: bench_outlook.one_run(f, as_of)[0]),
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
    print(f"{'budget':<72} {'measured':<26} {'target':<20} verdict")
    for v in verdicts:
        print(v.line())
    return 0 if all(v.passed is not False for v in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
