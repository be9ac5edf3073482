"""Declarative column specs: for each kind, its columns, their EN/FR/NL synonyms and parsers.

A header cell matches a column when its normalised text (see
:func:`imports.parsing.normalise_header`) equals one of the column's normalised synonyms, so
"Montant (EUR)", "montant eur" and "MONTANT-EUR" are one header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from imports import parsing as p


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a kind: canonical name, header synonyms, parser, whether required."""

    name: str
    synonyms: tuple[str, ...]
    parser: str  # amount | date | text | code | currency | year | rate
    required: bool = True
    help: str = ""
    example: Any = None

    @cached_property
    def keys(self) -> frozenset[str]:
        return frozenset({p.normalise_header(self.name), *(p.normalise_header(s) for s in self.synonyms)})


@dataclass(frozen=True)
class KindSpec:
    """A kind of file: its columns and what it writes."""

    kind: str
    title: str
    columns: tuple[ColumnSpec, ...]
    #: groups of columns of which at least one must be present (``year`` or a period)
    one_of: tuple[tuple[str, ...], ...] = field(default_factory=tuple)

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _c(name: str, parser: str, synonyms: str, *, required: bool = True, help: str = "",
       example: Any = None) -> ColumnSpec:
    return ColumnSpec(name, tuple(s.strip() for s in synonyms.split("|") if s.strip()), parser,
                      required, help, example)


# Synonyms are written once per language (glossary of DOMAIN.md) and normalised at match time.
ORG = ("organisation|organization|org|organisation code|code organisation|organisme|"
       "organisatie|organisatiecode|code organisatie|orgcode")
AB = ("ab|ba|basic allocation|allocation de base|basisallocatie|budget line|ligne budgetaire|"
      "begrotingslijn|ab code|code ab|ba code|allocation|imputation")
CUR = "currency|devise|monnaie|munt|valuta|ccy|cur|curr|iso"
REF = "reference|ref|referentie|référence|ref no|reference number|numero|nummer|no|n°|nr"
DATE = "date|datum|entry date|date comptable|boekingsdatum"
AMOUNT = "amount|montant|bedrag|sum|somme|value|valeur|waarde"
AMOUNT_EUR = ("amount eur|amount in eur|eur amount|amount_eur|montant eur|montant en eur|"
              "contre-valeur eur|contrevaleur eur|contre-valeur|contrevaleur|bedrag eur|"
              "bedrag in eur|tegenwaarde eur|tegenwaarde|eur equivalent|equivalent eur|"
              "amount (eur)|montant (eur)|bedrag (eur)")
RATE = "rate|exchange rate|taux|taux de change|koers|wisselkoers|fx rate"
YEAR = "year|fiscal year|financial year|annee|exercice|jaar|begrotingsjaar|boekjaar"
# The French and Dutch names, headed in any of the three languages ("nom (FR)", "naam (NL)").
NAME_FR = ("name fr|name (fr)|name_fr|french name|name in french|nom fr|nom (fr)|nom français|"
           "nom en français|naam fr|naam (fr)|franse naam|naam in het frans")
NAME_NL = ("name nl|name (nl)|name_nl|dutch name|name in dutch|nom nl|nom (nl)|nom néerlandais|"
           "nom en néerlandais|naam nl|naam (nl)|nederlandse naam|naam in het nederlands")
LABEL_FR = "label fr|label (fr)|libellé fr|libellé (fr)|intitulé (fr)|omschrijving (fr)|omschrijving fr"
LABEL_NL = "label nl|label (nl)|libellé nl|libellé (nl)|intitulé (nl)|omschrijving (nl)|omschrijving nl"

