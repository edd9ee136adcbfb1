from . import ar_aged_receivables
from . import ar_credit_statement
from . import ar_contribution
