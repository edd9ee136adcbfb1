"""Materialise a book plan set-based: benchmark books of hundreds of thousands of invoices.

The same seeded plan as ``book.py`` (customers, invoices, how each installment gets paid), but
the accounting documents are computed here, in Python, a chunk of invoices at a time, and
written with one ``INSERT ... SELECT FROM unnest(...)`` per table and chunk: customer invoices
(product, tax and one receivable line per installment of the payment term, due dates from
Odoo's own payment term lines), credit notes reconciled with their invoice, full reversals,
payments (``account.payment`` and their journal entries as the Register payment wizard books
them: on the bank journal as Odoo creates it, the liquidity line on the outstanding receipts
account, never matched with the bank and paid all the same in Community; on the journal that
books receipts straight to the bank account for the customers the plan pays that way; one
payment for a grouped customer's invoices of a day), write-offs, advances never matched, and
the reconciliations between them (partials, full reconciles, matching numbers, the invoices'
links to their payments).
Everything Odoo stores about them is written with the values its own computations give:
balanced entries, residuals and reconciled flags of the lines, residual, totals and payment
state of the moves, sequence names unique per journal (``ar_analytics/tests/test_bulk.py``
recomputes them through the ORM and compares, and checks that the refresh gives the same
figures as on the ORM-built book).

Deliberate differences from the ORM path: cancelled invoices are not written (they leave no
posted line), a payment of a foreign-currency invoice is booked at the invoice's rate, so no
exchange difference entries are made, and the customers the plan pays by bank statement lines
get payments of the default bank journal instead (cash on the same dates).

Setup (companies, partners, products, journals, currency rates) reuses ``BookBuilder``. This
module holds the builder and its per-company constants; a chunk's documents are computed by
``bulk_documents`` into a ``bulk_chunk.Chunk``, completed by ``bulk_derived`` and written by
``bulk_tables``.
"""

import collections
import logging
import time

from odoo.tools import SQL

from .book import BookBuilder
from .bulk_chunk import half_up
from .bulk_derived import finish_chunk
from .bulk_documents import BulkDocumentsMixin
from .bulk_tables import ChunkWriter

_logger = logging.getLogger(__name__)

CHUNK = 20000  # invoices computed and written at a time


