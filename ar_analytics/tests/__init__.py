from . import test_book
