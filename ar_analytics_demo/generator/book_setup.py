"""Setup of an ORM-built book: the second company, the foreign currency and its monthly rates,
the bank and miscellaneous journals, the products and the customers (partners and their tags).

``BulkBookBuilder`` reuses it through ``BookBuilder``.
"""

import datetime

from odoo import Command

from .plan import PRODUCTS

COUNTRIES = ("US", "US", "US", "CA", "MX", "UK", "DE", "FR", "CN", "JP")
# code of the bank journal that books receipts straight to the bank account
DIRECT_CODE = "BNKD"


class BookSetupMixin:
    """What a book's documents need before the first invoice (``BookBuilder``'s setup)."""

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
