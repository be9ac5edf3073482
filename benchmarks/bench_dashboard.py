"""Dashboard speed: server-side render time of every page at 10,000 and 1,000,000 entries.

    .venv/bin/python benchmarks/bench_dashboard.py [--small 10000] [--large 1000000] [--repeat 3]

Builds (once, kept under benchmarks/out/, git-ignored) two synthetic ledgers with
``benchmarks/synthetic.py build_synthetic`` and renders every page through Streamlit's
``AppTest`` (the whole script run on the server, as a browser would trigger it), logged in
as an officer who sees every directorate. For each page it prints:

- the first render with an empty data cache, at both sizes, and their ratio (target <= 3:
  the pages aggregate in SQL, so a hundred times more entries must not cost a hundred
  times more time);
- the cached rerun (same page again, nothing changed in the ledger), as a share of the
  first render (target <= 10 %).

Medians of ``--repeat`` runs, measured in the same process, SQLite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

logging.getLogger("streamlit").setLevel(logging.ERROR)

from streamlit.testing.v1 import AppTest  # noqa: E402

from budget.ledger.db import make_engine  # noqa: E402
from budget.ledger.migrate import upgrade  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
APP = str(ROOT / "dashboards" / "app.py")
PAGES = ["overview", "organisations", "directorates", "budget_lines", "arrears",
         "exchange_rates", "import_files"]


def ensure_ledger(entries: int) -> str:
    """The synthetic ledger of ``entries`` entries (built once, then reused)."""
    OUT.mkdir(parents=True, exist_ok=True)
    # Own files: another benchmark may be building its synthetic-N.db at the same moment.
    path = OUT / f"dashboard-synthetic-{entries}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        from benchmarks.synthetic import build_synthetic

        print(f"building the synthetic ledger ({entries:,} entries) at {path} ...", flush=True)
        t0 = time.perf_counter()
        build_synthetic(url, entries)
        print(f"  built in {time.perf_counter() - t0:.0f} s (not part of the measure)", flush=True)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def app_for(url: str) -> AppTest:
    from dashboards.common import CurrentUser

    os.environ["BUDGET_DATABASE_URL"] = url
    os.environ.pop("BUDGET_DEMO", None)
    at = AppTest.from_file(APP, default_timeout=600)
    at.session_state["user"] = CurrentUser("bench", "officer", None)
    at.run()  # warm-up: imports, engine, catalogue (not measured)
    for page in PAGES:  # every page's own imports (the import pipeline, altair...) once
        at.switch_page(f"screens/{page}.py").run()
    return at


def clear_data_cache() -> None:
    from dashboards.common import _cached_call

    _cached_call.clear()


def measure(url: str, repeat: int) -> dict[str, tuple[float, float, int]]:
    """Per page: median first render, median cached rerun (seconds), errors shown."""
    at = app_for(url)
    out: dict[str, tuple[float, float, int]] = {}
    for page in PAGES:
        firsts, cached = [], []
        errors = 0
        for _ in range(repeat):
            clear_data_cache()
            t0 = time.perf_counter()
            at.switch_page(f"screens/{page}.py").run()
            firsts.append(time.perf_counter() - t0)
            errors = len(at.exception) + len(at.error)
            t0 = time.perf_counter()
            at.run()
            cached.append(time.perf_counter() - t0)
        out[page] = (statistics.median(firsts), statistics.median(cached), errors)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    small_url = ensure_ledger(args.small)
    large_url = ensure_ledger(args.large)
    small = measure(small_url, args.repeat)
    large = measure(large_url, args.repeat)

    print(f"\nserver-side render per page (AppTest, SQLite, median of {args.repeat})")
    head = (f"{'page':<16}{'first ' + format(args.small, ','):>14}{'first ' + format(args.large, ','):>16}"
            f"{'ratio':>7}{'cached ' + format(args.small, ','):>15}{'cached ' + format(args.large, ','):>17}"
            f"{'cached/first':>22}  verdict")
    print(head)
    print("-" * len(head))
    worst_ratio, worst_cache = 0.0, 0.0
    for page in PAGES:
        s_first, s_cached, s_err = small[page]
        l_first, l_cached, l_err = large[page]
        ratio = l_first / s_first
        s_share, l_share = s_cached / s_first, l_cached / l_first
        worst_ratio, worst_cache = max(worst_ratio, ratio), max(worst_cache, l_share)
        verdict = "OK" if ratio <= 3 and l_share <= 0.10 else "ABOVE TARGET"
        if s_err or l_err:
            verdict += f" ({s_err + l_err} errors shown!)"
        print(f"{page:<16}{s_first:>12.3f} s{l_first:>14.3f} s{ratio:>7.2f}{s_cached:>13.3f} s"
              f"{l_cached:>15.3f} s{s_share * 100:>10.0f} % /{l_share * 100:>5.1f} %  {verdict}")
    print(f"\nworst ratio {args.large:,} / {args.small:,}: {worst_ratio:.2f} (target <= 3); "
          f"worst cached rerun at {args.large:,}: {worst_cache * 100:.1f} % of the first render "
          f"(target <= 10 %)")


if __name__ == "__main__":
    main()
