"""The Thi đua web application: the Vietnamese UI of the platform, a client of its public API.

It has no database and imports no service (an import-linter contract says so): every page is
built from the gateway's ``/api/v1/...`` answers, asked with the signed-in user's own token.
``web.app:create_app()`` is the WSGI entry point; docs/web.md describes the conventions.
"""
