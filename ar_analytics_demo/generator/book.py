"""Materialise a book plan through Odoo's ORM.

Everything goes through the documents and wizards a user works with, on Odoo's default
configuration: customer invoices posted with real payment terms (installments included), credit
notes and full reversals made with the reversal wizard, payments registered with the Register
payment wizard on the plan's dates (partial ones, and one payment for several invoices of a
customer, too) on the bank journal as Odoo creates it (receipts on the outstanding receipts
account), write-offs booked as miscellaneous entries and reconciled, invoices in a foreign
currency paid at another rate (Odoo books the exchange difference), cancellations, advances
never applied, and a second company. Some customers' payments take the other ways Odoo offers
(``plan.SETTLEMENTS``): a bank journal that books receipts straight to the bank account, and
bank statement lines matched with the invoices.

Used by the tests (small books, seconds) and the demo command; benchmark books reuse the plan
with set-based paths.
"""

import collections
import datetime
import itertools
import json
import logging
import typing

from odoo import Command
from odoo.tools import SQL

from .plan import PRODUCTS

_logger = logging.getLogger(__name__)

MARKER_PARAM = "ar_analytics.book"
BATCH = 200
ANALYZED_TABLES = (
    "account_move",
    "account_move_line",
    "account_partial_reconcile",
    "account_payment",
)
COUNTRIES = ("US", "US", "US", "CA", "MX", "UK", "DE", "FR", "CN", "JP")
# code of the bank journal that books receipts straight to the bank account
DIRECT_CODE = "BNKD"


class _Event(typing.NamedTuple):
    """A payment or write-off of ``amount`` (in the item's currency) on a receivable item."""

    date: datetime.date
    kind: str  # 'payment' or 'write_off'
    item: typing.Any  # account.move.line
    amount: float
    inv: typing.Any  # plan.Invoice


def _batches(seq, size=BATCH):
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _open_items(move):
    return move.line_ids.filtered(
        lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
    )


def _proposed(move, day):
    """The amount the Register payment wizard proposes for an invoice paid on ``day``: its
    overdue installments, else its next one."""
    items = _open_items(move).sorted(lambda line: (line.date_maturity or line.date, line.id))
    overdue = items.filtered(lambda line: (line.date_maturity or line.date) < day)
    return sum((overdue or items[:1]).mapped("amount_residual_currency"))


def _open_amount(move):
    """What is still open on the invoice, in its currency."""
    return sum(_open_items(move).mapped("amount_residual_currency"))


