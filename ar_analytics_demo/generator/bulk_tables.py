"""Write a finished chunk into Odoo's accounting tables, set-based.

One ``INSERT ... SELECT FROM unnest(...)`` per table (``INSERT_ROWS`` rows at a time), with the
ids reserved beforehand from the tables' sequences, so that the documents can point at each
other before they are written.
"""

from odoo.tools import SQL

INSERT_ROWS = 50000  # rows per INSERT statement
#: the numeric fields of account.move, written as computed (cents)
MOVE_AMOUNTS = (
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "amount_residual",
    "amount_untaxed_signed",
    "amount_untaxed_in_currency_signed",
    "amount_tax_signed",
    "amount_total_signed",
    "amount_total_in_currency_signed",
    "amount_residual_signed",
)


def reserve_ids(env, table, count):
    """``count`` consecutive ids of the table's sequence; returns the first."""
    if not count:
        return 0
    [(last,)] = env.execute_query(
        SQL(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
            table,
            table,
            count,
        )
    )
    return last - count + 1


def insert_rows(env, table, columns):
    """INSERT the rows given as {column: (values, sql type)} ('cents': numeric / 100),
    INSERT_ROWS at a time, with Odoo's create/write columns."""
    names = list(columns)
    size = len(next(iter(columns.values()))[0])
    uid = env.uid
    values = SQL(", ").join(
        SQL("ROUND(%s::numeric / 100, 2)", SQL.identifier("v", n))
        if kind == "cents"
        else SQL.identifier("v", n)
        for n, (_values, kind) in columns.items()
    )
    for start in range(0, size, INSERT_ROWS):
        stop = start + INSERT_ROWS
        arrays = SQL(", ").join(
            SQL("%s::%s[]", vals[start:stop], SQL("int8" if kind == "cents" else kind))
            for vals, kind in columns.values()
        )
        env.execute_query(
            SQL(
                """
            INSERT INTO %(table)s (%(names)s, create_uid, create_date, write_uid, write_date)
            SELECT %(values)s, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s,
                   NOW() AT TIME ZONE 'UTC'
              FROM unnest(%(arrays)s) AS v(%(names)s)
            """,
                table=SQL.identifier(table),
                names=SQL(", ").join(SQL.identifier(n) for n in names),
                values=values,
                uid=uid,
                arrays=arrays,
            )
        )


def col(rows, field, kind, default=None):
    """The column ``field`` of ``rows`` (dicts), for ``insert_rows``."""
    return ([row.get(field, default) for row in rows], kind)


