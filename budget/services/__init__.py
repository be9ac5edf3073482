"""The service layer: the only door to the data (writes with invariants, reads as data)."""

from budget.services.entries import (
    adjust_commitment,
    commit,
    record_credit,
    register_assessment,
)
from budget.services.fx import rate_on, record_rates
from budget.services.payments import record_payment
from budget.services.reference import (
    OrganisationInput,
    close_year,
    ensure_directorates,
    register_allocation,
    register_organisation,
    set_control_mode,
)
from budget.services.reversals import reverse

__all__ = [
    "OrganisationInput",
    "adjust_commitment",
    "close_year",
    "commit",
    "ensure_directorates",
    "rate_on",
    "record_credit",
    "record_payment",
    "record_rates",
    "register_allocation",
    "register_assessment",
    "register_organisation",
    "reverse",
    "set_control_mode",
]