SPECS: dict[str, KindSpec] = {
    "organisations": KindSpec(
        "organisations",
        "Organisations (contribution streams)",
        (
            _c("code", "code", "code|org code|organisation code|code organisation|"
               "organisatiecode|code organisatie|sigle|acronym|acronyme|afkorting",
               help="Short code of the contribution stream, e.g. UN-RB.", example="UN-RB"),
            _c("name", "text", "name|nom|naam|organisation name|nom de l'organisation|"
               "naam organisatie|libelle|omschrijving|description",
               help="Full name.", example="United Nations - regular budget"),
            _c("directorate", "code", "directorate|direction|directie|dir|service",
               help="Owning directorate (M0.0 ... MD8).", example="M2"),
            _c("currency", "currency", CUR, required=False,
               help="Usual assessment currency (default EUR).", example="USD"),
            _c("ab", "code", AB, required=False,
               help="Default basic allocation (must already exist).", example="14.54.11.35.40.01"),
            _c("body", "text", "body|organe|orgaan|parent|parent organisation", required=False,
               help="Parent body, optional.", example="United Nations"),
            _c("name_fr", "text", NAME_FR, required=False,
               help="Name in French, optional (shown to French readers; blank: the name).",
               example="Nations unies - budget ordinaire"),
            _c("name_nl", "text", NAME_NL, required=False,
               help="Name in Dutch, optional (shown to Dutch readers; blank: the name).",
               example="Verenigde Naties - gewone begroting"),
        ),
    ),
    "budget": KindSpec(
        "budget",
        "Budget credits per basic allocation",
        (
            _c("year", "year", YEAR, help="Fiscal year.", example=2025),
            _c("ab", "code", AB, help="Basic allocation code.", example="14.54.11.35.40.01"),
            _c("commitment_credits", "amount",
               "commitment credits|commitment credit|commitment appropriations|ce|"
               "credits d'engagement|credit d'engagement|credits engagement|engagement|"
               "vastleggingskredieten|vastleggingskrediet|vk|vastlegging",
               help="Commitment credits in EUR.", example="1250000.00"),
            _c("payment_credits", "amount",
               "payment credits|payment credit|payment appropriations|cl|"
               "credits de liquidation|credit de liquidation|credits liquidation|liquidation|"
               "vereffeningskredieten|vereffeningskrediet|vek|vereffening",
               help="Payment credits in EUR.", example="1100000.00"),
            _c("label", "text", "label|libelle|intitule|omschrijving|description|naam",
               required=False, help="AB label; with it, an unknown AB is created.",
               example="Contributions to the United Nations"),
            _c("name_fr", "text", NAME_FR + "|" + LABEL_FR, required=False,
               help="AB label in French, optional (set when the AB is created).",
               example="Contributions aux Nations unies"),
            _c("name_nl", "text", NAME_NL + "|" + LABEL_NL, required=False,
               help="AB label in Dutch, optional (set when the AB is created).",
               example="Bijdragen aan de Verenigde Naties"),
            _c("stage", "text", "stage|stade|type|fase|stadium|phase", required=False,
               help="initial (default), provisional, adjustment, reallocation or blocked.",
               example="initial"),
            _c("reference", "text", REF + "|budget law|loi|wet", required=False,
               help="Reference of the movement (law, adjustment...), optional.", example=""),
        ),
    ),
    "assessments": KindSpec(
        "assessments",
        "Assessments (calls for contributions)",
        (
            _c("organisation", "code", ORG, help="Organisation code.", example="UN-RB"),
            _c("reference", "text", REF + "|assessment reference|reference appel|"
               "referentie oproep|invoice|facture|factuur|letter|lettre|brief",
               help="Reference of the call; same reference and several currencies = one "
               "split assessment.", example="ST/ADM/SER.B/1100"),
            _c("year", "year", YEAR, required=False,
               help="Fiscal year (or give period_start and period_end).", example=2025),
            _c("period_start", "date", "period start|start|from|debut|debut de periode|"
               "periode du|du|begin|begin periode|van|start date|date de debut|begindatum",
               required=False, help="Start of the financial period.", example="2025-01-01"),
            _c("period_end", "date", "period end|end|to|fin|fin de periode|periode au|au|einde|"
               "einde periode|tot|end date|date de fin|einddatum", required=False,
               help="End of the financial period.", example="2025-12-31"),
            _c("amount", "amount", AMOUNT + "|contribution|quote-part|quote part|aandeel|"
               "bijdrage|assessed amount", help="Amount in the currency (negative = credit "
               "returned).", example="1234567.89"),
            _c("currency", "currency", CUR, help="ISO 4217 code.", example="USD"),
            _c("due_date", "date", "due date|due|echeance|date d'echeance|date echeance|"
               "vervaldatum|vervaldag|payable by|a payer avant", help="Due date.",
               example="2025-01-31"),
            _c("received", "date", "received|date received|received on|date of receipt|"
               "date de reception|recu le|date reception|ontvangen op|ontvangstdatum|"
               "datum ontvangst", required=False,
               help="Date the call was received (default: the earlier of today and the due "
               "date); every figure as of a date counts the call from then.", example="2025-01-05"),
        ),
        one_of=(("year", "period_start"),),
    ),
    "commitments": KindSpec(
        "commitments",
        "Commitments (engagements / vastleggingen)",
        (
            _c("reference", "text", REF + "|commitment|engagement|vastlegging|commitment "
               "reference|reference engagement|n engagement|vastleggingsnummer|"
               "numero d'engagement|engagement nr", help="Commitment reference (Fedcom).",
               example="ENG-2025-0001"),
            _c("date", "date", DATE + "|date d'engagement|commitment date|vastleggingsdatum",
               help="Commitment date (its year is the fiscal year).", example="2025-02-15"),
            _c("ab", "code", AB, help="Basic allocation.", example="14.54.11.35.40.01"),
            _c("organisation", "code", ORG, help="Organisation code.", example="UN-RB"),
            _c("amount_eur", "amount", AMOUNT_EUR + "|" + AMOUNT, required=False,
               help="Amount committed in EUR (or give currency and amount).",
               example="400000.00"),
            _c("assessment_reference", "text", "assessment reference|assessment|appel|"
               "appel a contribution|reference appel|oproep|referentie oproep|invoice|facture|"
               "factuur", required=False, help="Reference of the assessment it covers.",
               example="ST/ADM/SER.B/1100"),
            _c("currency", "currency", CUR, required=False,
               help="Currency of the assessment (default EUR).", example="USD"),
            _c("amount", "amount", "amount currency|amount in currency|foreign amount|"
               "montant devise|montant en devise|bedrag valuta|bedrag in valuta|"
               "original amount|montant origine", required=False,
               help="Amount in that currency.", example="414000.00"),
            _c("rate", "rate", RATE, required=False, help="Rate used (units per EUR).",
               example="1.035"),
        ),
        one_of=(("amount_eur", "amount"),),
    ),
    "payments": KindSpec(
        "payments",
        "Payments (paiements / betalingen)",
        (
            _c("reference", "text", REF + "|payment|paiement|betaling|payment reference|"
               "reference paiement|betalingsreferentie|n paiement|numero de paiement|"
               "document|piece|stuk", help="Payment reference (Fedcom document).",
               example="PAY-2025-0001"),
            _c("date", "date", DATE + "|payment date|date de paiement|betalingsdatum|"
               "value date|date valeur|valutadatum", help="Payment date.",
               example="2025-03-05"),
            _c("commitment", "text", "commitment|commitment reference|engagement|"
               "reference engagement|n engagement|numero d'engagement|vastlegging|"
               "vastleggingsnummer|referentie vastlegging",
               help="Reference of the commitment it settles.", example="ENG-2025-0001"),
            _c("amount", "amount", AMOUNT + "|amount paid|montant paye|betaald bedrag",
               help="Amount in the commitment currency.", example="210000.00"),
            _c("currency", "currency", CUR, help="Currency (that of the commitment).",
               example="USD"),
            _c("amount_eur", "amount", AMOUNT_EUR, required=False,
               help="EUR amount; empty: the ECB rate of the date is used and recorded.",
               example=""),
            _c("rate", "rate", RATE, required=False, help="Rate used (units per EUR).",
               example=""),
        ),
    ),
}

KINDS: tuple[str, ...] = (*SPECS.keys(), "fx")

PARSERS: dict[str, Callable[..., Any]] = {
    "date": p.parse_date,
    "text": p.parse_text,
    "code": p.parse_code,
    "currency": p.parse_currency,
    "year": p.parse_year,
    "rate": p.parse_rate,
}
