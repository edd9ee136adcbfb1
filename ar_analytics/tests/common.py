"""Shared test bases: documents built through the ORM, and a small generated book."""

import datetime

from odoo import Command, fields
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.ar_analytics.engine.outputs import MOVE_FIELDS
from odoo.addons.ar_analytics_demo.generator.book import build_book
from odoo.addons.ar_analytics_demo.generator.plan import make_plan

BOOK_END = datetime.date(2026, 6, 30)
# what the nightly job stores on an invoice: the refresh's figures and the expected payment
STORED_MOVE_FIELDS = (*MOVE_FIELDS.values(), "ar_expected_date", "ar_expected_source")
# a stored row as JSON, without what differs between two runs that store the same figures
AUDIT = "- 'id' - 'create_date' - 'write_date' - 'computed_at' - 'create_uid' - 'write_uid'"


class ArCase(AccountTestInvoicingCommon):
    """Invoices, credit notes and payments built the way a user makes them, on Odoo's default
    configuration: the bank journal books receipts on the outstanding receipts account.

    ``receipts_straight_to_bank = True`` on a subclass sets the bank journal up the other way
    some companies choose, receipts booked straight to the bank account."""

    receipts_straight_to_bank = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank = cls.company_data["default_journal_bank"]
        if cls.receipts_straight_to_bank:
            cls._book_receipts_straight_to_bank(cls.bank)
        cls.term_30 = cls.env.ref("account.account_payment_term_30days")
        cls.term_installments = cls.env.ref("account.account_payment_term_advance_60days")

    @classmethod
    def _invoice(
        cls,
        partner,
        date,
        amount,
        term=None,
        move_type="out_invoice",
        currency=None,
        post=True,
        company=None,
    ):
        company = company or cls.env.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": date,
                    "invoice_payment_term_id": (term or cls.term_30).id
                    if move_type == "out_invoice"
                    else False,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Goods",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _pay(cls, moves, amount, date, journal=None):
        """Register a payment of ``amount`` on ``moves`` at ``date`` (the payment wizard)."""
        journal = journal or cls.bank
        wizard = (
            cls.env["account.payment.register"]
            .with_context(
                active_model="account.move",
                active_ids=moves.ids,
            )
            .create(
                {
                    "payment_date": date,
                    "amount": amount,
                    "journal_id": journal.id,
                    "payment_method_line_id": journal.inbound_payment_method_line_ids[:1].id,
                    "group_payment": True,
                }
            )
        )
        return wizard._create_payments()

    @classmethod
    def _book_receipts_straight_to_bank(cls, journal):
        """The journal's receipts booked on its bank account instead of the outstanding
        receipts account: Odoo treats them as matched with the bank at once."""
        journal.inbound_payment_method_line_ids[:1].payment_account_id = journal.default_account_id

    @classmethod
    def _pay_by_statement(cls, move, amount, date, journal=None):
        """A bank statement line of ``amount`` matched with the invoice's open installments,
        the way Odoo's own tests settle an invoice from the bank."""
        journal = journal or cls.bank
        line = cls.env["account.bank.statement.line"].create(
            {
                "journal_id": journal.id,
                "date": date,
                "amount": amount,
                "payment_ref": move.name,
                "partner_id": move.commercial_partner_id.id,
            }
        )
        _liquidity, suspense, _other = line.with_context(
            skip_account_move_synchronization=True
        )._seek_for_lines()
        receivable = cls._receivable(move).filtered(lambda l: not l.reconciled)
        suspense.account_id = receivable.account_id
        (suspense + receivable).reconcile()
        return line

    @classmethod
    def _receivable(cls, moves):
        return moves.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")

    def _refresh(self, as_of, partners=None, company=None):
        company = company or self.env.company
        ids = None if partners is None else set(partners.ids)
        self.env["ar.refresh"]._refresh_company(
            company, as_of=fields.Date.to_date(as_of), partner_ids=ids
        )

    def _override_grade(self, partner, grade, manager, expiry):
        """Give ``partner`` a grade the way a credit manager does (grade override)."""
        self.env["ar.grade.override.wizard"].with_user(manager).create(
            {"stat_id": self._stat(partner).id, "grade": grade, "reason": "test", "expiry": expiry}
        ).action_apply()

    def _stat(self, partner, company=None):
        return self.env["ar.customer.stat"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", (company or self.env.company).id)]
        )

    def _commit_and_process(self):
        """What a commit and the queue's cron job do (tests never commit): precommit hooks
        queue the changed customers, the job refreshes them."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        return self.env["ar.refresh"]._process_queue()


class VectorCase(ArCase):
    """metrics.md section 2's payment vector as real documents: invoice A 1,000 dated
    2024-01-01 due 01-31, paid 600 on 02-10 and 400 on 03-02; invoice B 500 dated 01-15 due
    02-14, paid 02-14."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Vector Customer"})
        cls.inv_a = cls._invoice(cls.customer, "2024-01-01", 1000)
        cls.inv_b = cls._invoice(cls.customer, "2024-01-15", 500)
        cls._pay(cls.inv_a, 600, "2024-02-10")
        cls._pay(cls.inv_a, 400, "2024-03-02")
        cls._pay(cls.inv_b, 500, "2024-02-14")


class BookCase(ArCase):
    """A class-level test book (seeded, 'test' size) built through the ORM, once per class."""

    book_seed = 7

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        eur = cls.env.ref("base.EUR")
        usd = cls.env.ref("base.USD")
        other = eur if cls.env.company.currency_id != eur else usd
        other.active = True
        cls.company_b = cls.setup_other_company(name="Book company B", currency_id=other.id)[
            "company"
        ]
        cls.plan = make_plan("test", seed=cls.book_seed, end=BOOK_END)
        cls.book = build_book(
            cls.env,
            cls.plan,
            company=cls.env.company,
            second_company=cls.company_b,
        )
        cls.company_a = cls.env.company

    def _stored_figures(self, company):
        """(customers, aging, invoices): every figure stored for the company's customers
        and invoices, as text, to compare two ways of computing them."""
        self.env.flush_all()
        stats = self.env.execute_query(
            SQL(
                "SELECT partner_id, to_jsonb(s) %s FROM ar_customer_stat s "
                "WHERE s.company_id = %s ORDER BY 1",
                SQL(AUDIT),
                company.id,
            )
        )
        aging = self.env.execute_query(
            SQL(
                "SELECT partner_id, bucket_id, amount::text FROM ar_customer_aging "
                "WHERE company_id = %s ORDER BY 1, 2",
                company.id,
            )
        )
        moves = self.env.execute_query(
            SQL(
                "SELECT id, %s FROM account_move WHERE company_id = %s AND ar_computed ORDER BY 1",
                SQL(", ").join(SQL("%s::text", SQL.identifier(f)) for f in STORED_MOVE_FIELDS),
                company.id,
            )
        )
        return stats, aging, moves

    def _forget_figures(self, company, tables=("ar_customer_stat", "ar_company_stat")):
        """The company's stored figures removed (the rows of ``tables`` and the invoices'
        figures), as if it had never been refreshed."""
        self.env.flush_all()
        for table in tables:
            self.env.execute_query(
                SQL("DELETE FROM %s WHERE company_id = %s", SQL.identifier(table), company.id)
            )
        self.env.execute_query(
            SQL(
                "UPDATE account_move SET ar_computed = FALSE, %s WHERE company_id = %s",
                SQL(", ").join(SQL("%s = NULL", SQL.identifier(f)) for f in STORED_MOVE_FIELDS),
                company.id,
            )
        )
        self.env.invalidate_all()
