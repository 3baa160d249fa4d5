"""Notify: who hears of what happens on the platform, and how.

For people: it keeps a copy of identity's users, roles and units and, per public event, a rule
of who must hear of it (domain/rules.py: a returned sheet to its unit's officers, a submitted
one to the region lead, a council session to its members, a granted award to the unit...);
each notification goes into that person's inbox (``GET /inbox``) and, by their preferences,
into an e-mail sent at once or in a daily digest by the ``send-mail`` process, at most once
(decision 0012). The ``remind`` process tells everyone in a round three days and one day
before each deadline. Announcements go into every signed-in user's inbox. It refuses
deactivated users' tokens once identity has said so (kit.principals).

For external systems it keeps every public event, in order, in a feed (``GET /feed``), and
delivers them to the webhook endpoints they register (Standard Webhooks: signed, retried, in
order per subject; the ``deliver`` process), or to a broker queue of their own
(``external-queue create``).
"""
