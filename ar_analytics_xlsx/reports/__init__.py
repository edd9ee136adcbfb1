from . import ar_aged_receivables_xlsx
from . import ar_contribution_xlsx
