"""Notify: the in-app inbox of the platform's public events.

It files every announcement identity publishes into the inbox every signed-in user reads, and
refuses deactivated users' tokens once identity has said so (kit.principals). It sends no
e-mail.

For external systems it keeps every public event, in order, in a feed (``GET /feed``), and
delivers them to the webhook endpoints they register (Standard Webhooks: signed, retried, in
order per subject; the ``deliver`` process), or to a broker queue of their own
(``external-queue create``).
"""
