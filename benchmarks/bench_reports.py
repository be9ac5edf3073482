"""Monthly report speed: both files for one month, demo ledger vs the 1,000,000-entry ledger.

    .venv/bin/python benchmarks/bench_reports.py [--entries 1000000] [--month YYYY-MM]
                                                 [--years N] [--synthetic-db PATH] [--repeat 5]

Prints, measured in the same run on SQLite: the time to build the report data and render
the PDF and the workbook for one month on the demo ledger (``budget.demo.load_demo``) and on
the synthetic ledger (``benchmarks/synthetic.py build_synthetic``; by default at a realistic
year's density, ``synthetic.realistic_years``: 200 years for a million entries), the split between data,
PDF and Excel, and the ratio synthetic / demo (target <= 3), of the medians and per pair of
runs (the two ledgers are measured in turn, run by run). The synthetic database is kept
under benchmarks/out/ (git-ignored) and reused when it is already there, since building a
million entries takes minutes and is not what is measured.

It also prints the workbook's data cells at both sizes: the workbook holds every line of
the month, so its size follows the year's lines (about 37 times the demo's at a realistic
year, 86 times over twenty years), unlike the PDF, which shows the largest lines of each list.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budget.ledger.db import make_engine, make_session_factory  # noqa: E402
from budget.ledger.migrate import upgrade  # noqa: E402
from budget.reports import generate_with_report, render  # noqa: E402
from budget.reports.layout import sections  # noqa: E402
from budget.reports.monthly import PDF_TOP, MonthlyReport, monthly_report  # noqa: E402
from budget.services import views  # noqa: E402
from budget.uow import UnitOfWork  # noqa: E402

OUT = ROOT / "benchmarks" / "out"


def report_month(factory, today: dt.date) -> str:
    """The last full month the ledger has data for (the month just ended, or December)."""
    with UnitOfWork(factory, write=False) as uow:
        years = [y for y in views.years_with_data(uow) if y <= today.year]
    year = max(years) if years else today.year
    if year == today.year:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return f"{last.year:04d}-{last.month:02d}"
    return f"{year:04d}-12"


def _cpu() -> float:
    """CPU seconds of this process and of its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


Run = tuple[float, float, dict[str, float], dict[str, int]]


def one_run(factory, month: str, keep: dict[str, MonthlyReport], side: str) -> Run:
    """Wall and CPU seconds for the report and both files as the CLI makes them, the split
    and the files' sizes; the report is left in ``keep[side]`` (one per ledger: the runs'
    reports are not all kept alive, which would make every later garbage collection slower).

    The total is one ``generate_with_report`` call, the CLI's. The data alone, the PDF
    alone and the workbook alone are then timed one by one, for the split printed beside
    the total (not part of it).

    CPU time (this process's and its children's) is printed beside wall time: the
    machine's cores are shared, and wall time then counts the other processes' turns too
    (SQLite runs in this process, so its reads are in the CPU time).
    """
    c0, t0 = _cpu(), time.perf_counter()
    report, files = generate_with_report(factory, month)
    c1, t1 = _cpu(), time.perf_counter()
    monthly_report(factory, month)
    t2 = time.perf_counter()
    render(report, ("pdf",))
    t3 = time.perf_counter()
    render(report, ("xlsx",))
    t4 = time.perf_counter()
    keep[side] = report
    return (t1 - t0, c1 - c0, {"data": t2 - t1, "pdf": t3 - t2, "xlsx": t4 - t3},
            {"pdf": len(files["pdf"]), "xlsx": len(files["xlsx"])})


def summary(runs: list[Run]) -> tuple[float, float, dict[str, float], dict[str, int]]:
    """Median wall and CPU seconds, and the split and sizes of the median run."""
    median = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), median[2],
            median[3])


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def describe(report: MonthlyReport) -> str:
    h = report.highlights
    capped = sum(1 for x in (h.payments, h.open_commitments, h.overdue, h.fx_month, h.fx_year) if x.more)
    return (f"{_count(len(report.by_organisation), 'organisation', 'organisations')}, "
            f"{_count(len(report.lists.payments), 'payment', 'payments')} in the month, "
            f"{_count(len(report.lists.open_commitments), 'open commitment', 'open commitments')}, "
            f"{_count(len(report.lists.overdue), 'overdue line', 'overdue lines')}, "
            f"{_count(len(report.lists.fx_year), 'exchange difference', 'exchange differences')} in the year "
            f"({_count(capped, 'list', 'lists')} capped to their {PDF_TOP} largest lines in the PDF, "
            f"every line in the workbook)")


