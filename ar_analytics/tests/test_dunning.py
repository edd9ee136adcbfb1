"""Dunning (docs/metrics.md, Dunning): levels keyed to grade and tier, what a run sends and
that it sends it once, the pauses, the collector's screens, the credit hold, and the emails
received by a real SMTP server on 127.0.0.1."""

import asyncio
import datetime
import email
import socket
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import RedirectWarning, UserError, ValidationError
from odoo.sql_db import db_connect
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..models.ar_dunning_run import LOCK_KEY
from .common import ArCase
from .test_reports import render_pdf_pages


class SmtpSink:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
        asyncio.set_event_loop(None)


@tagged("post_install", "-at_install")
class DunningCase(ArCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.company.ar_dunning_auto_send = True
        cls.levels = cls.env["ar.dunning.level"].search(
            [("company_id", "=", cls.company.id)], order="days"
        )
        cls.dunning = cls.env["ar.dunning.run"]
        cls.manager = new_test_user(
            cls.env,
            login="ar_dunning_manager",
            groups="account.group_account_invoice,ar_analytics.group_ar_analytics_credit_manager",
        )
        cls.salesperson = new_test_user(
            cls.env, login="ar_dunning_sales", groups="sales_team.group_sale_salesman"
        )
        cls.collector = new_test_user(
            cls.env,
            login="ar_dunning_collector",
            name="Colin Collector",
            groups="account.group_account_invoice,ar_analytics.group_ar_analytics_user",
        )

    def _customer(self, name, email="billing@example.com"):
        return self.env["res.partner"].create(
            {"name": name, "email": email, "user_id": self.collector.id}
        )

    def _overdue(self, partner, days, amount=500.0):
        """An invoice due ``days`` ago (30-day terms), posted."""
        date = self.today - datetime.timedelta(days=days + 30)
        return self._invoice(partner, date, amount)

    def _reminders(self, partner):
        return self.env["ar.dunning.reminder"].search([("partner_id", "=", partner.id)])

    def _run(self, date=None):
        return self.dunning._run_company(self.company, date or self.today)

    def _level(self, position):
        return self.levels[position - 1]


class TestPolicy(DunningCase):
    def test_every_company_gets_the_default_policy(self):
        self.assertEqual(self.levels.mapped("days"), [-3, 7, 21, 45, 60])
        self.assertEqual(self.levels.mapped("auto"), [True, True, True, False, False])
        other = self.env["res.company"].create({"name": "Dunning Co"})
        levels = self.env["ar.dunning.level"].search([("company_id", "=", other.id)])
        self.assertEqual(sorted(levels.mapped("days")), [-3, 7, 21, 45, 60])
        self.assertTrue(all(levels.mapped("script")))

    def test_bad_levels_are_refused(self):
        levels = self.env["ar.dunning.level"]
        with self.assertRaisesRegex(ValidationError, "same days"), self.env.cr.savepoint():
            self._level(2).copy({"name": "Twin"})
        with self.assertRaisesRegex(ValidationError, "does nothing"), self.env.cr.savepoint():
            levels.create({"name": "Idle", "days": 90})
        with self.assertRaisesRegex(ValidationError, "choose its text"), self.env.cr.savepoint():
            levels.create({"name": "Mute", "days": 90, "letter": True})

    def test_a_template_that_does_not_render_is_named(self):
        template = self._level(2).mail_template_id.copy()
        # Odoo checks a template when it is saved: this one fails on the listing only
        template.body_html = "<p t-out=\"dunning and dunning[object.id]['missing']\"/>"
        self._level(2).mail_template_id = template
        self._overdue(self._customer("Broken Template"), 10)
        with self.assertRaisesRegex(UserError, "First reminder"):
            self._run()

    def test_nothing_to_do(self):
        self.assertFalse(self._run())
        process = self.env["ar.dunning.process"].with_user(self.collector).create({})
        self.assertFalse(process.line_ids)
        with self.assertRaisesRegex(UserError, "Nothing is selected"):
            process.action_send()


class TestRun(DunningCase):
    def test_one_email_per_customer_at_the_highest_level_reached(self):
        partner = self._customer("Late Ltd")
        old = self._overdue(partner, 25, 800)
        new = self._overdue(partner, 8, 200)
        reminders = self._run()
        self.assertEqual(reminders.partner_id, partner)
        self.assertRecordValues(
            reminders, [{"level_id": self._level(3).id, "email": True, "amount": 1000.0}]
        )
        lines = reminders.line_ids.sorted("days_past_due")
        self.assertEqual(lines.move_id.ids, [new.id, old.id])
        self.assertEqual(lines.mapped("days_past_due"), [8, 25])
        self.assertEqual(lines.mapped("level_days"), [7, 21])
        message = reminders.message_id
        self.assertIn(partner, message.partner_ids)
        self.assertIn(old.name, message.body)
        self.assertEqual(message.model, "res.partner")
        self.assertEqual(message.res_id, partner.id)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", message.id)])
        self.assertEqual(mail.state, "outgoing")
        # the statement is rendered when the queue sends the email
        self.assertEqual(mail.ar_statement_partner_id, partner)
        mail.send()
        self.assertEqual(message.attachment_ids.mapped("name"), ["Statement - Late Ltd.pdf"])
        state = self.env["ar.dunning.state"].search([("partner_id", "=", partner.id)])
        self.assertRecordValues(
            partner,
            [
                {
                    "ar_dunning_level_id": self._level(3).id,
                    "ar_dunning_last_date": self.today,
                    "ar_dunning_collector_id": self.collector.id,
                    "ar_dunning_next_date": self.today + datetime.timedelta(days=13),
                }
            ],
        )
        self.assertRecordValues(
            state,
            [
                {
                    "level_id": self._level(3).id,
                    "last_level_id": self._level(3).id,
                    "last_reminder_date": self.today,
                    "collector_id": self.collector.id,
                    "overdue_amount": 1000.0,
                    # the new invoice reaches +21 in 13 days
                    "next_action_date": self.today + datetime.timedelta(days=13),
                }
            ],
        )

    def test_a_second_run_the_same_day_or_later_sends_nothing_more(self):
        partner = self._customer("Once Only")
        self._overdue(partner, 10)
        self.assertEqual(len(self._run()), 1)
        self.assertFalse(self._run())
        self.assertFalse(self._run(self.today + datetime.timedelta(days=1)))
        self.assertEqual(len(self._reminders(partner)), 1)
        # the next level, when reached, is sent once
        later = self.today + datetime.timedelta(days=11)
        self.assertEqual(self._run(later).level_id, self._level(3))
        self.assertFalse(self._run(later))

    def test_first_run_on_an_old_book_does_not_replay_missed_levels(self):
        partner = self._customer("Old Debt")
        self._overdue(partner, 50)
        reminders = self._run()
        # final notice (+45) waits for review; the automatic levels below are not replayed
        self.assertFalse(reminders)
        process = self.env["ar.dunning.process"].with_user(self.collector).create({})
        self.assertEqual(process.line_ids.level_id, self._level(4))
        process.action_send()
        self.assertEqual(self._reminders(partner).level_id, self._level(4))

    def test_grade_offsets_and_the_call_first_tier(self):
        good = self._customer("Good Payer")
        bad = self._customer("Bad Payer")
        self._overdue(good, 10, 100)
        self._overdue(bad, 2, 100)
        self._refresh(self.today)
        expiry = self.today + datetime.timedelta(days=30)
        self._override_grade(good, "A", self.manager, expiry)
        self._override_grade(bad, "D", self.manager, expiry)
        plan = self.dunning._plan(self.company, self.today)
        out = plan["customers"]
        self.assertEqual(out.loc[good.id, "send_level"], 1)  # +7 moves to +14 for A
        self.assertEqual(out.loc[bad.id, "send_level"], 2)  # +7 moves to +1 for D
        self.assertEqual(out.loc[bad.id, "amount_at_risk"], 100.0)
        self.assertEqual(out.loc[good.id, "amount_at_risk"], 25.0)
        # every customer is core in a one-customer book: its first contact is a call
        self.company.ar_dunning_call_general = True
        self.company.ar_dunning_call_core = True
        self.company.ar_dunning_call_important = True
        reminders = self._run()
        self.assertEqual(set(reminders.mapped("channel")), {"call"})
        self.assertFalse(reminders.filtered("email"))
        activity = good.activity_ids.filtered(lambda a: a.activity_type_id.category == "phonecall")
        self.assertEqual(activity.user_id, self.collector)
        self.assertEqual(activity.note.striptags().strip(), self._level(1).script)

    def test_dispute_and_promise_pause_and_a_broken_promise_resumes_higher(self):
        grace = self.company.ar_promise_grace_days
        tomorrow = self.today + datetime.timedelta(days=1)
        # reminded at the second level, then a promise that was not kept
        broken = self._customer("Promise Breaker")
        late = self._overdue(broken, 20)
        start = self.today - datetime.timedelta(days=6 + grace)
        self.assertEqual(self._run(start).level_id, self._level(2))
        promised_on = start + datetime.timedelta(days=1)
        late.write({"ar_promise_date": promised_on, "ar_promise_amount": 500.0})
        self.assertEqual(late.ar_promise_status, "broken")
        disputed = self._customer("Disputer")
        invoice = self._overdue(disputed, 10)
        invoice.ar_overdue_reason_id = self.env.ref("ar_analytics.ar_overdue_reason_dispute")
        pending = self._customer("Promiser")
        promise = self._overdue(pending, 10)
        promise.write({"ar_promise_date": tomorrow, "ar_promise_amount": 500.0})
        # the broken promise resumes at the next level (20 days past due, under +21) ...
        sent = self._run()
        self.assertEqual(sent.partner_id, broken)
        self.assertEqual(sent.level_id, self._level(3))
        # ... once; the dispute and the pending promise are not reminded
        state = self.env["ar.dunning.state"].search([("partner_id", "=", pending.id)])
        self.assertEqual(state.next_action_date, tomorrow + datetime.timedelta(days=grace + 1))
        self.assertEqual(state.promise_count, 1)
        invoice.ar_overdue_reason_id = False
        self.assertEqual(self._run(tomorrow).partner_id, disputed)

    def test_a_level_can_attach_the_invoices(self):
        self._level(2).attach_invoices = True
        partner = self._customer("Invoices Attached")
        invoice = self._overdue(partner, 10)
        reminder = self._run()
        names = reminder.message_id.attachment_ids.mapped("name")
        self.assertEqual(names, [f"{invoice.name.replace('/', '_')}.pdf"])
        # the statement follows when the queue sends the email
        self.assertEqual(reminder.message_id.mail_ids.ar_statement_partner_id, partner)

    def test_no_email_address_falls_back_to_a_letter(self):
        partner = self._customer("Paper Only", email=False)
        self._overdue(partner, 10)
        reminders = self._run()
        self.assertRecordValues(
            reminders, [{"email": False, "letter": True, "no_email": True, "channel": "letter"}]
        )
        self.assertFalse(reminders.message_id)

    def test_letters_print_as_one_pdf(self):
        partners = [self._customer(f"Letter {n}", email=False) for n in range(2)]
        for partner in partners:
            self._overdue(partner, 10)
        reminders = self._run()
        pages = render_pdf_pages(self, "ar_analytics.action_report_dunning_letter", reminders.ids)
        # each letter is followed by its customer's statement
        self.assertEqual(len(pages), 4)
        text = " ".join(pages)
        self.assertIn("Statement of account", pages[1])
        for partner in partners:
            self.assertIn(partner.name, text)
        self.assertIn("First reminder", text)

    def test_credit_hold_blocks_new_orders_once_the_notice_is_sent(self):
        partner = self._customer("Held Ltd")
        self._overdue(partner, 50, 300)
        self._run()
        state = self.env["ar.dunning.state"].search([("partner_id", "=", partner.id)])
        self.assertEqual(state.level_id, self._level(4))
        self.assertFalse(state.hold)  # reached, but the notice that says so is not sent
        process = self.env["ar.dunning.process"].create({})
        process.action_send()
        self.assertTrue(state.hold)
        product = self.env["product.product"].create({"name": "Widget", "list_price": 10})
        order = (
            self.env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "user_id": self.salesperson.id,
                    "order_line": [Command.create({"product_id": product.id, "price_unit": 10})],
                }
            )
        )
        with self.assertRaisesRegex(RedirectWarning, "Final notice"):
            order.with_user(self.salesperson).action_confirm()
        # paid: back below the level, the hold ends
        self._pay(
            self.env["account.move"].search([("partner_id", "=", partner.id)]), 300, self.today
        )
        self._run()
        self.assertFalse(state.hold)
        order.with_user(self.salesperson).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_a_run_that_dies_sends_nothing_and_the_rerun_sends_once(self):
        partners = [self._customer(f"Crash {n}") for n in range(3)]
        for partner in partners:
            self._overdue(partner, 25)
        to_customers = [("recipient_ids", "in", [p.id for p in partners])]
        mails = self.env["mail.mail"].search_count(to_customers)
        with (
            patch.object(type(self.dunning), "_activities", side_effect=RuntimeError("killed")),
            self.assertRaises(RuntimeError),
            self.env.cr.savepoint(),
        ):
            self._run()
        self.env.invalidate_all()
        self.assertFalse(self.env["ar.dunning.reminder"].search([]))
        self.assertEqual(self.env["mail.mail"].search_count(to_customers), mails)
        self.assertEqual(len(self._run()), 3)
        self.assertEqual(self.env["mail.mail"].search_count(to_customers), mails + 3)

    def test_a_run_started_while_another_runs_sends_nothing(self):
        partner = self._customer("Raced")
        self._overdue(partner, 10)
        self.env.flush_all()
        other = db_connect(self.env.cr.dbname).cursor()
        try:
            # another run of the company holds its lock in its own transaction
            other.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", LOCK_KEY, self.company.id))
            self.assertIsNone(self._run())
            with self.assertRaisesRegex(UserError, "under way"):
                self.dunning.run_now()
            process = self.env["ar.dunning.process"].create({})
            with self.assertRaisesRegex(UserError, "under way"):
                process.action_send()
        finally:
            other.rollback()
            other.close()
        self.assertEqual(len(self._run()), 1)

    def test_one_reminder_a_day_is_enforced_by_the_database(self):
        partner = self._customer("Twice")
        self._overdue(partner, 10)
        reminder = self._run()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(Exception),  # noqa: B017 - psycopg2's UniqueViolation
            self.env.cr.savepoint(),
        ):
            reminder.copy({"line_ids": []})
            self.env.flush_all()


