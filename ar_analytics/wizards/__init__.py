from . import ar_grade_override_wizard
from . import ar_credit_override_wizard
from . import ar_credit_approval_wizard
from . import ar_aging_report_wizard
from . import ar_dunning_call
from . import ar_dunning_process
from . import ar_dunning_process_line
