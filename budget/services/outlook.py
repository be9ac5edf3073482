"""The year-end outlook: where the year lands on 31 December, from the ledger alone.

As of a day of fiscal year Y, every part still to come is listed with its basis:

- payments expected on open commitments (:func:`views.open_commitments`): on the due date of
  the linked assessment plus the organisation's median payment delay over its last three
  years (:func:`timeliness.median_delays`; none: the due date), not before the day after the
  as-of day (the figures to date hold every entry dated on it);
- commitments expected on assessment lines not (fully) committed: what is outstanding on the
  line (:func:`views.outstanding`) less what its open commitments still hold, committed on
  the next day on the organisation's AB and paid as above;
- calls expected but not yet received: an organisation assessed for Y-1 and not yet for Y, at
  last year's amounts in their currencies, received and due a year after last year's call
  (estimated);
- foreign currencies at the rate of the as-of day (:func:`fx.rate_on`) or at rates given,
  with a +/- sensitivity on the rate.

Actual figures to date are :func:`views.execution`'s (``committed`` against commitment
credits, ``paid_in_year`` against payment credits); projected = actual + expected. A positive
balance lapses on 31 December (no carry-over), a negative one is a shortfall.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from budget import bounds
from budget.errors import ValidationError
from budget.money import ZERO, json_amount, ratio, to_eur
from budget.services import fx, timeliness, views
from budget.services.exchange import moved_rate
from budget.uow import UnitOfWork

DEFAULT_SENSITIVITY = Decimal("0.05")
DIMENSIONS = ("ab", "directorate", "organisation")
NO_AB = "-"


@dataclass(frozen=True)
class Basis:
    """Why a part is expected when it is: the facts its sentence (:func:`describe`) is made of."""

    source: str  # "open_commitment" | "uncommitted" | "expected_call"
    due: dt.date | None = None  # a payment: the due date its day counts from
    delay: int | None = None  # the organisation's median delay in days (None: no payment history)
    moved: bool = False  # due + delay is past: expected from the day after the as-of day
    linked: bool = True  # an open commitment linked to an assessment
    year: int | None = None  # an uncommitted line: the fiscal year assessed
    call: str | None = None  # an expected call: last year's reference,
    received: dt.date | None = None  # its receipt,
    late: bool = False  # and a year after that receipt is already past


@dataclass(frozen=True)
class Part:
    """One amount still to come: a payment or a commitment, on an expected day, with its basis."""

    kind: str  # "payment" | "commitment"
    source: str  # "open_commitment" | "uncommitted" | "expected_call"
    organisation: str
    directorate: str
    ab: str
    reference: str
    currency: str
    amount: Decimal
    eur: Decimal
    eur_weak: Decimal  # the euro weaker by the sensitivity: more EUR
    eur_strong: Decimal
    day: dt.date
    why: Basis
    estimated: bool = False

    @property
    def basis(self) -> str:
        """The basis in English (:func:`describe` gives it in French or Dutch)."""
        return describe(self)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source, "organisation": self.organisation,
                "directorate": self.directorate, "ab": self.ab, "reference": self.reference,
                "currency": self.currency, "amount": json_amount(self.amount), "eur": json_amount(self.eur),
                "eur_weak_euro": json_amount(self.eur_weak), "eur_strong_euro": json_amount(self.eur_strong),
                "day": self.day.isoformat(), "basis": self.basis, "estimated": self.estimated}


#: The sentences of a part's basis, (English, French, Dutch); ``{pay}`` is the payment day's.
_BASIS: dict[str, tuple[str, str, str]] = {
    "delay": ("due {due} + median delay {delay} days", "échéance le {due} + délai médian de {delay} jours",
              "vervaldag {due} + mediane vertraging van {delay} dagen"),
    "early": ("due {due} − {days} days (median: paid early)",
              "échéance le {due} − {days} jours (médiane : payé en avance)",
              "vervaldag {due} − {days} dagen (mediaan: vroeg betaald)"),
    "no_history": ("due {due} (no payment history)", "échéance le {due} (aucun historique de paiement)",
                   "vervaldag {due} (geen betalingsgeschiedenis)"),
    "moved": ("{pay}: already past, expected from the next day", "{pay} : date dépassée, attendu dès le lendemain",
              "{pay}: datum verstreken, verwacht vanaf de volgende dag"),
    "open_commitment": ("open commitment; {pay}", "engagement ouvert ; {pay}", "openstaande vastlegging; {pay}"),
    "open_unlinked": ("open commitment without assessment; {pay}", "engagement ouvert sans appel ; {pay}",
                      "openstaande vastlegging zonder oproep; {pay}"),
    "uncommitted_commitment": ("assessed {year}, not committed: committed from the next day",
                               "appelé en {year}, non engagé : engagé dès le lendemain",
                               "opgevraagd in {year}, niet vastgelegd: vastgelegd vanaf de volgende dag"),
    "uncommitted_payment": ("assessed, not committed; {pay}", "appelé, non engagé ; {pay}",
                            "opgevraagd, niet vastgelegd; {pay}"),
    "call": ("expected call (last year's {call}, received {received})",
             "appel attendu (celui de l'an dernier : {call}, reçu le {received})",
             "verwachte oproep (die van vorig jaar: {call}, ontvangen op {received})"),
    "call_late": ("expected call (last year's {call}, received {received}), late",
                  "appel attendu (celui de l'an dernier : {call}, reçu le {received}), en retard",
                  "verwachte oproep (die van vorig jaar: {call}, ontvangen op {received}), te laat"),
    "call_commitment": ("{call}: committed on receipt", "{call} : engagé à réception",
                        "{call}: vastgelegd bij ontvangst"),
    "call_payment": ("{call}; {pay}", "{call} ; {pay}", "{call}; {pay}"),
}
LANGUAGES = ("en", "fr", "nl")


def describe(part: Part, lang: str = "en", day: Callable[[dt.date], str] = dt.date.isoformat) -> str:
    """The basis of ``part`` as a sentence in ``lang`` (en, fr, nl), its dates written by ``day``
    (default ISO)."""
    if lang not in LANGUAGES:
        raise ValidationError(f"The basis is written in {', '.join(LANGUAGES)}, not {lang!r}.")
    at, why = LANGUAGES.index(lang), part.why

    def say(key: str, **values: object) -> str:
        return _BASIS[key][at].format(**values)

    pay = ""
    if part.kind == "payment" and why.due is not None:
        if why.delay is None:
            pay = say("no_history", due=day(why.due))
        else:
            pay = say("delay", due=day(why.due), delay=why.delay) if why.delay >= 0 else say(
                "early", due=day(why.due), days=-why.delay)
        pay = say("moved", pay=pay) if why.moved else pay
    if why.source == "open_commitment":
        return say("open_commitment" if why.linked else "open_unlinked", pay=pay)
    if why.source == "uncommitted":
        return say(f"uncommitted_{part.kind}", year=why.year, pay=pay)
    call = say("call_late" if why.late else "call", call=why.call, received=day(why.received or part.day))
    return say(f"call_{part.kind}", call=call, pay=pay)


@dataclass(frozen=True)
class RateUsed:
    currency: str
    rate: Decimal
    source: str  # "given" or "ECB 2026-09-30"


LAPSE, SHORTFALL = "lapse", "shortfall"


def year_end(balance: Decimal | None) -> str | None:
    """What a balance of credits on 31 December means: :data:`LAPSE` (credits left over,
    zero included) or :data:`SHORTFALL` (below zero: more projected than credited); None
    where the AB has no credits of that kind."""
    if balance is None:
        return None
    return LAPSE if balance >= 0 else SHORTFALL


@dataclass(frozen=True)
class OutlookRow:
    """An AB, directorate or organisation on 31 December: actual + expected vs credits."""

    key: str
    commitment_credits: Decimal | None
    payment_credits: Decimal | None
    committed: Decimal
    expected_commitments: Decimal
    paid_in_year: Decimal
    expected_payments: Decimal
    expected_payments_weak: Decimal
    expected_payments_strong: Decimal

    @property
    def projected_committed(self) -> Decimal:
        return self.committed + self.expected_commitments

    @property
    def projected_paid(self) -> Decimal:
        return self.paid_in_year + self.expected_payments

    @property
    def commitment_balance(self) -> Decimal | None:
        """Commitment credits less projected commitments: + lapses, - is a shortfall."""
        return None if self.commitment_credits is None else self.commitment_credits - self.projected_committed

    @property
    def payment_balance(self) -> Decimal | None:
        return None if self.payment_credits is None else self.payment_credits - self.projected_paid

    def balance(self, kind: str) -> Decimal | None:
        """:attr:`commitment_balance` or :attr:`payment_balance` (``kind``: "commitment" or "payment")."""
        return {"commitment": self.commitment_balance, "payment": self.payment_balance}[kind]

    def to_json(self) -> dict[str, Any]:
        def amount(v: Decimal | None) -> str | None:
            return None if v is None else json_amount(v)

        return {"key": self.key, "commitment_credits": amount(self.commitment_credits),
                "committed": amount(self.committed), "expected_commitments": amount(self.expected_commitments),
                "projected_committed": amount(self.projected_committed),
                "commitment_balance": amount(self.commitment_balance),
                "payment_credits": amount(self.payment_credits), "paid_in_year": amount(self.paid_in_year),
                "expected_payments": amount(self.expected_payments),
                "expected_payments_weak_euro": amount(self.expected_payments_weak),
                "expected_payments_strong_euro": amount(self.expected_payments_strong),
                "projected_paid": amount(self.projected_paid), "payment_balance": amount(self.payment_balance)}


def shortfalls(rows: Sequence[OutlookRow], kind: str) -> list[tuple[str, Decimal]]:
    """The ABs heading for a :data:`SHORTFALL` of ``kind`` credits ("commitment" or
    "payment") on 31 December, with the EUR short, largest first."""
    short = [(r.key, -b) for r in rows if year_end(b := r.balance(kind)) == SHORTFALL and b is not None]
    return sorted(short, key=lambda x: (-x[1], x[0]))


def lapses(rows: Sequence[OutlookRow], kind: str) -> list[tuple[str, Decimal]]:
    """The ABs whose ``kind`` credits are projected to be left over on 31 December (a
    :data:`LAPSE` of more than nothing), with the EUR that lapses, largest first."""
    left = [(r.key, b) for r in rows if year_end(b := r.balance(kind)) == LAPSE and b is not None and b > 0]
    return sorted(left, key=lambda x: (-x[1], x[0]))


@dataclass(frozen=True)
class MonthPlan:
    """A month of the cash plan: actual and expected payments and commitments, cumulated."""

    month: int
    paid: Decimal
    expected_payments: Decimal
    cumulative_paid: Decimal
    committed: Decimal
    expected_commitments: Decimal
    cumulative_committed: Decimal

    def to_json(self) -> dict[str, Any]:
        return {"month": self.month, **{k: json_amount(getattr(self, k)) for k in (
            "paid", "expected_payments", "cumulative_paid", "committed", "expected_commitments",
            "cumulative_committed")}}


@dataclass(frozen=True)
class CreditNeed:
    """An open foreign-currency call: the EUR it needs at the rate used against what is committed."""

    organisation: str
    reference: str
    source: str
    currency: str
    open: Decimal
    committed_eur: Decimal
    rate: Decimal
    needed_eur: Decimal
    estimated: bool

    @property
    def adjustment(self) -> Decimal:
        """To propose: + increase (or commit), - release."""
        return self.needed_eur - self.committed_eur

    def to_json(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "reference": self.reference, "source": self.source,
                "currency": self.currency, "open": json_amount(self.open),
                "committed_eur": json_amount(self.committed_eur), "rate": str(self.rate),
                "needed_eur": json_amount(self.needed_eur), "adjustment": json_amount(self.adjustment),
                "estimated": self.estimated}


@dataclass(frozen=True)
class Outlook:
    year: int
    as_of: dt.date
    by: str
    sensitivity: Decimal
    rates: list[RateUsed]
    rows: list[OutlookRow]
    total: OutlookRow
    parts: list[Part]
    cash_plan: list[MonthPlan]
    credit_needs: list[CreditNeed]
    delays: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"year": self.year, "as_of": self.as_of.isoformat(), "by": self.by,
                "sensitivity": str(self.sensitivity),
                "rates": [{"currency": r.currency, "rate": str(r.rate), "source": r.source} for r in self.rates],
                "rows": [r.to_json() for r in self.rows], "total": self.total.to_json(),
                "cash_plan": [m.to_json() for m in self.cash_plan],
                "credit_needs": [n.to_json() for n in self.credit_needs],
                "median_delays": dict(sorted(self.delays.items())),
                "parts": [p.to_json() for p in self.parts]}


# --------------------------------------------------------------------------- helpers


def _next_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


class _Rates:
    """The rate of each currency: given, or the ECB rate of the as-of day (read once)."""

    def __init__(self, uow: UnitOfWork, as_of: dt.date, given: Mapping[str, Decimal], sensitivity: Decimal):
        self.uow, self.as_of, self.sensitivity = uow, as_of, sensitivity
        self.limit = bounds.max_amount()  # read once: three conversions per part
        self.used: dict[str, RateUsed] = {
            c: RateUsed(c, fx.plausible_rate(uow, c, r, as_of), "given") for c, r in given.items() if c != "EUR"}

    def rate(self, currency: str) -> Decimal:
        if currency not in self.used:
            quote = fx.rate_on(self.uow, currency, self.as_of)
            self.used[currency] = RateUsed(currency, quote.rate, f"ECB {quote.published.isoformat()}")
        return self.used[currency].rate

    def at_rate(self, amount: Decimal, currency: str) -> Decimal:
        """EUR at the rate."""
        if currency == "EUR":
            return amount
        return to_eur(amount, currency, self.rate(currency), limit=self.limit)

    def eur(self, amount: Decimal, currency: str) -> tuple[Decimal, Decimal, Decimal]:
        """EUR at the rate, with the euro weaker and stronger by the sensitivity."""
        if currency == "EUR":
            return amount, amount, amount
        r, limit = self.rate(currency), self.limit
        return (self.at_rate(amount, currency),
                to_eur(amount, currency, moved_rate(r, -self.sensitivity), limit=limit),
                to_eur(amount, currency, moved_rate(r, self.sensitivity), limit=limit))


@dataclass
class _Builder:
    uow: UnitOfWork
    year: int
    as_of: dt.date
    rates: _Rates
    delays: dict[str, int]
    orgs: dict[str, views.OrganisationInfo]
    parts: list[Part] = field(default_factory=list)
    commitments: list[views.OpenCommitment] = field(default_factory=list)

    def pay_day(self, organisation: str, due: dt.date, why: Basis) -> tuple[dt.date, Basis]:
        """The day a payment due on ``due`` is expected, and ``why`` with the facts of that day."""
        delay = self.delays.get(organisation)
        day = due + dt.timedelta(days=delay or 0)
        moved = day < self.next_day
        return (self.next_day if moved else day), replace(why, due=due, delay=delay, moved=moved)

    @property
    def next_day(self) -> dt.date:
        """The first day not yet in the figures: nothing still to come is dated before it."""
        return self.as_of + dt.timedelta(days=1)

    def add(self, kind: str, org: str, ab: str, ref: str, cur: str, amount: Decimal, day: dt.date,
            why: Basis, estimated: bool = False) -> None:
        eur, weak, strong = self.rates.eur(amount, cur)
        directorate = self.orgs[org].directorate if org in self.orgs else ""
        self.parts.append(Part(kind, why.source, org, directorate, ab, ref, cur, amount, eur, weak, strong, day,
                               why, estimated))

    def org_ab(self, org: str) -> str:
        info = self.orgs.get(org)
        return (info.ab if info else None) or NO_AB


def _open_commitment_parts(b: _Builder, directorates: Sequence[str] | None) -> dict[tuple[str, str, str], Decimal]:
    """Payments expected on open commitments; returns what they hold per (org, assessment, currency)."""
    held: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: ZERO)
    b.commitments = views.open_commitments(b.uow, as_of=b.as_of, directorates=directorates)
    for c in sorted(b.commitments, key=lambda c: c.reference):
        if c.open <= 0:
            continue
        aref, due = c.assessment_reference, c.due_date or c.entry_date
        if aref is not None:
            held[(c.organisation, aref, c.currency)] += c.open
        day, why = b.pay_day(c.organisation, due, Basis("open_commitment", linked=aref is not None))
        b.add("payment", c.organisation, c.ab, c.reference, c.currency, c.open, day, why)
    return held


def _uncommitted_parts(b: _Builder, held: Mapping[tuple[str, str, str], Decimal],
                       directorates: Sequence[str] | None) -> None:
    """Commitments (now) and payments expected on assessment lines not (fully) committed."""
    for line in views.outstanding(b.uow, b.as_of, directorates=directorates):
        if line.fiscal_year > b.year:
            continue
        left = line.outstanding - held.get((line.organisation, line.reference, line.currency), ZERO)
        if left <= 0:
            continue
        ab = b.org_ab(line.organisation)
        assessed = Basis("uncommitted", year=line.fiscal_year)
        b.add("commitment", line.organisation, ab, line.reference, line.currency, left, b.next_day, assessed)
        day, why = b.pay_day(line.organisation, line.due_date, assessed)
        b.add("payment", line.organisation, ab, line.reference, line.currency, left, day, why)


def _expected_call_parts(b: _Builder, directorates: Sequence[str] | None) -> None:
    """Calls of Y-1 not yet repeated in Y: last year's amounts, a year later (estimated)."""
    year_end = dt.date(b.year, 12, 31)
    for r in timeliness.calls(b.uow, [b.year - 1], as_of=b.as_of, directorates=directorates,
                              not_assessed_in=b.year):
        received = max(_next_year(r.received), b.next_day)
        if received > year_end:
            continue  # an invoice not in hand by 31 December is not the year's
        late = _next_year(r.received) <= b.as_of
        ab = b.org_ab(r.organisation)
        due = max(_next_year(r.due_date), received)
        call = Basis("expected_call", call=r.reference, received=r.received, late=late)
        for cur, amount in r.lines.items():
            if amount <= 0:
                continue
            b.add("commitment", r.organisation, ab, r.reference, cur, amount, received, call, estimated=True)
            day, why = b.pay_day(r.organisation, due, call)
            b.add("payment", r.organisation, ab, r.reference, cur, amount, day, why, estimated=True)


