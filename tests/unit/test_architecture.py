"""Architecture rules, checked by parsing the source (nothing is imported).

- ``dashboards/`` and ``imports/`` go through the service layer: they never import the ORM
  models (``budget.ledger.models``) nor SQLAlchemy's query-building API. Only the plumbing to
  hold a session factory is allowed (``Engine``, ``Session``, ``sessionmaker``) and the
  exception classes (``sqlalchemy.exc``), so that database errors can be translated.
- The pure core (``budget/money.py``, ``budget/errors.py``) and the service layer
  (``budget/services/``) never import pandas or Streamlit.
- No module imports a private name of Streamlit, Altair, pandas or pyarrow.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: What a door may take from SQLAlchemy: session plumbing and exception classes, no queries.
ALLOWED_SQLALCHEMY: dict[str, set[str] | None] = {
    "sqlalchemy": {"Engine"},
    "sqlalchemy.engine": {"Engine", "URL", "make_url"},
    "sqlalchemy.orm": {"Session", "sessionmaker"},
    "sqlalchemy.exc": None,  # any exception class
}
FORBIDDEN_IN_CORE = ("pandas", "streamlit")


def imports_of(rel: str, source: str) -> Iterator[tuple[int, str, str | None]]:
    """Every import of a module's ``source``: (line, module, name or None for ``import x``)."""
    tree = ast.parse(source, filename=rel)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative import: resolve against the file's package
                package = Path(rel).parent.parts
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            for alias in node.names:
                yield node.lineno, module, alias.name


def door_violations(rel: str, source: str) -> list[str]:
    """Imports of a door module (``rel``, its ``source``) that bypass the service layer."""
    out = []
    for line, module, name in imports_of(rel, source):
        where = f"{rel}:{line}"
        full = f"{module}.{name}" if name else module
        if full.startswith("budget.ledger.models") or module.startswith("budget.ledger.models"):
            out.append(f"{where} imports the ORM models ({full})")
        elif module == "sqlalchemy" or module.startswith("sqlalchemy."):
            allowed = ALLOWED_SQLALCHEMY.get(module, set())
            if name is None:
                out.append(f"{where} imports {module} wholesale")
            elif allowed is not None and name not in allowed:
                out.append(f"{where} builds on SQLAlchemy directly ({full})")
    return out


def core_violations(rel: str, source: str) -> list[str]:
    """Imports of pandas or Streamlit in a core module."""
    out = []
    for line, module, _ in imports_of(rel, source):
        top = module.split(".")[0]
        if top in FORBIDDEN_IN_CORE:
            out.append(f"{rel}:{line} imports {top}")
    return out


def python_files(*folders: str) -> list[Path]:
    files = []
    for folder in folders:
        base = ROOT / folder
        files += sorted(base.rglob("*.py")) if base.is_dir() else ([base] if base.exists() else [])
    return files


DOORS = python_files("dashboards", "imports", "budget/reports", "budget/cli.py", "budget/cli_reads.py",
                     "budget/cli_outlook.py", "budget/users_cli.py")
#: Raw SQL belongs to the ledger and service layers only.
RAW_SQL = re.compile(r"\.connection\(\)|exec_driver_sql|\btext\(")
CORE = python_files("budget/money.py", "budget/errors.py", "budget/services")


def test_the_rules_see_the_code_they_guard():
    assert DOORS, "no dashboards/ or imports/ module found"
    assert ROOT / "budget" / "money.py" in CORE
    assert any(p.parent.name == "services" for p in CORE)


