"""The book read into typed frames through PostgreSQL's COPY: the server formats the rows as
CSV, pandas' C parser types them, no Python object per value. Dates travel as day numbers
and booleans as 0/1; the text goes through a temporary file, so the peak memory is the
frame, not the text as well. Unlike a cursor fetched in chunks, COPY lets PostgreSQL plan
parallel workers."""

import logging
import tempfile
import threading
from contextlib import closing

import numpy as np
import pandas as pd

from odoo import sql_db
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# the extraction's session settings: PostgreSQL's JIT compiles the few large queries of an
# extraction for longer than it saves, and their sorts spill to disk with the default work_mem
EXTRACT_SETTINGS = SQL("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
DATE_COLUMNS = ("date", "invoice_date", "date_maturity", "max_date", "pay_date", "payment_date")

BOOL_COLUMNS = ("is_payment", "cp_is_payment", "cp_pending", "cp_is_exchange", "computed")
TEXT_COLUMNS = ("move_type", "cp_move_type", "paid_on_time")
# amounts and shares: float64 even when every value of a read is a whole number (the CSV
# parser would make them integers)
FLOAT_COLUMNS = (
    "balance",
    "amount_currency",
    "amount_item_currency",
    "amount",
    "revenue",
    "quantity",
    "cogs",
    "so_unit_cost",
    "cash_share",
    "pending_share",
    "credit_note_share",
    "writeoff_share",
)
EPOCH = np.datetime64("1970-01-01", "D")


def copy_statement(query, columns):
    """``COPY (query) TO STDOUT`` in CSV, dates as day numbers and booleans as 0/1."""
    names = SQL(", ").join(SQL.identifier(name) for name in columns)
    outputs = SQL(", ").join(
        SQL("%s - DATE '1970-01-01'", SQL.identifier("q", name))
        if name in DATE_COLUMNS
        else SQL("%s::int", SQL.identifier("q", name))
        if name in BOOL_COLUMNS
        else SQL.identifier("q", name)
        for name in columns
    )
    return SQL(
        "COPY (SELECT %s FROM (%s) AS q(%s)) TO STDOUT WITH (FORMAT csv)", outputs, query, names
    )


def read_copy(cr, statement, columns, order_by):
    """The frame of a COPY ``statement`` (text, as mogrified) run on the cursor ``cr``."""
    with tempfile.TemporaryFile() as text:
        cr.copy_expert(statement, text)
        size = text.tell()
        text.seek(0)
        frame = (
            pd.read_csv(
                text,
                header=None,
                names=columns,
                dtype={
                    **{name: "str" for name in columns if name in TEXT_COLUMNS},
                    **{name: "float64" for name in columns if name in FLOAT_COLUMNS},
                },
                keep_default_na=False,
                na_values=[""],
                # PostgreSQL writes the shortest text that reads back as the same float8,
                # which pandas' default parser reads back exactly
            )
            if size
            else empty(columns)
        )
    return typed(frame, columns, order_by)


def empty(columns):
    """A frame with ``columns`` and no row, typed as a read would type them."""
    return pd.DataFrame({name: pd.Series(dtype="float64") for name in columns})


def typed(frame, columns, order_by):
    """The CSV frame's columns typed (dates, booleans, move types), sorted by ``order_by``."""
    for name in columns:
        if name in DATE_COLUMNS:
            days = frame[name].to_numpy(dtype="float64", na_value=np.nan)
            dates = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[s]")
            known = ~np.isnan(days)
            dates[known] = (EPOCH + days[known].astype("int64")).astype("datetime64[s]")
            frame[name] = dates
        elif name in BOOL_COLUMNS:
            frame[name] = frame[name].astype(bool)
        elif name in TEXT_COLUMNS:
            # one string object per distinct value (move types), not one per row
            codes, uniques = pd.factorize(frame[name])
            values = np.append(np.asarray(uniques, dtype=object), None)[codes]
            frame[name] = pd.Series(values, index=frame.index, dtype="str")
    if not order_by or frame.empty:
        return frame
    # in a stable order whatever plan PostgreSQL chose (parallel workers return rows in any
    # order): float sums, and so the stored figures, do not change between two runs
    order = np.lexsort([frame[name].to_numpy() for name in reversed(order_by)])
    return frame.take(order).reset_index(drop=True)


def query_frame(env, query, columns, order_by):
    """The rows of ``query`` as a typed frame (through COPY), sorted by ``order_by``."""
    return read_copy(env.cr, *prepared(env, query, columns, order_by))


def prepared(env, query, columns, order_by):
    """(COPY statement as text, columns, order_by) of ``query``, its models flushed."""
    env.flush_query(query)
    return env.cr.mogrify(copy_statement(query, columns)).decode(), columns, order_by


def identifiers(alias, **columns):
    """``{key: alias.column}`` SQL identifiers, for named placeholders."""
    return {key: SQL.identifier(alias, name) for key, name in columns.items()}


def clean_snapshot(env):
    """This transaction's snapshot, exported (``pg_export_snapshot``) for other
    connections to read what it reads; None once it has written anything. Only at the
    top level of a transaction: PostgreSQL refuses to export inside a savepoint."""
    [(written,)] = env.execute_query(SQL("SELECT pg_current_xact_id_if_assigned()"))
    if written is not None:
        return None
    [(snapshot,)] = env.execute_query(SQL("SELECT pg_export_snapshot()"))
    return snapshot


def frames_later(env, reads):
    """The frames of ``reads`` (``(query, columns, order_by)``, as ``query_frame``) read
    one after the other in a thread, on a second connection that imports this
    transaction's snapshot (``pg_export_snapshot``): the database extracts while this
    thread computes (a refresh uses both cores). Returns a function that waits for the
    frames. Only with the context's ``ar_snapshot`` (``clean_snapshot``, exported by the
    nightly job at the top of the transaction of one company's refresh, before it wrote
    anything: the refresh writes nothing these reads see before they are done); without
    it, read here and now."""
    statements = [prepared(env, *read) for read in reads]
    snapshot = env.context.get("ar_snapshot")
    if not snapshot:
        frames = [read_copy(env.cr, *statement) for statement in statements]
        return lambda: frames
    result, imported = {}, threading.Event()

    def read():
        try:
            with closing(sql_db.db_connect(env.cr.dbname).cursor()) as cr:
                cr.execute(SQL("SET TRANSACTION SNAPSHOT %s", snapshot))
                result["imported"] = True
                imported.set()
                cr.execute(EXTRACT_SETTINGS)
                result["frames"] = [read_copy(cr, *statement) for statement in statements]
                cr.rollback()
        except Exception as error:  # noqa: BLE001 (raised again in the caller's thread)
            result["error"] = error
        finally:
            imported.set()

    thread = threading.Thread(target=read, name="ar_extract", daemon=True)
    thread.start()
    # the snapshot can be imported only while this transaction is open
    imported.wait()

    if "error" in result and not result.get("imported"):
        # no second connection (a full pool, a refused import): read here
        _logger.warning("receivables extraction in one connection: %s", result["error"])
        frames = [read_copy(env.cr, *statement) for statement in statements]
        return lambda: frames

    def wait():
        thread.join()
        if "error" in result:
            raise result["error"]
        return result["frames"]

    return wait