def workbook_cells(report: MonthlyReport) -> int:
    """Data cells of the report's tables in the workbook (headers and totals left out)."""
    return sum(len(s.rows) * sum(1 for c in s.columns if c.xlsx) for s in sections(report))


def synthetic_ledger(entries: int, path: Path | None = None, years: int | None = None, prefix: str = "") -> str:
    """The URL of the synthetic ledger of ``entries`` entries over ``years`` fiscal years
    (default: at a realistic year's density, :func:`benchmarks.synthetic.realistic_years`),
    built once under benchmarks/out/, then reused."""
    from benchmarks.synthetic import build_synthetic, ledger_path, realistic_years

    years = years or realistic_years(entries)
    OUT.mkdir(parents=True, exist_ok=True)
    path = path or ledger_path(entries, years, prefix)
    if not path.exists():
        print(f"building the synthetic ledger ({entries:,} entries, {years} years) at {path} ...", flush=True)
        t0 = time.perf_counter()
        # Built under another name and renamed when complete: a failed build is never reused.
        partial = path.with_name(path.name + ".building")
        for leftover in path.parent.glob(partial.name + "*"):
            leftover.unlink()
        build_synthetic(f"sqlite:///{partial}", entries, years=years)
        os.replace(partial, path)
        print(f"  built in {time.perf_counter() - t0:.0f} s (not part of the measure)", flush=True)
    return f"sqlite:///{path}"


@dataclass
class ReportsMeasure:
    """Runs on both ledgers (in turn, run by run), their months and last reports."""

    month: str
    synth_month: str
    demo_runs: list[Run]
    synth_runs: list[Run]
    reports: dict[str, MonthlyReport]
    #: Seconds of :func:`bare_workbook` on the synthetic report, one per run.
    bare_xlsx: list[float] = field(default_factory=list)


def measure_reports(entries: int, repeat: int, month: str | None = None,
                    synthetic_db: Path | None = None, years: int | None = None) -> ReportsMeasure:
    """The monthly report on the demo ledger and on the synthetic one, ``repeat`` times each,
    in turn, with a bare XlsxWriter write of the synthetic report's cells after each pair."""
    today = dt.date.today()
    with tempfile.TemporaryDirectory() as tmp:
        from budget.demo import load_demo

        demo_url = f"sqlite:///{tmp}/demo.db"
        demo_engine = make_engine(demo_url)
        upgrade(demo_engine)
        demo_factory = make_session_factory(demo_engine)
        load_demo(demo_factory, today=today)
        demo_month = month or report_month(demo_factory, today)
        render(monthly_report(demo_factory, demo_month))  # warm-up: imports, fonts, matplotlib

        engine = make_engine(synthetic_ledger(entries, synthetic_db, years))
        upgrade(engine)
        synth_factory = make_session_factory(engine)
        synth_month = month or report_month(synth_factory, today)
        monthly_report(synth_factory, synth_month)  # warm-up: this engine's statement cache

        # The two ledgers in turn, run by run: a change of the machine's speed during the
        # benchmark (its cores are shared) then weighs on both sides of each ratio.
        out = ReportsMeasure(demo_month, synth_month, [], [], {})
        for _ in range(repeat):
            out.demo_runs.append(one_run(demo_factory, demo_month, out.reports, "demo"))
            out.synth_runs.append(one_run(synth_factory, synth_month, out.reports, "synthetic"))
            t0 = time.perf_counter()
            bare_workbook(out.reports["synthetic"])
            out.bare_xlsx.append(time.perf_counter() - t0)
        engine.dispose()
        demo_engine.dispose()
    return out


