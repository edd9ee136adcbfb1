"""The extraction queries: the receivable items of a company and their allocations at an
as-of date (the sales lines are ``store.sales``, the figures stored by the last refresh
``store.stored``). Items are searched through the ORM (``_search``), so record rules and
companies apply."""

from odoo.fields import Domain
from odoo.tools import SQL

from .arrays import array
from .frames import BATCH, EXTRACT_SETTINGS, empty, identifiers, query_frame, typed
from .scope import batch_number, contacts, partner_domain

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
# above this many items, the allocations are read in one pass over the company's partials
# and kept for the items (a join with hundreds of thousands of ids plans badly); below, by id
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


def _allocations(company, item_ids, as_of, await_bank, batch=False, firsts=None):
    """Allocations of ALLOC_COLUMNS: one row per partial reconciliation dated up to as_of
    and item on either side of it (two rows when both are), with its counterpart line.

    For a few items, by id, each side through its index. For many, every partial of the
    company's receivable accounts in one pass over the partials and the lines, both sides
    at once (both lines of a partial share their account, and max_date is the later of
    their dates): a superset that the caller narrows to the items; for many items of a
    ``batch`` of customers, the partials' sides are first kept for the items (hashed), so
    that only the batch's counterparts are looked up. ``item_ids`` None: that superset for
    a full refresh (:func:`batched_reads`), with ``firsts`` each row led by its item's
    batch."""
    if item_ids is not None and len(item_ids) <= ALLOC_BY_ID_LIMIT:
        return SQL(
            "WITH items AS MATERIALIZED (SELECT unnest(%s) AS id) %s UNION ALL %s",
            array(item_ids, "int4"),
            _allocation_side(as_of, "debit", await_bank),
            _allocation_side(as_of, "credit", await_bank),
        )
    sides = SQL(
        """SELECT part.id, part.amount, part.max_date, side.item_id, side.counterpart_id,
                  side.item_amount
             FROM account_partial_reconcile part
            CROSS JOIN LATERAL (
                   VALUES (part.debit_move_id, part.credit_move_id, part.debit_amount_currency),
                          (part.credit_move_id, part.debit_move_id, part.credit_amount_currency)
                  ) AS side(item_id, counterpart_id, item_amount)
            WHERE part.max_date <= %s AND part.company_id = %s""",
        as_of,
        company.id,
    )
    if batch:
        # fenced (OFFSET 0): the counterparts are joined to the batch's sides only
        sides = SQL("%s AND side.item_id IN (SELECT id FROM items) OFFSET 0", sides)
    lead, item_join = SQL(), SQL()
    with_lines, lines, receivable = _lines(company, item_ids if batch else None)
    if firsts is not None:
        lead = SQL(
            "%s, ", batch_number(SQL("COALESCE(ip.commercial_partner_id, il.partner_id)"), firsts)
        )
        item_join = SQL(
            """JOIN %s il ON il.id = part.item_id
          LEFT JOIN res_partner ip ON ip.id = il.partner_id""",
            lines,
        )
    return SQL(
        """
        %(with_lines)s
        SELECT %(lead)s part.id, part.item_id, cp.id, part.item_amount::float8,
               part.amount::float8, part.max_date, %(counterpart)s
          FROM (%(sides)s) AS part
          JOIN %(lines)s cp ON cp.id = part.counterpart_id
          JOIN account_move cpm ON cpm.id = cp.move_id
     LEFT JOIN account_payment pay ON pay.id = cpm.origin_payment_id
          %(item_join)s
          %(receivable)s
        """,
        with_lines=with_lines,
        lead=lead,
        lines=lines,
        item_join=item_join,
        receivable=receivable,
        sides=sides,
        counterpart=_counterpart(await_bank),
    )


def _lines(company, batch_ids):
    """(WITH clause, the lines an allocation's counterpart and item are, the filter keeping
    the receivable ones) of :func:`_allocations`: for the items ``batch_ids`` of a batch,
    those items and every line; else the receivable lines apart, then hashed (PostgreSQL
    underestimates how many of the partials' lines are receivable and would look each one
    up by index)."""
    if batch_ids is None:
        return _receivable_lines(company), SQL("receivable"), SQL()
    return (
        SQL("WITH items AS MATERIALIZED (SELECT unnest(%s) AS id)", array(batch_ids, "int4")),
        SQL("account_move_line"),
        SQL(
            "WHERE cp.account_id IN (SELECT id FROM account_account "
            "WHERE account_type = 'asset_receivable')"
        ),
    )


def _receivable_lines(company):
    """``WITH receivable``: the receivable lines of the company and of the companies it may
    reconcile with (its parent's and branches': those of its root company)."""
    family = (
        company.env["res.company"]
        .sudo()
        .with_context(active_test=False)
        .search([("id", "child_of", company.root_id.id)])
    )
    return SQL(
        """WITH receivable AS MATERIALIZED (
            SELECT l.id, l.date, l.move_id, l.partner_id FROM account_move_line l
             WHERE l.company_id = ANY(%s) AND l.account_id IN (
                   SELECT id FROM account_account WHERE account_type = 'asset_receivable'))""",
        array(family.ids, "int4"),
    )


