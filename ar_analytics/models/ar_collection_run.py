"""The daily collection job (metrics.md sections 6-7): per company, the refresh's extraction
and the stored inputs of the signals (``store.collection``), the engine's collection run
(``engine.collection.run``: trend, forecast, expected payments and signals), then one batched
write per table; alerts raise an activity once per signal and event."""

import datetime
import logging
import time

from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import collection, expected
from ..engine.constants import SEVERITY_ALERT
from ..store import collection as stored

_logger = logging.getLogger(__name__)

#: first key of the per-company advisory lock of this job (second key: company id)
COLLECTION_LOCK = 0x41520003


class ArCollectionRun(models.AbstractModel):
    _name = "ar.collection.run"
    _description = "Collection trend, forecast and signals job"

    # -- entry points ------------------------------------------------------------------------
    @api.model
    def _run(self, companies=None, as_of=None, notify=True):
        """Compute and store trend, forecast, expected cash and signals of the companies
        (default: all active ones); returns the number of active signals."""
        companies = (
            companies
            if companies is not None
            else self.env["res.company"].sudo().search([("active", "=", True)])
        )
        return sum(
            self.sudo()._run_company(company, as_of=as_of, notify=notify) for company in companies
        )

    @api.model
    def _run_company(self, company, as_of=None, notify=True, reads=None):
        """The collection run of one company; ``reads``: those of the nightly refresh at
        ``as_of`` (``ar.refresh._book``), the company read again when not given. Returns
        the number of active signals."""
        [(locked,)] = self.env.execute_query(
            SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", COLLECTION_LOCK, company.id)
        )
        if not locked:  # the same job for the same company is under way: it writes the same
            _logger.info("collection trend and signals of %s: already running", company.name)
            return 0
        started = time.perf_counter()
        refresh = self.env["ar.refresh"]
        as_of = as_of or refresh._default_as_of(company)
        since = self._since(company, as_of)
        settings = self._settings(company, since)
        if reads is not None and reads.count > 1:
            result = self._run_batches(company, as_of, settings, reads)
        else:
            items, allocs = (
                reads.frames(1) if reads is not None else refresh._extract(company, as_of)
            )
            inputs = self._inputs(company, as_of, items)
            result = collection.run(items, allocs, as_of, settings, inputs)
            del items, allocs
        stored.write_trend(self.env, company, as_of, result["months"], result["summaries"])
        stored.write_expected_dates(self.env, company, result["expected_dates"])
        stored.write_cash(self.env, company, as_of, result["cash"])
        active = self._write_signals(company, as_of, result["signals"])
        stored.write_stat_severity(self.env, company, result["severity"])
        if notify:
            self._notify(company)
        company.write({"ar_signals_date": as_of, "ar_signals_since": since})
        _logger.info(
            "collection trend and signals of %s as of %s: %d active signals in %.1f s",
            company.name,
            as_of,
            active,
            time.perf_counter() - started,
        )
        return active

    # -- inputs --------------------------------------------------------------------------------
    @api.model
    def _since(self, company, as_of):
        """The previous evaluation the item signals compare with: the last run before as_of
        (a second run on the same day compares with what the first did), else the day before."""
        last, since = company.ar_signals_date, company.ar_signals_since
        if last and last < as_of:
            return last
        if last == as_of and since and since < as_of:
            return since
        return as_of - datetime.timedelta(days=1)

    @api.model
    def _settings(self, company, since):
        """The company's settings of the engine's collection run."""
        params = self.env["ar.refresh"]._params(company)
        # grouped on in pivots, the cash labels are stored: worded in the company's language
        worded = self.with_context(lang=company.partner_id.lang or "en_US").env
        return collection.Settings(
            since=since,
            buckets=params["buckets"],
            basis=params["basis"],
            thresholds=company._ar_signal_thresholds(),
            # the evidence names a bucket by its record, worded in the reader's language
            bucket_ids={
                code: int(code[1:]) for code, *_ in params["buckets"] if code[1:].isdigit()
            },
            promise_grace_days=company.ar_promise_grace_days,
            labels={
                expected.CASH_LATER: worded._("From %(date)s on"),
                expected.CASH_UNCERTAIN: worded._("Uncertain: no payment history"),
            },
        )

    @api.model
    def _inputs(self, company, as_of, items, stats=None, promises=None):
        """What the signals read from the database: tiers, score history, credit exposure
        (core's figures, when the company uses credit limits) and broken promises; for a
        batch of customers, its ``stats`` and ``promises`` (the company's, cut)."""
        if stats is None:
            stats = stored.customer_stats(self.env, company)
        partner_ids, dates = collection.reads(items, stats, as_of)
        credit = None
        if company.account_use_credit_limit:
            credit = stored.credit_exposure(self.env, company, partner_ids)
        return collection.Inputs(
            stats=stats,
            history=stored.history_at(self.env, company, dates, partner_ids),
            credit=credit,
            promises=stored.broken_promises(self.env, company, as_of)
            if promises is None
            else promises,
        )

    @api.model
    def _run_batches(self, company, as_of, settings, reads):
        """``collection.run``'s result from the batches of the nightly refresh's ``reads``
        (``collection.batch`` each, ``collection.combine``): the memory of one batch. Each
        batch's inputs are its customers' (those with stored figures and no item too)."""
        stats = stored.customer_stats(self.env, company)
        promises = stored.broken_promises(self.env, company, as_of)
        stats_batch = reads.batch_numbers(stats.index)
        promises_batch = reads.batch_numbers(promises["partner_id"])
        parts = []
        for number in range(1, reads.count + 1):
            items, allocs = reads.frames(number)
            inputs = self._inputs(
                company,
                as_of,
                items,
                stats=stats.loc[stats_batch == number],
                promises=promises.loc[promises_batch == number],
            )
            parts.append(collection.batch(items, allocs, as_of, settings, inputs))
            del items, allocs
        return collection.combine(parts, as_of, settings, collection.Inputs(stats=stats))

    # -- signals -------------------------------------------------------------------------------
    @api.model
    def _write_signals(self, company, as_of, found):
        """Update the open signals in place, open new events, close the signals gone.
        Returns the open count."""
        Signal = self.env["ar.customer.signal"].sudo()
        open_rows = Signal.search([("company_id", "=", company.id)])
        by_key = {(s.partner_id.id, s.signal): s for s in open_rows}
        closing = Signal.browse()
        creates = []
        updates = []
        for key, values in found.items():
            row = by_key.get(key)
            if row and row.event != values["event"]:
                closing |= row
                row = None
            if row:
                updates.append((row, values))
            else:
                creates.append(
                    {
                        "company_id": company.id,
                        "partner_id": key[0],
                        "signal": key[1],
                        "first_date": as_of,
                        **self._signal_vals(values, as_of),
                    }
                )
        closing |= Signal.union(*(row for key, row in by_key.items() if key not in found))
        if closing:
            closing.write({"active": False, "closed_date": as_of})
            closing.flush_recordset()
        self._update_signals(updates, as_of)
        Signal.create(creates)
        Signal.flush_model()
        return len(found)

    @api.model
    def _signal_vals(self, values, as_of):
        return {
            "severity": values["severity"],
            "severity_rank": collection.SEVERITY_RANK[values["severity"]],
            "event": values["event"],
            "evidence_data": values["evidence_data"],
            "amount_at_risk": values["amount_at_risk"] or 0.0,
            "value": values["value"] or 0.0,
            "threshold": values["threshold"] or 0.0,
            "last_date": as_of,
        }

    @api.model
    def _update_signals(self, updates, as_of):
        """The open signals still on, in one statement (severity, evidence, last seen); an
        escalation to alert after a warning keeps the row, so it is notified then."""
        if not updates:
            return
        rows = []
        for row, values in updates:
            vals = self._signal_vals(values, as_of)
            # at the precision create stores them: the statement bypasses the fields
            for name in ("amount_at_risk", "value", "threshold"):
                vals[name] = row._fields[name].convert_to_cache(vals[name], row)
            rows.append(vals)
        stored.update_signals(self.env, [row.id for row, _values in updates], rows)

    # -- activities ----------------------------------------------------------------------------
    @api.model
    def _recipient(self, company, partner, managers):
        user = partner.user_id
        if (
            company.ar_signal_notify == "salesperson"
            and user
            and user.active
            and not user.share
            and company in user.company_ids
        ):
            return user
        return managers[:1]

    @api.model
    def _notify(self, company):
        """One activity per open alert not yet notified, for the customer's salesperson or a
        credit manager (the company's choice)."""
        pending = (
            self.env["ar.customer.signal"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("severity", "=", SEVERITY_ALERT),
                    ("notified", "=", False),
                ]
            )
        )
        if not pending:
            return
        managers = self.env["ar.credit.rules"]._credit_managers(company)
        todo = self.env.ref("mail.mail_activity_data_todo")
        model = self.env["ir.model"]._get_id("res.partner")
        activities = []
        by_user = {}
        for row in pending:
            user = self._recipient(company, row.partner_id, managers)
            if not user:
                continue
            # stored text: worded in the language of the user who will read it
            worded = row.with_context(lang=user.lang or company.partner_id.lang or "en_US")
            labels = dict(worded._fields["signal"]._description_selection(worded.env))
            activities.append(
                {
                    "res_model_id": model,
                    "res_id": row.partner_id.id,
                    "activity_type_id": todo.id,
                    "user_id": user.id,
                    "summary": worded.env._(
                        "Receivables alert: %(signal)s", signal=labels[row.signal]
                    ),
                    "note": worded.evidence,
                    "date_deadline": fields.Date.context_today(self),
                }
            )
            by_user[user] = by_user.get(user, pending.browse()) | row
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            activities
        )
        for user, rows in by_user.items():  # one UPDATE per recipient
            rows.write({"notified": True, "activity_user_id": user.id})
