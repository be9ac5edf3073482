"""Links, drill-down and search through Streamlit's AppTest, on the demo ledger (SQLite).

A page's state lives in its URL (``st.query_params``): a link opens the same view, a widget
changed by the user is written back, hostile parameters are ignored with a message, and a
viewer limited to some directorates is told when a link points outside them.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import demo_copy
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from budget.ledger.db import make_engine, make_session_factory
from budget.ledger.models import Commitment, Organisation
from budget.uow import UnitOfWork
from dashboards.common import CurrentUser

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "app.py")
YEAR = dt.date.today().year
OFFICER = CurrentUser("officer1", "officer", None)
M2_VIEWER = CurrentUser("m2-reader", "viewer", ("M2",))


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, demo_template_today: Path) -> str:
    return demo_copy(demo_template_today, tmp_path_factory.mktemp("links"))


@pytest.fixture(scope="module")
def known(demo_db: str) -> dict[str, str]:
    """An organisation of M2 with a commitment, and an organisation of M3."""
    engine = make_engine(demo_db)
    with UnitOfWork(make_session_factory(engine), write=False) as uow:
        ref, org = uow.session.execute(
            select(Commitment.reference, Organisation.code)
            .join(Organisation, Organisation.id == Commitment.organisation_id)
            .where(Organisation.directorate_code == "M2", Commitment.reverses_id.is_(None),
                   Commitment.fiscal_year == YEAR)
            .order_by(Commitment.id).limit(1)).one()
        other = uow.session.scalar(select(Organisation.code).where(Organisation.directorate_code == "M3")
                                   .order_by(Organisation.code).limit(1))
    engine.dispose()
    return {"ref": ref, "org": org, "other": other}


def opened(monkeypatch: pytest.MonkeyPatch, url: str, page: str, user: CurrentUser = OFFICER,
           **params: str) -> AppTest:
    """``page`` opened by a link carrying ``params``, as ``user``."""
    monkeypatch.setenv("BUDGET_DATABASE_URL", url)
    monkeypatch.delenv("BUDGET_DEMO", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user"] = user
    at.run()
    at.switch_page(f"screens/{page}.py")
    at.query_params.clear()
    at.query_params.update(params)
    return at.run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [t.value for t in at.title] + [s.value for s in at.subheader] + [c.value for c in at.caption]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_a_link_opens_an_organisation_with_its_year_day_and_filters(monkeypatch, demo_db, known):
    from streamlit.elements.lib import policies

    # Streamlit logs it once per process, for a widget given a default and a session value.
    said: list[str] = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda msg, *args, **kw: said.append(msg % args))
    as_of = f"{YEAR}-06-30"
    at = opened(monkeypatch, demo_db, "organisations", org=known["org"], year=str(YEAR), as_of=as_of,
                dirs="M2", status="", find="")
    no_errors(at)
    assert at.selectbox(key="org_year").value == YEAR
    assert at.date_input(key=f"org_as_of-{YEAR}").value == dt.date(YEAR, 6, 30)
    assert at.multiselect(key="org_dirs").value == ["M2"]
    assert at.selectbox(key="org_detail").value == known["org"]
    assert at.query_params["org"] == known["org"] and at.query_params["dirs"] == "M2"
    assert not [m for m in said if "default value" in m], said


def test_a_widget_changed_by_the_user_is_written_to_the_url_and_kept(monkeypatch, demo_db, known):
    at = opened(monkeypatch, demo_db, "organisations", org=known["org"])
    at.session_state["org_filters_open"] = True  # folded with none set: drawn once unfolded
    at.run()
    at.multiselect(key="org_dirs").set_value(["M2", "M3"]).run()
    no_errors(at)
    assert at.query_params["dirs"] == "M2,M3"
    at.selectbox(key="org_year").set_value(YEAR - 1).run()
    no_errors(at)
    assert at.query_params["year"] == str(YEAR - 1)
    assert at.selectbox(key="org_year").value == YEAR - 1  # the old URL value did not take over


def test_a_link_outside_the_viewers_directorates_shows_a_clear_message_and_no_data(monkeypatch, demo_db, known):
    at = opened(monkeypatch, demo_db, "organisations", M2_VIEWER, org=known["other"])
    no_errors(at)
    assert "not in your scope" in texts(at)
    assert at.selectbox(key="org_detail").value != known["other"]
    assert known["other"] not in " ".join(str(o) for o in at.selectbox(key="org_detail").options)
    entry = opened(monkeypatch, demo_db, "directorates", M2_VIEWER, dir="M3")
    no_errors(entry)
    assert "not in your scope" in texts(entry)


@pytest.mark.parametrize("params", [
    {"year": "abc", "as_of": "2026-13-45", "org": "x" * 5000, "dirs": "ZZ,<b>", "status": "%00"},
    {"year": "99999999999999999999", "as_of": "0001-01-01", "org": "NO-SUCH-ORG", "cur": "XXX"},
    {"year": "1989", "as_of": "not a date", "org": "../../etc/passwd", "find": "\x1b[31m"},
])
def test_hostile_link_parameters_are_ignored_with_a_message_never_a_traceback(monkeypatch, demo_db, params):
    at = opened(monkeypatch, demo_db, "organisations", **params)
    no_errors(at)
    shown = texts(at)
    assert "not understood" in shown or "does not exist" in shown
    assert at.selectbox(key="org_year").value in (YEAR, YEAR - 1)


def test_a_directorate_of_a_link_opens_its_organisations(monkeypatch, demo_db):
    at = opened(monkeypatch, demo_db, "directorates", dir="M2", year=str(YEAR))
    no_errors(at)
    assert at.selectbox(key="dir_pick").value == "M2"
    assert at.query_params["dir"] == "M2"


def test_an_entry_shows_its_source_file_and_its_audit_trail(monkeypatch, demo_db, known):
    at = opened(monkeypatch, demo_db, "entry", kind="commitment", ref=known["ref"], org=known["org"])
    no_errors(at)
    shown = texts(at)
    assert known["ref"] in shown and "Import batch #" in shown and "Audit trail" in shown
    assert any("Action" in df.value.columns for df in at.dataframe)
    outside = opened(monkeypatch, demo_db, "entry", CurrentUser("m3", "viewer", ("M3",)),
                     kind="commitment", ref=known["ref"])
    no_errors(outside)
    assert "not in your scope" in texts(outside) and "Import batch #" not in texts(outside)
    for bad in ({"kind": "app_user", "ref": "admin"}, {"kind": "payment", "ref": "NOPE"},
                {"kind": "batch", "ref": "99999999999"}):
        at = opened(monkeypatch, demo_db, "entry", **bad)
        no_errors(at)


def test_the_search_finds_a_reference_within_the_users_scope(monkeypatch, demo_db, known):
    at = opened(monkeypatch, demo_db, "search", q=known["ref"])
    no_errors(at)
    results = at.dataframe[0].value
    assert known["ref"] in set(results["Reference"])
    viewer = opened(monkeypatch, demo_db, "search", CurrentUser("m3", "viewer", ("M3",)), q=known["ref"])
    no_errors(viewer)
    assert "Nothing matches" in texts(viewer)
    long = opened(monkeypatch, demo_db, "search", q="x" * 500)
    no_errors(long)
    assert "not understood" in texts(long)


def test_the_sidebar_search_box_is_on_every_page_and_opens_the_results(monkeypatch, demo_db, known):
    at = opened(monkeypatch, demo_db, "arrears")
    at.text_input(key="sidebar_q").input(known["ref"])
    at.button[[b.label for b in at.button].index("Search")].click().run() if any(
        b.label == "Search" for b in at.button) else at.sidebar.form[0].submit_button[0].click().run()
    no_errors(at)
    assert at.query_params.get("q") == known["ref"]
    assert any(known["ref"] in set(df.value.get("Reference", [])) for df in at.dataframe)
