"""Reference data: directorates, basic allocations (AB), organisations, closed years."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from budget import bounds
from budget.errors import (
    ClosedPeriodError,
    UnknownAllocationError,
    UnknownDirectorateError,
    UnknownOrganisationError,
    ValidationError,
)
from budget.ledger.models import (
    CONTROL_MODES,
    BasicAllocation,
    Directorate,
    FiscalYearClosure,
    Organisation,
)
from budget.money import normalise_currency
from budget.uow import UnitOfWork

#: The directorates of DGM (source: shared/seed/dgm-remit.txt, DOMAIN.md).
DIRECTORATES: tuple[tuple[str, str], ...] = (
    ("M0.0", "Management and quality control (budgets, compulsory contributions, HR, IT)"),
    ("M0.1", "Transversal Multilateral Issues & CoorMulti"),
    ("M1", "Security Policy (ESDP/CSDP, NATO, OSCE, hybrid threats)"),
    ("M2", "United Nations and OIF"),
    ("M3", "Human Rights (UN, EU, Council of Europe)"),
    ("M4", "International Governance"),
    ("M5", "Disarmament and Non-Proliferation"),
    ("ME6", "EU External Relations"),
    ("M7", "Counter Terrorism – Countering Violent Extremism"),
    ("MD8", "Environment and Climate"),
)


def closest(word: str, candidates: list[str], n: int = 3) -> list[str]:
    """The codes closest to ``word`` (for "did you mean" in messages)."""
    upper = {c.upper(): c for c in candidates}
    return [upper[m] for m in difflib.get_close_matches(word.upper(), list(upper), n=n, cutoff=0.5)]


def _did_you_mean(word: str, candidates: list[str]) -> str:
    near = closest(word, candidates)
    return f" Did you mean {', '.join(near)}?" if near else ""


def code(value: object, what: str, limit: int = 40) -> str:
    """A code trimmed and upper-cased; refuses an empty one, one longer than its column
    (``limit``) and one holding control or text-direction characters."""
    text = bounds.text(value or "", f"The {what} code", limit).upper()
    if not text:
        raise ValidationError(f"The {what} code is empty.")
    return text


def ensure_directorates(uow: UnitOfWork) -> None:
    """Insert the ten DGM directorates if they are missing (idempotent)."""
    have = set(uow.session.scalars(select(Directorate.code)))
    for dcode, name in DIRECTORATES:
        if dcode not in have:
            uow.session.add(Directorate(code=dcode, name=name))
    uow.session.flush()


def get_directorate(uow: UnitOfWork, dcode: object) -> Directorate:
    text = bounds.text(dcode or "", "The directorate code", 200).upper()
    found = uow.session.get(Directorate, text[:8]) if len(text) <= 8 else None
    if found is None:
        known = list(uow.session.scalars(select(Directorate.code)))
        raise UnknownDirectorateError(
            f"Unknown directorate {dcode!r}." + _did_you_mean(text, known)
        )
    return found


def get_allocation(uow: UnitOfWork, ab_code: object) -> BasicAllocation:
    text = code(ab_code, "basic allocation")
    found = uow.session.scalar(select(BasicAllocation).where(BasicAllocation.code == text))
    if found is None:
        known = list(uow.session.scalars(select(BasicAllocation.code)))
        raise UnknownAllocationError(
            f"Unknown basic allocation (AB) {text!r}." + _did_you_mean(text, known)
        )
    return found


def get_organisation(uow: UnitOfWork, org_code: object) -> Organisation:
    text = code(org_code, "organisation")
    found = uow.session.scalar(select(Organisation).where(Organisation.code == text))
    if found is None:
        known = list(uow.session.scalars(select(Organisation.code)))
        raise UnknownOrganisationError(
            f"Unknown organisation {text!r}." + _did_you_mean(text, known)
        )
    return found


def lock_codes(uow: UnitOfWork, organisations: Iterable[object] = (), allocations: Iterable[object] = ()) -> None:
    """Lock, up front, the organisations and ABs a load of many rows will write on
    (:meth:`budget.uow.UnitOfWork.lock`): in one go and in order, rather than row by row in
    the file's order, where two writers could wait for each other in a circle. Unknown codes
    are left to the rules that name them."""
    wanted = {model: sorted({str(c).strip() for c in codes if c is not None})
              for model, codes in ((Organisation, organisations), (BasicAllocation, allocations))}
    ids = {model: [i for start in range(0, len(found), 900)
                   for i in uow.session.scalars(select(model.id).where(model.code.in_(found[start:start + 900])))]
           for model, found in wanted.items()}
    uow.lock(organisations=ids[Organisation], allocations=ids[BasicAllocation])


def register_allocation(
    uow: UnitOfWork,
    ab_code: str,
    label: str = "",
    directorate: str | None = None,
    control_mode: str = "block",
) -> BasicAllocation:
    """Create a basic allocation (AB), or return the existing one with the same code."""
    text = code(ab_code, "basic allocation")
    if control_mode not in CONTROL_MODES:
        raise ValidationError(f"Control mode must be 'block' or 'warn', not {control_mode!r}.")
    existing = uow.session.scalar(select(BasicAllocation).where(BasicAllocation.code == text))
    if existing is not None:
        return existing
    dcode = get_directorate(uow, directorate).code if directorate else None
    ab = BasicAllocation(
        code=text, label=bounds.text(label, f"The label of AB {text}", 300), directorate_code=dcode,
        control_mode=control_mode,
        **uow.stamp(),
    )
    uow.session.add(ab)
    uow.session.flush()
    uow.audit("register", "basic_allocation", text, label=label, control_mode=control_mode)
    return ab


def set_control_mode(uow: UnitOfWork, ab_code: str, mode: str) -> BasicAllocation:
    """Switch an AB's availability control between ``block`` and ``warn`` (audited)."""
    if mode not in CONTROL_MODES:
        raise ValidationError(f"Control mode must be 'block' or 'warn', not {mode!r}.")
    ab = get_allocation(uow, ab_code)
    before = ab.control_mode
    ab.control_mode = mode
    uow.session.flush()
    uow.audit("set_control_mode", "basic_allocation", ab.code, before=before, after=mode)
    return ab


