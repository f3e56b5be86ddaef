"""The `townhall` command."""
