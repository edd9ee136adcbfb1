"""The book read into typed frames through PostgreSQL's COPY: the server formats the rows as
CSV, pandas' C parser types them, no Python object per value. Dates travel as day numbers
and booleans as 0/1; the text goes through a temporary file, so the peak memory is the
frame, not the text as well."""

import io
import logging
import tempfile
import threading
from contextlib import closing
from itertools import pairwise

import numpy as np
import pandas as pd

from odoo import sql_db
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# the extraction's session settings: PostgreSQL's JIT compiles the few large queries of an
# extraction for longer than it saves, their sorts spill to disk with the default work_mem,
# and parallel workers would compete for the cores that the extraction's two connections and
# the parsing thread already keep busy
EXTRACT_SETTINGS = SQL(
    "SET LOCAL jit = off; SET LOCAL work_mem = '64MB';"
    " SET LOCAL max_parallel_workers_per_gather = 0"
)
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
BATCH = "batch"


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
    # a read of every batch of a refresh in batches (its first column ``batch``) comes
    # batch after batch, so that each batch's rows can be parsed alone (Batched)
    order = SQL(" ORDER BY 1") if columns[0] == BATCH else SQL()
    return SQL(
        "COPY (SELECT %s FROM (%s) AS q(%s)%s) TO STDOUT WITH (FORMAT csv)",
        outputs,
        query,
        names,
        order,
    )


def read_copy(cr, statement, columns, order_by):
    """The frame of a COPY ``statement`` (text, as mogrified) run on the cursor ``cr``."""
    with tempfile.TemporaryFile() as text:
        cr.copy_expert(statement, text)
        return parse_copy(text, columns, order_by)


def copy_to_file(cr, statement, columns, order_by):
    """(the temporary file holding the CSV text of a COPY ``statement``, columns, order_by):
    read now, parsed later by :func:`parse_copy` (the text is on disk meanwhile, not in
    memory)."""
    text = tempfile.TemporaryFile()  # noqa: SIM115 (closed by parse_copy)
    cr.copy_expert(statement, text)
    return text, columns, order_by


def parse_copy(text, columns, order_by):
    """The typed frame of the CSV ``text`` (a file, at the end of what COPY wrote)."""
    with text:
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


def batch_spans(text, count):
    """The byte spans ``[(start, end)]`` of batches 1 to ``count`` in the CSV ``text`` of a
    read ordered by its first column, the batch (:func:`copy_statement`): binary searches
    on the file, none of it parsed."""
    size = text.seek(0, 2)

    def line_from(offset):
        # the start of the first line that starts at or after offset
        if offset == 0:
            return 0
        text.seek(offset - 1)
        text.readline()
        return text.tell()

    def batch_at(start):
        if start >= size:
            return count + 1
        text.seek(start)
        return int(text.readline().split(b",", 1)[0])

    def first_of(batch):
        low, high = 0, size
        while low < high:
            middle = (low + high) // 2
            if batch_at(line_from(middle)) >= batch:
                high = middle
            else:
                low = middle + 1
        return line_from(low)

    starts = [first_of(batch) for batch in range(1, count + 2)]
    return list(pairwise(starts))


class Batched:
    """A read of every batch of a refresh in batches (first column ``batch``), held on disk
    as CSV text and parsed one batch at a time: the memory of one batch's frame. A read
    without that column is one batch."""

    def __init__(self, copied, count):
        self.text, self.columns, self.order_by = copied  # as copy_to_file returns it
        if self.columns[0] == BATCH:
            self.spans = batch_spans(self.text, count)
        else:
            self.spans = [(0, self.text.seek(0, 2))]

    def frame(self, batch):
        """The typed frame of ``batch`` (1 to count), without the batch column."""
        start, end = self.spans[batch - 1]
        self.text.seek(start)
        chunk = io.BytesIO(self.text.read(end - start))
        chunk.seek(0, 2)
        frame = parse_copy(chunk, self.columns, self.order_by)
        return frame.drop(columns=BATCH) if self.columns[0] == BATCH else frame

    def close(self):
        self.text.close()


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
    # in a stable order whatever plan PostgreSQL chose (hash joins and parallel workers
    # return rows in any order): float sums, and so the stored figures, do not change
    # between two runs
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


