"""``benchmarks/run_all.py`` runs: its quick mode's cheapest budget (the payments import, on a
small file) prints one verdict line. A smoke test of the machinery, not of the speed: the
verdict may be either (speed is measured by the benchmark, never asserted by a test)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_ALL = [sys.executable, str(ROOT / "benchmarks" / "run_all.py")]


def run_all(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BUDGET_USER": "bench"}
    env.pop("BUDGET_DATABASE_URL", None)
    return subprocess.run([*RUN_ALL, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_the_quick_payments_import_budget_prints_its_ratio_memory_target_and_verdict():
    proc = run_all("--quick", "--only", "imports")
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("payments import")]
    assert len(lines) == 1, proc.stdout
    assert re.search(r"2,000 rows / pandas read\s+\d+\.\d\dx, peak \d+ MB\s+<= 3x, <= 600 MB\s+(PASS|FAIL)$",
                     lines[0]), lines[0]


def test_an_unknown_budget_is_a_usage_error_naming_the_budgets():
    proc = run_all("--only", "imports,speed")
    assert proc.returncode == 2
    assert "unknown budget(s) speed; choose among imports, reports, dashboard, outlook" in proc.stderr
