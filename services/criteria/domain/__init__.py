"""Criteria's rules, one module per concern; each works inside the caller's transaction."""
