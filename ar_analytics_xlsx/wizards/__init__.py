from . import ar_aging_report_wizard
