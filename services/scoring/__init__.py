"""Scoring: rounds pinned to a table version, scoresheets with their entries, evidence and
history, region review, Ministry appraisal, computed totals, rankings and statistics.

It keeps copies of criteria's published tables, identity's units, regions and announcements
and its users' access, filled from their events; its consumers also compute submitted sheets'
totals (its own ``scoring.sheet.submitted``), and its scheduler closes self-assessment at the
deadline.
"""