def _credit_needs(b: _Builder) -> list[CreditNeed]:
    out = []
    for c in b.commitments:
        if c.currency != "EUR" and c.open > 0:
            out.append(CreditNeed(c.organisation, c.reference, "open_commitment", c.currency, c.open,
                                  c.open_eur_booked, b.rates.rate(c.currency), b.rates.at_rate(c.open, c.currency),
                                  False))
    for p in b.parts:
        if p.kind == "commitment" and p.currency != "EUR":
            out.append(CreditNeed(p.organisation, p.reference, p.source, p.currency, p.amount, ZERO,
                                  b.rates.rate(p.currency), p.eur, p.estimated))
    out.sort(key=lambda n: (-abs(n.adjustment), n.organisation, n.reference))
    return out


def _key(part: Part, by: str) -> str:
    return {"ab": part.ab, "directorate": part.directorate, "organisation": part.organisation}[by]


def _rows(uow: UnitOfWork, year: int, as_of: dt.date, by: str, parts: Sequence[Part],
          directorates: Sequence[str] | None) -> list[OutlookRow]:
    """Actual (``views.execution``) plus the expected parts of the year, per key."""
    ex = views.execution(uow, year, by, as_of=as_of, directorates=directorates)
    actual = {r.key: r for r in ex.rows}
    credits: dict[str, tuple[Decimal, Decimal]] = {}
    if by in ("ab", "directorate"):
        owner = {a.code: a.directorate or NO_AB for a in views.allocations(uow)}
        per_ab = ex if by == "ab" else views.execution(uow, year, "ab", as_of=as_of, directorates=directorates)
        for r in per_ab.rows:
            k = r.key if by == "ab" else owner.get(r.key, NO_AB)
            com, pay = credits.get(k, (ZERO, ZERO))
            credits[k] = (com + (r.commitment_credits or ZERO), pay + (r.payment_credits or ZERO))
    sums: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO])
    year_end = dt.date(year, 12, 31)
    for p in parts:
        if p.day > year_end:
            continue
        s = sums[_key(p, by)]
        if p.kind == "commitment":
            s[0] += p.eur
        else:
            s[1] += p.eur
            s[2] += p.eur_weak
            s[3] += p.eur_strong
    out = []
    for k in sorted(set(actual) | set(sums) | set(credits)):
        a, s = actual.get(k), sums.get(k, [ZERO] * 4)
        cc, pc = credits.get(k, (None, None)) if by != "organisation" else (None, None)
        if by != "organisation" and k not in credits:
            cc, pc = ZERO, ZERO
        row = OutlookRow(k, cc, pc, a.committed if a else ZERO, s[0], a.paid_in_year if a else ZERO,
                         s[1], s[2], s[3])
        if any((cc, pc, row.committed, row.paid_in_year, *s)):  # a directorate with nothing: left out
            out.append(row)
    return out