class TestStatementsAndEffect(DunningCase):
    def test_periodic_statements_once_per_period_with_opt_out(self):
        self.company.ar_statement_period = "month"
        wanted = self._customer("Statement Wanted")
        opted_out = self._customer("Statement Declined")
        opted_out.ar_statement_opt_out = True
        no_email = self._customer("Statement No Email", email=False)
        paid_up = self._customer("Statement Paid Up")
        for partner in (wanted, opted_out, no_email):
            self._overdue(partner, -10)  # not due yet: no reminder, but open
        settled = self._overdue(paid_up, -10)
        self._pay(settled, settled.amount_total, self.today)
        statements = self.env["ar.dunning.statement"]
        self._run()
        sent = statements.search([("company_id", "=", self.company.id)])
        self.assertEqual(sent.partner_id, wanted)
        self.assertEqual(sent.period, self.today.replace(day=1))
        self.assertEqual(sent.amount, 500.0)
        self.assertEqual(sent.message_id.mail_ids.ar_statement_partner_id, wanted)
        self.assertIn(wanted, sent.message_id.partner_ids)
        # later in the period: nothing more; the next period: again
        self._run(self.today + datetime.timedelta(days=1))
        self.assertEqual(len(statements.search([("company_id", "=", self.company.id)])), 1)
        next_month = (self.today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        self._run(next_month)
        again = statements.search(
            [("company_id", "=", self.company.id), ("period", "=", next_month)]
        )
        self.assertEqual(again.partner_id, wanted)

    def test_effectiveness_figures_of_a_known_book(self):
        # docs/metrics.md vector: 600 and 400 reminded, 300 paid after 4 days, 400 after 19
        partner = self._customer("Effect Ltd")
        reminded_on = self.today - datetime.timedelta(days=40)
        first = self._invoice(partner, reminded_on - datetime.timedelta(days=40), 600)
        second = self._invoice(partner, reminded_on - datetime.timedelta(days=40), 400)
        reminder = self._run(reminded_on)
        self.assertEqual(reminder.amount, 1000.0)
        second.write(
            {"ar_promise_date": reminded_on + datetime.timedelta(days=1), "ar_promise_amount": 400}
        )
        self._pay(first, 300, reminded_on + datetime.timedelta(days=4))
        self._pay(second, 400, reminded_on + datetime.timedelta(days=19))
        self._run()
        effect = self.env["ar.dunning.effect"].search(
            [("company_id", "=", self.company.id), ("month", "=", reminded_on.replace(day=1))]
        )
        self.assertRecordValues(
            effect.filtered("reminders"),
            [
                {
                    "level_id": self._level(2).id,
                    "collector_id": self.collector.id,
                    "reminders": 1,
                    "amount": 1000.0,
                    "paid_7": 300.0,
                    "paid_30": 700.0,
                    "share_7": 0.3,
                    "share_14": 0.3,
                    "share_30": 0.7,
                    "days_to_pay": 4.0,
                }
            ],
        )
        every = self.env["ar.dunning.effect"].search([("company_id", "=", self.company.id)])
        self.assertEqual(sum(every.mapped("promises")), 1)
        self.assertEqual(sum(every.mapped("kept")), 1)


class TestCollector(DunningCase):
    def test_worklist_call_outcome_writes_the_promise(self):
        partner = self._customer("Caller Ltd")
        invoice = self._overdue(partner, 25)
        self.company.ar_dunning_auto_send = False
        self._run()
        state = self.env["ar.dunning.state"].search([("partner_id", "=", partner.id)])
        self.assertEqual(state.next_action_date, self.today)
        worklist = self.env["ar.dunning.state"].with_user(self.collector)
        due = worklist.search(
            [("collector_id", "=", self.collector.id), ("next_action_date", "<=", self.today)]
        )
        self.assertEqual(due, state)
        promised = self.today + datetime.timedelta(days=5)
        action = state.with_user(self.collector).action_log_call()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.collector)
            .with_context(**action["context"])
            .create({"outcome": "promise", "promise_date": promised})
        )
        self.assertEqual(wizard.move_ids, invoice)
        wizard.action_log()
        self.assertEqual(invoice.ar_promise_date, promised)
        self.assertEqual(invoice.ar_promise_amount, 500.0)
        grace = self.company.ar_promise_grace_days
        self.assertEqual(state.next_action_date, promised + datetime.timedelta(days=grace + 1))
        self.assertIn("promise to pay", partner.message_ids[0].body)
        # the nightly run keeps the collector's date and sends nothing during the promise
        self._run()
        self.assertEqual(state.next_action_date, promised + datetime.timedelta(days=grace + 1))

    def test_the_worklist_is_the_collectors_own_and_everyones_for_managers(self):
        states = self.env["ar.dunning.state"]
        mine = states.with_user(self.collector).action_open_worklist()["context"]
        everyone = states.with_user(self.manager).action_open_worklist()["context"]
        self.assertEqual((mine["search_default_mine"], mine["search_default_due"]), (1, 1))
        self.assertEqual((everyone["search_default_mine"], everyone["search_default_due"]), (0, 1))

    def test_process_screen_previews_and_sends_the_selection(self):
        first = self._customer("Preview One")
        second = self._customer("Preview Two")
        self._overdue(first, 10)
        self._overdue(second, 10)
        self.company.ar_dunning_auto_send = False
        self.assertFalse(self._run())
        action = self.env["ar.dunning.process"].with_user(self.collector).action_open()
        process = self.env["ar.dunning.process"].with_user(self.collector).browse(action["res_id"])
        self.assertEqual(set(process.line_ids.partner_id.ids), {first.id, second.id})
        line = process.line_ids.filtered(lambda l: l.partner_id == first)
        self.assertIn("First reminder", line.preview_subject)
        self.assertIn(first.name, line.preview)
        process.line_ids.filtered(lambda l: l.partner_id == second).selected = False
        process.action_send()
        self.assertTrue(self._reminders(first))
        self.assertFalse(self._reminders(second))

    def test_salesperson_sees_the_level_not_the_log(self):
        partner = self._customer("Seen Level")
        self._overdue(partner, 10)
        self._run()
        salesperson = self.salesperson
        self.assertEqual(partner.with_user(salesperson).ar_dunning_level_id, self._level(2))
        with self.assertRaises(Exception):  # noqa: B017 - AccessError
            self.env["ar.dunning.reminder"].with_user(salesperson).search([])


