"""One exception hierarchy for everything the rules or the data refuse.

Each edge translates it once: the CLI prints the message and exits 1, the dashboard shows
``st.error``, the report runner reports it. Messages are written for a budget officer.
"""

from __future__ import annotations


class BudgetError(Exception):
    """Base class: an operation refused by the rules of the ledger or by the data."""

    #: The input field at fault, when a rule checking several names it (bulk loads map it to
    #: the file's column).
    field: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(BudgetError):
    """A value given to a service is malformed (empty reference, bad date, ...)."""


class NotFoundError(BudgetError):
    """Something named by the user does not exist in the ledger."""


class UnknownOrganisationError(NotFoundError):
    """No organisation (contribution stream) has this code."""


class UnknownAllocationError(NotFoundError):
    """No basic allocation (AB) has this code."""


class UnknownDirectorateError(NotFoundError):
    """No directorate has this code."""


class UnknownCurrencyError(ValidationError):
    """The currency is not an ISO 4217 code the ledger supports."""


class NonPositiveAmountError(ValidationError):
    """An amount that must be above zero is zero or negative."""


class DuplicateEntryError(BudgetError):
    """An entry with the same natural key (reference, ...) already exists."""


class AlreadyFrozenError(BudgetError):
    """The monthly report of this month, scope and language is frozen already."""


class ArchivedFileError(BudgetError):
    """A frozen pack's file is missing from the archive folder, or is not the file frozen."""


class OverCommitmentError(BudgetError):
    """A commitment would exceed the available commitment credits of its AB."""


class OverPaymentError(BudgetError):
    """A payment would exceed what is open on its commitment, in the commitment currency."""


class MissingExchangeRateError(BudgetError):
    """No exchange rate is published on or before the date asked for."""


class ClosedPeriodError(BudgetError):
    """The fiscal year is closed: no entry may be added to it."""


class DependentEntriesError(BudgetError):
    """An entry cannot be reversed while later entries depend on it."""


class AlreadyReversedError(BudgetError):
    """The entry was already reversed (or is itself a reversal)."""


class ImmutableEntryError(BudgetError):
    """Code tried to update or delete a financial entry in place (a programming error)."""


class AuthenticationError(BudgetError):
    """Wrong user name or password, or the account is disabled."""


class ConfigurationError(BudgetError):
    """A ``BUDGET_*`` setting holds a value that does not parse."""
