"""Criteria: the yearly criteria tables (validated documents, versions, amendments, Excel in
and out), the scoring methods they may use, emulation movements and region covenants.

It keeps copies of identity's units and regions and of its users' access (kit.principals),
filled from identity's events, and publishes ``criteria.table.published``,
``criteria.movement.launched`` and ``criteria.covenant.signed``.
"""
