"""Importer of ECB reference rates (CSV, zip, XML)."""

from __future__ import annotations

import datetime as dt

from budget.services import bulk, fx
from budget.uow import UnitOfWork
from imports.extract import (
    Problem,
)
from imports.handling import Factory, ImportOptions, ImportResult, refused_result
from imports.reader import RawFile


def load_fx(factory: Factory, raw: RawFile, opts: ImportOptions, user: str, channel: str,
             result: ImportResult) -> ImportResult:
    from imports.ecb import read_rates

    rates, problems, sheet = read_rates(raw)
    result.sheet = sheet
    result.problems.extend(problems)
    result.rows_read = len(rates)
    if not rates and not problems:
        result.problems.append(Problem(sheet, None, None, None, "the file holds no exchange rate"))
        return refused_result(result)
    seen: dict[tuple[str, dt.date], int] = {}
    unique = []
    for cur, day, value, line in rates:
        key = (cur, day)
        if key in seen:
            result.problems.append(Problem(sheet, line, cur, str(value),
                                           f"duplicate rate for {cur} on {day}: already on row {seen[key]}"))
            continue
        seen[key] = line
        unique.append((cur, day, value, line))
    with UnitOfWork(factory, user=user, channel=channel) as uow:
        stored = fx.stored_rates(uow, {c for c, _, _, _ in unique})
        new, corrected = [], []
        for cur, day, value, line in unique:
            old = stored.get((cur, day))
            if old is None:
                new.append((cur, day, value, line))
            elif old == value:
                result.rows_unchanged += 1
            elif opts.corrections:
                corrected.append((cur, day, value))
            else:
                result.rows_conflict += 1
                result.problems.append(Problem(sheet, line, cur, str(value),
                                               f"conflict: the stored {cur} rate of {day} is {old}; "
                                               "load with --corrections to replace it"))
        result.rows_new = len(new)
        result.rows_corrected = len(corrected)
        if result.problems:
            return refused_result(result)
        if not new and not corrected:
            result.message = f"Nothing to load: all {result.rows_read} rates of {raw.name} are already stored."
            return result
        bulk.open_batch(uow, "fx", raw.name, raw.sha256, rows_read=result.rows_read,
                        rows_new=len(new), rows_unchanged=result.rows_unchanged,
                        rows_corrected=len(corrected))
        result.batch = uow.batch_id
        fx.record_rates(uow, new, "ECB", source_sheet=sheet)
        bulk.correct_rates(uow, corrected)
        if opts.dry_run:
            result.batch = None
            result.message = f"Dry run: {len(new)} new rates would be stored; nothing was written."
            return result
        uow.commit()
    days = sorted({d for _, d, _, _ in new})
    span = f" from {days[0]} to {days[-1]}" if days else ""
    result.message = (f"Loaded {raw.name} as batch {result.batch}: {len(new)} new rates{span}, "
                      f"{len(corrected)} corrected, {result.rows_unchanged} unchanged.")
    return result