class BulkBookBuilder(BulkDocumentsMixin, BookBuilder):
    """Writes the plan's documents with set-based inserts (see the module's docstring)."""

    def __init__(self, env, plan, company=None, second_company=None, chunk=CHUNK):
        super().__init__(env, plan, company=company, second_company=second_company)
        self.chunk = chunk
        self.timings = {}

    # -- per-company constants -----------------------------------------------------------------
    def _setup(self, key, products):
        env = self._company_env(key)
        company = self.companies[key]
        bank, direct, misc = self._journals(key)
        sale = env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        )
        tax = company.account_sale_tax_id
        repartition = tax.invoice_repartition_line_ids.filtered(
            lambda r: r.repartition_type == "tax"
        )[:1]
        partner = next(iter(self.partners.values())).with_company(company)
        income = products[next(iter(products))].with_company(company)._get_product_accounts()
        expense = env["account.account"].search(
            [("account_type", "=", "expense"), ("company_ids", "in", company.ids)], limit=1
        )
        foreign = self._other_currency(company.currency_id)
        rates = self.env["res.currency.rate"].search(
            [("currency_id", "=", foreign.id), ("company_id", "=", company.id)], order="name"
        )
        self.ctx = {
            "company": company,
            "currency": company.currency_id.id,
            "foreign": foreign.id,
            "rates": [(r.name, r.rate) for r in rates],
            "sale": sale,
            "misc": misc,
            # bank statement lines are written as payments of the default bank journal
            "ways": {
                "wizard": self._way(env, bank),
                "statement": self._way(env, bank),
                "bank_direct": self._way(env, direct),
            },
            "receivable": partner.property_account_receivable_id.id,
            "income": income["income"].id,
            "expense": expense.id,
            "tax": tax.id,
            "tax_name": tax.name,
            "tax_group": tax.tax_group_id.id,
            "tax_rate": tax.amount if tax.amount_type == "percent" else 0.0,
            "tax_account": repartition.account_id.id,
            "tax_repartition": repartition.id,
            "products": {code: (p.id, p.uom_id.id, p.display_name) for code, p in products.items()},
            "terms": {},
            "due": {},
        }
        self.sequences = collections.defaultdict(int)
        self._sequence_starts(company)

    def _way(self, env, journal):
        """What the Register payment wizard writes on a payment of ``journal``: its method,
        the account of its liquidity line (the outstanding receipts account as Odoo sets the
        journal up, else the bank account) and whether Odoo counts it matched with the bank
        (only on the bank account)."""
        method = journal.inbound_payment_method_line_ids[:1]
        account = method.payment_account_id or env["account.payment"].new(
            {"company_id": journal.company_id.id}
        )._get_outstanding_account("inbound")
        return {
            "journal": journal,
            "method": method,
            "account": account.id,
            "matched": account == journal.default_account_id,
        }

    def _sequence_starts(self, company):
        """Continue each journal's numbering after the entries already there."""
        rows = self.env.execute_query(
            SQL(
                "SELECT journal_id, sequence_prefix, MAX(sequence_number) FROM account_move "
                "WHERE company_id = %s AND sequence_prefix IS NOT NULL GROUP BY 1, 2",
                company.id,
            )
        )
        for journal, prefix, number in rows:
            self.sequences[journal, prefix] = number or 0

    def _name(self, journal, prefix, date):
        """Next name in the journal: PREFIX/YYYY/NNNNN (monthly PREFIX/YYYY/MM/NNNN for
        miscellaneous entries, like Odoo's defaults)."""
        if journal.type == "general":
            prefix = f"{prefix}/{date.year}/{date.month:02d}/"
            digits = 4
        else:
            prefix = f"{prefix}/{date.year}/"
            digits = 5
        self.sequences[journal.id, prefix] += 1
        number = self.sequences[journal.id, prefix]
        return f"{prefix}{number:0{digits}d}", prefix, number

    def _rate(self, day):
        """Units of foreign currency per company unit at ``day`` (the last monthly rate)."""
        rate = 1.0
        for name, value in self.ctx["rates"]:
            if name > day:
                break
            rate = value
        return rate

    def _installments(self, term_xmlid, day, total_cur, total):
        """[(due date, cents in currency, cents in company currency)] as Odoo splits them."""
        terms = self.ctx["terms"]
        if term_xmlid not in terms:
            term = self.env.ref(f"account.{term_xmlid}")
            terms[term_xmlid] = [
                (line, line.value, line.value_amount) for line in term.line_ids.sorted("id")
            ]
        lines = terms[term_xmlid]
        out = []
        rest_cur, rest = total_cur, total
        for n, (line, value, amount) in enumerate(lines):
            key = (line.id, day)
            if key not in self.ctx["due"]:
                self.ctx["due"][key] = line._get_due_date(day)
            if n == len(lines) - 1:
                part_cur, part = rest_cur, rest
            elif value == "percent":
                part_cur = half_up(total_cur * amount / 100)
                part = half_up(total * amount / 100)
            else:
                raise ValueError(f"payment term {term_xmlid}: only percentages are supported")
            rest_cur -= part_cur
            rest -= part
            out.append((self.ctx["due"][key], part_cur, part))
        return out

    # -- a chunk's ids, derived values and rows ------------------------------------------------
    def _finish(self, ch):
        """Ids, reconciled flags, full reconciles and matching numbers, moves' totals,
        residuals and payment states."""
        self.base, self.full_ids = finish_chunk(self.env, ch)

    def _write(self, ch):
        """Write the finished chunk into the tables and count its documents."""
        ChunkWriter(self.env, self.ctx, self.base, self.full_ids).insert(ch)
        self._count(ch)

    def _count(self, ch):
        """Add the chunk's documents to the builder's stats."""
        moves = ch.moves
        self.stats["invoices"] += sum(m["move_type"] == "out_invoice" for m in moves)
        self.stats["credit_notes"] += sum(m["move_type"] == "out_refund" for m in moves)
        self.stats["payments"] += len(ch.payments)
        self.stats["write_offs"] += sum(m["journal_id"] == self.ctx["misc"].id for m in moves)

    # -- entry point ---------------------------------------------------------------------------
    def _documents(self, key, products):
        started = time.perf_counter()
        self._setup(key, products)
        invoices = [i for i in self.plan.invoices if i.company == key]
        advances = [c for c in self.plan.customers if c.unapplied_advance and c.company == key]
        for start in range(0, len(invoices), self.chunk):
            last = start + self.chunk >= len(invoices)
            t0 = time.perf_counter()
            ch = self._chunk(key, invoices[start : start + self.chunk], advances if last else ())
            t1 = time.perf_counter()
            self._finish(ch)
            t2 = time.perf_counter()
            self._write(ch)
            _logger.info(
                "bulk book: %s, %d invoices written (compute %.1f s, ids %.1f s, write %.1f s)",
                key,
                start + self.chunk,
                t1 - t0,
                t2 - t1,
                time.perf_counter() - t2,
            )
        if not invoices and advances:
            ch = self._chunk(key, [], advances)
            self._finish(ch)
            self._write(ch)
        self.env.invalidate_all()
        self._analyze()
        self.timings[key] = time.perf_counter() - started


def build_bulk_book(env, plan, company=None, second_company=None, chunk=CHUNK):
    """Write the plan's documents set-based; return the builder (partners, stats)."""
    return BulkBookBuilder(
        env, plan, company=company, second_company=second_company, chunk=chunk
    ).build()
