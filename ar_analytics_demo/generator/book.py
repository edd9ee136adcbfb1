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

This module holds the builder and its entry points; its steps live in ``book_setup``
(companies, currencies, journals, products, partners), ``book_documents`` (invoices, credit
notes) and ``book_payments`` (payments, statement lines, write-offs, advances).

Used by the tests (small books, seconds) and the demo command; benchmark books reuse the plan
with set-based paths.
"""

import json
import logging

from odoo.tools import SQL

from .book_documents import BATCH, BookDocumentsMixin
from .book_payments import BookPaymentsMixin
from .book_setup import COUNTRIES, DIRECT_CODE, BookSetupMixin

__all__ = [
    "ANALYZED_TABLES",
    "BATCH",
    "COUNTRIES",
    "DIRECT_CODE",
    "MARKER_PARAM",
    "BookBuilder",
    "build_book",
    "loaded_book",
]

_logger = logging.getLogger(__name__)

MARKER_PARAM = "ar_analytics.book"
ANALYZED_TABLES = (
    "account_move",
    "account_move_line",
    "account_partial_reconcile",
    "account_payment",
)


class BookBuilder(BookSetupMixin, BookDocumentsMixin, BookPaymentsMixin):
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
