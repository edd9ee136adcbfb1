"""Refresh of the stored receivables figures: one set-based extraction per company (posted
receivable items and their partial reconciliations, cut at an as-of date), one engine call,
one batched write of what changed. Full refresh (cron, settings, server action) and
incremental refresh (posting, cancelling, resetting, reconciling, unreconciling) share it."""

import datetime
import logging
import tempfile
import threading
import time
from contextlib import closing
from functools import partial

import numpy as np
import pandas as pd

from odoo import api, fields, models, sql_db
from odoo.fields import Domain
from odoo.service.model import retrying
from odoo.tools import SQL

from .. import engine
from .ar_customer_stat import CUSTOMER_FIGURES, CUSTOMER_FLAGS, EFFECTIVE_GRADE
from .ar_figures_mixin import FIGURES, FLAGS
from .ar_score_history import HISTORY_FIGURES, SCORE_STEP
from .res_company import BACKTEST_DATE_FIELDS, SUGGESTION_FIELDS, WEIGHT_FIELDS

_logger = logging.getLogger(__name__)

DIRTY_KEY = "ar_analytics.dirty"
# above this many customers of one company, an incremental refresh refreshes the whole company
INCREMENTAL_LIMIT = 500
# first keys of the per-company advisory locks (second key: company id): one full refresh at
# a time; refreshes of some customers share WRITE_LOCK, which a full refresh takes exclusively
REFRESH_LOCK = 0x41520001
WRITE_LOCK = 0x41520002
ITEM_COLUMNS = [
    "item_id",
    "move_id",
    "partner_id",
    "company_id",
    "move_type",
    "is_payment",
    "date",
    "invoice_date",
    "date_maturity",
    "balance",
    "amount_currency",
    "currency_id",
]
ALLOC_COLUMNS = [
    "partial_id",
    "item_id",
    "counterpart_id",
    "amount_item_currency",
    "amount",
    "max_date",
    "pay_date",
    "cp_move_type",
    "cp_is_payment",
    "cp_pending",
    "cp_is_exchange",
]
DATE_COLUMNS = ("date", "invoice_date", "date_maturity", "max_date", "pay_date", "payment_date")
MOVE_FIGURES = {
    # engine column -> (account.move field, SQL type)
    "payment_date": ("ar_payment_date", "date"),
    "days_to_pay": ("ar_days_to_pay", "int4"),
    "days_late": ("ar_days_late", "int4"),
    "paid_on_time": ("ar_paid_on_time", "varchar"),
    "cash_share": ("ar_cash_share", "float8"),
    "pending_share": ("ar_pending_share", "float8"),
    "credit_note_share": ("ar_credit_note_share", "float8"),
    "writeoff_share": ("ar_writeoff_share", "float8"),
}


# the extraction's session settings (see ArRefresh._extract)
EXTRACT_SETTINGS = SQL("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
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


def _copy_statement(query, columns):
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


def _read_copy(cr, statement, columns, order_by):
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
                # PostgreSQL writes the shortest text that reads back as the same float8;
                # pandas' default parser reads it back: on the benchmark book its 3 million
                # amounts equal Python's own parsing ("round_trip", twice as slow)
            )
            if size
            else pd.DataFrame({name: pd.Series(dtype="float64") for name in columns})
        )
    return _typed(frame, columns, order_by)


def _typed(frame, columns, order_by):
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


def _query_frame(env, query, columns, order_by):
    """The rows of ``query`` as a frame, through PostgreSQL's COPY in CSV: the server
    formats the rows as text, pandas' C parser types them, no Python object per value
    (the extraction of a large book was mostly Python tuples and their conversion). Dates
    travel as day numbers and booleans as 0/1 (parsed as plain integers); the text goes
    through a temporary file, so the peak memory is the frame, not the text as well.
    Unlike a cursor fetched in chunks, COPY lets PostgreSQL plan parallel workers. Rows
    come sorted by ``order_by``."""
    return _read_copy(env.cr, *_prepared(env, query, columns, order_by))


def _prepared(env, query, columns, order_by):
    """(COPY statement as text, columns, order_by) of ``query``, its models flushed."""
    env.flush_query(query)
    return env.cr.mogrify(_copy_statement(query, columns)).decode(), columns, order_by


def _identifiers(alias, **columns):
    """``{key: alias.column}`` SQL identifiers, for named placeholders."""
    return {key: SQL.identifier(alias, name) for key, name in columns.items()}


def _clean_snapshot(env):
    """This transaction's snapshot, exported (``pg_export_snapshot``) for other
    connections to read what it reads; None once it has written anything. Only at the
    top level of a transaction: PostgreSQL refuses to export inside a savepoint."""
    [(written,)] = env.execute_query(SQL("SELECT pg_current_xact_id_if_assigned()"))
    if written is not None:
        return None
    [(snapshot,)] = env.execute_query(SQL("SELECT pg_export_snapshot()"))
    return snapshot


def _frames_later(env, reads):
    """The frames of ``reads`` (``(query, columns, order_by)``, as ``_query_frame``) read
    one after the other in a thread, on a second connection that imports this
    transaction's snapshot (``pg_export_snapshot``): the database extracts while this
    thread computes (a refresh uses both cores). Returns a function that waits for the
    frames. Only with the context's ``ar_snapshot`` (``_clean_snapshot``, exported by the
    nightly job at the top of the transaction of one company's refresh, before it wrote
    anything: the refresh writes nothing these reads see before they are done); without
    it, read here and now."""
    statements = [_prepared(env, *read) for read in reads]
    snapshot = env.context.get("ar_snapshot")
    if not snapshot:
        frames = [_read_copy(env.cr, *statement) for statement in statements]
        return lambda: frames
    result, imported = {}, threading.Event()

    def read():
        try:
            with closing(sql_db.db_connect(env.cr.dbname).cursor()) as cr:
                cr.execute(SQL("SET TRANSACTION SNAPSHOT %s", snapshot))
                result["imported"] = True
                imported.set()
                cr.execute(EXTRACT_SETTINGS)
                result["frames"] = [_read_copy(cr, *statement) for statement in statements]
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
        frames = [_read_copy(env.cr, *statement) for statement in statements]
        return lambda: frames

    def wait():
        thread.join()
        if "error" in result:
            raise result["error"]
        return result["frames"]

    return wait


def _sql_values(series, sql_type):
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


def _array_text(values, sql_type):
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


def _array(values, sql_type):
    """An array parameter ``'{...}'::type[]``: one literal the server parses at once. A
    Python list becomes ARRAY[...] with one constant per element, which PostgreSQL takes
    seconds to plan at the hundreds of thousands of elements of a large refresh."""
    return SQL("%s::%s[]", _array_text(values, sql_type), SQL(sql_type))


def _unnest(columns):
    """``unnest(%s::type[], ...) AS v(name, ...)`` for {name: (values, sql type)}."""
    return SQL(
        "unnest(%s) AS v(%s)",
        SQL(", ").join(_array(values, sql_type) for values, sql_type in columns.values()),
        SQL(", ").join(SQL.identifier(name) for name in columns),
    )


# above this many items, the allocations are read for the whole company and kept for the
# items in pandas (a join with hundreds of thousands of ids plans badly); below, by id
ALLOC_BY_ID_LIMIT = 100000


