"""The ledger: schema (``models``), exact column types (``types``), engine (``db``)."""
