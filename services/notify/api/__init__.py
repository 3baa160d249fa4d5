"""Notify's HTTP API, one module per resource."""
