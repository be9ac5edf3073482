"""Importer of budget credits (provisional twelfths, initial, adjustments, blocked...)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from budget.services import bulk, entries, reference, reversals
from budget.uow import UnitOfWork
from imports import parsing as p
from imports.extract import (
    Problem,
    Row,
)
from imports.handling import Handler, ImportOptions, ImportResult, Item, completed_rows, guarded, refuse_duplicate_keys

STAGES = {
    "initial": "initial", "initiaal": "initial", "initiel": "initial", "initieel": "initial",
    "budget": "initial", "begroting": "initial", "loi": "initial", "wet": "initial",
    "provisional": "provisional", "provisoire": "provisional", "voorlopig": "provisional",
    "douziemes": "provisional", "douziemesprovisoires": "provisional", "twaalfden": "provisional",
    "voorlopigetwaalfden": "provisional", "provisionaltwelfths": "provisional",
    "adjustment": "adjustment", "ajustement": "adjustment", "aanpassing": "adjustment",
    "reallocation": "reallocation", "redistribution": "reallocation", "herverdeling": "reallocation",
    "herschikking": "reallocation", "blocked": "blocked", "bloque": "blocked", "blocage": "blocked",
    "geblokkeerd": "blocked", "blokkering": "blocked",
}


class Credits(Handler):
    def group(self, rows: list[Row], result: ImportResult) -> list[Item]:
        rows = completed_rows(rows, ["year", "ab", "commitment_credits", "payment_credits"])
        items = []
        for r in rows:
            stage_text = r.values.get("stage") or "initial"
            stage = STAGES.get(p.normalise_header(stage_text))
            if stage is None:
                result.problems.append(Problem(r.sheet, r.row, r.headers.get("stage"), stage_text,
                                               "stage is not one of initial, provisional, adjustment, "
                                               "reallocation, blocked"))
                continue
            r.values["stage"] = stage
            items.append(Item((r.values["ab"], r.values["year"], stage, r.values.get("reference") or ""), [r]))
        return refuse_duplicate_keys(items, result, "ab")

    @staticmethod
    def _movements(r: Row) -> list[tuple[str, Decimal]]:
        out = []
        for ctype, col in (("commitment", "commitment_credits"), ("payment", "payment_credits")):
            value = r.values[col]
            if value == 0:
                continue  # nothing to record (an AB without payment credits this year)
            stored = -abs(value) if r.values["stage"] == "blocked" else value
            out.append((ctype, stored))
        return out

    def classify(self, uow: UnitOfWork, items: list[Item], result: ImportResult,
                 opts: ImportOptions) -> None:
        facts = bulk.credit_facts(uow)
        for item in items:
            ab, year, stage, ref = item.key
            diffs, same = [], 0
            movements = self._movements(item.rows[0])
            for ctype, amount in movements:
                fact = facts.get((ab, year, ctype, stage, ref))
                if fact is None:
                    continue
                if fact.amount == amount:
                    same += 1
                else:
                    diffs.append(f"{ctype} credits {fact.amount} → {amount}")
            if diffs:
                item.diff = "; ".join(diffs)
                item.status = "corrected" if opts.corrections else "conflict"
            elif movements and same == len(movements):
                item.status = "unchanged"

    def write(self, uow: UnitOfWork, items: list[Item], result: ImportResult,
              opts: ImportOptions, file_name: str) -> None:
        known = set(bulk.allocation_codes(uow))
        facts = bulk.credit_facts(uow) if opts.corrections else {}
        for item in items:
            r = item.rows[0]
            ab, year, stage, ref = item.key
            if ab not in known and r.values.get("label") and guarded(
                    uow, r, result, lambda ab=ab, r=r: reference.register_allocation(
                        uow, ab, r.values["label"])) is not None:
                known.add(ab)
            for ctype, amount in self._movements(r):
                fact = facts.get((ab, year, ctype, stage, ref))
                if fact is not None and fact.amount == amount:
                    continue
                if fact is not None:
                    ok = guarded(uow, r, result, lambda fid=fact.id: reversals.reverse(
                        uow, "credit", fid, reason=f"corrected by {file_name}"),
                        column=f"{ctype}_credits")
                    if ok is None:
                        continue
                col = f"{ctype}_credits"
                guarded(uow, r, result, lambda ctype=ctype, amount=amount, r=r, key=item.key: entries.record_credit(
                    uow, key[0], key[1], ctype, abs(amount) if key[2] == "blocked" else amount, key[2],
                    entry_date=dt.date(key[1], 1, 1) if key[2] in ("initial", "provisional") else None,
                    reference=key[3], source_sheet=r.sheet, source_row=r.row), column=col)
