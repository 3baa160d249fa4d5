"""The fault campaign (issue 14): the year-end under SIGKILLs and connection cuts.

``platform`` runs scoring and its neighbours as supervised processes behind TCP proxies,
``scenario`` drives the year-end through scoring's API as a retrying client would, ``checks``
says afterwards whether anything was lost, doubled or mis-ranked, and ``campaign`` puts them
together for the CI test (test_year_end_under_faults.py) and the long run (bench/chaos.py).
"""