@tagged("post_install", "-at_install")
class TestSmtp(DunningCase):
    def test_the_smtp_server_receives_each_email_once_with_its_statement(self):
        partners = [self._customer(f"Smtp {n}", email=f"ap{n}@example.com") for n in range(3)]
        for partner in partners:
            self._overdue(partner, 10)
        with SmtpSink() as sink:
            self.env["ir.mail_server"].create(
                {
                    "name": "sink",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": sink.port,
                    "smtp_encryption": "none",
                }
            )
            server = type(self.env["ir.mail_server"])
            # real PDFs, whose stylesheets wkhtmltopdf cannot fetch here (test_reports.py)
            if not type(self)._registry_patched:
                self.registry_enter_test_mode()
            self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:1")
            queue = self.env["mail.mail"].with_context(force_report_rendering=True)
            with patch.object(server, "_disable_send", return_value=False):
                self.dunning._run_company(self.company, self.today)
                self.dunning._run_company(self.company, self.today)
                queue.process_email_queue()
                queue.process_email_queue()
        received = {tuple(rcpt): message for rcpt, message in sink.messages}
        self.assertEqual(len(sink.messages), 3)
        self.assertEqual(sorted(received), [(f"ap{n}@example.com",) for n in range(3)])
        for message in received.values():
            pdfs = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
            self.assertEqual(len(pdfs), 1)
            self.assertTrue(pdfs[0].get_payload(decode=True).startswith(b"%PDF"))
            self.assertIn("First reminder", message["Subject"])
