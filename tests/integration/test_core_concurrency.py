"""Writers side by side on PostgreSQL: row locks on what is touched, not one lock for all.

Writers of different organisations (and log-ins, and a long file load) do not wait for each
other; writers of one organisation run one after the other, the second reading what the
first committed. SQLite has one writer at a time, so these are PostgreSQL's tests.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest

from budget.errors import OverPaymentError
from budget.services import (
    OrganisationInput,
    balances,
    commit,
    record_credit,
    record_payment,
    register_allocation,
    register_organisation,
    users,
    views,
)

D = Decimal
DAY = dt.date(2026, 3, 2)


@pytest.fixture
def pg(ledger):
    if ledger.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time (BEGIN IMMEDIATE): nothing runs side by side")
    with ledger.uow() as uow:
        register_allocation(uow, "AB-1", "Contributions", "M2", "warn")
        record_credit(uow, "AB-1", 2026, "commitment", D("100000"), entry_date=dt.date(2026, 1, 2))
        for code in ("ORG-A", "ORG-B"):
            register_organisation(uow, OrganisationInput(code, f"Organisation {code}", "M2", "EUR", "AB-1"))
            commit(uow, f"C-{code}", code, entry_date=dt.date(2026, 1, 10), amount_eur=D("1000"))
        users.add_user(uow, "viewer", "a long enough password 1", "viewer")
        uow.commit()
    return ledger


def _in_thread(target) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def test_writers_of_other_organisations_and_log_ins_do_not_wait(pg):
    """A payment on ORG-A held open (as a long load would be) does not hold a payment on
    ORG-B, a new organisation, or a log-in."""
    with pg.uow(user="slow") as held:
        record_payment(held, "P-A", "C-ORG-A", entry_date=DAY, amount=D("100"))
        held.lock_loads()  # a file load in progress

        def others() -> None:
            with pg.uow(user="quick") as uow:
                record_payment(uow, "P-B", "C-ORG-B", entry_date=DAY, amount=D("200"))
                register_organisation(uow, OrganisationInput("ORG-C", "Another", "M2", "EUR", "AB-1"))
                uow.commit()
            with pg.uow(user="login") as uow:
                users.authenticate(uow, "viewer", "a long enough password 1")

        thread, errors = _in_thread(others)
        thread.join(30)
        assert not thread.is_alive(), "a writer of another organisation waited for ORG-A's"
        assert errors == []
        held.commit()
    with pg.uow(write=False) as uow:
        assert balances.verify(uow.session) == []
        assert {o.reference: o.open for o in views.open_commitments(uow)} == {
            "C-ORG-A": D("900.00"), "C-ORG-B": D("800.00")}


def test_writers_of_one_organisation_take_turns_and_read_each_other(pg):
    """Two payments of 600 on a commitment of 1,000: the second waits for the first, then
    sees it and is refused (400 left), however the two interleave."""
    with pg.uow(user="first") as first:
        record_payment(first, "P-1", "C-ORG-A", entry_date=DAY, amount=D("600"))

        def second() -> None:
            with pg.uow(user="second") as uow:
                record_payment(uow, "P-2", "C-ORG-A", entry_date=DAY, amount=D("600"))
                uow.commit()

        thread, errors = _in_thread(second)
        thread.join(1.5)
        assert thread.is_alive(), "the second payment did not wait for the first"
        first.commit()
    thread.join(30)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], OverPaymentError), errors
    with pg.uow(write=False) as uow:
        assert balances.verify(uow.session) == []
        assert {o.reference: o.open for o in views.open_commitments(uow)}["C-ORG-A"] == D("400.00")


def test_the_data_version_moves_when_writers_commit_out_of_order(pg):
    """The dashboards' cache key grows with every commit, even when the later writer's
    audit line has the lower id (it committed last)."""
    with pg.uow(write=False) as uow:
        start = views.data_version(uow)
    with pg.uow(user="early") as early:
        record_payment(early, "P-A", "C-ORG-A", entry_date=DAY, amount=D("1"))
        early.session.flush()  # its audit line takes the lower id

        def late() -> None:
            with pg.uow(user="late") as uow:
                record_payment(uow, "P-B", "C-ORG-B", entry_date=DAY, amount=D("1"))
                uow.commit()

        thread, errors = _in_thread(late)
        thread.join(30)
        assert errors == []
        with pg.uow(write=False) as uow:
            after_late = views.data_version(uow)
        early.commit()
    with pg.uow(write=False) as uow:
        after_both = views.data_version(uow)
    assert start < after_late < after_both
