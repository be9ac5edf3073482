"""What every chart shares: amount axes and tooltips in the reader's format, month names.

Vega writes numbers in English (``200M``, ``1,234.56``) whatever the page's language: the
axes get a label expression in the chosen style (:func:`dashboards.formats.axis_amount_expr`)
and the tooltips show text the dashboard formatted itself (a ``shown`` column beside the
float that only places the mark). Colours: this year strong, last year muted.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import altair as alt
import pandas as pd

from dashboards.formats import amount_text, axis_amount_expr

#: Committed in blue, paid in orange (told apart by colour-blind readers as well).
COMMITTED = "#1f4e9a"
PAID = "#e07b00"
OVERDUE = "#b3261e"


def amount_axis(style: str, language: str, title: str | None = None) -> alt.Axis:
    """An EUR axis in millions written in the style (``200 M`` / ``1.234,5 M``)."""
    return alt.Axis(labelExpr=axis_amount_expr(style, language), title=title, tickCount=5)


def date_axis(language: str) -> alt.Axis:
    """A time axis whose labels follow the language (month numbers outside English)."""
    expr = "timeFormat(datum.value, '%b %Y')" if language == "en" else "timeFormat(datum.value, '%m/%Y')"
    return alt.Axis(labelExpr=expr, title=None, labelAngle=0)


def bottom_legend(columns: int = 2) -> alt.Legend:
    """A legend under the chart, its labels never cut."""
    return alt.Legend(orient="bottom", columns=columns, labelLimit=0, title=None, symbolStrokeWidth=3)


def credit_rules(commitment: tuple[str, Decimal], payment: tuple[str, Decimal], months: Sequence[str],
                 style: str) -> pd.DataFrame:
    """The chart data of the year's two credit lines, (name, EUR) each: the commitment credits
    named above their line at the left, the payment credits under theirs at the right, so
    that the two names never overlap when the credits are close."""
    return pd.DataFrame([
        {"series": name, "EUR": float(eur), "shown": amount_text(eur, style, "EUR"), "month": month,
         "align": align, "colour": colour}
        for (name, eur), month, align, colour in ((commitment, months[0], "left", COMMITTED),
                                                  (payment, months[-1], "right", PAID))])


def credit_lines(rules: pd.DataFrame, x: alt.X, what: str, amount: str) -> list[alt.Chart]:
    """The layers of :func:`credit_rules`' lines: dashed, in their colour, named at their end;
    ``what`` and ``amount``: the tooltip's titles."""
    rule = alt.Chart(rules).mark_rule(strokeWidth=1.5, strokeDash=[6, 3]).encode(
        y="EUR:Q", color=alt.Color("colour:N", scale=None),
        tooltip=[alt.Tooltip("series:N", title=what), alt.Tooltip("shown:N", title=amount)])
    labels = [alt.Chart(rules).transform_filter(alt.datum.align == side).mark_text(
        dy=dy, fontSize=12, fontWeight="bold", align=side).encode(
        x=x, y="EUR:Q", text="series:N", color=alt.Color("colour:N", scale=None))
        for side, dy in (("left", -8), ("right", 14))]
    return [rule, *labels]
