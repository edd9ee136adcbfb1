"""Payment behaviour and aging on real posted invoices and reconciliations (metrics.md 0-3)."""

from unittest.mock import patch

from odoo import fields, models
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from ..engine.outputs import MOVE_FIELDS, history_figures, stored_figures
from .common import VectorCase


@tagged("post_install", "-at_install")
class TestFigures(VectorCase):
    def test_metrics_vectors_on_posted_documents(self):
        self._refresh("2024-03-31")
        stat = self._stat(self.customer)
        self.assertRecordValues(
            stat,
            [
                {
                    "n_obs": 3,
                    "has_behaviour": True,
                    "has_index": True,
                    "total_ar": 0.0,
                    "last_payment_date": self.inv_a.ar_payment_date,
                }
            ],
        )
        self.assertAlmostEqual(stat.payment_cycle_days, 42.267, places=3)
        self.assertAlmostEqual(stat.terms_days, 30.0, places=3)
        self.assertAlmostEqual(stat.days_late, 12.267, places=3)
        self.assertAlmostEqual(stat.days_beyond_terms, 12.267, places=3)
        self.assertAlmostEqual(stat.average_days_late, 15.5, places=3)
        self.assertAlmostEqual(stat.payment_index, 69.24, places=2)

    def test_dormant_company_gets_figures_for_its_last_active_period(self):
        refresh = self.env["ar.refresh"]
        self.assertEqual(refresh._default_as_of(self.env.company).isoformat(), "2024-03-02")
        refresh._refresh(self.env.company)
        stat = self._stat(self.customer)
        self.assertEqual(stat.as_of.isoformat(), "2024-03-02")
        self.assertEqual(stat.n_obs, 3, "the window ends at the last activity, not today")
        self._invoice(self.customer, fields.Date.today(), 10)
        self.assertEqual(refresh._default_as_of(self.env.company), fields.Date.today())

    def test_invoice_fields(self):
        self._refresh("2024-03-31")
        self.assertRecordValues(
            self.inv_a + self.inv_b,
            [
                {
                    "ar_days_to_pay": 61,
                    "ar_days_late": 31,
                    "ar_paid_on_time": "late",
                    "ar_cash_share": 1.0,
                    "ar_computed": True,
                },
                {
                    "ar_days_to_pay": 30,
                    "ar_days_late": 0,
                    "ar_paid_on_time": "on_time",
                    "ar_cash_share": 1.0,
                    "ar_computed": True,
                },
            ],
        )
        self.assertEqual(str(self.inv_a.ar_payment_date), "2024-03-02")

    def test_as_of_rolls_back_later_payments(self):
        self._refresh("2024-02-20")
        stat = self._stat(self.customer)
        self.assertAlmostEqual(stat.total_ar, 400.0)
        self.assertAlmostEqual(stat.overdue_amount, 400.0)
        self.assertEqual(stat.max_dpd, 20)
        self.assertEqual(stat.n_obs, 2)
        self.assertEqual(self.inv_a.ar_paid_on_time, False)
        bucket = stat.aging_ids
        self.assertEqual(len(bucket), 1)
        self.assertEqual(bucket.bucket_id.name, "1-30")
        self.assertAlmostEqual(bucket.amount, 400.0)

    def test_customer_without_history_is_undefined_not_zero(self):
        newcomer = self.env["res.partner"].create({"name": "Newcomer"})
        self._invoice(newcomer, "2024-03-20", 250)
        self._refresh("2024-03-31")
        stat = self._stat(newcomer)
        self.assertRecordValues(
            stat,
            [
                {
                    "has_behaviour": False,
                    "has_index": False,
                    "has_collection": False,
                    "n_obs": 0,
                    "total_ar": 250.0,
                }
            ],
        )
        [(cycle, index)] = self.env.execute_query(
            SQL(
                "SELECT payment_cycle_days, payment_index FROM ar_customer_stat WHERE id = %s",
                stat.id,
            )
        )
        self.assertEqual((cycle, index), (None, None), "undefined figures are NULL, not 0")

    def test_credit_note_and_write_off_are_not_collections(self):
        customer = self.env["res.partner"].create({"name": "Credit note customer"})
        invoice = self._invoice(customer, "2024-01-10", 1000)
        refund = self._invoice(customer, "2024-01-20", 300, move_type="out_refund")
        self._receivable(invoice + refund).reconcile()
        self._pay(invoice, 650, "2024-02-05")
        misc = self.company_data["default_journal_misc"]
        receivable = self._receivable(invoice).account_id
        write_off = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": misc.id,
                "date": "2024-02-06",
                "line_ids": [
                    (0, 0, {"account_id": receivable.id, "partner_id": customer.id, "credit": 50}),
                    (
                        0,
                        0,
                        {
                            "account_id": self.company_data["default_account_expense"].id,
                            "debit": 50,
                        },
                    ),
                ],
            }
        )
        write_off.action_post()
        self._receivable(invoice + write_off).reconcile()
        self._refresh("2024-03-31")
        self.assertRecordValues(
            invoice,
            [{"ar_cash_share": 0.65, "ar_credit_note_share": 0.3, "ar_writeoff_share": 0.05}],
        )
        stat = self._stat(customer)
        self.assertEqual(stat.n_obs, 1, "only the cash payment is an observation")
        self.assertAlmostEqual(stat.collection_rate, 650 / 700, places=6)

    def test_installments_are_aged_one_by_one(self):
        customer = self.env["res.partner"].create({"name": "Installment customer"})
        invoice = self._invoice(customer, "2024-01-01", 1000, term=self.term_installments)
        items = self._receivable(invoice).sorted("date_maturity")
        self.assertEqual(len(items), 2)
        self._pay(invoice, items[0].balance, "2024-01-05")
        self._refresh("2024-04-15")
        stat = self._stat(customer)
        self.assertAlmostEqual(stat.total_ar, items[1].balance)
        self.assertEqual(stat.max_dpd, (stat.as_of - items[1].date_maturity).days)

    def _outstanding_receipts(self):
        return self.env["account.chart.template"].ref("account_journal_payment_debit_account_id")

    def _outstanding_receipts_journal(self, explicit=False):
        """A bank journal as Odoo creates it: receipts go to the outstanding receipts
        account and wait there for their bank statement line. ``explicit``: the account set
        on the journal's payment method, as with Enterprise, where a payment on a journal
        without one has no journal entry until its bank line comes."""
        journal = self.env["account.journal"].create(
            {"name": "Cheques", "code": "TCHQ", "type": "bank"}
        )
        if explicit:
            method = journal.inbound_payment_method_line_ids[:1]
            method.payment_account_id = self._outstanding_receipts()
        return journal

    def test_payment_on_outstanding_receipts_is_collected_in_community(self):
        """Without the accountant module Odoo calls the invoice paid: so does the addon,
        partial payments included, although the payment is never matched with the bank."""
        customer = self.env["res.partner"].create({"name": "Cheque customer"})
        invoice = self._invoice(customer, "2024-03-01", 800)
        journal = self._outstanding_receipts_journal()
        first = self._pay(invoice, 300, "2024-03-10", journal=journal)
        self.assertEqual(first.state, "in_process", "a partial payment stays in process")
        self.assertEqual(
            first.outstanding_account_id,
            self._outstanding_receipts(),
            "booked on the outstanding receipts account",
        )
        self._pay(invoice, 500, "2024-04-05", journal=journal)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertFalse(first.is_matched)
        self._refresh("2024-04-30")
        stat = self._stat(customer)
        self.assertAlmostEqual(stat.pending_amount, 0.0)
        self.assertEqual(stat.n_obs, 2)
        # 300 paid after 9 days, 500 after 35: amount-weighted
        self.assertAlmostEqual(stat.payment_cycle_days, (300 * 9 + 500 * 35) / 800, places=6)
        self.assertRecordValues(
            invoice,
            [
                {
                    "ar_cash_share": 1.0,
                    "ar_pending_share": 0.0,
                    "ar_payment_date": fields.Date.to_date("2024-04-05"),
                    "ar_days_to_pay": 35,
                }
            ],
        )

    def test_payment_in_process_is_pending_when_invoices_wait_for_the_bank(self):
        """With an accounting that shows invoices *In payment* (Enterprise's accountant,
        here Odoo's own hook as its tests set it), a payment Odoo keeps in process is
        pending until its bank line matches it; then it is cash at its own date."""
        customer = self.env["res.partner"].create({"name": "Bank matched customer"})
        invoice = self._invoice(customer, "2024-03-01", 800)
        journal = self._outstanding_receipts_journal(explicit=True)
        with patch.object(
            self.env.registry["account.move"],
            "_get_invoice_in_payment_state",
            return_value="in_payment",
        ):
            payment = self._pay(invoice, 800, "2024-03-10", journal=journal)
            self.assertEqual((payment.state, invoice.payment_state), ("in_process", "in_payment"))
            self._refresh("2024-03-31")
            stat = self._stat(customer)
            self.assertAlmostEqual(stat.pending_amount, 800.0)
            self.assertEqual(stat.n_obs, 0)
            self.assertAlmostEqual(stat.total_ar, 0.0, msg="Odoo's receivable is reconciled")
            self.assertAlmostEqual(invoice.ar_pending_share, 1.0)
            self._commit_and_process()
            self._match_with_bank(payment, "2024-03-12")
            self.assertEqual((payment.state, invoice.payment_state), ("paid", "paid"))
            # the bank match alone queues the customer (none of its receivable lines changed)
            self.assertEqual(self._commit_and_process(), 1)
            stat = self._stat(customer)
            self.assertAlmostEqual(stat.pending_amount, 0.0)
            self.assertEqual(stat.n_obs, 1)
            self.assertEqual(invoice.ar_days_to_pay, 9, "paid on the payment's date")

    def _match_with_bank(self, payment, date):
        """The bank statement line of ``payment``, reconciled with its outstanding receipt:
        what the bank reconciliation screen does."""
        line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": payment.journal_id.id,
                "date": date,
                "amount": payment.amount,
                "payment_ref": payment.memo or payment.name,
                "partner_id": payment.partner_id.id,
            }
        )
        _liquidity, suspense, _other = line._seek_for_lines()
        outstanding = payment.move_id.line_ids.filtered(
            lambda l: l.account_id == payment.outstanding_account_id
        )
        suspense.account_id = outstanding.account_id
        (suspense + outstanding).reconcile()

    def test_unreconciled_payment_is_unapplied_credit(self):
        customer = self.env["res.partner"].create({"name": "Advance customer"})
        self._invoice(customer, "2024-03-01", 300)
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": customer.id,
                "amount": 500,
                "date": "2024-03-05",
                "journal_id": self.bank.id,
            }
        )
        payment.action_post()
        self._refresh("2024-03-31")
        stat = self._stat(customer)
        self.assertAlmostEqual(stat.unapplied_credits, -500.0)
        self.assertAlmostEqual(stat.total_ar, -200.0)
        # unapplied credits are a column of their own: the rows add up to the ledger
        rows = {row.bucket_id.with_context(lang="en_US").name: row.amount for row in stat.aging_ids}
        self.assertEqual(rows, {"Not due": 300.0, "Unapplied credits": -500.0})
        self.assertAlmostEqual(sum(rows.values()), stat.total_ar)
        # and out of the age configuration
        buckets = self.env["ar.aging.bucket"].search([("company_id", "=", self.env.company.id)])
        self.assertNotIn("Unapplied credits", buckets.mapped("name"))

    def test_receivable_entry_without_due_date_is_aged_from_its_date(self):
        customer = self.env["res.partner"].create({"name": "Opening balance customer"})
        receivable = self._receivable(self.inv_a).account_id
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": self.company_data["default_journal_misc"].id,
                "date": "2024-01-10",
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "account_id": receivable.id,
                            "partner_id": customer.id,
                            "debit": 70,
                            "date_maturity": False,
                        },
                    ),
                    (
                        0,
                        0,
                        {
                            "account_id": self.company_data["default_account_revenue"].id,
                            "credit": 70,
                        },
                    ),
                ],
            }
        )
        entry.action_post()
        self._refresh("2024-03-31")
        stat = self._stat(customer)
        self.assertAlmostEqual(stat.total_ar, 70.0)
        self.assertEqual(stat.max_dpd, 81)
        self.assertEqual(stat.aging_ids.bucket_id.name, "61-90")

    def test_operations_only_queue_the_refresh(self):
        customer = self.env["res.partner"].create({"name": "Queued customer"})
        cron = self.env.ref("ar_analytics.ir_cron_ar_refresh_queue")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self._invoice(customer, "2024-03-01", 900)
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.assertFalse(self._stat(customer), "nothing computed inside the transaction")
        queued = self.env["ar.refresh.request"].search([("partner_id", "=", customer.id)])
        self.assertEqual(queued.company_id, self.env.company)
        self.assertGreater(self.env["ar.refresh.request"].search_count([]), 0)
        self.assertEqual(
            self.env["ar.refresh.request"].search_count([("partner_id", "=", customer.id)]), 1
        )
        self.assertGreater(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers
        )
        self.assertGreaterEqual(self.env["ar.refresh"]._process_queue(), 1)
        self.assertAlmostEqual(self._stat(customer).total_ar, 900.0)
        self.assertFalse(self.env["ar.refresh.request"].search([("partner_id", "=", customer.id)]))

    def test_incremental_refresh_follows_posting_reconciling_and_cancelling(self):
        customer = self.env["res.partner"].create({"name": "Live customer"})
        invoice = self._invoice(customer, "2024-03-01", 900)
        self._commit_and_process()
        self.assertAlmostEqual(self._stat(customer).total_ar, 900.0)
        payment = self._pay(invoice, 900, "2024-03-20")
        self._commit_and_process()
        self.assertAlmostEqual(self._stat(customer).total_ar, 0.0)
        self.assertEqual(invoice.ar_payment_date.isoformat(), "2024-03-20")
        payment.move_id.line_ids.remove_move_reconcile()
        self._commit_and_process()
        self.assertAlmostEqual(self._stat(customer).total_ar, 0.0, msg="payment now unapplied")
        self.assertAlmostEqual(self._stat(customer).unapplied_credits, -900.0)
        self.assertFalse(invoice.ar_payment_date)
        payment.action_draft()
        payment.action_cancel()
        invoice.button_draft()
        invoice.button_cancel()
        self._commit_and_process()
        self.assertFalse(self._stat(customer), "no receivable left: no figures")
        self.assertFalse(invoice.ar_computed)

    def test_incremental_refresh_reads_every_contact(self):
        """A customer refreshed on its own (the queue) gets the invoices, payments and sales
        of all its contacts, an archived one too, as a full refresh does: its lines are
        looked up by contact."""
        parent = self.env["res.partner"].create({"name": "Parent Co", "is_company": True})
        buyer, former = self.env["res.partner"].create(
            [
                {"name": "Buyer", "parent_id": parent.id},
                {"name": "Former buyer", "parent_id": parent.id},
            ]
        )
        first = self._invoice(buyer, "2024-01-05", 1000)
        second = self._invoice(former, "2024-01-10", 500)
        self._invoice(parent, "2024-02-01", 200)
        self._pay(first, 400, "2024-02-10")
        self._pay(second, 500, "2024-02-20")
        former.active = False
        names = [
            "total_ar",
            "revenue",
            "frequency",
            "n_obs",
            "payment_cycle_days",
            "collection_rate",
        ]
        self._refresh("2024-03-31", parent)
        alone = self._stat(parent).read(names)[0]
        self.assertAlmostEqual(alone["total_ar"], 800.0)
        self.assertAlmostEqual(alone["revenue"], 1700.0)
        self.assertEqual(alone["frequency"], 3)
        self.assertEqual(second.ar_payment_date.isoformat(), "2024-02-20")
        self._refresh("2024-03-31")
        self.assertEqual(self._stat(parent).read(names)[0], alone)

    def test_company_totals_and_views_of_the_figures(self):
        self._refresh("2024-03-31")
        totals = self.env["ar.company.stat"].search([("company_id", "=", self.env.company.id)])
        self.assertTrue(totals)
        self.assertAlmostEqual(totals.payment_cycle_days, 42.267, places=3)
        groups = self.env["ar.customer.stat"]._read_group(
            [("company_id", "=", self.env.company.id)], ["user_id"], ["total_ar:sum", "__count"]
        )
        self.assertTrue(groups)
        ordered = self.env["ar.customer.stat"].search([], order="payment_cycle_days desc")
        self.assertIn(self._stat(self.customer), ordered)

    def test_every_stored_figure_is_written_by_the_refresh(self):
        # the writer stores the result's columns named after a field: a figure renamed on
        # one side only would silently stay empty
        as_of = fields.Date.to_date("2024-03-31")
        result = self.env["ar.refresh"]._compute(self.env.company, as_of)
        written_elsewhere = {
            "partner_id", "company_id", "user_id", "team_id", "country_id", "industry_id",
            "as_of", "computed_at", "grade", "signal_severity", "customer_count",
            "top_customers_share", "top_fifth_share", "margin_coverage", "date",
            "grade_override", "grade_override_reason", "grade_override_expiry",
            "grade_override_date",
        }  # fmt: skip
        customers = stored_figures(result["figures"])
        for model, columns in (
            ("ar.customer.stat", customers.columns),
            ("ar.company.stat", stored_figures(result["totals"]).columns),
            ("ar.score.history", history_figures(customers).columns),
        ):
            stored = {
                name
                for name, field in self.env[model]._fields.items()
                if field.store and field.readonly and not field.related and not field.compute
                and field.type not in ("many2one", "one2many", "many2many")
                and name not in models.MAGIC_COLUMNS and name not in written_elsewhere
            }  # fmt: skip
            self.assertLessEqual(stored, set(columns), model)
        moves = self.env["account.move"]._fields
        self.assertTrue(all(moves[name].store for name in MOVE_FIELDS.values()))

    def test_overdue_search_on_invoices(self):
        late = self.env["account.move"].search(
            [("ar_days_overdue", ">", 30), ("partner_id", "=", self.customer.id)]
        )
        self.assertFalse(late, "everything is paid")
        customer = self.env["res.partner"].create({"name": "Overdue customer"})
        invoice = self._invoice(customer, "2020-01-01", 100)
        self.assertIn(invoice, self.env["account.move"].search([("ar_days_overdue", ">", 90)]))
        self.assertGreater(invoice.ar_days_overdue, 90)
        self.assertEqual(invoice.ar_aging_bucket_id.name, "Over 120")

    def test_custom_buckets_and_validation(self):
        buckets = self.env["ar.aging.bucket"].search([("company_id", "=", self.env.company.id)])
        self.assertEqual(
            buckets.mapped("name"), ["Not due", "1-30", "31-60", "61-90", "91-120", "Over 120"]
        )
        with self.assertRaises(ValidationError):
            buckets[2].days_to = 20  # would end before the previous bucket
        buckets[4:].unlink()
        self.env["ar.aging.bucket"].create({"name": "90+", "days_to": 0, "sequence": 99})
        customer = self.env["res.partner"].create({"name": "Old debt customer"})
        self._invoice(customer, "2023-01-01", 100)
        self._refresh("2024-03-31")
        self.assertEqual(self._stat(customer).aging_ids.bucket_id.name, "90+")

    def test_bucket_names_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["ar_analytics"], ["zh_CN"])
        buckets = (
            self.env["ar.aging.bucket"]
            .with_context(active_test=False, lang="zh_CN")
            .search([("company_id", "=", self.env.company.id)])
        )
        names = buckets.mapped("name")
        self.assertNotIn("Not due", names)
        self.assertNotIn("Over 120", names)
        self.assertNotIn("Unapplied credits", names)
        self.assertEqual(
            buckets.with_context(lang="en_US").mapped("name"),
            ["Not due", "1-30", "31-60", "61-90", "91-120", "Over 120", "Unapplied credits"],
        )
        # a name the user chose is left alone
        buckets[0].with_context(lang="en_US").name = "Current"
        self.env["ar.aging.bucket"]._translate_shipped_names(["zh_CN"])
        self.assertEqual(buckets[0].with_context(lang="en_US").name, "Current")

    def test_full_refresh_entry_points(self):
        """Settings button, server action on customers, nightly cron."""
        stats = self.env["ar.customer.stat"]
        settings = self.env["res.config.settings"].create({})
        action = settings.action_ar_refresh()
        self.assertEqual(action["tag"], "display_notification")
        self.assertTrue(self._stat(self.customer))
        self.assertTrue(self.env.company.ar_last_refresh)
        stats.sudo().search([]).unlink()
        server_action = self.env.ref("ar_analytics.res_partner_action_ar_refresh")
        server_action.with_context(
            active_model="res.partner", active_ids=self.customer.ids, active_id=self.customer.id
        ).run()
        self.assertTrue(self._stat(self.customer))
        stats.sudo().search([]).unlink()
        cron = self.env.ref("ar_analytics.ir_cron_ar_refresh")
        self.assertEqual(cron.code.strip(), "model._cron_refresh()")
        with patch.object(self.env.cr, "commit", lambda: None):
            self.env["ar.refresh"]._cron_refresh()  # commits after each company in a job
        self.assertTrue(self._stat(self.customer))
