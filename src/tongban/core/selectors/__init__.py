"""Reads of core data, always scoped to the caller (STYLE.md rule 2)."""
