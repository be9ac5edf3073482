"""Excel/CSV/ECB import pipelines: untrusted files → checked rows → one all-or-nothing load.

Modules: :mod:`imports.reader` (safety checks, readers), :mod:`imports.parsing` (amounts,
dates, codes, headers), :mod:`imports.specs` (column specs per kind, EN/FR/NL synonyms),
:mod:`imports.extract` (header detection, rows and problems), :mod:`imports.ecb` (ECB rate
files), :mod:`imports.pipeline` (the Python API: ``identify_kind``, ``preview``, ``load``,
``undo``, ``history``, ``template``), :mod:`imports.cli` (``budget import``).
"""
