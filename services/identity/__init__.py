"""Identity: organisations, emulation regions, users, roles and keys (issue 3 fills it in).

For now it owns platform announcements, the walking skeleton's proof that an event emitted
here reaches the services that consume it.
"""