@dataclass(frozen=True)
class OrganisationInput:
    code: str
    name: str
    directorate: str
    currency: str = "EUR"
    ab: str | None = None
    body: str | None = None


def register_organisation(uow: UnitOfWork, org: OrganisationInput) -> tuple[Organisation, bool]:
    """Create an organisation (contribution stream); return it and whether it is new.

    A code that exists with the same values changes nothing. Different values update the
    reference data (not a financial entry) and the change is written to the audit log.
    """
    ocode = code(org.code, "organisation")
    name = bounds.text(org.name or "", f"The name of organisation {ocode}", 300)
    if not name:
        raise ValidationError(f"Organisation {ocode} has no name.")
    directorate = get_directorate(uow, org.directorate).code
    currency = normalise_currency(org.currency or "EUR")
    ab_id = get_allocation(uow, org.ab).id if org.ab else None
    values = {
        "name": name,
        "directorate_code": directorate,
        "currency": currency,
        "ab_id": ab_id,
        "body": bounds.text(org.body or "", f"The body of organisation {ocode}", 200) or None,
    }
    existing = uow.session.scalar(select(Organisation).where(Organisation.code == ocode))
    if existing is None:
        row = Organisation(code=ocode, **values, **uow.stamp())
        uow.session.add(row)
        uow.session.flush()
        uow.audit("register", "organisation", ocode, **values)
        return row, True
    changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
    if changed:
        before = {k: getattr(existing, k) for k in changed}
        for k, v in changed.items():
            setattr(existing, k, v)
        uow.session.flush()
        uow.audit("update", "organisation", ocode, before=before, after=changed)
    return existing, False


def is_closed(uow: UnitOfWork, year: int) -> bool:
    """True when fiscal ``year`` is closed."""
    return uow.session.get(FiscalYearClosure, year) is not None


def check_open_year(uow: UnitOfWork, year: int) -> None:
    """Raise ``ClosedPeriodError`` when fiscal ``year`` is closed (or out of range)."""
    if is_closed(uow, bounds.fiscal_year(year)):
        raise ClosedPeriodError(f"Fiscal year {year} is closed: no entry can be added to it.")


def close_year(uow: UnitOfWork, year: int) -> None:
    """Close fiscal ``year``: later entries for it are refused (audited)."""
    year = bounds.fiscal_year(year)
    if uow.session.get(FiscalYearClosure, year) is None:
        uow.session.add(FiscalYearClosure(fiscal_year=year, closed_by=uow.user))
        uow.session.flush()
        uow.audit("close_year", "fiscal_year", year)
