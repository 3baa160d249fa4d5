"""Notify: the in-app inbox of the platform's public events.

It files every announcement identity publishes into the inbox every signed-in user reads, and
refuses deactivated users' tokens once identity has said so (kit.principals). It sends no
e-mail and calls no webhook.
"""
