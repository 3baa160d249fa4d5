from kit.cli import make_cli
from services.criteria.service import SERVICE

make_cli(SERVICE)(prog_name="python -m services.criteria")
