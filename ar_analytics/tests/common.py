"""Shared test base: a small generated book in two companies."""

import datetime

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..generator.book import build_book
from ..generator.plan import make_plan

BOOK_END = datetime.date(2026, 6, 30)


class BookCase(AccountTestInvoicingCommon):
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
            cls.env, cls.plan, company=cls.env.company, second_company=cls.company_b
        )
        cls.company_a = cls.env.company
