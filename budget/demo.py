"""A realistic, deterministic demo ledger for M0.0 (``budget demo``).

Three fiscal years ending with the current one; 45 contribution streams across the ten
directorates; assessments in EUR, USD, CHF and GBP, split assessments (USD+EUR, USD+CHF),
peacekeeping periods from July to June, provisional twelfths then the initial budget,
an adjustment, a reallocation and a blocked credit, partial payments, overdue assessments,
exchange differences, a December commitment paid in January, a credit returned by an
organisation and an override on an AB in warn mode.

Everything is derived from the demo's "today" (default: the real today) and a fixed seed,
so two runs on the same day write the same ledger; a second run on a database that already
holds the demo changes nothing. Exchange rates are synthetic (source ``DEMO``), generated
as a random walk around realistic levels, because the demo must work offline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from budget.errors import ValidationError
from budget.ledger.models import (
    Assessment,
    AuditLog,
    BasicAllocation,
    Commitment,
    CreditMovement,
    ExchangeRate,
    ImportBatch,
    Organisation,
    Payment,
)
from budget.money import CENT
from budget.services import (
    OrganisationInput,
    commit,
    record_credit,
    record_payment,
    record_rates,
    register_allocation,
    register_assessment,
    register_organisation,
)
from budget.services.bulk import open_batch
from budget.services.fx import rate_on
from budget.uow import UnitOfWork

DEMO_USER = "demo"
MARKER = "load_demo"
BATCH_KIND = "demo"
BATCH_FILE = "budget demo"


@dataclass(frozen=True)
class DemoResult:
    loaded: bool
    message: str
    counts: dict[str, int]


# (code, label, directorate, control mode)
ALLOCATIONS = (
    ("14.54.11.35.40.01", "UN system: regular budgets and specialised agencies", "M2", "block"),
    ("14.54.11.35.40.02", "UN peacekeeping operations and tribunals", "M2", "warn"),
    ("14.54.12.35.40.01", "Security organisations (NATO, OSCE, EU bodies)", "M1", "block"),
    ("14.54.13.35.40.01", "Human rights and Council of Europe", "M3", "block"),
    ("14.54.14.35.40.01", "International governance and economic organisations", "M4", "block"),
    ("14.54.15.35.40.01", "Disarmament and non-proliferation", "M5", "block"),
    ("14.54.18.35.40.01", "Environment and climate conventions", "MD8", "block"),
    ("14.54.10.35.40.01", "Other multilateral contributions", "M0.0", "block"),
)

# code, name, body, directorate, AB suffix index, lines {currency: base amount}, kind
# kind: "cal" calendar year due 31 Jan; "late" notified in spring; "pko" July-June.
STREAMS: tuple[tuple[str, str, str, str, int, dict[str, int], str], ...] = (
    ("UN-RB", "UN regular budget", "United Nations", "M2", 0, {"USD": 24_600_000}, "cal"),
    ("UN-CMP", "UN capital and security projects", "United Nations", "M2", 0, {"USD": 1_150_000}, "late"),
    (
        "UN-IRMCT",
        "International Residual Mechanism for Criminal Tribunals",
        "United Nations",
        "M2",
        1,
        {"USD": 680_000},
        "cal",
    ),
    ("UN-PKO", "UN peacekeeping operations", "United Nations", "M2", 1, {"USD": 41_800_000}, "pko"),
    ("UNESCO", "UNESCO", "UNESCO", "M2", 0, {"USD": 1_920_000, "EUR": 1_740_000}, "cal"),
    ("FAO", "Food and Agriculture Organization", "FAO", "M2", 0, {"USD": 2_050_000, "EUR": 1_610_000}, "cal"),
    ("WHO", "World Health Organization", "WHO", "M2", 0, {"USD": 1_450_000, "CHF": 1_290_000}, "cal"),
    ("ILO", "International Labour Organization", "ILO", "M2", 0, {"CHF": 2_740_000}, "cal"),
    ("ITU", "International Telecommunication Union", "ITU", "M2", 0, {"CHF": 1_335_000}, "cal"),
    ("UPU", "Universal Postal Union", "UPU", "M2", 0, {"CHF": 505_000}, "cal"),
    ("WIPO", "World Intellectual Property Organization", "WIPO", "M2", 0, {"CHF": 232_000}, "late"),
    ("WMO", "World Meteorological Organization", "WMO", "M2", 0, {"CHF": 690_000}, "cal"),
    ("IMO", "International Maritime Organization", "IMO", "M2", 0, {"GBP": 245_000}, "cal"),
    ("ICAO", "International Civil Aviation Organization", "ICAO", "M2", 0, {"USD": 610_000}, "late"),
    ("UNIDO", "UN Industrial Development Organization", "UNIDO", "M2", 0, {"EUR": 1_210_000}, "cal"),
    ("UN-TOURISM", "UN Tourism", "UN Tourism", "M2", 0, {"EUR": 255_000}, "late"),
    ("OIF", "Organisation internationale de la Francophonie", "OIF", "M2", 0, {"EUR": 3_100_000}, "cal"),
    ("NATO-CIV", "NATO civil budget", "NATO", "M1", 2, {"EUR": 9_400_000}, "cal"),
    ("NATO-MIL", "NATO military budget", "NATO", "M1", 2, {"EUR": 21_500_000}, "cal"),
    ("NATO-NSIP", "NATO Security Investment Programme", "NATO", "M1", 2, {"EUR": 12_800_000}, "late"),
    ("OSCE", "OSCE unified budget", "OSCE", "M1", 2, {"EUR": 2_650_000}, "cal"),
    ("OSCE-MISS", "OSCE field missions", "OSCE", "M1", 2, {"EUR": 1_480_000}, "late"),
    ("EU-SATCEN", "EU Satellite Centre", "European Union", "ME6", 2, {"EUR": 720_000}, "cal"),
    ("EUISS", "EU Institute for Security Studies", "European Union", "ME6", 2, {"EUR": 265_000}, "cal"),
    ("COE", "Council of Europe ordinary budget", "Council of Europe", "M3", 3, {"EUR": 8_350_000}, "cal"),
    ("COE-PENS", "Council of Europe pension reserve fund", "Council of Europe", "M3", 3, {"EUR": 1_370_000}, "cal"),
    (
        "COE-VENICE",
        "Venice Commission (enlarged partial agreement)",
        "Council of Europe",
        "M3",
        3,
        {"EUR": 118_000},
        "late",
    ),
    ("COE-GRECO", "Group of States against Corruption", "Council of Europe", "M4", 4, {"EUR": 96_000}, "late"),
    ("OECD", "OECD Part I budget", "OECD", "M4", 4, {"EUR": 5_950_000}, "cal"),
    ("OECD-NEA", "OECD Nuclear Energy Agency", "OECD", "M4", 4, {"EUR": 355_000}, "cal"),
    ("FATF", "Financial Action Task Force", "OECD", "M7", 4, {"EUR": 171_000}, "late"),
    ("ICC", "International Criminal Court", "ICC", "M4", 4, {"EUR": 4_480_000}, "cal"),
    ("PCA", "Permanent Court of Arbitration", "PCA", "M4", 4, {"EUR": 64_000}, "late"),
    ("HCCH", "Hague Conference on Private International Law", "HCCH", "M4", 4, {"EUR": 151_000}, "cal"),
    ("WTO", "World Trade Organization", "WTO", "M4", 4, {"CHF": 1_880_000}, "cal"),
    ("UNODC-TPB", "UNODC Terrorism Prevention Branch", "United Nations", "M7", 7, {"USD": 210_000}, "late"),
    ("IOM", "International Organization for Migration", "IOM", "M0.1", 7, {"CHF": 1_020_000}, "cal"),
    ("OECD-DEV", "OECD Development Centre", "OECD", "M0.1", 7, {"EUR": 112_000}, "late"),
    ("UNSSC", "UN System Staff College", "United Nations", "M0.0", 7, {"USD": 58_000}, "late"),
    ("OPCW", "Organisation for the Prohibition of Chemical Weapons", "OPCW", "M5", 5, {"EUR": 740_000}, "cal"),
    ("CTBTO", "CTBTO Preparatory Commission", "CTBTO", "M5", 5, {"USD": 760_000, "EUR": 640_000}, "cal"),
    ("IAEA", "International Atomic Energy Agency", "IAEA", "M5", 5, {"EUR": 3_150_000, "USD": 290_000}, "cal"),
    ("BWC", "Biological Weapons Convention", "United Nations", "M5", 5, {"USD": 39_000}, "late"),
    ("ATT", "Arms Trade Treaty", "ATT", "M5", 5, {"USD": 31_000}, "late"),
    ("UNFCCC", "UN Framework Convention on Climate Change", "UNFCCC", "MD8", 6, {"EUR": 465_000}, "cal"),
    ("CITES", "CITES", "UNEP", "MD8", 6, {"USD": 86_000}, "late"),
    ("IPCC", "Intergovernmental Panel on Climate Change", "WMO", "MD8", 6, {"CHF": 120_000}, "late"),
    ("CBD", "Convention on Biological Diversity", "UNEP", "MD8", 6, {"USD": 149_000}, "cal"),
    ("UNCCD", "Convention to Combat Desertification", "UNCCD", "MD8", 6, {"EUR": 91_000}, "late"),
)

#: Streams left in arrears (never paid) for the year ``today.year - offset``.
ARREARS = {("UN-CMP", 2), ("ICAO", 1), ("UN-RB", 0), ("BWC", 0), ("IMO", 0), ("CITES", 0), ("UNCCD", 0)}
#: Streams paid in two instalments (the second one after the first year's notice).
INSTALMENTS = {"UN-RB", "UN-PKO", "NATO-MIL", "COE", "WHO", "UNESCO", "IAEA"}
#: Streams not yet assessed in the current year.
NOT_YET_ASSESSED = {"UN-TOURISM", "ATT"}

# Rough levels of the ECB reference rates (units per EUR), for the synthetic walk.
RATE_LEVELS = {"USD": 10_850, "CHF": 9_500, "GBP": 8_450}  # in 1/10,000


def _synthetic_rates(start: dt.date, end: dt.date, seed: int) -> list[tuple[str, dt.date, Decimal]]:
    """Business-day rates as a bounded random walk, in integer ten-thousandths (exact)."""
    rng = random.Random(seed)
    out = []
    for currency, level in RATE_LEVELS.items():
        value = level
        day = start
        while day <= end:
            if day.weekday() < 5:
                value += rng.randint(-35, 35) + (level - value) // 40
                out.append((currency, day, Decimal(value).scaleb(-4)))
            day += dt.timedelta(days=1)
    return out


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _weekday_before(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _amount(base: int, year: int, code: str, currency: str) -> Decimal:
    """A deterministic, slightly growing assessment (cents included)."""
    rng = random.Random(f"{code}-{currency}-{year}")
    growth = Decimal(1000 + (year - 2020) * 18 + rng.randint(-12, 12)) / 1000
    return (Decimal(base) * growth + Decimal(rng.randint(0, 99_99)) / 100).quantize(CENT)


def already_loaded(session: Session) -> bool:
    return session.scalar(select(AuditLog.id).where(AuditLog.action == MARKER).limit(1)) is not None


def load_demo(factory: sessionmaker[Session], today: dt.date | None = None) -> DemoResult:
    """Load the demo ledger in one transaction, as one import batch; a second run changes nothing.

    The demo's fictitious organisations must never mix with real ones: a ledger that holds
    anything but the demo is refused. The entries and rates are recorded as one import batch,
    so ``budget import undo BATCH`` reverses them (the budget lines and organisations, which
    the reversed entries still name, stay, as after any undone import).

    Raises:
        ValidationError: the ledger holds data that is not the demo, or the demo was undone.
    """
    today = today or dt.date.today()
    with UnitOfWork(factory, user=DEMO_USER, channel="demo") as uow:
        batch = demo_batch(uow.session)
        if batch is not None:
            if uow.session.scalar(select(ImportBatch.id).where(ImportBatch.undoes_batch_id == batch)) is not None:
                raise ValidationError(
                    f"The demo (import batch {batch}) was undone in this ledger: load it into a new "
                    "database (make demo uses var/demo.db)."
                )
            return DemoResult(False, f"The demo is already loaded (import batch {batch}): nothing changed.", {})
        if already_loaded(uow.session):
            return DemoResult(False, "The demo is already loaded: nothing changed.", {})
        held = _held(uow.session)
        if held:
            raise ValidationError(
                f"This ledger already holds {', '.join(held)}: the demo's fictitious organisations "
                "would mix with them. Load the demo into its own database (make demo uses var/demo.db, "
                "or give budget --db sqlite:///var/demo.db demo)."
            )
        counts = _load(uow, today)
        uow.audit(MARKER, "demo", uow.batch_id, today=today.isoformat(), **counts)
        uow.commit()
        batch = uow.batch_id
    summary = ", ".join(f"{v} {k}" for k, v in counts.items())
    return DemoResult(
        True,
        f"Demo loaded for {today.year - 2}-{today.year} (today {today}) as import batch {batch}: {summary}. "
        f"`budget import undo {batch}` reverses it.",
        counts,
    )


_HELD = (
    ("budget lines", BasicAllocation), ("organisations", Organisation), ("exchange rates", ExchangeRate),
    ("credits", CreditMovement), ("assessments", Assessment), ("commitments", Commitment),
    ("payments", Payment),
)


def _held(session: Session) -> list[str]:
    """What the ledger already holds, by kind (``['3 organisations', ...]``); empty when nothing."""
    held = []
    for label, model in _HELD:
        n = int(session.scalar(select(func.count()).select_from(model)) or 0)
        if n:
            held.append(f"{n} {label}")
    return held


def demo_batch(session: Session) -> int | None:
    """The import batch the demo was recorded as, if it was loaded that way."""
    return session.scalar(
        select(ImportBatch.id).where(ImportBatch.kind == BATCH_KIND).order_by(ImportBatch.id).limit(1))


def _load(uow: UnitOfWork, today: dt.date) -> dict[str, int]:
    years = [today.year - 2, today.year - 1, today.year]
    counts = {"rates": 0, "organisations": 0, "assessments": 0, "commitments": 0, "payments": 0}
    # Budget lines and organisations first, outside the batch: the reversed entries keep
    # naming them, so an undo could not remove them (it would refuse the whole undo).
    for code, label, directorate, mode in ALLOCATIONS:
        register_allocation(uow, code, label, directorate, mode)
    for code, name, body, directorate, ab, lines, _ in STREAMS:
        currency = next(iter(lines)) if len(lines) == 1 else "USD" if "USD" in lines else "EUR"
        register_organisation(uow, OrganisationInput(code, name, directorate, currency, ALLOCATIONS[ab][0], body))
        counts["organisations"] += 1
    open_batch(uow, BATCH_KIND, BATCH_FILE, hashlib.sha256(f"demo {today.isoformat()}".encode()).hexdigest(),
               note=f"budget demo --today {today.isoformat()}")
    counts["rates"] = record_rates(uow, _synthetic_rates(dt.date(years[0] - 1, 12, 1), today, seed=2003), source="DEMO")

    for year in years:
        _credits(uow, year, today)
    # A reallocation between two ABs in the previous year.
    last = today.year - 1
    record_credit(
        uow,
        ALLOCATIONS[6][0],
        last,
        "commitment",
        Decimal(-45_000),
        "reallocation",
        entry_date=dt.date(last, 9, 30),
        reference="REALLOC-1",
        note="to disarmament",
    )
    record_credit(
        uow,
        ALLOCATIONS[5][0],
        last,
        "commitment",
        Decimal(45_000),
        "reallocation",
        entry_date=dt.date(last, 9, 30),
        reference="REALLOC-1",
        note="from environment",
    )
    for year in years:
        offset = today.year - year
        for stream in STREAMS:
            _stream_year(uow, stream, year, offset, today, counts)
    _credit_returned(uow, today)
    _december_commitment(uow, today, counts)
    return counts


def _credits(uow: UnitOfWork, year: int, today: dt.date) -> None:
    """Credits per AB: sized on the year's assessments, with the stages of a real year."""
    needs: dict[int, Decimal] = {}
    for _code, _n, _b, _d, ab, lines, _k in STREAMS:
        for currency, base in lines.items():
            eur = _amount(base, year, _code, currency) / Decimal(
                {"EUR": "1", "USD": "1.085", "CHF": "0.95", "GBP": "0.845"}[currency]
            )
            needs[ab] = needs.get(ab, Decimal(0)) + eur
    for index, (ab_code, *_rest) in enumerate(ALLOCATIONS):
        need = needs.get(index, Decimal(0))
        commitment = (need * Decimal("1.06") / 1000).quantize(Decimal(1)) * 1000
        payment = (need * Decimal("1.03") / 1000).quantize(Decimal(1)) * 1000
        jan = dt.date(year, 1, 2)
        if year == today.year:
            # The budget law came late: provisional twelfths (4/12) first, then the rest.
            third = (commitment / 3).quantize(CENT)
            record_credit(
                uow,
                ab_code,
                year,
                "commitment",
                third,
                "provisional",
                entry_date=jan,
                note="provisional twelfths, January-April",
            )
            record_credit(uow, ab_code, year, "payment", (payment / 3).quantize(CENT), "provisional", entry_date=jan)
            record_credit(
                uow,
                ab_code,
                year,
                "commitment",
                commitment - third,
                "initial",
                entry_date=dt.date(year, 3, 28),
                note="budget law voted",
            )
            record_credit(
                uow,
                ab_code,
                year,
                "payment",
                payment - (payment / 3).quantize(CENT),
                "initial",
                entry_date=dt.date(year, 3, 28),
            )
        else:
            record_credit(uow, ab_code, year, "commitment", commitment, "initial", entry_date=jan)
            record_credit(uow, ab_code, year, "payment", payment, "initial", entry_date=jan)
        if index == 0:
            record_credit(
                uow,
                ab_code,
                year,
                "commitment",
                Decimal(1_500_000),
                "adjustment",
                entry_date=dt.date(year, 6, 20),
                note="budget adjustment (ajustement)",
            )
            record_credit(
                uow, ab_code, year, "payment", Decimal(1_500_000), "adjustment", entry_date=dt.date(year, 6, 20)
            )
        if index == 4:
            record_credit(
                uow,
                ab_code,
                year,
                "commitment",
                Decimal(250_000),
                "blocked",
                entry_date=dt.date(year, 5, 15),
                note="administrative blocking by the Budget",
            )


