"""Identity's rules, one module per concern. Each function takes a session and does its work
inside the caller's transaction, emitting events and audit entries in that same transaction."""
