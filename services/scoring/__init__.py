"""Scoring: rounds, self-assessment, region review, appraisal and rankings (issue 5).

For now it keeps its own copy of the Ministry's announcements, shown to units beside their
scoresheets: the first of the read models scoring fills from events.
"""