class ChunkWriter:
    """Writes the documents of a finished chunk (``bulk_derived.finish_chunk``) with the ids
    reserved for it: ``base`` gives the first id of each table, ``full_ids`` the full
    reconciles' ids."""

    def __init__(self, env, ctx, base, full_ids):
        self.env = env
        self.ctx = ctx
        self.company = ctx["company"]
        self.base = base
        self.full_ids = full_ids

    def insert(self, ch):
        """Every table the chunk touches, in an order that satisfies the foreign keys."""
        partners = self.env["res.partner"].browse(sorted({m["partner_id"] for m in ch.moves}))
        commercial = {p.id: p.commercial_partner_id.id for p in partners}
        if self.full_ids:
            insert_rows(self.env, "account_full_reconcile", {"id": (self.full_ids, "int4")})
        if ch.payments:
            self._payments(ch)
        self._moves(ch, commercial)
        if ch.payments:
            self._link_payments_to_moves(ch)
        self._lines(ch, commercial)
        self._invoices_payments(ch)
        self._line_taxes(ch)
        if ch.partials:
            self._partials(ch)

    def _move_id(self, index):
        return None if index is None else self.base["move"] + index

    def _payment_id(self, move):
        """The id of the payment whose entry ``move`` is (None for other moves)."""
        return None if "payment" not in move else self.base["payment"] + move["payment"]

    def _payments(self, ch):
        moves, lines, payments = ch.moves, ch.lines, ch.payments
        count = len(payments)
        insert_rows(
            self.env,
            "account_payment",
            {
                "id": ([self.base["payment"] + n for n in range(count)], "int4"),
                "name": ([moves[p["move"]]["name"] for p in payments], "varchar"),
                "company_id": ([self.company.id] * count, "int4"),
                "journal_id": col(payments, "journal_id", "int4"),
                "payment_method_line_id": col(payments, "payment_method_line_id", "int4"),
                "payment_method_id": col(payments, "payment_method_id", "int4"),
                "partner_id": col(payments, "partner_id", "int4"),
                "currency_id": col(payments, "currency_id", "int4"),
                "outstanding_account_id": col(payments, "outstanding_account_id", "int4"),
                "destination_account_id": ([self.ctx["receivable"]] * count, "int4"),
                "state": col(payments, "state", "varchar"),
                "payment_type": (["inbound"] * count, "varchar"),
                "partner_type": (["customer"] * count, "varchar"),
                "memo": col(payments, "memo", "varchar"),
                "date": col(payments, "date", "date"),
                "amount": col(payments, "amount", "cents"),
                "amount_company_currency_signed": col(payments, "amount_company", "cents"),
                "is_matched": col(payments, "is_matched", "bool"),
                "is_reconciled": (
                    [lines[moves[p["move"]]["lines"][1]]["reconciled"] for p in payments],
                    "bool",
                ),
            },
        )

    def _moves(self, ch, commercial):
        moves = ch.moves
        count = len(moves)
        insert_rows(
            self.env,
            "account_move",
            {
                "id": ([self.base["move"] + n for n in range(count)], "int4"),
                "name": col(moves, "name", "varchar"),
                "sequence_prefix": col(moves, "sequence_prefix", "varchar"),
                "sequence_number": col(moves, "sequence_number", "int4"),
                "journal_id": col(moves, "journal_id", "int4"),
                "company_id": ([self.company.id] * count, "int4"),
                "move_type": col(moves, "move_type", "varchar"),
                "state": (["posted"] * count, "varchar"),
                "auto_post": (["no"] * count, "varchar"),
                "date": col(moves, "date", "date"),
                "invoice_date": col(moves, "invoice_date", "date"),
                "invoice_date_due": col(moves, "invoice_date_due", "date"),
                "partner_id": col(moves, "partner_id", "int4"),
                "commercial_partner_id": ([commercial[m["partner_id"]] for m in moves], "int4"),
                "currency_id": col(moves, "currency_id", "int4"),
                "invoice_currency_rate": col(moves, "rate", "numeric", 1.0),
                "ref": col(moves, "ref", "varchar"),
                "invoice_payment_term_id": col(moves, "invoice_payment_term_id", "int4"),
                "reversed_entry_id": (
                    [self._move_id(m.get("reversed_entry_id")) for m in moves],
                    "int4",
                ),
                "origin_payment_id": ([self._payment_id(m) for m in moves], "int4"),
                "posted_before": ([True] * count, "bool"),
                "payment_state": col(moves, "payment_state", "varchar"),
                **{field: col(moves, field, "cents") for field in MOVE_AMOUNTS},
            },
        )

    def _link_payments_to_moves(self, ch):
        """Payments and their entries point at each other: the payments' side afterwards
        (a narrow table: cheaper to update than account_move)."""
        self.env.execute_query(
            SQL(
                "UPDATE account_payment p SET move_id = m.id FROM account_move m "
                "WHERE m.id BETWEEN %s AND %s AND m.origin_payment_id = p.id",
                self.base["move"],
                self.base["move"] + len(ch.moves) - 1,
            )
        )

    def _lines(self, ch, commercial):
        lines = ch.lines
        count = len(lines)
        line_moves = [ch.moves[line["move"]] for line in lines]
        insert_rows(
            self.env,
            "account_move_line",
            {
                "id": ([self.base["line"] + n for n in range(count)], "int4"),
                "move_id": ([self.base["move"] + line["move"] for line in lines], "int4"),
                "move_name": ([m["name"] for m in line_moves], "varchar"),
                "journal_id": ([m["journal_id"] for m in line_moves], "int4"),
                "company_id": ([self.company.id] * count, "int4"),
                "company_currency_id": ([self.ctx["currency"]] * count, "int4"),
                "currency_id": ([m["currency_id"] for m in line_moves], "int4"),
                "partner_id": (
                    [
                        None if line.get("no_partner") else commercial[m["partner_id"]]
                        for line, m in zip(lines, line_moves, strict=True)
                    ],
                    "int4",
                ),
                "payment_id": ([self._payment_id(m) for m in line_moves], "int4"),
                "parent_state": (["posted"] * count, "varchar"),
                "date": ([m["date"] for m in line_moves], "date"),
                "invoice_date": ([m.get("invoice_date") for m in line_moves], "date"),
                "ref": ([m.get("ref") for m in line_moves], "varchar"),
                "sequence": ([10] * count, "int4"),
                "account_id": col(lines, "account_id", "int4"),
                "display_type": col(lines, "display_type", "varchar"),
                "name": col(lines, "name", "varchar"),
                "date_maturity": col(lines, "date_maturity", "date"),
                "product_id": col(lines, "product_id", "int4"),
                "product_uom_id": col(lines, "product_uom_id", "int4"),
                "quantity": col(lines, "quantity", "numeric"),
                "price_unit": col(lines, "price_unit", "cents"),
                "price_subtotal": col(lines, "price_subtotal", "cents"),
                "price_total": col(lines, "price_total", "cents"),
                "discount": ([0.0] * count, "numeric"),
                "tax_line_id": col(lines, "tax_line_id", "int4"),
                "tax_group_id": col(lines, "tax_group_id", "int4"),
                "tax_repartition_line_id": col(lines, "tax_repartition_line_id", "int4"),
                "tax_base_amount": col(lines, "tax_base_amount", "cents", 0),
                "balance": col(lines, "balance", "cents"),
                "debit": ([max(line["balance"], 0) for line in lines], "cents"),
                "credit": ([max(-line["balance"], 0) for line in lines], "cents"),
                "amount_currency": col(lines, "amount_currency", "cents"),
                "amount_residual": col(lines, "res", "cents"),
                "amount_residual_currency": col(lines, "res_cur", "cents"),
                "reconciled": col(lines, "reconciled", "bool"),
                "full_reconcile_id": col(lines, "full_reconcile_id", "int4"),
                "matching_number": col(lines, "matching_number", "varchar"),
            },
        )

    def _invoices_payments(self, ch):
        """The invoices' matched payments, which the wizard links when it reconciles."""
        links = [(m, n) for n, p in enumerate(ch.payments) for m in sorted(p["invoices"])]
        if links:
            self.env.execute_query(
                SQL(
                    "INSERT INTO account_move__account_payment (invoice_id, payment_id) "
                    "SELECT * FROM unnest(%s::int4[], %s::int4[])",
                    [self.base["move"] + m for m, _n in links],
                    [self.base["payment"] + n for _m, n in links],
                )
            )

    def _line_taxes(self, ch):
        if ch.taxed:
            self.env.execute_query(
                SQL(
                    "INSERT INTO account_move_line_account_tax_rel "
                    "(account_move_line_id, account_tax_id) "
                    "SELECT * FROM unnest(%s::int4[], %s::int4[])",
                    [self.base["line"] + i for i, _tax in ch.taxed],
                    [tax for _i, tax in ch.taxed],
                )
            )

    def _partials(self, ch):
        moves, lines, parts = ch.moves, ch.lines, ch.partials
        insert_rows(
            self.env,
            "account_partial_reconcile",
            {
                "id": ([self.base["partial"] + n for n in range(len(parts))], "int4"),
                "debit_move_id": ([self.base["line"] + p["debit"] for p in parts], "int4"),
                "credit_move_id": ([self.base["line"] + p["credit"] for p in parts], "int4"),
                "debit_currency_id": (
                    [moves[lines[p["debit"]]["move"]]["currency_id"] for p in parts],
                    "int4",
                ),
                "credit_currency_id": (
                    [moves[lines[p["credit"]]["move"]]["currency_id"] for p in parts],
                    "int4",
                ),
                "company_id": ([self.company.id] * len(parts), "int4"),
                "full_reconcile_id": col(parts, "full_reconcile_id", "int4"),
                "max_date": col(parts, "max_date", "date"),
                "amount": col(parts, "amount", "cents"),
                "debit_amount_currency": col(parts, "amount_cur", "cents"),
                "credit_amount_currency": col(parts, "amount_cur", "cents"),
            },
        )
