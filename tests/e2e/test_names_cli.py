"""French and Dutch names on the command line (issue #13 item 2), on SQLite and PostgreSQL:
``org add`` / ``ab add --name-fr --name-nl``, listings in ``--lang``, hostile names refused."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from budget.cli import cli


def invoke(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)


def test_names_typed_on_the_command_line_are_listed_in_the_chosen_language(ledger):
    assert invoke(ledger.url, "ab", "add", "14.54.11", "--label", "UN contributions", "--directorate", "M2",
                  "--name-fr", "Contributions ONU").exit_code == 0
    added = invoke(ledger.url, "org", "add", "WHO", "--name", "World Health Organization", "--directorate", "M2",
                   "--ab", "14.54.11", "--name-fr", "Organisation mondiale de la santé",
                   "--name-nl", "Wereldgezondheidsorganisatie")
    assert added.exit_code == 0, added.output
    assert invoke(ledger.url, "credit", "14.54.11", "--year", "2026", "--type", "commitment",
                  "--amount", "1000", "--date", "2026-01-02").exit_code == 0
    # An existing AB gets its Dutch label; the French one stays.
    assert invoke(ledger.url, "ab", "add", "14.54.11", "--name-nl", "VN-bijdragen").exit_code == 0

    fr = invoke(ledger.url, "organisations", "--year", "2026", "--lang", "fr")
    assert fr.exit_code == 0 and "Organisation mondiale de la santé" in fr.output
    nl = json.loads(invoke(ledger.url, "organisations", "--year", "2026", "--lang", "NL", "--json").output)
    assert [o["name"] for o in nl["organisations"]] == ["Wereldgezondheidsorganisatie"]
    en = invoke(ledger.url, "organisations", "--year", "2026")
    assert "World Health Organization" in en.output
    by_ab = json.loads(invoke(ledger.url, "summary", "--year", "2026", "--by", "ab", "--lang", "fr",
                              "--json").output)
    assert [r["name"] for r in by_ab["rows"]] == ["Contributions ONU"]
    by_ab_nl = json.loads(invoke(ledger.url, "summary", "--year", "2026", "--by", "ab", "--lang", "nl",
                                 "--json").output)
    assert [r["name"] for r in by_ab_nl["rows"]] == ["VN-bijdragen"]
    by_dir = invoke(ledger.url, "summary", "--year", "2026", "--by", "directorate", "--lang", "nl")
    assert "Verenigde Naties en OIF" in by_dir.output


@pytest.mark.parametrize("value, words", [
    ("OMS\x1b[31m", "control or text-direction character"),
    ("x" * 301, "at most 300 fit"),
])
def test_a_hostile_french_name_is_refused_with_one_line_and_nothing_written(ledger, value, words):
    before = ledger.snapshot()
    result = invoke(ledger.url, "org", "add", "WHO", "--name", "WHO", "--directorate", "M2", "--name-fr", value)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.output
    assert ledger.snapshot() == before


def test_an_unknown_language_is_a_usage_error(ledger):
    assert invoke(ledger.url, "organisations", "--year", "2026", "--lang", "de").exit_code == 2
