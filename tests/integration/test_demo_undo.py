"""The demo is one import batch, its budget lines and organisations included: undoing it
reverses every entry, removes its rates and retires its organisations and ABs (the reversed
entries still name them), on SQLite and PostgreSQL (issue #13 item 11)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from click.testing import CliRunner

from budget.cli import cli
from budget.demo import ALLOCATIONS, STREAMS, demo_batch, load_demo
from budget.services import OrganisationInput, register_organisation, views
from budget.services.organisation_status import organisation_status

TODAY = dt.date(2026, 11, 30)


def test_undoing_the_demo_batch_retires_its_organisations_and_abs_and_leaves_no_figure(ledger):
    load_demo(ledger.factory, today=TODAY)
    with ledger.uow(write=False) as uow:
        batch = demo_batch(uow.session)
        assert batch is not None
        assert len(views.organisations(uow)) == len(STREAMS)
    # The demo loads in a minute: the command's wording is checked on the same load.
    result = CliRunner().invoke(cli, ["--db", ledger.url, "import", "undo", str(batch)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"{len(STREAMS)} organisation(s) retired" in result.output
    assert f"{len(ALLOCATIONS)} basic_allocation(s) retired" in result.output
    assert "exchange_rate(s) removed" in result.output
    with ledger.uow(write=False) as uow:
        assert views.organisations(uow) == [] and views.allocations(uow) == []
        for year in (TODAY.year - 2, TODAY.year - 1, TODAY.year):
            for by in ("organisation", "ab", "directorate"):
                ex = views.execution(uow, year, by)
                assert ex.totals.committed == ex.totals.paid == ex.totals.commitment_credits == Decimal(0)
                if by != "directorate":
                    assert ex.rows == [], (year, by)
            assert organisation_status(uow, year, as_of=TODAY) == []
    # Registered again by hand, a retired organisation is active again.
    with ledger.uow() as uow:
        register_organisation(uow, OrganisationInput("WHO", "World Health Organization", "M2"))
        uow.commit()
    with ledger.uow(write=False) as uow:
        assert [o.code for o in views.organisations(uow)] == ["WHO"]

