"""A synthetic ledger of N financial entries, written fast, for the speed benchmarks.

    .venv/bin/python benchmarks/synthetic.py --db sqlite:///benchmarks/out/synthetic.db --entries 1000000

Twenty fiscal years ending with the current one (``--years``), 300 contribution streams over the ten
directorates (EUR, USD and CHF), twenty basic allocations, daily ECB-like USD and CHF
rates on business days, and per stream and year a number of call cycles: an assessment
(5 % split USD+EUR or CHF+EUR), one commitment per currency line at the rate of its date,
sometimes an adjustment, one to four payments at the rate of their own dates (the current
year's recent calls are left open or partly paid, so arrears exist; calls more than two years
old are all settled), the exchange difference
on settlement of foreign-currency commitments, and now and then a mistaken payment with its
reversal. Credits per AB and year are computed from what was committed and paid, so no AB
is over-committed and no payment exceeds what is open.

This is benchmark tooling: it bypasses the service layer and writes with SQLAlchemy Core
``executemany`` in chunks (integer cents straight into the ``Money`` columns, untyped
lightweight tables) into a database migrated by Alembic. Only the data must respect the
ledger's invariants, so that every view makes sense on it. Deterministic for a given seed
and day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import math
import random
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Connection, Engine, column, func, insert, select, table, text  # noqa: E402

from budget.ledger.db import make_engine  # noqa: E402
from budget.ledger.migrate import upgrade  # noqa: E402
from budget.ledger.models import Base  # noqa: E402
from budget.services.reference import DIRECTORATES  # noqa: E402

YEARS = 20
STREAMS = 300
#: Financial entries a fiscal year holds in a realistic ledger: M0.0's few hundred streams of a
#: few calls each ("a few thousand entries a year"). :func:`realistic_years` spreads a stress
#: size over that many entries a year.
REALISTIC_YEAR = 5_000
#: The generator's version: the built ledgers are cached under a name that carries it, so a
#: change of what the generator writes never reuses a ledger of the old shape.
SHAPE = 2
CHUNK = 20_000
#: Financial entries one call cycle writes on average (measured on the generator's mix).
ENTRIES_PER_CYCLE = 4.85
ENTRY_TABLES = ("credit_movement", "assessment", "commitment", "commitment_adjustment", "payment")
CREATED_AT = dt.datetime(2026, 1, 1, 8, 0, 0)


def realistic_years(entries: int) -> int:
    """The fiscal years that hold ``entries`` at :data:`REALISTIC_YEAR` entries a year."""
    return max(1, round(entries / REALISTIC_YEAR))


def ledger_path(entries: int, years: int, prefix: str = "") -> Path:
    """Where the ledger of ``entries`` over ``years`` is cached (benchmarks/out, git-ignored)."""
    return ROOT / "benchmarks" / "out" / f"{prefix}synthetic-v{SHAPE}-{entries}-{years}y.db"


def half_up_div(cents: int, rate_e4: int) -> int:
    """EUR cents of ``cents`` at ``rate_e4 / 10000`` units per EUR, rounded half up (away from 0)."""
    sign = -1 if cents < 0 else 1
    return sign * ((2 * abs(cents) * 10_000 + rate_e4) // (2 * rate_e4))


def rate_text(rate_e4: int) -> str:
    return f"{rate_e4 // 10_000}.{rate_e4 % 10_000:04d}"


class Writer:
    """Buffers rows per table and flushes them with one ``executemany`` per chunk."""

    def __init__(self, conn: Connection, sqlite: bool) -> None:
        self.conn = conn
        self.sqlite = sqlite
        self.buffers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.next_id: dict[str, int] = defaultdict(lambda: 1)
        self._tables = {
            name: table(name, *(column(c.name) for c in Base.metadata.tables[name].columns))
            for name in Base.metadata.tables
        }
        # Every row of a table carries every column, so one compiled INSERT serves a chunk.
        self._template = {
            name: {c.name: None for c in Base.metadata.tables[name].columns} for name in Base.metadata.tables
        }
        self.provenance = {"created_at": self.day_time(CREATED_AT), "created_by": "synthetic", "channel": "benchmark"}

    def day(self, value: dt.date) -> Any:
        # SQLite stores dates as ISO text (as SQLAlchemy's Date type does); psycopg adapts dates.
        return value.isoformat() if self.sqlite else value

    def day_time(self, value: dt.datetime) -> Any:
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else value

    def add(self, name: str, /, **values: Any) -> int:
        """Queue one row; return its id (ids are given here so rows can point at each other)."""
        row_id = self.next_id[name]
        self.next_id[name] = row_id + 1
        row = dict(self._template[name])
        if "created_by" in row:
            row.update(self.provenance)
        row.update(values)
        row["id"] = row_id
        buffer = self.buffers[name]
        buffer.append(row)
        self.counts[name] += 1
        if len(buffer) >= CHUNK:
            self.flush(name)
        return row_id

    def flush(self, name: str | None = None) -> None:
        # Parents before children: foreign keys are checked row by row on SQLite.
        names = [name] if name else [t.name for t in Base.metadata.sorted_tables]
        if name is not None:
            for parent in self._parents(name):
                if self.buffers.get(parent):
                    self.flush(parent)
        for n in names:
            rows = self.buffers.get(n)
            if rows:
                self.conn.execute(insert(self._tables[n]), rows)
                self.buffers[n] = []

    @staticmethod
    def _parents(name: str) -> list[str]:
        return [fk.column.table.name for fk in Base.metadata.tables[name].foreign_keys
                if fk.column.table.name != name]


def business_days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        if day.weekday() < 5 and not (day.month == 1 and day.day == 1) and not (day.month == 12 and day.day == 25):
            yield day
        day += dt.timedelta(days=1)


def build_rates(rng: random.Random, start: dt.date, end: dt.date) -> dict[str, dict[int, tuple[int, dt.date]]]:
    """Random-walk USD and CHF rates; for every calendar day, the last one published on or before it."""
    levels = {"USD": 11_000, "CHF": 10_800}
    published: dict[str, list[tuple[dt.date, int]]] = {cur: [] for cur in levels}
    for day in business_days(start, end):
        for cur, level in levels.items():
            level = max(8_000, min(14_000, level + rng.randint(-60, 60)))
            levels[cur] = level
            published[cur].append((day, level))
    lookup: dict[str, dict[int, tuple[int, dt.date]]] = {}
    # Due dates can lie ahead of today: the lookup carries the last rate forward.
    lookup_end = dt.date(end.year + 1, 12, 31)
    for cur, rows in published.items():
        table_: dict[int, tuple[int, dt.date]] = {}
        i, last = 0, None
        day = start
        while day <= lookup_end:
            while i < len(rows) and rows[i][0] <= day:
                last = rows[i]
                i += 1
            if last is not None:
                table_[day.toordinal()] = (last[1], last[0])
            day += dt.timedelta(days=1)
        lookup[cur] = table_
    build_rates.published = published  # type: ignore[attr-defined]
    return lookup


def split(total: int, parts: int, rng: random.Random) -> list[int]:
    """``total`` cents in ``parts`` positive instalments that add up exactly."""
    if parts <= 1 or total < parts * 100:
        return [total]
    cuts = sorted(rng.sample(range(1, total // 100), parts - 1)) if total // 100 > parts else []
    if len(cuts) != parts - 1:
        return [total]
    points = [0, *(c * 100 for c in cuts), total]
    return [b - a for a, b in itertools.pairwise(points)]


def build_synthetic(
    url: str, entries: int = 1_000_000, seed: int = 1, *, today: dt.date | None = None, years: int = YEARS
) -> dict[str, int]:
    """Write a synthetic ledger of about ``entries`` financial entries over ``years`` fiscal
    years into ``url`` (the entries per year follow from the two).

    The database is migrated first (``upgrade head``) and must hold no financial entry yet.

    Returns:
        Row counts per table, plus ``entries`` (credit movements, assessments, commitments,
        adjustments and payments) and ``seconds``.
    """
    started = time.perf_counter()
    today = today or dt.date.today()
    rng = random.Random(seed)
    engine = make_engine(url)
    upgrade(engine)
    try:
        counts = _write(engine, entries, rng, today, years)
        # The entries went in around the service layer: derive the open-item projections
        # from them, as migration 0002 does for an existing ledger.
        from sqlalchemy.orm import Session

        from budget.services import balances

        with Session(engine) as session:
            balances.rebuild(session)
            session.commit()
    finally:
        engine.dispose()
    counts["seconds"] = round(time.perf_counter() - started)
    return counts


def _write(engine: Engine, entries: int, rng: random.Random, today: dt.date, span: int) -> dict[str, int]:
    sqlite = engine.dialect.name == "sqlite"
    last_year = today.year
    years = list(range(last_year - span + 1, last_year + 1))
    with engine.begin() as conn:
        held = sum(conn.execute(select(func.count()).select_from(Base.metadata.tables[t])).scalar_one()
                   for t in ENTRY_TABLES)
        if held:
            raise SystemExit(f"the database already holds {held:,} financial entries: use an empty one")
        if sqlite:
            # Bulk load in one transaction (one fsync at the end); constraints stay checked.
            conn.exec_driver_sql("PRAGMA cache_size=-200000")
        w = Writer(conn, sqlite)
        for name in Base.metadata.tables:
            if name != "alembic_version" and "id" in Base.metadata.tables[name].c:
                top = conn.execute(select(func.max(Base.metadata.tables[name].c.id))).scalar()
                w.next_id[name] = (top or 0) + 1
        streams = _reference_data(w, rng)
        rate_on = _rates(w, rng, years[0], today)
        cycles = max(1, math.ceil(entries / (span * STREAMS * ENTRIES_PER_CYCLE)))
        committed: dict[tuple[int, int], int] = defaultdict(int)  # (ab, year) -> EUR cents
        paid_in: dict[tuple[int, int], int] = defaultdict(int)  # (ab, payment year) -> EUR cents
        _entries(w, rng, years, streams, cycles, entries, rate_on, today, committed, paid_in)
        _credits(w, committed, paid_in)
        w.flush()
        if not sqlite:
            for name, tbl in Base.metadata.tables.items():
                if "id" in tbl.c and tbl.c.id.autoincrement in (True, "auto") and name != "fiscal_year_closure":
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM \"{name}\"), 0) + 1, false)"))
        counts = dict(w.counts)
    counts["entries"] = sum(counts.get(t, 0) for t in ENTRY_TABLES)
    counts["cycles_per_stream_year"] = cycles
    return counts


def _reference_data(w: Writer, rng: random.Random) -> list[tuple[int, str, int, int]]:
    """20 ABs (two per directorate) and 300 streams: (organisation id, currency, AB id, cents a year)."""
    directorates = [code for code, _ in DIRECTORATES]
    ab_ids: list[int] = []
    for i, dcode in enumerate(directorates):
        for j in (1, 2):
            ab_ids.append(w.add("basic_allocation", code=f"99.{50 + i:02d}.{j:02d}.35.40.01",
                                label=f"Synthetic contributions {dcode} ({j})", directorate_code=dcode,
                                control_mode="block" if j == 1 else "warn", active=True))
    streams = []
    for i in range(STREAMS):
        cur = "USD" if i % 20 < 7 else "CHF" if i % 20 < 10 else "EUR"
        dcode = directorates[i % len(directorates)]
        ab = ab_ids[(i % len(directorates)) * 2 + (i // len(directorates)) % 2]
        size = int(math.exp(rng.uniform(math.log(5_000), math.log(20_000_000)))) * 100  # cents a year
        oid = w.add("organisation", code=f"SYN-{i:03d}", name=f"Synthetic organisation {i:03d}",
                    body=f"Synthetic body {i // 3:03d}", directorate_code=dcode, currency=cur, ab_id=ab,
                    active=True)
        streams.append((oid, cur, ab, size))
    return streams


def _rates(w: Writer, rng: random.Random, first_year: int, today: dt.date) -> Any:
    """Rates on every business day from the first year to today; the "rate on" look-up."""
    rates = build_rates(rng, dt.date(first_year - 1, 12, 1), today)
    for cur, rows in build_rates.published.items():  # type: ignore[attr-defined]
        for day, level in rows:
            w.add("exchange_rate", currency=cur, rate_date=w.day(day), rate=rate_text(level), source="SYNTH")

    def rate_on(cur: str, day: dt.date) -> tuple[int, dt.date | None]:
        if cur == "EUR":
            return 10_000, None
        return rates[cur][day.toordinal()]

    return rate_on


def _entries(
    w: Writer, rng: random.Random, years: list[int], streams: list[tuple[int, str, int, int]], cycles: int,
    entries: int, rate_on: Any, horizon: dt.date, committed: dict[tuple[int, int], int],
    paid_in: dict[tuple[int, int], int],
) -> None:
    """The calls, commitments and payments, newest years first: if the entry budget runs
    out, the oldest years are the ones cut."""
    written = 0
    for year in reversed(years):
        if written >= entries:
            break
        for s, (oid, cur, ab, size) in enumerate(streams):
            step = max(1, 330 // cycles)
            for c in range(cycles):
                written += _cycle(w, rng, year, s, c, oid, cur, ab, size // cycles, step, rate_on,
                                  horizon, committed, paid_in)
                if written >= entries:
                    break
            if written >= entries:
                break


def _credits(w: Writer, committed: dict[tuple[int, int], int], paid_in: dict[tuple[int, int], int]) -> None:
    """Credits covering what was committed and paid: no AB over-committed, no payment beyond credits."""
    for (ab, year), eur in sorted(committed.items()):
        total = -(-eur * 103 // 100 // 100_000) * 100_000  # 3 % margin, whole thousand euros
        initial = total * 9 // 10 // 100 * 100
        w.add("credit_movement", ab_id=ab, fiscal_year=year, credit_type="commitment", stage="initial",
              reference="", entry_date=w.day(dt.date(year, 1, 15)), amount=initial, revision=0)
        w.add("credit_movement", ab_id=ab, fiscal_year=year, credit_type="commitment", stage="adjustment",
              reference="", entry_date=w.day(dt.date(year, 6, 30)), amount=total - initial, revision=0)
    for (ab, year), eur in sorted(paid_in.items()):
        total = -(-eur * 105 // 100 // 100_000) * 100_000
        w.add("credit_movement", ab_id=ab, fiscal_year=year, credit_type="payment", stage="initial",
              reference="", entry_date=w.day(dt.date(year, 1, 15)), amount=total, revision=0)


def _cycle(
    w: Writer, rng: random.Random, year: int, s: int, c: int, oid: int, cur: str, ab: int, amount: int,
    step: int, rate_on: Any, horizon: dt.date, committed: dict[tuple[int, int], int],
    paid_in: dict[tuple[int, int], int],
) -> int:
    """One call for contributions and what follows it; returns the financial entries written."""
    day0 = dt.date(year, 1, 1) + dt.timedelta(days=min(330, c * step + rng.randint(0, max(0, step - 1))))
    if day0 > horizon:
        return 0
    due = day0 + dt.timedelta(days=30)
    amount = max(100_00, int(amount * rng.uniform(0.8, 1.2)) // 100 * 100)
    lines = [(cur, amount)]
    if cur != "EUR" and rng.random() < 0.05:  # split assessment: part in EUR
        lines.append(("EUR", amount // 4 // 100 * 100))
    ref = f"SYN-{s:03d}/{year}/{c:03d}"
    aid = w.add("assessment", organisation_id=oid, reference=ref, fiscal_year=year,
                period_start=w.day(dt.date(year, 1, 1)), period_end=w.day(dt.date(year, 12, 31)),
                due_date=w.day(due), entry_date=w.day(day0), revision=0)
    written = 1
    for lcur, lamount in lines:
        r, published = rate_on(lcur, due)
        w.add("assessment_line", assessment_id=aid, currency=lcur, amount=lamount,
              amount_eur=half_up_div(lamount, r), rate=rate_text(r), rate_date=w.day(published) if published else None)
    for n, (lcur, lamount) in enumerate(lines):
        written += _commit_and_pay(w, rng, year, f"{ref}/{n}", oid, aid, lcur, lamount, ab, day0 + dt.timedelta(days=3),
                                   rate_on, horizon, committed, paid_in)
    return written


def _commit_and_pay(
    w: Writer, rng: random.Random, year: int, ref: str, oid: int, aid: int, cur: str, amount: int, ab: int,
    day: dt.date, rate_on: Any, horizon: dt.date, committed: dict[tuple[int, int], int],
    paid_in: dict[tuple[int, int], int],
) -> int:
    day = min(day, dt.date(year, 12, 31), horizon)
    r, _ = rate_on(cur, day)
    # Now and then the commitment was made on an estimate and adjusted to the assessed amount
    # (up or down by up to 5 %), so what is committed in the end matches the assessment.
    delta = int(amount * rng.uniform(-0.05, 0.05)) // 100 * 100 if rng.random() < 0.15 else 0
    first = amount - delta
    eur = half_up_div(first, r)
    cid = w.add("commitment", reference=f"C-{ref}", entry_date=w.day(day), fiscal_year=year, ab_id=ab,
                organisation_id=oid, assessment_id=aid, currency=cur, amount=first, amount_eur=eur,
                rate=rate_text(r), revision=0)
    written = 1
    total, total_eur = first, eur
    if delta:
        delta_eur = half_up_div(delta, r)
        adj_day = min(day + dt.timedelta(days=10), dt.date(year, 12, 31), horizon)
        w.add("commitment_adjustment", commitment_id=cid, reference="ADJ-1", kind="adjustment",
              entry_date=w.day(adj_day), amount=delta, amount_eur=delta_eur, revision=0, reason="revised assessment")
        total, total_eur = total + delta, total_eur + delta_eur
        written += 1

    # Past calls are settled; recent calls stay open or half paid (arrears), and one in a
    # hundred of the last two years' older calls. Older ones are all settled: arrears that
    # never close would pile up with the length of the history, which no real ledger does.
    age = (horizon - day).days
    settled = (age > 120 and (age > 730 or rng.random() > 0.01)) or (45 < age <= 120 and rng.random() < 0.7)
    parts = split(total, rng.choice((1, 1, 2, 2, 3, 4)), rng)
    if not settled:
        parts = parts[:-1]  # the last instalment (or the only one) is not paid yet
    pay_day = day + dt.timedelta(days=rng.randint(10, 40))
    paid_eur = 0
    last_id, last_day, last_ref = None, None, ""
    limit = horizon  # late payers run into the next year; nothing is dated after today
    for k, part in enumerate(parts):
        if pay_day > limit:
            settled = False
            break
        pr, published = rate_on(cur, pay_day)
        peur = half_up_div(part, pr)
        pref = f"P-{ref}/{k}"
        if k == 0 and rng.random() < 0.005:  # a mistaken payment, then its reversal
            bad = w.add("payment", reference=f"{pref}X", entry_date=w.day(pay_day), commitment_id=cid,
                        currency=cur, amount=part, amount_eur=peur, rate=rate_text(pr),
                        rate_date=w.day(published) if published else None,
                        rate_source="ECB" if cur != "EUR" else "par", revision=0)
            w.add("payment", reference=f"{pref}X", entry_date=w.day(pay_day), commitment_id=cid, currency=cur,
                  amount=-part, amount_eur=-peur, rate=rate_text(pr), rate_date=w.day(published) if published else None,
                  rate_source="ECB" if cur != "EUR" else "par", revision=0, reverses_id=bad, reason="entered twice")
            written += 2
        last_id = w.add("payment", reference=pref, entry_date=w.day(pay_day), commitment_id=cid, currency=cur,
                        amount=part, amount_eur=peur, rate=rate_text(pr),
                        rate_date=w.day(published) if published else None,
                        rate_source="ECB" if cur != "EUR" else "par", revision=0)
        written += 1
        paid_eur += peur
        paid_in[(ab, pay_day.year)] += peur
        last_day, last_ref = pay_day, pref
        pay_day += dt.timedelta(days=rng.randint(20, 60))
    else:
        if settled and parts and cur != "EUR" and paid_eur != total_eur:
            # Exchange difference on settlement: committed EUR brought to the EUR really paid.
            w.add("commitment_adjustment", commitment_id=cid, reference=f"FX-{last_ref}", kind="exchange_difference",
                  entry_date=w.day(last_day), amount=0, amount_eur=paid_eur - total_eur, payment_id=last_id,
                  revision=0, reason="exchange difference on settlement")
            total_eur = paid_eur
            written += 1
    committed[(ab, year)] += total_eur
    return written


def _time_summary(url: str, year: int) -> tuple[float, float, float]:
    """Seconds for ``execution(year, by organisation)`` in process, the CLI command, and its start."""
    from budget.ledger.db import make_session_factory
    from budget.services.views import execution
    from budget.uow import UnitOfWork

    engine = make_engine(url)
    factory = make_session_factory(engine)
    t0 = time.perf_counter()
    with UnitOfWork(factory, write=False) as uow:
        ex = execution(uow, year, "organisation")
    service = time.perf_counter() - t0
    assert sum((r.committed for r in ex.rows), ex.totals.committed * 0) == ex.totals.committed
    engine.dispose()
    exe = Path(sys.executable).parent / "budget"
    t0 = time.perf_counter()
    subprocess.run([str(exe), "--version"], check=True, capture_output=True)
    start = time.perf_counter() - t0  # the baseline: starting the command, no query
    t0 = time.perf_counter()
    subprocess.run([str(exe), "--db", url, "summary", "--year", str(year), "--by", "organisation", "--json"],
                   check=True, capture_output=True)
    return service, time.perf_counter() - t0, start


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="Database URL (an empty or new database).")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--years", type=int, default=YEARS, help="Fiscal years, ending with the current one.")
    parser.add_argument("--no-summary", action="store_true", help="Skip timing `budget summary` afterwards.")
    args = parser.parse_args(list(argv) if argv is not None else None)
    print(f"building a synthetic ledger of {args.entries:,} entries in {args.db} ...", flush=True)
    counts = build_synthetic(args.db, args.entries, args.seed, years=args.years)
    for name, value in sorted(counts.items()):
        print(f"  {name:24} {value:>12,}")
    seconds = counts["seconds"]
    print(f"built {counts['entries']:,} entries in {seconds} s ({counts['entries'] / max(seconds, 1):,.0f} entries/s)")
    if not args.no_summary:
        year = dt.date.today().year
        service, cli, start = _time_summary(args.db, year)
        print(f"summary --year {year} --by organisation: execution() in process {service:.3f} s; "
              f"`budget summary` {cli:.3f} s vs `budget --version` {start:.3f} s "
              f"(ratio {cli / start:.2f}: the query's share of the command)")


if __name__ == "__main__":
    main()
