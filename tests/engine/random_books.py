"""Hypothesis strategies of random books for the tests of batches (``Ledger.random_book``):
invoices, unapplied credits, and each customer's batch."""

from hypothesis import strategies as st

AMOUNTS = st.floats(min_value=0.01, max_value=100_000, allow_nan=False).map(
    lambda value: round(value, 2)
)


def invoices(partners, days, kinds, paid, max_delay, second=False):
    """One invoice row: its customer (0: a receivable line without one), amount, day after
    the book's start (up to ``days``), terms, share ``paid`` and payment ``delay`` (up to
    ``max_delay``), settlement kind, refund; with ``second``, whether it is paid twice."""
    fields = {
        "partner": st.integers(min_value=0, max_value=partners),
        "amount": AMOUNTS,
        "day": st.integers(min_value=0, max_value=days),
        "terms": st.sampled_from([0, 15, 30, 60]),
        "paid": paid,
        "delay": st.integers(min_value=-20, max_value=max_delay),
        "kind": st.sampled_from(kinds),
        "refund": st.booleans(),
    }
    if second:
        fields["second"] = st.booleans()
    return st.fixed_dictionaries(fields)


def credits(partners, max_day, max_size):
    """Unapplied credits: (customer, amount, day after the book's start)."""
    return st.lists(
        st.tuples(st.integers(min_value=0, max_value=partners), AMOUNTS, st.integers(0, max_day)),
        max_size=max_size,
    )


def batch_numbers(count):
    """Each of ``count`` customers' batch, one of four."""
    return st.lists(st.integers(min_value=0, max_value=3), min_size=count, max_size=count)
