"""Small shared helpers of the engine (no metric logic here)."""

import numpy as np
import pandas as pd


def as_timestamp(value):
    """Return ``value`` (str, date, datetime or Timestamp) as a day Timestamp."""
    return pd.Timestamp(value).normalize()


def window_start(as_of, window_days):
    """Exclusive start of the trailing window (as_of - window_days, as_of]."""
    return as_of - pd.Timedelta(days=window_days)


def day_diff(later, earlier):
    """Calendar days ``later - earlier`` as float (NaN where a date is missing).

    Either side may be a Timestamp, the other a datetime Series.
    """
    return (later - earlier).dt.days.astype("float64")


def ratio(num, den, *, positive=False):
    """``num / den`` with NaN (never inf) where ``den`` is 0, or <= 0 if ``positive``.

    Works on scalars, numpy arrays and pandas Series (two Series are aligned on
    their index first).
    """
    if isinstance(num, pd.Series) and isinstance(den, pd.Series):
        num, den = num.align(den)
    num_arr = np.asarray(num, dtype="float64")
    den_arr = np.asarray(den, dtype="float64")
    bad = den_arr <= 0 if positive else den_arr == 0
    safe = np.where(bad, 1.0, den_arr)
    out = np.where(bad, np.nan, num_arr / safe)
    if isinstance(den, pd.Series):
        return pd.Series(out, index=den.index)
    if isinstance(num, pd.Series):
        return pd.Series(out, index=num.index)
    return out if out.ndim else float(out)


def group_index(frame, by):
    """Sorted unique group keys of ``frame[by]``, named ``by``."""
    return pd.Index(np.sort(frame[by].unique()), name=by)


def group_sum(frame, by, values, index):
    """Sum of ``values`` (a Series aligned with ``frame``) per ``by``, on ``index``."""
    return values.groupby(frame[by]).sum().reindex(index, fill_value=0.0)


def lookup(table, keys):
    """Values of ``table`` (a Series indexed by key) for each key of the Series
    ``keys``, aligned with ``keys`` (missing keys give NaN/NaT; dtype kept)."""
    return pd.Series(table.reindex(keys.to_numpy()).to_numpy(), index=keys.index)


def attach(frame, items, columns, names=None):
    """Rows of ``frame`` whose ``item_id`` is in ``items``, with the items' ``columns``
    added (renamed to ``names`` if given); a fast many-to-one join on item_id."""
    position = pd.Index(items["item_id"]).get_indexer(frame["item_id"])
    found = position >= 0
    out = frame.loc[found].copy()
    for column, name in zip(columns, names or columns, strict=True):
        out[name] = items[column].to_numpy()[position[found]]
    return out


def concat_parts(parts, by=None):
    """The frames or Series ``parts`` (the rows of sets of items split by customer) as one:
    those with rows concatenated and sorted by index, or stably by the columns ``by``. A
    single one is returned as it is; when none has rows, the first (an empty part's dtypes
    may differ from the others' and would change those of the concatenation)."""
    parts = list(parts)
    filled = [part for part in parts if len(part)] or parts[:1]
    if len(filled) == 1:
        return filled[0]
    out = pd.concat(filled)
    return out.sort_index() if by is None else out.sort_values(by, kind="stable")
