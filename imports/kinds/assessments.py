"""Importer of assessments (calls for contributions), one or more currency lines each."""

from __future__ import annotations

import datetime as dt

from budget.services import bulk, entries, reference, reversals
from budget.uow import UnitOfWork
from imports import parsing as p
from imports.extract import (
    Problem,
    Row,
)
from imports.handling import (
    Handler,
    ImportOptions,
    ImportResult,
    Item,
    completed_rows,
    fmt_lines,
    fmt_value,
    guarded,
    refuse_duplicate_keys,
    settle_item,
)


class Assessments(Handler):
    def group(self, rows: list[Row], result: ImportResult) -> list[Item]:
        rows = completed_rows(rows, ["organisation", "reference", "amount", "currency", "due_date"])
        lines = refuse_duplicate_keys(
            [Item((r.values["organisation"], r.values["reference"], r.values["currency"]), [r]) for r in rows],
            result, "currency")
        groups: dict[tuple[str, str], Item] = {}
        for line in lines:
            org, ref, _ = line.key
            r = line.rows[0]
            if "year" not in r.values and not ("period_start" in r.values and "period_end" in r.values):
                result.problems.append(Problem(r.sheet, r.row, r.headers.get("period_end", r.headers.get("year")),
                                               "", "give the year, or both period_start and period_end"))
                continue
            if r.values["amount"] == 0:
                result.problems.append(Problem(r.sheet, r.row, r.headers.get("amount"),
                                               p.display(r.raw.get("amount")), "amount is zero"))
                continue
            group = groups.setdefault((org, ref), Item((org, ref), []))
            group.rows.append(r)
        items = list(groups.values())
        for item in items:
            first = item.rows[0]
            for r in item.rows[1:]:
                for col in ("year", "period_start", "period_end", "due_date", "received"):
                    if r.values.get(col) != first.values.get(col):
                        result.problems.append(Problem(
                            r.sheet, r.row, r.headers.get(col, col), p.display(r.raw.get(col)),
                            f"{col} differs from row {first.row} of the same assessment {item.key[1]}"))
        return items

    @staticmethod
    def _period(r: Row) -> tuple[dt.date, dt.date, int]:
        v = r.values
        if "period_start" in v and "period_end" in v:
            return v["period_start"], v["period_end"], v.get("year") or v["period_start"].year
        year = v["year"]
        return dt.date(year, 1, 1), dt.date(year, 12, 31), year

    def classify(self, uow: UnitOfWork, items: list[Item], result: ImportResult,
                 opts: ImportOptions) -> None:
        facts = bulk.assessment_facts(uow)
        for item in items:
            fact = facts.get(item.key)
            if fact is None:
                continue
            item.existing_id = fact.id
            first = item.rows[0]
            start, end, year = self._period(first)
            lines = {r.values["currency"]: r.values["amount"] for r in item.rows}
            diffs = []
            if lines != fact.lines:
                diffs.append(f"lines {fmt_lines(fact.lines)} → {fmt_lines(lines)}")
            for name, a, b in (("period", (fact.period_start, fact.period_end), (start, end)),
                               ("year", fact.fiscal_year, year), ("due date", fact.due_date, first.values["due_date"]),
                               ("received", fact.received, first.values.get("received") or fact.received)):
                if a != b:
                    diffs.append(f"{name} {fmt_value(a)} → {fmt_value(b)}")
            settle_item(item, diffs, opts)

    def write(self, uow: UnitOfWork, items: list[Item], result: ImportResult,
              opts: ImportOptions, file_name: str) -> None:
        reference.lock_codes(uow, [item.key[0] for item in items])
        for item in items:
            first = item.rows[0]
            if item.status == "corrected" and item.existing_id is not None and guarded(
                    uow, first, result, lambda i=item: reversals.reverse(
                        uow, "assessment", i.existing_id, reason=f"corrected by {file_name}"),
                    column="reference") is None:
                continue
            start, end, year = self._period(first)
            guarded(uow, first, result, lambda i=item, f=first, s=start, e=end, y=year: entries.register_assessment(
                uow, i.key[0], i.key[1], [(r.values["currency"], r.values["amount"]) for r in i.rows],
                period_start=s, period_end=e, due_date=f.values["due_date"], fiscal_year=y,
                received=f.values.get("received"), source_sheet=f.sheet, source_rows=[r.row for r in i.rows]))
