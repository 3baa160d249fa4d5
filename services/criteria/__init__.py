"""Criteria: the yearly criteria tables, their versions and the emulation movements (issue 4)."""
