"""Identity: who is who on the platform, and the tokens that say so.

It owns the effective-dated organisation units and their mergers, the emulation regions of
each year, users and their role grants, API clients, the RS256 signing keys and their JWKS,
refresh tokens, sign-in lockout and the audit log, and the platform's announcements. It
publishes ``identity.org.*``, ``identity.region.*``, ``identity.user.*`` and
``identity.announcement.published``, and consumes nothing.
"""
