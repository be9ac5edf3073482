"""The ledger schema: one ``MetaData`` with a constraint naming convention.

Financial entries (credit movements, assessments, commitments, adjustments, payments) are
never updated or deleted: a correction is a new entry whose ``reverses_id`` points at the
entry it cancels, with every amount negated. A guard in ``budget.ledger.db`` enforces it.
The natural keys of live entries are partial unique indexes (``WHERE reverses_id IS NULL``)
so that two imports of the same file running at once write it once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from budget.ledger.types import Money, Rate

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CREDIT_TYPES = ("commitment", "payment")
CREDIT_STAGES = ("provisional", "initial", "adjustment", "reallocation", "blocked")
CONTROL_MODES = ("block", "warn")
ADJUSTMENT_KINDS = ("adjustment", "exchange_difference")
ROLES = ("viewer", "officer", "admin")


def utcnow() -> dt.datetime:
    """Naive UTC timestamp (SQLite keeps no time zone; every stored time is UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Directorate(Base):
    """A directorate of DGM, thematic owner of organisations (M0.0 ... MD8)."""

    __tablename__ = "directorate"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str | None] = mapped_column(String(200))
    name_nl: Mapped[str | None] = mapped_column(String(200))


class Provenance:
    """Who wrote a row, when, through which door, and from which import row."""

    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80), default="system")
    channel: Mapped[str] = mapped_column(String(20), default="cli")
    source_sheet: Mapped[str | None] = mapped_column(String(120))
    source_row: Mapped[int | None] = mapped_column(Integer)

    @declared_attr
    def batch_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("import_batch.id"), index=True)


class Entry(Provenance):
    """A financial entry: immutable, reversible by a linked negative entry."""

    revision: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(Text)

    @declared_attr
    def reverses_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"))  # type: ignore[attr-defined]

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


def reversed_once(table: str) -> Index:
    """An entry is reversed at most once: unique ``reverses_id`` among the reversals only.

    A partial index rather than a UNIQUE constraint: SQLite (no statistics) planned the live
    rule ``reverses_id IS NULL`` through a unique index on the column, walking every entry
    instead of the year's; ``reverses_id = ?`` (the reversal check) still uses this one.
    """
    return Index(
        f"uq_{table}_reverses_id",
        "reverses_id",
        unique=True,
        sqlite_where=text("reverses_id IS NOT NULL"),
        postgresql_where=text("reverses_id IS NOT NULL"),
    )


