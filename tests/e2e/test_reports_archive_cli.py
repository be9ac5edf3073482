"""Frozen packs through the CLI (#14): ``report monthly --freeze``, ``report list``,
``report verify`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from reports_seed import MONTH, seed_report_ledger
from sqlalchemy import select

from budget.cli import cli
from budget.ledger.models import AuditLog, Payment
from budget.reports.monthly import monthly_report
from budget.services import record_payment, reverse


@pytest.fixture(autouse=True)
def archive_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "archive"
    monkeypatch.setenv("BUDGET_ARCHIVE_DIR", str(folder))
    monkeypatch.setenv("BUDGET_USER", "alice")
    return folder


def run(ledger, *args: str):
    return CliRunner().invoke(cli, ["--db", ledger.url, "report", *args])


def freeze(ledger, out: Path, *more: str):
    return run(ledger, "monthly", "--month", MONTH, "--out", str(out), "--freeze", "--json", *more)


def organisation(report, code: str):
    return next(line for line in report.by_organisation if line.code == code)


def test_a_payment_recorded_after_the_freeze_is_named_by_verify_with_both_values(ledger, tmp_path):
    seed_report_ledger(ledger.factory)
    frozen = freeze(ledger, tmp_path / "out")
    assert frozen.exit_code == 0, frozen.output
    pack = json.loads(frozen.output)["pack"]
    before = monthly_report(ledger.factory, MONTH)

    unchanged = run(ledger, "verify", json.loads(frozen.output)["files"]["pdf"])
    assert unchanged.exit_code == 0, unchanged.output
    assert f"pack {pack['id']}" in unchanged.output and "unchanged" in unchanged.output

    with ledger.uow() as uow:  # a late payment, dated in the frozen month
        record_payment(uow, "PAY-LATE-OSCE", "ENG-2025-OSCE", entry_date=dt.date(2025, 10, 20), amount="1000.00")
        uow.commit()
    after = monthly_report(ledger.factory, MONTH)

    changed = run(ledger, "verify", json.loads(frozen.output)["files"]["xlsx"])
    assert changed.exit_code == 1, changed.output
    assert "changed since frozen" in changed.output
    osce_before, osce_after = organisation(before, "OSCE").paid, organisation(after, "OSCE").paid
    assert osce_after == osce_before + 1000
    assert "--json lists them all" in changed.output or "by_organisation[OSCE].paid" in changed.output

    as_json = run(ledger, "verify", str(pack["id"]), "--json")
    assert as_json.exit_code == 1
    verdict = json.loads(as_json.output)
    changes = {c["figure"]: (c["before"], c["after"]) for c in verdict["changes"]}
    assert changes["summary.current.paid_in_year"] == (str(before.summary.current.paid_in_year),
                                                       str(after.summary.current.paid_in_year))
    assert changes["payments[OSCE/PAY-LATE-OSCE/ENG-2025-OSCE/EUR]"][0] is None
    assert verdict["unchanged"] is False
    assert verdict["fingerprint_frozen"] == before.fingerprint
    assert verdict["fingerprint_now"] == after.fingerprint
    assert {"figure": "by_organisation[OSCE].paid", "before": str(osce_before), "after": str(osce_after)} \
        in verdict["changes"]


def test_a_payment_reversed_after_the_freeze_is_named_by_verify(ledger, tmp_path):
    seed_report_ledger(ledger.factory)
    frozen = freeze(ledger, tmp_path / "out")
    assert frozen.exit_code == 0, frozen.output
    before = monthly_report(ledger.factory, MONTH)
    with ledger.uow() as uow:
        payment_id = uow.session.scalar(select(Payment.id).where(Payment.reference == "PAY-2025-COE"))
        reverse(uow, "payment", payment_id, reason="paid twice")
        uow.commit()
    after = monthly_report(ledger.factory, MONTH)
    result = run(ledger, "verify", str(json.loads(frozen.output)["pack"]["id"]))
    assert result.exit_code == 1, result.output
    coe_before, coe_after = organisation(before, "COE").paid, organisation(after, "COE").paid
    assert coe_before != coe_after
    assert f"by_organisation[COE].paid: {coe_before} -> {coe_after}" in result.output


def test_freezing_a_month_twice_is_refused_and_a_supersede_is_recorded_with_its_reason(ledger, tmp_path,
                                                                                      archive_dir):
    seed_report_ledger(ledger.factory)
    first = freeze(ledger, tmp_path / "out1")
    assert first.exit_code == 0, first.output
    first_id = json.loads(first.output)["pack"]["id"]

    again = freeze(ledger, tmp_path / "out2")
    assert again.exit_code == 1
    assert again.output.strip().count("\n") == 0
    assert again.output.startswith(f"error: The report of {MONTH} (all directorates, en) is frozen already "
                                   f"(pack {first_id},")
    assert "--supersede REASON" in again.output
    assert not (tmp_path / "out2").exists()
    assert [p.name for p in (archive_dir / MONTH).iterdir()] == [f"pack-{first_id}"]

    superseding = run(ledger, "monthly", "--month", MONTH, "--out", str(tmp_path / "out2"), "--json",
                      "--supersede", "the October NATO payment was missing")
    assert superseding.exit_code == 0, superseding.output
    second = json.loads(superseding.output)["pack"]
    assert (second["supersedes"], second["revision"]) == (first_id, 1)
    assert second["supersede_reason"] == "the October NATO payment was missing"

    listed = run(ledger, "list", "--json")
    assert listed.exit_code == 0, listed.output
    packs = json.loads(listed.output)
    assert [p["id"] for p in packs] == [second["id"], first_id]
    assert packs[1]["superseded_by"] == second["id"]
    assert packs[0]["supersede_reason"] == "the October NATO payment was missing"
    assert packs[0]["frozen_by"] == "alice"
    text = run(ledger, "list")
    assert "superseded by" in text.output and "the October NATO payment was missing" in text.output

    with ledger.uow(write=False) as uow:
        lines = uow.session.execute(select(AuditLog.user, AuditLog.entity_id, AuditLog.details)
                                    .where(AuditLog.action == "freeze").order_by(AuditLog.id)).all()
    assert [(a.user, a.entity_id) for a in lines] == [("alice", str(first_id)), ("alice", str(second["id"]))]
    assert json.loads(lines[1].details or "{}")["reason"] == "the October NATO payment was missing"


def test_the_archived_files_are_the_files_written_and_list_json_names_them(ledger, tmp_path):
    seed_report_ledger(ledger.factory)
    result = run(ledger, "monthly", "--month", MONTH, "--directorate", "M2", "--lang", "fr",
                 "--out", str(tmp_path / "out"), "--freeze", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    pack = out["pack"]
    assert (pack["month"], pack["directorates"], pack["lang"]) == (MONTH, ["M2"], "fr")
    assert pack["fingerprint"] == out["fingerprint"]
    for fmt in ("pdf", "xlsx"):
        written = Path(out["files"][fmt]).read_bytes()
        kept = Path(pack["files"][fmt]["path"])
        assert kept.read_bytes() == written
        assert kept.name == Path(out["files"][fmt]).name
        assert pack["files"][fmt]["sha256"] == hashlib.sha256(written).hexdigest()
        assert pack["files"][fmt]["size"] == len(written)
    [listed] = json.loads(run(ledger, "list", "--json").output)
    assert listed == pack
    assert json.loads(run(ledger, "list", "--month", "2025-09", "--json").output) == []


def test_verify_of_a_file_never_frozen_or_of_an_unknown_pack_is_refused_in_one_line(ledger, tmp_path):
    stranger = tmp_path / "report.pdf"
    stranger.write_bytes(b"%PDF-1.4 not a frozen pack")
    result = run(ledger, "verify", str(stranger))
    assert result.exit_code == 1
    assert result.output.startswith("error: No frozen pack holds this file (SHA-256 ")
    assert result.output.strip().count("\n") == 0
    unknown = run(ledger, "verify", "999")
    assert (unknown.exit_code, unknown.output.strip()) == (1, "error: No frozen pack has id 999.")
    assert run(ledger, "verify", str(tmp_path / "missing.pdf")).exit_code == 2
    assert run(ledger, "list").output.strip() == "no frozen pack"


def test_freezing_one_format_only_is_a_usage_error(ledger, tmp_path):
    result = run(ledger, "monthly", "--month", MONTH, "--format", "pdf", "--freeze", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "--freeze keeps both files" in result.output
    assert not (tmp_path / "o").exists()
