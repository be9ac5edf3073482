"""`budget outlook` (where the year lands on 31 December, and its back-test) and `budget
timeliness` (how fast each call was paid). Both have ``--json``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import click

from budget.cli import DATE, YEAR, Context, day_of, emit_json, pass_ctx, print_table
from budget.errors import ValidationError
from budget.money import fmt, fmt_percent, normalise_currency, rate


def _rates(values: tuple[str, ...]) -> dict[str, Decimal]:
    """``USD=1.08`` -> {"USD": Decimal("1.08")}."""
    out: dict[str, Decimal] = {}
    for value in values:
        cur, sep, number = value.partition("=")
        if not sep:
            raise click.BadParameter(f"{value!r}: write CUR=RATE, e.g. USD=1.08", param_hint="--rate")
        try:
            out[normalise_currency(cur)] = rate(number.strip())
        except ValidationError as exc:
            raise click.BadParameter(str(exc), param_hint="--rate") from None
    return out


def _balance(value: Decimal | None) -> str:
    from budget.services.outlook import LAPSE, year_end

    if value is None:
        return "–"
    return f"lapse {fmt(value)}" if year_end(value) == LAPSE else f"SHORTFALL {fmt(-value)}"


def _print_outlook(o: object) -> None:
    from budget.services.outlook import Outlook

    assert isinstance(o, Outlook)
    rates = ", ".join(f"{r.currency} {r.rate} ({r.source})" for r in o.rates) or "none needed"
    click.echo(f"Outlook of {o.year} to 31 December, as of {o.as_of}, by {o.by}; rates: {rates}; "
               f"sensitivity ±{o.sensitivity * 100:.0f} % on the rates")
    head = ["key", "commitment credits", "committed", "expected", "projected", "commitment balance",
            "payment credits", "paid in year", "expected", "projected", "payment balance",
            f"payments ±{o.sensitivity * 100:.0f} %"]
    rows = [[r.key, fmt(r.commitment_credits) if r.commitment_credits is not None else "–", fmt(r.committed),
             fmt(r.expected_commitments), fmt(r.projected_committed), _balance(r.commitment_balance),
             fmt(r.payment_credits) if r.payment_credits is not None else "–", fmt(r.paid_in_year),
             fmt(r.expected_payments), fmt(r.projected_paid), _balance(r.payment_balance),
             f"{fmt(r.expected_payments_strong)} – {fmt(r.expected_payments_weak)}"]
            for r in [*o.rows, o.total]]
    print_table(head, rows, right=set(range(1, len(head))))
    click.echo("\nCash plan (EUR)")
    print_table(["month", "paid", "expected payments", "cumulative", "committed", "expected commitments", "cumulative"],
                [[f"{o.year}-{m.month:02d}", fmt(m.paid), fmt(m.expected_payments), fmt(m.cumulative_paid),
             fmt(m.committed), fmt(m.expected_commitments), fmt(m.cumulative_committed)] for m in o.cash_plan],
           right=set(range(1, 7)))
    if o.credit_needs:
        click.echo("\nCredit needs of the open foreign-currency calls (adjustment: + increase or commit, - release)")
        print_table(["organisation", "reference", "source", "currency", "open", "committed EUR", "rate", "needed EUR",
                "adjustment"],
               [[n.organisation, n.reference, n.source + (" (estimated)" if n.estimated else ""), n.currency,
                 fmt(n.open), fmt(n.committed_eur), str(n.rate), fmt(n.needed_eur), fmt(n.adjustment)]
                for n in o.credit_needs], right={4, 5, 6, 7, 8})
    click.echo("\nStill to come (each with its basis)")
    print_table(["day", "kind", "organisation", "AB", "reference", "currency", "amount", "EUR", "basis"],
                [[p.day.isoformat(), p.kind, p.organisation, p.ab, p.reference, p.currency, fmt(p.amount), fmt(p.eur),
             p.basis + (" [estimated]" if p.estimated else "")] for p in o.parts], right={6, 7})


@click.command("outlook")
@click.option("--year", type=YEAR, default=None, help="Fiscal year (required unless --backtest).")
@click.option("--as-of", type=DATE, default=None, help="Day of the outlook (default today).")
@click.option("--by", type=click.Choice(["ab", "directorate", "organisation"]), default="ab", show_default=True)
@click.option("--rate", "rates", multiple=True, metavar="CUR=RATE",
              help="Units per EUR to use instead of the day's ECB rate (repeat), e.g. USD=1.08.")
@click.option("--sensitivity", type=click.FloatRange(0, 50), default=5.0, show_default=True,
              help="± per cent on the rates.")
@click.option("--directorate", "directorates", multiple=True, help="Limit to a directorate (repeat).")
@click.option("--backtest", type=YEAR, default=None, help="Run the outlook at each month end of this past year.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def outlook(c: Context, year: int | None, as_of: dt.datetime | None, by: str, rates: tuple[str, ...],
            sensitivity: float, directorates: tuple[str, ...], backtest: int | None, as_json: bool) -> None:
    """Where the year lands on 31 December: credits lapsing or short per AB, the cash plan to
    December, the credit needs of the foreign-currency calls, everything still to come."""
    from budget.services import outlook as service

    given = _rates(rates)
    scope = list(directorates) or None
    if backtest is not None:
        with c.uow(write=False) as uow:
            months = service.backtest(uow, backtest, rates=given, directorates=scope)
        _print_backtest(backtest, months, as_json)
        return
    if year is None:
        raise click.UsageError("give --year (or --backtest YEAR)")
    with c.uow(write=False) as uow:
        o = service.outlook(uow, year, as_of=day_of(as_of), by=by, rates=given, directorates=scope,
                            sensitivity=Decimal(str(sensitivity)) / 100)
    if as_json:
        emit_json(o.to_json())
        return
    _print_outlook(o)


def _print_backtest(year: int, months: list[Any], as_json: bool) -> None:
    if as_json:
        emit_json({"year": year, "months": [m.to_json() for m in months]})
        return
    click.echo(f"Back-test of the outlook on {year}: projected year-end payments as of each month end "
               "against the payments really made in the year (EUR)")
    print_table(["as of", "projected", "actual", "error", "error %"],
                [[m.as_of.isoformat(), fmt(m.projected_paid), fmt(m.actual_paid), fmt(m.error),
             fmt_percent(m.error_rate)] for m in months], right={1, 2, 3, 4})
    worst = max((abs(m.error_rate) for m in months if m.error_rate is not None), default=None)
    if worst is not None:
        click.echo(f"\nLargest error: {fmt_percent(worst)} of the year's payments.")


@click.command("timeliness")
@click.option("--year", type=YEAR, required=True, help="Fiscal year of the assessments.")
@click.option("--as-of", type=DATE, default=None, help="Day (default today, or the next year's end).")
@click.option("--within", type=click.IntRange(1, 366), default=30, show_default=True,
              help="Days of receipt for the honour-roll flag (the UN's: 30).")
@click.option("--directorate", "directorates", multiple=True, help="Limit to a directorate (repeat).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def timeliness(c: Context, year: int, as_of: dt.datetime | None, within: int, directorates: tuple[str, ...],
               as_json: bool) -> None:
    """How fast each assessment of a year was paid: days from receipt to first and full payment,
    paid by the due date, and paid in full within N days of receipt (the honour roll)."""
    from budget.services.timeliness import timeliness as compute

    with c.uow(write=False) as uow:
        t = compute(uow, year, as_of=day_of(as_of), directorates=list(directorates) or None, within_days=within)
    if as_json:
        emit_json(t.to_json())
        return

    def yes(value: bool | None) -> str:
        return "–" if value is None else ("yes" if value else "no")

    def num(value: Decimal | None, pct: bool = False) -> str:
        if value is None:
            return "–"
        return fmt_percent(value) if pct else str(value)

    click.echo(f"Timeliness of the {year} assessments as of {t.as_of} (honour roll: paid in full within "
               f"{within} days of receipt)")
    print_table(["organisation", "reference", "received", "due", "EUR", "first paid", "days", "fully paid", "days",
            "by due date", f"within {within} d"],
           [[a.organisation, a.reference, a.received.isoformat(), a.due_date.isoformat(), fmt(a.eur),
             str(a.first_paid or "–"), str(a.days_to_first if a.days_to_first is not None else "–"),
             str(a.fully_paid or "–"), str(a.days_to_full if a.days_to_full is not None else "–"),
             yes(a.paid_by_due), yes(a.within(within))] for a in t.assessments], right={4, 6, 8})
    for title, groups in (("organisation", t.organisations), ("directorate", t.directorates)):
        click.echo(f"\nPer {title}")
        print_table([title, "assessments", "EUR", "median days to full", "median delay", "paid by due (count)",
                "paid by due (EUR)", "honour roll"],
               [[g.key, str(g.count), fmt(g.eur), num(g.median_days_to_full), num(g.median_delay),
                 num(g.share_by_due_count, True), num(g.share_by_due_eur, True), yes(g.honour_roll)]
                for g in groups], right={1, 2, 3, 4, 5, 6})
