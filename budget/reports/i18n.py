"""The reports' label catalogue (EN / FR / NL) and number and date formatting per language.

Wording follows the glossary of the domain notes (crédits d'engagement / vastleggingskredieten,
engagement / vastlegging, ...). Amounts print with thousand separators: ``1,234,567.89`` in
English, ``1.234.567,89`` in French and Dutch as Belgian administrations write them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from budget.errors import ValidationError
from budget.money import fmt, fmt_percent

LANGUAGES: tuple[str, ...] = ("en", "fr", "nl")

MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
}
MONTHS_SHORT: dict[str, tuple[str, ...]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": ("janv", "févr", "mars", "avr", "mai", "juin", "juil", "août", "sept", "oct", "nov",
           "déc"),
    "nl": ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
}

#: key -> (EN, FR, NL)
LABELS: dict[str, tuple[str, str, str]] = {
    # document
    "ministry": ("FPS Foreign Affairs · DG Multilateral Affairs and Globalisation · M0.0",
                 "SPF Affaires étrangères · DG Affaires multilatérales et Mondialisation · M0.0",
                 "FOD Buitenlandse Zaken · DG Multilaterale Zaken en Mondialisering · M0.0"),
    "title": ("Compulsory contributions to international organisations",
              "Contributions obligatoires aux organisations internationales",
              "Verplichte bijdragen aan internationale organisaties"),
    "subtitle": ("Monthly budget execution report", "Rapport mensuel d'exécution budgétaire",
                 "Maandelijks verslag over de begrotingsuitvoering"),
    "period": ("Period", "Période", "Periode"),
    "situation_on": ("Situation on", "Situation au", "Toestand op"),
    "scope": ("Scope", "Périmètre", "Toepassingsgebied"),
    "all_directorates": ("All directorates", "Toutes les directions", "Alle directies"),
    "generated": ("Generated", "Généré le", "Aangemaakt op"),
    "data_basis": ("Data it stands on", "Données de base", "Onderliggende gegevens"),
    "last_batches": ("Last import batches", "Derniers lots importés", "Laatste importbatches"),
    "no_batches": ("No import batch: entries recorded through the dashboard or the CLI.",
                   "Aucun lot importé : écritures saisies via le tableau de bord ou la CLI.",
                   "Geen importbatch: boekingen via het dashboard of de CLI."),
    "fingerprint": ("Data fingerprint (SHA-256)", "Empreinte des données (SHA-256)",
                    "Vingerafdruk van de gegevens (SHA-256)"),
    "page": ("Page", "Page", "Pagina"),
    "amounts_in_eur": ("Amounts in EUR unless a currency is shown.",
                       "Montants en EUR sauf devise indiquée.",
                       "Bedragen in EUR tenzij een munt vermeld is."),
    "total": ("Total", "Total", "Totaal"),
    "none": ("None.", "Néant.", "Geen."),
    # a long list capped in the PDF (its largest lines, then one line for the others)
    "others_line": ("\u2026 and {n} more lines, EUR {amount}, listed in the Excel workbook "
                    "(sheet \u201c{sheet}\u201d)",
                    "\u2026 et {n} autres lignes, {amount} EUR, d\u00e9taill\u00e9es dans le "
                    "classeur Excel (feuille \u00ab\u00a0{sheet}\u00a0\u00bb)",
                    "\u2026 en {n} andere regels, EUR {amount}, opgelijst in de Excel-werkmap "
                    "(blad \u201c{sheet}\u201d)"),
    "others_line_one": ("\u2026 and 1 more line, EUR {amount}, listed in the Excel workbook "
                        "(sheet \u201c{sheet}\u201d)",
                        "\u2026 et 1 autre ligne, {amount} EUR, d\u00e9taill\u00e9e dans le "
                        "classeur Excel (feuille \u00ab\u00a0{sheet}\u00a0\u00bb)",
                        "\u2026 en 1 andere regel, EUR {amount}, opgelijst in de Excel-werkmap "
                        "(blad \u201c{sheet}\u201d)"),
    "top_note": ("The {shown} largest of {count} lines by \u201c{column}\u201d (absolute value); "
                 "the others are summed in one line, so the total covers every line.",
                 "Les {shown} lignes les plus importantes sur {count} selon \u00ab\u00a0{column}"
                 "\u00a0\u00bb (en valeur absolue)\u00a0; les autres sont additionn\u00e9es en "
                 "une ligne, le total couvre donc toutes les lignes.",
                 "De {shown} grootste van {count} regels volgens \u201c{column}\u201d (absolute "
                 "waarde); de andere zijn in \u00e9\u00e9n regel samengeteld, zodat het totaal "
                 "alle regels omvat."),
    # batch table
    "batch": ("Batch", "Lot", "Batch"),
    "kind": ("Kind", "Type", "Soort"),
    "file": ("File", "Fichier", "Bestand"),
    "loaded_on": ("Loaded on", "Chargé le", "Geladen op"),
    "loaded_by": ("By", "Par", "Door"),
    "rows": ("Rows", "Lignes", "Regels"),
    "lines": ("Lines", "Lignes", "Regels"),
    # sections
    "sec_summary": ("Executive summary", "Synthèse", "Samenvatting"),
    "sec_charts": ("Execution over the year", "Exécution au fil de l'année",
                   "Uitvoering in de loop van het jaar"),
    "sec_directorate": ("Execution by directorate", "Exécution par direction",
                        "Uitvoering per directie"),
    "sec_allocation": ("Credits by basic allocation", "Crédits par allocation de base",
                       "Kredieten per basisallocatie"),
    "sec_organisation": ("Execution by organisation", "Exécution par organisation",
                         "Uitvoering per organisatie"),
    "sec_payments": ("Payments made in the month", "Paiements du mois",
                     "Betalingen van de maand"),
    "sec_open": ("Open commitments", "Engagements ouverts", "Openstaande vastleggingen"),
    "sec_overdue": ("Overdue assessments", "Contributions échues impayées",
                    "Vervallen onbetaalde bijdragen"),
    "sec_ageing": ("Ageing of arrears", "Ancienneté des arriérés", "Ouderdom van de achterstallen"),
    "sec_fx_month": ("Exchange differences realised in the month",
                     "Différences de change réalisées dans le mois",
                     "Wisselkoersverschillen gerealiseerd in de maand"),
    "sec_fx_year": ("Exchange differences realised in the year",
                    "Différences de change réalisées dans l'année",
                    "Wisselkoersverschillen gerealiseerd in het jaar"),
    "sec_exposure": ("Open foreign-currency exposure", "Exposition ouverte en devises",
                     "Openstaande valutapositie"),
    "sec_chart_data": ("Chart data", "Données des graphiques", "Grafiekgegevens"),
    "sec_readme": ("Read me", "Lisez-moi", "Leesmij"),
    # sheet names (31 characters at most)
    "sh_summary": ("Summary", "Synthèse", "Samenvatting"),
    "sh_directorate": ("By directorate", "Par direction", "Per directie"),
    "sh_allocation": ("By allocation", "Par AB", "Per BA"),
    "sh_organisation": ("By organisation", "Par organisation", "Per organisatie"),
    "sh_payments": ("Payments of the month", "Paiements du mois", "Betalingen maand"),
    "sh_open": ("Open commitments", "Engagements ouverts", "Open vastleggingen"),
    "sh_overdue": ("Overdue", "Échu impayé", "Vervallen"),
    "sh_ageing": ("Ageing", "Ancienneté", "Ouderdom"),
    "sh_fx_month": ("FX differences month", "Diff. change mois", "Koersverschillen maand"),
    "sh_fx_year": ("FX differences year", "Diff. change année", "Koersverschillen jaar"),
    "sh_exposure": ("FX exposure", "Exposition devises", "Valutapositie"),
    "sh_chart_data": ("Chart data", "Données graphiques", "Grafiekgegevens"),
    # summary
    "indicator": ("Indicator", "Indicateur", "Indicator"),
    "this_year": ("{date}", "{date}", "{date}"),
    "change": ("Change", "Variation", "Verschil"),
    "commitment_credits": ("Commitment credits", "Crédits d'engagement", "Vastleggingskredieten"),
    "payment_credits": ("Payment credits", "Crédits de liquidation", "Vereffeningskredieten"),
    "assessed_eur": ("Assessed (EUR equivalent)", "Appelé (contre-valeur EUR)",
                     "Opgevraagd (tegenwaarde EUR)"),
    "committed": ("Committed", "Engagé", "Vastgelegd"),
    "paid": ("Paid", "Payé", "Betaald"),
    "paid_on_commitments": ("Paid on the year's commitments", "Payé sur les engagements de l'année",
                            "Betaald op de vastleggingen van het jaar"),
    "open": ("Open (committed − paid)", "Ouvert (engagé − payé)", "Open (vastgelegd − betaald)"),
    "open_short": ("Open", "Ouvert", "Open"),
    "available": ("Available (credits − committed)", "Disponible (crédits − engagé)",
                  "Beschikbaar (kredieten − vastgelegd)"),
    "available_short": ("Available", "Disponible", "Beschikbaar"),
    "paid_in_year": ("Paid in the year", "Payé dans l'année", "Betaald in het jaar"),
    "overdue_total": ("Overdue (EUR equivalent)", "Échu impayé (contre-valeur EUR)",
                      "Vervallen onbetaald (tegenwaarde EUR)"),
    "commitment_rate": ("Commitment rate (committed / commitment credits)",
                        "Taux d'engagement (engagé / crédits d'engagement)",
                        "Vastleggingsgraad (vastgelegd / vastleggingskredieten)"),
    "payment_rate": ("Payment rate (paid in the year / payment credits)",
                     "Taux de liquidation (payé dans l'année / crédits de liquidation)",
                     "Vereffeningsgraad (betaald in het jaar / vereffeningskredieten)"),
    "paid_rate": ("Paid / committed", "Payé / engagé", "Betaald / vastgelegd"),
    "pct_paid": ("% paid", "% payé", "% betaald"),
    "pct_committed": ("% committed", "% engagé", "% vastgelegd"),
    "pct_credits_paid": ("% payment credits", "% crédits liq.", "% vereff.kred."),
    "points": ("pts", "pts", "ptn"),
    # columns
    "directorate": ("Directorate", "Direction", "Directie"),
    "code": ("Code", "Code", "Code"),
    "dir_short": ("Dir.", "Dir.", "Dir."),
    "cur_short": ("Cur.", "Dev.", "Munt"),
    "name": ("Name", "Nom", "Naam"),
    "organisation": ("Organisation", "Organisation", "Organisatie"),
    "allocation": ("Basic allocation", "Allocation de base", "Basisallocatie"),
    "label": ("Label", "Libellé", "Omschrijving"),
    "assessed": ("Assessed", "Appelé", "Opgevraagd"),
    "due_date": ("Due date", "Échéance", "Vervaldatum"),
    "status": ("Status", "Statut", "Status"),
    "date": ("Date", "Date", "Datum"),
    "reference": ("Reference", "Référence", "Referentie"),
    "commitment": ("Commitment", "Engagement", "Vastlegging"),
    "payment": ("Payment", "Paiement", "Betaling"),
    "year": ("Year", "Exercice", "Jaar"),
    "currency": ("Currency", "Devise", "Munt"),
    "amount": ("Amount", "Montant", "Bedrag"),
    "amount_eur": ("Amount EUR", "Montant EUR", "Bedrag EUR"),
    "rate": ("Rate", "Taux", "Koers"),
    "rate_date": ("Rate date", "Date du taux", "Koersdatum"),
    "committed_cur": ("Committed (currency)", "Engagé (devise)", "Vastgelegd (munt)"),
    "paid_cur": ("Paid (currency)", "Payé (devise)", "Betaald (munt)"),
    "open_cur": ("Open (currency)", "Ouvert (devise)", "Open (munt)"),
    "open_eur": ("Open EUR", "Ouvert EUR", "Open EUR"),
    "outstanding": ("Outstanding", "Restant dû", "Openstaand"),
    "outstanding_eur": ("Outstanding EUR", "Restant dû EUR", "Openstaand EUR"),
    "days_overdue": ("Days overdue", "Jours de retard", "Dagen achterstand"),
    "ageing": ("Ageing (days)", "Ancienneté (jours)", "Ouderdom (dagen)"),
    "committed_eur": ("Committed EUR", "Engagé EUR", "Vastgelegd EUR"),
    "gain_eur": ("Gain (+) / loss (−) EUR", "Gain (+) / perte (−) EUR", "Winst (+) / verlies (−) EUR"),
    "open_committed_eur": ("Open EUR at commitment rate", "Ouvert EUR au taux d'engagement",
                           "Open EUR tegen vastleggingskoers"),
    "open_now_eur": ("Open EUR at month-end rate", "Ouvert EUR au taux de fin de mois",
                     "Open EUR tegen koers einde maand"),
    "latent": ("Latent loss (+) / gain (−)", "Perte (+) / gain (−) latent",
               "Latent verlies (+) / winst (−)"),
    "month": ("Month", "Mois", "Maand"),
    "cum_committed": ("Cumulative committed", "Engagé cumulé", "Cumulatief vastgelegd"),
    "cum_paid": ("Cumulative paid in the year", "Payé cumulé dans l'année",
                 "Cumulatief betaald in het jaar"),
    "reversal": ("reversal", "annulation", "tegenboeking"),
    "no_rate": ("no rate", "pas de taux", "geen koers"),
    # statuses
    "st_paid": ("paid", "payé", "betaald"),
    "st_partly_paid": ("partly paid", "payé en partie", "deels betaald"),
    "st_overdue": ("overdue", "en retard", "achterstallig"),
    "st_to_pay": ("to pay", "à payer", "te betalen"),
    "st_not_assessed": ("not yet assessed", "pas encore appelé", "nog niet opgevraagd"),
    "st_credit": ("credit to use", "crédit à utiliser", "krediet te gebruiken"),
    # charts
    "chart_cumulative": ("Cumulative commitments and payments against credits (EUR million)",
                         "Engagements et paiements cumulés face aux crédits (millions EUR)",
                         "Cumulatieve vastleggingen en betalingen t.o.v. kredieten (miljoen EUR)"),
    "chart_directorate": ("Committed and paid by directorate (EUR million)",
                          "Engagé et payé par direction (millions EUR)",
                          "Vastgelegd en betaald per directie (miljoen EUR)"),
    # read me
    "readme_intro": (
        "Monthly execution of Belgium's compulsory contributions, as kept in M0.0's working "
        "ledger. Every figure is as of the last day of the month: entries dated later are "
        "not counted.",
        "Exécution mensuelle des contributions obligatoires de la Belgique, telle que tenue "
        "dans le registre de travail de M0.0. Chaque chiffre est arrêté au dernier jour du "
        "mois : les écritures postérieures ne sont pas comptées.",
        "Maandelijkse uitvoering van de verplichte bijdragen van België, zoals bijgehouden in "
        "het werkregister van M0.0. Elk cijfer geldt op de laatste dag van de maand: latere "
        "boekingen worden niet meegeteld."),
    "readme_clocks": (
        "Committed and paid on commitments concern the year's commitments; \u201cpaid in the "
        "year\u201d is every payment dated in the year whatever the year of its commitment, "
        "and is set against payment credits.",
        "Engagé et payé portent sur les engagements de l'exercice ; \u00ab payé dans "
        "l'année \u00bb comprend tout paiement daté de l'année quel que soit l'exercice de son "
        "engagement, et s'impute sur les crédits de liquidation.",
        "Vastgelegd en betaald betreffen de vastleggingen van het jaar; \u201cbetaald in het "
        "jaar\u201d is elke betaling gedateerd in het jaar, ongeacht het jaar van de "
        "vastlegging, en wordt aangerekend op de vereffeningskredieten."),
    "readme_fx": (
        "Foreign-currency amounts stay in their currency; EUR equivalents are at the rate of "
        "the entry. Open commitments (committed not yet paid, at commitment rates) are not "
        "outstanding assessments (called not yet paid or credited, at the rate of each call's "
        "due date); overdue is the outstanding part past its due date. Exposure values the open "
        "commitments at the ECB rate in force at the month end against their booked EUR.",
        "Les montants en devises restent dans leur devise ; les contre-valeurs EUR sont au "
        "taux de l'écriture. Les engagements ouverts (engagé non encore payé, aux taux "
        "d'engagement) ne sont pas les appels restant dus (appelé non encore payé ni crédité, "
        "au taux de l'échéance de chaque appel) ; l'arriéré est la part restant due après "
        "l'échéance. L'exposition valorise les engagements ouverts au taux BCE en vigueur en "
        "fin de mois face à leur EUR comptabilisé.",
        "Bedragen in vreemde munt blijven in hun munt; tegenwaarden in EUR zijn tegen de koers "
        "van de boeking. Open vastleggingen (vastgelegd, nog niet betaald, tegen "
        "vastleggingskoersen) zijn niet de openstaande oproepen (opgevraagd, nog niet betaald "
        "of gecrediteerd, tegen de koers van de vervaldatum van elke oproep); achterstallig is "
        "het openstaande deel na de vervaldatum. De valutapositie waardeert de open "
        "vastleggingen tegen de ECB-koers van het einde van de maand t.o.v. hun geboekte EUR."),
    "readme_totals": (
        "Totals rows are SUM formulas over the lines above them (their values are stored, so "
        "they show without recalculation). Text from the data is stored as text, never as a "
        "formula.",
        "Les lignes de total sont des formules SOMME des lignes au-dessus (leurs valeurs sont "
        "enregistrées et s'affichent sans recalcul). Le texte issu des données est enregistré "
        "comme texte, jamais comme formule.",
        "Totaalregels zijn SOM-formules over de regels erboven (hun waarden zijn opgeslagen en "
        "verschijnen zonder herberekening). Tekst uit de gegevens is als tekst opgeslagen, "
        "nooit als formule."),
    "readme_fingerprint": (
        "The fingerprint is the SHA-256 of the report's figures: the same ledger and month "
        "give the same fingerprint.",
        "L'empreinte est le SHA-256 des chiffres du rapport : le même registre et le même mois "
        "donnent la même empreinte.",
        "De vingerafdruk is de SHA-256 van de cijfers van het verslag: hetzelfde register en "
        "dezelfde maand geven dezelfde vingerafdruk."),
    "readme_sheets": ("Sheets", "Feuilles", "Bladen"),
    "item": ("Item", "Élément", "Onderdeel"),
    "value": ("Value", "Valeur", "Waarde"),
}

#: Page 1 (the brief) and the analyses (:mod:`budget.reports.brief`).
LABELS.update({
    "sec_brief": ("At a glance", "En bref", "In een oogopslag"),
    "key_messages": ("Key messages", "Messages clés", "Kernboodschappen"),
    "valuation": ("How each figure is valued", "Valorisation de chaque montant",
                  "Waardering van elk bedrag"),
    "sec_bridge": ("From outstanding to overdue and to open commitments",
                   "Des montants dus aux arriérés et aux engagements ouverts",
                   "Van openstaande bedragen naar achterstallen en openstaande vastleggingen"),
    "fx_risk": ("FX risk on open commitments (at month-end rate)",
                "Risque de change sur engagements ouverts (au taux de fin de mois)",
                "Wisselkoersrisico op openstaande vastleggingen (tegen koers einde maand)"),
    "val_credits": ("Credits: EUR, as voted and adjusted up to the day.",
                    "Crédits : EUR, tels que votés et ajustés jusqu'au jour.",
                    "Kredieten: EUR, zoals gestemd en aangepast tot op de dag."),
    "val_booked": ("Committed, open, available: EUR at the booked rate of each commitment.",
                   "Engagé, ouvert, disponible : EUR au taux comptabilisé de chaque engagement.",
                   "Vastgelegd, openstaand, beschikbaar: EUR tegen de geboekte koers van elke vastlegging."),
    "val_paid": ("Paid in the year: EUR at the rate of each payment's date.",
                 "Payé dans l'année : EUR au taux du jour de chaque paiement.",
                 "Betaald in het jaar: EUR tegen de koers van de dag van elke betaling."),
    "val_overdue": ("Overdue: what is still due past the due date, in EUR at the rate of each "
                    "call's due date.",
                    "Arriérés : ce qui reste dû après l'échéance, en EUR au taux du jour de "
                    "l'échéance de chaque appel.",
                    "Achterstallig: wat na de vervaldatum nog verschuldigd is, in EUR tegen de koers "
                    "van de vervaldatum van elke oproep."),
    "val_fx_risk": ("FX risk: open foreign-currency commitments at the month-end rate minus at the "
                    "booked rate (positive: more EUR needed).",
                    "Risque de change : engagements ouverts en devises au taux de fin de mois moins "
                    "au taux comptabilisé (positif : plus d'EUR nécessaires).",
                    "Wisselkoersrisico: openstaande vastleggingen in vreemde munt tegen de koers einde "
                    "maand min tegen de geboekte koers (positief: meer EUR nodig)."),
    "msg_largest_overdue": ("Largest overdue: {subject}, EUR {amount}.",
                            "Arriéré le plus élevé : {subject}, {amount} EUR.",
                            "Grootste achterstal: {subject}, EUR {amount}."),
    "msg_largest_variance": ("Largest change against last year: {subject}, {amount} EUR.",
                             "Écart le plus important par rapport à l'an dernier : {subject}, {amount} EUR.",
                             "Grootste verschil met vorig jaar: {subject}, EUR {amount}."),
    "msg_lapsing": ("Commitment credits projected to lapse on 31 December (year-end outlook): AB {subject}, "
                    "EUR {amount} ({share} of its commitment credits).",
                    "Crédits d'engagement qui tomberaient en annulation au 31 décembre (perspectives de fin "
                    "d'année) : AB {subject}, {amount} EUR ({share} de ses crédits d'engagement).",
                    "Vastleggingskredieten die op 31 december zouden vervallen (vooruitzichten tot het "
                    "jaareinde): BA {subject}, EUR {amount} ({share} van haar vastleggingskredieten)."),
    "msg_fx_risk": ("FX risk on open foreign-currency commitments: EUR {amount} at the month-end rate.",
                    "Risque de change sur les engagements ouverts en devises : {amount} EUR au taux "
                    "de fin de mois.",
                    "Wisselkoersrisico op openstaande vastleggingen in vreemde munt: EUR {amount} "
                    "tegen de koers einde maand."),
    "msg_overdue_total": ("Overdue in all: EUR {amount} ({change} EUR against last year).",
                          "Arriérés au total : {amount} EUR ({change} EUR par rapport à l'an dernier).",
                          "Achterstallig in totaal: EUR {amount} ({change} EUR ten opzichte van vorig jaar)."),
    "msg_execution": ("Committed to date: EUR {amount}.", "Engagé à ce jour : {amount} EUR.",
                      "Vastgelegd tot op heden: EUR {amount}."),
    "br_outstanding": ("Outstanding assessments (all years)", "Quotes-parts restant dues (toutes années)",
                       "Openstaande bijdragen (alle jaren)"),
    "br_not_yet_due": ("− not yet due", "− pas encore échues", "− nog niet vervallen"),
    "br_overdue": ("= overdue", "= arriérés", "= achterstallig"),
    "br_outstanding_again": ("Outstanding assessments (all years)", "Quotes-parts restant dues (toutes années)",
                             "Openstaande bijdragen (alle jaren)"),
    "br_open": ("− open commitments (booked rate)", "− engagements ouverts (taux comptabilisé)",
                "− openstaande vastleggingen (geboekte koers)"),
    "br_not_covered": ("= outstanding without an open commitment (not yet committed, rate differences)",
                       "= restant dû sans engagement ouvert (pas encore engagé, écarts de taux)",
                       "= openstaand zonder openstaande vastlegging (nog niet vastgelegd, koersverschillen)"),
    "sec_credits_commitment": ("How the commitment credits are made up",
                               "Composition des crédits d'engagement",
                               "Samenstelling van de vastleggingskredieten"),
    "sh_credits_commitment": ("Commitment credits make-up", "Composition crédits engagement",
                              "Samenstelling vastleggingskred."),
    "sec_credits_payment": ("How the payment credits are made up",
                            "Composition des crédits de liquidation",
                            "Samenstelling van de vereffeningskredieten"),
    "sh_credits_payment": ("Payment credits make-up", "Composition crédits liquidation",
                           "Samenstelling vereffeningskred."),
    "stage_provisional": ("Provisional twelfths EUR", "Douzièmes provisoires EUR", "Voorlopige twaalfden EUR"),
    "stage_initial": ("Initial EUR", "Initial EUR", "Initieel EUR"),
    "stage_adjustment": ("Adjustments EUR", "Ajustements EUR", "Aanpassingen EUR"),
    "stage_reallocation": ("Reallocations EUR", "Réallocations EUR", "Herverdelingen EUR"),
    "stage_blocked": ("Blocked EUR", "Bloqués EUR", "Geblokkeerd EUR"),
    "not_committed_note": ("Assessed EUR (at each call's due-date rate) minus committed EUR (at the "
                           "booked rate): small amounts are rate differences, not missing commitments.",
                           "Appelé EUR (au taux de l'échéance de chaque appel) moins engagé EUR (au "
                           "taux comptabilisé) : de petits montants sont des écarts de taux, non des "
                           "engagements manquants.",
                           "Opgevraagd EUR (tegen de koers van de vervaldatum van elke oproep) min "
                           "vastgelegd EUR (tegen de geboekte koers): kleine bedragen zijn "
                           "koersverschillen, geen ontbrekende vastleggingen."),
    "sec_not_committed": ("Assessed but not yet committed", "Appelé mais pas encore engagé",
                          "Opgevraagd maar nog niet vastgelegd"),
    "sh_not_committed": ("Not yet committed", "Pas encore engagé", "Nog niet vastgelegd"),
    "not_committed_eur": ("Not yet committed EUR", "Pas encore engagé EUR", "Nog niet vastgelegd EUR"),
    "sec_due_soon": ("Falling due in the next three months", "Échéances des trois prochains mois",
                     "Vervaldagen in de komende drie maanden"),
    "sh_due_soon": ("Due next 3 months", "Échéances 3 mois", "Vervalt komende 3 maanden"),
    "sec_month_by_ab": ("The month's execution against last year's same month, per basic allocation",
                        "Exécution du mois par rapport au même mois de l'an dernier, par allocation de base",
                        "Uitvoering van de maand tegenover dezelfde maand vorig jaar, per basisallocatie"),
    "sh_month_by_ab": ("Month by allocation", "Mois par AB", "Maand per BA"),
    "committed_month": ("Committed in the month EUR", "Engagé dans le mois EUR", "Vastgelegd in de maand EUR"),
    "committed_month_ly": ("Committed same month last year EUR", "Engagé même mois l'an dernier EUR",
                           "Vastgelegd zelfde maand vorig jaar EUR"),
    "paid_month_ly": ("Paid same month last year EUR", "Payé même mois l'an dernier EUR",
                      "Betaald zelfde maand vorig jaar EUR"),
    "paid_month": ("Paid in the month EUR", "Payé dans le mois EUR", "Betaald in de maand EUR"),
    "change_eur": ("Change EUR", "Écart EUR", "Verschil EUR"),
    "sec_arrears_compared": ("Arrears against last year (same day)",
                             "Arriérés par rapport à l'an dernier (même jour)",
                             "Achterstallen tegenover vorig jaar (zelfde dag)"),
    "sh_arrears_compared": ("Arrears vs last year", "Arriérés vs an dernier", "Achterstal vs vorig jaar"),
    "overdue_now": ("Overdue EUR", "Arriérés EUR", "Achterstallig EUR"),
    "overdue_last_year": ("Overdue last year EUR", "Arriérés l'an dernier EUR", "Achterstallig vorig jaar EUR"),
    "sec_sensitivity": ("FX sensitivity: the euro 5 % weaker or stronger against each open foreign currency",
                        "Sensibilité au change : l'euro 5 % plus faible ou plus fort face à chaque devise ouverte",
                        "Wisselkoersgevoeligheid: de euro 5 % zwakker of sterker tegenover elke openstaande "
                        "vreemde munt"),
    "sh_sensitivity": ("FX sensitivity", "Sensibilité change", "Koersgevoeligheid"),
    "impact_up": ("Euro −5 %: EUR more", "Euro −5 % : EUR en plus", "Euro −5 %: EUR meer"),
    "impact_down": ("Euro +5 %: EUR less", "Euro +5 % : EUR en moins", "Euro +5 %: EUR minder"),
    "sensitivity_note": ("The ECB rate of the day moved by 5 % (units for 1 EUR × 0.95 or × 1.05), as in the "
                         "year-end outlook: a euro 5 % weaker costs about 5.3 % more EUR to pay what is still "
                         "open, 5 % stronger about 4.8 % less.",
                         "Le taux BCE du jour déplacé de 5 % (unités pour 1 EUR × 0,95 ou × 1,05), comme dans "
                         "les perspectives de fin d'année : un euro 5 % plus faible coûte environ 5,3 % d'EUR en "
                         "plus pour payer ce qui reste ouvert, 5 % plus fort environ 4,8 % en moins.",
                         "De ECB-koers van de dag met 5 % verschoven (eenheden voor 1 EUR × 0,95 of × 1,05), "
                         "zoals in de vooruitzichten tot het jaareinde: een euro die 5 % zwakker wordt kost "
                         "ongeveer 5,3 % meer EUR om te betalen wat nog openstaat, 5 % sterker ongeveer 4,8 % "
                         "minder."),
    "axis_month": ("Month", "Mois", "Maand"),
    "axis_eur_m": ("EUR million", "millions d'EUR", "miljoen EUR"),
    "axis_directorate": ("Directorate", "Direction", "Directie"),
    "reversal_col": ("Reversal", "Extourne", "Tegenboeking"),
    "paid_eur": ("Paid EUR", "Payé EUR", "Betaald EUR"),
    "committed_eur_col": ("Committed EUR", "Engagé EUR", "Vastgelegd EUR"),
    "open_eur_col": ("Open EUR", "Ouvert EUR", "Openstaand EUR"),
    "change_pts": ("Change (EUR or pts)", "Écart (EUR ou pts)", "Verschil (EUR of ptn)"),
})


def check_lang(lang: str) -> str:
    """Return ``lang`` when the reports speak it, else raise ``ValidationError``."""
    code = str(lang or "").strip().lower()
    if code not in LANGUAGES:
        raise ValidationError(f"Report language must be one of {', '.join(LANGUAGES)}, not {lang!r}.")
    return code


def t(key: str, lang: str = "en", **values: object) -> str:
    """The label ``key`` in ``lang`` (placeholders filled from ``values``)."""
    text = LABELS[key][LANGUAGES.index(lang)]
    return text.format(**values) if values else text


def month_name(month: int, lang: str = "en") -> str:
    return MONTHS[lang][month - 1]


def month_short(month: int, lang: str = "en") -> str:
    return MONTHS_SHORT[lang][month - 1]


def period_label(year: int, month: int, lang: str = "en") -> str:
    """``October 2026`` / ``octobre 2026`` / ``oktober 2026``."""
    return f"{month_name(month, lang)} {year}"


def amount(value: Decimal | None, lang: str = "en") -> str:
    """An amount with thousand separators and two decimals in the language's style."""
    return fmt(value, "en" if lang == "en" else "be")


def integer(value: int, lang: str = "en") -> str:
    """A count with thousand separators: ``4,580`` (``4.580`` in FR/NL)."""
    text = f"{int(value):,}"
    return text if lang == "en" else text.replace(",", ".")


def percent(value: Decimal | None, lang: str = "en") -> str:
    """A fraction (0.1234) as ``12.3 %`` (``12,3 %`` in FR/NL), ``–`` when undefined
    (:func:`budget.money.fmt_percent`, the one rule)."""
    return fmt_percent(value, "en" if lang == "en" else "be")


def date(value: dt.date | dt.datetime | None, lang: str = "en") -> str:
    """Dates as Belgian administrations write them: ``31/10/2026``."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")
