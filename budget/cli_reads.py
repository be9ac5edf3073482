"""Read commands of the `budget` CLI for what the dashboard shows: exposure, exchange rates and
differences, assessments, credit history and the audit trail. Each has ``--json``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import click

from budget.cli import DATE, ENTRY_ID, YEAR, Context, day_of, emit_json, pass_ctx, print_table
from budget.days import month_end
from budget.money import fmt, fmt_percent, json_amount
from budget.services.names import LANGUAGES

#: The language the organisations, ABs and directorates are named in (English where none is given).
lang_option = click.option("--lang", type=click.Choice(LANGUAGES, case_sensitive=False), default="en",
                           show_default=True, callback=lambda _ctx, _param, value: value.lower(),
                           help="Language of the names (English where none is given).")
# ---------------------------------------------------------------------------- reads


@click.command()
@click.option("--year", type=YEAR, required=True, help="Fiscal year.")
@click.option(
    "--by",
    type=click.Choice(["organisation", "directorate", "ab", "currency"]),
    default="organisation",
    show_default=True,
)
@click.option("--as-of", type=DATE, default=None, help="Only entries dated on or before this day.")
@click.option("--directorate", "directorates", multiple=True, help="Limit to these directorates.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@lang_option
@pass_ctx
def summary(
    c: Context, year: int, by: str, as_of: dt.datetime | None, directorates: tuple[str, ...], as_json: bool,
    lang: str,
) -> None:
    """Execution of a fiscal year: credits, committed, paid, open, available."""
    from budget.services.views import execution

    with c.uow(write=False) as uow:
        ex = execution(uow, year, by, as_of=day_of(as_of), directorates=list(directorates) or None, lang=lang)
    if as_json:
        emit_json(ex.to_json())
        return
    t = ex.totals
    click.echo(f"Fiscal year {year}, by {by}" + (f", as of {ex.as_of}" if ex.as_of else ""))
    head = ["key", "name", "committed", "paid", "open", "paid in year"]
    rows = [[r.key, r.name[:40], fmt(r.committed), fmt(r.paid), fmt(r.open), fmt(r.paid_in_year)] for r in ex.rows]
    if by == "ab":
        head += ["credits", "available"]
        for row, r in zip(rows, ex.rows, strict=True):
            row += [fmt(r.commitment_credits), fmt(r.available)]
    rows.append(
        ["TOTAL", "", fmt(t.committed), fmt(t.paid), fmt(t.open), fmt(t.paid_in_year)]
        + ([fmt(t.commitment_credits), fmt(t.available)] if by == "ab" else [])
    )
    print_table(head, rows, right=set(range(2, len(head))))
    rate = t.commitment_rate
    click.echo(
        f"\nCommitment credits EUR {fmt(t.commitment_credits)}; committed EUR {fmt(t.committed)}"
        + (f" ({fmt_percent(rate)})" if rate is not None else "")
        + f"; available EUR {fmt(t.available)}.\nPayment credits EUR {fmt(t.payment_credits)}; "
        f"paid in {year} EUR {fmt(t.paid_in_year)}."
    )


@click.command()
@click.option("--as-of", type=DATE, default=None, help="Day of the ageing (default: today).")
@click.option("--directorate", "directorates", multiple=True, help="Limit to these directorates.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def arrears(c: Context, as_of: dt.datetime | None, directorates: tuple[str, ...], as_json: bool) -> None:
    """Overdue assessments with ageing buckets (0-30, 31-90, 91-365, > 365 days)."""
    from budget.services.views import arrears as compute

    day = day_of(as_of) or dt.date.today()
    with c.uow(write=False) as uow:
        result = compute(uow, day, directorates=list(directorates) or None)
    if as_json:
        emit_json(result.to_json())
        return
    click.echo(f"Arrears as of {day}: EUR {fmt(result.total_eur)} overdue")
    print_table(
        ["organisation", "reference", "due", "days", "bucket", "currency", "outstanding", "EUR"],
        [
            [
                x.organisation,
                x.reference,
                str(x.due_date),
                str(x.days_overdue),
                x.bucket or "",
                x.currency,
                fmt(x.outstanding),
                fmt(x.outstanding_eur),
            ]
            for x in result.overdue
        ],
        right={3, 6, 7},
    )
    click.echo("")
    for bucket, amount in result.buckets.items():
        click.echo(f"  {bucket:>7} days: EUR {fmt(amount)}")


@click.command("commitments")
@click.option("--year", type=YEAR, default=None, help="Only commitments of this fiscal year.")
@click.option("--organisation", default=None, help="Only this organisation.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def commitments_cmd(c: Context, year: int | None, organisation: str | None, as_json: bool) -> None:
    """Open commitments (something still to pay), largest first."""
    from budget.services.views import open_commitments

    with c.uow(write=False) as uow:
        rows = open_commitments(uow, year=year, organisation=organisation.upper() if organisation else None)
    if as_json:
        emit_json(
            [
                {
                    "reference": r.reference,
                    "organisation": r.organisation,
                    "ab": r.ab,
                    "fiscal_year": r.fiscal_year,
                    "currency": r.currency,
                    "committed": r.committed,
                    "paid": r.paid,
                    "open": r.open,
                    "open_eur": r.open_eur,
                }
                for r in rows
            ]
        )
        return
    print_table(
        ["reference", "organisation", "year", "currency", "committed", "paid", "open", "open EUR"],
        [
            [
                r.reference,
                r.organisation,
                str(r.fiscal_year),
                r.currency,
                fmt(r.committed),
                fmt(r.paid),
                fmt(r.open),
                fmt(r.open_eur),
            ]
            for r in rows
        ],
        right={4, 5, 6, 7},
    )


@click.command("organisations")
@click.option("--year", type=YEAR, required=True, help="Fiscal year.")
@click.option("--as-of", type=DATE, default=None, help="Day (default today).")
@click.option("--directorate", "directorates", multiple=True, help="Limit to a directorate (repeat).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@lang_option
@pass_ctx
def organisations(c: Context, year: int, as_of: dt.datetime | None, directorates: tuple[str, ...],
                  as_json: bool, lang: str) -> None:
    """Every organisation's year as of a day: assessed, committed, paid, outstanding, overdue, status."""
    from budget.services.organisation_status import organisation_status

    day = day_of(as_of) or dt.date.today()
    with c.uow(write=False) as uow:
        rows = organisation_status(uow, year, as_of=day, directorates=list(directorates) or None, lang=lang)
    if as_json:
        emit_json({"year": year, "as_of": day.isoformat(), "organisations": [r.to_json() for r in rows]})
        return
    print_table(["code", "directorate", "assessed EUR", "committed", "paid", "outstanding EUR", "overdue EUR",
                 "status", "name"],
                [[r.code, r.directorate, fmt(r.assessed_eur), fmt(r.committed), fmt(r.paid), fmt(r.outstanding_eur),
                  fmt(r.overdue_eur), r.status.replace("_", " "), r.name[:40]] for r in rows], right={2, 3, 4, 5, 6})


