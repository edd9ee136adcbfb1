"""Book generator of ar_analytics (``generator``): imported by manage.py, tests and bench."""
