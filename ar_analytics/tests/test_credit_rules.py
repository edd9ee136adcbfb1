"""Credit rules (issue 5): limit, grade and overdue rules on real sales orders and invoices,
manager overrides, portal and online-payment confirmations, multi-company, concurrency."""

import datetime
import threading
from functools import partial
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.service.model import retrying
from odoo.tests import TransactionCase, new_test_user, tagged

from .committed import committed_env, release_registry_lock
from .common import ArCase


class CreditCase(ArCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.env.user.group_ids |= cls.env.ref("sales_team.group_sale_manager")
        cls.company.write(
            {
                "account_use_credit_limit": True,
                "ar_rule_limit": True,
                "ar_rule_grade": True,
                "ar_rule_overdue": False,
            }
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Consulting day",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 100.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.manager = new_test_user(
            cls.env,
            login="ar_rules_manager",
            name="Credit Manager",
            groups="sales_team.group_sale_salesman_all_leads,account.group_account_invoice,"
            "ar_analytics.group_ar_analytics_credit_manager",
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="ar_rules_salesperson",
            name="Sally Salesperson",
            groups="sales_team.group_sale_salesman",
        )
        cls.today = fields.Date.context_today(cls.env["res.partner"])

    @classmethod
    def _customer(cls, name, limit=0.0, company=None):
        partner = cls.env["res.partner"].create({"name": name})
        if limit:
            partner.with_company(company or cls.company).credit_limit = limit
        return partner

    @classmethod
    def _order(cls, partner, amount, company=None, user=None):
        company = company or cls.company
        return (
            cls.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "user_id": (user or cls.salesperson).id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "product_uom_qty": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )

    def _days_ago(self, days):
        return self.today - datetime.timedelta(days=days)

    def _grade(self, partner, grade):
        """Give ``partner`` a grade the way a credit manager does (grade override)."""
        self._refresh(self.today, partner)
        self._override_grade(partner, grade, self.manager, self.today + datetime.timedelta(days=30))
        self.assertEqual(self._stat(partner).grade, grade)

    def _confirm_as(self, user, order):
        return order.with_user(user).with_company(order.company_id).action_confirm()

    def _refused(self, user, orders):
        """Confirm ``orders`` as ``user``, refused by the credit rules with a way forward:
        (message, action, button) of the RedirectWarning."""
        with self.assertRaises(RedirectWarning) as caught:
            self._confirm_as(user, orders)
        message, action, button, _context = caught.exception.args
        return message, action, button

    def _override(self, order, reason="Known customer, guaranteed by the parent company"):
        wizard = (
            self.env["ar.credit.override.wizard"]
            .with_user(self.manager)
            .create({"order_id": order.id, "reason": reason})
        )
        return wizard.action_override()


@tagged("post_install", "-at_install")
class TestCreditLimit(CreditCase):
    def test_limit_blocks_with_core_figures(self):
        customer = self._customer("Limited Ltd", limit=1000)
        self._invoice(customer, self._days_ago(5), 600)
        backlog = self._order(customer, 300)
        self._confirm_as(self.salesperson, backlog)  # 600 + 300 <= 1000
        self.assertEqual(backlog.state, "sale")
        quotation = self._order(customer, 200)
        self.assertTrue(quotation.ar_credit_blocked)
        # core's warning shows the same total
        self.assertIn("1,100.00", quotation.partner_credit_warning)
        self.assertIn("1,100.00", quotation.ar_credit_verdict)
        message = self._refused(self.salesperson, quotation)[0]
        for figure in ("Credit limit", "1,000.00", "1,100.00", "100.00", "600.00", "300.00"):
            self.assertIn(figure, message)
        self.assertIn("To unblock", message)
        self.assertEqual(quotation.state, "draft")
        # exactly at the limit passes, as core's warning
        at_limit = self._order(customer, 100)
        self.assertFalse(at_limit.ar_credit_blocked)
        self._confirm_as(self.salesperson, at_limit)
        self.assertEqual(at_limit.state, "sale")

    def test_company_default_limit_applies_to_the_contacts_customer(self):
        customer = self._customer("Defaulted Ltd")
        buyer = self.env["res.partner"].create({"name": "Buyer", "parent_id": customer.id})
        # the company's default credit limit (Accounting settings), as core stores it
        self.env["ir.default"].set("res.partner", "credit_limit", 500.0, company_id=self.company.id)
        self._invoice(customer, self._days_ago(5), 400)
        order = self._order(buyer, 200)  # ordered by a contact: the customer's exposure
        self.assertTrue(order.ar_credit_blocked)
        self.assertIn("500.00", self._refused(self.salesperson, order)[0])
        # the customer's own limit wins over the default
        customer.with_company(self.company).credit_limit = 1000
        self.assertFalse(self._order(buyer, 200).ar_credit_blocked)

    def test_batch_confirmation_counts_each_order(self):
        customer = self._customer("Batch Ltd", limit=1000)
        first, second = self._order(customer, 600), self._order(customer, 600)
        self.assertFalse(first.ar_credit_blocked or second.ar_credit_blocked, "each alone fits")
        self._refused(self.salesperson, first | second)
        self.assertEqual((first | second).mapped("state"), ["draft", "draft"])

    def test_batch_is_checked_in_one_statement(self):
        first_customer = self._customer("Batch First", limit=1000)
        second_customer = self._customer("Batch Second", limit=1000)
        orders = (
            self._order(first_customer, 400)
            | self._order(second_customer, 900)
            | self._order(first_customer, 500)
        )
        rules = type(self.env["ar.credit.rules"])
        with patch.object(rules, "_figures", autospec=True, side_effect=rules._figures) as read:
            orders.with_user(self.salesperson).action_confirm()
        self.assertEqual(read.call_count, 1, "the three orders read their figures at once")
        self.assertEqual(orders.mapped("state"), ["sale"] * 3)
        # the batch counted: 400 + 500 confirmed, so 200 more is over the limit
        self.assertTrue(self._order(first_customer, 200).ar_credit_blocked)
        self.assertFalse(self._order(second_customer, 100).ar_credit_blocked)

    def test_no_limit_or_rule_off_allows(self):
        unlimited = self._customer("Unlimited")
        self._invoice(unlimited, self._days_ago(5), 5000)
        self._confirm_as(self.salesperson, self._order(unlimited, 9000))
        customer = self._customer("Limited but off", limit=100)
        self.company.ar_rule_limit = False
        order = self._order(customer, 500)
        self.assertFalse(order.ar_credit_blocked)
        self._confirm_as(self.salesperson, order)
        self.assertEqual(order.state, "sale")
        # core's setting switched off also disables the limit rule (same limit as core)
        self.company.write({"ar_rule_limit": True, "account_use_credit_limit": False})
        self._confirm_as(self.salesperson, self._order(customer, 500))

    def test_manager_override_is_audited_and_used_once(self):
        customer = self._customer("Overridden", limit=100)
        order = self._order(customer, 500)
        self._override(order)
        self.assertEqual(order.state, "sale")
        override = order.ar_credit_override_ids
        self.assertRecordValues(
            override,
            [
                {
                    "user_id": self.manager.id,
                    "rules": "Credit limit",
                    "amount": 500.0,
                    "partner_id": customer.id,
                    "used": True,
                }
            ],
        )
        self.assertIn("500.00", override.details)
        for record in (order, customer):
            body = str(record.message_ids[:1].body)
            for text in (
                "Credit Manager",
                "Credit limit",
                "exceeds the limit",
                "guaranteed",
            ):
                self.assertIn(text, body)
        # the audit trail cannot be changed or removed
        with self.assertRaises(UserError):
            override.with_user(self.manager).sudo().write({"reason": "edited"})
        with self.assertRaises(UserError):
            override.sudo().unlink()
        # an override serves one confirmation: cancelled and re-confirmed, it is checked again
        order.with_user(self.manager).action_cancel()
        order.with_user(self.manager).action_draft()
        self._refused(self.manager, order)

    def test_override_refused_to_others(self):
        customer = self._customer("Refused", limit=100)
        order = self._order(customer, 500)
        wizard_model = self.env["ar.credit.override.wizard"]
        with self.assertRaises(AccessError):
            wizard_model.with_user(self.salesperson).create(
                {"order_id": order.id, "reason": "please"}
            ).action_override()
        # an RPC-made override record is refused too, even for an accountant
        accountant = new_test_user(
            self.env,
            login="ar_rules_accountant",
            groups="account.group_account_manager,sales_team.group_sale_manager",
        )
        for user in (self.salesperson, accountant):
            with self.assertRaises(AccessError):
                self.env["ar.credit.override"].with_user(user).create(
                    {
                        "document": order.name,
                        "order_id": order.id,
                        "partner_id": customer.id,
                        "company_id": self.company.id,
                        "amount": 1e9,
                        "rules": "all",
                        "reason": "rpc",
                    }
                )
            self._refused(user, order)
        self.assertEqual(order.state, "draft")

    def test_refusal_offers_the_way_forward_per_role(self):
        customer = self._customer("Refusal Ltd", limit=100)
        order = self._order(customer, 500)
        # a credit manager is offered the audited override, which confirms the order
        message, action, button = self._refused(self.manager, order)
        self.assertEqual(button, "Override credit rules")
        self.assertEqual(action["res_model"], "ar.credit.override.wizard")
        self.assertEqual(action["context"], {"default_order_id": order.id})
        self.assertEqual(action["views"], [(False, "form")], "run by the dialog as is")
        self.assertIn("Credit limit", message)
        self.assertIn("give the reason", message)
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.manager)
            .with_context(**action["context"])
            .create({"reason": "Guaranteed by the parent company"})
        )
        wizard.action_override()
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.ar_credit_override_ids.used)
        # a salesperson is offered the approval request, never the override
        other = self._order(customer, 500)
        message, action, button = self._refused(self.salesperson, other)
        self.assertEqual(button, "Request credit approval")
        self.assertEqual(action["res_model"], "ar.credit.approval.wizard")
        self.assertEqual(action["context"], {"default_order_id": other.id})
        self.assertEqual(action["views"], [(False, "form")])
        self.assertNotIn("Override credit rules", message)
        # in a batch, the blocked order's refusal keeps the others unconfirmed too
        fine = self._order(self._customer("Unlimited buyer"), 50)
        message, action, _button = self._refused(self.salesperson, fine | other)
        self.assertEqual(action["context"], {"default_order_id": other.id})
        self.assertIn(other.name, message)
        self.assertEqual((fine | other).mapped("state"), ["draft", "draft"])
        # code running as superuser gets the plain refusal, with nothing to click
        with self.assertRaises(UserError):
            other.sudo().action_confirm()

    def test_message_names_each_rule_once(self):
        self.company.write({"ar_rule_overdue": True, "ar_overdue_days": 60})
        customer = self._customer("Everything Ltd", limit=100)
        self._invoice(customer, self._days_ago(130), 300)  # due 100 days ago
        self._grade(customer, "C")
        order = self._order(customer, 500)
        message = self._refused(self.salesperson, order)[0]
        lines = [line for line in message.splitlines() if line.startswith("- ")]
        self.assertEqual(len(lines), 3, message)
        for line, label in zip(
            lines, ("Credit limit", "Credit grade C", "Overdue items"), strict=True
        ):
            self.assertTrue(line.startswith(f"- {label}: "), line)
            self.assertEqual(message.lower().count(label.lower()), 1, message)
        self.assertNotIn("Grade C:", message)
        # the partner banner and the override's record use the same wording
        self.assertEqual(customer.ar_order_verdict.lower().count("grade c"), 1)

    def test_banner_for_a_new_order_shows_no_document(self):
        customer = self._customer("Banner Ltd", limit=1000)
        self._invoice(customer, self._days_ago(5), 1000)  # the exposure reaches the limit
        self._grade(customer, "D")
        banner = str(customer.with_user(self.salesperson).ar_order_verdict)
        self.assertIn("A new order for Banner Ltd would be blocked", banner)
        for text in ("Credit limit", "Credit grade D", "any new order would exceed it"):
            self.assertIn(text, banner)
        self.assertIn("a new order must be paid in full", banner)
        # the smallest amount the rules were asked about is not an order of the customer
        for text in ("this document", "this order", "0.01", "breaks"):
            self.assertNotIn(text, banner)
        # a quotation keeps its own wording, with its amount
        order = self._order(customer, 250)
        self.assertIn("this document", order.ar_credit_verdict)
        self.assertIn("250.00", order.ar_credit_verdict)

    def test_invoices_checked_when_enabled(self):
        customer = self._customer("Invoiced direct", limit=1000)
        self._invoice(customer, self._days_ago(5), 900)
        draft = self._invoice(customer, self.today, 300, post=False)
        draft.action_post()  # off by default
        self.company.ar_rule_on_invoice = True
        draft = self._invoice(customer, self.today, 300, post=False)
        self.assertTrue(draft.ar_credit_blocked)
        with self.assertRaises(UserError) as caught:
            draft.action_post()
        self.assertIn("Credit limit", str(caught.exception))
        self.assertEqual(draft.state, "draft")
        # an invoice of a confirmed order adds nothing to the exposure: not checked again
        self.company.ar_rule_limit = False
        order = self._order(customer, 50)
        self._confirm_as(self.salesperson, order)
        self.company.ar_rule_limit = True
        customer.with_company(self.company).credit_limit = 1
        invoice = order._create_invoices()
        self.assertFalse(invoice.ar_credit_blocked)
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        # a credit manager can override for an invoice too
        wizard = (
            self.env["ar.credit.override.wizard"]
            .with_user(self.manager)
            .create({"move_id": draft.id, "reason": "Paid by cheque at the counter"})
        )
        wizard.action_override()
        self.assertEqual(draft.state, "posted")
        self.assertTrue(draft.ar_credit_override_ids.used)


