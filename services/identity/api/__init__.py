"""Identity's HTTP API, one module per resource; ``blueprints`` lists them for the service."""
