"""What every chart shares: amount axes and tooltips in the reader's format, month names.

Vega writes numbers in English (``200M``, ``1,234.56``) whatever the page's language: the
axes get a label expression in the chosen style (:func:`dashboards.formats.axis_amount_expr`)
and the tooltips show text the dashboard formatted itself (a ``shown`` column beside the
float that only places the mark). Colours: this year strong, last year muted.
"""

from __future__ import annotations

import altair as alt

from dashboards.formats import axis_amount_expr

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
