"""Developer tools of manage.py that live in their own modules."""
