"""Notify: the in-app inbox, e-mail and webhook deliveries of the platform's public events.

For now it files every announcement into the in-app inbox.
"""
