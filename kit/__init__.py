"""The shared kit: what every service of the platform uses, and nothing more.

Its surface is the modules ``__all__`` lists below, each of which declares its own public names
in ``__all__``. A service is built from them:

- ``kit.service``  the ``Service`` descriptor a service fills in once;
- ``kit.app``      ``create_app(service)`` and what views use: ``database()``, ``principal()``,
                   ``runtime()`` (its settings), ``client_address()``, ``public``, ``accepts``;
- ``kit.cli``      ``make_cli(service)``: the commands every service answers to;
- ``kit.config``   ``Settings``, which a service extends with its own;
- ``kit.db``       ``Database`` (engine + transactions), column types, ``utcnow``;
- ``kit.dates``    ``today()``, ``this_year()``: Viet Nam's, the day roles, regions and award
                   years are dated in (the servers' clock is UTC);
- ``kit.events``   ``emit`` (into the outbox), ``CloudEvent`` and ``Handler`` (subscriptions),
                   ``forget_handled`` (a read model's reset before a replay);
- ``kit.errors``, ``kit.problems``, ``kit.preconditions``  errors the domain raises, their
                   problem+json answers, If-Match;
- ``kit.policy``, ``kit.auth``, ``kit.principals``  who the caller is and what it may do;
- ``kit.heartbeat`` ``beat()``: what every long-running loop calls each time round, so that its
                   process's /livez (served by ``kit.metrics.serve``) can tell it is stuck;
- ``kit.failpoints`` ``hit(name)``: where a fault test stops a service's own process (notify's
                   mail sender between the server's acceptance and its record; decision 0005);
- ``kit.orgcopy``, ``kit.pagination``, ``kit.fields``, ``kit.text``, ``kit.spreadsheets``,
  ``kit.metrics``, ``kit.logs``, ``kit.context``, ``kit.clientaddr``, ``kit.web``  the rest.

``INTERNAL`` names the modules that run a service from inside (the relay, the consumer, the
outbox and inbox tables, migrations, the health endpoints, the HTTP server): import-linter keeps
services, the gateway and the web application out of them (pyproject.toml); the kit's own tests
and services' tests may use them.

The kit never imports a service, and its modules import each other in no cycle; import-linter
enforces both.
"""

__all__ = [
    "app",
    "auth",
    "cli",
    "clientaddr",
    "config",
    "context",
    "dates",
    "db",
    "errors",
    "events",
    "failpoints",
    "fields",
    "heartbeat",
    "logs",
    "metrics",
    "orgcopy",
    "pagination",
    "policy",
    "preconditions",
    "principals",
    "problems",
    "service",
    "spreadsheets",
    "text",
    "web",
]

INTERNAL = (
    "events.*",  # the relay, consumer, bus, outbox and tables behind kit.events
    "gunicorn_conf",
    "idempotency",
    "inputs",
    "migrate",
    "ops",
    "runtime",
    "serving",
)
