"""Contributions budget tracker of M0.0 (FPS Foreign Affairs, DGM).

Layers: ``budget.ledger`` (schema), ``budget.services`` (the only door to the data),
``budget.reports`` (report data and renderers), ``budget.cli`` (the ``budget`` command).
"""

__version__ = "0.1.0"