@tagged("post_install", "-at_install")
class TestGradeAndOverdueRules(CreditCase):
    def test_grade_d_requires_payment_in_advance(self):
        debtor = self._customer("Computed D")
        for days in (200, 170, 140):
            self._invoice(debtor, self._days_ago(days), 400)
        self._refresh(self.today, debtor)
        self.assertEqual(self._stat(debtor).grade, "D")
        order = self._order(debtor, 250)
        message = self._refused(self.salesperson, order)[0]
        self.assertIn("Credit grade D", message)
        self.assertIn("pay in advance", message)
        # paid online in full: never blocked
        provider = self.env["payment.provider"].create(
            {"name": "Test provider", "code": "none", "state": "test"}
        )
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                "amount": order.amount_total,
                "currency_id": order.currency_id.id,
                "partner_id": debtor.id,
                "reference": "AR-PAID-1",
                "sale_order_ids": [Command.set(order.ids)],
            }
        )
        tx._set_done()
        self.assertFalse(order.ar_credit_blocked)
        tx._check_amount_and_confirm_order()
        self.assertEqual(order.state, "sale")

    def test_grade_c_holds_while_items_are_old(self):
        customer = self._customer("Grade C")
        old = self._invoice(customer, self._days_ago(75), 300)  # due 45 days ago
        self._grade(customer, "C")
        order = self._order(customer, 100)
        message = self._refused(self.salesperson, order)[0]
        self.assertIn("more than 30 days past due", message)
        self.assertIn("300.00", message)
        self._pay(old, 300, self.today)
        self._confirm_as(self.salesperson, order)
        self.assertEqual(order.state, "sale")

    def test_grade_requiring_approval(self):
        self.company.ar_grade_b_action = "approval"
        customer = self._customer("Grade B")
        self._invoice(customer, self._days_ago(3), 100)
        self._grade(customer, "B")
        order = self._order(customer, 100)
        self.assertTrue(order.ar_credit_blocked)
        # a credit manager who cannot open this order (own orders only) is not asked
        blind = new_test_user(
            self.env,
            login="ar_rules_blind_manager",
            groups="sales_team.group_sale_salesman,ar_analytics.group_ar_analytics_credit_manager",
        )
        # the salesperson's refusal opens the request, which reaches the credit managers
        _message, action, button = self._refused(self.salesperson, order)
        self.assertEqual(button, "Request credit approval")
        self.assertEqual(action["res_model"], "ar.credit.approval.wizard")
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.salesperson)
            .with_context(**action["context"])
            .create({"note": "New contract signed"})
        )
        self.assertIn("Every order needs a credit manager", wizard.verdict)
        wizard.action_request()
        wizard.action_request()  # asked twice: still one activity per manager
        approval = self.env.ref("ar_analytics.mail_activity_type_credit_approval")
        requests = order.activity_ids.filtered(lambda a: a.activity_type_id == approval)
        activity = requests.filtered(lambda a: a.user_id == self.manager)
        self.assertEqual(len(activity), 1)
        self.assertFalse(order.with_user(blind).has_access("read"))
        self.assertNotIn(blind, requests.user_id)
        self.assertIn("approval", activity.summary)
        self.assertIn("New contract signed", str(activity.note))
        self.assertIn("Every order needs a credit manager", str(activity.note))
        # on the manager's to-do list, for an order the manager can open
        mine = (
            self.env["mail.activity"]
            .with_user(self.manager)
            .search([("user_id", "=", self.manager.id)])
        )
        self.assertIn(activity, mine)
        self.assertTrue(order.with_user(self.manager).has_access("read"))
        # the override confirms the order and answers the requests
        self._override(order, "Approved: new contract signed")
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.activity_ids.filtered(lambda a: a.activity_type_id == approval))
        # nothing left to approve
        with self.assertRaises(UserError):
            wizard.action_request()
        # grades A and unrated customers are allowed by default
        self._grade(customer, "A")
        self._confirm_as(self.salesperson, self._order(customer, 100))
        self._confirm_as(self.salesperson, self._order(self._customer("Brand new"), 100))

    def test_overdue_rule_days_and_amount(self):
        self.company.write({"ar_rule_grade": False, "ar_rule_overdue": True, "ar_overdue_days": 60})
        customer = self._customer("Overdue")
        self._invoice(customer, self._days_ago(100), 200)  # 70 days past due
        order = self._order(customer, 100)
        self.assertIn("70 days past due", self._refused(self.salesperson, order)[0])
        self.company.ar_overdue_days = 90
        self.assertFalse(self._order(customer, 100).ar_credit_blocked)
        self.company.ar_overdue_amount = 150
        self.assertTrue(self._order(customer, 100).ar_credit_blocked, "200 past due > 150")
        self.company.ar_overdue_amount = 250
        self._confirm_as(self.salesperson, order)
        self.assertEqual(order.state, "sale")

    def test_invalid_rule_settings_are_refused(self):
        with self.assertRaises(UserError):
            self.company.ar_overdue_days = -1
        with self.assertRaises(UserError):
            self.company.ar_grade_c_days = -5
        with self.assertRaises(UserError):
            self.company.ar_overdue_amount = -1.0


