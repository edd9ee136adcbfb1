"""The set-based materialiser of benchmark books: the same book as the ORM's, as Odoo stores it."""

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.ar_analytics_demo.generator.bulk import build_bulk_book

from .common import BOOK_END, BookCase

LINE_FIELDS = ("amount_residual", "amount_residual_currency", "reconciled")
PAYMENT_FIELDS = ("state", "is_matched", "is_reconciled")
MOVE_FIELDS = (
    "amount_untaxed",
    "amount_tax",
    "amount_total",
    "amount_residual",
    "amount_untaxed_signed",
    "amount_total_signed",
    "amount_residual_signed",
    "payment_state",
)


@tagged("post_install", "-at_install")
class TestBulkBook(BookCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bulk_a = cls.setup_other_company(name="Bulk company A")["company"]
        cls.bulk_b = cls.setup_other_company(
            name="Bulk company B", currency_id=cls.company_b.currency_id.id
        )["company"]
        cls.bulk = build_bulk_book(cls.env, cls.plan, company=cls.bulk_a, second_company=cls.bulk_b)

    def _figures(self, company, partners):
        """Per customer key: the refresh's figures as of the book's end (bucket columns by
        position: their codes carry each company's bucket ids)."""
        figures = self.env["ar.refresh"]._compute(company, BOOK_END)["figures"]
        keys = {partner.id: key for key, partner in partners.items()}
        figures.index = [keys[p] for p in figures.index]
        buckets = [c for c in figures.columns if c.startswith("bucket_")]
        figures = figures.rename(columns={c: f"bucket_{n}" for n, c in enumerate(buckets)})
        return figures.sort_index()

    def test_same_figures_as_the_orm_book(self):
        for orm_company, bulk_company in (
            (self.company_a, self.bulk_a),
            (self.company_b, self.bulk_b),
        ):
            orm = self._figures(orm_company, self.book.partners)
            bulk = self._figures(bulk_company, self.bulk.partners)
            self.assertEqual(list(orm.index), list(bulk.index))
            self.assertTrue(len(orm))
            numbers = orm.select_dtypes("number").columns
            difference = (orm[numbers] - bulk[numbers]).abs().max()
            self.assertFalse(
                list(difference[difference > 0.01].index),
                f"figures that differ in {bulk_company.name}",
            )
            for column in ("grade", "tier", "action"):
                self.assertEqual(list(orm[column]), list(bulk[column]), column)

    def test_counts_match_the_orm_book(self):
        # the ORM book also posts and cancels one invoice: no posted line, not written here
        self.assertEqual(self.bulk.stats["invoices"], self.book.stats["invoices"] - 1)
        for key in ("credit_notes", "write_offs"):
            self.assertEqual(self.bulk.stats[key], self.book.stats[key], key)
        # bank statement lines are written as payments
        self.assertTrue(self.book.stats["statement_lines"])
        self.assertEqual(
            self.bulk.stats["payments"],
            self.book.stats["payments"] + self.book.stats["statement_lines"],
        )

    def _payment_kinds(self, company):
        """Per kind of payment (journal, liquidity account, Odoo's state and flags): how
        many invoices such payments settle (one payment may settle several)."""
        payments = self.env["account.payment"].search([("company_id", "=", company.id)])
        kinds = {}
        for payment in payments:
            kind = (
                payment.journal_id.code,
                payment.outstanding_account_id.with_company(company).code,
                payment.state,
                payment.is_matched,
                payment.is_reconciled,
                len(payment.reconciled_invoice_ids),
            )
            kinds[kind] = kinds.get(kind, 0) + 1
        return kinds

    def test_payments_as_the_wizard_books_them(self):
        """The same kinds of payments as the Register payment wizard makes on the ORM book:
        on the default bank journal, the outstanding receipts account, paid, never matched;
        on the direct journal, the bank account, matched; part payments in process; one
        payment for several invoices."""
        for orm_company, bulk_company in (
            (self.company_a, self.bulk_a),
            (self.company_b, self.bulk_b),
        ):
            orm, bulk = self._payment_kinds(orm_company), self._payment_kinds(bulk_company)
            self.assertEqual(set(orm), set(bulk), bulk_company.name)
        kinds = self._payment_kinds(self.bulk_a)
        self.assertTrue([k for k in kinds if k[2:4] == ("paid", False)], "paid, never matched")
        self.assertTrue([k for k in kinds if k[2:4] == ("paid", True)], "straight to the bank")
        self.assertTrue([k for k in kinds if k[2] == "in_process"], "a part payment, an advance")
        self.assertTrue([k for k in kinds if k[5] > 1], "one payment for several invoices")
        invoices = self.env["account.move"].search(
            [("company_id", "=", self.bulk_a.id), ("payment_state", "=", "paid")]
        )
        self.assertTrue(all(invoices.mapped("matched_payment_ids")))

    def test_stored_values_are_odoos_own(self):
        """Residuals, reconciled flags, totals and payment states as Odoo computes them from
        the lines and partials written, the payments' states and flags too; matching numbers as
        Odoo numbers them."""
        companies = self.bulk_a | self.bulk_b
        moves = self.env["account.move"].search([("company_id", "in", companies.ids)])
        lines = moves.line_ids
        stored_lines = {row["id"]: row for row in lines.read(list(LINE_FIELDS))}
        stored_moves = {row["id"]: row for row in moves.read(list(MOVE_FIELDS))}
        numbers = dict(
            self.env.execute_query(
                SQL(
                    "SELECT id, matching_number FROM account_move_line WHERE id = ANY(%s)",
                    lines.ids,
                )
            )
        )
        self.assertIn("paid", set(moves.mapped("payment_state")))
        self.assertIn("reversed", set(moves.mapped("payment_state")))
        self.assertIn("partial", set(moves.mapped("payment_state")))
        self.env.invalidate_all()
        for name in LINE_FIELDS:
            self.env.add_to_compute(lines._fields[name], lines)
        for name in MOVE_FIELDS:
            self.env.add_to_compute(moves._fields[name], moves)
        for line in lines:
            for name in LINE_FIELDS:
                self.assertAlmostEqual(line[name], stored_lines[line.id][name], 2, name)
        for move in moves:
            for name in MOVE_FIELDS:
                expected = stored_moves[move.id][name]
                if isinstance(expected, str):
                    self.assertEqual(move[name], expected, f"{move.name} {name}")
                else:
                    self.assertAlmostEqual(move[name], expected, 2, f"{move.name} {name}")
        payments = self.env["account.payment"].search([("company_id", "in", companies.ids)])
        stored_payments = {row["id"]: row for row in payments.read(list(PAYMENT_FIELDS))}
        self.env.invalidate_all()
        for name in PAYMENT_FIELDS:
            self.env.add_to_compute(payments._fields[name], payments)
        for payment in payments:
            for name in PAYMENT_FIELDS:
                self.assertEqual(
                    payment[name], stored_payments[payment.id][name], f"{payment.name} {name}"
                )
        self.env.flush_all()
        self.env["account.partial.reconcile"]._update_matching_number(lines)
        self.env.flush_all()
        renumbered = dict(
            self.env.execute_query(
                SQL(
                    "SELECT id, matching_number FROM account_move_line WHERE id = ANY(%s)",
                    lines.ids,
                )
            )
        )
        self.assertEqual(renumbered, numbers)

    def test_entries_balanced_and_names_unique(self):
        companies = (self.bulk_a | self.bulk_b).ids
        unbalanced = self.env.execute_query(
            SQL(
                "SELECT move_id FROM account_move_line WHERE company_id = ANY(%s) "
                "GROUP BY move_id HAVING SUM(balance) <> 0 OR SUM(debit) <> SUM(credit)",
                companies,
            )
        )
        self.assertFalse(unbalanced)
        duplicates = self.env.execute_query(
            SQL(
                "SELECT journal_id, name FROM account_move WHERE company_id = ANY(%s) "
                "GROUP BY 1, 2 HAVING COUNT(*) > 1",
                companies,
            )
        )
        self.assertFalse(duplicates)
        # Odoo's own check of balanced entries
        moves = self.env["account.move"].search([("company_id", "in", companies)])
        self.assertFalse(moves._get_unbalanced_moves({"records": moves}))
