"""Anonymisation, bronze -> silver: keyed pseudonyms, no direct identifiers, deduplicated."""
