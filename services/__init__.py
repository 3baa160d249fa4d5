"""The platform's services. Each is independent: it owns its database and never imports
another service (import-linter checks this in `make lint`)."""
