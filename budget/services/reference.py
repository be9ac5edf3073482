"""Reference data: directorates, basic allocations (AB), organisations, closed years."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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
from budget.services.names import translated
from budget.uow import UnitOfWork

#: The directorates of DGM (source: shared/seed/dgm-remit.txt, DOMAIN.md): code and the
#: names in English, French and Dutch (the FPS's own wording where it has one).
DIRECTORATE_NAMES: tuple[tuple[str, str, str, str], ...] = (
    ("M0.0", "Management and quality control (budgets, compulsory contributions, HR, IT)",
     "Gestion et contrôle de qualité (budgets, contributions obligatoires, RH, IT)",
     "Beheer en kwaliteitscontrole (begrotingen, verplichte bijdragen, HR, IT)"),
    ("M0.1", "Transversal Multilateral Issues & CoorMulti",
     "Questions multilatérales transversales & CoorMulti",
     "Transversale multilaterale aangelegenheden & CoorMulti"),
    ("M1", "Security Policy (ESDP/CSDP, NATO, OSCE, hybrid threats)",
     "Politique de sécurité (PESD/PSDC, OTAN, OSCE, menaces hybrides)",
     "Veiligheidsbeleid (EVDB/GVDB, NAVO, OVSE, hybride dreigingen)"),
    ("M2", "United Nations and OIF", "Nations unies et OIF", "Verenigde Naties en OIF"),
    ("M3", "Human Rights (UN, EU, Council of Europe)",
     "Droits de l'homme (ONU, UE, Conseil de l'Europe)",
     "Mensenrechten (VN, EU, Raad van Europa)"),
    ("M4", "International Governance", "Gouvernance internationale", "Internationaal bestuur"),
    ("M5", "Disarmament and Non-Proliferation", "Désarmement et non-prolifération",
     "Ontwapening en non-proliferatie"),
    ("ME6", "EU External Relations", "Relations extérieures de l'UE", "Externe betrekkingen van de EU"),
    ("M7", "Counter Terrorism – Countering Violent Extremism",
     "Contre-terrorisme – Lutte contre l'extrémisme violent",
     "Terrorismebestrijding – Bestrijding van gewelddadig extremisme"),
    ("MD8", "Environment and Climate", "Environnement et climat", "Leefmilieu en klimaat"),
)
#: Code and English name of each directorate.
DIRECTORATES: tuple[tuple[str, str], ...] = tuple((c, en) for c, en, _fr, _nl in DIRECTORATE_NAMES)


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
    for dcode, name, name_fr, name_nl in DIRECTORATE_NAMES:
        if dcode not in have:
            uow.session.add(Directorate(code=dcode, name=name, name_fr=name_fr, name_nl=name_nl))
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
    *,
    name_fr: str | None = None,
    name_nl: str | None = None,
) -> BasicAllocation:
    """Create a basic allocation (AB), or return the existing one with the same code.

    ``name_fr`` / ``name_nl`` are its label in French and Dutch (optional); given for an
    existing AB, they replace its French or Dutch label (audited).
    """
    text = code(ab_code, "basic allocation")
    if control_mode not in CONTROL_MODES:
        raise ValidationError(f"Control mode must be 'block' or 'warn', not {control_mode!r}.")
    names = {k: translated(v, f"The {lang} label of AB {text}", 300)
             for k, v, lang in (("name_fr", name_fr, "French"), ("name_nl", name_nl, "Dutch")) if v is not None}
    existing = uow.session.scalar(select(BasicAllocation).where(BasicAllocation.code == text))
    if existing is not None:
        # Registered again, a retired AB (see bulk.undo_batch) is active again.
        _update(uow, existing, "basic_allocation", text, {**names, "active": True})
        return existing
    dcode = get_directorate(uow, directorate).code if directorate else None
    ab = BasicAllocation(
        code=text, label=bounds.text(label, f"The label of AB {text}", 300), directorate_code=dcode,
        control_mode=control_mode, **names,
        **uow.stamp(),
    )
    uow.session.add(ab)
    uow.session.flush()
    uow.audit("register", "basic_allocation", text, label=label, control_mode=control_mode, **names)
    return ab


def _update(uow: UnitOfWork, row: Any, entity: str, key: str, values: dict[str, Any]) -> None:
    """Set the reference data ``values`` that differ on ``row``, audited as one update."""
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if changed:
        before = {k: getattr(row, k) for k in changed}
        for k, v in changed.items():
            setattr(row, k, v)
        uow.session.flush()
        uow.audit("update", entity, key, before=before, after=changed)


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
    name_fr: str | None = None
    name_nl: str | None = None


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
    values: dict[str, Any] = {
        "name": name,
        "directorate_code": directorate,
        "currency": currency,
        "ab_id": ab_id,
        "body": bounds.text(org.body or "", f"The body of organisation {ocode}", 200) or None,
        "active": True,  # registered again, a retired organisation (see bulk.undo_batch) is active again
    }
    # A French or Dutch name not given (None) stays as it is; given blank, it is removed.
    for key, value, lang in (("name_fr", org.name_fr, "French"), ("name_nl", org.name_nl, "Dutch")):
        if value is not None:
            values[key] = translated(value, f"The {lang} name of organisation {ocode}", 300)
    existing = uow.session.scalar(select(Organisation).where(Organisation.code == ocode))
    if existing is None:
        row = Organisation(code=ocode, **values, **uow.stamp())
        uow.session.add(row)
        uow.session.flush()
        uow.audit("register", "organisation", ocode, **values)
        return row, True
    _update(uow, existing, "organisation", ocode, values)
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


def check_directorates(uow: UnitOfWork, codes: Sequence[str]) -> list[str]:
    """Return ``codes`` upper-cased, or raise ``UnknownDirectorateError`` with suggestions."""
    known = list(uow.session.scalars(select(Directorate.code).order_by(Directorate.code)))
    by_upper = {k.upper(): k for k in known}
    out = []
    for code in codes:
        found = by_upper.get(str(code).strip().upper())
        if found is None:
            hint = closest(str(code).strip().upper(), known)
            did = f" Did you mean {', '.join(hint)}?" if hint else ""
            raise UnknownDirectorateError(
                f"Unknown directorate {code!r}.{did} Directorates: {', '.join(known)}."
            )
        out.append(found)
    return out
