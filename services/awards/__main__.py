from kit.cli import make_cli
from services.awards.commands import add_commands
from services.awards.service import SERVICE

cli = make_cli(SERVICE)
add_commands(cli)
cli(prog_name="python -m services.awards")