def _stream_year(
    uow: UnitOfWork, stream: tuple, year: int, offset: int, today: dt.date, counts: dict[str, int]
) -> None:
    code, _name, _body, _dir, _ab, lines, kind = stream
    rng = random.Random(f"{code}-{year}")
    if offset == 0 and code in NOT_YET_ASSESSED:
        return
    start, end, notice = _call_dates(code, kind, year, offset, today, rng)
    if notice > today:
        return
    due = notice + dt.timedelta(days=30) if kind != "cal" else dt.date(year, 1, 31)
    reference = f"{code}/{year}/{'PK' if kind == 'pko' else 'AS'}-{rng.randint(100, 999)}"
    amounts = [(cur, _amount(base, year, code, cur)) for cur, base in lines.items()]
    register_assessment(
        uow,
        code,
        reference,
        amounts,
        period_start=start,
        period_end=end,
        due_date=due,
        fiscal_year=year,
        received=notice,
    )
    counts["assessments"] += 1
    commit_day = _weekday(max(notice + dt.timedelta(days=rng.randint(4, 15)), dt.date(year, 1, 2)))
    if commit_day > today:
        return
    for i, (cur, amount) in enumerate(amounts):
        cref = f"ENG-{year}-{code}-{cur}"
        commit(
            uow,
            cref,
            code,
            entry_date=commit_day,
            currency=cur,
            amount=amount,
            assessment_reference=reference,
            fiscal_year=year,
            override_reason=None,
        )
        counts["commitments"] += 1
        if (code, offset) in ARREARS:
            continue
        first = _weekday(commit_day + dt.timedelta(days=rng.randint(10, 40) + 7 * i))
        if offset == 0 and code in {"WHO", "UNESCO"}:
            first = _weekday(due + dt.timedelta(days=rng.randint(40, 80)))  # paid late
        if first > today:
            continue
        if code in INSTALMENTS:
            _pay_instalments(uow, (code, year, offset, cur), cref, amount, first, today, rng, counts)
        else:
            record_payment(uow, f"PAY-{year}-{code}-{cur}", cref, entry_date=first, amount=amount)
            counts["payments"] += 1


