"""Import speed on SQLite: 100,000 payments and the full ECB history.

    .venv/bin/python benchmarks/bench_imports.py [--rows 100000] [--ecb PATH]

Prints, measured in the same run:
- the payments load (what ``budget import payments`` runs) of a generated 100,000-row
  workbook (plus the commitments it needs, loaded first and not timed) vs
  ``pandas.read_excel(engine="calamine")`` reading the same file, both in this process with
  their libraries imported: the ratio (target <= 3); and the load as a ``budget`` command in
  a child, its time (Python's start and imports included) and its peak memory (target <= 600 MB);
- ``budget import fx`` of the full ECB history vs a plain ``executemany`` of the same rates
  into the same table (target ratio <= 2). It reads /work/shared/data/ecb/eurofxref-hist.csv
  when present (benchmarks are not tests), else a generated file of the same shape.

The commands run in a child process each (``budget`` CLI), so the peak memory measured
(``ru_maxrss`` of the child) is the load's own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# The child reports its own peak RSS at exit, so each load's memory is measured alone. A
# child keeps the peak of the process it was forked from (ru_maxrss survives exec): on
# Linux it resets its high-water mark first and reports that (VmHWM), else ru_maxrss.
_PEAK = """
import atexit, resource, sys

def peak_kb():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

try:
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
except OSError:
    pass