class BasicAllocation(Base, Provenance):
    """A basic allocation (AB / BA) of the budget law, with its availability control mode."""

    __tablename__ = "basic_allocation"
    __table_args__ = (CheckConstraint("control_mode IN ('block', 'warn')", name="control_mode"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(300), default="")
    #: The label in French and in Dutch (optional: the English label stands in).
    name_fr: Mapped[str | None] = mapped_column(String(300))
    name_nl: Mapped[str | None] = mapped_column(String(300))
    directorate_code: Mapped[str | None] = mapped_column(ForeignKey("directorate.code"))
    control_mode: Mapped[str] = mapped_column(String(8), default="block")
    #: False once the import batch that created it is undone while its reversed entries
    #: still name it (it cannot be deleted); registering it again makes it active.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class CreditMovement(Base, Entry):
    """A movement of commitment or payment credits on an AB for a fiscal year.

    The year's credit is the sum of its movements, so the history (provisional twelfths,
    initial budget, adjustments, reallocations, blocked amounts) stays visible.
    """

    __tablename__ = "credit_movement"
    __table_args__ = (
        reversed_once("credit_movement"),
        CheckConstraint("credit_type IN ('commitment', 'payment')", name="credit_type"),
        CheckConstraint(
            "stage IN ('provisional', 'initial', 'adjustment', 'reallocation', 'blocked')",
            name="stage",
        ),
        Index(
            "uq_credit_movement_live_key",
            "ab_id", "fiscal_year", "credit_type", "stage", "reference", "revision",
            unique=True,
            sqlite_where=text("reverses_id IS NULL"),
            postgresql_where=text("reverses_id IS NULL"),
        ),
        Index("ix_credit_movement_year_ab", "fiscal_year", "ab_id"),
        Index("ix_credit_movement_date", "entry_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ab_id: Mapped[int] = mapped_column(ForeignKey("basic_allocation.id"))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    credit_type: Mapped[str] = mapped_column(String(12))
    stage: Mapped[str] = mapped_column(String(14))
    reference: Mapped[str] = mapped_column(String(120), default="")
    entry_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    note: Mapped[str | None] = mapped_column(Text)

    ab: Mapped[BasicAllocation] = relationship()


class Organisation(Base, Provenance):
    """An organisation's contribution stream (e.g. UN regular budget, UN peacekeeping)."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    #: The name in French and in Dutch (optional: the English name stands in).
    name_fr: Mapped[str | None] = mapped_column(String(300))
    name_nl: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(String(200))
    directorate_code: Mapped[str] = mapped_column(ForeignKey("directorate.code"), index=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    ab_id: Mapped[int | None] = mapped_column(ForeignKey("basic_allocation.id"))
    #: False once the import batch that created it is undone while its reversed entries
    #: still name it (it cannot be deleted); registering it again makes it active.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    ab: Mapped[BasicAllocation | None] = relationship()


class Assessment(Base, Entry):
    """A call for contributions for a financial period, with one or more currency lines."""

    __tablename__ = "assessment"
    __table_args__ = (
        reversed_once("assessment"),
        Index(
            "uq_assessment_live_key",
            "organisation_id", "reference", "revision",
            unique=True,
            sqlite_where=text("reverses_id IS NULL"),
            postgresql_where=text("reverses_id IS NULL"),
        ),
        Index("ix_assessment_year", "fiscal_year"),
        Index("ix_assessment_date", "entry_date"),
        Index("ix_assessment_org_ref", "organisation_id", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    reference: Mapped[str] = mapped_column(String(120))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    entry_date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship()
    lines: Mapped[list[AssessmentLine]] = relationship(
        back_populates="assessment", order_by="AssessmentLine.currency"
    )


class AssessmentLine(Base):
    """One currency line of an assessment (negative: a credit returned by the organisation).

    Lines belong to their assessment entry and are as immutable as it is.
    """

    __tablename__ = "assessment_line"
    # Credits returned are a few lines among all the years' calls: a partial index finds them.
    __table_args__ = (
        UniqueConstraint("assessment_id", "currency"),
        Index("ix_assessment_line_credit", "assessment_id", sqlite_where=text("amount < 0"),
              postgresql_where=text("amount < 0")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    amount_eur: Mapped[Decimal] = mapped_column(Money)
    rate: Mapped[Decimal] = mapped_column(Rate)
    rate_date: Mapped[dt.date | None] = mapped_column(Date)
    source_row: Mapped[int | None] = mapped_column(Integer)

    assessment: Mapped[Assessment] = relationship(back_populates="lines")


class Commitment(Base, Entry):
    """A commitment of commitment credits on an AB, in EUR, for an organisation."""

    __tablename__ = "commitment"
    __table_args__ = (
        reversed_once("commitment"),
        Index(
            "uq_commitment_live_key",
            "reference", "revision",
            unique=True,
            sqlite_where=text("reverses_id IS NULL"),
            postgresql_where=text("reverses_id IS NULL"),
        ),
        Index("ix_commitment_year_ab", "fiscal_year", "ab_id"),
        Index("ix_commitment_date", "entry_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(120))
    entry_date: Mapped[dt.date] = mapped_column(Date)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    ab_id: Mapped[int] = mapped_column(ForeignKey("basic_allocation.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    amount_eur: Mapped[Decimal] = mapped_column(Money)
    rate: Mapped[Decimal] = mapped_column(Rate)
    note: Mapped[str | None] = mapped_column(Text)

    ab: Mapped[BasicAllocation] = relationship()
    organisation: Mapped[Organisation] = relationship()


class CommitmentAdjustment(Base, Entry):
    """An increase or decrease of a commitment, or the release of its exchange difference.

    ``kind = 'exchange_difference'`` is written when a foreign-currency commitment is fully
    paid: it brings the committed EUR to the paid EUR, and ``-amount_eur`` is the gain.
    """

    __tablename__ = "commitment_adjustment"
    __table_args__ = (
        reversed_once("commitment_adjustment"),
        CheckConstraint("kind IN ('adjustment', 'exchange_difference')", name="kind"),
        Index(
            "uq_commitment_adjustment_live_key",
            "commitment_id", "reference", "revision",
            unique=True,
            sqlite_where=text("reverses_id IS NULL"),
            postgresql_where=text("reverses_id IS NULL"),
        ),
        Index("ix_commitment_adjustment_date", "entry_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    reference: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24), default="adjustment")
    entry_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    amount_eur: Mapped[Decimal] = mapped_column(Money)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    #: The fiscal year whose commitment credits it is charged to, when not the commitment's
    #: own: an exchange difference realised after the commitment's year was closed goes to
    #: the year of the payment (a closed year does not move). See :func:`charged_year`.
    fiscal_year: Mapped[int | None] = mapped_column(Integer)

    commitment: Mapped[Commitment] = relationship()


def charged_year() -> Any:
    """SQL expression: the fiscal year an adjustment is charged to (needs ``Commitment`` joined)."""
    return func.coalesce(CommitmentAdjustment.fiscal_year, Commitment.fiscal_year)


class Payment(Base, Entry):
    """A payment settling (part of) a commitment, at the exchange rate of its own date."""

    __tablename__ = "payment"
    __table_args__ = (
        reversed_once("payment"),
        Index(
            "uq_payment_live_key",
            "reference", "revision",
            unique=True,
            sqlite_where=text("reverses_id IS NULL"),
            postgresql_where=text("reverses_id IS NULL"),
        ),
        Index("ix_payment_date", "entry_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(120))
    entry_date: Mapped[dt.date] = mapped_column(Date)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    amount_eur: Mapped[Decimal] = mapped_column(Money)
    rate: Mapped[Decimal] = mapped_column(Rate)
    rate_date: Mapped[dt.date | None] = mapped_column(Date)
    rate_source: Mapped[str] = mapped_column(String(20), default="given")

    commitment: Mapped[Commitment] = relationship()


class AvailabilityOverride(Base, Provenance):
    """A commitment (or increase) recorded beyond the available credits, with its reason."""

    __tablename__ = "availability_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    ab_id: Mapped[int] = mapped_column(ForeignKey("basic_allocation.id"))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment.id"))
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment_adjustment.id"))
    control_mode: Mapped[str] = mapped_column(String(8))
    available: Mapped[Decimal] = mapped_column(Money)
    requested: Mapped[Decimal] = mapped_column(Money)
    override_reason: Mapped[str] = mapped_column(Text)


class ExchangeRate(Base, Provenance):
    """A reference rate: units of ``currency`` for 1 EUR, published on ``rate_date``."""

    __tablename__ = "exchange_rate"
    __table_args__ = (UniqueConstraint("currency", "rate_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    rate_date: Mapped[dt.date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Rate)
    source: Mapped[str] = mapped_column(String(40), default="ECB")


class ImportBatch(Base):
    """One load of one file (or the undo of one): what, from where, by whom, how many rows."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_by: Mapped[str] = mapped_column(String(80), default="system")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_new: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_conflict: Mapped[int] = mapped_column(Integer, default=0)
    rows_corrected: Mapped[int] = mapped_column(Integer, default=0)
    undoes_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), unique=True)
    note: Mapped[str | None] = mapped_column(Text)


class AuditLog(Base):
    """Append-only log of every change: who, when, what, from which batch or screen."""

    __tablename__ = "audit_log"
    #: An entry's audit trail (the drill-down) reads its lines without scanning the log.
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(60))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    details: Mapped[str | None] = mapped_column(Text)


