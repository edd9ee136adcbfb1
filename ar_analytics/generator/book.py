"""Materialise a book plan through Odoo's ORM.

Everything goes through the documents a user would create: customer invoices posted with real
payment terms (installments included), credit notes reconciled with their invoices, payments
registered and reconciled on the plan's dates (partial ones too), write-offs booked as
miscellaneous entries and reconciled, invoices in a foreign currency paid at another rate (Odoo
books the exchange difference), reversals and cancellations, and a second company.

Used by the tests (small books, seconds) and the demo command; benchmark books reuse the plan
with set-based paths.
"""

import datetime
import json
import logging

from odoo import Command
from odoo.tools import SQL

from .plan import PENDING_DAYS, PRODUCTS

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


def _batches(seq, size=BATCH):
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


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
        self.stats = {"invoices": 0, "credit_notes": 0, "payments": 0, "write_offs": 0}

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
        """The company's bank journal set up to book receipts straight to the bank account
        (matched at once), and a journal of received cheques that are not yet matched."""
        env = self._company_env(key)
        company = self.companies[key]
        journal = env["account.journal"]
        bank = journal.search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
        manual = bank.inbound_payment_method_line_ids[:1]
        if manual.payment_account_id != bank.default_account_id:
            manual.payment_account_id = bank.default_account_id
        cheques = journal.search([("code", "=", "CHQR"), ("company_id", "=", company.id)], limit=1)
        if not cheques:
            cheques = journal.create(
                {
                    "name": "Cheques received",
                    "code": "CHQR",
                    "type": "bank",
                    "company_id": company.id,
                }
            )
        misc = journal.search([("type", "=", "general"), ("company_id", "=", company.id)], limit=1)
        return bank, cheques, misc

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
        env = self._company_env(key)
        end = self.plan.end
        partial, reversals, cancels = [], [], []
        for inv in self.plan.invoices:
            if inv.company != key:
                continue
            move = self.moves[inv.key]
            when = inv.date + datetime.timedelta(days=inv.refund_delay or 5)
            if inv.refund_share and when <= end:
                partial.append((inv, move, when))
            elif inv.reverse and when <= end:
                reversals.append((move, when))
            elif inv.cancel:
                cancels.append(move)
        for chunk in _batches(partial):
            vals = []
            for inv, move, when in chunk:
                line = move.invoice_line_ids[0]
                vals.append(
                    {
                        "move_type": "out_refund",
                        "partner_id": move.partner_id.id,
                        "invoice_date": when,
                        "currency_id": move.currency_id.id,
                        "reversed_entry_id": move.id,
                        "ref": f"Credit note on {inv.key}",
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": line.product_id.id,
                                    "quantity": line.quantity,
                                    "price_unit": round(line.price_unit * inv.refund_share, 2),
                                    "tax_ids": [Command.set(line.tax_ids.ids)],
                                }
                            )
                        ],
                    }
                )
            refunds = env["account.move"].create(vals)
            refunds.action_post()
            for (_inv, move, _when), refund in zip(chunk, refunds, strict=True):
                (refund.line_ids + move.line_ids).filtered(
                    lambda line: (
                        line.account_id.account_type == "asset_receivable" and not line.reconciled
                    )
                ).reconcile()
            self.stats["credit_notes"] += len(refunds)
        for move, when in reversals:
            move._reverse_moves([{"invoice_date": when, "date": when}], cancel=True)
            self.stats["credit_notes"] += 1
        for move in cancels:
            move.button_draft()
            move.button_cancel()

    def _settlements(self, key):
        """Payments and write-offs of every open installment, in date order."""
        end = self.plan.end
        events = []  # (date, kind, receivable line, amount in the line's currency)
        for inv in self.plan.invoices:
            if inv.company != key or inv.cancel or inv.reverse:
                continue
            move = self.moves[inv.key]
            items = move.line_ids.filtered(
                lambda line: (
                    line.account_id.account_type == "asset_receivable" and not line.reconciled
                )
            ).sorted(lambda line: (line.date_maturity or line.date, line.id))
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
                    events.append((paid_on, "payment", item, first))
                    if rest_delay is not None:
                        rest_on = due + datetime.timedelta(days=rest_delay)
                        kind = "write_off" if write_off else "payment"
                        events.append((rest_on, kind, item, residual - first))
                else:
                    events.append((paid_on, "payment", item, residual))
        events = [e for e in events if e[0] <= end]
        events.sort(key=lambda e: (e[0], e[2].id))
        return events

    def _payments(self, key):
        env = self._company_env(key)
        bank, cheques, misc = self._journals(key)
        end = self.plan.end
        pending_from = end - datetime.timedelta(days=PENDING_DAYS)
        events = self._settlements(key)
        payments = [e for e in events if e[1] == "payment"]
        for chunk in _batches(payments):
            vals = []
            for when, _kind, item, amount in chunk:
                journal = cheques if when > pending_from else bank
                vals.append(
                    {
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": item.partner_id.id,
                        "amount": amount,
                        "currency_id": item.currency_id.id,
                        "date": when,
                        "journal_id": journal.id,
                        "payment_method_line_id": journal.inbound_payment_method_line_ids[:1].id,
                        "memo": item.move_id.name,
                    }
                )
            records = env["account.payment"].create(vals)
            records.action_post()
            pairs = [
                payment.move_id.line_ids.filtered(
                    lambda line, item=item: line.account_id == item.account_id
                )
                + item
                for (_when, _kind, item, _amount), payment in zip(chunk, records, strict=True)
            ]
            env["account.move.line"]._reconcile_plan(pairs)
            self.stats["payments"] += len(records)
            self._analyze()
        write_offs = [e for e in events if e[1] == "write_off"]
        expense = env["account.account"].search(
            [("account_type", "=", "expense"), ("company_ids", "in", self.companies[key].ids)],
            limit=1,
        )
        for when, _kind, item, amount in write_offs:
            entry = env["account.move"].create(
                {
                    "move_type": "entry",
                    "journal_id": misc.id,
                    "date": when,
                    "ref": f"Write-off {item.move_id.name}",
                    "line_ids": [
                        Command.create(
                            {
                                "account_id": item.account_id.id,
                                "partner_id": item.partner_id.id,
                                "credit": amount,
                                "name": "Write-off",
                            }
                        ),
                        Command.create(
                            {"account_id": expense.id, "debit": amount, "name": "Write-off"}
                        ),
                    ],
                }
            )
            entry.action_post()
            (
                entry.line_ids.filtered(lambda line, item=item: line.account_id == item.account_id)
                + item
            ).reconcile()
            self.stats["write_offs"] += 1
        advances = [c for c in self.plan.customers if c.unapplied_advance and c.company == key]
        if advances:
            records = env["account.payment"].create(
                [
                    {
                        "payment_type": "inbound",
                        "partner_type": "customer",
                        "partner_id": self.partners[c.key].id,
                        "amount": c.unapplied_advance,
                        "date": end - datetime.timedelta(days=20),
                        "journal_id": bank.id,
                        "payment_method_line_id": bank.inbound_payment_method_line_ids[:1].id,
                        "memo": "Advance on account",
                    }
                    for c in advances
                ]
            )
            records.action_post()
            self.stats["payments"] += len(records)

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
