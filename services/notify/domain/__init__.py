"""Notify's rules: no web framework here (import-linter checks it)."""