class BookBuilder:
    """Creates the documents of one plan in the given companies."""

    def __init__(self, env, plan, company=None, second_company=None):
        self.env = env(
            context=dict(
                env.context,
                tracking_disable=True,
                mail_create_nolog=True,
                mail_notrack=True,
                no_reset_password=True,
                # a bulk load: figures are refreshed once afterwards, not after every posting
                ar_skip_refresh=True,
            )
        )
        self.plan = plan
        self.companies = {"main": company or self.env.company}
        if any(c.company in ("second", "both") for c in plan.customers):
            self.companies["second"] = second_company or self._second_company()
        self.partners = {}
        self.moves = {}  # invoice key -> account.move
        self.stats = {
            "invoices": 0,
            "credit_notes": 0,
            "payments": 0,
            "statement_lines": 0,
            "write_offs": 0,
        }

    # -- setup ---------------------------------------------------------------------------------
    def _second_company(self):
        main = self.companies["main"]
        name = "AR Demo Europe"
        company = self.env["res.company"].search([("name", "=", name)], limit=1)
        if not company:
            currency = self._other_currency(main.currency_id)
            # no country: a country would make Odoo install its localisation modules
            company = self.env["res.company"].create({"name": name, "currency_id": currency.id})
            self.env["account.chart.template"].try_loading(
                "generic_coa", company=company, install_demo=False
            )
            # the chart template sets its own currency: the company's is EUR (no entries yet)
            company.currency_id = currency
        self.env.user.company_ids |= company
        return company

    def _other_currency(self, currency):
        code = "EUR" if currency.name != "EUR" else "USD"
        other = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("name", "=", code)], limit=1)
        )
        other.active = True
        return other

    def _company_env(self, key):
        company = self.companies[key]
        return self.env(context=dict(self.env.context, allowed_company_ids=company.ids))

    def _journals(self, key):
        """The company's bank journal as Odoo creates it (receipts wait on the outstanding
        receipts account for their bank line), a second bank journal set up to book receipts
        straight to the bank account, and the miscellaneous journal."""
        env = self._company_env(key)
        company = self.companies[key]
        journal = env["account.journal"]
        domain = [("type", "=", "bank"), ("company_id", "=", company.id)]
        bank = journal.search([*domain, ("code", "!=", DIRECT_CODE)], limit=1)
        direct = journal.search([*domain, ("code", "=", DIRECT_CODE)], limit=1)
        if not direct:
            direct = journal.create(
                {
                    "name": "Bank (direct receipts)",
                    "code": DIRECT_CODE,
                    "type": "bank",
                    "sequence": bank.sequence + 1,
                    "company_id": company.id,
                }
            )
            direct.inbound_payment_method_line_ids[
                :1
            ].payment_account_id = direct.default_account_id
        misc = journal.search([("type", "=", "general"), ("company_id", "=", company.id)], limit=1)
        return bank, direct, misc

    def _products(self):
        products = {}
        env = self.env
        for code, name, price, cost in PRODUCTS:
            product = env["product.product"].search([("default_code", "=", code)], limit=1)
            if not product:
                product = env["product.product"].create(
                    {
                        "name": name,
                        "default_code": code,
                        "list_price": price,
                        "type": "consu",
                        "taxes_id": [Command.clear()],
                    }
                )
            for company in self.companies.values():
                product.with_company(company).standard_price = cost
            products[code] = product
        return products

    def _rates(self, currency, company):
        """Monthly rates of the foreign currency over the book, a seeded random walk."""
        walk = 0.92
        month = self.plan.start
        rates = []
        step = 0
        while month <= self.plan.end:
            step += 1
            walk = round(walk * (1 + 0.02 * ((step * 7919) % 11 - 5) / 5), 6)
            rates.append(
                {"name": month, "rate": walk, "currency_id": currency.id, "company_id": company.id}
            )
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        existing = self.env["res.currency.rate"].search(
            [
                ("currency_id", "=", currency.id),
                ("company_id", "=", company.id),
                ("name", "in", [r["name"] for r in rates]),
            ]
        )
        have = set(existing.mapped("name"))
        self.env["res.currency.rate"].create([r for r in rates if r["name"] not in have])

    def _partners(self):
        env = self.env
        tags = {}
        for behaviour in {c.behaviour for c in self.plan.customers}:
            name = f"AR book: {behaviour.replace('_', ' ')}"
            tag = env["res.partner.category"].search([("name", "=", name)], limit=1)
            tags[behaviour] = tag or env["res.partner.category"].create({"name": name})
        industries = env["res.partner.industry"].search([], order="id")
        countries = {code: env.ref(f"base.{code.lower()}") for code in set(COUNTRIES)}
        vals = []
        for n, c in enumerate(self.plan.customers):
            vals.append(
                {
                    "name": c.name,
                    "ref": c.key,
                    "is_company": True,
                    "customer_rank": 1,
                    "email": f"{c.key.lower()}@example.com",
                    "category_id": [Command.set(tags[c.behaviour].ids)],
                    "country_id": countries[COUNTRIES[n % len(COUNTRIES)]].id,
                    "industry_id": industries[n % len(industries)].id if industries else False,
                }
            )
        for c, partner in zip(self.plan.customers, env["res.partner"].create(vals), strict=True):
            self.partners[c.key] = partner

    # -- documents -----------------------------------------------------------------------------
    def _invoices(self, key, products):
        env = self._company_env(key)
        company = self.companies[key]
        tax = company.account_sale_tax_id
        foreign = self._other_currency(company.currency_id)
        plans = [i for i in self.plan.invoices if i.company == key]
        for chunk in _batches(plans):
            vals = []
            for inv in chunk:
                customer = self.plan.customer(inv.customer)
                vals.append(
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.partners[inv.customer].id,
                        "invoice_date": inv.date,
                        "ref": inv.key,
                        "currency_id": (foreign if inv.foreign else company.currency_id).id,
                        "invoice_payment_term_id": env.ref(f"account.{customer.term}").id,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": products[code].id,
                                    "quantity": qty,
                                    "price_unit": price,
                                    "tax_ids": [Command.set(tax.ids)],
                                }
                            )
                            for code, qty, price in inv.lines
                        ],
                    }
                )
            moves = env["account.move"].create(vals)
            moves.action_post()
            for inv, move in zip(chunk, moves, strict=True):
                self.moves[inv.key] = move
            self.stats["invoices"] += len(moves)

    def _credit_notes(self, key):
        """Credit notes through the reversal wizard, the invoices of a day in one wizard: a
        partial one keeps its first line at a share of its price (what a user edits in the
        draft), a full reversal keeps every line; posting reconciles each with its invoice."""
        env = self._company_env(key)
        end = self.plan.end
        by_day = collections.defaultdict(list)
        cancels = []
        for inv in self.plan.invoices:
            if inv.company != key:
                continue
            move = self.moves[inv.key]
            when = inv.date + datetime.timedelta(days=inv.refund_delay or 5)
            if (inv.refund_share or inv.reverse) and when <= end:
                by_day[when].append((inv, move))
            elif inv.cancel:
                cancels.append(move)
        for when in sorted(by_day):
            moves = env["account.move"].concat(*(move for _inv, move in by_day[when]))
            wizard = (
                env["account.move.reversal"]
                .with_context(active_model="account.move", active_ids=moves.ids)
                .create(
                    {
                        "date": when,
                        "reason": "Returned goods",
                        # what the form's onchange proposes: the invoices' journal
                        "journal_id": moves.journal_id[:1].id,
                    }
                )
            )
            wizard.refund_moves()
            refunds = {refund.reversed_entry_id: refund for refund in wizard.new_move_ids}
            for inv, move in by_day[when]:
                if inv.refund_share:
                    first, *others = refunds[move].invoice_line_ids
                    refunds[move].write(
                        {
                            "invoice_line_ids": [
                                Command.update(
                                    first.id,
                                    {"price_unit": round(first.price_unit * inv.refund_share, 2)},
                                ),
                                *(Command.delete(line.id) for line in others),
                            ]
                        }
                    )
            wizard.new_move_ids.action_post()
            self.stats["credit_notes"] += len(wizard.new_move_ids)
            self._end_of_day()
        for move in cancels:
            move.button_draft()
            move.button_cancel()

    def _settlements(self, key):
        """Payments and write-offs of every open installment, in date order."""
        end = self.plan.end
        events = []
        for inv in self.plan.invoices:
            if inv.company != key or inv.cancel or inv.reverse:
                continue
            move = self.moves[inv.key]
            items = _open_items(move).sorted(
                lambda line: (line.date_maturity or line.date, line.id)
            )
            for n, item in enumerate(items):
                delay = inv.delays[min(n, len(inv.delays) - 1)]
                if delay is None:
                    continue
                due = item.date_maturity or inv.date
                paid_on = max(due + datetime.timedelta(days=delay), inv.date)
                residual = item.amount_residual_currency
                if inv.partial:
                    share, rest_delay, write_off = inv.partial
                    first = item.currency_id.round(residual * share)
                    events.append(_Event(paid_on, "payment", item, first, inv))
                    if rest_delay is not None:
                        rest_on = due + datetime.timedelta(days=rest_delay)
                        kind = "write_off" if write_off else "payment"
                        events.append(_Event(rest_on, kind, item, residual - first, inv))
                else:
                    events.append(_Event(paid_on, "payment", item, residual, inv))
        events = [e for e in events if e.date <= end]
        events.sort(key=lambda e: (e.date, e.item.id))
        return events

    def _payments(self, key):
        """The plan's payments and write-offs, day by day. The plan times each installment's
        payment; an invoice is paid the way Odoo applies a payment registered on it, the
        earliest open installment first, so an amount is capped at what is still open."""
        env = self._company_env(key)
        bank, direct, misc = self._journals(key)
        expense = env["account.account"].search(
            [("account_type", "=", "expense"), ("company_ids", "in", self.companies[key].ids)],
            limit=1,
        )
        done, month = 0, None
        for when, day in itertools.groupby(self._settlements(key), key=lambda e: e.date):
            if (when.year, when.month) != month:
                # the slowest part of a demo-size book: show how far it is
                month = (when.year, when.month)
                _logger.info(
                    "book: %s, payments of %04d-%02d (%d so far)",
                    self.companies[key].name,
                    *month,
                    self.stats["payments"],
                )
            by_way = collections.defaultdict(list)
            for event in day:
                event = event._replace(amount=min(event.amount, _open_amount(event.item.move_id)))
                if event.item.currency_id.compare_amounts(event.amount, 0) <= 0:
                    continue
                way = self.plan.customer(event.inv.customer).settlement
                by_way[way if event.kind == "payment" else event.kind].append(event)
                done += 1
            self._statement_lines(env, bank, when, by_way["statement"])
            self._register_day(env, bank, when, by_way["wizard"])
            self._register_day(env, direct, when, by_way["bank_direct"])
            for event in by_way["write_off"]:
                self._write_off(env, misc, expense, event)
            self._end_of_day()
            if done >= BATCH:
                self._analyze()
                done = 0
        advances = [c for c in self.plan.customers if c.unapplied_advance and c.company == key]
        if advances:
            # a payment on account, entered in the payments list: no invoice to register it on
            records = env["account.payment"].create(
                [
                    {
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": self.partners[c.key].id,
                        "amount": c.unapplied_advance,
                        "date": self.plan.end - datetime.timedelta(days=20),
                        "journal_id": bank.id,
                        "memo": "Advance on account",
                    }
                    for c in advances
                ]
            )
            records.action_post()
            self.stats["payments"] += len(records)

    def _write_off(self, env, misc, expense, event):
        """The rest of an invoice written off by a miscellaneous entry reconciled with it."""
        move = event.item.move_id
        entry = env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": misc.id,
                "date": event.date,
                "ref": f"Write-off {move.name}",
                "line_ids": [
                    Command.create(
                        {
                            "account_id": event.item.account_id.id,
                            "partner_id": event.item.partner_id.id,
                            "credit": event.amount,
                            "name": "Write-off",
                        }
                    ),
                    Command.create(
                        {"account_id": expense.id, "debit": event.amount, "name": "Write-off"}
                    ),
                ],
            }
        )
        entry.action_post()
        credit = entry.line_ids.filtered(lambda line: line.account_id == event.item.account_id)
        (credit + _open_items(move)).reconcile()
        self.stats["write_offs"] += 1

    def _register_day(self, env, journal, when, events):
        """The day's payments through the Register payment wizard on ``journal``.

        Every payment of the amount the wizard proposes for its invoice (the overdue
        installments, else the next one) goes through one wizard over all those invoices,
        which makes one payment per invoice, except that a grouped customer's invoices get one
        payment for all of them. Any other amount (part of an installment) is typed into a
        wizard of its own; Odoo settles the earliest installment first."""
        single, whole = [], {}
        for event in events:
            move = event.item.move_id
            proposed = _proposed(move, when)
            if move in whole or move.currency_id.compare_amounts(event.amount, proposed):
                single.append(event)
            else:
                whole[move] = event
        grouped, batch = collections.defaultdict(list), env["account.move"]
        for move, event in whole.items():
            if self.plan.customer(event.inv.customer).grouped:
                grouped[move.partner_id, move.currency_id].append(event)
            else:
                batch |= move
        for group in grouped.values():
            moves = env["account.move"].concat(*(e.item.move_id for e in group))
            if len(group) == 1:
                batch |= moves
            else:
                amount = sum(e.amount for e in group)
                self._register(env, journal, when, moves, amount=amount, group=True)
        if batch:
            self._register(env, journal, when, batch)
        for event in single:
            self._register(env, journal, when, event.item.move_id, amount=event.amount)

    def _register(self, env, journal, when, moves, amount=None, group=False):
        """Odoo's Register payment wizard on ``moves``, as a user fills it in."""
        vals = {"payment_date": when, "journal_id": journal.id, "group_payment": group}
        if amount is not None:
            vals["amount"] = amount
        wizard = (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create(vals)
        )
        payments = wizard._create_payments()
        self.stats["payments"] += len(payments)
        return payments

    def _statement_lines(self, env, bank, when, events):
        """The day's bank statement lines, each matched with the open installments of the
        invoice it pays, the way Odoo's own tests settle an invoice from the bank (the
        suspense line moved to the receivable account and reconciled)."""
        if not events:
            return
        lines = env["account.bank.statement.line"].create(
            [
                {
                    "journal_id": bank.id,
                    "date": when,
                    "amount": event.amount,
                    "payment_ref": event.item.move_id.name,
                    "partner_id": event.item.partner_id.id,
                }
                for event in events
            ]
        )
        for line, event in zip(lines, events, strict=True):
            _liquidity, suspense, _other = line.with_context(
                skip_account_move_synchronization=True
            )._seek_for_lines()
            suspense.account_id = event.item.account_id
            (suspense + _open_items(event.item.move_id)).reconcile()
        self.stats["statement_lines"] += len(lines)

    def _end_of_day(self):
        """What committing the day's work runs: the callbacks Odoo queued for the commit.
        Each wizard works in an environment of its own, and the chatter's pending callbacks
        keep those alive until the commit; Odoo looks environments up one by one, so a day's
        work would otherwise cost more with every day before it."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _analyze(self):
        """Refresh the planner's statistics of the tables just filled: on a fresh database
        Odoo's payment look-ups otherwise get nested-loop plans that take minutes."""
        for table in ANALYZED_TABLES:
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))

    def _documents(self, key, products):
        """Every document of one company: invoices, credit notes, payments, write-offs."""
        self._invoices(key, products)
        self._analyze()
        self._credit_notes(key)
        self._payments(key)
        self._analyze()

    # -- entry point ---------------------------------------------------------------------------
    def build(self):
        products = self._products()
        main = self.companies["main"]
        if any(i.foreign for i in self.plan.invoices):
            self._rates(self._other_currency(main.currency_id), main)
        self._partners()
        for key in self.companies:
            self._documents(key, products)
            _logger.info("book: company %s done (%s)", self.companies[key].name, self.stats)
        self.env["ir.config_parameter"].sudo().set_param(
            MARKER_PARAM,
            json.dumps(
                {
                    "seed": self.plan.seed,
                    "size": self.plan.size,
                    "start": self.plan.start.isoformat(),
                    "end": self.plan.end.isoformat(),
                    "companies": [c.id for c in self.companies.values()],
                    **self.stats,
                }
            ),
        )
        return self


def build_book(env, plan, company=None, second_company=None):
    """Create the plan's documents; return the builder (partners, moves, stats)."""
    return BookBuilder(env, plan, company=company, second_company=second_company).build()


def loaded_book(env):
    """The marker of a book already loaded in this database, or None."""
    value = env["ir.config_parameter"].sudo().get_param(MARKER_PARAM)
    return json.loads(value) if value else None