class ReportPack(Base):
    """A monthly report pack as it went to the hierarchy (``budget report monthly --freeze``).

    Both files are kept in the archive folder (``BUDGET_ARCHIVE_DIR``) under the names and
    SHA-256 recorded here; ``figures`` is the JSON of the figures the fingerprint stands on,
    so that a later check can say which figure changed. A month, scope and language is
    frozen once (``revision`` 0); freezing it again needs a reason and adds a revision that
    ``supersedes`` the last one. Rows are never changed nor deleted.
    """

    __tablename__ = "report_pack"
    __table_args__ = (UniqueConstraint("period", "scope", "lang", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The reported month, ``YYYY-MM``.
    period: Mapped[str] = mapped_column(String(7))
    #: The directorates the report is limited to, comma-separated; empty: every directorate.
    scope: Mapped[str] = mapped_column(String(200), default="")
    lang: Mapped[str] = mapped_column(String(2))
    revision: Mapped[int] = mapped_column(Integer, default=0)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("report_pack.id"), unique=True)
    supersede_reason: Mapped[str | None] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))
    figures: Mapped[str] = mapped_column(Text)
    generated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(20))
    pdf_name: Mapped[str] = mapped_column(String(300))
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdf_size: Mapped[int] = mapped_column(Integer)
    xlsx_name: Mapped[str] = mapped_column(String(300))
    xlsx_sha256: Mapped[str] = mapped_column(String(64), index=True)
    xlsx_size: Mapped[int] = mapped_column(Integer)


class FiscalYearClosure(Base):
    """A closed fiscal year: no entry may be added to it any more."""

    __tablename__ = "fiscal_year_closure"

    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    closed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed_by: Mapped[str] = mapped_column(String(80))