def _call_dates(
    code: str, kind: str, year: int, offset: int, today: dt.date, rng: random.Random
) -> tuple[dt.date, dt.date, dt.date]:
    """The period a stream's call covers and the day it was received."""
    if kind == "pko":
        start, end = dt.date(year, 7, 1), dt.date(year + 1, 6, 30)
        notice = dt.date(year, 7, 1) + dt.timedelta(days=rng.randint(5, 25))
    elif kind == "late":
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        notice = dt.date(year, 3, 1) + dt.timedelta(days=rng.randint(0, 120))
    else:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        notice = dt.date(year - 1, 12, 1) + dt.timedelta(days=rng.randint(0, 20))
    if offset == 0 and code in {"OSCE-MISS", "COE-GRECO", "PCA"}:
        notice = today - dt.timedelta(days=10 + rng.randint(0, 8))  # arrived recently: not yet due
    if offset == 0 and code in {"CITES", "UNCCD"}:
        notice = today - dt.timedelta(days=45 if code == "CITES" else 80)  # recently overdue
    return start, end, notice


def _pay_instalments(
    uow: UnitOfWork, line: tuple[str, int, int, str], cref: str, amount: Decimal, first: dt.date,
    today: dt.date, rng: random.Random, counts: dict[str, int],
) -> None:
    """A commitment paid in two instalments (``line``: code, year, offset, currency)."""
    code, year, offset, cur = line
    part = (amount * Decimal(rng.randint(45, 60)) / 100).quantize(CENT)
    record_payment(uow, f"PAY-{year}-{code}-{cur}-1", cref, entry_date=first, amount=part)
    counts["payments"] += 1
    second = _weekday(first + dt.timedelta(days=rng.randint(90, 160)))
    if offset == 0 and code in {"UN-PKO", "COE"}:
        # This year's second instalments are being paid in parts, last month and this
        # month, so the monthly report has payments of the month to show.
        weeks = 2 if code == "UN-PKO" else 5
        second = _weekday_before(today - dt.timedelta(weeks=weeks))
        if second > first:
            share = ((amount - part) * Decimal(rng.randint(25, 40)) / 100).quantize(CENT)
            record_payment(uow, f"PAY-{year}-{code}-{cur}-2", cref, entry_date=second, amount=share)
            counts["payments"] += 1
    elif second <= today:
        record_payment(uow, f"PAY-{year}-{code}-{cur}-2", cref, entry_date=second, amount=amount - part)
        counts["payments"] += 1


