from . import ar_aged_receivables
from . import ar_credit_statement
from . import ar_credit_statement_internal
from . import ar_dunning_letter
from . import ar_contribution
from . import ir_actions_report
