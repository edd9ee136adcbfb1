"""Python columns as PostgreSQL array parameters: one literal per column, parsed by the server
at once, for the set-based reads and writes of the refresh."""

import numpy as np
import pandas as pd

from odoo.tools import SQL


def sql_values(series, sql_type):
    """A column as a Python list for an SQL array: NaN/NaT/NA become NULL (vectorised: a
    refresh converts millions of values)."""
    missing = series.isna().to_numpy()
    if sql_type == "date":
        values = pd.to_datetime(series).dt.date.to_numpy(dtype=object)
    elif sql_type == "int4":
        numbers = series.to_numpy(dtype="float64", na_value=np.nan)
        values = np.rint(np.where(missing, 0, numbers)).astype(np.int64).astype(object)
    elif sql_type == "varchar":
        values = series.astype(str).to_numpy(dtype=object)
    elif sql_type == "bool":
        values = series.fillna(False).astype(bool).to_numpy(dtype=object)
    else:
        values = series.to_numpy(dtype="float64", na_value=np.nan).astype(object)
    values = np.array(values, dtype=object)
    values[missing] = None
    return values.tolist()


def array_text(values, sql_type):
    """PostgreSQL's text form of an array ('{1,2,NULL}'), one Python pass per column."""
    if sql_type in ("int4", "int8"):
        text = ["NULL" if v is None else str(int(v)) for v in values]
    elif sql_type in ("float8", "numeric"):
        text = ["NULL" if v is None else repr(float(v)) for v in values]
    elif sql_type == "bool":
        text = ["NULL" if v is None else ("t" if v else "f") for v in values]
    else:  # dates, timestamps, strings: quoted
        text = [
            "NULL" if v is None else '"%s"' % str(v).replace("\\", "\\\\").replace('"', '\\"')
            for v in values
        ]
    return "{%s}" % ",".join(text)


def array(values, sql_type):
    """An array parameter ``'{...}'::type[]``: one literal the server parses at once. A
    Python list becomes ARRAY[...] with one constant per element, which PostgreSQL takes
    seconds to plan at the hundreds of thousands of elements of a large refresh."""
    return SQL("%s::%s[]", array_text(values, sql_type), SQL(sql_type))


def unnest(columns):
    """``unnest(%s::type[], ...) AS v(name, ...)`` for {name: (values, sql type)}."""
    return SQL(
        "unnest(%s) AS v(%s)",
        SQL(", ").join(array(values, sql_type) for values, sql_type in columns.values()),
        SQL(", ").join(SQL.identifier(name) for name in columns),
    )
