"""The dashboard's text catalogues: one per language, same keys, every key used exists."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

DASH = Path(__file__).resolve().parents[2] / "dashboards"
LANGS = ("en", "fr", "nl")


def catalogue(lang: str) -> dict[str, str]:
    return json.loads((DASH / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_every_language_has_the_same_keys_and_placeholders_as_english(lang):
    en, other = catalogue("en"), catalogue(lang)
    assert set(other) == set(en)
    for key, text in en.items():
        assert placeholders(other[key]) == placeholders(text), key


def test_every_text_key_the_pages_use_is_in_the_catalogue():
    en = catalogue("en")
    used: set[str] = set()
    for path in [*DASH.glob("*.py"), *(DASH / "screens").glob("*.py")]:
        code = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'(?:c\.t|\bt|page_header|empty_state)\(\s*"([a-z_]+\.[a-z0-9_]+)"', code))
    missing = sorted(k for k in used if k not in en)
    assert not missing
    assert len(used) > 100


def test_statuses_roles_and_kinds_have_their_labels():
    en = catalogue("en")
    from budget.services.organisation_status import STATUSES

    for status in STATUSES:
        assert f"status.{status}" in en
    for role in ("viewer", "officer", "admin"):
        assert f"role.{role}" in en


def test_a_count_of_one_reads_in_the_singular_in_every_language(monkeypatch):
    from dashboards import common

    en = catalogue("en")
    for key in (k for k in en if k.endswith(".one")):
        assert placeholders(en[key]) == placeholders(en[key.removesuffix(".one")]), key
    monkeypatch.setattr(common, "lang", lambda: "en")
    assert common.t("imports.loaded", batch=3, n=1) == "Loaded as batch #3: 1 row written."
    assert common.t("imports.loaded", batch=3, n=2) == "Loaded as batch #3: 2 rows written."
    assert common.t("imports.confirm", n=0) == "Confirm and load 0 rows"
    monkeypatch.setattr(common, "lang", lambda: "fr")
    assert common.t("imports.confirm", n=0) == "Confirmer et charger 0 ligne"
    assert common.t("fig.lines", n=12) == "12 lignes d'appel"
    monkeypatch.setattr(common, "lang", lambda: "nl")
    assert common.t("fig.lines", n=1) == "1 oproeplijn"
