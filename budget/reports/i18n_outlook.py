"""Labels (EN / FR / NL) of the year-end outlook in the monthly pack and of the FX colour legend.

Kept beside :mod:`budget.reports.i18n` (whose :data:`~budget.reports.i18n.LABELS` they join on
import) so the outlook's tables have their wording in one place.
"""

from __future__ import annotations

from budget.reports.i18n import LABELS

LABELS.update({
    "sec_outlook": ("Year-end outlook: credits on 31 December per basic allocation",
                    "Perspectives de fin d'année : crédits au 31 décembre par allocation de base",
                    "Vooruitzichten eind van het jaar: kredieten op 31 december per basisallocatie"),
    "sh_outlook": ("Year-end outlook", "Perspectives fin d'année", "Vooruitzichten jaareinde"),
    "sec_cash_plan": ("Cash plan to 31 December", "Plan de trésorerie jusqu'au 31 décembre",
                      "Kasplan tot 31 december"),
    "sh_cash_plan": ("Cash plan", "Plan de trésorerie", "Kasplan"),
    "sec_credit_needs": ("Credit needs of the open foreign-currency calls at the day's rate",
                         "Besoins de crédits des appels ouverts en devises au taux du jour",
                         "Kredietbehoeften van de openstaande oproepen in vreemde munt tegen de dagkoers"),
    "sh_credit_needs": ("Credit needs FX", "Besoins crédits devises", "Kredietbehoeften vreemde munt"),
    "sec_timeliness": ("Timeliness of the year's calls per organisation",
                       "Ponctualité des paiements des appels de l'année par organisation",
                       "Tijdigheid van de betalingen van de oproepen van het jaar per organisatie"),
    "sh_timeliness": ("Timeliness", "Ponctualité", "Tijdigheid"),
    "ol_expected_commitments": ("Expected commitments EUR", "Engagements attendus EUR",
                                "Verwachte vastleggingen EUR"),
    "ol_projected_committed": ("Projected commitments EUR", "Engagements projetés EUR",
                               "Geraamde vastleggingen EUR"),
    "ol_commitment_balance": ("Commitment credits left: lapse (+) / shortfall (−) EUR",
                              "Solde crédits d'engagement : annulation (+) / insuffisance (−) EUR",
                              "Saldo vastleggingskredieten: verval (+) / tekort (−) EUR"),
    "ol_expected_payments": ("Expected payments EUR", "Paiements attendus EUR", "Verwachte betalingen EUR"),
    "ol_projected_paid": ("Projected payments EUR", "Paiements projetés EUR", "Geraamde betalingen EUR"),
    "ol_payment_balance": ("Payment credits left: lapse (+) / shortfall (−) EUR",
                           "Solde crédits de liquidation : annulation (+) / insuffisance (−) EUR",
                           "Saldo vereffeningskredieten: verval (+) / tekort (−) EUR"),
    "ol_payments_weak": ("Expected payments, euro {pct} % weaker EUR",
                         "Paiements attendus, euro {pct} % plus faible EUR",
                         "Verwachte betalingen, euro {pct} % zwakker EUR"),
    "ol_payments_strong": ("Expected payments, euro {pct} % stronger EUR",
                           "Paiements attendus, euro {pct} % plus fort EUR",
                           "Verwachte betalingen, euro {pct} % sterker EUR"),
    "ol_cumulative_paid": ("Cumulative payments, actual + expected EUR",
                           "Paiements cumulés, réels + attendus EUR",
                           "Gecumuleerde betalingen, werkelijk + verwacht EUR"),
    "ol_cumulative_committed": ("Cumulative commitments, actual + expected EUR",
                                "Engagements cumulés, réels + attendus EUR",
                                "Gecumuleerde vastleggingen, werkelijk + verwacht EUR"),
    "ol_source": ("Source", "Origine", "Oorsprong"),
    "ol_source_open_commitment": ("Open commitment", "Engagement ouvert", "Openstaande vastlegging"),
    "ol_source_uncommitted": ("Assessed, not committed", "Appelé, non engagé", "Opgevraagd, niet vastgelegd"),
    "ol_source_expected_call": ("Expected call (estimated)", "Appel attendu (estimé)",
                                "Verwachte oproep (geraamd)"),
    "ol_needed_eur": ("Needed at the day's rate EUR", "Nécessaire au taux du jour EUR",
                      "Nodig tegen de dagkoers EUR"),
    "ol_adjustment": ("Adjustment to propose: increase (+) / release (−) EUR",
                      "Ajustement à proposer : hausse (+) / libération (−) EUR",
                      "Voor te stellen aanpassing: verhoging (+) / vrijgave (−) EUR"),
    "ol_note_basis": (
        "Projected = actual to date + expected: payments on open commitments on their due date plus "
        "the organisation's median delay, assessments not yet committed, last year's calls not yet "
        "received (estimated). A positive balance lapses on 31 December (no carry-over), a negative "
        "one is a shortfall. The same figures as the command budget outlook and the Outlook page.",
        "Projeté = réel à ce jour + attendu : paiements des engagements ouverts à leur échéance plus "
        "le délai médian de l'organisation, quotes-parts pas encore engagées, appels de l'an dernier "
        "pas encore reçus (estimés). Un solde positif tombe en annulation au 31 décembre (pas de "
        "report), un solde négatif est une insuffisance. Les mêmes montants que la commande budget "
        "outlook et la page Perspectives.",
        "Geraamd = werkelijk tot op heden + verwacht: betalingen op openstaande vastleggingen op hun "
        "vervaldatum plus de mediane vertraging van de organisatie, nog niet vastgelegde bijdragen, "
        "oproepen van vorig jaar die nog niet ontvangen zijn (geraamd). Een positief saldo vervalt op "
        "31 december (geen overdracht), een negatief saldo is een tekort. Dezelfde bedragen als het "
        "commando budget outlook en de pagina Vooruitzichten."),
    "ol_note_rates": ("Foreign currencies at {rates} (units per EUR); the workbook adds the expected "
                      "payments with the euro {pct} % weaker and stronger.",
                      "Devises au taux {rates} (unités pour 1 EUR) ; le classeur ajoute les paiements "
                      "attendus avec l'euro {pct} % plus faible et plus fort.",
                      "Vreemde munten tegen {rates} (eenheden per EUR); de werkmap voegt de verwachte "
                      "betalingen toe met de euro {pct} % zwakker en sterker."),
    "ol_no_rates": ("no foreign currency", "aucune devise", "geen vreemde munt"),
    "ol_unavailable": ("The year-end outlook cannot be computed: an open currency has no exchange rate on or "
                       "shortly before {date}. Load the ECB reference rates.",
                       "Les perspectives de fin d'année ne peuvent être calculées : une devise ouverte n'a "
                       "pas de taux de change au {date} ou peu avant. Chargez les taux de référence BCE.",
                       "De vooruitzichten voor het jaareinde kunnen niet berekend worden: een openstaande "
                       "munt heeft geen wisselkoers op of kort voor {date}. Laad de ECB-referentiekoersen."),
    "ol_needs_note": ("Each open foreign-currency call: the EUR it needs at the day's rate against the EUR "
                      "committed for it (at the booked rate).",
                      "Chaque appel ouvert en devises : les EUR nécessaires au taux du jour face aux EUR "
                      "engagés (au taux comptabilisé).",
                      "Elke openstaande oproep in vreemde munt: de EUR nodig tegen de dagkoers tegenover "
                      "de vastgelegde EUR (tegen de geboekte koers)."),
    "tl_count": ("Calls", "Appels", "Oproepen"),
    "tl_median_days": ("Median days from receipt to full payment", "Jours médians de la réception au paiement "
                       "complet", "Mediaan dagen van ontvangst tot volledige betaling"),
    "tl_median_delay": ("Median days after the due date", "Jours médians après l'échéance",
                        "Mediaan dagen na de vervaldatum"),
    "tl_by_due_count": ("Paid by the due date (share of calls)", "Payés à l'échéance (part des appels)",
                        "Betaald op de vervaldatum (aandeel oproepen)"),
    "tl_by_due_eur": ("Paid by the due date (share of EUR)", "Payés à l'échéance (part des EUR)",
                      "Betaald op de vervaldatum (aandeel EUR)"),
    "tl_honour": ("Paid in full within {days} days", "Payé en entier sous {days} jours",
                  "Volledig betaald binnen {days} dagen"),
    "tl_yes": ("yes", "oui", "ja"),
    "tl_no": ("no", "non", "nee"),
    "tl_open": ("not yet known", "pas encore connu", "nog niet bekend"),
    "tl_note": ("Days from the date a call was received to its full payment, and whether it was paid in full by "
                "its due date, as of the report's day. The UN honour roll: paid in full within {days} days "
                "of receipt.",
                "Jours entre la réception d'un appel et son paiement complet, et s'il a été payé en entier à "
                "l'échéance, au jour du rapport. Le tableau d'honneur de l'ONU : payé en entier dans les "
                "{days} jours de la réception.",
                "Dagen tussen de ontvangst van een oproep en de volledige betaling, en of hij op de "
                "vervaldatum volledig betaald was, op de dag van het verslag. De erelijst van de VN: "
                "volledig betaald binnen {days} dagen na ontvangst."),
    # Page 1
    "ol_headline": ("Year-end outlook (31 December): payments EUR {paid} against EUR {credits} of payment "
                    "credits, {balance}; commitments EUR {committed} against EUR {ccredits}, {cbalance}.",
                    "Perspectives au 31 décembre : paiements {paid} EUR pour {credits} EUR de crédits de "
                    "liquidation, {balance} ; engagements {committed} EUR pour {ccredits} EUR, {cbalance}.",
                    "Vooruitzichten op 31 december: betalingen EUR {paid} tegenover EUR {credits} "
                    "vereffeningskredieten, {balance}; vastleggingen EUR {committed} tegenover EUR "
                    "{ccredits}, {cbalance}."),
    "ol_lapse": ("EUR {amount} at risk of lapsing", "{amount} EUR risquent de tomber en annulation",
                 "EUR {amount} dreigt te vervallen"),
    "ol_short": ("EUR {amount} short", "insuffisance de {amount} EUR", "tekort van EUR {amount}"),
    "ol_shortfall_abs": ("Shortfall of payment credits: {items}.", "Insuffisance de crédits de liquidation : "
                         "{items}.", "Tekort aan vereffeningskredieten: {items}."),
    "ol_headline_unavailable": ("Year-end outlook: not computed (an open currency has no rate of the day).",
                                "Perspectives de fin d'année : non calculées (une devise ouverte n'a pas de "
                                "taux du jour).",
                                "Vooruitzichten jaareinde: niet berekend (een openstaande munt heeft geen "
                                "dagkoers)."),
    # FX colours (item of #14): one meaning across the report.
    "fx_legend": ("Colours: red = a loss against the EUR booked (more EUR to pay), green = a gain (fewer EUR).",
                  "Couleurs : rouge = une perte par rapport aux EUR comptabilisés (plus d'EUR à payer), "
                  "vert = un gain (moins d'EUR).",
                  "Kleuren: rood = een verlies tegenover de geboekte EUR (meer EUR te betalen), groen = "
                  "een winst (minder EUR)."),
})
