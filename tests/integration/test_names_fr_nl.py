"""French and Dutch names (issue #13 item 2), on SQLite and PostgreSQL: loaded from a real
workbook (written with openpyxl, read back by the importer), typed on the services, refused
when hostile, and read back in the reader's language with English as the fallback."""

from __future__ import annotations

import io

import imports_samples as S
import pytest
from openpyxl import Workbook

from budget.bounds import OutOfBoundsError
from budget.services import OrganisationInput, register_allocation, register_organisation, views
from budget.services.ab_status import allocation_status
from budget.services.names import display_name, name_book
from budget.services.organisation_status import directorate_status, organisation_status
from imports import pipeline
from imports.pipeline import ImportOptions

Y = S.Y


def openpyxl_book(rows: list[list[object]], title: str = "Organisations") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def load(ledger, data: bytes, name: str, **options):
    return pipeline.load(ledger.factory, data, None, name, ImportOptions(**options), user="tester")


ORGS = [
    ["Code", "Name", "Nom (FR)", "Naam (NL)", "Directorate", "Currency"],
    ["UNESCO", "UNESCO", "ONU pour l'éducation, la science et la culture",
     "VN-organisatie voor onderwijs, wetenschap en cultuur", "M2", "USD"],
    ["OPCW", "Organisation for the Prohibition of Chemical Weapons", "OIAC", None, "M5", "EUR"],
    ["CTBTO", "CTBTO Preparatory Commission", None, None, "M5", "USD"],
]


def test_an_organisations_workbook_with_french_and_dutch_columns_loads_them(ledger):
    S.seed(ledger)
    result = load(ledger, openpyxl_book(ORGS), "organisations.xlsx")
    assert result.ok, result.problems
    with ledger.uow(write=False) as uow:
        orgs = {o.code: o for o in views.organisations(uow)}
    assert (orgs["UNESCO"].name_fr, orgs["UNESCO"].name_nl) == (
        "ONU pour l'éducation, la science et la culture", "VN-organisatie voor onderwijs, wetenschap en cultuur")
    assert (orgs["OPCW"].name_fr, orgs["OPCW"].name_nl) == ("OIAC", None)
    assert [display_name(orgs["OPCW"], lang) for lang in ("en", "fr", "nl")] == [
        "Organisation for the Prohibition of Chemical Weapons", "OIAC",
        "Organisation for the Prohibition of Chemical Weapons"]
    # The same file again writes nothing; a blank French cell never erases a French name.
    again = load(ledger, openpyxl_book([[*r[:2], None, *r[3:]] for r in ORGS]), "organisations.xlsx")
    assert again.ok and again.rows_new == 0, again.problems
    with ledger.uow(write=False) as uow:
        assert {o.code: o.name_fr for o in views.organisations(uow)}["UNESCO"].startswith("ONU pour")


def test_a_changed_french_name_is_a_conflict_unless_corrections_are_asked(ledger):
    S.seed(ledger)
    assert load(ledger, openpyxl_book(ORGS), "organisations.xlsx").ok
    changed = [r[:] for r in ORGS]
    changed[1][2] = "UNESCO (Organisation des Nations unies pour l'éducation)"
    conflict = load(ledger, openpyxl_book(changed), "organisations-2.xlsx")
    assert not conflict.ok and "name_fr: ONU pour" in conflict.problems[0].message
    fixed = load(ledger, openpyxl_book(changed), "organisations-2.xlsx", corrections=True)
    assert fixed.ok, fixed.problems
    with ledger.uow(write=False) as uow:
        assert {o.code: o.name_fr for o in views.organisations(uow)}["UNESCO"] == changed[1][2]


def test_a_hostile_french_name_in_a_workbook_is_a_problem_on_its_row_and_nothing_is_written(ledger):
    S.seed(ledger)
    rows = [ORGS[0], ["EVIL", "Evil", "Nom \u202erouge", None, "M2", "EUR"],
            ["LONG", "Long", None, "x" * 301, "M2", "EUR"]]
    result = load(ledger, openpyxl_book(rows), "evil.xlsx")
    assert not result.ok
    messages = " | ".join(p.message for p in result.problems)
    assert "control or text-direction character" in messages and "at most 300 fit" in messages
    with ledger.uow(write=False) as uow:
        assert not [o for o in views.organisations(uow) if o.code in ("EVIL", "LONG")]


def test_a_budget_workbook_creating_an_ab_gives_it_its_french_and_dutch_labels(ledger):
    S.seed(ledger)
    data = openpyxl_book([
        ["Year", "AB", "Commitment credits", "Payment credits", "Label", "Libellé (FR)", "Omschrijving (NL)"],
        [Y, "14.54.13.35.40.03", 1500000, 1400000, "Climate", "Climat", "Klimaat"],
    ], title="Budget")
    result = load(ledger, data, "budget.xlsx")
    assert result.ok, result.problems
    with ledger.uow(write=False) as uow:
        ab = {a.code: a for a in views.allocations(uow)}["14.54.13.35.40.03"]
        rows = {a.code: a for a in allocation_status(uow, Y, lang="nl")}
    assert (ab.label, ab.name_fr, ab.name_nl) == ("Climate", "Climat", "Klimaat")
    assert rows["14.54.13.35.40.03"].label == "Klimaat"


