"""One importer per kind of file, behind the protocol of :class:`imports.handling.Handler`."""
