"""Every ``BUDGET_*`` setting is in the registry and in the README's Configuration table, and
no module reads the environment for one behind the registry's back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from budget import config
from budget.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]


def readme_settings() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("## Configuration"):]
    return set(re.findall(r"^\| `(BUDGET_[A-Z0-9_]+)`", table, flags=re.M))


def test_the_readme_table_lists_exactly_the_registered_settings():
    assert readme_settings() == set(config.SETTINGS)


def test_no_module_reads_a_budget_setting_from_the_environment_directly():
    offenders = []
    for folder in ("budget", "imports", "dashboards"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "config.py":
                continue
            text = path.read_text(encoding="utf-8")
            if re.search(r"(environ|getenv)[^\n]*BUDGET_", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_a_setting_that_does_not_parse_is_one_clear_refusal(monkeypatch):
    monkeypatch.setenv("BUDGET_MAX_RATE_AGE_DAYS", "a week")
    with pytest.raises(ConfigurationError, match="BUDGET_MAX_RATE_AGE_DAYS='a week' is not valid"):
        config.get("BUDGET_MAX_RATE_AGE_DAYS")


def test_an_unset_setting_takes_its_documented_default(monkeypatch):
    monkeypatch.delenv("BUDGET_MAX_RATE_AGE_DAYS", raising=False)
    assert config.get("BUDGET_MAX_RATE_AGE_DAYS") == 7


def test_the_dashboards_today_is_budget_today_when_set_else_the_machines_date(monkeypatch):
    import datetime as dt

    monkeypatch.setenv("BUDGET_TODAY", "2026-11-28")
    assert config.today() == dt.date(2026, 11, 28)
    monkeypatch.delenv("BUDGET_TODAY")
    assert config.today() == dt.date.today()
    monkeypatch.setenv("BUDGET_TODAY", "28/11/2026")
    with pytest.raises(ConfigurationError, match="BUDGET_TODAY='28/11/2026' is not valid"):
        config.today()