@tagged("post_install", "-at_install")
class TestUnattendedConfirmations(CreditCase):
    def test_portal_confirmation_creates_activity(self):
        customer = self._customer("Portal buyer", limit=100)
        follower = self.manager.partner_id
        order = self._order(customer, 500)
        order.message_subscribe(partner_ids=follower.ids)
        public = self.env.ref("base.public_user")
        order.with_user(public).sudo()._validate_order()
        self.assertEqual(order.state, "draft", "blocked: stays a quotation")
        users = order.activity_ids.user_id
        self.assertLessEqual(self.salesperson | self.manager, users, "salesperson and followers")
        self.assertFalse(users.filtered("share"), "internal users only")
        self.assertIn("Credit limit", str(order.activity_ids[:1].note))
        self.assertIn("customer portal", str(order.message_ids[:1].body))
        # an order within the limit is confirmed from the portal as usual
        small = self._order(customer, 50)
        small.with_user(public).sudo()._validate_order()
        self.assertEqual(small.state, "sale")

    def test_online_prepayment_of_blocked_order_is_held(self):
        customer = self._customer("Prepaying", limit=100)
        order = self._order(customer, 1000)
        order.write({"require_payment": True, "prepayment_percent": 0.3})
        provider = self.env["payment.provider"].create(
            {"name": "Test provider", "code": "none", "state": "test"}
        )
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                "amount": 300,
                "currency_id": order.currency_id.id,
                "partner_id": customer.id,
                "reference": "AR-DOWN-1",
                "sale_order_ids": [Command.set(order.ids)],
            }
        )
        tx._set_done()
        confirmed = tx._check_amount_and_confirm_order()
        self.assertFalse(confirmed)
        self.assertEqual(order.state, "draft")
        self.assertIn(self.salesperson, order.activity_ids.user_id)
        self.assertIn("online payment", str(order.message_ids[:1].body))


