from . import ar_aged_receivables
