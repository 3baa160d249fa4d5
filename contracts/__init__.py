"""What the services of the Thi đua platform agree on, as plain data: one pure package.

It imports nothing of the platform (import-linter keeps it so, like ``scoringrules``), so a
service, the kit and the tests can all depend on it without depending on each other:

- ``contracts.roles`` — the roles identity grants and the scope each is granted in: the
  platform's vocabulary, which every service's action declarations (``services/<name>/
  actions.py``) name;
- ``contracts.identity`` — one dataclass per public event identity publishes, with
  ``to_data()`` (what identity emits) and ``from_data()`` (what a consumer reads), each
  checked against its JSON Schema in docs/events/ by tests/test_contracts.py.
"""