def _total(rows: Sequence[OutlookRow]) -> OutlookRow:
    def add(name: str) -> Decimal:
        return sum((getattr(r, name) or ZERO for r in rows), ZERO)

    has_credits = any(r.commitment_credits is not None for r in rows)
    return OutlookRow("total", add("commitment_credits") if has_credits else None,
                      add("payment_credits") if has_credits else None, add("committed"),
                      add("expected_commitments"), add("paid_in_year"), add("expected_payments"),
                      add("expected_payments_weak"), add("expected_payments_strong"))


def _cash_plan(uow: UnitOfWork, year: int, as_of: dt.date, parts: Sequence[Part],
               directorates: Sequence[str] | None) -> list[MonthPlan]:
    actual = views.monthly(uow, year, as_of=as_of, directorates=directorates)
    exp_pay: dict[int, Decimal] = defaultdict(lambda: ZERO)
    exp_com: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for p in parts:
        if p.day.year == year:
            (exp_pay if p.kind == "payment" else exp_com)[p.day.month] += p.eur
    out, cp, cc = [], ZERO, ZERO
    for m in actual:
        cp += m.paid_in_year + exp_pay[m.month]
        cc += m.committed + exp_com[m.month]
        out.append(MonthPlan(m.month, m.paid_in_year, exp_pay[m.month], cp, m.committed, exp_com[m.month], cc))
    return out