def items_query(env, company, as_of, partner_ids=None, open_only=False):
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
        domain &= partner_domain("partner_id", contacts(env, partner_ids), partner_ids)
    query = env["account.move.line"]._search(domain)
    if open_only:
        # the candidates' ids first: PostgreSQL cannot tell how few they are (the closing
        # and the line's dates are correlated) and would scan every line for them
        candidates = env["ar.item.closing"]._open_at(company, as_of)
        query.add_where(
            SQL("%s = ANY(%s)", SQL.identifier(query.table, "id"), array(candidates, "int4"))
        )
    return query


def _settled_join(query, line, as_of):
    """Join to ``query`` what the partials up to as_of settled of each line (index look-ups),
    and keep the lines with a residual then."""
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
            **identifiers(line, balance="balance", amount_currency="amount_currency"),
        )
    )
    return {
        name: SQL(
            "(%s - COALESCE(%s, 0))",
            SQL.identifier(line, name),
            SQL.identifier("ar_settled", settled),
        )
        for name, settled in (("balance", "amount"), ("amount_currency", "amount_currency"))
    }


def _items_select(env, company, as_of, partner_ids, open_only, firsts=None):
    """The SELECT of ITEM_COLUMNS on the lines of :func:`items_query`, joined once to their
    move and partner (one scan of the lines, record rules applied); ``firsts``: each row
    led by its customer's batch (:func:`batched_reads`)."""
    query = items_query(env, company, as_of, partner_ids, open_only)
    line = query.table
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
    amounts = (
        _settled_join(query, line, as_of)
        if open_only
        else identifiers(line, balance="balance", amount_currency="amount_currency")
    )
    lead = SQL()
    if firsts is not None:
        partner = SQL(
            "COALESCE(ar_partner.commercial_partner_id, %s)", SQL.identifier(line, "partner_id")
        )
        lead = SQL("%s, ", batch_number(partner, firsts))
    return query.select(
        SQL(
            """%(lead)s %(id)s, %(move)s,
               COALESCE(ar_partner.commercial_partner_id, %(partner)s, 0),
               %(company)s, ar_move.move_type,
               (ar_move.origin_payment_id IS NOT NULL OR ar_move.statement_line_id IS NOT NULL),
               %(date)s, COALESCE(ar_move.invoice_date, %(date)s), %(maturity)s,
               %(balance)s::float8, %(amount_currency)s::float8, %(currency)s""",
            lead=lead,
            **identifiers(
                line,
                id="id",
                move="move_id",
                partner="partner_id",
                company="company_id",
                date="date",
                maturity="date_maturity",
                currency="currency_id",
            ),
            **amounts,
        )
    )


def batched_reads(env, company, as_of, firsts):
    """The reads (``(query, columns, order_by)``) of :func:`extract` for a full refresh,
    each over the whole company in one plan: with several batches (their ``firsts``
    customers, ``store.scope.batch_number``) each row led by its batch and ordered by it,
    parsed one batch at a time (``store.frames.Batched``); ``firsts`` None: one batch. The
    allocations are those of every partial of the company, a superset that
    :func:`batch_allocations` narrows to a batch's items: read without waiting for them."""
    env.execute_query(EXTRACT_SETTINGS)
    _flush(env)
    lead = [] if firsts is None else [BATCH]
    return [
        (
            _items_select(env, company, as_of, None, False, firsts),
            [*lead, *ITEM_COLUMNS],
            ["item_id"],
        ),
        (
            _allocations(company, None, as_of, payments_await_bank(env), firsts=firsts),
            [*lead, *ALLOC_COLUMNS],
            ["partial_id", "item_id"],
        ),
    ]


def batch_allocations(items, allocs):
    """The allocations of :func:`batched_reads` of one batch, narrowed to its ``items``."""
    return allocs[allocs["item_id"].isin(items["item_id"])].reset_index(drop=True)


def _flush(env):
    env["account.move.line"].flush_model()
    env["account.move"].flush_model()
    env["account.partial.reconcile"].flush_model()
    env["account.payment"].flush_model(["state"])


def extract(env, company, as_of, partner_ids=None, open_only=False):
    """(items, allocs) frames of engine_contract.md for one company at as_of;
    ``open_only``: only the items with a residual at as_of, each with that residual as
    its balance (and in its currency) and no allocation: what the aged receivables
    need (residual, days past due, bucket), without reading the allocations."""
    selected = _items_select(env, company, as_of, partner_ids, open_only)
    # for the transaction, whose remaining queries are the refresh's writes
    env.execute_query(EXTRACT_SETTINGS)
    _flush(env)
    items = query_frame(env, selected, ITEM_COLUMNS, ["item_id"])
    if open_only:
        return items, typed(empty(ALLOC_COLUMNS), ALLOC_COLUMNS, [])
    # the items already fetched (record rules applied once, not re-evaluated)
    allocs = query_frame(
        env,
        _allocations(
            company,
            items["item_id"].tolist(),
            as_of,
            payments_await_bank(env),
            batch=partner_ids is not None,
        ),
        ALLOC_COLUMNS,
        ["partial_id", "item_id"],
    )
    return items, batch_allocations(items, allocs)