def _credit_returned(uow: UnitOfWork, today: dt.date) -> None:
    """UN peacekeeping returns credits of closed missions (a negative assessment)."""
    year = today.year
    day = dt.date(year, 5, 12) if today >= dt.date(year, 5, 12) else today
    register_assessment(
        uow,
        "UN-PKO",
        f"UN-PKO/{year}/CR-CLOSED-MISSIONS",
        [("USD", Decimal("-318452.17"))],
        period_start=dt.date(year - 1, 7, 1),
        period_end=dt.date(year, 6, 30),
        due_date=day,
        fiscal_year=year,
        received=day,
        note="credits returned from closed peacekeeping missions",
    )


def _december_commitment(uow: UnitOfWork, today: dt.date, counts: dict[str, int]) -> None:
    """A supplementary assessment committed in December and paid the next January.

    It uses last year's commitment credits and this year's payment credits, the two clocks
    of DOMAIN.md. On the warn-mode AB it goes beyond the available credits, which is
    recorded as an override.
    """
    last = today.year - 1
    notice = dt.date(last, 12, 4)
    ref = f"UN-PKO/{last}/SUPP-UNIFIL"
    register_assessment(
        uow,
        "UN-PKO",
        ref,
        [("USD", Decimal("2450000.00"))],
        period_start=dt.date(last, 7, 1),
        period_end=dt.date(last + 1, 6, 30),
        due_date=dt.date(last + 1, 1, 3),
        fiscal_year=last,
        received=notice,
    )
    quote = rate_on(uow, "USD", dt.date(last, 12, 10))
    commit(
        uow,
        f"ENG-{last}-UN-PKO-SUPP",
        "UN-PKO",
        entry_date=dt.date(last, 12, 10),
        currency="USD",
        amount=Decimal("2450000.00"),
        rate_used=quote.rate,
        assessment_reference=ref,
        fiscal_year=last,
        override_reason="supplementary UNIFIL assessment, adjustment requested from the Budget",
    )
    counts["commitments"] += 1
    pay_day = _weekday(dt.date(last + 1, 1, 14))
    if pay_day <= today:
        record_payment(
            uow,
            f"PAY-{last + 1}-UN-PKO-SUPP",
            f"ENG-{last}-UN-PKO-SUPP",
            entry_date=pay_day,
            amount=Decimal("2450000.00"),
        )
        counts["payments"] += 1