@pytest.mark.parametrize("path", DOORS, ids=lambda p: str(p.relative_to(ROOT)))
def test_dashboards_and_imports_go_through_the_service_layer(path):
    assert door_violations(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", DOORS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_door_writes_raw_sql(path):
    source = path.read_text(encoding="utf-8")
    found = [f"{path.relative_to(ROOT)}:{source[:m.start()].count(chr(10)) + 1} {m.group(0)}"
             for m in RAW_SQL.finditer(source)]
    assert found == []


def module_imports(path: Path, known: set[str]) -> set[str]:
    """The project modules a module imports at its top level (imports inside functions are
    deferred on purpose and cannot make a cycle at import time); ``from package import
    module`` counts as importing the module."""
    rel = str(path.relative_to(ROOT))
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
    out = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.add(sub if sub in known else node.module)
    return out & known


def test_no_import_cycle_among_the_project_modules():
    files = python_files("budget", "imports", "dashboards")
    name_of = {p: ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in files}
    known = set(name_of.values())
    graph = {name_of[p]: module_imports(p, known) - {name_of[p]} for p in files}
    assert find_cycles(graph) == []


def test_a_cycle_is_caught():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every back edge of a depth-first walk, as the path that closes it."""
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt):], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_pure_core_and_services_import_neither_pandas_nor_streamlit(path):
    assert core_violations(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")) == []


# The rules themselves are tested on small sources, so a broken rule cannot pass silently.


@pytest.mark.parametrize(
    "source",
    [
        "from budget.ledger.models import Payment\n",
        "import budget.ledger.models\n",
        "from budget.ledger import models\n",
        "from sqlalchemy import select\n",
        "from sqlalchemy.orm import Query\n",
        "import sqlalchemy\n",
        "import sqlalchemy.orm\n",
        "def f():\n    from sqlalchemy import func\n",
    ],
)
def test_a_door_importing_the_orm_is_caught(source):
    assert door_violations("dashboards/probe.py", source), f"not caught: {source!r}"


def test_allowed_plumbing_passes():
    source = (
        "from sqlalchemy import Engine\n"
        "from sqlalchemy.orm import Session, sessionmaker\n"
        "from sqlalchemy.exc import IntegrityError\n"
        "from budget.ledger.db import make_engine\n"
        "from budget.services import views\n"
    )
    assert door_violations("imports/probe.py", source) == []


@pytest.mark.parametrize("source", ["import pandas as pd\n", "from streamlit import cache_data\n",
                                    "import streamlit.components.v1\n"])
def test_the_core_importing_pandas_or_streamlit_is_caught(source):
    assert core_violations("budget/services/probe.py", source)


def test_the_readme_names_every_module_in_its_architecture_section():
    """The architecture section matches the tree: every module of the project is named there
    (by its file name) with what it holds."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Layout and architecture"):]
    section = section[:section.index("\n## ", 1)] if "\n## " in section[1:] else section
    named = set(re.findall(r"`(?:[a-z0-9_]+/)*([a-z0-9_]+)\.py`", section))
    missing = sorted(str(p.relative_to(ROOT)) for p in python_files("budget", "imports", "dashboards")
                     if p.stem not in named and p.stem != "__init__")
    assert missing == [], "add these modules to the README's architecture section"


def _project_module_names() -> dict[Path, str]:
    files = python_files("budget", "imports", "dashboards")
    return {p: ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in files}


def private_crossings(rel: str, source: str, known: set[str]) -> list[str]:
    """Private names (``_name``) a module takes from another project module: imported by
    name, or read as an attribute of a project module it imported."""
    tree = ast.parse(source, filename=rel)
    out = []
    modules: dict[str, str] = {}  # local name -> project module
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                if sub in known:
                    modules[a.asname or a.name] = sub
                elif node.module in known and a.name.startswith("_") and not a.name.startswith("__"):
                    out.append(f"{rel}:{node.lineno} imports {node.module}.{a.name}")
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name in known and a.asname:
                    modules[a.asname] = a.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            out.append(f"{rel}:{node.lineno} reads {modules[node.value.id]}.{node.attr}")
    return out


def test_no_private_name_crosses_a_module():
    """A helper used by two modules is part of a module's interface: it gets a public name
    (and a docstring) instead of being reached into."""
    names = _project_module_names()
    known = set(names.values())
    found = [v for p in names for v in private_crossings(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"),
                                                         known)]
    assert found == []


def test_a_private_crossing_is_caught():
    known = {"budget.services.entries", "budget.services"}
    source = ("from budget.services import entries\nfrom budget.services.entries import _hidden\n"
              "entries._conversion()\n")
    assert private_crossings("x.py", source, known) == [
        "x.py:2 imports budget.services.entries._hidden", "x.py:3 reads budget.services.entries._conversion"]


def third_party_private_imports(rel: str, source: str) -> list[str]:
    """Imports of a private name (a ``_`` segment) of Streamlit, Altair, pandas or pyarrow:
    such a name may change in any release (the pins allow new ones)."""
    out = []
    for line, module, name in imports_of(rel, source):
        if module.split(".")[0] not in ("streamlit", "altair", "pandas", "pyarrow"):
            continue
        if any(part.startswith("_") for part in [*module.split("."), name or ""]):
            out.append(f"{rel}:{line} imports {module}{'.' + name if name else ''}")
    return out


def test_no_private_name_of_a_library_is_imported():
    found = [v for p in python_files("budget", "imports", "dashboards")
             for v in third_party_private_imports(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"))]
    assert found == []


def test_a_private_library_import_is_caught():
    source = ("from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec\n"
              "import pandas._libs\nfrom streamlit import dataframe\n")
    assert third_party_private_imports("x.py", source) == [
        "x.py:1 imports streamlit.elements.vega_charts._convert_altair_to_vega_lite_spec",
        "x.py:2 imports pandas._libs"]