@click.group()
def fx() -> None:
    """Exchange rates and exchange differences."""


@fx.command("rate")
@click.argument("currency")
@click.argument("day", type=DATE)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def fx_rate(c: Context, currency: str, day: dt.datetime, as_json: bool) -> None:
    """The rate used for DAY: the last one published on or before it, if recent enough."""
    from budget.services.fx import rate_on

    with c.uow(write=False) as uow:
        quote = rate_on(uow, currency, day.date())
    if as_json:
        emit_json({"currency": quote.currency, "date": quote.date.isoformat(), "rate": str(quote.rate),
                   "published": quote.published.isoformat()})
    else:
        click.echo(
            f"1 EUR = {quote.rate} {quote.currency} on {quote.date} (published {quote.published}, {quote.source})"
        )


@fx.command("differences")
@click.option("--year", type=YEAR, required=True, help="Year of the settlements.")
@click.option("--month", default=None, metavar="YYYY-MM", help="Only this month.")
@click.option("--directorate", "directorates", multiple=True, help="Limit to a directorate (repeat).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def fx_differences(c: Context, year: int, month: str | None, directorates: tuple[str, ...], as_json: bool) -> None:
    """Every exchange difference realised in a year (or month): payment, commitment, rates, amount."""
    from budget.services.views import exchange_difference_view

    start = end = None
    if month is not None:
        start, end = _month(month)
    with c.uow(write=False) as uow:
        view = exchange_difference_view(uow, year=year, start=start, end=end, top=None,
                                        directorates=list(directorates) or None)
    lines, gains, losses = view.lines, view.gains, view.losses
    if as_json:
        emit_json({"year": year, "month": month, "differences": [x.to_json() for x in lines],
                   "gains_eur": _amount(gains), "losses_eur": _amount(losses), "net_eur": _amount(view.net)})
        return
    print_table(["date", "commitment", "payment", "organisation", "currency", "commitment rate", "payment rate",
            "gain (+) / loss (-) EUR"],
           [[str(x.entry_date), x.commitment, x.payment, x.organisation, x.currency, str(x.commitment_rate or ""),
             str(x.payment_rate or ""), fmt(x.gain_eur)] for x in lines], right={5, 6, 7})
    click.echo(f"\ngains EUR {fmt(gains)}, losses EUR {fmt(losses)}, net EUR {fmt(view.net)}")


@click.command("exposure")
@click.option("--as-of", type=DATE, default=None, help="Day (default today).")
@click.option("--directorate", "directorates", multiple=True, help="Limit to a directorate (repeat).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def exposure(c: Context, as_of: dt.datetime | None, directorates: tuple[str, ...], as_json: bool) -> None:
    """What is still to pay in foreign currencies on open commitments, as booked and at the day's rate."""
    from budget.services.exchange import exposure_totals
    from budget.services.views import exposure as compute

    day = day_of(as_of) or dt.date.today()
    with c.uow(write=False) as uow:
        lines = compute(uow, as_of=day, directorates=list(directorates) or None)
    t = exposure_totals(lines)
    total = {"eur_booked": _amount(t.eur_booked), "eur_at_rate": _amount(t.eur_at_rate),
             "difference": _amount(t.difference)}
    if as_json:
        emit_json({"as_of": day.isoformat(), "currencies": [x.to_json() for x in lines], "total": total})
        return
    click.echo(f"Foreign-currency exposure as of {day} (difference: + is a latent loss)")
    print_table(["currency", "open", "EUR booked", "rate", "rate date", "EUR at rate", "difference"],
                [[x.currency, fmt(x.open), fmt(x.eur_booked), str(x.rate or "no rate"), str(x.rate_date or ""),
             _text(x.eur_at_rate), _text(x.difference)] for x in lines], right={1, 2, 3, 5, 6})
    if t.difference is None:
        said = "difference unknown (a rate is missing)"
    else:
        said = f"latent {t.latent} EUR {fmt(abs(t.difference))}" if t.latent else "no latent difference"
    click.echo(f"total: EUR {fmt(t.eur_booked)} booked, EUR {_text(t.eur_at_rate)} at the day's rates, {said}")


@click.group("assessments")
def assessments_group() -> None:
    """Assessments (calls for contributions)."""


@assessments_group.command("list")
@click.option("--year", type=YEAR, default=None, help="Fiscal year.")
@click.option("--organisation", default=None, help="One organisation.")
@click.option("--directorate", "directorates", multiple=True, help="Limit to a directorate (repeat).")
@click.option("--as-of", type=DATE, default=None, help="Only those received on or before this day.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def assessments_list(c: Context, year: int | None, organisation: str | None, directorates: tuple[str, ...],
                     as_of: dt.datetime | None, as_json: bool) -> None:
    """Live assessments with their dates received and due, lines and source."""
    from budget.services.assessments import assessments

    with c.uow(write=False) as uow:
        rows = assessments(uow, year=year, organisation=organisation, directorates=list(directorates) or None,
                           as_of=day_of(as_of))
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    print_table(["organisation", "reference", "year", "received", "due", "lines", "EUR", "source"],
                [[r.organisation, r.reference, str(r.fiscal_year), str(r.received), str(r.due_date),
             ", ".join(f"{cur} {fmt(v)}" for cur, v in r.lines.items()), fmt(r.eur), r.source] for r in rows],
           right={6})


@click.group("credits")
def credits_group() -> None:
    """Budget credits."""


@credits_group.command("history")
@click.option("--year", type=YEAR, required=True, help="Fiscal year.")
@click.option("--ab", default=None, help="One basic allocation.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def credits_history(c: Context, year: int, ab: str | None, as_json: bool) -> None:
    """Every credit movement of a year: provisional, initial, adjustments, reallocations, blocked."""
    from budget.services.views import credit_history

    with c.uow(write=False) as uow:
        lines = credit_history(uow, year, ab=ab)
    if as_json:
        emit_json([{"ab": x.ab, "fiscal_year": x.fiscal_year, "credit_type": x.credit_type, "stage": x.stage,
                    "reference": x.reference, "date": x.entry_date.isoformat(), "amount": _amount(x.amount),
                    "reversal": x.reversal, "note": x.note} for x in lines])
        return
    print_table(["date", "AB", "type", "stage", "reference", "EUR", "reversal"],
                [[str(x.entry_date), x.ab, x.credit_type, x.stage, x.reference, fmt(x.amount),
                  "yes" if x.reversal else ""] for x in lines], right={5})


@click.command("audit")
@click.option("--from", "start", type=DATE, default=None, help="First day (UTC).")
@click.option("--to", "end", type=DATE, default=None, help="Last day (UTC).")
@click.option("--user", default=None)
@click.option("--entity", default=None, help="commitment, payment, assessment, import_batch...")
@click.option("--batch", type=ENTRY_ID, default=None, help="One import batch.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def audit(c: Context, start: dt.datetime | None, end: dt.datetime | None, user: str | None, entity: str | None,
          batch: int | None, limit: int, as_json: bool) -> None:
    """Who did what and when, through which door and import batch (newest first)."""
    from budget.services.audit import audit_trail

    with c.uow(write=False) as uow:
        lines = audit_trail(uow, start=day_of(start), end=day_of(end), user=user, entity=entity, batch=batch,
                            limit=limit)
    if as_json:
        emit_json([x.to_json() for x in lines])
        return
    print_table(["at (UTC)", "user", "channel", "action", "entity", "id", "batch"],
                [[x.at.isoformat(sep=" ", timespec="seconds"), x.user, x.channel, x.action, x.entity, x.entity_id or "",
             "" if x.batch_id is None else str(x.batch_id)] for x in lines])


def _month(text: str) -> tuple[dt.date, dt.date]:
    try:
        first = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a month like 2026-10", param_hint="--month") from None
    return first, month_end(first.year, first.month)


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else json_amount(value)


def _text(value: Decimal | None) -> str:
    return "–" if value is None else fmt(value)
