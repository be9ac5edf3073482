"""A small ledger for the report tests, written through the service layer (two fiscal years).

Shared by tests/*/test_reports_*.py (``tests/`` is on ``sys.path`` through its conftest).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from budget.services import (
    OrganisationInput,
    commit,
    record_credit,
    record_payment,
    record_rates,
    register_allocation,
    register_assessment,
    register_organisation,
    reverse,
)

Y = 2025
MONTH = "2025-10"
HYPERLINK = '=HYPERLINK("http://x","y")'

AB_UN = "14.54.11.35.40.01"
AB_SEC = "14.54.12.35.40.01"
AB_HR = "14.54.13.35.40.01"


def seed_report_ledger(factory, *, many_organisations: int = 0) -> None:
    """Credits, assessments (one split USD+CHF), commitments, payments, an exchange difference,
    an overdue assessment, a reversed payment, an organisation not yet assessed, and an
    organisation whose name is a formula."""
    from budget.uow import UnitOfWork

    with UnitOfWork(factory, user="seed", channel="test") as uow:
        register_allocation(uow, AB_UN, "UN contributions", "M2", control_mode="warn")
        register_allocation(uow, AB_SEC, "Security organisations", "M1", control_mode="warn")
        register_allocation(uow, AB_HR, "Human rights <b>bodies</b>", "M3", control_mode="warn")
        orgs = [
            ("UN-RB", "United Nations regular budget", "M2", "USD", AB_UN),
            ("UN-PKO", "UN peacekeeping operations", "M2", "USD", AB_UN),
            ("UNESCO", "UNESCO & <i>friends</i>", "M2", "USD", AB_UN),
            ("NATO", "NATO civil budget", "M1", "EUR", AB_SEC),
            ("OSCE", "OSCE", "M1", "EUR", AB_SEC),
            ("COE", "Council of Europe", "M3", "EUR", AB_HR),
            ("EVIL", HYPERLINK, "M3", "EUR", AB_HR),
            ("OHCHR", "OHCHR (not yet assessed)", "M3", "CHF", AB_HR),
        ]
        # Extra organisations (registered, not yet assessed) make the long tables long.
        for i in range(many_organisations):
            orgs.append((f"ORG{i:03d}", f"Organisation number {i:03d}", "M2", "EUR", AB_UN))
        for code, name, d, cur, ab in orgs:
            register_organisation(uow, OrganisationInput(code, name, d, cur, ab))
        rates = []
        for year in (Y - 1, Y):
            for month in range(1, 13):
                day = dt.date(year, month, 1)
                rates.append(("USD", day, Decimal("1.05") + Decimal(month) / 100))
                rates.append(("CHF", day, Decimal("0.95") + Decimal(month) / 200))
        record_rates(uow, rates, "ECB")
        for year, scale in ((Y - 1, Decimal("0.9")), (Y, Decimal("1"))):
            for ab, cc, pc in ((AB_UN, "30000000.00", "28000000.00"),
                               (AB_SEC, "8000000.00", "8000000.00"),
                               (AB_HR, "3000000.00", "2900000.00")):
                record_credit(uow, ab, year, "commitment", Decimal(cc) * scale,
                              entry_date=dt.date(year, 1, 1))
                record_credit(uow, ab, year, "payment", Decimal(pc) * scale,
                              entry_date=dt.date(year, 1, 1))
            record_credit(uow, AB_UN, year, "commitment", "1250000.50", "adjustment",
                          reference="AJ", entry_date=dt.date(year, 6, 15))
        uow.commit()

    with UnitOfWork(factory, user="seed", channel="test") as uow:
        for year in (Y - 1, Y):
            _year_entries(uow, year)
        uow.commit()
    with UnitOfWork(factory, user="seed", channel="test") as uow:
        # A payment made in the month then reversed in the same month.
        reverse(uow, "payment", _payment_id(uow, f"PAY-{Y}-NATO-2"), reason="wrong amount")
        uow.commit()


def _payment_id(uow, reference: str) -> int:
    from sqlalchemy import select

    from budget.ledger.models import Payment

    return uow.session.scalar(select(Payment.id).where(Payment.reference == reference))


def _year_entries(uow, y: int) -> None:
    d = dt.date
    # UN regular budget, USD, due end of January, paid in two instalments (exchange difference).
    register_assessment(uow, "UN-RB", f"ST/ADM/{y}", [("USD", "4140000.00")],
                        period_start=d(y, 1, 1), period_end=d(y, 12, 31), due_date=d(y, 1, 31),
                        received=d(y, 1, 10))
    commit(uow, f"ENG-{y}-UNRB", "UN-RB", entry_date=d(y, 1, 20), currency="USD",
           amount="4140000.00", assessment_reference=f"ST/ADM/{y}")
    record_payment(uow, f"PAY-{y}-UNRB-1", f"ENG-{y}-UNRB", entry_date=d(y, 3, 5), amount="2000000.00")
    record_payment(uow, f"PAY-{y}-UNRB-2", f"ENG-{y}-UNRB", entry_date=d(y, 10, 7), amount="2140000.00")
    # Peacekeeping July-June, assessed in August, partly paid, overdue by the month end.
    register_assessment(uow, "UN-PKO", f"PKO/{y}-{y + 1}", [("USD", "9876543.21")],
                        period_start=d(y, 7, 1), period_end=d(y + 1, 6, 30), due_date=d(y, 9, 1),
                        fiscal_year=y, received=d(y, 8, 2))
    commit(uow, f"ENG-{y}-PKO", "UN-PKO", entry_date=d(y, 8, 10), currency="USD",
           amount="9876543.21", assessment_reference=f"PKO/{y}-{y + 1}")
    record_payment(uow, f"PAY-{y}-PKO-1", f"ENG-{y}-PKO", entry_date=d(y, 10, 15), amount="3000000.00")
    # UNESCO: split USD + CHF, committed, not paid, due in December (to pay).
    register_assessment(uow, "UNESCO", f"UNESCO/{y}", [("USD", "1234567.89"), ("CHF", "456789.10")],
                        period_start=d(y, 1, 1), period_end=d(y, 12, 31), due_date=d(y, 12, 1),
                        received=d(y, 9, 1))
    commit(uow, f"ENG-{y}-UNESCO-USD", "UNESCO", entry_date=d(y, 9, 5), currency="USD",
           amount="1234567.89", assessment_reference=f"UNESCO/{y}")
    commit(uow, f"ENG-{y}-UNESCO-CHF", "UNESCO", entry_date=d(y, 9, 5), currency="CHF",
           amount="456789.10", assessment_reference=f"UNESCO/{y}")
    # NATO: EUR, paid in full in February; a second payment in October is reversed.
    register_assessment(uow, "NATO", f"NATO/{y}", [("EUR", "5432109.87")],
                        period_start=d(y, 1, 1), period_end=d(y, 12, 31), due_date=d(y, 2, 15),
                        received=d(y, 1, 5))
    commit(uow, f"ENG-{y}-NATO", "NATO", entry_date=d(y, 1, 6), amount_eur="5432109.87",
           assessment_reference=f"NATO/{y}")
    record_payment(uow, f"PAY-{y}-NATO-1", f"ENG-{y}-NATO", entry_date=d(y, 2, 10), amount="5000000.00")
    record_payment(uow, f"PAY-{y}-NATO-2", f"ENG-{y}-NATO", entry_date=d(y, 10, 2), amount="432109.87")
    # OSCE: EUR, overdue for more than 90 days, nothing paid, committed.
    register_assessment(uow, "OSCE", f"OSCE/{y}", [("EUR", "765432.10")],
                        period_start=d(y, 1, 1), period_end=d(y, 12, 31), due_date=d(y, 3, 31),
                        received=d(y, 2, 1))
    commit(uow, f"ENG-{y}-OSCE", "OSCE", entry_date=d(y, 2, 3), amount_eur="765432.10",
           assessment_reference=f"OSCE/{y}")
    # Council of Europe and the formula-named organisation: paid in full in EUR.
    for org, amount in (("COE", "2222222.22"), ("EVIL", "1111.11")):
        register_assessment(uow, org, f"{org}/{y}", [("EUR", amount)],
                            period_start=d(y, 1, 1), period_end=d(y, 12, 31), due_date=d(y, 4, 30),
                            received=d(y, 3, 1))
        commit(uow, f"ENG-{y}-{org}", org, entry_date=d(y, 3, 2), amount_eur=amount,
               assessment_reference=f"{org}/{y}")
        record_payment(uow, f"PAY-{y}-{org}", f"ENG-{y}-{org}", entry_date=d(y, 10, 30), amount=amount)


def seed_import_batches(factory, created: list[dt.datetime]) -> None:
    """Import batches created at the given moments (their files are not loaded: the report
    only lists them). Written as rows, since an import's creation time is the clock's."""
    from budget.ledger.models import ImportBatch
    from budget.uow import UnitOfWork

    with UnitOfWork(factory, user="seed", channel="test") as uow:
        for i, at in enumerate(created):
            uow.session.add(ImportBatch(kind="payments", file_name=f"batch-{at:%Y-%m-%d}.xlsx",
                                        sha256=f"{i:064d}", created_by="seed", created_at=at,
                                        rows_read=i + 1))
        uow.commit()