@tagged("post_install", "-at_install")
class TestMultiCompany(CreditCase):
    def test_order_company_rules_apply(self):
        other = self.setup_other_company(name="Credit company B")["company"]
        other.write({"account_use_credit_limit": True, "ar_rule_limit": False})
        customer = self._customer("Shared customer", limit=100)
        customer.with_company(other).credit_limit = 100
        user = new_test_user(
            self.env,
            login="ar_rules_two_companies",
            groups="sales_team.group_sale_salesman_all_leads",
            company_ids=[Command.set((self.company | other).ids)],
            company_id=other.id,
        )
        # the user works in company B; the order is company A's: A's rules and limit apply
        order_a = self._order(customer, 500, user=user)
        with self.assertRaises(RedirectWarning):
            order_a.with_user(user).with_context(
                allowed_company_ids=[other.id, self.company.id]
            ).action_confirm()
        # company B does not apply the limit rule, even from company A
        order_b = self._order(customer, 500, company=other, user=user)
        order_b.with_user(user).with_context(
            allowed_company_ids=[self.company.id, other.id]
        ).action_confirm()
        self.assertEqual(order_b.state, "sale")


@tagged("post_install", "-at_install")
class TestConcurrentConfirmations(TransactionCase):
    """Two users confirm orders for the same customer at the same moment, from two real
    database connections: together they would exceed the limit, so one must be refused.

    The data is committed (other connections must see it) in the database's main company,
    and removed afterwards; the test transaction itself writes nothing they would wait on.
    """

    SETTINGS = ("account_use_credit_limit", "ar_rule_limit", "ar_rule_grade", "ar_rule_overdue")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        release_registry_lock(cls)

    def test_concurrent_confirmations_cannot_exceed_the_limit(self):
        with committed_env(self.registry.db_name) as env:
            company = env.ref("base.main_company")
            saved = {name: company[name] for name in self.SETTINGS}
            company.write(
                {
                    "account_use_credit_limit": True,
                    "ar_rule_limit": True,
                    "ar_rule_grade": False,
                    "ar_rule_overdue": False,
                }
            )
            partner = env["res.partner"].create({"name": "AR concurrent customer"})
            partner.with_company(company).credit_limit = 1000
            product = env["product.product"].create(
                {"name": "AR concurrent product", "type": "service", "invoice_policy": "order"}
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "price_unit": 600,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for _ in range(2)
                ]
            )
            ids = orders.ids
        self.addCleanup(self._drop_committed, saved, partner.id, product.id, ids)

        barrier = threading.Barrier(2, timeout=30)
        outcomes = {}

        def confirm(order_id):
            with committed_env(self.registry.db_name) as env:
                cr = env.cr
                attempts = []

                def attempt():
                    attempts.append(1)
                    order = env["sale.order"].browse(order_id)
                    # both transactions read the exposure before either confirms
                    partner = order.partner_id.with_company(order.company_id)
                    outcomes.setdefault(("seen", order_id), partner.credit_to_invoice)
                    if len(attempts) == 1:
                        barrier.wait()
                    order.action_confirm()

                try:
                    retrying(partial(attempt), env)
                    outcomes[order_id] = ("confirmed", len(attempts))
                except UserError as error:
                    cr.rollback()
                    outcomes[order_id] = (str(error), len(attempts))

        threads = [threading.Thread(target=confirm, args=(order_id,)) for order_id in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(
            [outcomes[("seen", order_id)] for order_id in ids], [0, 0], "both read 0 first"
        )
        results = [outcomes[order_id][0] for order_id in ids]
        self.assertEqual(results.count("confirmed"), 1, outcomes)
        refused = next(result for result in results if result != "confirmed")
        self.assertIn("Credit limit", refused)
        self.assertIn("1,200.00", refused, "the refused one saw the other order")
        self.assertEqual(max(outcomes[order_id][1] for order_id in ids), 2, "one was retried")

    def _drop_committed(self, saved, partner_id, product_id, order_ids):
        with committed_env(self.registry.db_name) as env:
            env.ref("base.main_company").write(saved)
            orders = env["sale.order"].browse(order_ids).exists()
            orders.with_context(disable_cancel_warning=True)._action_cancel()
            orders.unlink()
            env["product.product"].browse(product_id).product_tmpl_id.unlink()
            env["res.partner"].browse(partner_id).unlink()
