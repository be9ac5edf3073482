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

What is timed (the issue asks for the server-side render time, via AppTest): from the
moment the run's ``ScriptRunner`` is created to its ``SCRIPT_STOPPED`` event, plus the
serialisation of every message the run produced (``SerializeToString``, which a server
does to send them and AppTest does not). That window holds everything a Streamlit
server does for a rerun: the new script runner and its thread (a server makes one per
rerun too), the session state's widget callbacks, the whole page script (navigation,
sidebar, log-in check, every element and widget registration, Arrow and Vega-Lite
serialisation, message hashing), and the end-of-run widget clean-up. It leaves out only
what AppTest does as the browser's stand-in: reading the widget values back out of its
element tree before the run, its mock runtime, the wait for the thread to end (a 1 ms
polling loop), and building its element tree from the messages after the run (a
browser's work). Those cost 3 to 5 ms per run, a floor that no page can go below and
that has nothing to do with the server, so AppTest's wall time is printed as well, as a
second set of columns, with its own cached/first share. The same measure is applied to
the first render and to the cached rerun.

Not in either measure: the full garbage collection (``gc.collect(2)``) that a Streamlit
server runs after each script run when ``runner.postScriptGC`` is on (Streamlit's default),
once the run's messages are queued. Its cost depends on everything alive in the process, not
on the page; the benchmark measures one in its own process and prints it at the end. This
project's ``.streamlit/config.toml`` and Makefile turn it off.

Fidelity: a Streamlit server compiles each page script once (its ``ScriptCache``), while
``AppTest`` makes a new cache for every run and so re-parses and recompiles the entry point
and the page (with Streamlit's "magic" AST pass) each time: 10 to 30 ms per run that no
user ever waits for. The benchmark shares one cache between runs, as the server does;
``--recompile`` measures AppTest's default instead.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.logger import set_log_level  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from budget.ledger.db import make_engine  # noqa: E402
from budget.ledger.migrate import upgrade  # noqa: E402

OUT = ROOT / "benchmarks" / "out"
APP = str(ROOT / "dashboards" / "app.py")
#: Cached reruns after each first render: a rerun takes milliseconds, so a median of many
#: costs little and is not swayed by one run that met another process on the shared cores.
CACHED_RUNS = 5
PAGES = ["overview", "organisations", "directorates", "budget_lines", "arrears",
         "exchange_rates", "import_files"]


def ensure_ledger(entries: int) -> str:
    """The synthetic ledger of ``entries`` entries over the generator's twenty years (built
    once, then reused): a year denser than a realistic one is the harder case for a page."""
    from benchmarks.bench_reports import synthetic_ledger
    from benchmarks.synthetic import YEARS

    # Own files: another benchmark may be building its ledger of the same size at the same moment.
    url = synthetic_ledger(entries, years=YEARS, prefix="dashboard-")
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


class ServerClock:
    """The server-side time of AppTest's script runs (see the docstring).

    AppTest makes a new ``LocalScriptRunner`` for every run: its creation starts the clock,
    the last ``SCRIPT_STOPPED`` event of the run stops it (a run that calls ``st.rerun()``
    goes on until the last one), and the serialisation of the run's messages is added.
    """

    def __init__(self) -> None:
        from streamlit.testing.v1 import local_script_runner

        self.started = self.stopped = 0.0
        self.runner: object = None
        clock = self
        original = local_script_runner.LocalScriptRunner.__init__

        def init(runner: object, *args: object, **kwargs: object) -> None:
            clock.started, clock.stopped = time.perf_counter(), 0.0
            original(runner, *args, **kwargs)  # type: ignore[arg-type]
            clock.runner = runner
            runner.on_event.connect(clock._on_event, weak=False)  # type: ignore[attr-defined]

        local_script_runner.LocalScriptRunner.__init__ = init  # type: ignore[method-assign]

    def _on_event(self, sender: object, event: object, **kwargs: object) -> None:
        from streamlit.runtime.scriptrunner import ScriptRunnerEvent

        if event in (ScriptRunnerEvent.SCRIPT_STOPPED_WITH_SUCCESS,
                     ScriptRunnerEvent.SCRIPT_STOPPED_FOR_RERUN,
                     ScriptRunnerEvent.SCRIPT_STOPPED_WITH_COMPILE_ERROR):
            self.stopped = time.perf_counter()

    def last_run(self) -> float:
        """Seconds the server spent on the last run (script window + serialisation)."""
        t0 = time.perf_counter()
        for msg in self.runner.forward_msgs():  # type: ignore[attr-defined]
            msg.SerializeToString()
        return (self.stopped - self.started) + (time.perf_counter() - t0)


def run_timed(at: AppTest, clock: ServerClock) -> tuple[float, float]:
    """Run ``at`` once: (server-side seconds, AppTest's wall seconds)."""
    t0 = time.perf_counter()
    at.run()
    wall = time.perf_counter() - t0
    return clock.last_run(), wall


def app_for(url: str) -> AppTest:
    set_log_level("error")  # importing the pages' module and setting the state warn as well
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


@dataclass
class Measure:
    """Medians of one page at one size (seconds)."""

    first: float  # server-side, first render with an empty data cache
    cached: float  # server-side, the same page again, nothing changed
    first_wall: float  # AppTest's wall time of the same runs
    cached_wall: float
    service: float  # time of the first render spent in the service layer
    errors: int


Measures = dict[str, dict[str, Measure]]


def measure(urls: dict[str, str], repeat: int, clock: ServerClock) -> Measures:
    """Per size and page, the medians of ``repeat`` first renders and of the
    ``repeat`` x :data:`CACHED_RUNS` cached reruns that follow them.

    The sizes are measured in turn for each page and repeat (not one size after the
    other), so that a change of load on a shared machine weighs on both sides of a ratio.
    """
    from dashboards.common import SERVICE_TIME

    apps = {size: app_for(url) for size, url in urls.items()}
    # Streamlit sets each of its modules' loggers itself (to its config's level, on the first
    # run): after it, only its API quiets them. The cache clearing below runs outside a
    # script run, and each clear warned "missing ScriptRunContext" into the output.
    set_log_level("error")
    samples: dict[tuple[str, str], list[list[float]]] = {
        (size, page): [[], [], [], [], []] for size in urls for page in PAGES}
    errors: dict[tuple[str, str], int] = {}
    for page in PAGES:
        for _ in range(repeat):
            for size, url in urls.items():
                at = apps[size]
                os.environ["BUDGET_DATABASE_URL"] = url
                firsts, cached, first_walls, cached_walls, service = samples[(size, page)]
                clear_data_cache()
                SERVICE_TIME["seconds"] = 0.0
                at.switch_page(f"screens/{page}.py")
                server, wall = run_timed(at, clock)
                firsts.append(server)
                first_walls.append(wall)
                service.append(SERVICE_TIME["seconds"])
                errors[(size, page)] = len(at.exception) + len(at.error)
                for _ in range(CACHED_RUNS):
                    server, wall = run_timed(at, clock)
                    cached.append(server)
                    cached_walls.append(wall)
    med = statistics.median
    return {size: {page: Measure(*(med(x) for x in samples[(size, page)][:4]),
                                 service=med(samples[(size, page)][4]),
                                 errors=errors[(size, page)]) for page in PAGES}
            for size in urls}


def fixed_cost(url: str, repeat: int, clock: ServerClock) -> tuple[float, float]:
    """Median (server-side, wall) time of one run of the entry point with nobody logged in."""
    os.environ["BUDGET_DATABASE_URL"] = url
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    runs = [run_timed(at, clock) for _ in range(max(repeat, 5))]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def full_collection(repeat: int) -> float:
    """Median seconds of ``gc.collect(2)`` in this process (what ``runner.postScriptGC``
    makes a server do after every run)."""
    times = []
    for _ in range(max(repeat, 3)):
        t0 = time.perf_counter()
        gc.collect(2)
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

    clock = ServerClock()
    small_url = ensure_ledger(args.small)
    large_url = ensure_ledger(args.large)
    measured = measure({"small": small_url, "large": large_url}, args.repeat, clock)
    small, large = measured["small"], measured["large"]
    floor, floor_wall = fixed_cost(small_url, args.repeat, clock)
    collection = full_collection(args.repeat)

    compiled = "recompiled every run" if args.recompile else "compiled once, as a server does"
    n_s, n_l = format(args.small, ","), format(args.large, ",")
    print(f"\nserver-side render per page (AppTest's script runner, SQLite, median of "
          f"{args.repeat}; scripts {compiled}); AppTest's wall time on the right")
    head = (f"{'page':<16}{'first ' + n_s:>14}{'first ' + n_l:>16}{'ratio':>7}"
            f"{'cached ' + n_s:>15}{'cached ' + n_l:>17}{'cached/first':>22}"
            f"{'service ' + n_s:>18}{'service ' + n_l:>20}"
            f"{'| wall first ' + n_l:>24}{'wall cached':>13}{'share':>8}  verdict")
    print(head)
    print("-" * len(head))
    worst_ratio, worst_cache, worst_wall = 0.0, 0.0, 0.0
    for page in PAGES:
        s_, l_ = small[page], large[page]
        ratio = l_.first / s_.first
        s_share, l_share = s_.cached / s_.first, l_.cached / l_.first
        wall_share = l_.cached_wall / l_.first_wall
        worst_ratio, worst_cache = max(worst_ratio, ratio), max(worst_cache, l_share)
        worst_wall = max(worst_wall, wall_share)
        verdict = "OK" if ratio <= 3 and l_share <= 0.10 else "ABOVE TARGET"
        if s_.errors or l_.errors:
            verdict += f" ({s_.errors + l_.errors} errors shown!)"
        print(f"{page:<16}{s_.first:>12.3f} s{l_.first:>14.3f} s{ratio:>7.2f}{s_.cached:>13.3f} s"
              f"{l_.cached:>15.3f} s{s_share * 100:>10.0f} % /{l_share * 100:>5.1f} %"
              f"{s_.service:>16.3f} s{l_.service:>18.3f} s"
              f"{'| ':>6}{l_.first_wall:>16.3f} s{l_.cached_wall:>11.3f} s{wall_share * 100:>6.1f} %"
              f"  {verdict}")
    print(f"\nworst ratio {n_l} / {n_s}: {worst_ratio:.2f} (target <= 3); "
          f"worst cached rerun at {n_l}: {worst_cache * 100:.1f} % of the first render "
          f"(target <= 10 %; AppTest's wall time: {worst_wall * 100:.1f} %)")
    print(f"fixed cost of one script run with no data (log-in page): {floor:.3f} s server-side, "
          f"{floor_wall:.3f} s AppTest wall "
          f"({floor / min(v.first for v in small.values()) * 100:.0f} % of the quickest first "
          f"render at {n_s})")
    print(f"not in the figures above: one full garbage collection in this process (both "
          f"ledgers' caches alive) takes {collection:.3f} s; a server with "
          f"runner.postScriptGC on (Streamlit's default) runs one after every script run; "
          f"this project's config turns it off")

if __name__ == "__main__":
    main()
