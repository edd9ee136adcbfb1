from . import test_book
from . import test_figures
from . import test_score
from . import test_signals
from . import test_item_closing
