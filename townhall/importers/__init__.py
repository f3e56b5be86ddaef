"""Importers: one module per source format, each turning a file into a stream of records
that the common writer (``writer.py``) stores in atomic batches. See docs/importing.md."""
