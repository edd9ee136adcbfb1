from . import ar_grade_override_wizard
