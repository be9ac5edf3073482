"""The pages name organisations, ABs and directorates in the user's language, English where
no French or Dutch name is given (issue #13 item 2), through Streamlit's AppTest on the demo."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import demo_copy
from streamlit.testing.v1 import AppTest

from dashboards.common import CurrentUser

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
OFFICER = CurrentUser("officer1", "officer", None)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, demo_template_today: Path) -> str:
    return demo_copy(demo_template_today, tmp_path_factory.mktemp("names"))


def open_page(monkeypatch: pytest.MonkeyPatch, url: str, page: str, lang: str) -> AppTest:
    monkeypatch.setenv("BUDGET_DATABASE_URL", url)
    monkeypatch.setenv("BUDGET_LANG", lang)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = OFFICER
    at.run()
    at.switch_page(f"screens/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def column(at: AppTest, key: str, name: str) -> dict[str, str]:
    """Key column -> ``name`` column of the first table that has both."""
    frames: list[pd.DataFrame] = [df.value for df in at.dataframe
                                  if key in df.value.columns and name in df.value.columns]
    assert frames, [list(df.value.columns) for df in at.dataframe]
    df = frames[0]
    return dict(zip(df[key], df[name], strict=True))


def test_the_organisations_page_in_french_shows_the_french_names_and_english_where_there_is_none(
        monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "organisations", "fr")
    names = column(at, "Code", "Nom")
    assert names["WHO"] == "Organisation mondiale de la santé"
    assert names["NATO-CIV"] == "OTAN - budget civil"
    assert names["UNESCO"] == "UNESCO"  # no French name in the demo: the English one
    at.selectbox(key="org_detail").set_value("WHO").run()
    assert any("Organisation mondiale de la santé (WHO)" in m.value for m in at.markdown)


def test_the_organisations_page_in_dutch_and_in_english(monkeypatch, demo_db):
    assert column(open_page(monkeypatch, demo_db, "organisations", "nl"), "Code", "Naam")["WHO"] == \
        "Wereldgezondheidsorganisatie"
    assert column(open_page(monkeypatch, demo_db, "organisations", "en"), "Code", "Name")["WHO"] == \
        "World Health Organization"


def test_directorates_and_budget_lines_are_named_in_french(monkeypatch, demo_db):
    at = open_page(monkeypatch, demo_db, "directorates", "fr")
    assert column(at, "Direction", "Nom")["M2"] == "Nations unies et OIF"
    at = open_page(monkeypatch, demo_db, "budget_lines", "fr")
    labels = column(at, "AB", "Libellé")
    assert labels["14.54.13.35.40.01"] == "Droits de l'homme et Conseil de l'Europe"
    assert labels["14.54.10.35.40.01"] == "Other multilateral contributions"  # no French label
