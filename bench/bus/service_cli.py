"""``python -m bench.bus.service_cli <benchsource|benchsink> <command>``: the kit's service CLI
(``relay``, ``consume``, ...) for the bench services, as ``python -m services.<name>`` is for
real ones. ``consume`` takes the kit's ``--prefetch`` and ``--batch-size`` (messages per
transaction; default ``THIDUA_CONSUMER_BATCH_SIZE``, 100), so the bench measures the
consumer exactly as a service runs it.
"""

from __future__ import annotations

import sys

from bench.bus.service import SERVICES
from kit.cli import make_cli


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in SERVICES:
        raise SystemExit(f"usage: python -m bench.bus.service_cli {{{','.join(SERVICES)}}} COMMAND")
    name, *args = argv
    make_cli(SERVICES[name])(args=args, prog_name=f"python -m bench.bus.service_cli {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