def frames_later(env, reads, files=(), parse_first=False):
    """The frames of ``reads`` (``(query, columns, order_by)``, as ``query_frame``) read
    one after the other in a thread, on a second connection that imports this
    transaction's snapshot (``pg_export_snapshot``): the database extracts while this
    thread computes (a refresh uses both cores). Returns a function that waits for the
    frames. Only with the context's ``ar_snapshot`` (``clean_snapshot``, exported by the
    nightly job at the top of the transaction of one company's refresh, before it wrote
    anything: the refresh writes nothing these reads see before they are done); without
    it, read here and now.

    ``files``: reads whose text the thread then copies to temporary files, one after the
    other, not parsed (the returned function's ``file(n)``: the n-th ``copy_to_file``
    result, waited for): the reads of every batch of a refresh in batches, held on disk
    until each batch's turn (``Batched``). ``parse_first``: the first file is a single
    batch, parsed in the thread as soon as it is copied (while this thread still waits for
    its own read): the returned function's ``frame()``."""
    statements = [prepared(env, *read) for read in reads]
    later = [prepared(env, *read) for read in files]
    snapshot = env.context.get("ar_snapshot")
    if not snapshot:
        return _read_here(env, statements, later, parse_first)
    result, imported, copied = {"files": []}, threading.Event(), threading.Condition()

    def read():
        try:
            with closing(sql_db.db_connect(env.cr.dbname).cursor()) as cr:
                cr.execute(SQL("SET TRANSACTION SNAPSHOT %s", snapshot))
                result["imported"] = True
                imported.set()
                cr.execute(EXTRACT_SETTINGS)
                result["frames"] = [read_copy(cr, *statement) for statement in statements]
                for position, statement in enumerate(later):
                    text = copy_to_file(cr, *statement)
                    first = Batched(text, 1).frame(1) if parse_first and not position else None
                    with copied:
                        result["files"].append(text)
                        result.setdefault("first", first)
                        copied.notify_all()
                cr.rollback()
        except Exception as error:  # noqa: BLE001 (raised again in the caller's thread)
            result["error"] = error
        finally:
            imported.set()
            with copied:
                result["finished"] = True
                copied.notify_all()

    thread = threading.Thread(target=read, name="ar_extract", daemon=True)
    thread.start()
    # the snapshot can be imported only while this transaction is open
    imported.wait()

    if "error" in result and not result.get("imported"):
        # no second connection (a full pool, a refused import): read here
        _logger.warning("receivables extraction in one connection: %s", result["error"])
        return _read_here(env, statements, later, parse_first)

    def wait():
        thread.join()
        if "error" in result:
            raise result["error"]
        return result["frames"]

    def file(number):
        with copied:
            copied.wait_for(lambda: "finished" in result or len(result["files"]) > number)
        if "error" in result:
            raise result["error"]
        return result["files"][number]

    def first():
        file(0)
        return result["first"]

    return _waiting(wait, file, first)


def _read_here(env, statements, later, parse_first):
    """:func:`frames_later`'s reads made here and now, in this transaction's connection."""
    frames = [read_copy(env.cr, *statement) for statement in statements]
    files = [copy_to_file(env.cr, *statement) for statement in later]
    first = Batched(files[0], 1).frame(1) if parse_first else None
    return _waiting(lambda: frames, files.__getitem__, lambda: first)


def _waiting(wait, file, first):
    """``wait``, with ``wait.file(n)``: the n-th read copied to a file, once copied (the
    following ones may still be under way), and ``wait.frame()``: the first one parsed."""
    wait.file = file
    wait.frame = first
    return wait
