"""The full refresh of a company in batches of customers, in one process and one transaction
(docs/scaling.md): per batch, extraction, engine and per-invoice figures; after the last,
the ranks and company totals over every customer, then the customers' rows. Its memory is
bounded by the batch, not by the book. The same batches are the queue jobs of
``ar_analytics_queue``, each refreshing one batch (``_refresh_batch``)."""

import logging
import time

import numpy as np

from odoo import api, fields, models

from ..engine import pipeline
from ..store import book, scope
from ..store import figures as stored

_logger = logging.getLogger(__name__)

# at most this many customers per batch of a full refresh, in batches of even sizes: a book
# with fewer is refreshed in one batch (each batch costs its own reads of the partials)
BATCH_SIZE = 2000


class ArRefresh(models.AbstractModel):
    _inherit = "ar.refresh"

    @api.model
    def _batch_size(self, company):
        """Customers per batch of the company's full refresh (its memory's knob)."""
        return BATCH_SIZE

    @api.model
    def _batches(self, company):
        """The company's customers in the batches of its full refresh (``[None]``: one
        batch, the whole company read without a filter on its customers)."""
        size = self._batch_size(company)
        if not scope.may_exceed(self.env, size):
            return [None]
        batches = scope.customer_batches(self.env, company, size, unassigned=True, even=True)
        return batches if len(batches) > 1 else [None]

    @api.model
    def _book(self, company, as_of, with_stored=False):
        """The reads of the company's full refresh, batch by batch (``store.book``); with
        ``with_stored``, the stored per-invoice figures too. To be closed."""
        batches = self._batches(company)
        firsts = None if batches == [None] else [batch[0] for batch in batches]
        return book.Book(self.env, company, as_of, firsts, with_stored)

    @api.model
    def _compute_batches(self, company, as_of, reads):
        """Every figure of the company at ``as_of``, computed batch by batch from ``reads``
        (``_book``; ``pipeline.batch``, then ``pipeline.combine``): ``_compute``'s result
        without the per-invoice figures. When ``reads`` holds the stored per-invoice
        figures, each batch's are written once computed (only those that changed), and
        those no batch computed are cleared after the last."""
        settings = self._settings(company)
        write_moves = reads.with_stored
        kept, computed, known = [], [], []
        for number in range(1, reads.count + 1):
            items, allocs = reads.frames(number)
            result = pipeline.batch(
                items,
                allocs,
                as_of,
                settings,
                sales=lambda number=number: self._costed_sales(company, reads.sales(number)),
            )
            if write_moves:
                # a move's stored figures are read by its partner, its items by their
                # lines' partner: the stale ones are known after the last batch
                moves, before = result["moves"], reads.stored(number)
                stored.write_moves(self.env, company, moves, None, stored=before, clear=False)
                computed.append(moves.index.to_numpy())
                known.append(before["move_id"].to_numpy())
            # only the per-customer frames and the totals' parts outlive the batch
            kept.append({key: result[key] for key in ("figures", "parts", "summary")})
            del result, items, allocs
        if write_moves:
            stored.clear_moves(self.env, np.concatenate(known), np.concatenate(computed))
        combined = pipeline.combine(kept, as_of, settings)
        combined["settings"] = settings
        return combined

    @api.model
    def _refresh_in_batches(self, company, as_of, keep=False):
        """The full refresh of the company (``_compute_batches``, then every customer's
        rows and the company's written); returns (rows written, with ``keep`` its reads
        (``_book``), still open for the collection run, else None)."""
        started = time.perf_counter()
        reads = self._book(company, as_of, with_stored=True)
        try:
            result = self._compute_batches(company, as_of, reads)
            written = self._store(company, as_of, result, None)
        except Exception:
            reads.close()
            raise
        if not keep:
            reads.close()
            reads = None
        _logger.info(
            "receivables figures of %s as of %s: %d customers (%d rows changed) in %.1f s",
            company.name,
            as_of,
            len(result["figures"]),
            written,
            time.perf_counter() - started,
        )
        return written, reads

    # -- partner batches as jobs (docs/scaling.md) ---------------------------------------------
    @api.model
    def _ranks(self, company, as_of):
        """(contribution, rfm) of every customer of the company: the figures of a customer
        that depend on the others' (its ABC tier and revenue rank, its RFM quintiles)."""
        return pipeline.ranks(self._extract_sales(company, as_of), as_of, self._settings(company))

    @api.model
    def _partner_batches(self, company, size):
        """The company's customers in batches of ``size`` (``store.scope.customer_batches``):
        each batch is refreshed on its own (``_refresh_batch``), in any order, by any worker."""
        return scope.customer_batches(self.env, company, size)

    @api.model
    def _refresh_batch(self, company, partner_ids, as_of=None):
        """Refresh one batch of the company's customers, ranked among all customers; the
        company totals are refreshed by ``_refresh_totals``."""
        as_of = as_of or self._default_as_of(company)
        return self.sudo()._refresh_company(
            company, as_of, set(partner_ids), ranks=self._ranks(company, as_of)
        )

    @api.model
    def _refresh_totals(self, company, as_of=None):
        """Refresh the company totals only (every customer computed batch by batch, none
        written); skipped while a full refresh of the company runs (it writes them), after
        the batches under way (the lock of a full refresh)."""
        if not self._lock_company(company, wait=False):
            _logger.info(
                "receivables totals of %s: a full refresh is running, this one is skipped",
                company.name,
            )
            return
        as_of = as_of or self._default_as_of(company)
        reads = self._book(company, as_of)
        try:
            result = self.sudo()._compute_batches(company, as_of, reads)
        finally:
            reads.close()
        now = fields.Datetime.now()
        stored.write_company(self.env, company, as_of, now, result, len(result["figures"]))
        company.sudo().ar_last_refresh = now
