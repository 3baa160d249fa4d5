"""The gateway: the platform's one public entry (routing, request ids, merged OpenAPI)."""