atexit.register(lambda: sys.stderr.write(f"MAXRSS {peak_kb()}\\n"))
from budget.cli import main
main()
"""
BUDGET = [sys.executable, "-c", _PEAK]
SHARED_ECB = Path("/work/shared/data/ecb/eurofxref-hist.csv")


def compile_project() -> None:
    """Write the project's bytecode, as an installed copy or any first run has it: with
    PYTHONDONTWRITEBYTECODE set (as on some machines), every run of the command would
    otherwise compile its modules from source, a cost no user pays twice."""
    import compileall

    for package in ("budget", "imports"):
        compileall.compile_dir(ROOT / package, quiet=1)


def run(args: list[str], db: str, command: list[str] | None = None) -> tuple[float, float, str]:
    """Run ``budget --db DB ARGS`` in a child; return seconds, peak MB of the child, output.

    ``command``: the interpreter command line running the CLI (default :data:`BUDGET`).
    """
    start = time.perf_counter()
    proc = subprocess.run([*(command or BUDGET), "--db", db, *args], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"failed: budget {' '.join(args)}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    peak_kb = max((int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("MAXRSS ")),
                  default=0)
    return seconds, peak_kb / 1024, proc.stdout.strip().splitlines()[-1]


def write_workbooks(folder: Path, rows: int) -> tuple[Path, Path, Path]:
    import xlsxwriter

    rng = random.Random(2025)
    n_commitments = max(1, rows // 100)
    orgs = folder / "organisations.xlsx"
    book = xlsxwriter.Workbook(orgs)
    ws = book.add_worksheet("organisations")
    ws.write_row(0, 0, ["code", "name", "directorate", "currency", "ab"])
    ws.write_row(1, 0, ["BENCH-EUR", "Benchmark organisation (EUR)", "M2", "EUR", "99.99.99.99.99.01"])
    ws.write_row(2, 0, ["BENCH-USD", "Benchmark organisation (USD)", "M2", "USD", "99.99.99.99.99.01"])
    book.close()
    commitments = folder / "commitments.xlsx"
    book = xlsxwriter.Workbook(commitments, {"constant_memory": True})
    ws = book.add_worksheet("commitments")
    ws.write_row(0, 0, ["reference", "date", "ab", "organisation", "amount_eur", "currency", "amount"])
    for i in range(n_commitments):
        usd = i % 10 == 0
        ws.write_row(i + 1, 0, [f"ENG-{i:06d}", "2025-01-15", "99.99.99.99.99.01",
                                "BENCH-USD" if usd else "BENCH-EUR", 1_000_000 if not usd else 950_000,
                                "USD" if usd else "EUR", 1_000_000])
    book.close()
    payments = folder / "payments.xlsx"
    book = xlsxwriter.Workbook(payments, {"constant_memory": True})
    date_fmt = book.add_format({"num_format": "dd/mm/yyyy"})
    ws = book.add_worksheet("payments")
    ws.write_row(0, 0, ["reference", "date", "commitment", "amount", "currency", "amount_eur"])
    for i in range(rows):
        c = i // 100
        usd = c % 10 == 0
        day = dt.datetime(2025, 2, 1) + dt.timedelta(days=rng.randrange(0, 300))
        amount = Decimal(rng.randrange(100, 900_000)) / 100
        ws.write_string(i + 1, 0, f"PAY-{i:07d}")
        ws.write_datetime(i + 1, 1, day, date_fmt)
        ws.write_string(i + 1, 2, f"ENG-{c:06d}")
        ws.write_number(i + 1, 3, float(amount))
        ws.write_string(i + 1, 4, "USD" if usd else "EUR")
        if usd:
            ws.write_blank(i + 1, 5, None)  # EUR from the ECB rate of the date
        else:
            ws.write_number(i + 1, 5, float(amount))
    book.close()
    return orgs, commitments, payments


def generated_ecb(folder: Path) -> Path:
    """A file shaped like eurofxref-hist.csv: ~6,600 business days x 41 currencies."""
    from budget.money import ALL_CURRENCIES

    currencies = [c for c in ["USD", "JPY", "BGN", "CYP", "CZK", "DKK", "EEK", "GBP", "HUF", "LTL", "LVL",
                              "MTL", "PLN", "ROL", "RON", "SEK", "SIT", "SKK", "CHF", "ISK", "NOK", "HRK",
                              "RUB", "TRL", "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR",
                              "KRW", "MXN", "MYR", "NZD", "PHP", "SGD", "THB", "ZAR"] if c in ALL_CURRENCIES]
    rng = random.Random(1)
    path = folder / "eurofxref-hist.csv"
    day = dt.date(2024, 10, 11)
    lines = ["Date," + ",".join(currencies) + ","]
    n = 0
    while n < 6600:
        if day.weekday() < 5:
            cells = ["N/A" if rng.random() < 0.2 else f"{rng.uniform(0.5, 200):.4f}" for _ in currencies]
            lines.append(day.isoformat() + "," + ",".join(cells) + ",")
            n += 1
        day -= dt.timedelta(days=1)
    path.write_text("\n".join(lines) + "\n")
    return path


def plain_executemany(db_path: Path, rates: list[tuple[str, dt.date, Decimal, int]]) -> float:
    """The baseline: the same rates into the same table with sqlite3's executemany."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" ")
    start = time.perf_counter()
    conn.executemany(
        "INSERT INTO exchange_rate (currency, rate_date, rate, source, created_at, created_by, channel, "
        "source_sheet, source_row, batch_id) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [(c, d.isoformat(), str(r), "ECB", now, "bench", "cli", "eurofxref-hist.csv", line, None)
         for c, d, r, line in rates],
    )
    conn.commit()
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


SETUP = (
    "import datetime as dt, sys\n"
    "from decimal import Decimal\n"
    "from budget.ledger.db import make_engine, make_session_factory\n"
    "from budget.uow import UnitOfWork\n"
    "from budget.services import register_allocation, record_credit, record_rates\n"
    "f = make_session_factory(make_engine(sys.argv[1]))\n"
    "with UnitOfWork(f) as uow:\n"
    "    register_allocation(uow, '99.99.99.99.99.01', 'Benchmark AB', 'M2', control_mode='warn')\n"
    "    record_credit(uow, '99.99.99.99.99.01', 2025, 'commitment', '900000000000.00')\n"
    "    record_credit(uow, '99.99.99.99.99.01', 2025, 'payment', '900000000000.00')\n"
    "    # The ECB history may end before 2025: the payments' year gets a rate every weekday\n"
    "    # (a rate older than BUDGET_MAX_RATE_AGE_DAYS is refused).\n"
    "    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(365)]\n"
    "    record_rates(uow, [(c, d, Decimal(r)) for d in days if d.weekday() < 5\n"
    "                       for c, r in (('USD', '1.0800'), ('CHF', '0.9400'))])\n"
    "    uow.commit()\n"
)


