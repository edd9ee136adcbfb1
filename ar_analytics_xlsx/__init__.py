from . import reports
from . import wizards
