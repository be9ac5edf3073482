"""Frozen packs in the ledger (#14): immutable records, seen within the user's scope, kept by
the migrations, and written with their files or not at all (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.util import CommandError
from sqlalchemy import inspect, select, text

from budget.errors import ArchivedFileError, ImmutableEntryError, NotFoundError, ValidationError
from budget.ledger.migrate import current, downgrade, upgrade
from budget.ledger.models import ReportPack
from budget.reports import archive
from budget.reports.monthly import monthly_report
from budget.services import report_archive
from budget.services.report_archive import PackFile, PackInput


@pytest.fixture(autouse=True)
def archive_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "archive"
    monkeypatch.setenv("BUDGET_ARCHIVE_DIR", str(folder))
    return folder


def pack_input(period: str = "2025-10", directorates: tuple[str, ...] | None = None, n: int = 0) -> PackInput:
    return PackInput(
        period=period, directorates=directorates, lang="en", fingerprint=f"{n:064d}", figures="{}",
        generated_at=dt.datetime(2025, 11, 3, 9, 0),
        files=(PackFile("pdf", "r.pdf", f"{n:063d}a", 10), PackFile("xlsx", "r.xlsx", f"{n:063d}b", 20)),
    )


def record(ledger, data: PackInput, supersede: str | None = None) -> int:
    with ledger.uow() as uow:
        pack = report_archive.record_pack(uow, data, supersede)
        uow.commit()
    return pack.id


def test_a_frozen_pack_cannot_be_changed_or_deleted_in_place(ledger):
    pack_id = record(ledger, pack_input())
    with ledger.uow() as uow:
        row = uow.session.get(ReportPack, pack_id)
        assert row is not None
        row.fingerprint = "f" * 64
        with pytest.raises(ImmutableEntryError):
            uow.session.flush()
    with ledger.uow() as uow:
        uow.session.delete(uow.session.get(ReportPack, pack_id))
        with pytest.raises(ImmutableEntryError):
            uow.session.flush()


def test_a_viewer_limited_to_directorates_sees_only_the_packs_within_them(ledger):
    every = record(ledger, pack_input(n=1))
    m1 = record(ledger, pack_input(directorates=("M1",), n=2))
    m1_m3 = record(ledger, pack_input(directorates=("M1", "M3"), n=3))
    m2 = record(ledger, pack_input(directorates=("M2",), n=4))
    with ledger.uow(write=False) as uow:
        assert [p.id for p in report_archive.packs(uow)] == [m2, m1_m3, m1, every]
        assert [p.id for p in report_archive.packs(uow, directorates=("M1", "M3"))] == [m1_m3, m1]
        assert [p.id for p in report_archive.packs(uow, directorates=("M2",))] == [m2]
        with pytest.raises(NotFoundError):
            report_archive.pack(uow, every, directorates=("M1",))
        with pytest.raises(NotFoundError):
            report_archive.pack_of_file(uow, f"{2:063d}a", directorates=("M2",))
        assert report_archive.pack_of_file(uow, f"{3:063d}b", directorates=("M1", "M3")).id == m1_m3


def test_a_supersede_needs_a_pack_to_supersede_and_a_reason(ledger):
    with ledger.uow() as uow, pytest.raises(ValidationError, match="no frozen pack to supersede"):
        report_archive.record_pack(uow, pack_input(), "late payment")
    first = record(ledger, pack_input())
    with ledger.uow() as uow, pytest.raises(ValidationError, match="Give the reason"):
        report_archive.record_pack(uow, pack_input(n=1), "  ")
    second = record(ledger, pack_input(n=1), "late payment")
    third = record(ledger, pack_input(n=2), "another one")
    with ledger.uow(write=False) as uow:
        packs = {p.id: p for p in report_archive.packs(uow)}
    assert (packs[first].superseded_by, packs[second].supersedes_id, packs[second].superseded_by) == (
        second, first, third)
    assert [packs[i].revision for i in (first, second, third)] == [0, 1, 2]


def test_a_downgrade_that_would_drop_frozen_packs_refuses_and_keeps_them(ledger):
    record(ledger, pack_input())
    head = current(ledger.engine)
    with pytest.raises(CommandError, match=r"report_pack \(1 rows\)"):
        downgrade(ledger.engine, "0005")
    assert current(ledger.engine) == head
    assert inspect(ledger.engine).has_table("report_pack")
    with ledger.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM report_pack")).scalar_one() == 1


def test_an_empty_archive_table_downgrades_and_upgrades_again(ledger):
    downgrade(ledger.engine, "0005")
    assert not inspect(ledger.engine).has_table("report_pack")
    upgrade(ledger.engine)
    assert inspect(ledger.engine).has_table("report_pack")


def test_a_pack_whose_files_cannot_be_written_is_not_recorded(ledger, archive_dir):
    report = monthly_report(ledger.factory, "2025-10")
    archive_dir.parent.mkdir(parents=True, exist_ok=True)
    archive_dir.write_text("a file where the folder should be")
    with pytest.raises(OSError):
        archive.freeze(ledger.factory, report, {"pdf": b"%PDF", "xlsx": b"PK"},
                       {"pdf": "r.pdf", "xlsx": "r.xlsx"}, "en", user="alice")
    with ledger.uow(write=False) as uow:
        assert uow.session.scalars(select(ReportPack)).all() == []


def test_an_archived_file_changed_on_disk_is_reported_not_served(ledger):
    report = monthly_report(ledger.factory, "2025-10")
    pack = archive.freeze(ledger.factory, report, {"pdf": b"%PDF-frozen", "xlsx": b"PK-frozen"},
                          {"pdf": "r.pdf", "xlsx": "r.xlsx"}, "en", user="alice")
    assert archive.read_file(pack, "pdf") == b"%PDF-frozen"
    archive.file_path(pack, "xlsx").write_bytes(b"PK-tampered")
    with pytest.raises(ArchivedFileError, match="is not the file frozen"):
        archive.read_file(pack, "xlsx")
    archive.file_path(pack, "pdf").unlink()
    with pytest.raises(ArchivedFileError, match="cannot be read"):
        archive.read_file(pack, "pdf")
    assert archive.verify(ledger.factory, pack).unchanged
