from kit.cli import make_cli
from services.scoring.commands import add_commands
from services.scoring.service import SERVICE

cli = make_cli(SERVICE)
add_commands(cli)
cli(prog_name="python -m services.scoring")
