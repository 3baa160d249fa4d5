"""``python -m services.criteria.domain.excel``: regenerate ``data/criteria-template.xlsx``."""

from services.criteria.domain.excel.template import write_template

print(write_template())