class AppUser(Base):
    """A dashboard account: salted slow hash, role, optional directorate restriction."""

    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint("role IN ('viewer', 'officer', 'admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default="viewer")
    #: Comma-separated directorate codes the user may see; NULL means all.
    directorates: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: The last successful log-in (UTC), shown to admins on the Users page.
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AppSession(Base):
    """A dashboard log-in kept across reloads: the SHA-256 of a random token held by the
    browser in an HttpOnly cookie (the token itself is stored nowhere), until it expires or
    the user logs out (``revoked_at``)."""

    __tablename__ = "app_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(String(80), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class OpenCommitmentItem(Base):
    """Projection: a live commitment with something still to pay, and its running sums.

    Derived data, not a record: rebuilt from the entries by
    :mod:`budget.services.balances` in the same transaction as every write that touches the
    commitment (its adjustments, payments, reversals), so that "what is open" is read from a
    few thousand rows instead of summing a twenty-year ledger. Settled commitments have no
    row. Amounts as in the commitment: ``committed`` is the amount plus its adjustments in
    the commitment's currency, ``paid`` the payments in that currency.
    """

    __tablename__ = "open_commitment_item"

    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), primary_key=True,
                                               autoincrement=False)
    committed: Mapped[Decimal] = mapped_column(Money)
    committed_eur: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)
    paid_eur: Mapped[Decimal] = mapped_column(Money)


class OpenAssessmentItem(Base):
    """Projection: an assessment line (organisation, reference, currency) not fully paid.

    Derived like :class:`OpenCommitmentItem`: assessed is net of reversals and corrections,
    paid is the payments in the line's currency on commitments linked to the assessment.
    """

    __tablename__ = "open_assessment_item"
    __table_args__ = (Index("ix_open_assessment_item_year", "fiscal_year"),)

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True,
                                                 autoincrement=False)
    reference: Mapped[str] = mapped_column(String(120), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date)
    assessed: Mapped[Decimal] = mapped_column(Money)
    assessed_eur: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money)


class AssessmentSettlement(Base):
    """Projection: when an assessment (organisation, reference) was first paid, first paid in
    full, and paid in full for good, over every payment on the commitments linked to it.

    Derived like :class:`OpenCommitmentItem` (:mod:`budget.services.settlement` defines the
    days); a row per assessment whose live revision assesses something.
    """

    __tablename__ = "assessment_settlement"

    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True,
                                                 autoincrement=False)
    reference: Mapped[str] = mapped_column(String(120), primary_key=True)
    first_paid_on: Mapped[dt.date | None] = mapped_column(Date)
    settled_first_on: Mapped[dt.date | None] = mapped_column(Date)
    fully_paid_on: Mapped[dt.date | None] = mapped_column(Date)


class LedgerTotal(Base):
    """Projection: the entries' sums per fiscal year, kind, organisation, AB, currency and
    month of the entry's date.

    Derived like :class:`OpenCommitmentItem` (maintained by :mod:`budget.services.balances`
    in the transaction that writes the entries; entries only ever add rows, and a reversal
    adds negated amounts, so new entries are added to their totals). Execution and monthly
    views read these few thousand rows per year instead of a year's entries. ``kind``:
    ``commitment``, ``adjustment``, ``paid`` (payments on the year's commitments),
    ``paid_in_year`` (payments dated in the calendar year ``fiscal_year``), ``assessed``
    (assessment lines), ``credit_commitment``, ``credit_payment``. 0 stands for "none" in
    ``organisation_id`` (credits) and ``ab_id`` (assessed: the organisation's AB is read at
    query time, it may change). ``entry_month`` is the calendar month of the entries' date
    as ``yyyymm`` (202610): the sums as of the end of any month are the rows up to it, with
    no entry to read; as of a day within a month, only that month's later entries are.
    """

    __tablename__ = "ledger_total"

    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ab_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    entry_month: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    amount: Mapped[Decimal] = mapped_column(Money)
    amount_eur: Mapped[Decimal] = mapped_column(Money)
    #: How many entry rows the sums hold (a group with rows netting to zero still exists).
    entries: Mapped[int] = mapped_column(Integer)


#: Tables whose rows are never updated nor deleted by the application.
IMMUTABLE = (
    CreditMovement, Assessment, AssessmentLine, Commitment, CommitmentAdjustment, Payment,
    AvailabilityOverride, AuditLog, ImportBatch, ReportPack,
)

#: Derived tables (open items), recomputed from the entries by ``budget.services.balances``.
PROJECTIONS = (OpenCommitmentItem, OpenAssessmentItem, LedgerTotal, AssessmentSettlement)
