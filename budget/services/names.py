"""Names in the reader's language: organisations, basic allocations (AB) and directorates.

Each has an English name (an AB's is its label) and optional French and Dutch names. One
rule picks the name shown, :func:`display_name`: the name in the reader's language when it
has one, else the English name. Every door calls it (dashboard tables, select boxes and
charts, the command's listings, the monthly PDF and workbook), through :class:`NameBook`
where a read gives only codes and English names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from sqlalchemy import select

from budget import bounds
from budget.ledger.models import BasicAllocation, Directorate, Organisation
from budget.uow import UnitOfWork

#: The languages a name may be given in; English is the one every entity has.
LANGUAGES = ("en", "fr", "nl")
#: The kinds of named things, as :class:`NameBook` keys them.
KINDS = ("organisation", "ab", "directorate")

T = TypeVar("T")


def _get(item: Any, key: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(key)
    return getattr(item, key, None)


def display_name(item: Any, lang: str) -> str:
    """The name of ``item`` to show a reader of ``lang``: its ``name_fr`` or ``name_nl``
    when given (not blank), else its English ``name`` (an AB's ``label``), else its code.

    ``item`` is anything with those attributes or keys: an ORM row, a read model's line,
    a :class:`Names`, a mapping. An unknown language reads English.
    """
    if lang in ("fr", "nl"):
        own = _get(item, f"name_{lang}")
        if own and str(own).strip():
            return str(own)
    english = _get(item, "name") or _get(item, "label")
    return str(english or _get(item, "code") or "")


@dataclass(frozen=True)
class Names:
    """An entity's names: English (required) and, optionally, French and Dutch."""

    name: str
    name_fr: str | None = None
    name_nl: str | None = None

    def shown(self, lang: str) -> str:
        """The name for a reader of ``lang`` (see :func:`display_name`)."""
        return display_name(self, lang)


@dataclass(frozen=True)
class NameBook:
    """Every organisation's, AB's and directorate's names, by kind and code (one small read)."""

    by_kind: Mapping[str, Mapping[str, Names]] = field(default_factory=dict)

    def name(self, kind: str, code: str, lang: str, default: str | None = None) -> str:
        """The name of ``code`` (a ``kind`` of :data:`KINDS`) for ``lang``; an unknown code
        gives ``default`` (else the code itself)."""
        found = self.by_kind.get(kind, {}).get(code)
        if found is None:
            return code if default is None else default
        return display_name(found, lang)

    def shown(self, kind: str, lang: str) -> dict[str, str]:
        """Code -> name for ``lang`` of every ``kind``: for a page or a report that names
        many lines (one dictionary look-up per line)."""
        return {code: display_name(n, lang) for code, n in self.by_kind.get(kind, {}).items()}


def name_book(uow: UnitOfWork) -> NameBook:
    """The names of every organisation, AB and directorate (a few hundred rows)."""
    s = uow.session
    orgs = {c: Names(n, fr, nl) for c, n, fr, nl in s.execute(
        select(Organisation.code, Organisation.name, Organisation.name_fr, Organisation.name_nl))}
    abs_ = {c: Names(label or c, fr, nl) for c, label, fr, nl in s.execute(
        select(BasicAllocation.code, BasicAllocation.label, BasicAllocation.name_fr, BasicAllocation.name_nl))}
    dirs = {c: Names(n, fr, nl) for c, n, fr, nl in s.execute(
        select(Directorate.code, Directorate.name, Directorate.name_fr, Directorate.name_nl))}
    return NameBook({"organisation": orgs, "ab": abs_, "directorate": dirs})


def renamed(items: Sequence[T], shown: Mapping[str, str], key: str, attr: str) -> tuple[T, ...]:
    """``items`` (frozen dataclasses) with ``attr`` set to the name ``shown`` gives for
    their ``key`` attribute (unknown keys keep theirs)."""
    out = []
    for x in items:
        name = shown.get(getattr(x, key))
        out.append(x if name is None or name == getattr(x, attr) else replace(x, **{attr: name}))  # type: ignore[type-var]
    return tuple(out)


def translated(value: object, what: str, limit: int) -> str | None:
    """A French or Dutch name as typed or loaded: trimmed, bounded like the English name
    (``limit`` characters, no control or text-direction character); blank gives None."""
    text = bounds.text(value if value is not None else "", what, limit)
    return text or None
