"""The one rule naming an organisation, AB or directorate in the reader's language: its
French or Dutch name when given, else its English name (issue #13 item 2)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budget.services.names import NameBook, Names, display_name, renamed

WHO = Names("World Health Organization", "Organisation mondiale de la santé", "Wereldgezondheidsorganisatie")


@pytest.mark.parametrize("lang, shown", [
    ("en", "World Health Organization"),
    ("fr", "Organisation mondiale de la santé"),
    ("nl", "Wereldgezondheidsorganisatie"),
    ("de", "World Health Organization"),  # a language without names reads English
])
def test_each_language_reads_its_own_name(lang, shown):
    assert display_name(WHO, lang) == shown


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_a_missing_or_blank_translation_falls_back_to_the_english_name(missing):
    item = Names("OSCE unified budget", missing, missing)
    assert display_name(item, "fr") == display_name(item, "nl") == "OSCE unified budget"


def test_an_ab_is_named_by_its_label_and_an_unlabelled_one_by_its_code():
    assert display_name(SimpleNamespace(code="14.54", label="UN", name_fr="ONU", name_nl=None), "nl") == "UN"
    assert display_name({"code": "14.54", "label": "", "name_fr": "ONU"}, "fr") == "ONU"
    assert display_name({"code": "14.54", "label": ""}, "fr") == "14.54"


@given(en=st.text(min_size=1).filter(str.strip), fr=st.none() | st.text(), nl=st.none() | st.text(),
       lang=st.sampled_from(["en", "fr", "nl"]))
def test_the_name_shown_is_the_languages_when_given_else_english(en, fr, nl, lang):
    own = {"en": None, "fr": fr, "nl": nl}[lang]
    expected = own if own and own.strip() else en
    assert display_name(Names(en, fr, nl), lang) == expected


def test_the_name_book_names_codes_and_renames_lines_without_copying_unchanged_ones():
    book = NameBook({"organisation": {"WHO": WHO, "OSCE": Names("OSCE")}})
    assert book.name("organisation", "WHO", "fr") == "Organisation mondiale de la santé"
    assert book.name("organisation", "NOPE", "fr") == "NOPE"
    shown = book.shown("organisation", "nl")
    assert shown == {"WHO": "Wereldgezondheidsorganisatie", "OSCE": "OSCE"}
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Line:
        organisation: str
        organisation_name: str

    lines = (Line("WHO", "World Health Organization"), Line("OSCE", "OSCE"), Line("GONE", "Gone"))
    out = renamed(lines, shown, "organisation", "organisation_name")
    assert [x.organisation_name for x in out] == ["Wereldgezondheidsorganisatie", "OSCE", "Gone"]
    assert out[1] is lines[1] and out[2] is lines[2]