@dataclass
class PaymentsLedger:
    """A ledger ready for the payments load (commitments loaded) and the workbook to load."""

    folder: Path
    db: Path
    payments: Path
    rows: int
    fx: tuple[float, str] | None  # the ECB load (seconds, output), when one was made


def prepare_payments(folder: Path, rows: int, ecb: Path | None, echo: bool = True) -> PaymentsLedger:
    """Generate the workbooks and a ledger holding the organisations and commitments they
    need (with the ECB history first when ``ecb`` is given)."""
    t = time.perf_counter()
    orgs, commitments, payments = write_workbooks(folder, rows)
    if echo:
        print(f"generated {rows:,} payments on {max(1, rows // 100):,} commitments "
              f"({payments.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
    db = f"sqlite:///{folder / 'ledger.db'}"
    run(["db", "upgrade"], db)
    setup = folder / "setup.py"
    setup.write_text(SETUP)
    subprocess.run([sys.executable, str(setup), db], check=True, cwd=ROOT)
    fx = None
    if ecb is not None:  # ECB first: the USD payments take the rate of their date from it.
        fx_seconds, _fx_peak, fx_out = run(["import", "fx", str(ecb)], db)
        fx = (fx_seconds, fx_out)
    run(["import", "organisations", str(orgs)], db)
    c_seconds, _, c_out = run(["import", "commitments", str(commitments)], db)
    if echo:
        print(f"commitments (setup, not the target): {c_seconds:.2f} s — {c_out}")
    return PaymentsLedger(folder, folder / "ledger.db", payments, rows, fx)


@dataclass
class PaymentsMeasure:
    """Seconds of each load in this process, of each bare pandas read and of each load as a
    command (in turn), peak MB of each command."""

    loads: list[float]
    reads: list[float]
    peaks: list[float]
    output: str
    commands: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Best load over best read, both in this process with their libraries imported (the
        machine may be shared: the best is the least disturbed)."""
        return min(self.loads) / min(self.reads)

    @property
    def command_ratio(self) -> float:
        """Best load as a ``budget`` command (Python's start and every import included) over
        the best read in this process."""
        return min(self.commands) / min(self.reads)

    @property
    def peak(self) -> float:
        return max(self.peaks)


def measure_payments(ledger: PaymentsLedger, repeat: int, command: list[str] | None = None) -> PaymentsMeasure:
    """The payments load (``imports.pipeline.load``, what ``budget import payments`` runs) vs
    ``pandas.read_excel(engine="calamine")`` of the same file, both in this process with
    their libraries already imported; and the load as a ``budget`` command in a child, whose
    peak memory is the load's own.

    The machine may be shared: each measurement is repeated, in turn (load, pandas read,
    command), on fresh copies of the same database. ``command``: another interpreter command
    line running the ``budget`` CLI (another checkout), for the command's measure.
    """
    import pandas as pd

    compile_project()
    out = PaymentsMeasure([], [], [], "")
    _load_in_process(ledger, "warm-up")  # the imports, as pandas is imported before its read
    for i in range(repeat):
        out.loads.append(_load_in_process(ledger, str(i)))
        start = time.perf_counter()
        frame = pd.read_excel(ledger.payments, engine="calamine")
        out.reads.append(time.perf_counter() - start)
        assert len(frame) == ledger.rows
        copy = ledger.folder / f"payments-{i}.db"
        shutil.copy(ledger.db, copy)
        seconds, peak, out.output = run(["import", "payments", str(ledger.payments)], f"sqlite:///{copy}",
                                        command)
        copy.unlink()
        out.commands.append(seconds)
        out.peaks.append(peak)
    return out


def _load_in_process(ledger: PaymentsLedger, name: str) -> float:
    """Seconds of the payments load into a fresh copy of the ledger, in this process."""
    from budget.ledger.db import make_engine, make_session_factory
    from imports import pipeline

    copy = ledger.folder / f"in-process-{name}.db"
    shutil.copy(ledger.db, copy)
    engine = make_engine(f"sqlite:///{copy}")
    try:
        start = time.perf_counter()
        result = pipeline.load(make_session_factory(engine), ledger.payments, "payments", ledger.payments.name,
                               user="bench", channel="cli")
        seconds = time.perf_counter() - start
    finally:
        engine.dispose()
        copy.unlink()
    if result.exit_code != 0:
        sys.exit(f"failed: the payments load in process: {result.as_json()}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--ecb", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="Repetitions (the best is kept).")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-imports-"))
    print(f"working in {folder}")
    ecb = args.ecb or (SHARED_ECB if SHARED_ECB.exists() else generated_ecb(folder))
    ledger = prepare_payments(folder, args.rows, ecb)
    assert ledger.fx is not None
    fx_seconds, fx_out = ledger.fx
    m = measure_payments(ledger, args.repeat)
    loads, reads = m.loads, m.reads
    print()
    print(f"payments load ({args.rows:,} rows) in this process, best of {args.repeat}: {min(loads):.2f} s "
          f"(all: {', '.join(f'{x:.2f}' for x in loads)})")
    print(f"pandas.read_excel(engine='calamine') alone, best of {args.repeat}: {min(reads):.2f} s "
          f"(all: {', '.join(f'{x:.2f}' for x in reads)})")
    pairs = [a / b for a, b in zip(loads, reads, strict=True)]
    print(f"ratio: {m.ratio:.2f} (target <= 3); per pair: "
          + ", ".join(f"{r:.2f}" for r in pairs) + f"; median per pair: {statistics.median(pairs):.2f}")
    print(f"`budget import payments` as a command (Python's start and imports included), best of "
          f"{args.repeat}: {min(m.commands):.2f} s, {m.command_ratio:.2f} times the read — {m.output}")
    print(f"peak memory of the payments load (child process RSS): {m.peak:.0f} MB (target <= 600)")

    # ECB: the same rates with a plain executemany into a fresh copy of the same table.
    from imports.ecb import read_rates
    from imports.reader import open_source

    rates, _, _ = read_rates(open_source(ecb))
    plain = min(plain_executemany(_fresh(folder, f"baseline-{i}.db"), rates) for i in range(args.repeat))
    print()
    print(f"budget import fx {ecb.name} ({len(rates):,} rates): {fx_seconds:.2f} s — {fx_out}")
    fx_in_process = min(time_fx_in_process(f"sqlite:///{_fresh(folder, f'fx-{i}.db')}", ecb)
                        for i in range(args.repeat))
    print(f"  same load in-process (no interpreter start-up), best of {args.repeat}: {fx_in_process:.2f} s")
    print(f"plain executemany of the same rates into exchange_rate, best of {args.repeat}: {plain:.2f} s")
    print(f"ratio (in-process load / plain executemany): {fx_in_process / plain:.2f} (target <= 2)")
    print(f"ratio (CLI incl. start-up / plain executemany): {fx_seconds / plain:.2f}")


def _fresh(folder: Path, name: str) -> Path:
    """An empty migrated ledger file."""
    from budget.ledger.db import make_engine
    from budget.ledger.migrate import upgrade

    path = folder / name
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def time_fx_in_process(db: str, path: Path) -> float:
    from budget.ledger.db import make_engine, make_session_factory
    from imports import pipeline

    factory = make_session_factory(make_engine(db))
    start = time.perf_counter()
    result = pipeline.load(factory, path, "fx", user="bench")
    seconds = time.perf_counter() - start
    assert result.ok and result.rows_new > 0, result.message
    return seconds


if __name__ == "__main__":
    os.environ.setdefault("BUDGET_USER", "bench")
    main()
