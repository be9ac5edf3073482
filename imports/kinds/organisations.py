"""Importer of organisations (contribution streams)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from budget.services import bulk, reference
from budget.uow import UnitOfWork
from imports.extract import (
    Row,
)

if TYPE_CHECKING:
    pass

# imports.ecb (defusedxml) and budget.services.views are imported where they are used: a
# ``budget import payments`` run does not need them, and every command pays its imports.

from imports.handling import (
    Handler,
    ImportOptions,
    ImportResult,
    Item,
    completed_rows,
    guarded,
    refuse_duplicate_keys,
    settle_item,
)


class Organisations(Handler):
    def group(self, rows: list[Row], result: ImportResult) -> list[Item]:
        rows = completed_rows(rows, ["code", "name", "directorate"])
        return refuse_duplicate_keys([Item(r.values["code"], [r]) for r in rows], result, "code")

    def _input(self, r: Row) -> reference.OrganisationInput:
        v = r.values
        return reference.OrganisationInput(v["code"], v["name"], v["directorate"],
                                           v.get("currency") or "EUR", v.get("ab"), v.get("body"),
                                           # blank: the ledger's French or Dutch name stays
                                           v.get("name_fr") or None, v.get("name_nl") or None)

    def classify(self, uow: UnitOfWork, items: list[Item], result: ImportResult,
                 opts: ImportOptions) -> None:
        facts = bulk.organisation_facts(uow)
        for item in items:
            fact = facts.get(item.key)
            if fact is None or not fact.active:
                continue  # new, or retired by an undo: registered (again) as new
            new = self._input(item.rows[0])
            diffs = [name for name, a, b in (
                ("name", fact.name, new.name.strip()), ("directorate", fact.directorate, new.directorate),
                ("currency", fact.currency, new.currency), ("ab", fact.ab, new.ab),
                ("body", fact.body, (new.body or "").strip() or None),
                # A French or Dutch name left blank in the file leaves the ledger's as it is.
                ("name_fr", fact.name_fr, (new.name_fr or "").strip() or fact.name_fr),
                ("name_nl", fact.name_nl, (new.name_nl or "").strip() or fact.name_nl)) if a != b]
            settle_item(item, [f"{d}: {getattr(fact, d)} → {getattr(new, d)}" for d in diffs], opts, sep=", ")

    def write(self, uow: UnitOfWork, items: list[Item], result: ImportResult,
              opts: ImportOptions, file_name: str) -> None:
        for item in items:
            r = item.rows[0]
            org = guarded(uow, r, result, lambda r=r: reference.register_organisation(uow, self._input(r)))
            if org is not None and org[1]:
                o = org[0]
                o.source_sheet, o.source_row = r.sheet, r.row
