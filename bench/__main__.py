"""``python -m bench``: see bench.runner."""

import sys

from bench.runner import main

try:
    sys.exit(main())
except KeyboardInterrupt:  # Ctrl-C or SIGTERM: everything started has been stopped and removed
    print("bench: interrupted", file=sys.stderr)
    sys.exit(130)
