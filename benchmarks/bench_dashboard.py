"""Dashboard speed: server-side render time of every page at 10,000 and 1,000,000 entries.

    .venv/bin/python benchmarks/bench_dashboard.py [--small 10000] [--large 1000000] [--repeat 5]
        [--recompile]

Builds (once, kept under benchmarks/out/, git-ignored) two synthetic ledgers with
``benchmarks/synthetic.py build_synthetic`` and renders every page through Streamlit's
``AppTest`` (the whole script run on the server, as a browser would trigger it), logged in
as an officer who sees every directorate. For each page it prints:

- the first render with an empty data cache, at both sizes, and their ratio (target <= 3:
  the pages aggregate in SQL, so a hundred times more entries must not cost a hundred
  times more time);
- the cached rerun (same page again, nothing changed in the ledger), as a share of the
  first render (target <= 10 %).

It also prints the time the first render spent in the service layer at both sizes
(the SQL and the Python that turns rows into figures: the cache misses of
``dashboards.common.cached``), and, as a baseline measured in the same run, the fixed cost of
one script run with no data at all (the log-in page: entry point, sidebar, form).

Medians of ``--repeat`` runs, measured in the same process, SQLite; the two sizes are
measured in turn, page by page, so that both sides of a ratio see the same machine load.

Fidelity: a Streamlit server compiles each page script once (its ``ScriptCache``), while
``AppTest`` makes a new cache for every run and so re-parses and recompiles the entry point
and the page (with Streamlit's "magic" AST pass) each time: 10 to 30 ms per run that no
user ever waits for. The benchmark shares one cache between runs, as the server does;
``--recompile`` measures AppTest's default instead.
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


def share_script_cache() -> None:
    """Compile each script once per process, as a Streamlit server does (see the docstring)."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared  # type: ignore[assignment,misc]
    local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment,misc]


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
    from dashboards.common import clear_caches

    clear_caches()  # the cached reads and everything the pages derived from them


Measures = dict[str, dict[str, tuple[float, float, int, float]]]


def measure(urls: dict[str, str], repeat: int) -> Measures:
    """Per size and page: median first render, median cached rerun (seconds), errors shown,
    and the median time of the first render spent in the service layer (seconds).

    The sizes are measured in turn for each page and repeat (not one size after the
    other), so that a change of load on a shared machine weighs on both sides of a ratio.
    """
    from dashboards.common import SERVICE_TIME

    apps = {size: app_for(url) for size, url in urls.items()}
    samples: dict[tuple[str, str], tuple[list[float], list[float], list[float]]] = {
        (size, page): ([], [], []) for size in urls for page in PAGES}
    errors: dict[tuple[str, str], int] = {}
    for page in PAGES:
        for _ in range(repeat):
            for size, url in urls.items():
                at = apps[size]
                os.environ["BUDGET_DATABASE_URL"] = url
                firsts, cached, service = samples[(size, page)]
                clear_data_cache()
                SERVICE_TIME["seconds"] = 0.0
                t0 = time.perf_counter()
                at.switch_page(f"screens/{page}.py").run()
                firsts.append(time.perf_counter() - t0)
                service.append(SERVICE_TIME["seconds"])
                errors[(size, page)] = len(at.exception) + len(at.error)
                t0 = time.perf_counter()
                at.run()
                cached.append(time.perf_counter() - t0)
    return {size: {page: (statistics.median(samples[(size, page)][0]),
                          statistics.median(samples[(size, page)][1]), errors[(size, page)],
                          statistics.median(samples[(size, page)][2])) for page in PAGES}
            for size in urls}


def fixed_cost(url: str, repeat: int) -> float:
    """Median time of one run of the entry point with nobody logged in (no data read)."""
    os.environ["BUDGET_DATABASE_URL"] = url
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    times = []
    for _ in range(max(repeat, 5)):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--recompile", action="store_true",
                        help="recompile the scripts on every run (AppTest's default; a server "
                             "compiles them once)")
    args = parser.parse_args()
    if not args.recompile:
        share_script_cache()

    small_url = ensure_ledger(args.small)
    large_url = ensure_ledger(args.large)
    measured = measure({"small": small_url, "large": large_url}, args.repeat)
    small, large = measured["small"], measured["large"]
    floor = fixed_cost(small_url, args.repeat)

    compiled = "recompiled every run" if args.recompile else "compiled once, as a server does"
    print(f"\nserver-side render per page (AppTest, SQLite, median of {args.repeat}; scripts "
          f"{compiled})")
    head = (f"{'page':<16}{'first ' + format(args.small, ','):>14}{'first ' + format(args.large, ','):>16}"
            f"{'ratio':>7}{'cached ' + format(args.small, ','):>15}{'cached ' + format(args.large, ','):>17}"
            f"{'cached/first':>22}{'service ' + format(args.small, ','):>18}"
            f"{'service ' + format(args.large, ','):>20}  verdict")
    print(head)
    print("-" * len(head))
    worst_ratio, worst_cache = 0.0, 0.0
    for page in PAGES:
        s_first, s_cached, s_err, s_service = small[page]
        l_first, l_cached, l_err, l_service = large[page]
        ratio = l_first / s_first
        s_share, l_share = s_cached / s_first, l_cached / l_first
        worst_ratio, worst_cache = max(worst_ratio, ratio), max(worst_cache, l_share)
        verdict = "OK" if ratio <= 3 and l_share <= 0.10 else "ABOVE TARGET"
        if s_err or l_err:
            verdict += f" ({s_err + l_err} errors shown!)"
        print(f"{page:<16}{s_first:>12.3f} s{l_first:>14.3f} s{ratio:>7.2f}{s_cached:>13.3f} s"
              f"{l_cached:>15.3f} s{s_share * 100:>10.0f} % /{l_share * 100:>5.1f} %"
              f"{s_service:>16.3f} s{l_service:>18.3f} s  {verdict}")
    print(f"\nworst ratio {args.large:,} / {args.small:,}: {worst_ratio:.2f} (target <= 3); "
          f"worst cached rerun at {args.large:,}: {worst_cache * 100:.1f} % of the first render "
          f"(target <= 10 %)")
    print(f"fixed cost of one script run with no data (log-in page): {floor:.3f} s "
          f"({floor / min(v[0] for v in small.values()) * 100:.0f} % of the quickest first "
          f"render at {args.small:,})")


if __name__ == "__main__":
    main()
