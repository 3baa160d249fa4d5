"""Scoring: rounds pinned to a table version, scoresheets with their entries, evidence and
history, region review, Ministry appraisal, computed totals, rankings and statistics.

It keeps copies of criteria's published tables, identity's units, regions and announcements
and its users' access, filled from their events; its consumers are also its workers, which
compute a submitted sheet's totals, and its scheduler closes self-assessment at the deadline.
"""
