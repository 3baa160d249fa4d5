from kit.cli import make_cli
from services.notify.commands import add_commands
from services.notify.service import SERVICE

cli = make_cli(SERVICE)
add_commands(cli)
cli(prog_name="python -m services.notify")