def test_reads_name_organisations_abs_and_directorates_in_the_readers_language(ledger):
    S.seed(ledger)
    with ledger.uow() as uow:
        register_allocation(uow, "14.54.99", "Other", "M2", name_fr="Autres")
        register_allocation(uow, S.AB_UN, name_nl="VN-bijdragen")  # an existing AB gets its Dutch label
        register_organisation(uow, OrganisationInput("WHO", "World Health Organization", "M2",
                                                     name_fr="Organisation mondiale de la santé",
                                                     name_nl="Wereldgezondheidsorganisatie"))
        uow.commit()
    with ledger.uow(write=False) as uow:
        fr = {r.code: r.name for r in organisation_status(uow, Y, lang="fr")}
        nl = {r.key: r.name for r in views.execution(uow, Y, "organisation", lang="nl").rows}
        en = {r.key: r.name for r in views.execution(uow, Y, "organisation").rows}
        dirs_fr = {r.key: r.name for r in views.execution(uow, Y, "directorate", lang="fr").rows}
        abs_nl = {r.key: r.name for r in views.execution(uow, Y, "ab", lang="nl").rows}
        statuses = directorate_status([], views.directorates_list(uow), lang="nl")
        book = name_book(uow)
    assert fr["WHO"] == "Organisation mondiale de la santé"
    assert nl["WHO"] == "Wereldgezondheidsorganisatie"
    assert en["WHO"] == "World Health Organization"
    assert dirs_fr["M2"] == "Nations unies et OIF"
    assert abs_nl[S.AB_UN] == "VN-bijdragen"
    assert abs_nl[S.AB_SEC] == "Security organisations"  # no Dutch label: the English one
    assert {s.code: s.name for s in statuses}["M5"] == "Ontwapening en non-proliferatie"
    assert book.name("ab", "14.54.99", "fr") == "Autres"
    assert book.name("organisation", "NOPE", "fr", "?") == "?"


def test_typed_names_are_bounded_like_the_english_name_and_a_blank_one_is_removed(ledger):
    S.seed(ledger)
    with ledger.uow() as uow, pytest.raises(OutOfBoundsError, match="French name of organisation WHO"):
        register_organisation(uow, OrganisationInput("WHO", "WHO", "M2", name_fr="\u202eevil"))
    with ledger.uow() as uow:
        register_organisation(uow, OrganisationInput("WHO", "WHO", "M2", name_fr="OMS", name_nl="WGO"))
        register_organisation(uow, OrganisationInput("WHO", "WHO", "M2"))  # names not given: kept
        uow.commit()
    with ledger.uow() as uow:
        row, _ = register_organisation(uow, OrganisationInput("WHO", "WHO", "M2", name_fr=" "))
        assert (row.name_fr, row.name_nl) == (None, "WGO")
        uow.commit()


def _pdftotext(data: bytes, tmp_path) -> str:
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return " ".join(out.stdout.split())


def _name_in_french(ledger) -> None:
    from reports_seed import AB_UN

    with ledger.uow() as uow:
        register_organisation(uow, OrganisationInput("NATO", "NATO civil budget", "M1", "EUR",
                                                     name_fr="OTAN budget civil", name_nl="NAVO civiel budget"))
        register_allocation(uow, AB_UN, name_fr="Contributions ONU")
        uow.commit()


def test_the_monthly_report_in_french_names_organisations_abs_and_directorates_in_french(ledger, tmp_path):
    import openpyxl
    from reports_seed import MONTH, seed_report_ledger

    from budget.reports import generate, generate_with_report

    seed_report_ledger(ledger.factory)
    english, _ = generate_with_report(ledger.factory, MONTH, formats=("pdf",))
    _name_in_french(ledger)
    files = generate(ledger.factory, MONTH, lang="fr")
    text = _pdftotext(files["pdf"], tmp_path)
    assert "OTAN budget civil" in text and "NATO civil budget" not in text
    assert "Contributions ONU" in text
    assert "Nations unies et OIF" in text and "Politique de sécurité" in text
    assert "United Nations regular budget" in text  # no French name: the English one
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value}
    assert "OTAN budget civil" in cells and "NATO civil budget" not in cells
    # In English nothing changes: the same names, the same fingerprint as before.
    again, pdf = generate_with_report(ledger.factory, MONTH, formats=("pdf",))
    assert again.fingerprint == english.fingerprint
    assert "NATO civil budget" in _pdftotext(pdf["pdf"], tmp_path)