def bare_workbook(report: MonthlyReport) -> bytes:
    """The baseline of the workbook: XlsxWriter alone writing the same data cells with the
    same number formats (one sheet per section, one format per column kind), nothing else."""
    import io

    import xlsxwriter

    from budget.reports import xlsx
    from budget.reports.layout import Pct

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                      "strings_to_urls": False, "strings_to_numbers": False,
                                      "default_format_properties": dict(xlsx.BASE_FORMAT)})
    formats = {kind: wb.add_format({**xlsx.BASE_FORMAT, "num_format": num}) for kind, num in (
        ("amount", xlsx.AMOUNT_FORMAT), ("amount_cur", xlsx.AMOUNT_FORMAT), ("mixed", xlsx.AMOUNT_FORMAT),
        ("rate", xlsx.RATE_FORMAT), ("percent", xlsx.PERCENT_FORMAT), ("int", "#,##0"),
        ("date", xlsx.DATE_FORMAT))}
    for section in sections(report):
        ws = wb.add_worksheet(section.key[:31])
        keep = [(j, k, c, formats.get(c.kind)) for j, (k, c) in enumerate(
            (k, c) for k, c in enumerate(section.columns) if c.xlsx)]
        for j, _, c, _ in keep:
            ws.write_string(0, j, c.label)
        for i, row in enumerate(section.rows, start=1):
            for j, k, _, fmt in keep:
                value = row[k]
                if isinstance(value, Pct):
                    value = value.value
                if value is None:
                    continue
                if isinstance(value, str):
                    ws.write_string(i, j, value)
                elif isinstance(value, dt.date):
                    ws.write_datetime(i, j, value, fmt)
                else:
                    ws.write_number(i, j, value, fmt)
    wb.close()
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--month", default=None, help="Month to report (default: last full month)")
    parser.add_argument("--years", type=int, default=None,
                        help="fiscal years of the synthetic ledger (default: a realistic year's density)")
    parser.add_argument("--synthetic-db", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    m = measure_reports(args.entries, args.repeat, args.month, args.synthetic_db, args.years)
    month, synth_month, demo_runs, synth_runs = m.month, m.synth_month, m.demo_runs, m.synth_runs
    demo_s, demo_cpu, demo_split, demo_sizes = summary(demo_runs)
    synth_s, synth_cpu, synth_split, synth_sizes = summary(synth_runs)
    demo_report, synth_report = m.reports["demo"], m.reports["synthetic"]
    pairs = sorted(s[0] / d[0] for d, s in zip(demo_runs, synth_runs, strict=True))

    def line(name: str, month_: str, seconds: float, cpu: float, split: dict[str, float],
             sizes: dict[str, int]) -> str:
        return (f"{name:<22} {month_}  {seconds:7.2f} s  (alone: data {split['data']:.2f} s, "
                f"PDF {split['pdf']:.2f} s, Excel {split['xlsx']:.2f} s; "
                f"PDF {sizes['pdf'] / 1024:,.0f} KB, xlsx {sizes['xlsx'] / 1024:,.0f} KB)\n"
                f"{'':<22} CPU     {cpu:7.2f} s")

    print(f"monthly report, both files, median of {args.repeat} runs (SQLite); the PDF, then the workbook")
    print(line("demo ledger", month, demo_s, demo_cpu, demo_split, demo_sizes))
    print(f"{'':<22} {describe(demo_report)}")
    print(line(f"{args.entries:,} entries", synth_month, synth_s, synth_cpu, synth_split, synth_sizes))
    print(f"{'':<22} {describe(synth_report)}")
    ratio = synth_s / demo_s
    cells = workbook_cells(synth_report), workbook_cells(demo_report)
    print(f"workbook data cells: demo {cells[1]:,}, synthetic {cells[0]:,} (x{cells[0] / cells[1]:.0f}); "
          f"Excel alone per synthetic cell {synth_split['xlsx'] / cells[0] * 1e6:.1f} us; "
          f"bare XlsxWriter, same cells: {statistics.median(m.bare_xlsx):.2f} s")
    print(f"ratio synthetic / demo: {ratio:.2f} (target <= 3) -> {'OK' if ratio <= 3 else 'ABOVE TARGET'}"
          f"; in CPU time: {synth_cpu / demo_cpu:.2f}; per pair of runs measured back to back: "
          f"{', '.join(f'{r:.2f}' for r in pairs)} (median {statistics.median(pairs):.2f})")


if __name__ == "__main__":
    main()