def payments_await_bank(env):
    """Whether this database's accounting keeps paid invoices *In payment* until their
    payments are matched with the bank (Enterprise's accountant module). Without it (Odoo
    Community) Odoo calls an invoice paid as soon as a payment settles it: nothing is
    pending, whatever the journal's outstanding account."""
    return env["account.move"]._get_invoice_in_payment_state() == "in_payment"


def _counterpart(await_bank):
    """The counterpart line's figures of an allocation (ALLOC_COLUMNS after max_date). A
    payment is pending only while Odoo itself keeps it in process awaiting its bank line."""
    return SQL(
        """cp.date, cpm.move_type,
           (cpm.origin_payment_id IS NOT NULL OR cpm.statement_line_id IS NOT NULL),
           (%s AND pay.state IS NOT DISTINCT FROM 'in_process'),
           cpm.id IN (SELECT exchange_move_id FROM account_partial_reconcile
                       WHERE exchange_move_id IS NOT NULL)""",
        bool(await_bank),
    )


def _allocation_side(as_of, side, await_bank):
    """Allocations of the partials whose ``side`` ('debit' or 'credit') line is one of the
    ``items``: looked up item by item in that side's index (a lateral subquery kept apart
    by OFFSET 0: joined, thousands of items are planned as a scan of every partial)."""
    other = "credit" if side == "debit" else "debit"
    return SQL(
        """
        SELECT part.id, items.id, cp.id, %(item_amount)s::float8, part.amount::float8,
               part.max_date, %(counterpart)s
          FROM items
         CROSS JOIN LATERAL (
                SELECT * FROM account_partial_reconcile part
                 WHERE %(item_line)s = items.id AND part.max_date <= %(as_of)s OFFSET 0
               ) AS part
          JOIN account_move_line cp ON cp.id = %(cp_line)s
          JOIN account_move cpm ON cpm.id = cp.move_id
     LEFT JOIN account_payment pay ON pay.id = cpm.origin_payment_id
        """,
        item_amount=SQL.identifier("part", f"{side}_amount_currency"),
        item_line=SQL.identifier("part", f"{side}_move_id"),
        cp_line=SQL.identifier("part", f"{other}_move_id"),
        counterpart=_counterpart(await_bank),
        as_of=as_of,
    )


def _allocations(company, item_ids, as_of, await_bank):
    """Allocations of ALLOC_COLUMNS: one row per partial reconciliation dated up to as_of
    and item on either side of it (two rows when both are), with its counterpart line.

    For a few items, by id, each side through its index. For many, every partial of the
    company's receivable accounts in one pass over the partials and the lines, both sides
    at once (both lines of a partial share their account, and max_date is the later of
    their dates): a superset that the caller narrows to the items."""
    if len(item_ids) <= ALLOC_BY_ID_LIMIT:
        return SQL(
            "WITH items AS MATERIALIZED (SELECT unnest(%s) AS id) %s UNION ALL %s",
            _array(item_ids, "int4"),
            _allocation_side(as_of, "debit", await_bank),
            _allocation_side(as_of, "credit", await_bank),
        )
    return SQL(
        """
        SELECT part.id, side.item_id, cp.id, side.item_amount::float8, part.amount::float8,
               part.max_date, %(counterpart)s
          FROM account_partial_reconcile part
         CROSS JOIN LATERAL (
                VALUES (part.debit_move_id, part.credit_move_id, part.debit_amount_currency),
                       (part.credit_move_id, part.debit_move_id, part.credit_amount_currency)
               ) AS side(item_id, counterpart_id, item_amount)
          JOIN account_move_line cp ON cp.id = side.counterpart_id
          JOIN account_move cpm ON cpm.id = cp.move_id
     LEFT JOIN account_payment pay ON pay.id = cpm.origin_payment_id
         WHERE part.max_date <= %(as_of)s AND part.company_id = %(company)s
           AND cp.account_id IN (SELECT id FROM account_account
                                  WHERE account_type = 'asset_receivable')
        """,
        counterpart=_counterpart(await_bank),
        as_of=as_of,
        company=company.id,
    )


