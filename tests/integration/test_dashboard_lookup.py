"""Search, an entry's source and audit trail, and the log-in sessions kept across reloads
(on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from budget.errors import NotFoundError, ValidationError
from budget.ledger.models import AppSession, Commitment, Organisation, Payment, utcnow
from budget.services import lookup, sessions, users
from budget.services.lookup import OutOfScopeError


@pytest.fixture
def demo(demo_ledger):
    return demo_ledger


def a_commitment(led, directorate: str) -> tuple[str, str]:
    with led.uow(write=False) as uow:
        row = uow.session.execute(
            select(Commitment.reference, Organisation.code)
            .join(Organisation, Organisation.id == Commitment.organisation_id)
            .where(Organisation.directorate_code == directorate, Commitment.reverses_id.is_(None))
            .order_by(Commitment.id).limit(1)).one()
    return row[0], row[1]


def test_search_is_scoped_escaped_bounded_and_finds_batches_only_for_unscoped_users(demo):
    ref, org = a_commitment(demo, "M2")
    with demo.uow(write=False) as uow:
        everything = lookup.search(uow, ref)
        assert everything[0].kind == "commitment" and everything[0].reference == ref
        assert everything[0].organisation == org
        assert any(f.kind == "organisation" and f.reference == org for f in lookup.search(uow, org.lower()))
        assert lookup.search(uow, ref, directorates=["M3"]) == [] or all(
            f.directorate == "M3" for f in lookup.search(uow, ref, directorates=["M3"]))
        assert all(f.directorate in ("M2",) for f in lookup.search(uow, "a", directorates=["M2"])
                   if f.kind != "batch")

    # --- search wildcards are plain characters and results are limited
    with demo.uow(write=False) as uow:
        assert lookup.search(uow, "%") == []
        assert lookup.search(uow, "_") == [] or all("_" in f.reference + f.label for f in lookup.search(uow, "_"))
        many = lookup.search(uow, "a", limit=1000)
        for kind in ("organisation", "assessment", "commitment", "payment"):
            assert sum(f.kind == kind for f in many) <= lookup.MAX_PER_KIND

    # --- search refuses empty long and control texts with a clear message
    with demo.uow(write=False) as uow:
        for bad in ("", "   ", "x" * 101, "a\x1b[31m"):
            with pytest.raises(ValidationError):
                lookup.search(uow, bad)

    # --- import batches are found by number only by users seeing every directorate
    with demo.uow(write=False) as uow:
        batch = uow.session.scalar(select(Commitment.batch_id).limit(1))
        assert any(f.kind == "batch" and f.reference == str(batch) for f in lookup.search(uow, str(batch)))
        assert not any(f.kind == "batch" for f in lookup.search(uow, str(batch), directorates=["M2"]))


def test_an_entrys_source_and_audit_trail_and_an_organisations_scope(demo):
    ref, org = a_commitment(demo, "M2")
    with demo.uow(write=False) as uow:
        src = lookup.entry_source(uow, "commitment", ref, organisation=org, directorates=["M2"])
        assert (src.reference, src.organisation, src.directorate) == (ref, org, "M2")
        assert src.batch_id is not None and src.batch_file
        assert src.created_by and src.created_at
        assert any(a.entity == "commitment" and a.entity_id == str(src.entry_id) for a in src.audit) or any(
            a.entity == "import_batch" for a in src.audit)
        with pytest.raises(OutOfScopeError):
            lookup.entry_source(uow, "commitment", ref, directorates=["M3"])
        with pytest.raises(NotFoundError):
            lookup.entry_source(uow, "commitment", "NO-SUCH-REF")
        with pytest.raises(NotFoundError):
            lookup.entry_source(uow, "credit_movement", ref)
        pay = uow.session.scalar(select(Payment.reference).where(Payment.reverses_id.is_(None)).limit(1))
        assert lookup.entry_source(uow, "payment", pay).amounts

    # --- an organisation outside the scope is told apart from an unknown one
    with demo.uow(write=False) as uow:
        lookup.check_organisation(uow, org, ["M2"])
        with pytest.raises(OutOfScopeError):
            lookup.check_organisation(uow, org, ["M3"])
        with pytest.raises(NotFoundError):
            lookup.check_organisation(uow, "NOPE" * 30, None)


def test_a_session_token_opens_the_account_until_it_expires_or_is_revoked(ledger):
    with ledger.uow() as uow:
        users.add_user(uow, "alice", "correct horse battery", "viewer", ["M2"])
        sid, token = sessions.open_session(uow, "alice", 12)
        uow.commit()
    with ledger.uow(write=False) as uow:
        stored = uow.session.scalar(select(AppSession.token_hash).where(AppSession.id == sid))
        assert token not in stored and stored == sessions.token_hash(token)  # only the hash is kept
        found = sessions.session_user(uow, token)
        assert found is not None and found[1].username == "alice" and found[1].directorates == ("M2",)
        assert sessions.session_user(uow, token, now=utcnow() + dt.timedelta(hours=13)) is None
        assert sessions.session_user(uow, token + "x") is None
        assert sessions.session_user(uow, "x" * 10_000) is None
        assert sessions.session_user(uow, None) is None
    with ledger.uow() as uow:
        assert sessions.revoke_session(uow, token=token) == 1
        uow.commit()
    with ledger.uow(write=False) as uow:
        assert sessions.session_user(uow, token) is None


def test_a_new_password_or_a_disabled_account_ends_the_accounts_sessions(ledger):
    with ledger.uow() as uow:
        users.add_user(uow, "bob", "correct horse battery", "officer")
        _, first = sessions.open_session(uow, "bob", 1)
        users.set_password(uow, "bob", "another good password")
        _, second = sessions.open_session(uow, "bob", 1)
        uow.commit()
    with ledger.uow(write=False) as uow:
        assert sessions.session_user(uow, first) is None
        assert sessions.session_user(uow, second) is not None
    with ledger.uow() as uow:
        users.disable_user(uow, "bob")
        uow.commit()
    with ledger.uow(write=False) as uow:
        assert sessions.session_user(uow, second) is None
        revoked = uow.session.scalars(select(AppSession.revoked_at)).all()
        assert len(revoked) == 2 and all(revoked)
