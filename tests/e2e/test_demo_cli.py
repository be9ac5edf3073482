"""``budget demo`` never mixes its fictitious organisations with real data, and can be undone.

The demo is refused (exit 1, one line, nothing written) on a ledger that holds anything but
the demo; it is recorded as one import batch, which ``budget import undo BATCH`` reverses.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, select

from budget.cli import cli
from budget.ledger.models import Base
from budget.services import OrganisationInput, register_allocation, register_organisation, views


def invoke(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                           if url.startswith("postgresql://") else url)
    try:
        with engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def test_the_demo_on_a_ledger_holding_real_organisations_is_refused_in_one_line_and_writes_nothing(ledger):
    with ledger.uow() as uow:
        register_allocation(uow, "14.54.99.35.40.01", "Real line", "M2", "block")
        register_organisation(uow, OrganisationInput("REAL", "A real organisation", "M2", "EUR",
                                                     "14.54.99.35.40.01", None))
        uow.commit()
    before = row_counts(ledger.url)
    result = invoke(ledger.url, "demo")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "1 organisations" in lines[0] and "var/demo.db" in lines[0]
    assert row_counts(ledger.url) == before


def test_the_demo_is_one_import_batch_that_import_undo_reverses(ledger):
    loaded = invoke(ledger.url, "demo")
    assert loaded.exit_code == 0, loaded.output
    found = re.search(r"import batch (\d+)", loaded.output)
    assert found, loaded.output
    batch = found.group(1)
    year = int(re.search(r"Demo loaded for \d{4}-(\d{4})", loaded.output).group(1))  # type: ignore[union-attr]
    with ledger.uow(write=False) as uow:
        assert views.execution(uow, year, "directorate").totals.committed > 0

    undone = invoke(ledger.url, "import", "undo", batch)
    assert undone.exit_code == 0, undone.output
    assert f"batch {batch} undone" in undone.output
    counts = row_counts(ledger.url)
    assert counts["exchange_rate"] == 0
    with ledger.uow(write=False) as uow:
        for y in (year - 2, year - 1, year):
            tot = views.execution(uow, y, "directorate").totals
            assert (tot.committed, tot.paid, tot.commitment_credits, tot.payment_credits) == (Decimal(0),) * 4
    # Loading the demo again into the undone ledger is refused: it would be half there.
    again = invoke(ledger.url, "demo")
    assert again.exit_code == 1
    assert "undone" in again.output


@pytest.mark.parametrize("ledger", ["sqlite"], indirect=True)
def test_the_demo_twice_on_the_same_ledger_changes_nothing_and_names_its_batch(ledger):
    assert invoke(ledger.url, "demo").exit_code == 0
    before = row_counts(ledger.url)
    again = invoke(ledger.url, "demo")
    assert again.exit_code == 0
    assert "already loaded (import batch" in again.output
    assert row_counts(ledger.url) == before
