"""Importer of commitments: each row through the one-row rule (:func:`budget.services.entries.commit`)."""

from __future__ import annotations

from budget.services import bulk, entries, reference
from budget.uow import UnitOfWork
from imports.extract import Problem, Row
from imports.handling import (
    Handler,
    ImportOptions,
    ImportResult,
    Item,
    changed_fields,
    completed_rows,
    guarded,
    refuse_duplicate_keys,
    reverse_corrected,
    settle_item,
)


class Commitments(Handler):
    def group(self, rows: list[Row], result: ImportResult) -> list[Item]:
        rows = completed_rows(rows, ["reference", "date", "ab", "organisation"])
        kept = []
        for r in rows:
            if "amount_eur" not in r.values and "amount" not in r.values:
                if not any(pr.row == r.row and pr.sheet == r.sheet for pr in result.problems):
                    result.problems.append(Problem(r.sheet, r.row, r.headers.get("amount_eur", r.headers.get("amount")),
                                                   "", "amount_eur is empty"))
                continue
            kept.append(r)
        return refuse_duplicate_keys([Item(r.values["reference"], [r]) for r in kept], result, "reference")

    def classify(self, uow: UnitOfWork, items: list[Item], result: ImportResult,
                 opts: ImportOptions) -> None:
        facts = bulk.commitment_facts(uow, [i.key for i in items])
        for item in items:
            fact = facts.get(item.key)
            if fact is None:
                continue
            item.existing_id = fact.id
            v = item.rows[0].values
            cur = v.get("currency") or fact.currency
            checks = [("date", fact.entry_date, v["date"]), ("ab", fact.ab, v["ab"]),
                      ("organisation", fact.organisation, v["organisation"]),
                      ("currency", fact.currency, cur)]
            if "amount_eur" in v:
                checks.append(("amount_eur", fact.amount_eur, v["amount_eur"]))
            if "amount" in v:
                checks.append(("amount", fact.amount, v["amount"]))
            if v.get("assessment_reference"):
                checks.append(("assessment_reference", fact.assessment_reference, v["assessment_reference"]))
            settle_item(item, changed_fields(checks), opts)

    def write(self, uow: UnitOfWork, items: list[Item], result: ImportResult,
              opts: ImportOptions, file_name: str) -> None:
        reference.lock_codes(uow, [i.rows[0].values["organisation"] for i in items],
                             [i.rows[0].values["ab"] for i in items])
        if not reverse_corrected(uow, items, result, "commitment", file_name):
            return
        for item in items:
            r = item.rows[0]
            v = r.values
            res = guarded(uow, r, result, lambda v=v, r=r: entries.commit(
                uow, v["reference"], v["organisation"], entry_date=v["date"], amount_eur=v.get("amount_eur"),
                currency=v.get("currency"), amount=v.get("amount"), rate_used=v.get("rate"), ab=v["ab"],
                assessment_reference=v.get("assessment_reference"), source_sheet=r.sheet, source_row=r.row))
            if res is not None:
                result.warnings.extend(res.warnings)
