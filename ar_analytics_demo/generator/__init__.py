"""Realistic receivables books: a seeded plan (``plan``) and its materialisation (``book``).

Not imported by the addon itself: the demo command, the tests and the benchmarks import it.
"""