class ArRefresh(models.AbstractModel):
    _name = "ar.refresh"
    _description = "Receivables figures refresh"

    # -- extraction ----------------------------------------------------------------------------
    def _items_query(self, company, as_of, partner_ids=None, open_only=False):
        """The company's posted receivable items dated up to as_of, through the ORM's
        ``_search`` so that record rules and companies apply; ``open_only``: only those
        that may still have been open at as_of (not closed by then: ``ar.item.closing``)."""
        domain = Domain(
            [
                ("company_id", "=", company.id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("date", "<=", as_of),
            ]
        )
        if partner_ids is not None:
            domain &= Domain("partner_id", "in", self._contacts(partner_ids))
        query = self.env["account.move.line"]._search(domain)
        if open_only:
            # the candidates' ids first: PostgreSQL cannot tell how few they are (the closing
            # and the line's dates are correlated) and would scan every line for them
            candidates = self.env["ar.item.closing"]._open_at(company, as_of)
            query.add_where(
                SQL("%s = ANY(%s)", SQL.identifier(query.table, "id"), _array(candidates, "int4"))
            )
        return query

    def _contacts(self, partner_ids):
        """The contacts of the commercial partners ``partner_ids`` (archived ones too), by
        id: the lines are filtered on their partner, which is indexed; a join to the
        partners, filtered on the commercial partner, is planned as a scan of every line
        of the company from about a hundred customers."""
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s)",
                _array(sorted(partner_ids), "int4"),
            )
        )
        return [row[0] for row in rows]

    def _extract(self, company, as_of, partner_ids=None, open_only=False):
        """(items, allocs) frames of engine_contract.md for one company at as_of;
        ``open_only``: only the items with a residual at as_of, each with that residual as
        its balance (and in its currency) and no allocation: what the aged receivables
        need (residual, days past due, bucket), without reading the allocations."""
        query = self._items_query(company, as_of, partner_ids, open_only)
        line = query.table

        # joined to the ORM's query (record rules applied): one scan of the lines
        query.add_join(
            "JOIN",
            "ar_move",
            "account_move",
            SQL("%s = %s", SQL.identifier("ar_move", "id"), SQL.identifier(line, "move_id")),
        )
        query.add_join(
            "LEFT JOIN",
            "ar_partner",
            "res_partner",
            SQL("%s = %s", SQL.identifier("ar_partner", "id"), SQL.identifier(line, "partner_id")),
        )
        if open_only:
            # what the partials up to as_of settled of each candidate (index look-ups)
            query.add_join(
                "LEFT JOIN",
                "ar_settled",
                SQL(
                    """LATERAL (
                SELECT SUM(s.amount) AS amount, SUM(s.amount_currency) AS amount_currency
                  FROM (SELECT amount, debit_amount_currency AS amount_currency
                          FROM account_partial_reconcile
                         WHERE debit_move_id = %(id)s AND max_date <= %(as_of)s
                         UNION ALL
                        SELECT -amount, -credit_amount_currency
                          FROM account_partial_reconcile
                         WHERE credit_move_id = %(id)s AND max_date <= %(as_of)s) s
            )""",
                    id=SQL.identifier(line, "id"),
                    as_of=as_of,
                ),
                SQL("TRUE"),
            )
            query.add_where(
                SQL(
                    "(%(balance)s <> COALESCE(ar_settled.amount, 0) "
                    "OR %(amount_currency)s <> COALESCE(ar_settled.amount_currency, 0))",
                    balance=SQL.identifier(line, "balance"),
                    amount_currency=SQL.identifier(line, "amount_currency"),
                )
            )
        items_query = query.select(
            SQL(
                """%(id)s, %(move)s, COALESCE(ar_partner.commercial_partner_id, %(partner)s, 0),
                   %(company)s, ar_move.move_type,
                   (ar_move.origin_payment_id IS NOT NULL OR ar_move.statement_line_id IS NOT NULL),
                   %(date)s, COALESCE(ar_move.invoice_date, %(date)s), %(maturity)s,
                   %(balance)s::float8, %(amount_currency)s::float8, %(currency)s""",
                **_identifiers(
                    line,
                    id="id",
                    move="move_id",
                    partner="partner_id",
                    company="company_id",
                    date="date",
                    maturity="date_maturity",
                    currency="currency_id",
                ),
                **(
                    {
                        "balance": SQL(
                            "(%s - COALESCE(ar_settled.amount, 0))",
                            SQL.identifier(line, "balance"),
                        ),
                        "amount_currency": SQL(
                            "(%s - COALESCE(ar_settled.amount_currency, 0))",
                            SQL.identifier(line, "amount_currency"),
                        ),
                    }
                    if open_only
                    else _identifiers(line, balance="balance", amount_currency="amount_currency")
                ),
            )
        )
        # PostgreSQL's JIT compiles these few large queries for seconds (their estimated cost
        # crosses jit_above_cost) to run them faster by less than that, and their sorts and
        # hashes spill to disk with the default 4 MB of work_mem: set for the transaction,
        # whose remaining queries are the refresh's writes
        self.env.execute_query(EXTRACT_SETTINGS)
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model()
        self.env["account.partial.reconcile"].flush_model()
        self.env["account.payment"].flush_model(["state"])
        items = _query_frame(self.env, items_query, ITEM_COLUMNS, ["item_id"])
        if open_only:
            empty = pd.DataFrame({name: pd.Series(dtype="float64") for name in ALLOC_COLUMNS})
            return items, _typed(empty, ALLOC_COLUMNS, [])
        # the items already fetched (record rules applied once, not re-evaluated)
        allocs = _query_frame(
            self.env,
            _allocations(company, items["item_id"].tolist(), as_of, payments_await_bank(self.env)),
            ALLOC_COLUMNS,
            ["partial_id", "item_id"],
        )
        allocs = allocs[allocs["item_id"].isin(items["item_id"])].reset_index(drop=True)
        return items, allocs

    def _extract_sales(self, company, as_of, partner_ids=None):
        """One row per product line of the company's posted customer invoices and credit notes
        dated up to as_of: untaxed revenue in company currency and its cost (metrics.md
        section 0): the invoice's COGS lines, else the sale order line's cost (sale_margin),
        else the product's current cost (approximate), else unknown."""
        read = self._sales_read(company, as_of, partner_ids)
        return self._sales_costs(company, _query_frame(self.env, *read))

    @api.model
    def _sales_read(self, company, as_of, partner_ids=None):
        """(query, columns, order) of the sales lines' extraction (``_extract_sales``)."""
        domain = Domain(
            [
                ("company_id", "=", company.id),
                ("parent_state", "=", "posted"),
                ("move_id.move_type", "in", ("out_invoice", "out_refund")),
                ("display_type", "=", "product"),
                ("move_id.invoice_date", "<=", as_of),
            ]
        )
        if partner_ids is not None:
            domain &= Domain("move_id.partner_id", "in", self._contacts(partner_ids))
        # joined to the ORM's query (record rules applied): one scan of the lines
        query = self.env["account.move.line"]._search(domain)
        line = query.table

        # the move's join of the domain (move type, invoice date), reused
        move = query.left_join(line, "move_id", "account_move", "id", "move_id")
        query.add_join(
            "LEFT JOIN",
            "ar_partner",
            "res_partner",
            SQL("%s = %s", SQL.identifier("ar_partner", "id"), SQL.identifier(move, "partner_id")),
        )
        # the COGS lines of the move's product (anglo-saxon accounting): aggregated once for
        # the company, or looked up line by line (move index) for a few customers
        cogs = SQL(
            """SELECT c.move_id, c.product_id, SUM(c.balance) AS amount
                 FROM account_move_line c
                 JOIN account_account a ON a.id = c.account_id
                WHERE c.display_type = 'cogs' AND a.account_type LIKE 'expense%%'
                  AND c.company_id = %s AND c.parent_state = 'posted'""",
            company.id,
        )
        move_product = _identifiers(line, move="move_id", product="product_id")
        if partner_ids is None:
            query.add_join(
                "LEFT JOIN",
                "ar_cogs",
                SQL("(%s GROUP BY 1, 2)", cogs),
                SQL(
                    "ar_cogs.move_id = %(move)s AND ar_cogs.product_id = %(product)s",
                    **move_product,
                ),
            )
        else:
            query.add_join(
                "LEFT JOIN",
                "ar_cogs",
                SQL(
                    "LATERAL (%s AND c.move_id = %s AND c.product_id = %s GROUP BY 1, 2)",
                    cogs,
                    move_product["move"],
                    move_product["product"],
                ),
                SQL("TRUE"),
            )
        so_cost = SQL("NULL::float8")
        order_lines = self.env["sale.order.line"]
        if "purchase_price" in order_lines._fields and order_lines._fields["purchase_price"].store:
            # the sale order line's cost (sale_margin)
            so_cost = SQL("ar_so.unit_cost::float8")
            query.add_join(
                "LEFT JOIN",
                "ar_so",
                SQL(
                    """(SELECT rel.invoice_line_id,
                               SUM(sol.purchase_price) / COUNT(*) AS unit_cost
                          FROM sale_order_line_invoice_rel rel
                          JOIN sale_order_line sol ON sol.id = rel.order_line_id
                         WHERE sol.purchase_price > 0 AND sol.company_id = %s
                         GROUP BY rel.invoice_line_id)""",
                    company.id,
                ),
                SQL("ar_so.invoice_line_id = %s", SQL.identifier(line, "id")),
            )
        return (
            query.select(
                SQL(
                    """COALESCE(ar_partner.commercial_partner_id, %(partner)s),
                       %(move)s, %(move_type)s, %(invoice_date)s,
                       (-%(balance)s)::float8, %(product)s,
                       (%(quantity)s
                        * CASE WHEN %(move_type)s = 'out_refund' THEN -1 ELSE 1 END)::float8,
                       ar_cogs.amount::float8, %(so_cost)s""",
                    **_identifiers(
                        move,
                        partner="partner_id",
                        move="id",
                        move_type="move_type",
                        invoice_date="invoice_date",
                    ),
                    **_identifiers(
                        line, balance="balance", product="product_id", quantity="quantity"
                    ),
                    so_cost=so_cost,
                )
            ),
            [
                "partner_id",
                "move_id",
                "move_type",
                "invoice_date",
                "revenue",
                "product_id",
                "quantity",
                "cogs",
                "so_unit_cost",
            ],
            ["move_id", "product_id", "revenue", "quantity"],
        )

    @api.model
    def _sales_costs(self, company, sales):
        """The sales lines with their cost and its source (``_extract_sales``)."""
        for column in ("revenue", "quantity", "cogs", "so_unit_cost"):
            sales[column] = sales[column].astype("float64")
        if sales["cogs"].notna().any():
            # the COGS of a move's product shared by its lines in proportion to quantity
            quantity = sales.groupby(["move_id", "product_id"])["quantity"].transform("sum")
            sales["cogs"] = sales["cogs"] * sales["quantity"] / quantity.where(quantity != 0)
        product_ids = [int(p) for p in sales["product_id"].dropna().unique()]
        products = self.env["product.product"].sudo().with_company(company).browse(product_ids)
        standard = pd.Series({p.id: p.standard_price or np.nan for p in products}, dtype="float64")
        standard_cost = sales["product_id"].map(standard) * sales["quantity"]
        so_cost = sales["so_unit_cost"] * sales["quantity"]
        c = engine.constants
        sales["cost_source"] = np.select(
            [sales["cogs"].notna(), so_cost.notna(), standard_cost.notna()],
            [c.COST_COGS, c.COST_SALE_ORDER, c.COST_STANDARD],
            default=c.COST_NONE,
        )
        sales["cost"] = sales["cogs"].fillna(so_cost).fillna(standard_cost)
        return sales[
            ["partner_id", "move_id", "move_type", "invoice_date", "revenue", "cost", "cost_source"]
        ]

    # -- as-of date ------------------------------------------------------------------------------
    @api.model
    def _default_as_of(self, company):
        """Today; or, for a company whose receivables went quiet for a whole window, the date
        of its last receivable item (so a dormant database still gets meaningful figures)."""
        today = fields.Date.context_today(self.with_company(company))
        lines = self.env["account.move.line"].sudo()
        domain = Domain(
            [
                ("company_id", "=", company.id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
            ]
        )
        start = today - datetime.timedelta(days=company.ar_window_days)
        if lines.search_count(domain & Domain("date", ">", start), limit=1):
            return today
        [(last,)] = lines._read_group(domain, [], ["date:max"])
        return last or today

    # -- computation (as of any date) ----------------------------------------------------------
    @api.model
    def _params(self, company, buckets=None, basis=None):
        return {
            "buckets": buckets or self.env["ar.aging.bucket"]._engine_buckets(company),
            "basis": basis or company.ar_aging_basis,
            "window_days": company.ar_window_days,
            "min_obs": company.ar_min_observations,
        }

    @api.model
    def _compute(
        self, company, as_of, partner_ids=None, buckets=None, basis=None, ranks=None, reads=()
    ):
        """Every figure of one company at ``as_of``, from the data as it stood then, without
        storing anything: ``figures`` (per customer: behaviour, aging, scores, contribution),
        ``totals`` (the company), ``items`` (settled items, with bucket and residual in
        company and item currency) and ``moves`` (per invoice). Reports, history and
        backtests call this."""
        params = self._params(company, buckets, basis)
        items, allocs = self._extract(company, as_of, partner_ids)
        # the sales lines (and the caller's ``reads``) of every customer are read by the
        # database while the engine computes (with the nightly job's snapshot)
        env = self.env if partner_ids is None else self.with_context(ar_snapshot=None).env
        # the sales lines only when this computation ranks the customers itself
        sales_reads = [self._sales_read(company, as_of, partner_ids)] if ranks is None else []
        later = _frames_later(env, [*sales_reads, *reads])
        bundle = engine.compute_all(
            items,
            allocs,
            as_of,
            totals=partner_ids is None,
            recent_days=company.ar_score_recent_days,
            **params,
        )
        figures = bundle["figures"]
        scores = engine.credit_scores(
            figures,
            bundle["trend"],
            weights=company._ar_score_weights(),
            cutoffs=company._ar_grade_cutoffs(),
            dpd_cap=company.ar_score_dpd_cap,
            trend_full=company.ar_score_trend_days,
        )
        frames = later()
        read_frames = frames[len(sales_reads) :]
        if ranks is not None:  # ranked among all the company's customers (_refresh_batch)
            contribution, rfm = ranks
        else:
            sales = self._sales_costs(company, frames[0])
            window = params["window_days"]
            summary = engine.sales_summary(sales, as_of, window_days=window)
            if partner_ids is not None:
                # some customers (an incremental refresh): ranked among the others as
                # stored by their last refresh, not among themselves alone
                summary = pd.concat([summary, self._stored_summary(company, summary.index)])
                summary = summary.sort_index()
            contribution = engine.contribution_ranks(summary, cutoffs=company._ar_tier_cutoffs())
            rfm = engine.rfm_ranks(summary, as_of)
        figures = figures.join(scores).join(bundle["trend"]).join(contribution).join(rfm)
        figures["tier"] = figures["tier"].fillna(engine.constants.TIER_GENERAL)
        figures["action"] = engine.action_labels(figures["tier"], figures["grade"]).to_numpy()
        return {
            "params": params,
            "figures": figures[figures.index != 0],
            "totals": bundle["totals"],
            "items": bundle["items"],
            "moves": bundle["moves"],
            "contribution": contribution,
            "reads": read_frames,
        }

    @api.model
    def _stored_summary(self, company, excluded):
        """``engine.sales_summary`` of the company's other customers, from their stored
        figures (stored revenue is NULL for a customer without sales); the last invoice
        date is the stored as-of date minus the stored recency."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT partner_id, revenue::float8, cost_of_sales::float8,
                   COALESCE(margin_approximate, FALSE), as_of - recency_days, frequency
              FROM ar_customer_stat
             WHERE company_id = %s AND revenue IS NOT NULL AND partner_id <> ALL(%s)
            """,
                company.id,
                _array([int(p) for p in excluded], "int4"),
            )
        )
        summary = pd.DataFrame(
            rows,
            columns=[
                "partner_id",
                "revenue",
                "cost",
                "margin_approximate",
                "last_invoice",
                "frequency",
            ],
        ).set_index("partner_id")
        summary["revenue"] = summary["revenue"].astype("float64")
        summary["cost"] = summary["cost"].astype("float64")
        summary["margin_approximate"] = summary["margin_approximate"].astype(bool)
        summary["last_invoice"] = pd.to_datetime(summary["last_invoice"])
        summary["frequency"] = summary["frequency"].fillna(0).astype("int64")
        return summary

    @api.model
    def _open_items(self, company, as_of, partner_ids=None, buckets=None, basis=None):
        """(settled items, params): the items open at ``as_of`` as the engine settles them
        (``engine.settle``: residuals, days past due, buckets), without the figures of the
        closed ones nor any behaviour or score: what the aged receivables show."""
        params = self._params(company, buckets, basis)
        items, allocs = self._extract(company, as_of, partner_ids, open_only=True)
        settled = engine.settle(
            items, allocs, as_of, buckets=params["buckets"], basis=params["basis"]
        )
        return settled, params

    # -- writes ----------------------------------------------------------------------------------
    @api.model
    def _refresh_company(self, company, as_of=None, partner_ids=None, ranks=None):
        """Recompute and store the figures of one company (all customers, or only
        ``partner_ids``, commercial partners). Returns the number of customer rows written.
        ``ranks``: the figures that rank a customer among all the company's (``_ranks``),
        for a batch of customers (a batch shares the lock of partial refreshes: batches of
        one company run side by side)."""
        if not self._lock_company(company, wait=partner_ids is not None):
            _logger.info(
                "receivables figures of %s: another full refresh is running, this one is skipped",
                company.name,
            )
            return 0
        as_of = as_of or self._default_as_of(company)
        started = time.perf_counter()
        # a full refresh reads the stored per-invoice figures with the sales lines, while
        # the engine computes
        reads = [self._stored_moves_read(company, None)] if partner_ids is None else []
        result = self._compute(company, as_of, partner_ids, ranks=ranks, reads=reads)
        figures = result["figures"]
        now = fields.Datetime.now()
        buckets = result["params"]["buckets"]
        stat_ids = self._write_customers(company, as_of, now, figures, buckets, partner_ids)
        self._write_history(company, as_of, figures)
        stored = result["reads"][0] if reads else None
        self._write_moves(company, result["moves"], partner_ids, stored=stored)
        if partner_ids is None:
            self._write_company(company, as_of, now, result, len(figures))
            company.sudo().ar_last_refresh = now
            _logger.info(
                "receivables figures of %s as of %s: %d customers (%d rows changed) in %.1f s",
                company.name,
                as_of,
                len(figures),
                len(stat_ids),
                time.perf_counter() - started,
            )
        self.env["ar.customer.stat"].invalidate_model()
        self.env["ar.customer.aging"].invalidate_model()
        self.env["ar.company.stat"].invalidate_model()
        self.env["ar.score.history"].invalidate_model()
        self.env["account.move"].invalidate_model(
            [field for field, _type in MOVE_FIGURES.values()] + ["ar_computed"]
        )
        return len(stat_ids)

    def _lock_company(self, company, wait):
        """Serialise the refreshes of one company with transaction-level advisory locks,
        released at commit or rollback (a killed refresh never leaves them behind).

        - a full refresh (``wait`` false) skips when another full refresh holds
          REFRESH_LOCK (that one writes the same figures), then waits for the refreshes of
          some customers under way (WRITE_LOCK exclusive);
        - a refresh of some customers (``wait`` true) waits while a full refresh runs, and
          runs alongside other refreshes of some customers (WRITE_LOCK shared), such as
          batches of one company refreshed in parallel.

        Returns whether the refresh may go on."""
        if wait:
            self.env.execute_query(
                SQL("SELECT pg_advisory_xact_lock_shared(%s, %s)", WRITE_LOCK, company.id)
            )
            return True
        [(locked,)] = self.env.execute_query(
            SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", REFRESH_LOCK, company.id)
        )
        if locked:
            self.env.execute_query(
                SQL("SELECT pg_advisory_xact_lock(%s, %s)", WRITE_LOCK, company.id)
            )
        return locked

    def _figure_columns(self, figures, as_of=None, now=None, mapping=None, flags=None):
        mapping = FIGURES if mapping is None else mapping
        flags = FLAGS if flags is None else flags
        columns = {
            field: (_sql_values(figures[column], sql_type), sql_type)
            for column, (field, sql_type) in mapping.items()
        }
        for flag, column in flags.items():
            columns[flag] = (figures[column].notna().tolist(), "bool")
        if as_of is not None:
            columns["as_of"] = ([as_of] * len(figures), "date")
        if now is not None:
            columns["computed_at"] = ([now] * len(figures), "timestamp")
        return columns

    def _upsert(self, table, keys, columns, compare):
        """INSERT ... ON CONFLICT (keys) DO UPDATE only the rows whose compared columns
        changed; returns the ids of the rows inserted or updated."""
        names = list(columns)
        uid = self.env.uid
        updated = [n for n in names if n not in keys]
        return self.env.execute_query(
            SQL(
                """
            INSERT INTO %(table)s (%(names)s, create_uid, create_date, write_uid, write_date)
            SELECT %(values)s, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM %(unnest)s
            ON CONFLICT (%(keys)s) DO UPDATE SET %(set)s,
                   write_uid = EXCLUDED.write_uid, write_date = EXCLUDED.write_date
             WHERE (%(old)s) IS DISTINCT FROM (%(new)s)
            RETURNING id
            """,
                table=SQL.identifier(table),
                names=SQL(", ").join(SQL.identifier(n) for n in names),
                values=SQL(", ").join(SQL.identifier("v", n) for n in names),
                uid=uid,
                unnest=_unnest(columns),
                keys=SQL(", ").join(SQL.identifier(k) for k in keys),
                set=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", SQL.identifier(n), SQL.identifier(n)) for n in updated
                ),
                old=SQL(", ").join(SQL.identifier(table, n) for n in compare),
                new=SQL(", ").join(SQL("EXCLUDED.%s", SQL.identifier(n)) for n in compare),
            )
        )

    def _write_customers(self, company, as_of, now, figures, buckets, partner_ids):
        partners = self.env["res.partner"].sudo().browse(figures.index.tolist())
        columns = {
            "partner_id": (figures.index.tolist(), "int4"),
            "company_id": ([company.id] * len(figures), "int4"),
            # stored related fields, filled here since rows are written in SQL
            "user_id": ([p.user_id.id or None for p in partners], "int4"),
            "team_id": ([p.user_id.sale_team_id.id or None for p in partners], "int4"),
            "country_id": ([p.country_id.id or None for p in partners], "int4"),
            "industry_id": ([p.industry_id.id or None for p in partners], "int4"),
            **self._figure_columns(figures, as_of, now),
            **self._figure_columns(figures, mapping=CUSTOMER_FIGURES, flags=CUSTOMER_FLAGS),
        }
        compare = [n for n in columns if n not in ("partner_id", "company_id", "computed_at")]
        changed = self._upsert("ar_customer_stat", ["partner_id", "company_id"], columns, compare)
        # rows of customers that no longer have any receivable item in scope
        scope = SQL("company_id = %s", company.id)
        if partner_ids is not None:
            scope = SQL("%s AND partner_id IN %s", scope, tuple(partner_ids) or (0,))
        self.env.execute_query(
            SQL(
                "DELETE FROM ar_customer_stat WHERE %s AND partner_id <> ALL(%s)",
                scope,
                _array(figures.index.tolist(), "int4"),
            )
        )
        self._write_aging(company, figures, buckets)
        self._apply_grades(company, partner_ids)
        return changed

    def _apply_grades(self, company, partner_ids=None):
        """Effective grade = a valid override, else the computed grade; a change of grade is
        posted in the customer's chatter."""
        scope = SQL("company_id = %s", company.id)
        if partner_ids is not None:
            scope = SQL("%s AND partner_id = ANY(%s::int4[])", scope, list(partner_ids))
        self.env["ar.customer.stat"].flush_model()
        changes = self.env.execute_query(
            SQL(
                """
            WITH changed AS (
                SELECT id, grade AS old_grade, %(effective)s AS new_grade
                  FROM ar_customer_stat WHERE %(scope)s AND grade IS DISTINCT FROM %(effective)s
            )
            UPDATE ar_customer_stat s SET grade = changed.new_grade
              FROM changed WHERE s.id = changed.id
            RETURNING s.partner_id, changed.old_grade, changed.new_grade
            """,
                effective=EFFECTIVE_GRADE,
                scope=scope,
            )
        )
        partners = self.env["res.partner"].sudo().browse([p for p, old, new in changes if old])
        for partner, (_p, old, new) in zip(partners, [c for c in changes if c[1]], strict=True):
            partner.message_post(
                body=self.env._(
                    "Credit grade in %(company)s changed from %(old)s to %(new)s.",
                    company=company.name,
                    old=old,
                    new=new or self.env._("not rated"),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _write_history(self, company, as_of, figures):
        """Append the day's scores to the compact history: a row only for customers whose
        grade changed, whose score moved by SCORE_STEP or more, or whose last row is from an
        earlier month; a second run on the same day updates that day's row."""
        if figures.empty:
            return
        columns = {
            "partner_id": (figures.index.tolist(), "int4"),
            **{
                field: (_sql_values(figures[column], sql_type), sql_type)
                for column, (field, sql_type) in HISTORY_FIGURES.items()
            },
        }
        names = list(columns)
        self.env.execute_query(
            SQL(
                """
            WITH v AS (SELECT * FROM %(unnest)s),
            last AS (
                SELECT DISTINCT ON (h.partner_id) h.partner_id, h.date, h.credit_score, h.grade
                  FROM ar_score_history h
                 WHERE h.company_id = %(company)s AND h.partner_id IN (SELECT partner_id FROM v)
                   AND h.date < %(as_of)s
                 ORDER BY h.partner_id, h.date DESC, h.id DESC
            )
            INSERT INTO ar_score_history (company_id, date, %(names)s,
                                          create_uid, create_date, write_uid, write_date)
            SELECT %(company)s, %(as_of)s, %(values)s,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM v LEFT JOIN last ON last.partner_id = v.partner_id
             WHERE last.partner_id IS NULL
                OR last.grade IS DISTINCT FROM v.grade
                OR ABS(COALESCE(last.credit_score, -1000) - COALESCE(v.credit_score, -1000))
                   >= %(step)s
                OR date_trunc('month', last.date) < date_trunc('month', %(as_of)s::date)
            ON CONFLICT (partner_id, company_id, date) DO UPDATE SET %(set)s
            """,
                unnest=_unnest(columns),
                company=company.id,
                as_of=as_of,
                names=SQL(", ").join(SQL.identifier(n) for n in names),
                values=SQL(", ").join(SQL.identifier("v", n) for n in names),
                uid=self.env.uid,
                step=SCORE_STEP,
                set=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", SQL.identifier(n), SQL.identifier(n))
                    for n in names
                    if n != "partner_id"
                ),
            )
        )

    # -- back-fill and backtest ------------------------------------------------------------------
    @api.model
    def _month_ends(self, as_of, months):
        ends = pd.date_range(end=pd.Timestamp(as_of), periods=months + 1, freq="ME")
        return [d.date() for d in ends if d.date() < as_of][-months:]

    @api.model
    def _backfill_history(self, company, months=24, as_of=None):
        """Rebuild the history as of the last ``months`` month-ends, from the data as it
        stood then (documents dated up to each date, allocations with max_date up to it)."""
        as_of = as_of or self._default_as_of(company)
        dates = self._month_ends(as_of, months)
        for date in dates:
            self._write_history(company, date, self._compute(company, date)["figures"])
        self.env["ar.score.history"].invalidate_model()
        return len(dates)

    @api.model
    def _backtest(self, company, horizon_days=180, as_of=None):
        """How well the grades of ``horizon_days`` ago rank customers by how late they
        actually paid since: Spearman rank correlation between the score then and the days
        late since (negated: 1 = perfect), and the share of customers who later paid more
        than 30 days late that were graded C or D; the same rank correlation for the naive
        predictor (past days late) and each indicator alone; and the error of the expected
        payment dates of the items then open, next to two naive dates. Stored on the
        company and in ``ar.backtest.predictor``."""
        as_of = as_of or self._default_as_of(company)
        then = as_of - datetime.timedelta(days=horizon_days)
        before = self._compute(company, then)["figures"]
        params = self._params(company)
        items, allocs = self._extract(company, as_of)
        later = self._days_late_since(company, as_of, horizon_days, (items, allocs))
        result = engine.backtest_grades(before, later)
        predictors = engine.backtest_predictors(before, later)
        dates = self._backtest_payment_dates(items, allocs, then, as_of, before["tier"], params)
        company.sudo().write(
            {
                "ar_backtest_date": then,
                "ar_backtest_customers": result["customers"],
                "ar_backtest_items": dates["items"],
                **{
                    f"ar_backtest_{key}": self._stored_float(result[key])
                    for key in ("spearman", "capture")
                },
                **{
                    field: self._stored_float(dates[f"{method}_mae"])
                    for field, method in BACKTEST_DATE_FIELDS.items()
                },
            }
        )
        self._write_predictors(company, predictors)
        return {**result, "predictors": predictors, "payment_dates": dates}

    @staticmethod
    def _stored_float(value):
        """A figure as Odoo stores it: False when undefined (Odoo cannot store NaN)."""
        return float(value) if np.isfinite(value) else False

    @api.model
    def _days_late_since(self, company, as_of, days, frames=None):
        """Per customer, the WADL of the cash paid in (as_of - days, as_of]: how late each
        one paid since a backtest date. ``frames``: the (items, allocs) extracted at as_of,
        when the caller has them."""
        params = self._params(company)
        items, allocs = frames if frames is not None else self._extract(company, as_of)
        figures = engine.partner_figures(
            items, allocs, as_of, buckets=params["buckets"], window_days=days
        )
        return figures["wadl"]

    @api.model
    def _backtest_payment_dates(self, items, allocs, then, as_of, tiers, params):
        """Errors of the expected payment dates computed at ``then`` for the items open
        then and paid by ``as_of`` (from the frames extracted at as_of), next to the due
        date and the due date plus the customer's mean days late."""
        items_cut, allocs_cut = engine.prepare_frames(items, allocs, then)
        settle = {"buckets": params["buckets"], "basis": params["basis"]}
        items_then = engine.settle_prepared(items_cut, allocs_cut, then, **settle)
        items_now = engine.settle(items, allocs, as_of, **settle)
        errors = engine.expected.payment_date_errors(
            items_then, allocs_cut, then, items_now, tiers=tiers
        )
        return engine.expected.payment_date_mae(errors)

    @api.model
    def _write_predictors(self, company, predictors):
        """Replace the company's lines of ``ar.backtest.predictor`` with ``predictors``
        (:func:`engine.backtest_predictors`)."""
        lines = self.env["ar.backtest.predictor"].sudo()
        lines.search([("company_id", "=", company.id)]).unlink()
        lines.create(
            [
                {
                    "company_id": company.id,
                    "sequence": sequence,
                    "predictor": predictor,
                    "customers": int(row["customers"]),
                    "spearman": self._stored_float(row["spearman"]),
                    "has_spearman": bool(np.isfinite(row["spearman"])),
                    "score_spearman": self._stored_float(row["score_spearman"]),
                    "has_score_spearman": bool(np.isfinite(row["score_spearman"])),
                }
                for sequence, (predictor, row) in enumerate(predictors.iterrows())
            ]
        )

    @api.model
    def _suggest_weights(self, company, horizon_days=180, as_of=None):
        """Indicator weights that would have ranked the company's customers best: fitted on
        the scores of 2 x ``horizon_days`` ago against the days late paid in the following
        ``horizon_days``, judged with the current weights on the scores of ``horizon_days``
        ago against the days late paid since (docs/metrics.md, "Suggested weights"). Stored
        on the company when the fit found weights; returns the engine's result."""
        as_of = as_of or self._default_as_of(company)
        middle = as_of - datetime.timedelta(days=horizon_days)
        start = middle - datetime.timedelta(days=horizon_days)
        result = engine.suggest_weights(
            self._compute(company, start)["figures"],
            self._days_late_since(company, middle, horizon_days),
            self._compute(company, middle)["figures"],
            self._days_late_since(company, as_of, horizon_days),
            company._ar_score_weights(),
        )
        values = dict.fromkeys(SUGGESTION_FIELDS, False)
        if result["weights"] is not None and np.isfinite(result["gain"]):
            values.update(
                {
                    "ar_suggest_date": as_of,
                    "ar_suggest_customers": result["test_customers"],
                    **{
                        f"ar_suggest_{name}": weight
                        for name, weight in zip(WEIGHT_FIELDS, result["weights"], strict=True)
                    },
                    "ar_suggest_spearman": result["test_spearman"],
                    "ar_suggest_current_spearman": result["test_current"],
                    "ar_suggest_gain": result["gain"],
                }
            )
        company.sudo().write(values)
        return result

    def _write_aging(self, company, figures, buckets):
        """One row per customer and non-zero bucket, unapplied credits in a column of their
        own so that the rows add up to the ledger; stale rows removed."""
        amounts = figures[[f"{engine.constants.BUCKET_PREFIX}{code}" for code, *_ in buckets]]
        amounts.columns = [int(code[1:]) for code, *_ in buckets]
        unapplied = self.env["ar.aging.bucket"]._unapplied_buckets(company)[company.id]
        amounts[unapplied.id] = figures["unapplied_credits"]
        long = amounts.stack()
        long = long[long.abs() >= engine.constants.ZERO_TOLERANCE]
        partner_list = figures.index.tolist()
        self.env.execute_query(
            SQL(
                """
            DELETE FROM ar_customer_aging a
             USING ar_customer_stat s
             WHERE s.id = a.stat_id AND s.company_id = %s AND s.partner_id = ANY(%s)
               AND (s.partner_id, a.bucket_id) NOT IN (SELECT * FROM unnest(%s, %s))
            """,
                company.id,
                _array(partner_list, "int4"),
                _array(long.index.get_level_values(0).tolist(), "int4"),
                _array(long.index.get_level_values(1).tolist(), "int4"),
            )
        )
        if long.empty:
            return
        self.env.execute_query(
            SQL(
                """
            INSERT INTO ar_customer_aging (stat_id, partner_id, company_id, bucket_id, sequence,
                                           amount, create_uid, create_date, write_uid, write_date)
            SELECT s.id, s.partner_id, s.company_id, b.id, b.sequence, v.amount,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM unnest(%(partners)s, %(buckets)s, %(amounts)s)
                   AS v(partner_id, bucket_id, amount)
              JOIN ar_customer_stat s ON s.partner_id = v.partner_id AND s.company_id = %(company)s
              JOIN ar_aging_bucket b ON b.id = v.bucket_id
            ON CONFLICT (stat_id, bucket_id) DO UPDATE
               SET amount = EXCLUDED.amount, sequence = EXCLUDED.sequence,
                   write_date = EXCLUDED.write_date
             WHERE ar_customer_aging.amount IS DISTINCT FROM EXCLUDED.amount
                OR ar_customer_aging.sequence IS DISTINCT FROM EXCLUDED.sequence
            """,
                uid=self.env.uid,
                partners=_array(long.index.get_level_values(0).tolist(), "int4"),
                buckets=_array(long.index.get_level_values(1).tolist(), "int4"),
                amounts=_array(long.tolist(), "numeric"),
                company=company.id,
            )
        )

    def _write_company(self, company, as_of, now, result, customer_count):
        totals = result["totals"]
        totals = totals.loc[[company.id]] if company.id in totals.index else totals.iloc[0:0]
        if totals.empty:
            self.env.execute_query(
                SQL("DELETE FROM ar_company_stat WHERE company_id = %s", company.id)
            )
            return
        contribution = result["contribution"]
        concentration = engine.concentration(contribution)
        columns = {
            "company_id": ([company.id], "int4"),
            "customer_count": ([customer_count], "int4"),
            "top_customers_share": (
                _sql_values(pd.Series([concentration["top_n_share"]]), "float8"),
                "float8",
            ),
            "top_fifth_share": (
                _sql_values(pd.Series([concentration["top_fraction_share"]]), "float8"),
                "float8",
            ),
            "margin_coverage": (
                _sql_values(pd.Series([engine.margin_coverage(contribution)]), "float8"),
                "float8",
            ),
            **self._figure_columns(totals, as_of, now),
        }
        compare = [n for n in columns if n not in ("company_id", "computed_at")]
        self._upsert("ar_company_stat", ["company_id"], columns, compare)

    def _stored_moves_read(self, company, partner_ids):
        """(query, columns, order) of the per-invoice figures stored for the scope."""
        scope = SQL("m.company_id = %s AND m.ar_computed", company.id)
        if partner_ids is not None:
            # by contact: account_move.partner_id is indexed, commercial_partner_id is not
            scope = SQL(
                "%s AND m.partner_id = ANY(%s)",
                scope,
                _array(self._contacts(partner_ids), "int4"),
            )
        return (
            SQL(
                "SELECT m.id, %s FROM account_move m WHERE %s",
                SQL(", ").join(
                    SQL.identifier("m", field) for field, _type in MOVE_FIGURES.values()
                ),
                scope,
            ),
            ["move_id", *MOVE_FIGURES],
            ["move_id"],
        )

    def _write_moves(self, company, moves, partner_ids, stored=None):
        """Per-invoice figures on account.move: the stored figures of the scope (read here,
        or ``stored``, read by ``_stored_moves_read`` before anything was written) are
        compared in pandas; only the moves whose figures changed are written, and the
        moves of the scope that are no longer posted receivables are cleared (a refresh
        that changes nothing writes nothing)."""
        moves = moves.copy()
        on_time = moves["paid_on_time"]
        moves["paid_on_time"] = np.where(
            on_time.isna(), None, np.where(on_time.fillna(False), "on_time", "late")
        )
        if stored is None:
            stored = _query_frame(self.env, *self._stored_moves_read(company, partner_ids))
        stored = stored.set_index("move_id")
        known = moves.index.isin(stored.index)
        changed = ~known
        if known.any():
            old = stored.reindex(moves.index[known])
            for column, (_field, sql_type) in MOVE_FIGURES.items():
                new = moves.loc[known, column]
                if sql_type == "int4":  # written rounded (_sql_values)
                    new = new.astype("float64").round()
                same = (new == old[column]).fillna(False) | (new.isna() & old[column].isna())
                changed[np.flatnonzero(known)[~same.to_numpy(dtype=bool)]] = True
        names = [field for field, _type in MOVE_FIGURES.values()]
        if changed.any():
            rows = moves.loc[changed]
            columns = {"id": (rows.index.tolist(), "int4")}
            for column, (field, sql_type) in MOVE_FIGURES.items():
                columns[field] = (_sql_values(rows[column], sql_type), sql_type)
            self.env.execute_query(
                SQL(
                    "UPDATE account_move m SET %s, ar_computed = TRUE FROM %s WHERE m.id = v.id",
                    SQL(", ").join(
                        SQL("%s = v.%s", SQL.identifier(n), SQL.identifier(n)) for n in names
                    ),
                    _unnest(columns),
                )
            )
        stale = stored.index[~stored.index.isin(moves.index)]
        if len(stale):
            self.env.execute_query(
                SQL(
                    "UPDATE account_move SET %s, ar_computed = FALSE WHERE id = ANY(%s)",
                    SQL(", ").join(SQL("%s = NULL", SQL.identifier(n)) for n in names),
                    _array(stale.tolist(), "int4"),
                )
            )
        return int(changed.sum()) + len(stale)

    # -- partner batches (docs/scaling.md) --------------------------------------------------------
    @api.model
    def _ranks(self, company, as_of):
        """(contribution, rfm) of every customer of the company: the figures of a customer
        that depend on the others' (its ABC tier and revenue rank, its RFM quintiles)."""
        sales = self._extract_sales(company, as_of)
        window = company.ar_window_days
        return (
            engine.contribution(
                sales, as_of, window_days=window, cutoffs=company._ar_tier_cutoffs()
            ),
            engine.rfm(sales, as_of, window_days=window),
        )

    @api.model
    def _partner_batches(self, company, size):
        """The company's customers (commercial partners with receivable items, or with
        stored figures to clear) in batches of ``size``, by id: each batch is refreshed on
        its own (``_refresh_batch``), in any order, by any worker."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT COALESCE(p.commercial_partner_id, l.partner_id)
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.company_id = %(company)s AND l.parent_state = 'posted'
               AND a.account_type = 'asset_receivable'
             UNION
            SELECT partner_id FROM ar_customer_stat WHERE company_id = %(company)s
             ORDER BY 1
            """,
                company=company.id,
            )
        )
        ids = [row[0] for row in rows]
        return [ids[i : i + size] for i in range(0, len(ids), size)]

    @api.model
    def _refresh_batch(self, company, partner_ids, as_of=None):
        """Refresh one batch of the company's customers, ranked among all customers; the
        company totals are refreshed by ``_refresh_totals``."""
        as_of = as_of or self._default_as_of(company)
        return self.sudo()._refresh_company(
            company, as_of, set(partner_ids), ranks=self._ranks(company, as_of)
        )

    @api.model
    def _refresh_totals(self, company, as_of=None):
        """Refresh the company totals only (every customer computed, none written); skipped
        while a full refresh of the company runs (it writes them), after the batches under
        way (the lock of a full refresh)."""
        if not self._lock_company(company, wait=False):
            _logger.info(
                "receivables totals of %s: a full refresh is running, this one is skipped",
                company.name,
            )
            return
        as_of = as_of or self._default_as_of(company)
        result = self.sudo()._compute(company, as_of)
        now = fields.Datetime.now()
        self._write_company(company, as_of, now, result, len(result["figures"]))
        company.sudo().ar_last_refresh = now
        self.env["ar.company.stat"].invalidate_model()

    # -- entry points ----------------------------------------------------------------------------
    @api.model
    def _refresh(self, companies=None, partner_ids=None, as_of=None):
        """Refresh the given companies (default: all), for all or some customers."""
        companies = (
            companies
            if companies is not None
            else self.env["res.company"].sudo().search([("active", "=", True)])
        )
        written = 0
        for company in companies:
            written += self.sudo()._refresh_company(company, as_of=as_of, partner_ids=partner_ids)
        return written

    @api.model
    def _refresh_in_snapshot(self, company):
        """Full refresh of ``company`` at the top level of a fresh transaction (the nightly
        job): the sales lines are read by a second connection in this transaction's
        snapshot while the engine computes (``_frames_later``)."""
        snapshot = _clean_snapshot(self.env)
        return self.with_context(ar_snapshot=snapshot)._refresh_company(company)

    @api.model
    def _cron_refresh(self):
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        for n, company in enumerate(companies):
            # a refresh that waited for the lock may meet rows changed meanwhile
            # (serialization failure): retried on a fresh snapshot, like an RPC call
            retrying(partial(self.sudo()._refresh_in_snapshot, company), self.env)
            self.env["ir.cron"]._commit_progress(1, remaining=len(companies) - n - 1)

    # -- incremental refresh -------------------------------------------------------------------
    @api.model
    def _mark_dirty(self, pairs):
        """Queue (company id, commercial partner id) pairs: at the end of the transaction
        (precommit) they are stored in one statement and the queue's cron job is triggered,
        which refreshes them right after the commit."""
        if self.env.context.get("ar_skip_refresh"):
            return
        pairs = {(c, p) for c, p in pairs if c and p}
        if not pairs:
            return
        data = self.env.cr.precommit.data
        if DIRTY_KEY not in data:
            data[DIRTY_KEY] = set()
            self.env.cr.precommit.add(self._queue_dirty)
        data[DIRTY_KEY] |= pairs

    @api.model
    def _mark_dirty_lines(self, lines):
        """Queue the customers of receivable lines, and those of customer payments whose
        other lines are reconciled: a payment matched with its bank line is no longer
        pending, though none of its customer's receivable lines changed."""
        receivable = lines.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        payments = (lines - receivable).move_id.origin_payment_id.filtered(
            lambda payment: payment.partner_type == "customer"
        )
        self._mark_dirty(
            {(line.company_id.id, line.partner_id.commercial_partner_id.id) for line in receivable}
            | {(pay.company_id.id, pay.partner_id.commercial_partner_id.id) for pay in payments}
        )

    @api.model
    def _queue_dirty(self):
        pairs = self.env.cr.precommit.data.pop(DIRTY_KEY, set())
        if not pairs:
            return
        companies, partners = zip(*sorted(pairs), strict=True)
        self.env.execute_query(
            SQL(
                "INSERT INTO ar_refresh_request (company_id, partner_id) "
                "SELECT * FROM unnest(%s::int4[], %s::int4[]) ON CONFLICT DO NOTHING",
                list(companies),
                list(partners),
            )
        )
        self.env.ref("ar_analytics.ir_cron_ar_refresh_queue").sudo()._trigger()

    @api.model
    def _process_queue(self):
        """Refresh the queued customers (requests taken with SKIP LOCKED, so two workers
        never take the same one); returns the number of requests processed."""
        rows = self.env.execute_query(
            SQL(
                "DELETE FROM ar_refresh_request WHERE id IN (SELECT id FROM ar_refresh_request "
                "ORDER BY id FOR UPDATE SKIP LOCKED) RETURNING company_id, partner_id"
            )
        )
        by_company = {}
        for company_id, partner_id in rows:
            by_company.setdefault(company_id, set()).add(partner_id)
        for company_id, partner_ids in by_company.items():
            company = self.env["res.company"].sudo().browse(company_id)
            scope = None if len(partner_ids) > INCREMENTAL_LIMIT else partner_ids
            self.sudo()._refresh_company(company, partner_ids=scope)
        return len(rows)

    @api.model
    def _cron_process_queue(self):
        processed = self._process_queue()
        self.env["ir.cron"]._commit_progress(processed)