def outlook(
    uow: UnitOfWork,
    year: int,
    *,
    as_of: dt.date | None = None,
    by: str = "ab",
    rates: Mapping[str, Decimal] | Sequence[tuple[str, Decimal]] | None = None,
    sensitivity: Decimal = DEFAULT_SENSITIVITY,
    directorates: Sequence[str] | None = None,
) -> Outlook:
    """The outlook of fiscal ``year`` to 31 December as of ``as_of`` (default: today, or 31
    December of a past year), per ``by`` (ab, directorate, organisation); ``rates``: units
    per EUR to use instead of the day's ECB rates (a mapping or pairs).

    Raises:
        ValidationError: an as-of day outside the year, an unknown ``by``, a sensitivity
            outside 0-50 %.
        MissingExchangeRateError: no usable rate of the day for a currency not given.
    """
    day = as_of or min(dt.date.today(), dt.date(year, 12, 31))
    if day.year != year:
        raise ValidationError(f"The outlook of {year} is as of a day of {year}, not {day.isoformat()}.")
    if by not in DIMENSIONS:
        raise ValidationError(f"The outlook is by {', '.join(DIMENSIONS)}, not {by!r}.")
    if not ZERO <= sensitivity <= Decimal("0.5"):
        raise ValidationError(f"The rate sensitivity must lie between 0 and 50 %, not {sensitivity * 100} %.")
    b = _Builder(uow, year, day, _Rates(uow, day, dict(rates or {}), sensitivity),
                 timeliness.median_delays(uow, year, as_of=day, directorates=directorates),
                 {o.code: o for o in views.organisations(uow, directorates)})
    held = _open_commitment_parts(b, directorates)
    _uncommitted_parts(b, held, directorates)
    _expected_call_parts(b, directorates)
    parts = sorted(b.parts, key=lambda p: (p.day, p.kind, p.organisation, p.reference, p.currency))
    rows = _rows(uow, year, day, by, parts, directorates)
    return Outlook(year, day, by, sensitivity, sorted(b.rates.used.values(), key=lambda r: r.currency), rows,
                   _total(rows), parts, _cash_plan(uow, year, day, parts, directorates),
                   _credit_needs(b), b.delays)


