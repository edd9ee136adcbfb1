"""Refresh of the stored receivables figures: the storage layer extracts one company's frames
at an as-of date (``store.extract``), the engine computes every figure in one call
(``engine.pipeline.refresh``), the storage layer writes what changed (``store.figures``).
This model holds the orchestration: locks, crons, the queue of customers to refresh."""

import datetime
import logging
from functools import partial

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.service.model import retrying
from odoo.tools import SQL

from .. import engine
from ..engine import pipeline
from ..store import extract, frames, grades, sales
from ..store import figures as stored
from ..store import stored as stored_reads

_logger = logging.getLogger(__name__)

DIRTY_KEY = "ar_analytics.dirty"
# above this many customers of one company, an incremental refresh refreshes the whole company
INCREMENTAL_LIMIT = 500
# first keys of the per-company advisory locks (second key: company id): one full refresh at
# a time; refreshes of some customers share WRITE_LOCK, which a full refresh takes exclusively
REFRESH_LOCK = 0x41520001
WRITE_LOCK = 0x41520002


class ArRefresh(models.AbstractModel):
    _name = "ar.refresh"
    _description = "Receivables figures refresh"

    # -- settings and frames -------------------------------------------------------------------
    @api.model
    def _default_as_of(self, company):
        """Today; or, for a company whose receivables went quiet for a whole window, the date
        of its last receivable item (so a dormant database still gets meaningful figures)."""
        today = fields.Date.context_today(self.with_company(company))
        lines = self.env["account.move.line"].sudo()
        domain = Domain(
            [
                ("company_id", "=", company.id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
            ]
        )
        start = today - datetime.timedelta(days=company.ar_window_days)
        if lines.search_count(domain & Domain("date", ">", start), limit=1):
            return today
        [(last,)] = lines._read_group(domain, [], ["date:max"])
        return last or today

    @api.model
    def _params(self, company, buckets=None, basis=None):
        """The settlement's settings of the company: aging buckets and basis, window."""
        return {
            "buckets": buckets or self.env["ar.aging.bucket"]._engine_buckets(company),
            "basis": basis or company.ar_aging_basis,
            "window_days": company.ar_window_days,
            "min_obs": company.ar_min_observations,
        }

    @api.model
    def _settings(self, company, buckets=None, basis=None):
        """Every setting of the company that the engine's refresh reads."""
        return pipeline.Settings(
            **self._params(company, buckets, basis),
            recent_days=company.ar_score_recent_days,
            score={
                "weights": company._ar_score_weights(),
                "cutoffs": company._ar_grade_cutoffs(),
                "dpd_cap": company.ar_score_dpd_cap,
                "trend_full": company.ar_score_trend_days,
            },
            tier_cutoffs=company._ar_tier_cutoffs(),
        )

    @api.model
    def _extract(self, company, as_of, partner_ids=None, open_only=False):
        """(items, allocs) of the company at ``as_of`` (``store.extract.extract``)."""
        return extract.extract(self.env, company, as_of, partner_ids, open_only)

    @api.model
    def _costed_sales(self, company, lines):
        """The sales lines read by ``store.sales.sales_read``, with their cost."""
        prices = sales.standard_prices(self.env, company, lines["product_id"])
        return pipeline.sales_costs(lines, prices)

    @api.model
    def _extract_sales(self, company, as_of, partner_ids=None):
        """The company's costed sales lines dated up to ``as_of`` (metrics.md section 0)."""
        read = sales.sales_read(self.env, company, as_of, partner_ids)
        return self._costed_sales(company, frames.query_frame(self.env, *read))

    # -- computation (as of any date) ----------------------------------------------------------
    @api.model
    def _compute(self, company, as_of, partner_ids=None, buckets=None, basis=None, ranks=None):
        """Every figure of one company at ``as_of``, from the data as it stood then, without
        storing anything (``engine.pipeline.refresh``'s result, with the ``settings``
        used). Reports, history, backtests and the refreshes of some
        customers call this; the full refresh goes through ``_compute_batches``."""
        settings = self._settings(company, buckets, basis)
        items, allocs = self._extract(company, as_of, partner_ids)
        # the sales lines are read by the database while the engine computes (in a second
        # connection with the nightly job's snapshot)
        env = self.env if partner_ids is None else self.with_context(ar_snapshot=None).env
        sales_reads = [] if ranks else [sales.sales_read(env, company, as_of, partner_ids)]
        later = frames.frames_later(env, sales_reads)
        others = None
        if partner_ids is not None and ranks is None:
            others = stored_reads.stored_summary(self.env, company, partner_ids)
        result = pipeline.refresh(
            items,
            allocs,
            as_of,
            settings,
            sales=lambda: self._costed_sales(company, later()[0]),
            given_ranks=ranks,
            others=others,
            totals=partner_ids is None,
        )
        result["settings"] = settings
        return result

    @api.model
    def _open_items(self, company, as_of, partner_ids=None, buckets=None, basis=None):
        """(settled items, params): the items open at ``as_of`` as the engine settles them
        (residuals, days past due, buckets): what the aged receivables show."""
        params = self._params(company, buckets, basis)
        items, allocs = self._extract(company, as_of, partner_ids, open_only=True)
        settled = engine.settle(
            items, allocs, as_of, buckets=params["buckets"], basis=params["basis"]
        )
        return settled, params

    # -- refresh -------------------------------------------------------------------------------
    @api.model
    def _refresh_company(self, company, as_of=None, partner_ids=None, ranks=None):
        """Recompute and store the figures of one company (all customers, or only
        ``partner_ids``, commercial partners). Returns the number of customer rows written.
        ``ranks``: (contribution, rfm) of all the company's customers (``_ranks``), for a
        batch of customers (batches share the lock of partial refreshes: they run side by
        side)."""
        return self._refresh_extracted(company, as_of, partner_ids, ranks)[0]

    def _refresh_extracted(self, company, as_of=None, partner_ids=None, ranks=None, keep=False):
        """``_refresh_company``, returning (rows written, with ``keep`` the reads of a full
        refresh (``_book``), still open, else None)."""
        if not self._lock_company(company, wait=partner_ids is not None):
            _logger.info(
                "receivables figures of %s: another full refresh is running, this one is skipped",
                company.name,
            )
            return 0, None
        as_of = as_of or self._default_as_of(company)
        if partner_ids is None:
            return self._refresh_in_batches(company, as_of, keep=keep)
        result = self._compute(company, as_of, partner_ids, ranks=ranks)
        return self._store(company, as_of, result, partner_ids), None

    def _store(self, company, as_of, result, partner_ids):
        """Write the result of ``_compute`` for the scope (of ``_compute_batches`` for the
        company: its per-invoice figures are written batch by batch); returns the customer
        rows written."""
        figures, now = result["figures"], fields.Datetime.now()
        written = stored.write_customers(self.env, company, as_of, now, figures, partner_ids)
        unapplied = self.env["ar.aging.bucket"]._unapplied_buckets(company)[company.id]
        buckets = result["settings"].buckets
        stored.write_aging(self.env, company, figures, buckets, unapplied.id)
        self._apply_grades(company, partner_ids)
        stored.write_history(self.env, company, as_of, figures)
        if "moves" in result:
            stored.write_moves(self.env, company, result["moves"], partner_ids)
        if partner_ids is None:
            stored.write_company(self.env, company, as_of, now, result, len(figures))
            company.sudo().ar_last_refresh = now
        return len(written)

    def _apply_grades(self, company, partner_ids=None):
        """Effective grade = a valid override, else the computed grade; a change of grade is
        posted in the customer's chatter."""
        scope = SQL("company_id = %s", company.id)
        if partner_ids is not None:
            scope = SQL("%s AND partner_id = ANY(%s::int4[])", scope, list(partner_ids))
        changes = [change for change in grades.apply_grades(self.env, scope) if change[1]]
        if not changes:
            return
        # logged like a tracked field's change: one insert for every customer, no notification
        bodies = {
            partner_id: self.env._(
                "Credit grade in %(company)s changed from %(old)s to %(new)s.",
                company=company.name,
                old=old,
                new=new or self.env._("not rated"),
            )
            for partner_id, old, new in changes
        }
        self.env["res.partner"].sudo().browse(list(bodies))._message_log_batch(bodies)

    def _lock_company(self, company, wait):
        """Serialise the refreshes of one company with transaction-level advisory locks,
        released at commit or rollback (a killed refresh never leaves them behind).

        - a full refresh (``wait`` false) skips when another full refresh holds
          REFRESH_LOCK (that one writes the same figures), then waits for the refreshes of
          some customers under way (WRITE_LOCK exclusive);
        - a refresh of some customers (``wait`` true) waits while a full refresh runs, and
          runs alongside other refreshes of some customers (WRITE_LOCK shared), such as
          batches of one company refreshed in parallel.

        Returns whether the refresh may go on."""
        if wait:
            self.env.execute_query(
                SQL("SELECT pg_advisory_xact_lock_shared(%s, %s)", WRITE_LOCK, company.id)
            )
            return True
        [(locked,)] = self.env.execute_query(
            SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", REFRESH_LOCK, company.id)
        )
        if locked:
            self.env.execute_query(
                SQL("SELECT pg_advisory_xact_lock(%s, %s)", WRITE_LOCK, company.id)
            )
        return locked

    # -- entry points ----------------------------------------------------------------------------
    @api.model
    def _refresh(self, companies=None, partner_ids=None, as_of=None):
        """Refresh the given companies (default: all), for all or some customers."""
        companies = (
            companies
            if companies is not None
            else self.env["res.company"].sudo().search([("active", "=", True)])
        )
        written = 0
        for company in companies:
            written += self.sudo()._refresh_company(company, as_of=as_of, partner_ids=partner_ids)
        return written

    @api.model
    def _refresh_in_snapshot(self, company, as_of=None):
        """Full refresh of ``company`` at the top level of a fresh transaction (the nightly
        job): the sales lines are read by a second connection in this transaction's
        snapshot while the engine computes (``store.frames.frames_later``). Returns
        ``_refresh_extracted``'s (rows written, its reads still open, or None)."""
        snapshot = frames.clean_snapshot(self.env)
        refresh = self.with_context(ar_snapshot=snapshot)
        return refresh._refresh_extracted(company, as_of, keep=True)

    @api.model
    def _nightly(self, company):
        """The nightly job of one company: its figures refreshed, then the collection run
        (trend, forecast, expected payments, signals) on them, on the same reads."""
        as_of = self._default_as_of(company)
        _written, reads = self._refresh_in_snapshot(company, as_of)
        try:
            collection = self.env["ar.collection.run"].sudo()
            collection._run_company(company, as_of=as_of, reads=reads)
        finally:
            if reads is not None:
                reads.close()

    @api.model
    def _cron_refresh(self):
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        for n, company in enumerate(companies):
            # a refresh that waited for the lock may meet rows changed meanwhile
            # (serialization failure): retried on a fresh snapshot, like an RPC call
            retrying(partial(self.sudo()._nightly, company), self.env)
            self.env["ir.cron"]._commit_progress(1, remaining=len(companies) - n - 1)

    # -- incremental refresh -------------------------------------------------------------------
    @api.model
    def _mark_dirty(self, pairs):
        """Queue (company id, commercial partner id) pairs: at the end of the transaction
        (precommit) they are stored in one statement and the queue's cron job is triggered,
        which refreshes them right after the commit."""
        if self.env.context.get("ar_skip_refresh"):
            return
        pairs = {(c, p) for c, p in pairs if c and p}
        if not pairs:
            return
        data = self.env.cr.precommit.data
        if DIRTY_KEY not in data:
            data[DIRTY_KEY] = set()
            self.env.cr.precommit.add(self._queue_dirty)
        data[DIRTY_KEY] |= pairs

    @api.model
    def _mark_dirty_lines(self, lines):
        """Queue the customers of receivable lines, and those of customer payments whose
        other lines are reconciled: a payment matched with its bank line is no longer
        pending, though none of its customer's receivable lines changed."""
        receivable = lines.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        payments = (lines - receivable).move_id.origin_payment_id.filtered(
            lambda payment: payment.partner_type == "customer"
        )
        self._mark_dirty(
            {(line.company_id.id, line.partner_id.commercial_partner_id.id) for line in receivable}
            | {(pay.company_id.id, pay.partner_id.commercial_partner_id.id) for pay in payments}
        )

    @api.model
    def _queue_dirty(self):
        pairs = self.env.cr.precommit.data.pop(DIRTY_KEY, set())
        if not pairs:
            return
        companies, partners = zip(*sorted(pairs), strict=True)
        self.env.execute_query(
            SQL(
                "INSERT INTO ar_refresh_request (company_id, partner_id) "
                "SELECT * FROM unnest(%s::int4[], %s::int4[]) ON CONFLICT DO NOTHING",
                list(companies),
                list(partners),
            )
        )
        self.env.ref("ar_analytics.ir_cron_ar_refresh_queue").sudo()._trigger()

    @api.model
    def _process_queue(self):
        """Refresh the queued customers (requests taken with SKIP LOCKED, so two workers
        never take the same one); returns the number of requests processed."""
        rows = self.env.execute_query(
            SQL(
                "DELETE FROM ar_refresh_request WHERE id IN (SELECT id FROM ar_refresh_request "
                "ORDER BY id FOR UPDATE SKIP LOCKED) RETURNING company_id, partner_id"
            )
        )
        by_company = {}
        for company_id, partner_id in rows:
            by_company.setdefault(company_id, set()).add(partner_id)
        for company_id, partner_ids in by_company.items():
            company = self.env["res.company"].sudo().browse(company_id)
            scope = None if len(partner_ids) > INCREMENTAL_LIMIT else partner_ids
            self.sudo()._refresh_company(company, partner_ids=scope)
        return len(rows)

    @api.model
    def _cron_process_queue(self):
        processed = self._process_queue()
        self.env["ir.cron"]._commit_progress(processed)
