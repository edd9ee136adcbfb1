"""The receivables book generator: realistic, deterministic, and its behaviours recoverable."""

import datetime

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.ar_analytics_demo.generator.book import DIRECT_CODE
from odoo.addons.ar_analytics_demo.generator.plan import (
    BEHAVIOURS,
    SETTLEMENTS,
    STOP_PAYING_DAYS,
    make_plan,
)

from .common import BOOK_END, BookCase


@tagged("post_install", "-at_install")
class TestBook(BookCase):
    def _late_by_customer(self, company):
        """Cash-weighted mean of (payment date - installment due date) per customer, straight
        from the reconciliations with payments and bank statement lines (independent of the
        engine)."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT partner.ref,
                   SUM(part.amount * (pay_line.date - item.date_maturity)) / SUM(part.amount)
              FROM account_partial_reconcile part
              JOIN account_move_line item ON item.id = part.debit_move_id
              JOIN account_move inv ON inv.id = item.move_id AND inv.move_type = 'out_invoice'
              JOIN account_move_line pay_line ON pay_line.id = part.credit_move_id
              JOIN account_move pay ON pay.id = pay_line.move_id
              JOIN res_partner partner ON partner.id = inv.commercial_partner_id
             WHERE (pay.origin_payment_id IS NOT NULL OR pay.statement_line_id IS NOT NULL)
               AND item.company_id = %s
             GROUP BY partner.ref
            """,
                company.id,
            )
        )
        return dict(rows)

    def test_plan_is_deterministic(self):
        again = make_plan("test", seed=self.book_seed, end=BOOK_END)
        self.assertEqual(
            [(i.key, i.date, i.lines, i.delays) for i in again.invoices],
            [(i.key, i.date, i.lines, i.delays) for i in self.plan.invoices],
        )
        other = make_plan("test", seed=self.book_seed + 1, end=BOOK_END)
        self.assertNotEqual(
            [i.delays for i in other.invoices], [i.delays for i in self.plan.invoices]
        )

    def test_every_behaviour_is_present(self):
        self.assertEqual({c.behaviour for c in self.plan.customers}, set(BEHAVIOURS))

    def test_behaviours_recoverable_from_reconciliations(self):
        late = self._late_by_customer(self.company_a)
        by_behaviour = {}
        for customer in self.plan.customers:
            if customer.company in ("main", "both") and customer.key in late:
                by_behaviour.setdefault(customer.behaviour, []).append(late[customer.key])
        mean = {b: sum(v) / len(v) for b, v in by_behaviour.items()}
        self.assertGreater(mean["chronic"], 20)
        self.assertLessEqual(mean["prompt"], 2)
        self.assertLess(mean["early"], 0)
        self.assertGreater(mean["slightly_late"], 2)
        self.assertLess(mean["slightly_late"], 20)

    def test_deteriorating_customer_gets_later(self):
        customer = next(c for c in self.plan.customers if c.behaviour == "deteriorating")
        partner = self.book.partners[customer.key]
        rows = self.env.execute_query(
            SQL(
                """
            SELECT pay_line.date < %s AS early_half, AVG(pay_line.date - item.date_maturity)
              FROM account_partial_reconcile part
              JOIN account_move_line item ON item.id = part.debit_move_id
              JOIN account_move_line pay_line ON pay_line.id = part.credit_move_id
              JOIN account_move pay ON pay.id = pay_line.move_id
             WHERE (pay.origin_payment_id IS NOT NULL OR pay.statement_line_id IS NOT NULL)
               AND item.partner_id = %s
             GROUP BY 1
            """,
                self.plan.start + (BOOK_END - self.plan.start) / 2,
                partner.id,
            )
        )
        halves = dict(rows)
        self.assertGreater(halves[False] - halves[True], 10)

    def test_stopper_has_stopped(self):
        customer = next(c for c in self.plan.customers if c.behaviour == "stopper")
        partner = self.book.partners[customer.key]
        payments = self.env["account.payment"].search([("partner_id", "=", partner.id)])
        self.assertTrue(payments, "paid while it was still paying")
        # invoices dated in the last STOP_PAYING_DAYS are never paid; earlier ones are paid
        # promptly, at most a payment term (60 days) and a few days after their date
        quiet_since = BOOK_END - datetime.timedelta(days=STOP_PAYING_DAYS - 65)
        self.assertLess(max(payments.mapped("date")), quiet_since)
        unpaid = self.env["account.move"].search(
            [
                ("partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "=", "not_paid"),
            ]
        )
        self.assertTrue(unpaid)

    def test_book_has_every_kind_of_document(self):
        moves = self.env["account.move"].browse([m.id for m in self.book.moves.values()])
        receivable = moves.line_ids.filtered(
            lambda l: l.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(
            any(
                len(m.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable"))
                > 1
                for m in moves
            ),
            "an invoice with installments",
        )
        self.assertIn("cancel", moves.mapped("state"))
        self.assertTrue(moves.filtered(lambda m: m.reversal_move_ids), "a reversed invoice")
        self.assertTrue(
            self.env["account.move"].search_count(
                [
                    ("move_type", "=", "out_refund"),
                    ("company_id", "=", self.company_a.id),
                    ("reversed_entry_id", "!=", False),
                    ("state", "=", "posted"),
                ]
            )
        )
        foreign = moves.filtered(lambda m: m.currency_id != m.company_id.currency_id)
        self.assertTrue(foreign, "invoices in a foreign currency")
        exchange = self.env["account.partial.reconcile"].search(
            [("exchange_move_id", "!=", False), ("company_id", "=", self.company_a.id)]
        )
        self.assertTrue(exchange, "exchange differences booked")
        self.assertTrue(
            self.env["account.move"].search_count(
                [
                    ("move_type", "=", "entry"),
                    ("ref", "=like", "Write-off%"),
                    ("state", "=", "posted"),
                ]
            )
        )
        partial = receivable.filtered(lambda l: l.matched_credit_ids and not l.reconciled)
        self.assertTrue(partial, "a partially paid installment")
        unapplied = self.env["account.move.line"].search(
            [
                ("company_id", "=", self.company_a.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("amount_residual", "<", 0),
                ("reconciled", "=", False),
            ]
        )
        self.assertTrue(unapplied, "an unreconciled payment (unapplied credit)")
        # Odoo's default bank journal: the wizard's payments wait on the outstanding receipts
        # account for a bank line that never comes in Community, and are paid all the same
        unmatched = self.env["account.payment"].search(
            [
                ("company_id", "=", self.company_a.id),
                ("journal_id", "=", self.bank.id),
                ("is_matched", "=", False),
                ("state", "=", "paid"),
            ]
        )
        self.assertTrue(unmatched, "a paid payment never matched with the bank")
        self.assertNotIn(self.bank.default_account_id, unmatched.outstanding_account_id)
        grouped = unmatched.filtered(lambda p: len(p.reconciled_invoice_ids) > 1)
        self.assertTrue(grouped, "one payment for several invoices")
        self.assertEqual(len(grouped[0].reconciled_invoice_ids.partner_id), 1)

    def test_second_company_has_its_own_customers(self):
        moves_b = self.env["account.move"].search(
            [
                ("company_id", "=", self.company_b.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
            ]
        )
        self.assertTrue(moves_b)
        shared = next(c for c in self.plan.customers if c.company == "both")
        partner = self.book.partners[shared.key]
        self.assertIn(partner, moves_b.partner_id)
        late_b = self._late_by_customer(self.company_b)
        late_a = self._late_by_customer(self.company_a)
        self.assertGreater(late_b[shared.key], 20, "the shared customer is chronic with company B")
        self.assertLessEqual(late_a[shared.key], 2, "and prompt with company A")

    # -- the ways a payment reaches the books (plan.SETTLEMENTS) ---------------------------------
    def _cash_lines(self, item):
        """The lines of payments and bank statement lines reconciled with a receivable item."""
        return item.matched_credit_ids.credit_move_id.filtered(
            lambda l: l.move_id.origin_payment_id or l.move_id.statement_line_id
        )

    def _check_way(self, way, counterparts):
        payments = counterparts.move_id.origin_payment_id
        if way == "statement":
            self.assertFalse(payments)
            self.assertTrue(all(counterparts.move_id.mapped("statement_line_id.is_reconciled")))
            return
        self.assertEqual(len(payments), len(counterparts.move_id))
        self.assertEqual(set(payments.mapped("state")), {"paid"})
        if way == "bank_direct":
            self.assertEqual(payments.journal_id.code, DIRECT_CODE)
            self.assertEqual(
                payments.outstanding_account_id, payments.journal_id.default_account_id
            )
            self.assertTrue(all(payments.mapped("is_matched")))
        else:
            self.assertEqual(payments.journal_id, self.bank)
            self.assertNotEqual(payments.outstanding_account_id, self.bank.default_account_id)
            self.assertFalse(any(payments.mapped("is_matched")))

    def test_each_way_of_paying_gives_the_paid_invoices_their_figures(self):
        """Whichever way the cash came in (the wizard on Odoo's default bank journal, a
        journal booking receipts straight to the bank, a bank statement line), a paid invoice
        gets its payment date, days to pay and days late from its last cash, and is paid by
        cash in full."""
        self._refresh(BOOK_END, company=self.company_a)
        for way in SETTLEMENTS:
            keys = {c.key for c in self.plan.customers if c.settlement == way}
            moves = [
                self.book.moves[i.key]
                for i in self.plan.invoices
                if i.customer in keys and i.company == "main" and not i.refund_share
            ]
            paid = (
                self.env["account.move"]
                .concat(*moves)
                .filtered(lambda m: m.payment_state == "paid" and not m.ar_writeoff_share)
            )
            self.assertTrue(paid, way)
            for invoice in paid:
                cash = {item: self._cash_lines(item) for item in self._receivable(invoice)}
                counterparts = self.env["account.move.line"].concat(*cash.values())
                self._check_way(way, counterparts)
                last = max(counterparts.mapped("date"))
                late = max(
                    (max(lines.mapped("date")) - item.date_maturity).days
                    for item, lines in cash.items()
                )
                self.assertRecordValues(
                    invoice,
                    [
                        {
                            "ar_payment_date": last,
                            "ar_days_to_pay": (last - invoice.invoice_date).days,
                            "ar_days_late": late,
                            "ar_cash_share": 1.0,
                            "ar_pending_share": 0.0,
                        }
                    ],
                )

    # -- figures on the book (metrics.md sections 0-1) ------------------------------------------
    def _odoo_open_balance(self, company, as_of=None):
        """Odoo's own open receivable balance per commercial partner."""
        rows = self.env.execute_query(
            SQL(
                """
            SELECT COALESCE(p.commercial_partner_id, l.partner_id), SUM(l.amount_residual)
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              LEFT JOIN res_partner p ON p.id = l.partner_id
             WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
               AND l.company_id = %s
             GROUP BY 1
            """,
                company.id,
            )
        )
        return {partner: total for partner, total in rows if round(total, 2)}

    def test_aging_equals_odoo_open_balance_per_customer_and_company(self):
        for company in (self.company_a, self.company_b):
            self._refresh(BOOK_END, company=company)
            stats = self.env["ar.customer.stat"].search([("company_id", "=", company.id)])
            self.assertTrue(stats)
            odoo_balance = self._odoo_open_balance(company)
            ours = {}
            for stat in stats:
                # the aging rows hold the unapplied credits too: they add up to the ledger
                rows = sum(stat.aging_ids.mapped("amount"))
                self.assertAlmostEqual(rows, stat.total_ar, places=2)
                if round(stat.total_ar, 2):
                    ours[stat.partner_id.id] = stat.total_ar
            self.assertEqual(set(ours), set(odoo_balance), company.name)
            for partner, total in odoo_balance.items():
                self.assertAlmostEqual(ours[partner], total, places=2, msg=(company.name, partner))

    def test_item_invariant_on_the_whole_book(self):
        """booked = cash + pending + credit noted + adjusted + fx + residual, and the residual
        matches Odoo's own (in the item's currency, valued at the booking rate)."""
        from .. import engine

        refresh = self.env["ar.refresh"]
        items, allocs = refresh._extract(self.company_a, BOOK_END)
        settled = engine.settle(items, allocs, BOOK_END)
        parts = settled[["cash", "pending", "credit_noted", "adjusted", "fx", "residual"]].sum(
            axis=1
        )
        self.assertLess((settled["balance"] - parts).abs().max(), 0.005)
        lines = self.env["account.move.line"].browse(settled["item_id"].tolist())
        odoo_residual = {
            line.id: (
                line.amount_residual_currency * line.balance / line.amount_currency
                if line.amount_currency
                else line.amount_residual
            )
            for line in lines
        }
        diff = (settled["residual"] - settled["item_id"].map(odoo_residual)).abs()
        self.assertLess(diff.max(), 0.01)
        kinds = {
            column: settled[column].abs().sum() > 0
            for column in ("cash", "credit_noted", "adjusted")
        }
        self.assertTrue(all(kinds.values()), kinds)
        # Community: Odoo calls every registered payment paid, nothing awaits the bank
        self.assertEqual(settled["pending"].abs().sum(), 0.0)

    def test_aging_as_of_a_past_date_equals_a_recomputation_from_scratch(self):
        past = BOOK_END.replace(month=2, day=15)
        self._refresh(past)
        # from scratch: the items that existed then, minus what was allocated to them by then
        rows = self.env.execute_query(
            SQL(
                """
            WITH items AS (
                SELECT l.id, COALESCE(p.commercial_partner_id, l.partner_id) AS partner,
                       l.balance, l.date_maturity
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id
                  LEFT JOIN res_partner p ON p.id = l.partner_id
                 WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
                   AND l.company_id = %(company)s AND l.date <= %(past)s
                   AND l.currency_id = %(currency)s
            ), allocated AS (
                SELECT i.id, SUM(CASE WHEN part.debit_move_id = i.id THEN part.amount
                                      ELSE -part.amount END) AS amount
                  FROM items i
                  JOIN account_partial_reconcile part
                    ON i.id IN (part.debit_move_id, part.credit_move_id)
                 WHERE part.max_date <= %(past)s
                 GROUP BY i.id
            )
            SELECT i.partner,
                   SUM(i.balance - COALESCE(al.amount, 0))
                       FILTER (WHERE i.balance - COALESCE(al.amount, 0) > 0.005
                               AND %(past)s - i.date_maturity BETWEEN 1 AND 30)
              FROM items i LEFT JOIN allocated al ON al.id = i.id
             GROUP BY i.partner
            """,
                company=self.company_a.id,
                past=past,
                currency=self.company_a.currency_id.id,
            )
        )
        scratch = {partner: total or 0.0 for partner, total in rows}
        foreign = {p.id for c, p in self.book.partners.items() if self.plan.customer(c).foreign}
        bucket = self.env["ar.aging.bucket"].search(
            [("company_id", "=", self.company_a.id), ("name", "=", "1-30")]
        )
        compared = 0
        for stat in self.env["ar.customer.stat"].search([("company_id", "=", self.company_a.id)]):
            if stat.partner_id.id in foreign:
                continue
            ours = sum(stat.aging_ids.filtered(lambda a: a.bucket_id == bucket).mapped("amount"))
            self.assertAlmostEqual(ours, scratch.get(stat.partner_id.id, 0.0), places=2)
            compared += bool(ours)
        self.assertGreater(compared, 0)

    def test_same_customer_two_companies_two_sets_of_figures(self):
        shared = self.book.partners[next(c.key for c in self.plan.customers if c.company == "both")]
        self._refresh(BOOK_END, company=self.company_a)
        self._refresh(BOOK_END, company=self.company_b)
        stat_a, stat_b = self._stat(shared, self.company_a), self._stat(shared, self.company_b)
        self.assertTrue(stat_a and stat_b)
        self.assertGreater(stat_b.days_late, 20)
        self.assertLess(stat_a.days_late, 3)
        # a user of company A alone sees A's figures only
        user = self.env["res.users"].create(
            {
                "name": "Company A accountant",
                "login": "ar_a_accountant",
                "company_id": self.company_a.id,
                "company_ids": [(6, 0, self.company_a.ids)],
                "group_ids": [(6, 0, [self.env.ref("account.group_account_invoice").id])],
            }
        )
        visible = (
            self.env["ar.customer.stat"].with_user(user).search([("partner_id", "=", shared.id)])
        )
        self.assertEqual(visible, stat_a)

    def test_chronic_payers_are_slower_than_prompt_ones_in_the_figures(self):
        self._refresh(BOOK_END, company=self.company_a)
        by_behaviour = {}
        for c in self.plan.customers:
            stat = self._stat(self.book.partners[c.key], self.company_a)
            if stat and stat.has_behaviour:
                by_behaviour.setdefault(c.behaviour, []).append(stat.days_late)
        self.assertGreater(min(by_behaviour["chronic"]), max(by_behaviour["prompt"]))

    def test_aging_per_currency_matches_odoo_residual_in_currency(self):
        from .. import engine

        result = self.env["ar.refresh"]._compute(self.company_a, BOOK_END)
        by_currency = engine.aging_by_currency(result["items"], result["settings"].buckets)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT COALESCE(p.commercial_partner_id, l.partner_id), l.currency_id,
                   SUM(l.amount_residual_currency)
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              LEFT JOIN res_partner p ON p.id = l.partner_id
             WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
               AND l.company_id = %s AND l.currency_id != %s
             GROUP BY 1, 2
            """,
                self.company_a.id,
                self.company_a.currency_id.id,
            )
        )
        self.assertTrue(rows, "the book has foreign-currency receivables")
        for partner, currency, residual in rows:
            ours = by_currency["total"].get((partner, currency), 0.0)
            self.assertAlmostEqual(ours, residual, places=2)

    # -- scores and tiers on the book (metrics.md sections 4-5) ----------------------------------
    def test_grades_follow_the_behaviours(self):
        self._refresh(BOOK_END, company=self.company_a)
        stats = {}
        for c in self.plan.customers:
            if c.company == "main":
                stat = self._stat(self.book.partners[c.key], self.company_a)
                stats.setdefault(c.behaviour, []).append(stat)
        grades = {b: {s.grade for s in group} for b, group in stats.items()}
        self.assertLessEqual(grades["prompt"] | grades["early"], {"A", "B"}, grades)
        self.assertLessEqual(grades["stopper"] | grades["partial"], {"C", "D"}, grades)
        # a chronic payer with a clean ledger on the day is still never an A, and always
        # scores below every prompt, early or slightly late payer
        self.assertNotIn("A", grades["chronic"], grades)
        good = [s.credit_score for b in ("prompt", "early", "slightly_late") for s in stats[b]]
        self.assertLess(max(s.credit_score for s in stats["chronic"]), min(good))

    def test_same_customer_two_companies_two_grades(self):
        shared = self.book.partners[next(c.key for c in self.plan.customers if c.company == "both")]
        self._refresh(BOOK_END, company=self.company_a)
        self._refresh(BOOK_END, company=self.company_b)
        grade_a = self._stat(shared, self.company_a).grade
        grade_b = self._stat(shared, self.company_b).grade
        self.assertIn(grade_a, ("A", "B"))
        self.assertIn(grade_b, ("C", "D"))
        self.assertEqual(shared.with_company(self.company_a).ar_credit_grade, grade_a)
        self.assertEqual(shared.with_company(self.company_b).ar_credit_grade, grade_b)

    def test_tiers_and_concentration(self):
        self._refresh(BOOK_END, company=self.company_a)
        stats = self.env["ar.customer.stat"].search([("company_id", "=", self.company_a.id)])
        tiers = {s.tier for s in stats}
        self.assertEqual(tiers, {"core", "important", "general"})
        shares = sum(s.revenue_share for s in stats if s.revenue > 0)
        self.assertAlmostEqual(shares, 1.0, places=6)

    def test_refresh_of_some_customers_ranks_them_among_all(self):
        """An incremental refresh (a payment, a posting) of a few customers ranks them among
        the company's other customers as stored, not among themselves: the same tier, rank,
        shares and RFM scores as the full refresh."""
        ranked = [
            "tier",
            "revenue_rank",
            "revenue_share",
            "margin_share",
            "cumulative_share_before",
            "recency_days",
            "frequency",
            "r_score",
            "f_score",
            "m_score",
        ]
        self._refresh(BOOK_END, company=self.company_a)
        stats = self.env["ar.customer.stat"].search(
            [("company_id", "=", self.company_a.id)], order="revenue_rank"
        )
        by_tier = {}
        for stat in stats:
            by_tier.setdefault(stat.tier, stat)
        self.assertEqual(set(by_tier), {"core", "important", "general"})
        some = self.env["ar.customer.stat"].union(*by_tier.values())
        full = some.read(ranked)
        self._refresh(BOOK_END, partners=some.partner_id, company=self.company_a)
        some.invalidate_recordset()
        for before, after in zip(full, some.read(ranked), strict=True):
            for field in ranked:
                self.assertAlmostEqual(after[field], before[field], places=9, msg=field)
        self.assertEqual(by_tier["general"].tier, "general")

    def test_backtest_on_the_book(self):
        result = self.env["ar.backtest"]._backtest(self.company_a, horizon_days=120, as_of=BOOK_END)
        self.assertGreater(result["customers"], 5)
        self.assertGreater(result["spearman"], 0, "good grades then, fewer days late since")
        self.assertEqual(self.company_a.ar_backtest_customers, result["customers"])