# --------------------------------------------------------------------------- back-test


@dataclass(frozen=True)
class BacktestMonth:
    """The outlook as of a month end: projected year-end payments against what happened."""

    as_of: dt.date
    projected_paid: Decimal
    actual_paid: Decimal

    @property
    def error(self) -> Decimal:
        return self.projected_paid - self.actual_paid

    @property
    def error_rate(self) -> Decimal | None:
        r = ratio(self.error, self.actual_paid)
        return None if r is None else r

    def to_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "projected_paid": json_amount(self.projected_paid),
                "actual_paid": json_amount(self.actual_paid), "error": json_amount(self.error),
                "error_rate": None if self.error_rate is None else str(self.error_rate)}


def backtest(
    uow: UnitOfWork,
    year: int,
    *,
    rates: Mapping[str, Decimal] | Sequence[tuple[str, Decimal]] | None = None,
    directorates: Sequence[str] | None = None,
) -> list[BacktestMonth]:
    """The outlook as of each month end of a past ``year``, against the year's real payments.

    Raises:
        ValidationError: the year is not over.
    """
    year_end = dt.date(year, 12, 31)
    if year_end >= dt.date.today():
        raise ValidationError(f"The back-test needs a past year: {year} is not over.")
    actual = views.execution(uow, year, "ab", as_of=year_end, directorates=directorates).totals.paid_in_year
    out = []
    for month in range(1, 13):
        end = (dt.date(year, month + 1, 1) if month < 12 else dt.date(year + 1, 1, 1)) - dt.timedelta(days=1)
        o = outlook(uow, year, as_of=end, rates=rates, directorates=directorates)
        out.append(BacktestMonth(end, o.total.projected_paid, actual))
    return out
