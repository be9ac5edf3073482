"""Scoped reads (a year, directorates, an organisation, foreign currencies) read less of the
ledger but give exactly what the whole-ledger read gives for that scope, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from budget.services import views


def test_scoped_reads_equal_the_whole_ledger_reads_filtered_to_their_scope(demo_ledger):
    with demo_ledger.uow(write=False) as uow:
        directorates = [d.code for d in views.directorates_list(uow)][:2]
        org_dirs = {o.code: o.directorate for o in views.organisations(uow)}
        for as_of in (dt.date(2026, 11, 28), dt.date(2025, 6, 30), None):
            everything = views.open_commitments(uow, as_of=as_of)
            assert everything, "the demo has open commitments"
            for year in (2024, 2025, 2026):
                assert views.open_commitments(uow, as_of=as_of, year=year) == [
                    o for o in everything if o.fiscal_year == year]
                assert views.open_commitments(uow, as_of=as_of, year=year, directorates=directorates) == [
                    o for o in everything if o.fiscal_year == year and o.directorate in directorates]
            org = everything[0].organisation
            assert views.open_commitments(uow, as_of=as_of, organisation=org) == [
                o for o in everything if o.organisation == org]
            assert views.exposure(uow, as_of=as_of) == views.exposure_of(uow, everything, as_of=as_of)
            mine = views.open_commitments(uow, as_of=as_of, directorates=directorates)
            assert mine == [o for o in everything if org_dirs[o.organisation] in directorates]
            assert views.exposure(uow, as_of=as_of, directorates=directorates) == views.exposure_of(
                uow, mine, as_of=as_of)

        # A year's outstanding lines are the whole ledger's lines of that year.
        for as_of in (dt.date(2026, 11, 28), dt.date(2026, 3, 31)):
            everything = views.outstanding(uow, as_of)
            assert everything, "the demo has something left to pay"
            for year in (2024, 2025, 2026):
                # The demo's references are unique per organisation, so a year's lines are
                # exactly the whole ledger's lines of that fiscal year.
                assert views.outstanding(uow, as_of, year=year) == [
                    x for x in everything if x.fiscal_year == year]
