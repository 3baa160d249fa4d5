"""The shared kit: what every service of the platform uses, and nothing more.

Its surface is small on purpose. A service imports from these modules:

- ``kit.service``  the ``Service`` descriptor a service fills in once;
- ``kit.app``      ``create_app(service)``: the Flask app with errors, request ids, health, metrics;
- ``kit.db``       ``Database`` (engine + transactions) and column types;
- ``kit.problems`` ``Problem``: raise it to answer with RFC 9457 problem+json;
- ``kit.events``   ``emit`` (outbox), and the relay, consumer and dead-letter machinery;
- ``kit.cli``      ``make_cli(service)``: the commands every service answers to.

The kit never imports a service; import-linter enforces it.
"""
