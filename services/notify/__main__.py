from kit.cli import make_cli
from services.notify.service import SERVICE

make_cli(SERVICE)(prog_name="python -m services.notify")
